"""When each audit problem was first seen: recorded at the end of every sync.

Audits are computed when asked, so on their own they cannot say since when a problem exists. At
the end of a sync, every current audit is written as an ``AuditSighting`` node (keyed by the
audit's stable id) in a batch of its own source instance, with ``since``: the time of the sync that
first saw it, kept while later syncs see it again. The sync engine retires a sighting when the
problem is gone; a problem that comes back is new again (``since`` is not taken from a retired
sighting, whose node the engine would otherwise revive with its old first-seen time).
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.answers.audits import DEFAULT_STALE_AFTER_DAYS, audits
from catalog.core.model import AUDIT_SIGHTING
from catalog.core.records import ImportBatch, NodeRecord
from catalog.read import CatalogReader

SOURCE = "catalog"
INSTANCE = "catalog:audits"
PAGE = 1000
ORIGIN = "audits computed at the end of a sync"


async def sightings_batch(reader: CatalogReader, now: str, *, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> ImportBatch:
    """Every audit as of ``now``, as the complete batch of the audit-sightings instance."""
    found = await audits(reader, now=now, stale_after_days=stale_after_days)
    batch = ImportBatch(SOURCE, INSTANCE)
    after: str | None = None
    while True:
        page = await found.page(PAGE, after)
        current = await reader.nodes_by_ids(AUDIT_SIGHTING.label, [a.id for a in page.audits])
        for audit, seen in zip(page.audits, current, strict=True):
            since = (seen.text("since") if seen is not None else None) or now
            batch.nodes.append(NodeRecord(AUDIT_SIGHTING.label, audit.id, {"kind": audit.kind.value, "since": since}, ORIGIN))
        if not page.has_next or not page.audits:
            return batch
        after = page.audits[-1].cursor


async def first_detected(reader: CatalogReader, audit_ids: Sequence[str]) -> list[str | None]:
    """For each audit id, when a sync first saw the problem (since it last came back); None when no sync has yet."""
    rows = await reader.nodes_by_ids(AUDIT_SIGHTING.label, audit_ids)
    return [None if row is None else row.text("since") for row in rows]

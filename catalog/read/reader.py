"""The read layer's one entry point."""

from __future__ import annotations

from catalog.read.adoption import AdoptionReads
from catalog.read.audits import AuditReads
from catalog.read.entities import EntityReads
from catalog.read.findings import FindingReads
from catalog.read.history import HistoryReads
from catalog.read.identify import IdentifyReads
from catalog.read.impact import ImpactReads
from catalog.read.oncall import OnCallReads
from catalog.read.ownership import OwnershipReads
from catalog.read.services import ServiceReads


class CatalogReader(
    ServiceReads,
    EntityReads,
    FindingReads,
    IdentifyReads,
    OwnershipReads,
    ImpactReads,
    OnCallReads,
    HistoryReads,
    AuditReads,
    AdoptionReads,
):
    """Every current-state read the API makes, as batch methods over a ``GraphStore``.

    Batch methods take a list of keys and return one result per key, in key order, with one
    store round trip per call (walks: one per level), so DataLoaders can call them directly.
    """

"""``catalog sync``: run every configured source through the sync engine, then reconcile.

Sources run one after the other, descriptors first, each resolved against an identity index
loaded fresh from the graph whenever the previous source changed it, so a live source links to
the services the descriptors declared in the same run. A source that fails is reported and
skipped; its previous facts stay intact and the other sources still sync. A source another
sync is running (its lock is held in the store) is reported as refused the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.answers.adoption import snapshot_batch
from catalog.answers.audit_sightings import sightings_batch
from catalog.clock import now_iso
from catalog.config import CatalogConfig, ConfiguredSource
from catalog.identity import IdentityIndex
from catalog.model import OWNS, PLATFORM, TEAM
from catalog.progress import SyncProgress
from catalog.reconcile import reconcile
from catalog.records import Finding, ImportBatch, NodeRecord, RelRecord
from catalog.refs import InvalidReference, parse_ref, platform_key
from catalog.store.base import GraphStore, StoreError
from catalog.store.runs import SyncInProgress
from catalog.sync import ImportReport, sync
from importers.base import SourceError
from importers.http import ApiError

log = logging.getLogger(__name__)


@dataclass
class SourceOutcome:
    type: str
    instance: str
    report: ImportReport | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def platforms_batch(config: CatalogConfig) -> ImportBatch:
    """Platforms declared in catalog.yaml. Weak: a descriptor that declares the same platform wins."""
    batch = ImportBatch("config", f"config:{config.path.resolve()}#platforms")
    for p in config.platforms:
        props = {
            "namespace": p.namespace,
            "name": p.name,
            "title": p.title,
            "description": p.description,
            "type": p.type,
            "standard": p.standard,
            "search_text": " ".join(w for w in (p.name, p.title, p.description) if w).lower(),
        }
        batch.nodes.append(NodeRecord(PLATFORM.label, platform_key(p.namespace, p.name), props, f"{config.path.name}#platforms", weak=True))
    return batch


def platform_owners_batch(config: CatalogConfig) -> ImportBatch:
    """The owner teams catalog.yaml names for its platforms (``platforms[].owner``), as ``OWNS`` claims of
    source ``config``. Synced after the sources, so a team a descriptor declares in the same run exists."""
    batch = ImportBatch("config", f"config:{config.path.resolve()}#platform-owners")
    for index, p in enumerate(config.platforms):
        if p.owner is None:
            continue
        field = f"platforms[{index}].owner"
        try:
            team = parse_ref(p.owner, default_kind="group").key
        except InvalidReference as exc:
            batch.findings.append(
                Finding(
                    "invalid-reference", "error", f"{config.path.name}: {field}: {exc}", "write a team name or group:ns/name", field=field
                )
            )
            continue
        platform = platform_key(p.namespace, p.name)
        missing = Finding(
            "unknown-reference",
            "error",
            f"{config.path.name}: {field} names {team}, which no source declares; the platform has no configured owner",
            fix=f"declare the team {team} (a Backstage Group) or correct {field}",
            subject=platform,
            field=field,
            reference=team,
            file=config.path.name,
        )
        props = {"evidence": f"{config.path.name} {field}", "strength": "configured"}
        batch.rels.append(RelRecord(OWNS.type, TEAM.label, team, PLATFORM.label, platform, f"{config.path.name}#{field}", props, missing))
    return batch


async def sync_sources(
    store: GraphStore,
    config: CatalogConfig,
    *,
    only: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    max_retire_fraction: float = 0.2,
    now: str | None = None,
    progress: SyncProgress | None = None,
    lock_seconds: float = 120.0,
    lock_wait: float = 0.0,
) -> list[SourceOutcome]:
    """Sync the chosen sources, reconcile owners and take an adoption snapshot; ``now`` (default:
    the clock at each step) stamps every fact, for reproducible runs. ``progress`` hears how each source goes.
    Each source's sync holds its lock in the store (``lock_seconds``, waiting ``lock_wait`` for another sync of it)."""
    chosen = [s for s in config.ordered() if only is None or only in (s.type, s.instance)]
    if only is not None and not chosen:
        known = ", ".join(f"{s.instance} ({s.type})" for s in config.sources) or "none"
        raise ValueError(f"no source in {config.path} is {only!r}; configured: {known}")
    outcomes: list[SourceOutcome] = []
    if config.platforms:
        batch = platforms_batch(config)
        outcomes.append(
            await _locked(
                "config",
                batch.instance,
                sync(
                    store,
                    batch,
                    dry_run=dry_run,
                    max_retire_fraction=max_retire_fraction,
                    force=force,
                    now=now,
                    lock_seconds=lock_seconds,
                    lock_wait=lock_wait,
                ),
            )
        )
    index: IdentityIndex | None = None
    for configured in chosen:
        # The index is what the graph says; it is read again only after a sync changed the graph
        # (one that only saw the same facts again changes nothing the index holds).
        if index is None:
            index = await IdentityIndex.load(store)
        outcome = await _run_one(
            store,
            configured,
            index,
            dry_run=dry_run,
            force=force,
            max_retire_fraction=max_retire_fraction,
            now=now,
            progress=progress,
            lock_seconds=lock_seconds,
            lock_wait=lock_wait,
        )
        outcomes.append(outcome)
        if outcome.report is not None and not dry_run and outcome.report.totals().changed:
            index = None
    if config.platforms:
        owner_claims = platform_owners_batch(config)
        outcomes.append(
            await _locked(
                "config",
                owner_claims.instance,
                sync(
                    store,
                    owner_claims,
                    dry_run=dry_run,
                    max_retire_fraction=max_retire_fraction,
                    force=force,
                    now=now,
                    lock_seconds=lock_seconds,
                    lock_wait=lock_wait,
                ),
            )
        )
    owners = await reconcile(store, config.ownership.precedence)
    outcomes.append(
        await _locked(
            "reconcile",
            owners.instance,
            sync(
                store,
                owners,
                dry_run=dry_run,
                force=True,
                max_retire_fraction=max_retire_fraction,
                now=now,
                lock_seconds=lock_seconds,
                lock_wait=lock_wait,
            ),
        )
    )
    if not dry_run:
        # Platform adoption as it stands after this sync: the points of the adoption trend.
        taken_at = now or now_iso()
        adoption = await snapshot_batch(store, taken_at)
        outcomes.append(
            await _locked(
                "adoption", adoption.instance, sync(store, adoption, now=taken_at, lock_seconds=lock_seconds, lock_wait=lock_wait)
            )
        )
        # When each audit problem was first seen: what `Audit.firstDetectedAt` answers with.
        sightings = await sightings_batch(store, taken_at)
        outcomes.append(
            await _locked(
                "audits",
                sightings.instance,
                sync(store, sightings, now=taken_at, force=True, lock_seconds=lock_seconds, lock_wait=lock_wait),
            )
        )
    return outcomes


async def _locked(kind: str, instance: str, run: Coroutine[Any, Any, ImportReport]) -> SourceOutcome:
    """The outcome of one sync; refused (not raised) when another sync holds the source."""
    try:
        return SourceOutcome(kind, instance, await run)
    except SyncInProgress as exc:
        log.error("%s: not synced: %s", instance, exc)
        return SourceOutcome(kind, instance, error=str(exc))


async def _run_one(
    store: GraphStore,
    configured: ConfiguredSource,
    index: IdentityIndex,
    *,
    dry_run: bool,
    force: bool,
    max_retire_fraction: float,
    now: str | None,
    progress: SyncProgress | None = None,
    lock_seconds: float = 120.0,
    lock_wait: float = 0.0,
) -> SourceOutcome:
    outcome = SourceOutcome(configured.type, configured.instance)
    name = configured.instance
    on_write = None if progress is None else (lambda done, total: progress.written(name, done, total))
    try:
        if progress is not None:
            progress.reading(name)
        batch = await configured.source.read(index, now=None if now is None else datetime.fromisoformat(now))
        if progress is not None:
            progress.read(name, len(batch.nodes) + len(batch.rels))
        outcome.report = await sync(
            store,
            batch,
            dry_run=dry_run,
            force=force,
            max_retire_fraction=max_retire_fraction,
            now=now,
            on_write=on_write,
            lock_seconds=lock_seconds,
            lock_wait=lock_wait,
        )
    except (SourceError, ApiError, OSError, SyncInProgress) as exc:
        outcome.error = str(exc)
        log.error("%s: not synced, its previous facts are kept: %s", configured.instance, exc)
    except StoreError:
        raise
    finally:
        if progress is not None:
            progress.finished(name)
    return outcome


async def sync_forever(
    store: GraphStore,
    config: CatalogConfig,
    interval_seconds: float,
    *,
    max_retire_fraction: float = 0.2,
    lock_seconds: float = 120.0,
    lock_wait: float = 0.0,
) -> None:
    """Sync every ``interval_seconds`` until cancelled (``catalog serve`` runs this in-process,
    so the embedded store's single writer is the server itself)."""
    while True:
        try:
            outcomes = await sync_sources(
                store, config, max_retire_fraction=max_retire_fraction, lock_seconds=lock_seconds, lock_wait=lock_wait
            )
            failed = [o.instance for o in outcomes if o.failed]
            changed = sum(o.report.totals().created + o.report.totals().updated + o.report.totals().retired for o in outcomes if o.report)
            log.info("scheduled sync: %d sources, %d facts changed, failed: %s", len(outcomes), changed, ", ".join(failed) or "none")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled sync failed; the next one runs in %.0f s", interval_seconds)
        await asyncio.sleep(interval_seconds)

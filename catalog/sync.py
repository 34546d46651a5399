"""The sync engine: diff an importer's batch against the store, write it, retire what is gone.

One code path for every importer and both stores:
- records are compared by content hash, so the report tells created, updated, unchanged and
  retired apart, and a dry run can print that diff without writing;
- a relationship whose endpoint exists neither in the batch nor in the store becomes a
  finding instead of vanishing;
- nothing is deleted: facts no longer seen get ``retired_at`` (relationships also
  ``active = false``) and keep their validity interval;
- retirement is skipped when the source was not read completely, skipped for facts whose file
  or endpoint failed, and refused when it would retire more than ``max_retire_fraction`` of
  the source's entities, unless forced;
- a run holds its source's lock in the store while it diffs and writes (a second sync of the
  source waits or is refused), records itself as started before its first write, keeps count
  of what it wrote, and ends finished, failed or interrupted (``catalog.store.runs``). The
  next run of the source supersedes one that never finished; its diff against the store
  writes whatever the interrupted one had not, so nothing stays half-written.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from catalog import cypher
from catalog.core.clock import now_iso
from catalog.core.model import (
    FINDING,
    IMPORT_RUN,
    NODES_BY_LABEL,
    ON_CALL_SHIFT,
    RELS_BY_TYPE,
    RUN_FAILED,
    RUN_FINISHED,
    RUN_INTERRUPTED,
    RUN_STARTED,
    SYNC_GENERATION,
    SYNC_LOCK,
    RelType,
)
from catalog.core.records import Finding, ImportBatch, NodeRecord, RelRecord
from catalog.store.base import GraphStore, Row, StoreUnavailable
from catalog.store.runs import SourceLock, SyncLockLost, end_unfinished, record_progress, run_key, supersede_unfinished

K = TypeVar("K", str, tuple[str, str])
R = TypeVar("R", NodeRecord, RelRecord)

WRITE_BATCH = 2000
"""Rows per write transaction."""
NOT_SYNCED = (IMPORT_RUN.label, SYNC_LOCK.label, SYNC_GENERATION.label)
"""Labels the sync engine writes for itself, never from a batch."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.retired += other.retired

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


@dataclass
class ImportReport:
    run_id: str
    source: str
    instance: str
    started_at: str
    finished_at: str = ""
    complete: bool = True
    dry_run: bool = False
    nodes: dict[str, Counts] = field(default_factory=dict)
    rels: dict[str, Counts] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    retirement_note: str | None = None
    """Why retirement was skipped or refused, when it was."""
    windows: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Per windowed label, the time window the source was read over (``since``, ``until``)."""
    changes: list[Change] = field(default_factory=list)
    """In a dry run, every fact that would be created, updated or retired (the diff it prints);
    empty otherwise, where listing every fact of a first load only cost time and memory."""

    def totals(self) -> Counts:
        total = Counts()
        for counts in list(self.nodes.values()) + list(self.rels.values()):
            total.add(counts)
        return total

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "instance": self.instance,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "complete": self.complete,
            "dry_run": self.dry_run,
            "totals": asdict(self.totals()),
            "nodes": {k: asdict(v) for k, v in sorted(self.nodes.items())},
            "relationships": {k: asdict(v) for k, v in sorted(self.rels.items())},
            "findings": len(self.findings),
            "retirement_note": self.retirement_note,
            "windows": self.windows,
            **({"changes": [asdict(c) for c in self.changes]} if self.dry_run else {}),
        }


@dataclass(frozen=True)
class Change:
    action: str
    """created, updated or retired."""
    kind: str
    """A node label, or a relationship type."""
    subject: str
    """The node key, or ``src -> dst``."""

    def __str__(self) -> str:
        return f"{self.action:8} {self.kind:16} {self.subject}"


class RetirementRefused(RuntimeError):
    pass


_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str)
"""``json.dumps(props, sort_keys=True, default=str)`` without building an encoder per call."""


def content_hash(props: dict[str, Any]) -> str:
    return hashlib.sha256(_HASH_ENCODER.encode(props).encode()).hexdigest()[:32]


def _failed(origin: str | None, failed: set[str]) -> bool:
    if not origin or not failed:
        return False
    return origin in failed or origin.split("#", 1)[0] in failed


# The batch's records are diffed by hash and turned into query rows only as each write
# transaction is sent: a row per record for the whole batch doubled what a sync held in memory.
_Hashed = tuple[R, str]
"""A record and the hash of its declared properties."""


def _node_props(record: NodeRecord) -> dict[str, Any]:
    return {p.name: record.props.get(p.name) for p in NODES_BY_LABEL[record.label].props}


def _rel_props(record: RelRecord) -> dict[str, Any]:
    return {p.name: record.props.get(p.name) for p in RELS_BY_TYPE[record.type].props}


def _node_row(item: _Hashed[NodeRecord]) -> dict[str, Any]:
    record, digest = item
    return {"id": record.id, **_node_props(record), "origin": record.origin, "content_hash": digest}


def _rel_row(item: _Hashed[RelRecord]) -> dict[str, Any]:
    record, digest = item
    return {"src": record.src_id, "dst": record.dst_id, **_rel_props(record), "origin": record.origin, "content_hash": digest}


def _rel_key(item: tuple[str, str, str | None]) -> dict[str, Any]:
    """What the touch and retire queries match an existing edge by: its endpoints' keys, and its
    ``ref`` where the store reads one."""
    src, dst, ref = item
    return {"src": src, "dst": dst} if ref is None else {"src": src, "dst": dst, "ref": ref}


def _same(item: Any) -> Any:
    return item


async def _drop_dangling(store: GraphStore, batch: ImportBatch, findings: list[Finding]) -> list[RelRecord]:
    """Keep relationships whose endpoints exist; turn the others into findings."""
    declared = {(n.label, n.id) for n in batch.nodes}
    wanted: dict[str, set[str]] = defaultdict(set)
    for rel in batch.rels:
        for label, key in ((rel.src_label, rel.src_id), (rel.dst_label, rel.dst_id)):
            if (label, key) not in declared:
                wanted[label].add(key)
    present: set[tuple[str, str]] = set(declared)
    for label, keys in wanted.items():
        table = cypher.present_ids(label)
        rows = await store.read_table_batches(table.match, table.columns, sorted(keys))
        # A node this source instance stated before but no longer states is about to be
        # retired, so a reference to it dangles, unless its file failed and it is kept.
        present.update(
            (label, row["id"]) for row in rows if row["instance"] != batch.instance or _failed(row["origin"], batch.failed_origins)
        )
    # A relationship that records history may join a retired node (a claimed discovered service).
    historic: dict[str, set[str]] = defaultdict(set)
    for rel in batch.rels:
        if RELS_BY_TYPE[rel.type].joins_history:
            for label, key in ((rel.src_label, rel.src_id), (rel.dst_label, rel.dst_id)):
                if (label, key) not in present:
                    historic[label].add(key)
    for label, keys in historic.items():
        table = cypher.any_ids(label)
        present.update((label, row["id"]) for row in await store.read_table_batches(table.match, table.columns, sorted(keys)))
    kept: list[RelRecord] = []
    for rel in batch.rels:
        missing = [(lbl, key) for lbl, key in ((rel.src_label, rel.src_id), (rel.dst_label, rel.dst_id)) if (lbl, key) not in present]
        if not missing:
            kept.append(rel)
            continue
        findings.append(
            rel.if_missing
            or Finding(
                kind="unknown-reference",
                severity="error",
                subject=rel.src_id,
                reference=missing[0][1],
                message=(
                    f"{rel.type} from {rel.src_id} to {rel.dst_id}: no {missing[0][0]} {missing[0][1]} exists in this import or the catalog"
                ),
                fix=f"declare {missing[0][1]} or correct the reference",
                file=rel.origin.split("#", 1)[0] or None,
            )
        )
    return kept


async def sync(
    store: GraphStore,
    batch: ImportBatch,
    *,
    dry_run: bool = False,
    max_retire_fraction: float = 0.2,
    force: bool = False,
    now: str | None = None,
    on_write: Callable[[int, int], None] | None = None,
    lock_seconds: float = 120.0,
    lock_wait: float = 0.0,
) -> ImportReport:
    """Diff ``batch`` against the store and write it (unless ``dry_run``), holding the source's lock
    (``lock_seconds``, waiting up to ``lock_wait`` for another sync of it: ``SyncInProgress`` after that):
    upsert what changed, touch what was seen again, retire what disappeared (module docs).
    ``on_write(done, total)`` hears the rows written so far after each write transaction (progress on a terminal)."""
    now = now or now_iso()
    report = ImportReport(
        run_id=str(uuid.uuid4()), source=batch.source, instance=batch.instance, started_at=now, complete=batch.complete, dry_run=dry_run
    )
    if dry_run:
        return await _sync(store, batch, report, max_retire_fraction=max_retire_fraction, force=force, lock=None, on_write=None)
    async with SourceLock(store, batch.instance, report.run_id, seconds=lock_seconds, wait=lock_wait) as lock:
        await supersede_unfinished(store, batch.instance, report.run_id, now)
        return await _sync(store, batch, report, max_retire_fraction=max_retire_fraction, force=force, lock=lock, on_write=on_write)


async def _sync(
    store: GraphStore,
    batch: ImportBatch,
    report: ImportReport,
    *,
    max_retire_fraction: float,
    force: bool,
    lock: SourceLock | None,
    on_write: Callable[[int, int], None] | None,
) -> ImportReport:
    now, dry_run = report.started_at, report.dry_run
    report.windows = {label: {"prop": w.prop, "since": w.since, "until": w.until} for label, w in batch.windows.items()}
    findings = list(batch.findings)
    rels = await _drop_dangling(store, batch, findings)
    report.findings = findings

    nodes_by_label: dict[str, dict[str, _Hashed[NodeRecord]]] = defaultdict(dict)
    weak: dict[str, set[str]] = defaultdict(set)
    for node in batch.nodes:
        nodes_by_label[node.label][node.id] = (node, content_hash(_node_props(node)))
        if node.weak:
            weak[node.label].add(node.id)
        else:
            weak[node.label].discard(node.id)
    for finding in findings:
        record = finding.as_record()
        nodes_by_label[FINDING.label][record.id] = (record, content_hash(_node_props(record)))
    rels_by_kind: dict[tuple[str, str, str], dict[tuple[str, str], _Hashed[RelRecord]]] = defaultdict(dict)
    for rel in rels:
        rels_by_kind[(rel.type, rel.src_label, rel.dst_label)][(rel.src_id, rel.dst_id)] = (rel, content_hash(_rel_props(rel)))

    params = {"now": now, "source": batch.source, "instance": batch.instance, "run_id": report.run_id}
    plan = _Plan()

    for node_type in NODES_BY_LABEL.values():
        if node_type.label in NOT_SYNCED:
            continue
        rows = nodes_by_label.get(node_type.label, {})
        window = batch.windows.get(node_type.label)
        table = cypher.existing_nodes(node_type, window.prop if window else None)
        existing = {
            r["id"]: r
            for r in await store.read_table(
                table.match, table.columns, {"instance": batch.instance, "since": window.since if window else None}
            )
        }
        counts = Counts()
        held = await _held_elsewhere(
            store, node_type.label, [k for k in weak.get(node_type.label, ()) if k not in existing], batch.instance
        )
        upserts, unchanged, changed = _classify({k: v for k, v in rows.items() if k not in held}, existing, counts)
        counts.unchanged += len(held)
        retires: list[str] = []
        for key, old in existing.items():
            if key not in rows and old["retired_at"] is None:
                if _failed(old["origin"], batch.failed_origins):
                    plan.kept.add(key)
                else:
                    retires.append(key)
        # Findings and windowed facts (on-call shifts) describe this read only: they are
        # retired after any complete read, and do not count towards the retirement guard.
        is_entity = node_type is not FINDING and window is None
        plan.writes.append(
            _Writes(
                upsert=cypher.upsert_nodes(node_type, store.dialect),
                touch=cypher.touch_nodes(node_type),
                retire=cypher.retire_nodes(node_type),
                key="ids",
                upserts=upserts,
                touches=unchanged,
                retires=retires,
                counts=counts,
                upsert_row=_node_row,
                key_row=_same,
                retire_when_complete=not is_entity,
                kind=node_type.label,
                changed=changed if dry_run else [],
                retired_subjects=retires if dry_run else [],
            )
        )
        if is_entity:
            plan.entity_total += sum(1 for o in existing.values() if o["retired_at"] is None)
            plan.entity_retire += len(retires)
        if rows or existing:
            report.nodes[node_type.label] = counts

    for rel_type in RELS_BY_TYPE.values():
        existing_by_pair = await _existing_rels(store, rel_type, batch)
        for src, dst in rel_type.endpoints:
            rel_rows = rels_by_kind.get((rel_type.type, src, dst), {})
            existing_rels = existing_by_pair.get((src, dst), {})
            counts = report.rels.setdefault(rel_type.type, Counts())
            rel_upserts, rel_unchanged, rel_changed = _classify(rel_rows, existing_rels, counts)
            # An edge touching a node kept because its file failed may be derived from that
            # file (e.g. through an API it provides), so it is kept too.
            rel_retires = [
                pair
                for pair, old in existing_rels.items()
                if pair not in rel_rows
                and not _failed(old["origin"], batch.failed_origins)
                and not (pair[0] in plan.kept or pair[1] in plan.kept)
            ]
            plan.writes.append(
                _Writes(
                    upsert=cypher.upsert_rels(rel_type, src, dst, store.dialect),
                    touch=cypher.touch_rels(rel_type, src, dst, store.dialect),
                    retire=cypher.retire_rels(rel_type, src, dst, store.dialect),
                    key="rows",
                    upserts=rel_upserts,
                    touches=[(a, b, existing_rels[(a, b)].get("ref")) for a, b in rel_unchanged],
                    retires=[(a, b, existing_rels[(a, b)].get("ref")) for a, b in rel_retires],
                    counts=counts,
                    upsert_row=_rel_row,
                    key_row=_rel_key,
                    kind=rel_type.type,
                    changed=[(action, f"{a} -> {b}") for action, (a, b) in rel_changed] if dry_run else [],
                    retired_subjects=[f"{a} -> {b}" for a, b in rel_retires] if dry_run else [],
                )
            )

    retire_allowed = _may_retire(report, plan, max_retire_fraction, force, batch)
    retiring = [w for w in plan.writes if retire_allowed or (w.retire_when_complete and batch.complete)]
    for writes in retiring:
        writes.counts.retired += len(writes.retires)
    for writes in plan.writes:
        report.changes.extend(Change(action, writes.kind, subject) for action, subject in writes.changed)
    for writes in retiring:
        report.changes.extend(Change("retired", writes.kind, subject) for subject in writes.retired_subjects)
    report.rels = {k: v for k, v in report.rels.items() if v.created or v.updated or v.unchanged or v.retired}

    if dry_run:
        report.finished_at = now_iso()
        return report
    written: dict[str, int] = {}
    tally = _Tally(on_write, sum(len(w.upserts) + len(w.touches) for w in plan.writes) + sum(len(w.retires) for w in retiring))
    await _record_run(store, report, params, RUN_STARTED, written)
    try:
        # Nodes come first in plan.writes, so every edge finds both of its endpoints.
        for writes in plan.writes:
            count = await _write(store, writes.upsert, writes.upserts, writes.upsert_row, params, "rows", lock, tally)
            count += await _write(store, writes.touch, writes.touches, writes.key_row, params, writes.key, lock, tally)
            if count:
                written[writes.kind] = written.get(writes.kind, 0) + count
                await record_progress(store, report.run_id, written)
        for writes in retiring:
            if count := await _write(store, writes.retire, writes.retires, writes.key_row, params, writes.key, lock, tally):
                written[f"{writes.kind} retired"] = written.get(f"{writes.kind} retired", 0) + count
                await record_progress(store, report.run_id, written)
        report.finished_at = now_iso()
        await _record_run(store, report, params, RUN_FINISHED, written)
    except BaseException as exc:
        stopped = isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SyncLockLost)
        reason = "it was stopped" if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt) else str(exc).splitlines()[0]
        # A store that is gone cannot record it; the next sync of the source will.
        if not isinstance(exc, StoreUnavailable):
            await end_unfinished(store, report.run_id, RUN_INTERRUPTED if stopped else RUN_FAILED, reason)
        raise
    return report


@dataclass
class _Tally:
    """Rows written so far out of ``total``, told to ``on_write`` after each transaction."""

    on_write: Callable[[int, int], None] | None
    total: int
    done: int = 0

    def add(self, rows: int) -> None:
        self.done += rows
        if self.on_write is not None:
            self.on_write(self.done, self.total)


async def _write(
    store: GraphStore,
    query: str,
    items: list[Any],
    to_row: Callable[[Any], Any],
    params: dict[str, Any],
    key: str,
    lock: SourceLock | None,
    tally: _Tally | None = None,
) -> int:
    """Write ``items`` as rows built by ``to_row``, one transaction of ``WRITE_BATCH`` rows at a time; how many were written.
    Each transaction first checks that this run still holds its source's lock."""
    for start in range(0, len(items), WRITE_BATCH):
        if lock is not None:
            lock.check()
        chunk = items[start : start + WRITE_BATCH]
        await store.write_rows(query, {**params, key: [to_row(item) for item in chunk]}, key)
        if tally is not None:
            tally.add(len(chunk))
    return len(items)


async def _existing_rels(store: GraphStore, rel_type: RelType, batch: ImportBatch) -> dict[tuple[str, str], dict[tuple[str, str], Row]]:
    """The source instance's active edges of ``rel_type``, by endpoint labels, then by endpoint keys."""
    found: dict[tuple[str, str], dict[tuple[str, str], Row]] = defaultdict(dict)
    plain: set[tuple[str, str]] = set()
    for src, dst in rel_type.endpoints:
        src_window, dst_window = batch.windows.get(src), batch.windows.get(dst)
        if not (src_window or dst_window):
            plain.add((src, dst))
            continue
        if src_window and dst_window and src_window.since != dst_window.since:
            raise ValueError(f"{rel_type.type} joins two windowed labels read over different windows; give them one window")
        window = src_window or dst_window
        assert window is not None
        table = cypher.existing_rels(
            rel_type, src, dst, store.dialect, src_window.prop if src_window else None, dst_window.prop if dst_window else None
        )
        for r in await store.read_table(table.match, table.columns, {"instance": batch.instance, "since": window.since}):
            found[(src, dst)][(r["src"], r["dst"])] = r
    if plain:
        # Every pair without a window in one read of the type.
        table = cypher.existing_rels_any(rel_type, store.dialect)
        for r in await store.read_table(table.match, table.columns, {"instance": batch.instance}):
            pair = (r["src_label"], r["dst_label"])
            if pair in plain:
                found[pair][(r["src"], r["dst"])] = r
    return found


async def _held_elsewhere(store: GraphStore, label: str, ids: list[str], instance: str) -> set[str]:
    """Of the weak records ``ids``, those whose node another source instance holds (and has not retired)."""
    if not ids:
        return set()
    table = cypher.holders(label)
    rows = await store.read_table_batches(table.match, table.columns, sorted(ids))
    return {r["id"] for r in rows if r["instance"] != instance and r["retired_at"] is None}


def _classify(rows: dict[K, _Hashed[R]], existing: dict[K, Row], counts: Counts) -> tuple[list[_Hashed[R]], list[K], list[tuple[str, K]]]:
    """Split the batch's records into those to write (created, changed or revived), the unchanged
    keys, and what changed, in record order."""
    upserts: list[_Hashed[R]] = []
    unchanged: list[K] = []
    changed: list[tuple[str, K]] = []
    for key, row in rows.items():
        old = existing.get(key)
        if old is None:
            counts.created += 1
            upserts.append(row)
            changed.append(("created", key))
        elif old["hash"] != row[1] or old.get("retired_at") is not None:
            counts.updated += 1
            upserts.append(row)
            changed.append(("updated", key))
        else:
            counts.unchanged += 1
            unchanged.append(key)
    return upserts, unchanged, changed


@dataclass
class _Writes:
    """What one label, or one relationship type between two labels, needs written."""

    upsert: str
    touch: str
    retire: str
    key: str
    """Parameter name of the touch and retire queries' list."""
    upserts: list[Any]
    touches: list[Any]
    retires: list[Any]
    counts: Counts
    upsert_row: Callable[[Any], dict[str, Any]]
    """Builds the upsert query's row from an item of ``upserts``."""
    key_row: Callable[[Any], Any]
    """Builds the touch and retire queries' row from an item of ``touches`` or ``retires``."""
    retire_when_complete: bool = False
    kind: str = ""
    changed: list[tuple[str, str]] = field(default_factory=list)
    retired_subjects: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    writes: list[_Writes] = field(default_factory=list)
    kept: set[str] = field(default_factory=set)
    """Ids not in the batch but kept because the file that stated them failed."""
    entity_total: int = 0
    entity_retire: int = 0


def _may_retire(report: ImportReport, plan: _Plan, max_fraction: float, force: bool, batch: ImportBatch) -> bool:
    if not batch.complete:
        report.retirement_note = "the source was not read completely, so nothing was retired"
        return False
    if plan.entity_total and plan.entity_retire / plan.entity_total > max_fraction and not force:
        share = plan.entity_retire / plan.entity_total
        report.retirement_note = (
            f"refused to retire {plan.entity_retire} of {plan.entity_total} entities ({share:.0%}), more than the "
            f"allowed {max_fraction:.0%}; if the source really lost them, re-run with --force "
            "(or raise CATALOG_MAX_RETIRE_FRACTION)"
        )
        report.findings.append(
            Finding(
                kind="retirement-refused",
                severity="warning",
                message=report.retirement_note,
                subject=batch.instance,
                fix="check the source is complete, then re-run with --force",
            )
        )
        return False
    return True


async def _record_run(store: GraphStore, report: ImportReport, params: dict[str, Any], status: str, written: dict[str, int]) -> None:
    """The run's record: when started, what it read over (on-call answers need the window of a run
    that retired shifts, even one that stopped); when finished, its whole report."""
    finished = status == RUN_FINISHED
    shifts = report.windows.get(ON_CALL_SHIFT.label) or {}
    props = {
        "started_at": report.started_at,
        "finished_at": report.finished_at if finished else None,
        "complete": report.complete if finished else None,
        "report": json.dumps(report.summary() if finished else {"windows": report.windows}, sort_keys=True),
        "status": status,
        "error": None,
        "written": json.dumps(written, sort_keys=True),
        "superseded_by": None,
        # The on-call window, typed, for the on-call answers (the report's `windows` says the same for people).
        "shifts_since": shifts.get("since"),
        "shifts_until": shifts.get("until"),
    }
    row = {"id": run_key(report.run_id), **props, "origin": report.source, "content_hash": content_hash(props)}
    await store.write(cypher.upsert_nodes(IMPORT_RUN, store.dialect), {**params, "rows": [row]})

"""A sync's footprint in the store besides its facts: its run record and its lock on the source.

- **The run record** (``ImportRun``) is written as ``started`` before the run writes any fact,
  its ``written`` counts are kept current while it writes, and it ends ``finished``, ``failed``
  or ``interrupted``. A run whose process or store died stays ``started``; the next sync of the
  same source, once it holds the lock (so nobody else runs it), marks it ``interrupted`` and
  names itself as the run that superseded it.
- **The lock** (``SyncLock``, one node per source instance) is a lease held in the store, so
  two hosts syncing the same source see each other. Taking it is one write that locks the node
  first and then decides (Neo4j serialises writers on the node; the embedded store has one
  writer), so two syncs never both win. The holder renews it every third of its length; a
  lease not renewed expires, and one held by a dead process on this very host is taken over at
  once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from catalog.core.clock import iso, now_iso
from catalog.core.model import IMPORT_RUN, RUN_FAILED, RUN_FINISHED, RUN_INTERRUPTED, RUN_STARTED, SYNC_LOCK, PropType
from catalog.store.base import GraphStore, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 2.0
"""How often a sync that waits for another one checks whether the lock came free."""
CLOSING_WRITE_SECONDS = 5.0
"""How long a run that stops on an error tries to record so (the store may be what failed)."""


class SyncInProgress(RuntimeError):
    """Another sync holds the source's lock; the message names it and says what to do."""


class SyncLockLost(RuntimeError):
    """The lock expired while this sync ran and another sync took the source over."""


def run_key(run_id: str) -> str:
    """The ImportRun node key of a run."""
    return f"run:{run_id}"


def lock_key(instance: str) -> str:
    return f"lock:{instance}"


# -- queries ------------------------------------------------------------------------------------


def _acquire_query(store: GraphStore) -> str:
    d = store.dialect
    # The first SET takes the node's write lock, so what the WITH reads is what the last holder committed.
    return (
        f"MERGE (l:{SYNC_LOCK.label} {{{SYNC_LOCK.key}: $id}})\n"
        "SET l.source_instance = $instance\n"
        "WITH l, l.holder AS was, (l.holder IS NULL OR l.expires_at <= $now OR l.holder = $holder "
        f"OR l.holder IN {d.typed('$stale', PropType.STRING_LIST)}) AS free\n"
        "SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,\n"
        "    l.host = CASE WHEN free THEN $host ELSE l.host END,\n"
        "    l.pid = CASE WHEN free THEN $pid ELSE l.pid END,\n"
        "    l.acquired_at = CASE WHEN free AND coalesce(was, '') <> $holder THEN $now ELSE l.acquired_at END,\n"
        "    l.expires_at = CASE WHEN free THEN $expires ELSE l.expires_at END\n"
        "RETURN free, l.holder AS holder, l.host AS host, l.pid AS pid, l.acquired_at AS acquired_at, l.expires_at AS expires_at"
    )


_RENEW = (
    f"MATCH (l:{SYNC_LOCK.label} {{{SYNC_LOCK.key}: $id}}) WHERE l.holder = $holder SET l.expires_at = $expires RETURN l.holder AS holder"
)


# Released locks are deleted, not kept empty: some sources (adoption snapshots) have a new instance every sync.
_RELEASE = f"MATCH (l:{SYNC_LOCK.label} {{{SYNC_LOCK.key}: $id}}) WHERE l.holder = $holder DELETE l"


_PROGRESS = f"MATCH (r:{IMPORT_RUN.label} {{{IMPORT_RUN.key}: $id}}) SET r.written = $written"
_END = f"MATCH (r:{IMPORT_RUN.label} {{{IMPORT_RUN.key}: $id}}) WHERE r.status = $started SET r.status = $status, r.error = $error"
_UNFINISHED = (
    f"MATCH (r:{IMPORT_RUN.label}) WHERE r.source_instance = $instance AND r.status = $started AND r.id <> $id "
    "RETURN r.id AS id, r.started_at AS started_at"
)
_SUPERSEDE = (
    f"UNWIND $ids AS k MATCH (r:{IMPORT_RUN.label} {{{IMPORT_RUN.key}: k}}) WHERE r.status = $started "
    "SET r.status = $status, r.error = $error, r.superseded_by = $id"
)


# -- the run record ------------------------------------------------------------------------------


async def record_progress(store: GraphStore, run_id: str, written: dict[str, int]) -> None:
    """Keep the run's ``written`` counts current: what an interrupted run had written is read from here."""
    await store.write(_PROGRESS, {"id": run_key(run_id), "written": json.dumps(written, sort_keys=True)})


async def end_unfinished(store: GraphStore, run_id: str, status: str, error: str) -> None:
    """Mark a run that stops on an error as ``status`` (failed or interrupted), if the store still answers.

    Best effort within ``CLOSING_WRITE_SECONDS``: when the store is what failed, the run stays
    ``started`` and the next sync of its source marks it interrupted."""
    try:
        async with asyncio.timeout(CLOSING_WRITE_SECONDS):
            await store.write(_END, {"id": run_key(run_id), "status": status, "error": error[:2000], "started": RUN_STARTED})
    except (StoreError, TimeoutError) as exc:
        log.warning("could not record run %s as %s (%s); the next sync of its source will", run_id, status, str(exc).splitlines()[0])


async def supersede_unfinished(store: GraphStore, instance: str, run_id: str, now: str) -> list[str]:
    """Mark the source's runs left ``started`` (other than ``run_id``) as interrupted and superseded by it; their keys.

    Called with the source's lock held, so none of them is still running."""
    rows = await store.read(_UNFINISHED, {"instance": instance, "started": RUN_STARTED, "id": run_key(run_id)})
    stale = sorted(str(r["id"]) for r in rows)
    if stale:
        error = f"the run stopped before it finished (its process or the store went away); run {run_id} took over its source on {now}"
        await store.write(
            _SUPERSEDE, {"ids": stale, "started": RUN_STARTED, "status": RUN_INTERRUPTED, "error": error, "id": run_key(run_id)}
        )
        log.warning("%s: %d earlier run(s) never finished; this run supersedes them: %s", instance, len(stale), ", ".join(stale))
    return stale


@dataclass(frozen=True)
class UnfinishedRun:
    """A run that did not finish, and that no later finished run of its source has made good."""

    key: str
    run_id: str
    source: str | None
    instance: str
    started_at: str
    status: str
    """started (its process or store went away and no sync of the source ran since), failed or interrupted."""
    error: str | None
    written: dict[str, int]
    """What it had written, per label and relationship type, when it last recorded progress."""


_UNFINISHED_RUNS = (
    f"MATCH (r:{IMPORT_RUN.label}) WHERE r.status IN $unfinished RETURN r.id AS id, r.run_id AS run_id, r.source AS source, "
    "r.source_instance AS instance, r.started_at AS started_at, r.status AS status, r.error AS error, r.written AS written"
)
_LAST_FINISHED = (
    f"UNWIND $instances AS i MATCH (r:{IMPORT_RUN.label}) WHERE r.source_instance = i AND coalesce(r.status, $finished) = $finished "
    "RETURN i AS instance, max(r.started_at) AS last"
)
_LIVE_LOCKS = (
    f"MATCH (l:{SYNC_LOCK.label}) WHERE l.holder IN $holders AND l.expires_at > $now "
    "RETURN l.holder AS holder, l.host AS host, l.pid AS pid"
)


async def unfinished_runs(store: GraphStore) -> list[UnfinishedRun]:
    """Runs that stopped before they finished and that no later run of their source finished after,
    leaving out runs that are still running (they hold a live lock), oldest first."""
    rows = await store.read(_UNFINISHED_RUNS, {"unfinished": [RUN_STARTED, RUN_FAILED, RUN_INTERRUPTED]})
    if not rows:
        return []
    instances = sorted({str(r["instance"]) for r in rows})
    last = {str(r["instance"]): r["last"] for r in await store.read(_LAST_FINISHED, {"instances": instances, "finished": RUN_FINISHED})}
    holders = sorted({str(r["run_id"]) for r in rows if r["status"] == RUN_STARTED and r["run_id"]})
    locks = await store.read(_LIVE_LOCKS, {"holders": holders, "now": now_iso()}) if holders else []
    # A live lease means the run may still be running, unless its process is on this host and gone.
    host = socket.gethostname()
    running = {str(r["holder"]) for r in locks if not (r["host"] == host and r["pid"] is not None and not _process_alive(int(r["pid"])))}
    out: list[UnfinishedRun] = []
    for r in rows:
        instance, started = str(r["instance"]), str(r["started_at"])
        if (last.get(instance) or "") > started or str(r["run_id"]) in running:
            continue
        try:
            written = {str(k): int(v) for k, v in json.loads(r["written"] or "{}").items()}
        except (ValueError, TypeError, AttributeError):
            written = {}
        out.append(UnfinishedRun(str(r["id"]), str(r["run_id"]), r["source"], instance, started, str(r["status"]), r["error"], written))
    return sorted(out, key=lambda u: (u.started_at, u.key))


# -- the lock -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockHolder:
    holder: str
    host: str | None
    pid: int | None
    acquired_at: str | None
    expires_at: str | None

    def describe(self) -> str:
        where = f" on host {self.host}" + (f" (pid {self.pid})" if self.pid is not None else "") if self.host else ""
        since = f" since {self.acquired_at}" if self.acquired_at else ""
        return f"run {self.holder}{where}{since}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SourceLock:
    """The lock on one source instance for one run, as an async context manager.

    ``seconds`` is the lease (``CATALOG_SYNC_LOCK_SECONDS``), renewed every third of it while
    held; ``wait`` is how long to wait for another holder (``CATALOG_SYNC_LOCK_WAIT``) before
    refusing with ``SyncInProgress``. ``check()`` raises ``SyncLockLost`` once a renewal found
    the lock taken over (this process stalled past the lease)."""

    def __init__(self, store: GraphStore, instance: str, run_id: str, *, seconds: float = 120.0, wait: float = 0.0) -> None:
        self.store = store
        self.instance = instance
        self.holder = run_id
        self.seconds = seconds
        self.wait = wait
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._renewer: asyncio.Task[None] | None = None
        self._lost: str | None = None

    async def __aenter__(self) -> SourceLock:
        await self.acquire()
        self._renewer = asyncio.create_task(self._renew_forever(), name=f"sync-lock-{self.instance}")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if isinstance(exc, StoreUnavailable):
            # The store is gone: the lease expires by itself, and a sync on this host takes it over at once.
            log.warning("the sync lock on %s stays until it expires (within %g s): the store is unavailable", self.instance, self.seconds)
            return
        try:
            async with asyncio.timeout(CLOSING_WRITE_SECONDS):
                await self.store.write(_RELEASE, {"id": lock_key(self.instance), "holder": self.holder})
        except (StoreError, TimeoutError) as error:
            # It expires by itself; a sync on this host takes it over at once, since this process is gone by then.
            log.warning("could not release the sync lock on %s (%s); it expires within %g s", self.instance, error, self.seconds)

    def check(self) -> None:
        if self._lost is not None:
            raise SyncLockLost(self._lost)

    async def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        while True:
            other = await self._try()
            if other is None:
                return
            if other.host == self.host and other.pid is not None and other.pid != self.pid and not _process_alive(other.pid):
                # Its process on this host is gone: the lease is stale now, not only once it expires.
                log.warning("%s: the sync lock of %s is stale (that process is gone); taking it over", self.instance, other.describe())
                if await self._try(stale=[other.holder]) is None:
                    return
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                waited = f" after waiting {self.wait:g} s" if self.wait else ""
                raise SyncInProgress(
                    f"source {self.instance} is being synced by {other.describe()}; this sync of it was refused{waited}. "
                    f"Wait for that sync to finish, or set CATALOG_SYNC_LOCK_WAIT to wait for it. If that process is gone, "
                    f"its lock expires at {other.expires_at} (CATALOG_SYNC_LOCK_SECONDS)"
                )
            await asyncio.sleep(min(WAIT_POLL_SECONDS, remaining))

    async def _try(self, stale: list[str] | None = None) -> LockHolder | None:
        """Take the lock if it is free, expired, ours or held by one of ``stale``; else who holds it."""
        now = datetime.now(UTC)
        rows = await self.store.write(
            _acquire_query(self.store),
            {
                "id": lock_key(self.instance),
                "instance": self.instance,
                "holder": self.holder,
                "host": self.host,
                "pid": self.pid,
                "now": iso(now),
                "expires": iso(now + timedelta(seconds=self.seconds)),
                "stale": stale or [],
            },
        )
        row: dict[str, Any] = rows[0]
        if row["free"]:
            return None
        return LockHolder(str(row["holder"]), row["host"], row["pid"], row["acquired_at"], row["expires_at"])

    async def renew(self) -> bool:
        """Extend the lease; False when another sync holds the lock now."""
        expires = iso(datetime.now(UTC) + timedelta(seconds=self.seconds))
        rows = await self.store.write(_RENEW, {"id": lock_key(self.instance), "holder": self.holder, "expires": expires})
        return bool(rows)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                if not await self.renew():
                    self._lost = (
                        f"the sync lock on {self.instance} expired while this sync ran (not renewed within {self.seconds:g} s, "
                        "CATALOG_SYNC_LOCK_SECONDS) and another sync took the source over; this run stopped, that one completes it"
                    )
                    log.error("%s", self._lost)
                    return
            except StoreError as exc:
                # The next write of the sync fails on the same cause; the lease still runs until it expires.
                log.warning("could not renew the sync lock on %s: %s", self.instance, str(exc).splitlines()[0])


__all__ = [
    "LockHolder",
    "SourceLock",
    "SyncInProgress",
    "SyncLockLost",
    "UnfinishedRun",
    "end_unfinished",
    "lock_key",
    "record_progress",
    "run_key",
    "supersede_unfinished",
    "unfinished_runs",
]

"""A sync's run record and its lock, on both stores.

Given a sync, its ImportRun says started before the first write and finished (with what it
wrote) after; a sync stopped half-way says interrupted, shows up in the audits with what it
had written, and the next sync of the source supersedes it and restores every fact. A second
sync of a source that is being synced waits or is refused, and a lock whose holder died or
stopped renewing it expires.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from catalog.answers.audits import AuditFilter, AuditKind, audits
from catalog.core.records import ImportBatch, NodeRecord, RelRecord
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.store.runs import SourceLock, SyncInProgress, lock_key, unfinished_runs
from catalog.sync import sync


def people_and_teams(people: int, teams: int, instance: str = "hr-export") -> ImportBatch:
    """``people`` people spread over ``teams`` teams, as one source instance states them."""
    batch = ImportBatch("backstage", instance)
    for t in range(teams):
        props = {"name": f"team-{t}", "namespace": "default", "type": "team", "search_text": f"team-{t}"}
        batch.nodes.append(NodeRecord("Team", f"group:default/team-{t}", props, f"teams.yaml#{t}"))
    for p in range(people):
        props = {"name": f"person-{p}", "namespace": "default", "search_text": f"person-{p}"}
        batch.nodes.append(NodeRecord("Person", f"user:default/person-{p}", props, f"people.yaml#{p}"))
        team = f"group:default/team-{p % teams}"
        batch.rels.append(RelRecord("MEMBER_OF", "Person", f"user:default/person-{p}", "Team", team, origin=f"people.yaml#{p}"))
    return batch


async def runs(store: GraphStore, instance: str) -> list[dict[str, object]]:
    return await store.read(
        "MATCH (r:ImportRun) WHERE r.source_instance = $i RETURN r.id AS id, r.status AS status, r.complete AS complete, "
        "r.finished_at AS finished_at, r.written AS written, r.superseded_by AS superseded_by, r.error AS error ORDER BY r.started_at",
        {"i": instance},
    )


async def memberships(store: GraphStore) -> int:
    rows = await store.read("MATCH (:Person)-[m:MEMBER_OF]->(:Team) WHERE m.active = true RETURN count(m) AS n")
    return int(rows[0]["n"])


async def lock_holder(store: GraphStore, instance: str) -> object:
    rows = await store.read("MATCH (l:SyncLock {id: $id}) RETURN l.holder AS holder", {"id": lock_key(instance)})
    return rows[0]["holder"] if rows else None


async def test_a_finished_run_says_so_with_what_it_wrote_and_frees_its_lock(store: GraphStore) -> None:
    report = await sync(store, people_and_teams(30, 3))

    [run] = await runs(store, "hr-export")
    assert run["id"] == f"run:{report.run_id}"
    assert run["status"] == "finished" and run["complete"] is True and run["finished_at"]
    assert json.loads(str(run["written"])) == {"MEMBER_OF": 30, "Person": 30, "Team": 3}
    assert await lock_holder(store, "hr-export") is None
    assert await unfinished_runs(store) == []


async def test_a_sync_stopped_half_way_is_interrupted_audited_and_superseded_by_the_next(store: GraphStore) -> None:
    batch = people_and_teams(6000, 50)
    task = asyncio.create_task(sync(store, batch))
    # Stop it once it has written something, as Ctrl-C or a SIGTERM to `catalog sync` would.
    while not task.done():
        started = [r for r in await runs(store, "hr-export") if r["written"] not in (None, "{}")]
        if started:
            task.cancel()
            break
        await asyncio.sleep(0.005)
    with pytest.raises(asyncio.CancelledError):
        await task

    [run] = await runs(store, "hr-export")
    assert run["status"] == "interrupted" and run["error"] == "it was stopped" and run["finished_at"] is None
    written = json.loads(str(run["written"]))
    assert written.get("Team") == 50 and "MEMBER_OF" not in written
    assert await memberships(store) < 6000

    found = await audits(CatalogReader(store), AuditFilter(kinds=(AuditKind.INTERRUPTED_SYNC,)))
    [audit] = (await found.page(10)).audits
    assert audit.severity == "error" and audit.subject.key == "hr-export"
    assert "was interrupted: it was stopped" in audit.message and "50 Team" in audit.message
    assert audit.fix.startswith("run catalog sync --source hr-export")
    assert await lock_holder(store, "hr-export") is None, "an interrupted sync releases its lock"

    again = await sync(store, batch)
    first, second = await runs(store, "hr-export")
    assert first["status"] == "interrupted" and second["status"] == "finished"
    assert second["id"] == f"run:{again.run_id}"
    assert await memberships(store) == 6000
    people = await store.read("MATCH (p:Person) WHERE p.retired_at IS NULL RETURN count(p) AS n")
    assert people[0]["n"] == 6000
    assert (await (await audits(CatalogReader(store), AuditFilter(kinds=(AuditKind.INTERRUPTED_SYNC,)))).page(10)).audits == ()


async def leave_a_started_run(store: GraphStore, *, pid: int, lease: float) -> None:
    """What a process killed mid-write leaves behind: a started run, and its lock on the source."""
    stuck = SourceLock(store, "hr-export", "dead-run", seconds=lease)
    stuck.pid = pid
    await stuck.acquire()
    await store.write(
        "CREATE (:ImportRun {id: 'run:dead-run', run_id: 'dead-run', source: 'backstage', source_instance: 'hr-export', "
        "started_at: '2026-01-01T00:00:00.000000Z', status: 'started', written: '{\"Team\": 3}'})"
    )


def dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True).stdout)


async def test_a_run_whose_lease_ran_out_is_audited_as_stopped_with_what_it_wrote(store: GraphStore) -> None:
    await leave_a_started_run(store, pid=os.getpid(), lease=5)
    assert await unfinished_runs(store) == [], "while its lease runs and its process lives, it may still be running"
    await asyncio.sleep(5)

    [unfinished] = await unfinished_runs(store)
    assert unfinished.status == "started" and unfinished.written == {"Team": 3}
    found = await audits(CatalogReader(store), AuditFilter(kinds=(AuditKind.INTERRUPTED_SYNC,)))
    [audit] = (await found.page(10)).audits
    assert "stopped without a word" in audit.message and "it had written 3 Team" in audit.message
    summary = await (await audits(CatalogReader(store))).summary()
    assert [(c.kind, c.severity, c.count) for c in summary if c.kind is AuditKind.INTERRUPTED_SYNC] == [
        (AuditKind.INTERRUPTED_SYNC, "error", 1)
    ]


async def test_a_run_whose_process_on_this_host_is_gone_is_audited_at_once(store: GraphStore) -> None:
    await leave_a_started_run(store, pid=dead_pid(), lease=3600)
    [unfinished] = await unfinished_runs(store)
    assert unfinished.key == "run:dead-run"


async def test_the_next_sync_takes_over_at_once_from_a_dead_process_on_this_host_and_supersedes_its_run(store: GraphStore) -> None:
    await leave_a_started_run(store, pid=dead_pid(), lease=3600)

    report = await sync(store, people_and_teams(30, 3))

    old, new = await runs(store, "hr-export")
    assert old["status"] == "interrupted" and old["superseded_by"] == f"run:{report.run_id}"
    assert "took over its source" in str(old["error"])
    assert new["status"] == "finished"
    assert await unfinished_runs(store) == []


async def test_a_second_sync_of_a_source_being_synced_is_refused_with_the_holder_named(store: GraphStore) -> None:
    async with SourceLock(store, "hr-export", "first-run", seconds=60):
        with pytest.raises(SyncInProgress) as refused:
            await sync(store, people_and_teams(3, 1))
        message = str(refused.value)
        assert "source hr-export is being synced by run first-run on host" in message
        assert "CATALOG_SYNC_LOCK_WAIT" in message and "CATALOG_SYNC_LOCK_SECONDS" in message
        assert await store.read("MATCH (p:Person) RETURN p.id AS id") == []
        # Other sources are not held up.
        await sync(store, people_and_teams(3, 1, instance="other-export"))
    await sync(store, people_and_teams(3, 1))
    assert await memberships(store) == 6


async def test_two_syncs_of_one_source_started_together_one_runs_and_one_is_refused(store: GraphStore) -> None:
    results = await asyncio.gather(sync(store, people_and_teams(3000, 10)), sync(store, people_and_teams(3000, 10)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, SyncInProgress)]
    assert len(refused) == 1, results
    assert [r["status"] for r in await runs(store, "hr-export")] == ["finished"]
    assert await memberships(store) == 3000


async def test_a_sync_that_may_wait_runs_once_the_other_finishes(store: GraphStore) -> None:
    holder = SourceLock(store, "hr-export", "first-run", seconds=60)
    await holder.__aenter__()

    async def release_soon() -> None:
        await asyncio.sleep(0.5)
        await holder.__aexit__(None, None, None)

    releasing = asyncio.create_task(release_soon())
    report = await sync(store, people_and_teams(3, 1), lock_wait=30)
    await releasing
    assert report.totals().created == 7
    assert [r["status"] for r in await runs(store, "hr-export")] == ["finished"]


async def test_a_lock_not_renewed_expires_and_its_holder_finds_it_lost(store: GraphStore) -> None:
    stalled = SourceLock(store, "hr-export", "stalled-run", seconds=3)
    await stalled.acquire()
    with pytest.raises(SyncInProgress):
        await SourceLock(store, "hr-export", "next-run").acquire()
    await asyncio.sleep(3)

    report = await sync(store, people_and_teams(3, 1))

    assert report.totals().created == 7
    assert await stalled.renew() is False, "the stalled holder learns the source was taken over"

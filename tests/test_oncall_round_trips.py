"""onCall's round trips on the Cypher reader: counted through a wrapper around a real store, on both engines.

An incident asks "who is on call for X" many times at once; each read is a wait on the store. The
answer reads what it needs in a fixed number of reads, and awaits the independent ones together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from catalog.answers.identify import identify
from catalog.answers.oncall import on_call
from catalog.read import CatalogReader
from catalog.read.snapshot import SnapshotReader, build_snapshot
from catalog.store.base import GraphStore, Row
from tests.fixtures.answers.oncall.support import world


class CountingStore(GraphStore):
    """A real store, with every query it is sent recorded, and the most queries in flight at once."""

    def __init__(self, inner: GraphStore) -> None:
        super().__init__()
        self.inner = inner
        self.dialect = inner.dialect
        self.queries: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def _counted(self, query: str, call: Any) -> list[Row]:
        self.queries.append(query)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            # Yield once, so reads started together are seen together even on an engine that answers at once.
            await asyncio.sleep(0)
            rows: list[Row] = await call
            return rows
        finally:
            self.in_flight -= 1

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._counted(query, self.inner.read(query, params))

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._counted(match, self.inner.read_table(match, columns, params))

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self.inner.write(query, params)

    async def ensure_schema(self) -> None:
        await self.inner.ensure_schema()

    async def close(self) -> None:
        """The inner store belongs to the fixture."""

    def describe(self) -> str:
        return f"counting {self.inner.describe()}"

    def reset(self) -> None:
        self.queries.clear()
        self.most_in_flight = 0


async def test_on_call_reads_in_a_fixed_number_of_round_trips_four_of_them_together(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    counting = CountingStore(store)
    await identify(CatalogReader(counting), "checkout")
    identify_cost = len(counting.queries)
    counting.reset()

    answer = await on_call(CatalogReader(counting), "checkout", "2026-11-20T15:00:00Z")

    assert answer.found and answer.chains and answer.chains[0].levels
    assert any(level.on_call for level in answer.chains[0].levels)
    # Identification, then: links and ownership together; policies, targets, shifts and import runs
    # together; the people and schedules they name. Seven reads in three waits (eleven one by one before).
    assert len(counting.queries) - identify_cost == 7, counting.queries
    assert counting.most_in_flight == 4
    assert not any("ImportRun" in q and "report" in q and "shifts_since IS NULL" not in q for q in counting.queries), (
        "the read window is the run's typed shifts_since/shifts_until; the JSON report only for runs without them"
    )


async def test_team_policies_and_no_routing_cost_no_more_reads(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    counting = CountingStore(store)
    reader = CatalogReader(counting)
    costs = {}
    for name in ("ledger", "reports"):
        counting.reset()
        await identify(CatalogReader(counting), name)
        costs[name] = len(counting.queries)
        counting.reset()
        answer = await on_call(reader, name, "2026-11-20T15:00:00Z")
        costs[name] = len(counting.queries) - costs[name]
        if name == "ledger":
            assert answer.used_team_policy  # the team's links came with the service's: no read waits for the owners
        else:
            assert answer.chains == [] and answer.sources  # links, ownership, then the on-call sources' runs
    assert costs == {"ledger": 7, "reports": 3}


async def test_on_call_inside_the_snapshot_window_asks_the_store_nothing(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    t = "2026-11-20T15:00:00.000000Z"
    snapshot = await build_snapshot(store, at=t)
    counting = CountingStore(store)
    for name in ("checkout", "ledger", "reports"):
        expected = await on_call(CatalogReader(store), name, t)
        assert await on_call(SnapshotReader(counting, snapshot), name, t) == expected
    assert counting.queries == []
    # Outside the window the shifts come from the store, and the answer is the same as Cypher's.
    later = "2027-03-01T00:00:00.000000Z"
    assert await on_call(SnapshotReader(counting, snapshot), "checkout", later) == await on_call(CatalogReader(store), "checkout", later)
    assert counting.queries and all("OnCallShift" in q for q in counting.queries)

"""Large table reads on the embedded store in pieces, so a big catalog reads on a small buffer pool.

LadybugDB builds a whole result inside its buffer pool; at scale L single reads of every owner
claim, or of every service with its owners, needed more than the default 256 MiB, and both the
sync and the snapshot stopped. ``EmbeddedStore.read_table`` then reads the table over ranges of
internal offsets (``catalog.store.scans``). These tests check which reads may be split, that the
pieces always add up to the whole read (every table read the sync, the snapshot and the
scorecard make over the demo, split into pieces of two offsets), and that a read that does not
fit the pool goes to pieces and remembers it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from catalog.answers.scorecard import build_run_company
from catalog.read.reader import CatalogReader
from catalog.read.snapshot import build_snapshot
from catalog.store import embedded as embedded_module
from catalog.store.base import Row
from catalog.store.embedded import BufferPoolFull, EmbeddedStore
from catalog.store.scans import Scan, add_up, plan_scan
from tests._web_fixtures import load_demo_now

NO_COLUMNS = {"k": "x.id"}


@pytest.mark.parametrize(
    ("match", "scan"),
    [
        ("MATCH (a)-[r:DEPENDS_ON]->(b) WHERE r.active = true", Scan("a", None)),
        ("MATCH (a)-[r:OWNS]->(b:Service|API) WHERE r.active = true", Scan("b", "Service|API")),
        ("MATCH (a:Team|Person)-[r:OWNS]->(b:Service|API) WHERE r.active = true", Scan("a", "Team|Person")),
        ("MATCH (n:Service)", Scan("n", "Service")),
        ("MATCH (n:Service) WHERE n.a = 1 OPTIONAL MATCH (n)-[:BUILT_FROM]->(r:Repository)", Scan("n", "Service")),
        ("MATCH (s:Service) OPTIONAL MATCH (t:Team)-[o:OWNS]->(s) WITH s, collect(t.id) AS owners", Scan("s", "Service")),
        # Equal rows of a WITH DISTINCT whose first item is the split variable are within one range.
        (
            "MATCH (s:Service)-[r:RUNS_ON]->(p:Platform) WHERE r.active = true WITH DISTINCT s, p "
            "OPTIONAL MATCH (t:Team)-[o:OWNS]->(s) WITH s, p, collect(t.id) AS owners",
            Scan("s", "Service"),
        ),
    ],
)
def test_plain_reads_and_reads_grouped_by_the_scanned_variable_may_be_split(match: str, scan: Scan) -> None:
    assert plan_scan(match, NO_COLUMNS) == scan


@pytest.mark.parametrize(
    ("match", "columns"),
    [
        ("UNWIND $ids AS id MATCH (n:Service {id: id})", NO_COLUMNS),
        ("MATCH (n:Service)", {"n": "count(*)"}),
        ("MATCH (n:Service)", {"ids": "collect(n.id)"}),
        ("MATCH (s:Service)-[:OWNED_BY]->(t:Team) WITH t, count(*) AS n", NO_COLUMNS),
        ("MATCH (s:Service) WITH DISTINCT s.tier AS tier", NO_COLUMNS),
        ("MATCH (s:Service)-[:RUNS_ON]->(p:Platform) WITH DISTINCT p, s", NO_COLUMNS),
        ("MATCH (s:Service) WITH DISTINCT s.tier AS tier, count(*) AS n", NO_COLUMNS),
        ("MATCH (s:Service) WITH s.tier AS tier, count(*) AS n", NO_COLUMNS),
        ("MATCH (n:Service) WHERE EXISTS { MATCH (n)-[:X]->() }", NO_COLUMNS),
        ("MATCH (n:Service) ORDER BY n.id", NO_COLUMNS),
        ("MATCH (a)-[:DEPENDS_ON]->(b) WITH b, count(*) AS n", NO_COLUMNS),
    ],
)
def test_reads_whose_rows_a_split_would_change_stay_whole(match: str, columns: Mapping[str, str]) -> None:
    assert plan_scan(match, columns) is None


def test_the_range_is_anded_with_the_whole_condition_of_the_first_clause() -> None:
    match = "MATCH (n:Service) WHERE n.a = 1 OR n.b = 2 OPTIONAL MATCH (n)-[:X]->(m:Team) WHERE m.c = 3"
    scan = plan_scan(match, NO_COLUMNS)
    assert scan is not None
    assert scan.piece(match) == (
        "MATCH (n:Service) WHERE offset(ID(n)) >= $scan_lo AND offset(ID(n)) < $scan_hi AND (n.a = 1 OR n.b = 2) "
        "OPTIONAL MATCH (n)-[:X]->(m:Team) WHERE m.c = 3"
    )


def _canonical(rows: list[Row]) -> Counter[str]:
    return Counter(repr(sorted(row.items())) for row in rows)


class PiecesAgainstWhole(EmbeddedStore):
    """Reads every splittable table both ways, two offsets per piece, and fails on any difference."""

    compared = 0

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        whole = await super().read_table(match, columns, params)
        scan = plan_scan(match, columns)
        if scan is not None:
            read = await self._pieces(scan, match, columns, dict(params or {}), 2, self._table_rows)
            pieces = [row for piece in read for row in piece]
            pieces = add_up(pieces, scan.summed) if scan.summed else pieces
            assert _canonical(pieces) == _canonical(whole), match
            self.compared += 1
        return whole

    async def read_columns(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> dict[str, list[Any]]:
        whole = await super().read_columns(match, columns, params)
        rows = await super().read_table(match, columns, params)
        assert _canonical(_rows(whole)) == _canonical(rows), match
        scan = plan_scan(match, columns)
        if scan is not None:
            known = self._piece_sizes.get(scan)
            self._piece_sizes[scan] = 2
            try:
                pieces = await super().read_columns(match, columns, params)
            finally:
                self._piece_sizes.pop(scan)
                if known is not None:
                    self._piece_sizes[scan] = known
            assert _canonical(_rows(pieces)) == _canonical(rows), match
            self.compared += 1
        return whole


def _rows(columns: dict[str, list[Any]]) -> list[Row]:
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


async def test_pieces_add_up_to_the_whole_read_for_every_table_the_catalog_reads(tmp_path: Path) -> None:
    store = PiecesAgainstWhole(tmp_path / "catalog.lbdb")
    try:
        await store.ensure_schema()
        # Two syncs: the second diffs against what the first stored (the sync's own table reads).
        await load_demo_now(store, tmp_path / "demo", syncs=2)
        snapshot = await build_snapshot(store)
        assert snapshot.parts
        await build_run_company(CatalogReader(store))
        assert store.compared >= 30
    finally:
        await store.close()


async def test_a_read_that_fills_the_pool_is_read_in_pieces_and_the_piece_size_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    try:
        await store.ensure_schema()
        await load_demo_now(store, tmp_path / "demo")
        match, columns = "MATCH (n:Service) WHERE n.retired_at IS NULL", {"id": "n.id", "name": "n.name"}
        whole = await store.read_table(match, columns)
        assert len(whole) > 4
        real_read = store._table_rows

        async def whole_reads_overflow(query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
            # Stands in for LadybugDB's full pool: a Service read wider than 3 offsets does not fit.
            p = dict(params or {})
            if query.startswith("MATCH (n:Service)") and p.get("scan_hi", 10**9) - p.get("scan_lo", 0) > 3:
                raise BufferPoolFull("the embedded store's buffer pool (256 MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB) is full")
            return await real_read(query, params)

        monkeypatch.setattr(store, "_table_rows", whole_reads_overflow)
        monkeypatch.setattr(embedded_module, "MIN_PIECE", 1)
        assert _canonical(await store.read_table(match, columns)) == _canonical(whole)
        scan = plan_scan(match, columns)
        assert scan is not None and store._piece_sizes[scan] <= 3
        # Once known, the next read goes straight to pieces (no failing whole read first).
        assert _canonical(await store.read_table(match, columns)) == _canonical(whole)
    finally:
        await store.close()


async def test_a_single_piece_that_still_overflows_reports_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    try:
        await store.ensure_schema()
        await load_demo_now(store, tmp_path / "demo")

        async def always_full(query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
            raise BufferPoolFull("the embedded store's buffer pool (256 MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB) is full")

        monkeypatch.setattr(store, "_table_rows", always_full)
        with pytest.raises(BufferPoolFull, match="CATALOG_EMBEDDED_BUFFER_POOL_MB"):
            await store.read_table("MATCH (n:Service)", {"id": "n.id"})
    finally:
        await store.close()


def test_a_last_with_that_counts_rows_per_group_is_split_and_its_counts_added_up() -> None:
    # Adoption counts services per (owners, status): each piece counts its own services, and the
    # store adds up the counts of equal groups, so the pieces give the rows of the whole read.
    match = (
        "MATCH (s:Service) WHERE s.retired_at IS NULL\n"
        "OPTIONAL MATCH (t:Team)-[o:OWNS]->(s) WITH s, collect(t.id) AS owners\n"
        "WITH owners AS keys, s.tier AS tier, count(*) AS services"
    )
    columns = {"keys": "keys", "tier": "tier", "services": "services"}
    assert plan_scan(match, columns) == Scan("s", "Service", ("services",))
    # Anything else in that WITH, or a column that is not one of its names, keeps the read whole.
    assert plan_scan(match.replace("count(*)", "collect(s.id)"), columns) is None
    assert plan_scan(match, {**columns, "n": "size(keys)"}) is None
    assert plan_scan(match + " WHERE services > 1", columns) is None
    rows = [
        {"keys": ["a", "b"], "tier": 1, "services": 2},
        {"keys": ["a"], "tier": 1, "services": 1},
        {"keys": ["a", "b"], "tier": 1, "services": 3},
        {"keys": ["b", "a"], "tier": 1, "services": 1},
    ]
    assert add_up(rows, ("services",)) == [
        {"keys": ["a", "b"], "tier": 1, "services": 5},
        {"keys": ["a"], "tier": 1, "services": 1},
        {"keys": ["b", "a"], "tier": 1, "services": 1},
    ]

"""A build loads up to ``at_once`` snapshot parts at the same time (``build_snapshot``), each after the parts it needs.

On Neo4j two parts load at once by default (``Neo4jStore.snapshot_parts_at_once``), so that the database runs one
part's read while the client builds another's arrays. Loading parts side by side must not change the snapshot:
a build with several parts at once holds the same values as one loading them one after the other, on both stores.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar, Self

import pytest

from catalog.read.snapshot.base import Earlier, SnapshotPart, in_load_order, is_transient
from catalog.read.snapshot.build import build_snapshot
from catalog.read.snapshot.parts import PARTS
from catalog.store.base import GraphStore
from catalog.store.embedded import EmbeddedStore
from catalog.store.neo4j_store import Neo4jStore
from tests.test_read_contract import _demo, check_contract, read_world

AT = "2026-11-20T12:00:00Z"


async def test_a_build_with_several_parts_at_once_answers_as_cypher_does(store: GraphStore, tmp_path: Path) -> None:
    # Not compared part by part with a build one part at a time: a part numbers rows in the order the store
    # returned them, which neither store fixes (LadybugDB's order moves with its threads), while answers do not.
    await _demo(store, tmp_path)
    world = await read_world(store)
    for width in (1, 2, len(PARTS)):
        snapshot = await build_snapshot(store, at_once=width)
        assert list(snapshot.parts) == [kind for kind in PARTS if not is_transient(kind)]
        assert list(snapshot.part_seconds) == [part.__name__ for part in PARTS]
        assert await check_contract(store, world, snapshot) > 500, f"{width} parts at once"


def test_neo4j_builds_two_parts_at_once_and_the_embedded_store_one() -> None:
    assert Neo4jStore.snapshot_parts_at_once == 2
    assert EmbeddedStore.snapshot_parts_at_once == 1


class _Traced:
    """A part that records when it loads: how many parts were loading with it, and which parts were loaded before it."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()
    loading: ClassVar[set[str]] = set()
    done: ClassVar[list[str]] = []
    most: ClassVar[int] = 0
    started_after: ClassVar[dict[str, set[str]]] = {}

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        _Traced.started_after[cls.__name__] = set(_Traced.done)
        _Traced.loading.add(cls.__name__)
        _Traced.most = max(_Traced.most, len(_Traced.loading))
        for _ in range(5):  # let every other part that may start, start
            await asyncio.sleep(0)
        for needed in cls.needs:
            earlier.part(needed)
        _Traced.loading.discard(cls.__name__)
        _Traced.done.append(cls.__name__)
        return cls()

    @staticmethod
    def reset() -> None:
        _Traced.loading.clear()
        _Traced.done.clear()
        _Traced.started_after.clear()
        _Traced.most = 0


class P1(_Traced):
    pass


class P2(_Traced):
    pass


class P3(_Traced):
    needs = (P1,)


class P4(_Traced):
    needs = (P1, P2)


class P5(_Traced):
    pass


@pytest.fixture
async def embedded(tmp_path: Path) -> Any:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    await store.ensure_schema()
    yield store
    await store.close()


@pytest.mark.parametrize("width", [1, 2, 3])
async def test_at_most_at_once_parts_load_together_each_after_the_parts_it_needs(embedded: GraphStore, width: int) -> None:
    _Traced.reset()
    snapshot = await build_snapshot(embedded, [P3, P4, P5], at=AT, at_once=width)
    assert _Traced.most == width
    assert {"P1"} <= _Traced.started_after["P3"] and {"P1", "P2"} <= _Traced.started_after["P4"]
    # The snapshot and its timings list the parts in load order, whichever finished first.
    assert list(snapshot.parts) == [P1, P3, P2, P4, P5] == list(in_load_order([P3, P4, P5]))
    assert list(snapshot.part_seconds) == ["P1", "P3", "P2", "P4", "P5"]


class Fails:
    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        await asyncio.sleep(0)
        raise RuntimeError("this part cannot load")


class Waits:
    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()
    cancelled: ClassVar[list[bool]] = []

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cls.cancelled.append(True)
            raise
        return cls()


async def test_a_part_that_fails_stops_the_build_and_the_parts_loading_beside_it(embedded: GraphStore) -> None:
    Waits.cancelled.clear()
    with pytest.raises(RuntimeError, match="this part cannot load"):
        await build_snapshot(embedded, [Waits, Fails], at=AT, at_once=2)
    assert Waits.cancelled == [True]


async def test_a_build_needs_at_least_one_part_at_a_time(embedded: GraphStore) -> None:
    with pytest.raises(ValueError, match="at least one part at a time"):
        await build_snapshot(embedded, [P1], at=AT, at_once=0)

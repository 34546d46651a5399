"""A snapshot part that derives from other parts names them in ``needs``: the build loads them first.

The derived parts' answers are held equal to the Cypher reader's by ``test_read_contract``; this
file holds the order the build loads parts in, and what a part may ask of the parts before it.
"""

from __future__ import annotations

import gc
import weakref
from typing import ClassVar, Self

import pytest

from catalog.read.snapshot.base import Earlier, MissingPart, Snapshot, SnapshotPart, in_load_order
from catalog.read.snapshot.build import build_snapshot
from catalog.read.snapshot.current import CurrentGraph
from catalog.read.snapshot.impact import DependencyGraph, Escalation, ResolvedOwners
from catalog.read.snapshot.parts import PARTS
from catalog.store.base import GraphStore


class _Base:
    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        return cls()


class A(_Base):
    pass


class B(_Base):
    needs = (A,)


class C(_Base):
    needs = (B, A)


class Loop1(_Base):
    pass


class Loop2(_Base):
    needs = (Loop1,)


Loop1.needs = (Loop2,)


def test_a_part_comes_after_every_part_it_needs_and_each_part_once() -> None:
    assert in_load_order([C]) == (A, B, C)
    assert in_load_order([B, A, C]) == (A, B, C)
    assert in_load_order([A, C]) == (A, B, C)


def test_parts_that_need_each_other_in_a_loop_are_refused() -> None:
    with pytest.raises(ValueError, match="loop through"):
        in_load_order([Loop1])


def test_the_registry_lists_every_part_after_those_it_needs() -> None:
    # The registry's own order is the build's: no part is moved, none is added.
    assert in_load_order(PARTS) == PARTS
    assert ResolvedOwners.needs == (CurrentGraph, DependencyGraph) and Escalation.needs == (CurrentGraph,)


def test_a_part_may_read_only_the_parts_it_named() -> None:
    earlier = Earlier()
    with pytest.raises(MissingPart, match="name it in the needs"):
        earlier.part(CurrentGraph)


class CollectorSeen(_Base):
    """Records whether the cyclic collector was running while it loaded."""

    seen: ClassVar[list[bool]] = []

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        cls.seen.append(gc.isenabled())
        return cls()


async def test_the_collector_is_paused_while_parts_load_and_runs_again_after(store: GraphStore) -> None:
    assert gc.isenabled()
    CollectorSeen.seen.clear()
    await build_snapshot(store, [CollectorSeen])
    assert CollectorSeen.seen == [False] and gc.isenabled()
    # A collector paused by the caller stays paused after the build.
    gc.disable()
    try:
        await build_snapshot(store, [CollectorSeen])
        assert not gc.isenabled()
    finally:
        gc.enable()


class Tables(_Base):
    """A transient part: read for ``Built`` and ``Also``, held by no snapshot."""

    transient: ClassVar[bool] = True
    alive: ClassVar[list[weakref.ref[Tables]]] = []

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        made = cls()
        cls.alive.append(weakref.ref(made))
        return made


class Built(_Base):
    needs = (Tables,)
    got: ClassVar[list[object]] = []

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        cls.got.append(type(earlier.part(Tables)))
        return cls()


class Also(Built):
    needs = (Built, Tables)


class Later(_Base):
    """Loads after ``Built`` and ``Also``: by then nothing of ``Tables`` is held."""

    needs = (Also,)
    saw: ClassVar[list[bool]] = []

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        cls.saw.append(all(ref() is None for ref in Tables.alive))
        return cls()


async def test_a_transient_part_is_given_to_the_parts_needing_it_and_kept_by_no_snapshot(store: GraphStore) -> None:
    Tables.alive.clear()
    Built.got.clear()
    Later.saw.clear()
    published: list[Snapshot] = []
    snapshot = await build_snapshot(store, [Later], first=[Built], publish=published.append, at_once=1)
    assert Built.got == [Tables, Tables]
    assert list(snapshot.parts) == [Built, Also, Later] and list(published[0].parts) == [Built]
    assert list(snapshot.part_seconds) == ["Tables", "Built", "Also", "Later"]
    # Let go once the last part needing it was loaded, before the build went on.
    assert Later.saw == [True] and len(Tables.alive) == 1

"""A snapshot part that derives from other parts names them in ``needs``: the build loads them first.

The derived parts' answers are held equal to the Cypher reader's by ``test_read_contract``; this
file holds the order the build loads parts in, and what a part may ask of the parts before it.
"""

from __future__ import annotations

import gc
from typing import ClassVar, Self

import pytest

from catalog.read.snapshot.base import Earlier, MissingPart, SnapshotPart, in_load_order
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

"""Building a snapshot: every registered part, loaded as soon as the parts it needs are, under the generation read first."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from types import MappingProxyType

from catalog.core.clock import now_iso
from catalog.read.snapshot.base import Earlier, Snapshot, SnapshotPart, in_load_order, is_transient
from catalog.store.base import GraphStore, shared_texts
from catalog.store.generation import Generation, read_generation

Publish = Callable[[Snapshot], None]
"""Given a build's first stage as a snapshot of its own, while the rest loads (``build_snapshot``)."""


async def build_snapshot(
    store: GraphStore,
    parts: Sequence[type[SnapshotPart]] | None = None,
    *,
    generation: Generation | None = None,
    at: str | None = None,
    at_once: int | None = None,
    first: Sequence[type[SnapshotPart]] | None = None,
    publish: Publish | None = None,
) -> Snapshot:
    """A snapshot of ``parts`` (default: ``PARTS``) and the parts they need, as the store holds them now.

    The generation is read before the parts: a sync that finishes during the build advances it
    past the one recorded here, so the holder builds again at its next poll instead of keeping
    a view that mixes two syncs.

    Up to ``at_once`` parts load at the same time (default: the store's ``snapshot_parts_at_once``),
    each as soon as the parts it needs are loaded. A part reads one table at a time, so that is also
    the most reads the build has in flight.

    The parts load in two stages: ``first`` (default, with the default parts: ``FIRST``, what incident answers
    read) and the parts they need, then the others. ``publish`` is given the first stage as a snapshot
    (``complete`` False) as soon as it is loaded, so a server answers from it while the rest loads; the
    snapshot returned holds those very part objects and the others.
    """
    if parts is None:
        from catalog.read.snapshot.parts import FIRST, PARTS

        parts = PARTS
        first = FIRST if first is None else first
    width = store.snapshot_parts_at_once if at_once is None else at_once
    if width < 1:
        raise ValueError(f"a snapshot build loads at least one part at a time (at_once={width})")
    ordered = in_load_order(parts)
    early = in_load_order(first or ())
    if not set(early) <= set(ordered):
        raise ValueError("a snapshot build's first stage must be among its parts")
    later = tuple(kind for kind in ordered if kind not in early)
    started = time.perf_counter()
    generation = generation if generation is not None else await read_generation(store)
    at = at or now_iso()

    def snapshot(kinds: Sequence[type[SnapshotPart]], first_seconds: float | None, complete: bool) -> Snapshot:
        return Snapshot(
            generation.number,
            generation.synced_at,
            at,
            MappingProxyType({kind: loaded[kind] for kind in kinds if not is_transient(kind)}),
            build_seconds=time.perf_counter() - started if complete else first_seconds or 0.0,
            part_seconds=MappingProxyType(_in_order(seconds, kinds)),
            first_seconds=first_seconds,
            complete=complete,
        )

    # A build runs beside the requests it must not starve: a bounded number of parts, so of table reads,
    # at a time, and each bulk read must finish within CATALOG_QUERY_TIMEOUT on a busy store.
    # Equal short texts the parts read are one object each (``shared_texts``): a third of the snapshot's memory.
    # The first stage loads alone: the parts of the next would slow it (two cores, at scale M on Neo4j: 8.1-8.4 s
    # for the first stage alone, 8.5-11.3 s with the scorecard taking a place its last part left free).
    loaded: dict[type, object] = {}
    seconds: dict[str, float] = {}
    with shared_texts(), collector_paused():
        await _load(store, early, at, width, loaded, seconds, keep={needed for kind in later for needed in kind.needs})
        first_seconds = None
        if early and later:
            first_seconds = time.perf_counter() - started
            if publish is not None:
                publish(snapshot(early, first_seconds, complete=False))
        await _load(store, later, at, width, loaded, seconds)
    return snapshot((*early, *later), first_seconds, complete=True)


async def _load(
    store: GraphStore,
    ordered: Sequence[type[SnapshotPart]],
    at: str,
    width: int,
    loaded: dict[type, object],
    seconds: dict[str, float],
    keep: Set[type] = frozenset(),
) -> None:
    """Every part of ``ordered`` (each after the parts it needs, which are in ``ordered`` or ``loaded`` already), up to
    ``width`` loading at once, added to ``loaded``, and the seconds each one's load took to ``seconds`` (by name). A
    transient part is let go (None) as soon as no part still to load needs it, unless it is in ``keep`` (a later
    stage's).

    A part starts as soon as a place is free and the parts it needs are loaded, the first such in ``ordered``.
    On Neo4j this is what makes a build faster than its reads one after the other: while the client turns one
    part's table into arrays (CPU in this process), the database runs another part's read (CPU in its own).
    When a part fails the others are cancelled and its error is raised."""

    async def load(kind: type[SnapshotPart], earlier: Earlier) -> object:
        began = time.perf_counter()
        part = await kind.load(store, at=at, earlier=earlier)
        seconds[kind.__name__] = time.perf_counter() - began
        return part

    waiting = list(ordered)
    running: dict[asyncio.Task[object], type[SnapshotPart]] = {}
    try:
        while waiting or running:
            for kind in [k for k in waiting if all(needed in loaded for needed in k.needs)]:
                if len(running) >= width:
                    break
                waiting.remove(kind)
                running[asyncio.ensure_future(load(kind, Earlier.needed_by(kind, loaded)))] = kind
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                loaded[running.pop(task)] = task.result()
            # A transient part's tables are let go as soon as no part still to load needs it.
            for kind in [k for k in loaded if is_transient(k) and k not in keep]:
                if not any(kind in other.needs for other in (*waiting, *running.values())):
                    loaded[kind] = None
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def _in_order(seconds: Mapping[str, float], ordered: Sequence[type[SnapshotPart]]) -> dict[str, float]:
    return {kind.__name__: seconds[kind.__name__] for kind in ordered}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within the block, Python's cyclic collector does not run (it runs again after, as it was).

    A build makes millions of objects that all survive it, and reads columns of a quarter of a million
    values: each collection of the oldest generation walked all of them so far, and the collector ran
    one each time they grew by a quarter. At scale M those collections were about a third of the
    build's CPU time (measured: 19.9-20.5 CPU s with it, 13.4-14.1 without, one full collection after
    included). Nothing is lost by pausing it: memory is still freed by reference counting as soon as
    nothing refers to it, and what is in cycles (the requests' served meanwhile) waits for the next
    collection, which the server runs once after each
    build (``catalog.api.heap.settle``)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

"""The collector and the snapshot: what a server that holds a large, immutable snapshot does to its heap.

Python's cyclic collector runs a full collection whenever the objects that survived into its oldest
generation grow by a quarter, and a full collection walks every tracked object, the snapshot's
millions included. Under load, each request's objects that are alive when a young collection runs
(16 requests in flight) are promoted, so full collections came every few thousand requests and
each paused the event loop for a long time at scale M (p99 of whoOwns and onCall at 1.5-1.7 s).

So after each snapshot is built, before it is swapped in, the heap is collected once and frozen
(``gc.freeze``): the snapshot, the one still serving, and the server's long-lived objects leave the
collector's generations, and later collections walk only what requests made since. The previous
freeze is undone first, so the snapshot that was swapped out before (and any cycles it had) is
collected here: at most one retired snapshot's cycles wait for the next build. Objects frozen are
still freed by reference counting as soon as nothing refers to them.

The price is one full collection per build, on the event loop, over both snapshots: measured at M
on this 2-core machine at load average 10, 2.2 s with one snapshot held and 4.9 s with two, for a
62 s build. It cannot be smaller without leaking: about a third of a snapshot's objects are in
reference cycles (322,000 of them at M are found only by a full collection once it is dropped).
Without it, under load, full collections of the same size came every few seconds.
"""

from __future__ import annotations

import gc
import logging
import time

from catalog.read.snapshot import Snapshot
from catalog.read.snapshot.build import Publish
from catalog.read.snapshot.holder import Builder
from catalog.store.base import GraphStore
from catalog.store.generation import Generation

log = logging.getLogger(__name__)


def settle() -> float:
    """Collect everything (frozen objects included), then freeze what is left; the seconds it took."""
    began = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - began


def release() -> None:
    """Return frozen objects to the collector (the app stops: its snapshots are garbage now)."""
    gc.unfreeze()


def settling(builder: Builder) -> Builder:
    """``builder``, with the heap settled after each snapshot it builds."""

    async def build(store: GraphStore, generation: Generation, publish: Publish) -> Snapshot:
        snapshot = await builder(store, generation, publish)
        seconds = settle()
        log.info("snapshot: heap collected and frozen in %.2f s (%d objects frozen)", seconds, gc.get_freeze_count())
        return snapshot

    return build

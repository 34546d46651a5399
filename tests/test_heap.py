"""The heap settled after each snapshot build (``catalog.api.heap``): frozen out of the collector's
passes, with what was retired before collected at the next build, and given back on shutdown."""

from __future__ import annotations

import gc
import weakref

from catalog.api.heap import release, settle


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_a_retired_cycle_waits_for_the_next_settle_and_release_unfreezes() -> None:
    try:
        kept = Node()
        retired = weakref.ref(Node())  # garbage already: the settle collects it
        settle()
        assert retired() is None
        assert gc.get_freeze_count() > 0
        swapped_out = weakref.ref(kept)
        del kept
        gc.collect()
        assert swapped_out() is not None  # frozen: a full collection does not walk it
        settle()
        assert swapped_out() is None  # the next build's settle does
    finally:
        release()
    assert gc.get_freeze_count() == 0

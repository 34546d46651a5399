"""The scorecard part's build takes the facts' responders from everyone's: equal to reading them, on both stores.

``ScorecardPart.load`` reads every current policy's responders at the build's instant once, and the
scorecard facts' own responders (the policies services and teams page) are picked from them
(``responders_among``) instead of being read and decoded again. Over the demo, for every kind of
subset (all, some, unknown keys, none), the pick equals what the Cypher reader answers.
"""

from __future__ import annotations

from pathlib import Path

from catalog.core.clock import iso
from catalog.read import CatalogReader
from catalog.read.snapshot.scorecard import _RespondersAt, responders_among
from catalog.store.base import GraphStore
from tests.test_read_contract import NOW, _demo


async def test_responders_picked_from_everyones_equal_the_read_ones(store: GraphStore, tmp_path: Path) -> None:
    await _demo(store, tmp_path)
    at = iso(NOW)
    reader = CatalogReader(store)
    everyone = await reader.responders(at)
    keys = sorted(everyone.policies)
    assert len(keys) >= 2 and everyone.shifts_now, "the demo pages someone: the comparison must have something to compare"
    subsets: list[list[str] | None] = [None, keys, keys[::2], keys[1:2], [keys[0], "policy:not-there"], ["policy:not-there"], []]
    for subset in subsets:
        assert responders_among(everyone, subset) == await reader.responders(at, subset), subset
    # Through the scorecard's whole-company facts, as the part's build reads them.
    assert await _RespondersAt(store, at, everyone).scorecard_facts(at) == await reader.scorecard_facts(at)

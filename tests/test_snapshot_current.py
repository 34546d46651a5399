"""``CurrentGraph``, the snapshot's owners and teams held as numbers: every hop it serves answers as Cypher does.

On both stores, for every named hop the part serves, every key's neighbours (nodes, edge
properties, provenance, order) equal the Cypher reader's; an edge's origin comes back exactly as
stored however it is written; node properties compare equal to the Cypher reader's maps; and a
build records how long each part took.
"""

from __future__ import annotations

from types import MappingProxyType

from catalog.core.model import OWNS
from catalog.read import CatalogReader
from catalog.read import hops as hops_module
from catalog.read.hops import Hop
from catalog.read.snapshot import build_snapshot
from catalog.read.snapshot.current import CurrentGraph, _edges
from catalog.read.snapshot.interning import FrozenProps, Interner
from catalog.read.snapshot.parts import PARTS
from catalog.store.base import GraphStore
from tests.test_read_layer import shop

HOPS = [value for value in vars(hops_module).values() if isinstance(value, Hop)]


async def test_every_hop_the_graph_serves_answers_as_cypher_does(store: GraphStore) -> None:
    await shop().sync(store)
    graph = (await build_snapshot(store, [CurrentGraph])).part(CurrentGraph)
    reader = CatalogReader(store)
    keys = sorted(
        {key for by_key in graph.nodes.values() for key in by_key}
        | {key for side in (*graph.forward.values(), *graph.backward.values()) for key in side.index}
    )
    served = [hop for hop in HOPS if graph.serves(hop)]
    assert {hop.name for hop in served} >= {"owners", "members", "teams of person", "child teams", "platform", "services owned"}
    linked = 0
    for hop in served:
        expected = await reader.neighbours(hop, keys)
        assert graph.neighbours(hop, keys) == expected, hop.name
        linked += sum(len(links) for links in expected)
    assert linked > 0


def test_origins_come_back_exactly_as_stored() -> None:
    origins = ["components/a.yaml#115", "components/a.yaml#7", "a#01", "a#", "#5", "a#b#12", "a", None, "a#\uff11", "a#1234567890", "x#0"]
    origins += ["k.yaml#L55", "k.yaml#L7", "w-1330", "7", "0", "00", "a#L"]
    rows = [
        {
            "a": "team:payments",
            "a_label": "Team",
            "b": f"component:default/s{i}",
            "b_label": "Service",
            "r_evidence": "spec.owner",
            "r_strength": "declared",
            "r_source": "backstage",
            "r_source_instance": "main",
            "r_origin": origin,
            "r_first_seen": "2026-11-01T00:00:00Z",
            "r_last_seen": "2026-11-02T00:00:00Z",
        }
        for i, origin in enumerate(origins)
    ]
    table = {name: [row[name] for row in rows] for name in rows[0]}
    columns, _, _ = _edges(OWNS, table, {}, {"Team": 0, "Service": 1}, Interner())
    assert [columns.facts(i).provenance.origin for i in range(len(origins))] == origins
    # Origins that differ only by the number they end with share their head: one per file, not per line.
    assert len(columns.origins) < len(origins) and "components/a.yaml#" in columns.origins and "k.yaml#L" in columns.origins
    assert {columns.facts(i).provenance.source for i in range(len(origins))} == {"backstage"}


def test_node_properties_equal_the_cypher_readers_maps() -> None:
    props = FrozenProps(MappingProxyType({"name": 0, "tier": 1}), ("checkout", None))
    assert props == MappingProxyType({"name": "checkout", "tier": None}) == props
    assert props != MappingProxyType({"name": "checkout"})
    assert (props.get("tier", "x"), props.get("nope", "x"), dict(props)) == (None, "x", {"name": "checkout", "tier": None})


async def test_a_build_says_how_long_each_part_took(store: GraphStore) -> None:
    await shop().sync(store)
    snapshot = await build_snapshot(store)
    assert list(snapshot.part_seconds) == [kind.__name__ for kind in PARTS]
    assert all(seconds >= 0 for seconds in snapshot.part_seconds.values())
    # Parts may load side by side (on Neo4j two at once): each took no longer than the build.
    assert max(snapshot.part_seconds.values()) <= snapshot.build_seconds
    # One at a time, they add up to no more than the build.
    one = await build_snapshot(store, at_once=1)
    assert sum(one.part_seconds.values()) <= one.build_seconds

"""Transitive walks: breadth-first, one query per level, a visited set per start node.

Variable-length patterns (``*1..N``) enumerate paths and blow up on dense graphs in both
engines; a level-by-level walk touches every edge at most once, stops when nothing new is
found, and terminates on cycles. Many start nodes walk together: each level is one query for
the union of their frontiers, so a DataLoader batch of N walks costs at most ``depth`` queries
(plus one per label reached, to read the nodes' properties once at the end).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from catalog.read.base import read_nodes
from catalog.read.hops import Hop, anchor, hop_edges_query, hop_ids_query
from catalog.read.nodes import EdgeFacts, GraphNode, Reached
from catalog.store.base import GraphStore

P = TypeVar("P")


@dataclass(frozen=True)
class _Step(Generic[P]):
    id: str
    distance: int
    via: str
    payload: P


Expand = Callable[[list[str]], Awaitable[dict[str, list[tuple[str, P]]]]]


async def _breadth_first(roots: Sequence[str], max_depth: int, expand: Expand[P]) -> list[list[_Step[P]]]:
    visited: list[set[str]] = [{root} for root in roots]
    frontiers: list[list[str]] = [[root] for root in roots]
    found: list[list[_Step[P]]] = [[] for _ in roots]
    for distance in range(1, max_depth + 1):
        union = sorted({key for frontier in frontiers for key in frontier})
        if not union:
            break
        children = await expand(union)
        for i, frontier in enumerate(frontiers):
            nxt: list[str] = []
            for parent in frontier:
                for key, payload in children.get(parent, ()):
                    if key not in visited[i]:
                        visited[i].add(key)
                        found[i].append(_Step(key, distance, parent, payload))
                        nxt.append(key)
            frontiers[i] = nxt
    return found


async def reach(store: GraphStore, hop: Hop, roots: Sequence[str], max_depth: int) -> list[list[Reached]]:
    """For each root, every node reachable over ``hop`` within ``max_depth`` steps, at its shortest
    distance, nearest first; the root itself is never included, even on a cycle.

    Costs one query per level, plus one per label reached to read the nodes' properties once.
    """

    async def expand(frontier: list[str]) -> dict[str, list[tuple[str, tuple[str, Mapping[str, Any]]]]]:
        form, params = anchor(frontier)
        rows = await store.read(hop_edges_query(hop, store.dialect, form), params)
        children: dict[str, list[tuple[str, tuple[str, Mapping[str, Any]]]]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (str(r["key"]), str(r["id"]), str(r["edge"]["source_instance"]))):
            # Edge facts stay raw until a step keeps them: most edges lead to nodes already visited.
            children[str(row["key"])].append((str(row["id"]), (str(row["label"]), row["edge"])))
        return children

    walks = await _breadth_first(roots, max_depth, expand)
    by_label: dict[str, set[str]] = defaultdict(set)
    for walk in walks:
        for step in walk:
            by_label[step.payload[0]].add(step.id)
    nodes: dict[str, GraphNode] = {}
    for label in sorted(by_label):
        nodes.update(await read_nodes(store, label, sorted(by_label[label])))
    return [
        [
            Reached(nodes[step.id], step.distance, step.via, EdgeFacts.from_map(hop.rel, step.payload[1]))
            for step in walk
            if step.id in nodes
        ]
        for walk in walks
    ]


async def reach_keys(store: GraphStore, hop: Hop, roots: Sequence[str], max_depth: int) -> list[list[str]]:
    """For each root, the keys reachable over ``hop`` within ``max_depth`` steps, nearest first."""

    async def expand(frontier: list[str]) -> dict[str, list[tuple[str, None]]]:
        form, params = anchor(frontier)
        rows = await store.read(hop_ids_query(hop, store.dialect, form), params)
        children: dict[str, list[tuple[str, None]]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (str(r["key"]), str(r["id"]))):
            children[str(row["key"])].append((str(row["id"]), None))
        return children

    walks = await _breadth_first(roots, max_depth, expand)
    return [[step.id for step in walk] for walk in walks]

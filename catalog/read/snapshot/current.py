"""Current ownership and team state in memory: the nodes answers show and the edges between them.

``CurrentGraph`` holds every current node of the labels owner answers show (services, teams,
people, platforms, escalation policies) and every current edge of the relationships they walk
(``OWNS``, ``ACCOUNTABLE_FOR``, ``MEMBER_OF``, ``CHILD_OF``, ``RUNS_ON``, ``ESCALATES_VIA``,
``BUILT_FROM``), indexed both ways with the ``Linked`` values the Cypher reader would build, in
the order it returns them. It is loaded by one table read per label and per relationship type.

``CurrentStateFromSnapshot`` answers from it the batch reads behind owner lookups, whoOwns and
team pages: ``nodes_by_ids``, ``nodes_with_retired`` (current ones), ``neighbours`` (so ``owners_of``, ``resolved_owners_of``,
``members``, ``parent_team``, ``child_teams``, ``platform_of``, ... follow), ``node_with_owners``,
``node_with_resolved_owners``, ``team_trees`` and ``services_owned_by``. A hop whose neighbours
are of a label the snapshot does not hold (a service's repositories) goes to Cypher.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Self

from catalog.model import ACCOUNTABLE_FOR, BUILT_FROM, CHILD_OF, ESCALATES_VIA, MEMBER_OF, OWNS, RUNS_ON, RelType
from catalog.read.hops import CHILD_TEAMS, SERVICES_OWNED, Hop, accountable_hop, owners_hop
from catalog.read.nodes import GraphNode, Linked, Ownership, Resolution, node_map, rel_map
from catalog.read.snapshot.base import SnapshotReads
from catalog.read.snapshot.interning import Interner
from catalog.read.traversal import _breadth_first
from catalog.store.base import GraphStore, Row

LABELS = ("Service", "Team", "Person", "Platform", "EscalationPolicy")
"""Labels whose current nodes the snapshot holds whole."""
RELS: tuple[RelType, ...] = (OWNS, ACCOUNTABLE_FOR, MEMBER_OF, CHILD_OF, RUNS_ON, ESCALATES_VIA, BUILT_FROM)
"""Relationship types whose current edges the snapshot holds, both ways."""

Adjacency = Mapping[str, tuple[tuple[str, tuple[Linked, ...]], ...]]
"""Key → its links to current neighbours, grouped by the key's own label (one group but for a key two
labels share), each group sorted as ``links_of`` sorts."""


@dataclass(frozen=True)
class CurrentGraph:
    nodes: Mapping[str, Mapping[str, GraphNode]]
    """Label → key → current node."""
    forward: Mapping[str, Adjacency]
    """Relationship type → start key → its current targets."""
    backward: Mapping[str, Adjacency]
    """Relationship type → end key → its current sources."""

    @classmethod
    async def load(cls, store: GraphStore, *, at: str) -> Self:
        d = store.dialect
        reads: list[tuple[str, dict[str, str]]] = [
            (f"MATCH (n:{label}) WHERE n.retired_at IS NULL", {"node": node_map("n", (label,))}) for label in LABELS
        ]
        reads += [
            (
                f"MATCH (a:{'|'.join(rel.from_labels)})-[r:{rel.type}]->(b:{'|'.join(rel.to_labels)}) WHERE r.active = true",
                {"a": "a.id", "a_label": d.label_of("a"), "b": "b.id", "b_label": d.label_of("b"), "edge": rel_map("r", rel)},
            )
            for rel in RELS
        ]
        tables = [await store.read_table(match, columns) for match, columns in reads]
        # Building tens of thousands of values is CPU work: off the event loop, so requests keep being answered.
        return await asyncio.to_thread(cls._build, tables[: len(LABELS)], tables[len(LABELS) :])

    @classmethod
    def _build(cls, node_tables: Sequence[list[Row]], edge_tables: Sequence[list[Row]]) -> Self:
        intern = Interner()
        nodes: dict[str, Mapping[str, GraphNode]] = {}
        for label, rows in zip(LABELS, node_tables, strict=True):
            nodes[label] = MappingProxyType({str(row["node"]["id"]): intern.node(label, row["node"]) for row in rows})
        current: dict[str, GraphNode] = {key: node for by_key in nodes.values() for key, node in by_key.items()}
        forward: dict[str, Adjacency] = {}
        backward: dict[str, Adjacency] = {}
        for rel, rows in zip(RELS, edge_tables, strict=True):
            ahead: dict[tuple[str, str], list[Linked]] = defaultdict(list)
            behind: dict[tuple[str, str], list[Linked]] = defaultdict(list)
            for row in rows:
                facts = intern.edge(rel, row["edge"])
                a, b = str(row["a"]), str(row["b"])
                source, target = current.get(a), current.get(b)
                # Keys are shared with the nodes' own (or interned): each is held once however many edges name it.
                a = source.id if source is not None else sys.intern(a)
                b = target.id if target is not None else sys.intern(b)
                if target is not None and target.label == row["b_label"]:
                    ahead[(a, sys.intern(str(row["a_label"])))].append(Linked(target, facts))
                if source is not None and source.label == row["a_label"]:
                    behind[(b, sys.intern(str(row["b_label"])))].append(Linked(source, facts))
            forward[rel.type] = _frozen(ahead)
            backward[rel.type] = _frozen(behind)
        return cls(MappingProxyType(nodes), MappingProxyType(forward), MappingProxyType(backward))

    def serves(self, hop: Hop) -> bool:
        """True when the snapshot holds every neighbour ``hop`` can reach."""
        return hop.rel.type in self.forward and all(label in self.nodes for label in hop.end)

    def neighbours(self, hop: Hop, ids: Sequence[str]) -> list[list[Linked]]:
        """What ``CatalogReader.neighbours`` answers, for a hop this snapshot ``serves``."""
        table = (self.forward if hop.forward else self.backward)[hop.rel.type]
        start, end = hop.start, hop.end
        return [[link for label, links in table.get(key, ()) if label in start for link in links if link.node.label in end] for key in ids]

    def neighbour_keys(self, hop: Hop, key: str) -> list[str]:
        """The distinct keys of a node's current neighbours over ``hop``, sorted."""
        return sorted({link.node.id for link in self.neighbours(hop, [key])[0]})


def _frozen(table: Mapping[tuple[str, str], list[Linked]]) -> Adjacency:
    grouped: dict[str, list[tuple[str, tuple[Linked, ...]]]] = defaultdict(list)
    for (key, label), links in table.items():
        links.sort(key=lambda link: (link.node.id, link.edge.provenance.source_instance or ""))
        grouped[key].append((label, tuple(links)))
    return MappingProxyType({key: tuple(groups) for key, groups in grouped.items()})


class CurrentStateFromSnapshot(SnapshotReads):
    """Owners, teams, members and the nodes they show, from ``CurrentGraph`` when there is a snapshot."""

    def _graph(self) -> CurrentGraph | None:
        snap = self.snapshot
        return snap.part(CurrentGraph) if snap is not None and snap.has(CurrentGraph) else None

    async def nodes_by_ids(self, label: str, ids: Sequence[str]) -> list[GraphNode | None]:
        if (graph := self._graph()) is not None and label in graph.nodes:
            found = graph.nodes[label]
            return [found.get(key) for key in ids]
        return await super().nodes_by_ids(label, ids)

    async def nodes_with_retired(self, label: str, ids: Sequence[str]) -> list[GraphNode | None]:
        """Current nodes from the snapshot; only keys it does not hold (retired or unknown) are asked of the store."""
        if (graph := self._graph()) is None or label not in graph.nodes:
            return await super().nodes_with_retired(label, ids)
        current = graph.nodes[label]
        missing = [key for key in ids if key not in current]
        found: dict[str, GraphNode | None] = (
            dict(zip(missing, await super().nodes_with_retired(label, missing), strict=True)) if missing else {}
        )
        return [current[key] if key in current else found[key] for key in ids]

    async def neighbours(self, hop: Hop, ids: Sequence[str]) -> list[list[Linked]]:
        if (graph := self._graph()) is not None and graph.serves(hop):
            return graph.neighbours(hop, ids)
        return await super().neighbours(hop, ids)

    async def node_with_owners(self, label: str, key: str) -> tuple[GraphNode | None, list[Ownership]]:
        hop = owners_hop(label)
        if (graph := self._graph()) is not None and label in graph.nodes and graph.serves(hop):
            node = graph.nodes[label].get(key)
            return (node, [Ownership.from_link(link) for link in graph.neighbours(hop, [key])[0]]) if node else (None, [])
        return await super().node_with_owners(label, key)

    async def node_with_resolved_owners(self, label: str, key: str) -> tuple[GraphNode | None, list[Resolution]]:
        hop = accountable_hop(label)
        if (graph := self._graph()) is not None and label in graph.nodes and graph.serves(hop):
            node = graph.nodes[label].get(key)
            return (node, [Resolution.from_link(link) for link in graph.neighbours(hop, [key])[0]]) if node else (None, [])
        return await super().node_with_resolved_owners(label, key)

    async def team_trees(self, team_ids: Sequence[str]) -> list[list[str]]:
        if (graph := self._graph()) is None:
            return await super().team_trees(team_ids)

        # The same breadth-first walk as the Cypher reader's, one level at a time, from memory.
        async def expand(frontier: list[str]) -> dict[str, list[tuple[str, None]]]:
            return {key: [(child, None) for child in graph.neighbour_keys(CHILD_TEAMS, key)] for key in frontier}

        walks = await _breadth_first(team_ids, self.hierarchy_limit, expand)
        return [[root, *(step.id for step in walk)] for root, walk in zip(team_ids, walks, strict=True)]

    async def services_owned_by(self, owner_ids: Sequence[str]) -> list[list[str]]:
        if (graph := self._graph()) is None:
            return await super().services_owned_by(owner_ids)
        return [graph.neighbour_keys(SERVICES_OWNED, key) for key in owner_ids]

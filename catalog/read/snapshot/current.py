"""Current ownership and team state in memory: the nodes answers show and the edges between them.

``CurrentGraph`` holds every current node of the labels owner answers show (services, teams,
people, platforms, escalation policies) and every current edge of the relationships they walk
(``OWNS``, ``ACCOUNTABLE_FOR``, ``MEMBER_OF``, ``CHILD_OF``, ``RUNS_ON``, ``ESCALATES_VIA``,
``BUILT_FROM``), indexed both ways as arrays of numbers (``Adjacency``, ``EdgeColumns``); a hop
builds the ``Linked`` values the Cypher reader would build, in the order it returns them, for
the keys it is asked about only. It is loaded by one table read per label and per relationship type.

``CurrentStateFromSnapshot`` answers from it the batch reads behind owner lookups, whoOwns and
team pages: ``nodes_by_ids``, ``nodes_with_retired`` (current ones), ``neighbours`` (so ``owners_of``, ``resolved_owners_of``,
``members``, ``parent_team``, ``child_teams``, ``platform_of``, ... follow), ``node_with_owners``,
``node_with_resolved_owners``, ``team_trees`` and ``services_owned_by``. A hop whose neighbours
are of a label the snapshot does not hold (a service's repositories) goes to Cypher.
"""

from __future__ import annotations

import asyncio
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Self, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from catalog.core.model import ACCOUNTABLE_FOR, BUILT_FROM, CHILD_OF, ESCALATES_VIA, MEMBER_OF, OWNS, RUNS_ON, RelType
from catalog.read.hops import CHILD_TEAMS, SERVICES_OWNED, Hop, accountable_hop, owners_hop
from catalog.read.nodes import PROVENANCE_FIELDS, EdgeFacts, GraphNode, Linked, Ownership, Provenance, Resolution, node_columns
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.read.snapshot.interning import FrozenProps, Interner
from catalog.read.traversal import _breadth_first
from catalog.store.base import Columns, GraphStore, shared_text, texts_unshared

LABELS = ("Service", "Team", "Person", "Platform", "EscalationPolicy")
"""Labels whose current nodes the snapshot holds whole."""
RELS: tuple[RelType, ...] = (OWNS, ACCOUNTABLE_FOR, MEMBER_OF, CHILD_OF, RUNS_ON, ESCALATES_VIA, BUILT_FROM)
"""Relationship types whose current edges the snapshot holds, both ways."""

K = TypeVar("K")

Numbers: TypeAlias = "array[int]"
"""Numbers as built with numpy, held as ``array.array``: the same bytes, and one item reads in tens of
nanoseconds, where a numpy index costs a few hundred (a hop reads a handful per request)."""


@dataclass(frozen=True)
class EdgeColumns:
    """One relationship type's current edges, by edge number: what ``EdgeFacts`` each one is made of.

    Nearly every edge has a provenance of its own (its ``origin``: the file and line a source read it
    from, ``components/components-072.yaml#115``), while its properties and the rest of its provenance
    repeat across thousands of edges. So the repeated parts are held once each and numbered, an
    origin as its shared part before the number it ends with and that number, and an edge's
    ``EdgeFacts`` is put together when an answer asks for it: a few hundred bytes per edge held as
    objects become a few numbers.
    """

    names: Mapping[str, int]
    """The relationship's own property names, each one's place in an edge's values (a ``FrozenProps``'s index)."""
    values: tuple[tuple[Any, ...], ...]
    """For each property, every distinct value it has."""
    edge_values: tuple[Numbers, ...]
    """For each property, each edge's value: a number in its ``values``. Nearly every edge's evidence is its own, so a
    map of properties per distinct set of them was one per edge (70,000 at scale M, 8 MB); each map is made when asked."""
    provenance: tuple[tuple[str | None, str | None, str | None, str | None], ...]
    """Every distinct (source, source instance, first seen, last seen)."""
    origins: tuple[str | None, ...]
    """Every distinct origin, or the part of it before the number it ends with (``path#``, ``file.yaml#L``)."""
    edge_provenance: Numbers
    edge_origin: Numbers
    origin_line: Numbers
    """The number the origin ends with; -1 when the origin is whole in ``origins``."""

    def facts(self, edge: int) -> EdgeFacts:
        source, instance, first_seen, last_seen = self.provenance[self.edge_provenance[edge]]
        origin, line = self.origins[self.edge_origin[edge]], self.origin_line[edge]
        origin = origin if line < 0 else f"{origin}{line}"
        held = zip(self.values, self.edge_values, strict=True)
        props = FrozenProps(self.names, tuple([values[numbers[edge]] for values, numbers in held]))
        return EdgeFacts(props, Provenance(source, instance, origin, first_seen, last_seen))


@dataclass(frozen=True)
class Adjacency:
    """One relationship type seen from one end: each key's current neighbours, as rows of numbers.

    Row ``index[key]`` spans ``ptr[row]:ptr[row + 1]``; each entry holds the label of the key's own node
    on that edge (a key two labels share has entries of both), the neighbour (a number in
    ``CurrentGraph.ordered``) and the edge (a number in the relationship's ``EdgeColumns``). Entries
    are sorted as ``links_of`` sorts: by neighbour key, then asserting source instance.
    """

    index: Mapping[str, int]
    ptr: Numbers
    own: Numbers
    """The own label of each entry, a number in ``CurrentGraph.label_names``."""
    other: Numbers
    edge: Numbers


@dataclass(frozen=True)
class CurrentGraph:
    nodes: Mapping[str, Mapping[str, GraphNode]]
    """Label → key → current node."""
    ordered: tuple[GraphNode, ...]
    """Every current node, by (key, label): an adjacency names neighbours by their number here."""
    label_names: tuple[str, ...]
    """Every label an edge's end may have; an adjacency names labels by their number here."""
    edges: Mapping[str, EdgeColumns]
    """Relationship type → its current edges' facts."""
    forward: Mapping[str, Adjacency]
    """Relationship type → start key → its current targets."""
    backward: Mapping[str, Adjacency]
    """Relationship type → end key → its current sources."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        d = store.dialect
        reads: list[tuple[str, dict[str, str]]] = [
            (f"MATCH (n:{label}) WHERE n.retired_at IS NULL", {name: f"n.{name}" for name in node_columns((label,))}) for label in LABELS
        ]
        reads += [
            (
                f"MATCH (a:{'|'.join(rel.from_labels)})-[r:{rel.type}]->(b:{'|'.join(rel.to_labels)}) WHERE r.active = true",
                {"a": "a.id", "a_label": d.label_of("a"), "b": "b.id", "b_label": d.label_of("b")}
                | {f"r_{name}": f"r.{name}" for name in _edge_columns(rel)},
            )
            for rel in RELS
        ]
        # Each table is read as columns (no dict per row) and turned into the graph's arrays as soon as it is
        # read, so only one table is held at a time (all twelve at once were most of the build's peak memory).
        # Building is CPU work: off the event loop, so requests keep being answered.
        node_tables = [await store.read_columns(match, columns) for match, columns in reads[: len(LABELS)]]
        # Each relationship's table is read while the one before it (or the nodes) is built: the store works on the
        # next read while this process builds, still one read at a time, and at most two tables held.
        edge_tables = _ReadAhead(store, reads[len(LABELS) :])
        try:
            graph = await asyncio.to_thread(_Builder, node_tables)
            del node_tables
            for rel in RELS:
                table = await edge_tables.take()
                await asyncio.to_thread(graph.add, rel, table)
                del table
        finally:
            await edge_tables.close()
        return cls(
            MappingProxyType(graph.nodes),
            graph.ordered,
            tuple(graph.labels),
            MappingProxyType(graph.edges),
            MappingProxyType(graph.forward),
            MappingProxyType(graph.backward),
        )

    def serves(self, hop: Hop) -> bool:
        """True when the snapshot holds every neighbour ``hop`` can reach."""
        return hop.rel.type in self.forward and all(label in self.nodes for label in hop.end)

    def neighbours(self, hop: Hop, ids: Sequence[str]) -> list[list[Linked]]:
        """What ``CatalogReader.neighbours`` answers, for a hop this snapshot ``serves``."""
        side = (self.forward if hop.forward else self.backward)[hop.rel.type]
        facts = self.edges[hop.rel.type]
        names, ordered, end = self.label_names, self.ordered, hop.end
        start = {i for i, label in enumerate(names) if label in hop.start}
        found: list[list[Linked]] = []
        for key in ids:
            row = side.index.get(key)
            if row is None:
                found.append([])
                continue
            own, other, edge = side.own, side.other, side.edge
            links = []
            for i in range(side.ptr[row], side.ptr[row + 1]):
                node = ordered[other[i]]
                if own[i] in start and node.label in end:
                    links.append(Linked(node, facts.facts(edge[i])))
            found.append(links)
        return found

    def entries(self, rel: str, *, forward: bool) -> Iterator[tuple[str, str, GraphNode]]:
        """Every current edge of type ``rel`` seen from one end (its start when ``forward``, else its end), whatever
        that end's state, to a current node the snapshot holds: (the end's key, its label, the neighbour), once per edge."""
        side, names, ordered = (self.forward if forward else self.backward)[rel], self.label_names, self.ordered
        ptr, own, other = side.ptr, side.own, side.other
        for key, row in side.index.items():
            for i in range(ptr[row], ptr[row + 1]):
                yield key, names[own[i]], ordered[other[i]]

    def neighbour_keys(self, hop: Hop, key: str) -> list[str]:
        """The distinct keys of a node's current neighbours over ``hop``, sorted (no edge facts built)."""
        side = (self.forward if hop.forward else self.backward)[hop.rel.type]
        row = side.index.get(key)
        if row is None:
            return []
        names, ordered, end = self.label_names, self.ordered, hop.end
        start = {i for i, label in enumerate(names) if label in hop.start}
        own, other = side.own, side.other
        keys = {ordered[other[i]].id for i in range(side.ptr[row], side.ptr[row + 1]) if own[i] in start and ordered[other[i]].label in end}
        return sorted(keys)


class _ReadAhead:
    """The tables of ``reads`` in order (``take``), each one's read started as soon as the one before it is taken (the
    first at once), so that it runs while the taker builds from that one. ``close`` cancels the read in flight."""

    def __init__(self, store: GraphStore, reads: Sequence[tuple[str, dict[str, str]]]) -> None:
        self._store = store
        self._reads = iter(reads)
        self._pending = self._next()

    def _next(self) -> asyncio.Future[Columns] | None:
        read = next(self._reads, None)
        return None if read is None else asyncio.ensure_future(self._read(*read))

    async def _read(self, match: str, columns: dict[str, str]) -> Columns:
        # An edge's texts become numbers at once (its ends' keys are looked up, its properties numbered): not shared.
        with texts_unshared():
            return await self._store.read_columns(match, columns)

    async def take(self) -> Columns:
        if self._pending is None:
            raise LookupError("every table was taken")
        table = await self._pending
        self._pending = self._next()
        return table

    async def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            await asyncio.gather(self._pending, return_exceptions=True)
            self._pending = None


class _Builder:
    """A ``CurrentGraph`` while it is built: its nodes first, then one relationship type at a time."""

    def __init__(self, node_tables: Sequence[Columns]) -> None:
        self.intern = Interner()
        self.nodes: dict[str, Mapping[str, GraphNode]] = {}
        for label, table in zip(LABELS, node_tables, strict=True):
            self.nodes[label] = MappingProxyType({node.id: node for node in self.intern.nodes(label, table)})
        everyone = (node for by_key in self.nodes.values() for node in by_key.values())
        self.ordered = tuple(sorted(everyone, key=lambda n: (n.id, n.label)))
        self.number = {(node.id, node.label): i for i, node in enumerate(self.ordered)}
        self.labels: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
        self.edges: dict[str, EdgeColumns] = {}
        self.forward: dict[str, Adjacency] = {}
        self.backward: dict[str, Adjacency] = {}

    def add(self, rel: RelType, table: Columns) -> None:
        self.edges[rel.type], self.forward[rel.type], self.backward[rel.type] = _edges(rel, table, self.number, self.labels, self.intern)


def _edge_columns(rel: RelType) -> tuple[str, ...]:
    return (*(p.name for p in rel.props), *PROVENANCE_FIELDS)


def _edges(
    rel: RelType, table: Columns, number: Mapping[tuple[str, str], int], labels: dict[str, int], intern: Interner
) -> tuple[EdgeColumns, Adjacency, Adjacency]:
    """The edges of ``table`` (a column read, a row per edge) as columns, and both ends' adjacency over them.

    A quarter of a million edges at scale M: every step is a comprehension over whole columns, and each
    repeated part (properties, provenance, origin) is numbered by one dictionary ``setdefault`` per edge
    (``len`` is taken before it adds a new value, so a new value's number is the count of those before it)."""
    names = tuple(p.name for p in rel.props)
    a, b, a_label, b_label = table["a"], table["b"], table["a_label"], table["b_label"]
    # The relationship's own properties: each one's column numbered (list values, ACCOUNTABLE_FOR's sources, as tuples to
    # be hashable, and held as lists again: equal to the Cypher reader's map when an edge's ``FrozenProps`` is made).
    values: list[tuple[Any, ...]] = []
    edge_values: list[Numbers] = []
    for name in names:
        column = table[f"r_{name}"]
        listed = any(type(v) is list for v in column)
        distinct, numbers = _numbered([tuple(v) if type(v) is list else v for v in column] if listed else column)
        values.append(tuple(list(v) if listed and type(v) is tuple else v for v in distinct))
        edge_values.append(_frozen(numbers))
    provenance, edge_provenance = _numbered(
        list(zip(table["r_source"], table["r_source_instance"], table["r_first_seen"], table["r_last_seen"], strict=True))
    )
    heads, origin_line = _split_origins(table["r_origin"])
    origins, edge_origin = _numbered(heads)
    columns = EdgeColumns(
        intern.names(names),
        tuple(values),
        tuple(edge_values),
        tuple(_text(p) for p in provenance),
        tuple(origins),
        _frozen(edge_provenance),
        _frozen(edge_origin),
        _frozen(np.array(origin_line, dtype=np.int32)),
    )
    instance_rank = _ranks(p[1] or "" for p in provenance)
    instance_of = np.array([instance_rank[p[1] or ""] for p in provenance] or [0], dtype=np.int32)[edge_provenance]
    # Each end's entries: the edges whose other end is a node the graph holds.
    find = number.get
    targets = list(map(find, zip(b, b_label, strict=True)))
    sources = list(map(find, zip(a, a_label, strict=True)))
    codes = {label: _code(labels, label) for label in {*a_label, *b_label}}
    ahead = [i for i, target in enumerate(targets) if target is not None]
    behind = [i for i, source in enumerate(sources) if source is not None]
    return (
        columns,
        _adjacency([a[i] for i in ahead], [codes[a_label[i]] for i in ahead], [targets[i] or 0 for i in ahead], ahead, instance_of),
        _adjacency([b[i] for i in behind], [codes[b_label[i]] for i in behind], [sources[i] or 0 for i in behind], behind, instance_of),
    )


def _numbered(values: Sequence[K]) -> tuple[dict[K, int], npt.NDArray[np.int32]]:
    """Each distinct value of ``values`` numbered in the order first seen, and each value's number (C-level loops:
    ``dict.fromkeys`` and ``map``)."""
    distinct = {value: i for i, value in enumerate(dict.fromkeys(values))}
    return distinct, np.fromiter(map(distinct.__getitem__, values), dtype=np.int32, count=len(values))


def _split_origins(origins: Sequence[str | None]) -> tuple[list[str | None], list[int]]:
    """Each origin as its head and the number it ends with: ``path#115`` as (``path#``, 115), ``a.yaml#L7`` as (``a.yaml#L``, 7),
    the ASCII digits an origin ends with when they read back as written (no leading zero, fewer than ten); else
    (origin, -1). As two columns."""
    heads: list[str | None] = []
    lines: list[int] = []
    head_of, line_of = heads.append, lines.append
    digits = _DIGITS
    for origin in origins:
        head, line = origin, -1
        if origin is not None:
            before = origin.rstrip(digits)
            tail = origin[len(before) :]
            if tail and len(tail) < 10 and (tail == "0" or tail[0] != "0"):
                head, line = before, int(tail)
        head_of(head)
        line_of(line)
    return heads, lines


_DIGITS = "0123456789"


def _text(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sys.intern(v) if isinstance(v, str) else v for v in values)


def _code(labels: dict[str, int], label: str) -> int:
    found = labels.get(label)
    if found is None:
        found = labels[sys.intern(label)] = len(labels)
    return found


def _ranks(values: Any) -> dict[str, int]:
    return {value: i for i, value in enumerate(sorted(set(values)))}


def _adjacency(keys: list[str], own: list[int], other: list[int], edge: list[int], instance_of: npt.NDArray[np.int32]) -> Adjacency:
    """Entries (a key, its own label, the neighbour, the edge each) grouped by key, each key's sorted by neighbour
    (numbered in key order), then source instance, then read order."""
    # A key's row is its number among the keys, in the order first seen.
    numbered, rows = _numbered(keys)
    ints = _ints(len(numbered))
    index = {sys.intern(shared_text(key)): ints[row] for key, row in numbered.items()}
    owns = np.array(own, dtype=np.uint8)
    others = np.array(other, dtype=np.int32)
    edges = np.array(edge, dtype=np.int32)
    order = np.lexsort((np.arange(len(keys)), instance_of[edges] if len(keys) else edges, others, rows))
    ptr = np.zeros(len(index) + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=len(index)), out=ptr[1:])
    return Adjacency(MappingProxyType(index), _frozen(ptr), _frozen(owns[order]), _frozen(others[order]), _frozen(edges[order]))


_INTS: list[list[int]] = [[]]
"""``_ints``' list: replaced whole when it grows, so every reader of it finds ``found[i] == i``."""


def _ints(count: int) -> list[int]:
    """A list whose item ``i`` is ``i``, at least ``count`` long, its numbers shared by every adjacency's index (and every
    snapshot's): fourteen indexes of up to sixty thousand keys each at scale M held a number object per key, 6 MB."""
    found = _INTS[0]
    if len(found) < count:
        found = _INTS[0] = list(range(max(count, 2 * len(found))))
    return found


def _frozen(values: npt.NDArray[Any]) -> Numbers:
    """``values`` (int32 or uint8) as an ``array.array`` of the same bytes; never changed after the build."""
    held = array("B" if values.dtype == np.uint8 else "i")
    held.frombytes(np.ascontiguousarray(values, dtype=np.uint8 if values.dtype == np.uint8 else np.int32).tobytes())
    return held


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

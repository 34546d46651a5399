"""The blast radius from memory: the dependency graph as arrays, resolved owners, escalation links and current shifts.

Three snapshot parts, each loaded by a few bulk table reads:

- ``DependencyGraph``: every current service and resource (sorted by key, so an index order is a
  key order) and the current ``DEPENDS_ON`` edges between them as two compressed sparse rows,
  dependents (reverse edges) and dependencies. A breadth-first walk by distance is a handful of
  numpy gathers per level: the M hub's ~20,000 dependents in about 10 ms.
- ``ResolvedOwners``: each service's and resource's resolved owners (``ACCOUNTABLE_FOR``, else
  ``OWNS``), and the label and name of every current team and person.
- ``Escalation``: every current ``ESCALATES_VIA`` link of services and teams, and every current
  on-call shift (the ones the latest PagerDuty read holds, inside its read window) by policy.

``ImpactFromSnapshot`` answers ``ImpactReads``' methods from them, equal to the Cypher reader's
(``tests/test_read_contract.py``), and falls back to Cypher when there is no snapshot.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt

from catalog.core.clock import holds_until
from catalog.core.model import ACCOUNTABLE_FOR, ESCALATES_VIA, OWNS
from catalog.read.impact import Dependent, Holder, OwnerName, PolicyName, first_level
from catalog.read.nodes import GraphNode
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.read.snapshot.current import CurrentGraph
from catalog.store.base import Columns, GraphStore, Row, texts_unshared

Indices = npt.NDArray[np.int64]


def _csr(sources: Indices, targets: Indices, size: int) -> tuple[Indices, Indices]:
    """Row pointers and column indices of the edges ``sources[i] → targets[i]`` (duplicates dropped), rows sorted."""
    if len(sources):
        # Each edge as one number, sorted and deduplicated: ``np.unique(..., axis=0)`` sorts rows through a
        # structured view, 0.6 s for the 170,000 dependencies of scale M against a few ms for plain integers.
        pairs = np.unique(sources.astype(np.int64) * max(size, 1) + targets)
        sources, targets = np.divmod(pairs, max(size, 1))
    ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=size), out=ptr[1:])
    ptr.flags.writeable = False
    targets = np.ascontiguousarray(targets, dtype=np.int64)
    targets.flags.writeable = False
    return ptr, targets


def gather(ptr: Indices, idx: Indices, rows: Indices) -> Indices:
    """The column indices of every row in ``rows`` of a compressed-row array, concatenated in row order, without a Python loop."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    # For each output slot: its row's start, plus its position inside the row.
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return idx[shift + np.arange(total)]


@dataclass(frozen=True)
class DependencyGraph:
    """Current services and resources, and the current dependencies between them, as arrays."""

    keys: tuple[str, ...]
    """Sorted: node ``i`` is the ``i``-th key."""
    labels: tuple[str, ...]
    names: tuple[str, ...]
    index: Mapping[str, int]
    dependents_ptr: Indices
    dependents_idx: Indices
    dependencies_ptr: Indices
    dependencies_idx: Indices

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        nodes = await store.read_columns(
            "MATCH (n:Service|Resource) WHERE n.retired_at IS NULL",
            {"id": "n.id", "label": store.dialect.label_of("n"), "name": "n.name"},
        )
        # A dependency's two keys become node numbers at once: not shared (``texts_unshared``), and as columns (no dict
        # for each of the 170,000 edges at scale M).
        with texts_unshared():
            edges = await store.read_columns(
                "MATCH (b:Service|Resource)-[r:DEPENDS_ON]->(a:Service|Resource) "
                "WHERE r.active = true AND a.retired_at IS NULL AND b.retired_at IS NULL",
                {"dependent": "b.id", "dependency": "a.id"},
            )
        return await asyncio.to_thread(cls._build, nodes, edges)

    @classmethod
    def _build(cls, nodes: Columns, edges: Columns) -> Self:
        ids = [str(key) for key in nodes["id"]]
        ordered = sorted(range(len(ids)), key=ids.__getitem__)
        keys = tuple(ids[i] for i in ordered)
        index = {key: i for i, key in enumerate(keys)}
        find = index.get
        pairs = [(find(b), find(a)) for b, a in zip(edges["dependent"], edges["dependency"], strict=True)]
        known = [(b, a) for b, a in pairs if b is not None and a is not None]
        dependent = np.array([b for b, _ in known], dtype=np.int64)
        dependency = np.array([a for _, a in known], dtype=np.int64)
        rev_ptr, rev_idx = _csr(dependency, dependent, len(keys))
        fwd_ptr, fwd_idx = _csr(dependent, dependency, len(keys))
        labels, names = nodes["label"], nodes["name"]
        return cls(
            keys,
            tuple(str(labels[i]) for i in ordered),
            tuple(str(names[i] or keys[n]) for n, i in enumerate(ordered)),
            MappingProxyType(index),
            rev_ptr,
            rev_idx,
            fwd_ptr,
            fwd_idx,
        )

    def reach(self, root: str, depth: int) -> tuple[Indices, Indices]:
        """Indices of the nodes that depend on ``root`` within ``depth`` steps (not ``root``), in key order, and their distances."""
        start = self.index.get(root)
        if start is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        distance = np.full(len(self.keys), -1, dtype=np.int64)
        distance[start] = 0
        frontier = np.array([start], dtype=np.int64)
        for step in range(1, depth + 1):
            reached = gather(self.dependents_ptr, self.dependents_idx, frontier)
            reached = reached[distance[reached] < 0]
            if not len(reached):
                break
            distance[reached] = step
            # The level's nodes, once each and in index order: a pass over the nodes costs less than ``np.unique``
            # of the hub's levels (tens of thousands of edges, hashed).
            frontier = np.flatnonzero(distance == step)
        found = np.flatnonzero(distance > 0)
        return found, distance[found]

    def dependencies_of(self, key: str) -> tuple[str, ...]:
        i = self.index.get(key)
        if i is None:
            return ()
        row = self.dependencies_idx[self.dependencies_ptr[i] : self.dependencies_ptr[i + 1]]
        return tuple(self.keys[j] for j in row.tolist())


@dataclass(frozen=True)
class ResolvedOwners:
    """Each current service's and resource's resolved owners, and every current team's and person's label and name."""

    owners: Mapping[str, tuple[str, ...]]
    """Key → resolved owner keys, sorted: current ``ACCOUNTABLE_FOR`` owners, else current ``OWNS`` owners."""
    named: Mapping[str, OwnerName]

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = (CurrentGraph, DependencyGraph)

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        # Derived from the parts that hold the same facts, not read again: the current graph's owner claims
        # (each held with its current owner) and people, and the dependency graph's current services and resources.
        return await asyncio.to_thread(cls._derive, earlier.part(CurrentGraph), earlier.part(DependencyGraph))

    @classmethod
    def _derive(cls, graph: CurrentGraph, dependencies: DependencyGraph) -> Self:
        current = set(zip(dependencies.keys, dependencies.labels, strict=True))
        accountable = _owner_claims(graph, ACCOUNTABLE_FOR.type, current)
        owning = _owner_claims(graph, OWNS.type, current)
        owners = {key: tuple(sorted(found)) for key, found in accountable.items()}
        owners.update((key, tuple(sorted(found))) for key, found in owning.items() if key not in accountable)
        named = {
            key: OwnerName(label, str(node.props.get("name") or key))
            for label in ("Team", "Person")
            for key, node in graph.nodes[label].items()
        }
        return cls(MappingProxyType(owners), MappingProxyType(named))


def _owner_claims(graph: CurrentGraph, rel: str, current: set[tuple[str, str]]) -> dict[str, set[str]]:
    """Each current service's or resource's key → the keys of its current teams and people over ``rel``'s current edges."""
    claims: dict[str, set[str]] = defaultdict(set)
    for key, label, owner in graph.entries(rel, forward=False):
        if owner.label in _OWNER_LABELS and (key, label) in current:
            claims[key].add(owner.id)
    return claims


_OWNER_LABELS = frozenset({"Team", "Person"})
_ESCALATING = frozenset({"Service", "Team"})


@dataclass(frozen=True)
class Escalation:
    """Current escalation links of services and teams, and current on-call shifts by policy."""

    links: Mapping[str, tuple[PolicyName, ...]]
    """Service or team key → its current links to current policies, by policy key."""
    shifts: Mapping[str, tuple[tuple[str | None, str | None, Holder], ...]]
    """Policy key → (starts_at, ends_at, holder) of every current shift held by a current person."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = (CurrentGraph,)

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        links = [
            (key, policy)
            for key, label, policy in earlier.part(CurrentGraph).entries(ESCALATES_VIA.type, forward=True)
            if label in _ESCALATING and policy.label == "EscalationPolicy"
        ]
        shifts = await store.read_table(
            "MATCH (p:Person)-[o:ON_CALL]->(s:OnCallShift)-[r:SHIFT_OF]->(e:EscalationPolicy)\n"
            "WHERE o.active = true AND r.active = true AND s.retired_at IS NULL AND p.retired_at IS NULL",
            {
                "policy": "e.id",
                "level": "s.level",
                "starts_at": "s.starts_at",
                "ends_at": "s.ends_at",
                "person": "p.id",
                "name": "coalesce(p.display_name, p.name)",
                "email": "p.email",
            },
        )
        return await asyncio.to_thread(cls._build, links, shifts)

    @classmethod
    def _build(cls, links: Iterable[tuple[str, GraphNode]], shifts: list[Row]) -> Self:
        by_key: dict[str, set[PolicyName]] = defaultdict(set)
        for key, policy in links:
            by_key[key].add(PolicyName(policy.id, policy.props.get("name")))
        by_policy: dict[str, set[tuple[str | None, str | None, Holder]]] = defaultdict(set)
        for row in shifts:
            holder = Holder(int(row["level"] or 1), str(row["person"]), row["name"], row["email"])
            by_policy[str(row["policy"])].add((row["starts_at"], row["ends_at"], holder))
        return cls(
            MappingProxyType({key: tuple(sorted(found)) for key, found in by_key.items()}),
            MappingProxyType({key: tuple(sorted(found, key=_shift_order)) for key, found in by_policy.items()}),
        )

    def first_on_call(self, policy: str, at: str) -> tuple[Holder, ...]:
        held = {h for start, end, h in self.shifts.get(policy, ()) if (start is None or start <= at) and (end is None or end > at)}
        return first_level(held)

    def next_change(self, policies: Iterable[str], at: str) -> str | None:
        """The first instant after ``at`` at which a shift of ``policies`` starts or ends: who is on call for them is the
        same from ``at`` until then (None: from ``at`` on, in this snapshot)."""
        shifts = (shift for policy in policies for shift in self.shifts.get(policy, ()))
        later = [edge for shift in shifts for edge in shift[:2] if edge is not None and edge > at]
        return min(later) if later else None


def _shift_order(shift: tuple[str | None, str | None, Holder]) -> tuple[str, str, Holder]:
    return (shift[0] or "", shift[1] or "", shift[2])


class ImpactFromSnapshot(SnapshotReads):
    """``ImpactReads`` from the snapshot's parts; the Cypher reads without one."""

    async def dependents_within(self, root: str, depth: int) -> list[Dependent]:
        if (snap := self.snapshot) is None or not snap.has(DependencyGraph):
            return await super().dependents_within(root, depth)
        graph, owners = snap.part(DependencyGraph), snap.part(ResolvedOwners).owners
        found, distances = graph.reach(root, depth)
        keys, labels, names = graph.keys, graph.labels, graph.names
        return [
            Dependent(keys[i], labels[i], names[i], d, owners.get(keys[i], ()))
            for i, d in zip(found.tolist(), distances.tolist(), strict=True)
        ]

    async def dependency_keys(self, keys: Sequence[str]) -> list[tuple[str, ...]]:
        if (snap := self.snapshot) is None or not snap.has(DependencyGraph):
            return await super().dependency_keys(keys)
        graph = snap.part(DependencyGraph)
        return [graph.dependencies_of(key) for key in keys]

    async def owner_names(self, keys: Sequence[str]) -> list[OwnerName | None]:
        if (snap := self.snapshot) is None or not snap.has(ResolvedOwners):
            return await super().owner_names(keys)
        named = snap.part(ResolvedOwners).named
        return [named.get(key) for key in keys]

    async def escalation_policies(self, keys: Sequence[str]) -> list[tuple[PolicyName, ...]]:
        if (snap := self.snapshot) is None or not snap.has(Escalation):
            return await super().escalation_policies(keys)
        links = snap.part(Escalation).links
        return [links.get(key, ()) for key in keys]

    async def first_on_call(self, policies: Sequence[str], at: str) -> list[tuple[Holder, ...]]:
        if (snap := self.snapshot) is None or not snap.has(Escalation):
            return await super().first_on_call(policies, at)
        escalation = snap.part(Escalation)
        holds_until(escalation.next_change(policies, at))
        return [escalation.first_on_call(policy, at) for policy in policies]

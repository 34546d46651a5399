"""The blast radius counted and ranked by owner from the snapshot, over arrays.

A hub's walk reaches about 20,000 services at scale M, and an incident reads the first page of
25 owners. Building a ``Dependent`` per reached service, grouping them in dictionaries and
sorting every group cost about 90 ms there; here the reached services are grouped by owner with
numpy (gathers over an owner table per node, ``bincount`` and ``minimum.at`` per owner, one
``lexsort`` for the ranking), and Python objects are built only for the owners and services a
page reads. The ``via`` of a page's services (``nearer``) is found over the same arrays, for the
whole page at once. Counts per distance and in total stay complete, and the ranking is the one
``ListedReach`` gives from a list (``tests/test_read_contract.py`` compares them).

``OwnerIndex`` holds what every walk over one snapshot shares: each node's current owners as
compressed rows of owner indices, and the name order of nodes and owners. It is derived from the
``DependencyGraph`` and ``ResolvedOwners`` parts through their public fields only (``keys``,
``labels``, ``names``, ``index``, ``reach``; ``owners``, ``named``), once per snapshot, on first use
(in a worker thread, so the event loop keeps serving), and kept while those parts live.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from catalog.read.impact import Dependent, OwnerGroup, OwnerReach
from catalog.read.snapshot.base import SnapshotReads
from catalog.read.snapshot.impact import DependencyGraph, ResolvedOwners, gather

Indices = npt.NDArray[np.int64]


def _ranks(keys: Sequence[str], names: Sequence[str]) -> Indices:
    """Each item's position in the order by name ignoring case, then key (``str.lower``, as the lists sort)."""
    order = sorted(range(len(keys)), key=lambda i: (names[i].lower(), keys[i]))
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[np.array(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int64)
    return ranks


A = TypeVar("A", bound=npt.NDArray[Any])


def _frozen(array: A) -> A:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class OwnerIndex:
    """Per snapshot: each node's current owners as owner indices, and name orders (see the module docstring)."""

    is_service: npt.NDArray[np.bool_]
    """Per node: a Service (else a Resource)."""
    name_rank: Indices
    """Per node: its position by (name ignoring case, key)."""
    owners_ptr: Indices
    owners_idx: Indices
    """Per node, compressed rows: indices of its current resolved owners (teams and people)."""
    owner_count: Indices
    """Per node: how many current owners it has."""
    owner_keys: tuple[str, ...]
    """Every current team and person, by key: owner ``i`` is the ``i``-th."""
    owner_labels: tuple[str, ...]
    owner_names: tuple[str, ...]
    owner_rank: Indices
    """Per owner: its position by (name ignoring case, key)."""
    owner_position: Mapping[str, int]
    """Owner key → its index."""

    @classmethod
    def derive(cls, graph: DependencyGraph, resolved: ResolvedOwners) -> OwnerIndex:
        keys, names = graph.keys, graph.names
        owner_keys = tuple(sorted(resolved.named))
        position = {key: i for i, key in enumerate(owner_keys)}
        counts = np.zeros(len(keys), dtype=np.int64)
        flat: list[int] = []
        owners = resolved.owners
        for i, key in enumerate(keys):
            # Owners no longer current are not groups (``ListedReach`` drops them by their missing name too).
            found = [at for o in owners.get(key, ()) if (at := position.get(o)) is not None]
            counts[i] = len(found)
            flat += found
        ptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        named = [resolved.named[key] for key in owner_keys]
        owner_names = tuple(n.name for n in named)
        return cls(
            _frozen(np.array([label == "Service" for label in graph.labels], dtype=np.bool_)),
            _frozen(_ranks(keys, names)),
            _frozen(ptr),
            _frozen(np.array(flat, dtype=np.int64)),
            _frozen(counts),
            owner_keys,
            tuple(n.label for n in named),
            owner_names,
            _frozen(_ranks(owner_keys, owner_names)),
            MappingProxyType(position),
        )


class ArrayReach(OwnerReach):
    """An ``OwnerReach`` over the snapshot's arrays: objects only for the groups and members read."""

    def __init__(self, graph: DependencyGraph, resolved: ResolvedOwners, index: OwnerIndex, found: Indices, distances: Indices) -> None:
        self._graph, self._resolved, self._index = graph, resolved, index
        self._found, self._distances = found, distances
        is_service = index.is_service[found]
        services, service_distances = found[is_service], distances[is_service]
        self._services, self._service_distances = services, service_distances
        per_distance = np.bincount(service_distances)
        self.total_services = len(services)
        self.by_distance = tuple((int(d), int(per_distance[d])) for d in np.flatnonzero(per_distance))
        # One entry per (service, current owner): the service's position among ``services``, the owner's index.
        self._entry_service = np.repeat(np.arange(len(services), dtype=np.int64), index.owner_count[services])
        self._entry_owner = gather(index.owners_ptr, index.owners_idx, services)
        owners = len(index.owner_keys)
        self._counts = np.bincount(self._entry_owner, minlength=owners)
        self._nearest = np.full(owners, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(self._nearest, self._entry_owner, service_distances[self._entry_service])
        present = np.flatnonzero(self._counts)
        # Nearest first, then most services, then by name ignoring case, then key (the name rank breaks ties by key).
        self._ranked = present[np.lexsort((index.owner_rank[present], -self._counts[present], self._nearest[present]))]
        self.total_groups = len(self._ranked)
        self._unowned = np.flatnonzero(index.owner_count[services] == 0)
        self.unowned_count = len(self._unowned)
        self._members: dict[str | None, list[Dependent]] = {}
        self._distance_of: Indices | None = None

    def groups(self, start: int, stop: int) -> list[OwnerGroup]:
        index = self._index
        return [
            OwnerGroup(index.owner_keys[o], index.owner_labels[o], index.owner_names[o], int(self._counts[o]), int(self._nearest[o]))
            for o in self._ranked[start:stop].tolist()
        ]

    def position(self, owner: str) -> int | None:
        at = self._owner(owner)
        if at is None:
            return None
        found = np.flatnonzero(self._ranked == at)
        return int(found[0]) if len(found) else None

    def members(self, owner: str | None) -> Sequence[Dependent]:
        listed = self._members.get(owner)
        if listed is None:
            if owner is None:
                chosen = self._unowned
            elif (at := self._owner(owner)) is None or not self._counts[at]:
                return ()
            else:
                chosen = self._entry_service[self._entry_owner == at]
            nodes, distances = self._services[chosen], self._service_distances[chosen]
            order = np.lexsort((self._index.name_rank[nodes], distances))
            listed = self._members[owner] = self._dependents(nodes[order], distances[order])
        return listed

    def dependent(self, key: str) -> Dependent | None:
        node = self._graph.index.get(key)
        if node is None:
            return None
        distance = int(self._distance_by_node()[node])
        if distance <= 0:
            return None
        graph = self._graph
        return Dependent(graph.keys[node], graph.labels[node], graph.names[node], distance, self._resolved.owners.get(key, ()))

    def nearer(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        # Over the arrays for all keys at once: each key's dependencies (a row sorted by index, so by key), the first
        # of them one step nearer. A page of a hub's owners asks for about 500.
        graph, index = self._graph, self._graph.index
        nodes = np.fromiter((index.get(key, -1) for key in keys), dtype=np.int64, count=len(keys))
        known = nodes >= 0
        distance_of = self._distance_by_node()
        rows = np.flatnonzero(known)
        starts = graph.dependencies_ptr[nodes[rows]]
        counts = graph.dependencies_ptr[nodes[rows] + 1] - starts
        dependencies = gather(graph.dependencies_ptr, graph.dependencies_idx, nodes[rows])
        owner = np.repeat(rows, counts)
        step = distance_of[nodes[owner]] - 1
        # (Distance 0 is the root and every node not reached: a key at distance 1 has no nearer node here.)
        hit = (distance_of[dependencies] == step) & (step >= 1)
        hit_rows, chosen = owner[hit], dependencies[hit]
        # The first hit of each key (its hits are adjacent, in key order).
        first = np.ones(len(hit_rows), dtype=np.bool_)
        first[1:] = hit_rows[1:] != hit_rows[:-1]
        hit_rows, chosen = hit_rows[first], chosen[first]
        found = [("", "")] * len(keys)
        keys_of, names = graph.keys, graph.names
        for row, node in zip(hit_rows.tolist(), chosen.tolist(), strict=True):
            found[row] = (keys_of[node], names[node])
        return found

    def _distance_by_node(self) -> Indices:
        """Per node, its distance (0: the root, or not reached)."""
        if self._distance_of is None:
            # ``via`` looks up a few hundred nodes, each in O(1).
            self._distance_of = np.zeros(len(self._graph.keys), dtype=np.int64)
            self._distance_of[self._found] = self._distances
        return self._distance_of

    def _owner(self, key: str) -> int | None:
        return self._index.owner_position.get(key)

    def _dependents(self, nodes: Indices, distances: Indices) -> list[Dependent]:
        keys, labels, names, owners = self._graph.keys, self._graph.labels, self._graph.names, self._resolved.owners
        return [
            Dependent(keys[i], labels[i], names[i], d, owners.get(keys[i], ()))
            for i, d in zip(nodes.tolist(), distances.tolist(), strict=True)
        ]


Derived = tuple[Callable[[], object], Callable[[], object], OwnerIndex]

_derived: list[Derived] = []
"""The owner indexes of the latest parts, with (weak) references to them: at most ``_KEPT``, none whose parts are gone."""
_KEPT = 2
"""The snapshot requests read and the one before it (requests that began before a swap)."""


def _ref(part: object) -> Callable[[], object]:
    """A weak reference to ``part``; a strong one when it takes none (a slotted class), bounded by ``_KEPT``."""
    try:
        return weakref.ref(part)
    except TypeError:
        return lambda: part


async def owner_index(graph: DependencyGraph, resolved: ResolvedOwners) -> OwnerIndex:
    """The ``OwnerIndex`` of these parts: derived on first use (in a thread), then kept while they are the latest."""
    for graph_ref, resolved_ref, index in _derived:
        if graph_ref() is graph and resolved_ref() is resolved:
            return index
    index = await asyncio.to_thread(OwnerIndex.derive, graph, resolved)
    kept = [entry for entry in _derived if entry[0]() is not None and entry[1]() is not None]
    _derived[:] = [(_ref(graph), _ref(resolved), index), *kept][:_KEPT]
    return index


class ReachFromSnapshot(SnapshotReads):
    """``reach_by_owner`` from the snapshot's dependency graph and resolved owners; the Cypher reads without them."""

    async def reach_by_owner(self, root: str, depth: int) -> OwnerReach:
        snap = self.snapshot
        if snap is None or not snap.has(DependencyGraph) or not snap.has(ResolvedOwners):
            return await super().reach_by_owner(root, depth)
        graph, resolved = snap.part(DependencyGraph), snap.part(ResolvedOwners)
        index = await owner_index(graph, resolved)
        found, distances = graph.reach(root, depth)
        return ArrayReach(graph, resolved, index, found, distances)

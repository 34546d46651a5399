"""Reads behind the blast radius: who depends on a service, who owns them, and who is paged for them now.

Every method is a batch read that returns plain values (tuples and named tuples), so the snapshot
reader can answer the same calls from memory and a contract test can compare the two.

The walk follows ``DEPENDS_ON`` backwards (current edges, current nodes) breadth-first, so it
touches every edge once, keeps each node at its shortest distance and stops on cycles; it passes
through Resources (a queue that depends on the service, and the services that depend on the
queue). Where the engine has a single-source shortest-path walk (LadybugDB's ``* SHORTEST``),
the whole walk, with each node's owners, is one query run inside the engine; elsewhere (Neo4j)
it is one query per level, then one for the reached nodes' names and owners.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from catalog.read.base import ReadBase
from catalog.read.history import shift_at
from catalog.read.hops import DEPENDENTS, anchor, current_pairs_query

_BATCH = 10000
"""Keys per owner or policy lookup; a hub with more dependents costs one more query per batch."""


def resolved_owners(var: str, keep: str) -> str:
    """Cypher that adds ``owners`` (keys of teams and people) for the node bound to ``var``: its current
    ``ACCOUNTABLE_FOR`` owners, or its ``OWNS`` owners when it has none. ``keep`` lists the variables to carry."""
    return (
        f"OPTIONAL MATCH (acc:Team|Person)-[af:ACCOUNTABLE_FOR]->({var}) WHERE af.active = true AND acc.retired_at IS NULL\n"
        f"WITH {keep}, collect(DISTINCT acc.id) AS accountable\n"
        f"OPTIONAL MATCH (own:Team|Person)-[ow:OWNS]->({var}) WHERE size(accountable) = 0 AND ow.active = true AND own.retired_at IS NULL\n"
        f"WITH {keep}, accountable, collect(DISTINCT own.id) AS owning\n"
        f"WITH {keep}, CASE WHEN size(accountable) > 0 THEN accountable ELSE owning END AS owners\n"
    )


class Dependent(NamedTuple):
    """A current service or resource that depends on the root, at its fewest steps from it."""

    key: str
    label: str
    """``Service`` or ``Resource``."""
    name: str
    distance: int
    owners: tuple[str, ...]
    """Resolved owner keys (teams and people), sorted: ``ACCOUNTABLE_FOR``, else ``OWNS``."""


class OwnerName(NamedTuple):
    label: str
    """``Team`` or ``Person``."""
    name: str


class PolicyName(NamedTuple):
    key: str
    name: str | None


class Holder(NamedTuple):
    """Someone on call for a policy at an instant, at the policy's first level that has anyone."""

    level: int
    person: str
    name: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """An owner of affected services, with its complete counts."""

    key: str
    label: str
    """``Team`` or ``Person``."""
    name: str
    count: int
    """How many of the affected services it owns."""
    nearest: int
    """Distance of its nearest affected service."""


class OwnerReach(ABC):
    """What a walk from a service reached, counted and grouped by resolved owner, read a page at a time.

    Services only are counted and grouped (resources are passed through). A group is a current team
    or person; a service with several current owners is in each group, one with none is unowned.
    Groups rank nearest first, then most services, then by name (ignoring case), then by key; an
    owner's services rank nearest first, then by name (ignoring case), then by key. Every reader
    ranks the same (``tests/test_read_contract.py``): ``ListedReach`` from a list of dependents,
    the snapshot's over arrays, building objects only for what is asked.
    """

    total_services: int
    """Distinct services reached."""
    by_distance: tuple[tuple[int, int], ...]
    """(distance, services at it), nearest first, for every distance that has any."""
    total_groups: int
    unowned_count: int

    @abstractmethod
    def groups(self, start: int, stop: int) -> list[OwnerGroup]:
        """The groups ranked ``start`` to ``stop`` (a slice)."""

    @abstractmethod
    def position(self, owner: str) -> int | None:
        """The rank of ``owner``'s group; None when it owns none of the reached services."""

    @abstractmethod
    def members(self, owner: str | None) -> Sequence[Dependent]:
        """The reached services ``owner`` owns (None: the unowned ones), ranked; empty for another key."""

    @abstractmethod
    def dependent(self, key: str) -> Dependent | None:
        """The reached service or resource ``key``; None when the walk did not reach it."""

    def nearer(self, keys: Sequence[str]) -> list[tuple[str, str]] | None:
        """For each reached key at distance 2 or more: the key and name of the first by key of its current dependencies
        one step nearer the root (("", "") when none is); None when this reach does not hold the dependency edges, and
        the caller reads them (``ImpactReads.dependency_keys``)."""
        return None

    def count(self, owner: str | None) -> int:
        """How many reached services ``owner`` owns (None: how many have no owner)."""
        if owner is None:
            return self.unowned_count
        at = self.position(owner)
        return 0 if at is None else self.groups(at, at + 1)[0].count


def _member_order(s: Dependent) -> tuple[int, str, str]:
    return (s.distance, s.name.lower(), s.key)


class ListedReach(OwnerReach):
    """An ``OwnerReach`` over the list of dependents the walk returned and the names of their owners."""

    def __init__(self, reached: Sequence[Dependent], named: Mapping[str, OwnerName | None]) -> None:
        self._reached = {d.key: d for d in reached}
        members: dict[str, list[Dependent]] = defaultdict(list)
        distances: dict[int, int] = defaultdict(int)
        for dependent in reached:
            if dependent.label != "Service":
                continue
            distances[dependent.distance] += 1
            for owner in dependent.owners:
                members[owner].append(dependent)
        self.total_services = sum(distances.values())
        self.by_distance = tuple(sorted(distances.items()))
        # A service whose owners are all gone from the catalog (retired since) counts as unowned.
        known = {o for o, n in named.items() if n is not None and o in members}
        unowned = [s for s in reached if s.label == "Service" and known.isdisjoint(s.owners)]
        groups = [
            OwnerGroup(o, n.label, n.name, len(members[o]), min(s.distance for s in members[o]))
            for o, n in named.items()
            if o in known and n is not None
        ]
        groups.sort(key=lambda g: (g.nearest, -g.count, g.name.lower(), g.key))
        self._groups = groups
        self._position = {g.key: i for i, g in enumerate(groups)}
        self._members: dict[str | None, list[Dependent]] = {g.key: members[g.key] for g in groups}
        self._members[None] = unowned
        self._ranked: set[str | None] = set()
        """Owners whose members are sorted (on first use: a page lists a few owners of thousands)."""
        self.total_groups = len(groups)
        self.unowned_count = len(unowned)

    def groups(self, start: int, stop: int) -> list[OwnerGroup]:
        return self._groups[start:stop]

    def position(self, owner: str) -> int | None:
        return self._position.get(owner)

    def members(self, owner: str | None) -> Sequence[Dependent]:
        members = self._members.get(owner)
        if members is None:
            return ()
        if owner not in self._ranked:
            members.sort(key=_member_order)
            self._ranked.add(owner)
        return members

    def dependent(self, key: str) -> Dependent | None:
        return self._reached.get(key)


_DEPENDENCIES = (
    "UNWIND $ids AS key\n"
    "MATCH (b:Service|Resource {id: key})-[r:DEPENDS_ON]->(a:Service|Resource) WHERE r.active = true AND a.retired_at IS NULL\n"
    "RETURN collect([b.id, a.id]) AS pairs"
)


class ImpactReads(ReadBase):
    """The blast radius's reads."""

    async def dependents_within(self, root: str, depth: int) -> list[Dependent]:
        """Every current service or resource that depends on ``root`` within ``depth`` steps (never ``root``
        itself, even on a cycle), at its shortest distance, with its resolved owners; by key."""
        walk = self.store.dialect.shortest_reach("(a:Service {id: $id})", "DEPENDS_ON", "b", ("Service", "Resource"), depth)
        if walk is None:
            return await self._dependents_by_level(root, depth)
        query = (
            f"{walk}WITH b, distance WHERE b.id <> $id\n"
            + resolved_owners("b", "b, distance")
            # One record per owner set and distance, not per node: records cost far more than list entries.
            + f"RETURN owners, distance, collect([b.id, {self.store.dialect.label_of('b')}, b.name]) AS nodes"
        )
        found: list[Dependent] = []
        for row in await self.store.read(query, {"id": root}):
            owners = tuple(sorted(str(o) for o in row["owners"] or ()))
            found.extend(
                Dependent(str(key), str(label), str(name or key), int(row["distance"]), owners) for key, label, name in row["nodes"]
            )
        found.sort()
        return found

    async def _dependents_by_level(self, root: str, depth: int) -> list[Dependent]:
        distance_of: dict[str, int] = {}
        frontier = [root]
        for distance in range(1, depth + 1):
            if not frontier:
                break
            # One row of pairs: a hub's levels reach thousands of dependents.
            form, params = anchor(frontier)
            rows = await self.store.read(current_pairs_query(DEPENDENTS, form), params)
            reached = {str(b) for row in rows for _, b in row["pairs"] or ()} - distance_of.keys() - {root}
            distance_of.update((key, distance) for key in reached)
            frontier = sorted(reached)
        if not distance_of:
            return []
        query = (
            "UNWIND $ids AS key\n"
            "MATCH (n:Service|Resource {id: key}) WHERE n.retired_at IS NULL\n"
            # (LadybugDB needs the unwound key carried along, or the second OPTIONAL MATCH fails to plan.)
            + resolved_owners("n", "key, n")
            + f"RETURN owners, collect([n.id, {self.store.dialect.label_of('n')}, n.name]) AS nodes"
        )
        found: list[Dependent] = []
        for row in await self.store.read_batches(query, sorted(distance_of), batch_size=_BATCH):
            owners = tuple(sorted(str(o) for o in row["owners"] or ()))
            found.extend(
                Dependent(str(key), str(label), str(name or key), distance_of[str(key)], owners) for key, label, name in row["nodes"]
            )
        found.sort()
        return found

    async def reach_by_owner(self, root: str, depth: int) -> OwnerReach:
        """What ``dependents_within(root, depth)`` reaches, counted and grouped by resolved owner (``OwnerReach``)."""
        reached = await self.dependents_within(root, depth)
        owners = sorted({o for d in reached if d.label == "Service" for o in d.owners})
        return ListedReach(reached, dict(zip(owners, await self.owner_names(owners), strict=True)))

    async def dependency_keys(self, keys: Sequence[str]) -> list[tuple[str, ...]]:
        """For each key, the keys of the current services and resources it depends on (current edges), sorted."""
        if not keys:
            return []
        found: dict[str, set[str]] = defaultdict(set)
        for row in await self.store.read_batches(_DEPENDENCIES, sorted(set(keys)), batch_size=_BATCH):
            for b, a in row["pairs"] or ():
                found[str(b)].add(str(a))
        return [tuple(sorted(found.get(key, ()))) for key in keys]

    async def owner_names(self, keys: Sequence[str]) -> list[OwnerName | None]:
        """Label and name of each current team or person among ``keys`` (None for any other key)."""
        if not keys:
            return []
        query = (
            "UNWIND $ids AS key MATCH (n:Team|Person {id: key}) WHERE n.retired_at IS NULL "
            f"RETURN collect([n.id, {self.store.dialect.label_of('n')}, n.name]) AS owners"
        )
        rows = await self.store.read_batches(query, sorted(set(keys)), batch_size=_BATCH)
        found = {str(key): OwnerName(str(label), str(name or key)) for row in rows for key, label, name in row["owners"] or ()}
        return [found.get(key) for key in keys]

    async def escalation_policies(self, keys: Sequence[str]) -> list[tuple[PolicyName, ...]]:
        """For each service or team key, the current escalation policies it escalates via (current links), by key."""
        if not keys:
            return []
        match = (
            "UNWIND $ids AS key\n"
            "MATCH (x:Service|Team {id: key})-[r:ESCALATES_VIA]->(e:EscalationPolicy)\n"
            "WHERE r.active = true AND e.retired_at IS NULL"
        )
        columns = {"key": "x.id", "policy": "e.id", "name": "e.name"}
        found: dict[str, set[PolicyName]] = defaultdict(set)
        # A table read: a hub's services escalate via thousands of policies.
        for row in await self.store.read_table_batches(match, columns, sorted(set(keys)), batch_size=_BATCH):
            found[str(row["key"])].add(PolicyName(str(row["policy"]), row["name"]))
        return [tuple(sorted(found.get(key, ()))) for key in keys]

    async def first_on_call(self, policies: Sequence[str], at: str) -> list[tuple[Holder, ...]]:
        """For each policy, who is on call at ``at`` (current shifts) on its first level that has anyone, by person."""
        if not policies:
            return []
        match = (
            "UNWIND $ids AS key\n"
            "MATCH (p:Person)-[o:ON_CALL]->(s:OnCallShift)-[r:SHIFT_OF]->(e:EscalationPolicy {id: key})\n"
            "WHERE o.active = true AND r.active = true AND s.retired_at IS NULL AND p.retired_at IS NULL\n"
            f"AND {shift_at('s')}"
        )
        columns = {"policy": "e.id", "level": "s.level", "person": "p.id", "name": "coalesce(p.display_name, p.name)", "email": "p.email"}
        held: dict[str, set[Holder]] = defaultdict(set)
        for row in await self.store.read_table_batches(match, columns, sorted(set(policies)), {"at": at}, batch_size=_BATCH):
            held[str(row["policy"])].add(Holder(int(row["level"] or 1), str(row["person"]), row["name"], row["email"]))
        return [first_level(held.get(policy, ())) for policy in policies]


def first_level(holders: Sequence[Holder] | set[Holder]) -> tuple[Holder, ...]:
    """The holders at the lowest level among ``holders``, by person."""
    if not holders:
        return ()
    level = min(h.level for h in holders)
    return tuple(sorted({h for h in holders if h.level == level}, key=lambda h: (h.person, h.name or "", h.email or "")))

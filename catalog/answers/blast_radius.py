"""What breaks if a service goes down: its transitive dependents, grouped by owning team, with who to call.

The walk (``CatalogReader.dependents_within``) follows ``DEPENDS_ON`` backwards over current edges and
nodes, breadth-first, so each dependent is at its shortest distance and cycles end; it passes
through Resources but lists Services only. A listed service's ``via`` is the node one step
nearer that it depends on, the first by key when there are several, so every reader gives the
same answer.

The reached services are grouped by their resolved owner (``ACCOUNTABLE_FOR``, else ``OWNS``).
A service with several owners is listed under each; one with none is in ``unowned``. A group
may be a person where a person owns services directly. The groups are ordered nearest impact
first, then most services, then by name, and counted completely (per distance and in total).

Incidents ask for the first page, so the work per page is bounded by the page: ``Impact`` holds
the walk counted and ranked by owner (``CatalogReader.reach_by_owner``: from the snapshot, over
arrays, with objects built only for the owners and services read), and ``teams(first, after)``
resolves on-call only for the teams on that page, ``services(owner, first, after)`` the ``via``
of only the services listed.

Who to call, per group: the people on call now at the first non-empty level of each escalation
policy that pages for the group's affected services: a service's own policies
(``Service -ESCALATES_VIA->``), else its owner team's (``Team -ESCALATES_VIA->``), the fallback
PagerDuty gives; deduplicated by person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

from catalog.answers.identify import Candidate, identify
from catalog.core.clock import now_iso
from catalog.read import CatalogReader
from catalog.read.impact import Dependent, Holder, OwnerGroup, OwnerReach, PolicyName, resolved_owners

__all__ = ["resolved_owners"]  # (adoption builds on the same owner rule)

DEFAULT_DEPTH = 3
DEFAULT_SERVICES_PER_TEAM = 20
DEFAULT_TEAMS = 25
"""Teams on the first page: enough to page the nearest owners of a hub's outage at once."""
DEPTH_SETTING = "CATALOG_MAX_DEPTH"


class DepthRefused(ValueError):
    """A depth below 1 or above the configured limit; the message names the limit and the fix."""


class UnknownCursor(ValueError):
    """An ``after`` that names no team or service of this blast radius (it changed since the page before)."""


def check_depth(depth: int, max_depth: int) -> int:
    if depth < 1:
        raise DepthRefused(f"depth {depth} is below 1; ask for depth 1 (direct dependents) or more")
    if depth > max_depth:
        raise DepthRefused(
            f"depth {depth} exceeds the limit of {max_depth} ({DEPTH_SETTING}); ask for depth {max_depth} or less, or raise {DEPTH_SETTING}"
        )
    return depth


@dataclass(frozen=True)
class ImpactedService:
    key: str
    name: str
    distance: int
    """Fewest dependency steps from the service that goes down (1: it depends on it directly)."""
    via: str
    """Key of the node it was reached through, one step nearer: a service, a resource, or the service itself."""
    via_name: str


@dataclass(frozen=True)
class PagedVia:
    policy: str
    """Key of the escalation policy."""
    policy_name: str | None
    level: int | None
    """The policy's first level with someone on call now."""


@dataclass
class OnCallPerson:
    key: str
    name: str | None
    email: str | None
    policies: list[PagedVia] = field(default_factory=list)


@dataclass(frozen=True)
class PolicyRef:
    key: str
    name: str | None


@dataclass
class ImpactedTeam:
    key: str
    """Key of the owning team (or person)."""
    label: str
    """``Team`` or ``Person``."""
    name: str
    count: int
    """How many of the affected services this owner owns (``services`` lists the first of them)."""
    nearest: int
    """Distance of its nearest affected service."""
    services: list[ImpactedService]
    on_call: list[OnCallPerson]
    policies: list[PolicyRef]
    """Escalation policies that page for its affected services; on call may be empty when nobody holds any level now."""


@dataclass
class UnownedImpact:
    count: int = 0
    services: list[ImpactedService] = field(default_factory=list)


@dataclass(frozen=True)
class DistanceCount:
    distance: int
    count: int


@dataclass
class BlastRadius:
    """One page of a blast radius, whole (for the CLI, the pages and JSON): the counts are complete."""

    query: str
    depth: int
    at: str
    """The instant on-call is computed for."""
    message: str = ""
    """How the identifier was read, for people: the service it names, that it is shared, or what comes closest."""
    service: Candidate | None = None
    """The service that goes down; None when the query named no service or several (see ``matches`` and ``nearest``)."""
    matches: list[Candidate] = field(default_factory=list)
    nearest: list[Candidate] = field(default_factory=list)
    total_services: int = 0
    """Distinct affected services within ``depth``."""
    total_teams: int = 0
    """Owners of affected services, all of them (``teams`` is one page)."""
    teams: list[ImpactedTeam] = field(default_factory=list)
    """A page of the owners of affected services, nearest impact first, then most services."""
    has_more_teams: bool = False
    unowned: UnownedImpact = field(default_factory=UnownedImpact)
    by_distance: list[DistanceCount] = field(default_factory=list)


Group = OwnerGroup
"""An owner of affected services, with its complete counts."""


class Groups(Sequence[Group]):
    """The ranked owners of a blast radius, built as they are read: a hub has thousands, a page shows 25."""

    def __init__(self, reach: OwnerReach | None) -> None:
        self._reach = reach

    def __len__(self) -> int:
        return 0 if self._reach is None else self._reach.total_groups

    @overload
    def __getitem__(self, index: int) -> Group: ...
    @overload
    def __getitem__(self, index: slice) -> list[Group]: ...
    def __getitem__(self, index: int | slice) -> Group | list[Group]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            found = self._reach.groups(start, stop) if self._reach is not None and step == 1 and start < stop else []
            return found if step == 1 else [self[i] for i in range(start, stop, step)]
        at = index + len(self) if index < 0 else index
        if not 0 <= at < len(self) or self._reach is None:
            raise IndexError(f"owner {index} of {len(self)}")
        return self._reach.groups(at, at + 1)[0]


class Impact:
    """A blast radius as the walk left it: complete counts and ranked owners; pages of teams and services on demand."""

    def __init__(self, reader: CatalogReader, query: str, depth: int, at: str, message: str) -> None:
        self.reader = reader
        self.query, self.depth, self.at, self.message = query, depth, at, message
        self.service: Candidate | None = None
        self.matches: list[Candidate] = []
        self.nearest: list[Candidate] = []
        self.reach: OwnerReach | None = None
        self.unowned: list[ImpactedService] = []
        """The first unowned services, once ``teams`` resolved them."""
        self._via: dict[str, ImpactedService] = {}
        """Services whose ``via`` was resolved: a team's first page lists them again (GraphQL's ``services`` and ``affectedServices``)."""

    @property
    def total_services(self) -> int:
        return 0 if self.reach is None else self.reach.total_services

    @property
    def by_distance(self) -> list[DistanceCount]:
        return [] if self.reach is None else [DistanceCount(d, n) for d, n in self.reach.by_distance]

    @property
    def groups(self) -> Groups:
        return Groups(self.reach)

    @property
    def unowned_count(self) -> int:
        return 0 if self.reach is None else self.reach.unowned_count

    def count_of(self, owner: str | None) -> int:
        """How many affected services ``owner`` owns (None: how many have no owner)."""
        return 0 if self.reach is None else self.reach.count(owner)

    async def teams(
        self, first: int, after: str | None = None, *, services_first: int = DEFAULT_SERVICES_PER_TEAM, unowned_first: int = 0
    ) -> tuple[list[ImpactedTeam], bool]:
        """The page of ``first`` owners after the owner keyed ``after``, with their on-call now, each
        with its first ``services_first`` services; and whether more follow. With ``unowned_first``,
        the first unowned services are resolved in the same reads (then in ``unowned``)."""
        reach = self.reach
        if reach is None:
            return [], False
        start = 0
        if after is not None:
            position = reach.position(after)
            if position is None:
                raise UnknownCursor(f"after: {after!r} is not an owner in this blast radius; start again without `after`")
            start = position + 1
        page = reach.groups(start, start + first)
        on_call, policies, names = await self._paging(page)
        owners: list[str | None] = [*(g.key for g in page), None]
        listed = await self._with_via([reach.members(o)[: services_first if o is not None else unowned_first] for o in owners])
        self.unowned = listed[-1]
        teams = []
        for group, services in zip(page, listed, strict=False):
            chosen = sorted(policies[group.key])
            teams.append(
                ImpactedTeam(
                    group.key,
                    group.label,
                    group.name,
                    group.count,
                    group.nearest,
                    services,
                    _people(chosen, on_call, names),
                    [PolicyRef(p, names.get(p)) for p in chosen],
                )
            )
        return teams, start + first < reach.total_groups

    async def services(self, owner: str | None, first: int, after: str | None = None) -> tuple[list[ImpactedService], bool]:
        """The affected services of ``owner`` (None: the unowned), nearest first, then by name, ``first``
        after the one keyed ``after``, with their ``via``; and whether more follow."""
        members = self.reach.members(owner) if self.reach is not None else ()
        start = 0
        if after is not None:
            start = next((i for i, m in enumerate(members) if m.key == after), -1) + 1
            if start == 0:
                raise UnknownCursor(f"after: {after!r} is not among these affected services; start again without `after`")
        [page] = await self._with_via([members[start : start + first]])
        return page, start + first < len(members)

    async def _with_via(self, lists: Sequence[Sequence[Dependent]]) -> list[list[ImpactedService]]:
        """The services of each list with their ``via``, in one read for all of them."""
        root, reach = self.service, self.reach
        assert root is not None and reach is not None
        done = self._via
        farther = sorted({s.key for services in lists for s in services if s.distance > 1 and s.key not in done})
        nearer = dict(zip(farther, await self._nearer(farther), strict=True))
        through = (root.key, root.name)

        def with_via(s: Dependent) -> ImpactedService:
            if (known := done.get(s.key)) is not None:
                return known
            via, via_name = through if s.distance == 1 else nearer[s.key]
            found = done[s.key] = ImpactedService(s.key, s.name, s.distance, via, via_name)
            return found

        return [[with_via(s) for s in services] for services in lists]

    async def _nearer(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        """The ``via`` of each service in ``keys`` (at distance 2 or more), with its name: from the walk when it holds
        the edges, else from the current dependencies read."""
        reach = self.reach
        assert reach is not None
        found = reach.nearer(keys) if keys else []
        if found is not None:
            return found
        found = []
        for key, dependencies in zip(keys, await self.reader.dependency_keys(keys), strict=True):
            at = reach.dependent(key)
            step = (at.distance if at is not None else 0) - 1
            near = next((n for d in dependencies if (n := reach.dependent(d)) is not None and n.distance == step), None)
            found.append(("", "") if near is None else (near.key, near.name))
        return found

    async def _paging(self, page: Sequence[Group]) -> tuple[Mapping[str, tuple[Holder, ...]], dict[str, set[str]], dict[str, str | None]]:
        """Who is on call for each policy that pages for the page's owners, the policies per owner, and policy names."""
        if not page or self.reach is None:
            return {}, {}, {}
        members = {g.key: self.reach.members(g.key) for g in page}
        services = sorted({s.key for listed in members.values() for s in listed})
        teams = sorted(g.key for g in page if g.label == "Team")
        keys = [*services, *teams]
        escalation = dict(zip(keys, await self.reader.escalation_policies(keys), strict=True))
        names: dict[str, str | None] = {p.key: p.name for links in escalation.values() for p in links}
        chosen: dict[str, set[str]] = {}
        for group in page:
            fallback: tuple[PolicyName, ...] = escalation.get(group.key, ()) if group.label == "Team" else ()
            chosen[group.key] = {p.key for s in members[group.key] for p in (escalation[s.key] or fallback)}
        policies = sorted({p for held in chosen.values() for p in held})
        on_call = dict(zip(policies, await self.reader.first_on_call(policies, self.at), strict=True))
        return on_call, chosen, names

    def summary(self) -> BlastRadius:
        """The counts and identification, without teams (``page`` adds them)."""
        return BlastRadius(
            query=self.query,
            depth=self.depth,
            at=self.at,
            message=self.message,
            service=self.service,
            matches=self.matches,
            nearest=self.nearest,
            total_services=self.total_services,
            total_teams=len(self.groups),
            unowned=UnownedImpact(self.unowned_count),
            by_distance=self.by_distance,
        )


async def impact(reader: CatalogReader, text: str, depth: int = DEFAULT_DEPTH, *, max_depth: int, at: str | None = None) -> Impact:
    """The dependents of the service ``text`` names within ``depth`` steps, counted and grouped by owner; on-call is for ``at`` (now).

    Raises ``DepthRefused`` for a depth outside 1..``max_depth``.
    """
    check_depth(depth, max_depth)
    found = await identify(reader, text)
    # (Held: the instant's only uses are on-call, whose reader says until when it holds, and ``at``, which shows it.)
    answer = Impact(reader, text, depth, at or now_iso(held=True), found.message)
    answer.matches, answer.nearest = found.matches, found.nearest
    root = found.unique
    if root is None:
        return answer
    answer.service = root
    answer.reach = await reader.reach_by_owner(root.key, depth)
    return answer


async def blast_radius(
    reader: CatalogReader,
    text: str,
    depth: int = DEFAULT_DEPTH,
    *,
    max_depth: int,
    first: int = DEFAULT_TEAMS,
    after: str | None = None,
    services_per_team: int = DEFAULT_SERVICES_PER_TEAM,
    at: str | None = None,
) -> BlastRadius:
    """One page of the blast radius of the service ``text`` names: ``first`` owners after the owner ``after``,
    each with its nearest ``services_per_team`` services and who is on call at ``at`` (now); counts are complete.

    Raises ``DepthRefused`` for a depth outside 1..``max_depth``, ``UnknownCursor`` for an ``after`` that is no owner.
    """
    if services_per_team < 0:
        raise ValueError(f"services per team {services_per_team} is negative; ask for 0 (counts only) or more")
    if first < 0:
        raise ValueError(f"first {first} is negative; ask for 0 or more teams")
    found = await impact(reader, text, depth, max_depth=max_depth, at=at)
    answer = found.summary()
    if found.service is None:
        return answer
    answer.teams, answer.has_more_teams = await found.teams(first, after, services_first=services_per_team, unowned_first=services_per_team)
    answer.unowned.services = found.unowned
    return answer


def _people(policies: Sequence[str], on_call: Mapping[str, tuple[Holder, ...]], names: Mapping[str, str | None]) -> list[OnCallPerson]:
    people: dict[str, OnCallPerson] = {}
    for policy in policies:
        for shift in on_call.get(policy, ()):
            person = people.setdefault(shift.person, OnCallPerson(shift.person, shift.name, shift.email))
            person.policies.append(PagedVia(policy, names.get(policy), shift.level))
    return sorted(people.values(), key=lambda p: ((p.name or p.key).lower(), p.key))

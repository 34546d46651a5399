"""What breaks if a service goes down, and how far the standard platform has been adopted."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from catalog.answers import adoption as answers
from catalog.answers import blast_radius as impact
from catalog.answers import identify as ident
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.errors import BadArgument
from catalog.api.identification import Identification, identification_of, service_stub
from catalog.api.limits import checked_first
from catalog.api.loaders import done, load_all, read_all
from catalog.api.oncall.nodes import EscalationPolicy, policy_object
from catalog.api.owners import OwnerKey, owner_object, person_object
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor, known_count, rows_connection
from catalog.api.platforms.types import Platform, platform_object
from catalog.api.selection import asks_of_nodes
from catalog.api.services.types import DependencyTarget, Resource, Service
from catalog.api.systems.types import Domain
from catalog.api.teams.types import Owner, Person, Team
from catalog.core.clock import shows_instant
from catalog.read import GraphNode
from catalog.read import Provenance as ProvenanceRow


@strawberry.type(description="A service that depends on the failing one, directly or through others.")
class ImpactedService:
    # Plain fields, their nodes read for the whole page at once (``impacted_pages``): a hub's page lists
    # hundreds of services, and a resolver per item and field (an async one a task each) cost more than the answer.
    key: strawberry.Private[str]
    service: Service = strawberry.field(description="The service.")
    distance: int = strawberry.field(description="Fewest dependency steps from the failing service: 1 when it depends on it directly.")
    via: DependencyTarget = strawberry.field(
        description="The node one step nearer the failing service through which it was reached: a service, a resource (e.g. a "
        "queue), or the failing service itself at distance 1."
    )


async def impacted_services(info: Info, rows: Sequence[impact.ImpactedService]) -> list[ImpactedService]:
    """The page's affected services as GraphQL objects (``impacted_pages`` of one page)."""
    [listed] = await impacted_pages(info, [rows])
    return listed


async def impacted_pages(info: Info, pages: Sequence[Sequence[impact.ImpactedService]]) -> list[list[ImpactedService]]:
    """Pages of affected services as GraphQL objects, with their services and ``via`` nodes read in one call per
    label for all the pages (current or retired; a ``via`` that is no service is a resource).

    The reader is called once with every key, not through the request's loaders: a hub's page lists 500 services,
    and a loader's load per key (a future, a callback, a scheduled call each) cost more than reading them."""
    rows = [s for page in pages for s in page]
    if not rows:
        return [[] for _ in pages]
    reader = info.context.reader
    wanted = sorted({key for s in rows for key in (s.key, s.via)})
    services = dict(zip(wanted, await reader.nodes_with_retired("Service", wanted), strict=True))
    missing = sorted({s.via for s in rows if services[s.via] is None})
    resources = dict(zip(missing, await reader.nodes_with_retired("Resource", missing), strict=True)) if missing else {}
    # One object per node, however many items name it (the failing service is the ``via`` of every item at distance 1).
    made: dict[str, Service | Resource] = {}
    listed: list[list[ImpactedService]] = []
    for page in pages:
        objects = []
        for s in page:
            via = made.get(s.via)
            if via is None:
                if (via_row := services[s.via]) is not None:
                    via = made[s.via] = Service(row=via_row)
                elif (resource := resources.get(s.via)) is not None:
                    via = made[s.via] = Resource(row=resource)
                else:
                    via = Service(row=service_stub(s.via, s.via_name))
            service = made.get(s.key)
            if service is None or service.__class__ is not Service:
                service = Service(row=services[s.key] or service_stub(s.key, s.name))
                if services[s.key] is not None:
                    made[s.key] = service
            objects.append(ImpactedService(key=s.key, service=service, distance=s.distance, via=via))
        listed.append(objects)
    return listed


@strawberry.type(description="An escalation policy, and the level at which someone is on call now.")
class ImpactPolicy:
    key: strawberry.Private[str]
    name: strawberry.Private[str | None]
    level: int | None = strawberry.field(description="Its first level with someone on call now (level 1 may be empty); null when unknown.")

    @strawberry.field(description="The escalation policy.", graphql_type=EscalationPolicy)
    def policy(self, info: Info) -> EscalationPolicy | Awaitable[EscalationPolicy]:
        ready = done(info.context.loaders.node_with_retired("EscalationPolicy"), self.key)
        row = None if ready is None else ready.result()
        return policy_object(info, self.key, self.name) if row is None else EscalationPolicy(row=row)


@strawberry.type(description="Someone on call now for a team's affected services.")
class ImpactOnCall:
    row: strawberry.Private[impact.OnCallPerson]

    @strawberry.field(description="The person (marked `isRetired` if gone from the catalog since).")
    async def person(self, info: Info) -> Person:
        return await person_object(info, self.row.key, self.row.name)

    @strawberry.field(description="Name to show.")
    def name(self) -> str | None:
        return self.row.name

    @strawberry.field(description="Email address.")
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field(description="The policies they are on call for, at their first level with anyone on call.")
    def policies(self) -> list[ImpactPolicy]:
        return [ImpactPolicy(key=p.policy, name=p.policy_name, level=p.level) for p in self.row.policies]


_REMOVAL = "Removal: 2027-06-30."


@strawberry.type(description="An owner of affected services (a team, or a person who owns services directly) and who to call.")
class ImpactedTeam:
    row: strawberry.Private[impact.ImpactedTeam]
    found: strawberry.Private[impact.Impact]
    listed: strawberry.Private[list[ImpactedService] | None] = None
    """``row.services`` as GraphQL objects, when the page read them for all its teams at once (``BlastRadius.teams``)."""

    @strawberry.field(description="The owning team or person.", graphql_type=Owner)
    def owner(self, info: Info) -> Team | Person | Awaitable[Team | Person]:
        ready = done(info.context.loaders.node_with_retired(self.row.label), self.row.key)
        row = None if ready is None else ready.result()
        if row is None:
            return owner_object(info, OwnerKey(self.row.label, self.row.key, self.row.name))
        return Team(row=row) if row.label == "Team" else Person(row=row)

    @strawberry.field(description="How many affected services it owns, all of them.")
    def count(self) -> int:
        return self.row.count

    @strawberry.field(description="Distance of its nearest affected service.")
    def nearest_distance(self) -> int:
        return self.row.nearest

    @strawberry.field(
        description="Its affected services, nearest first, at most `servicesPerTeam`.",
        deprecation_reason=f"Use `affectedServices`, which pages them all. {_REMOVAL}",
        graphql_type=list[ImpactedService],
    )
    def services(self, info: Info) -> list[ImpactedService] | Awaitable[list[ImpactedService]]:
        return self.listed if self.listed is not None else impacted_services(info, self.row.services)

    @strawberry.field(
        description="Its affected services, nearest first, then by name, one page at a time; `totalCount` is `count`.",
        graphql_type=Connection[ImpactedService],
    )
    def affected_services(
        self, info: Info, first: First = impact.DEFAULT_SERVICES_PER_TEAM, after: After = None
    ) -> Connection[ImpactedService] | Awaitable[Connection[ImpactedService]]:
        # The first page answers at once from the services the team's page already read (its first ``servicesPerTeam``)
        # when it holds them all: an awaitable per team costs graphql-core a task, and a hub's page lists 25 teams.
        listed, count = self.listed, self.row.count
        if listed is not None and after is None and (first <= len(listed) or len(listed) == count):
            checked_first(first, info.context.settings)
            page = listed[:first]
            return build_connection(page, [s.key for s in page], has_next=first < count, after=None, counter=known_count(count))
        return _services_connection(info, self.found, self.row.key, first, after)

    @strawberry.field(
        description="Who is on call now: the first level with anyone on call of each escalation policy that pages for its "
        "affected services (a service's own policies, else the owner team's), each person once. Empty when nobody is."
    )
    def on_call(self) -> list[ImpactOnCall]:
        return [ImpactOnCall(row=p) for p in self.row.on_call]

    @strawberry.field(description="The escalation policies that page for its affected services; empty when none does.")
    def escalation_policies(self) -> list[ImpactPolicy]:
        return [ImpactPolicy(key=p.key, name=p.name, level=None) for p in self.row.policies]


async def _services_connection(
    info: Info, found: impact.Impact, owner: str | None, first: int, after: str | None
) -> Connection[ImpactedService]:
    checked_first(first, info.context.settings)
    after_key = decode_cursor(after)
    try:
        listed, more = await found.services(owner, first, after_key)
    except impact.UnknownCursor as exc:
        raise BadArgument(str(exc)) from exc
    total = found.count_of(owner)
    return build_connection(
        await impacted_services(info, listed), [s.key for s in listed], has_next=more, after=after_key, counter=known_count(total)
    )


@strawberry.type(description="Affected services without an owner.")
class UnownedImpact:
    found: strawberry.Private[impact.Impact]
    services_per_team: strawberry.Private[int]

    @strawberry.field(description="How many affected services have no owner.")
    def count(self) -> int:
        return self.found.unowned_count

    @strawberry.field(
        description="The nearest of them, at most `servicesPerTeam`.", deprecation_reason=f"Use `affectedServices`. {_REMOVAL}"
    )
    async def services(self, info: Info) -> list[ImpactedService]:
        if self.found.service is None:
            return []
        listed, _ = await self.found.services(None, self.services_per_team)
        return await impacted_services(info, listed)

    @strawberry.field(description="Affected services without an owner, nearest first, then by name, one page at a time.")
    async def affected_services(
        self, info: Info, first: First = impact.DEFAULT_SERVICES_PER_TEAM, after: After = None
    ) -> Connection[ImpactedService]:
        if self.found.service is None:
            return build_connection([], [], has_next=False, after=None, counter=known_count(0))
        return await _services_connection(info, self.found, None, first, after)


@strawberry.type(description="How many affected services lie at one distance.")
class DistanceCount:
    distance: int = strawberry.field(description="Dependency steps from the failing service.")
    count: int = strawberry.field(description="Services at that distance.")


@strawberry.type(description="What breaks if a service goes down: its transitive dependents, by owner, with who is on call.")
class BlastRadius:
    row: strawberry.Private[impact.Impact]
    services_per_team: strawberry.Private[int] = impact.DEFAULT_SERVICES_PER_TEAM

    @strawberry.field(description="What the service argument named; the rest is answered only when RESOLVED.")
    def identification(self) -> Identification:
        row = self.row
        found = ident.Identification(query=row.query, matches=list(row.matches), nearest=list(row.nearest))
        return identification_of(found, service_key=None if row.service is None else row.service.key, message=row.message)

    @strawberry.field(description="How many dependency steps were followed.")
    def depth(self) -> int:
        return self.row.depth

    @strawberry.field(description="The moment on-call is given for.")
    def at(self) -> datetime | None:
        shows_instant()  # (an answer that shows its instant is not given again later: catalog.api.responses)
        return as_time(self.row.at)

    @strawberry.field(description="How many distinct services depend on it within `depth` (resources passed through are not counted).")
    def total_services(self) -> int:
        return self.row.total_services

    @strawberry.field(description="How many owners have affected services.")
    def total_teams(self) -> int:
        return len(self.row.groups)

    @strawberry.field(
        description="Owners of affected services, nearest impact first, then most services, one page at a time. A service with "
        "several owners is under each. Who is on call is resolved for the owners on the page only."
    )
    async def teams(self, info: Info, first: First = 50, after: After = None) -> Connection[ImpactedTeam]:
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        owner = after_key.partition(":")[2] if after_key is not None else None
        try:
            listed, more = await self.row.teams(first, owner, services_first=self.services_per_team) if self.row.service else ([], False)
        except impact.UnknownCursor as exc:
            raise BadArgument(str(exc)) from exc
        # The page's owners and policies in one batch each, so that every team's ``owner`` and ``policy`` answer at once.
        loaders = info.context.loaders
        if asks_of_nodes(info, "owner"):
            for label in ("Team", "Person"):
                await read_all(loaders.node_with_retired(label), sorted({t.key for t in listed if t.label == label}))
        if asks_of_nodes(info, "escalationPolicies", "policy"):
            await read_all(loaders.node_with_retired("EscalationPolicy"), sorted({p.key for t in listed for p in t.policies}))
        # Every team's first services in one read, so that each team's ``services`` and first ``affectedServices`` answer at once.
        pages: Sequence[list[ImpactedService] | None] = [None] * len(listed)
        if asks_of_nodes(info, "affectedServices") or asks_of_nodes(info, "services"):
            pages = await impacted_pages(info, [t.services for t in listed])
        return build_connection(
            [ImpactedTeam(row=t, found=self.row, listed=page) for t, page in zip(listed, pages, strict=True)],
            [f"{t.label}:{t.key}" for t in listed],
            has_next=more,
            after=after_key,
            counter=known_count(len(self.row.groups)),
        )

    @strawberry.field(description="Affected services that have no owner.")
    def unowned(self) -> UnownedImpact:
        return UnownedImpact(found=self.row, services_per_team=self.services_per_team)

    @strawberry.field(description="How many affected services lie at each distance, nearest first.")
    def by_distance(self) -> list[DistanceCount]:
        return [DistanceCount(distance=d.distance, count=d.count) for d in self.row.by_distance]


# -- adoption ---------------------------------------------------------------------------------------


@strawberry.enum(description="How adoption is grouped.")
class AdoptionGrouping(Enum):
    TEAM = strawberry.enum_value("team", description="By the resolved owner team of each service.")
    DOMAIN = strawberry.enum_value("domain", description="By the top-level domain of each service's system (subdomains roll up).")
    ORG_UNIT = strawberry.enum_value(
        "org-unit",
        description="By top-level org unit: the owner team's topmost ancestor, or the child of the root when one root holds the org.",
    )


@strawberry.enum(description="Whose adoption a trend follows.")
class AdoptionScope(Enum):
    COMPANY = strawberry.enum_value("company", description="The whole company.")
    TEAM = strawberry.enum_value("team", description="One team; `key` names it.")
    DOMAIN = strawberry.enum_value("domain", description="One top-level domain; `key` names it.")
    ORG_UNIT = strawberry.enum_value("org-unit", description="One top-level org unit (a team); `key` names it.")


_TOTAL = "Current services counted."
_STANDARD = "Services that run on the standard platform (perhaps elsewhere too)."
_OTHER = "Services that run only on other platforms."
_UNKNOWN = "Services no source places on any platform."
_RATIO = "standard / total; null for no services."
_KNOWN_RATIO = "standard / (standard + other): the ratio among services whose platform is known; null when none is known."


@strawberry.type(description="Adoption counts for a set of services.")
class AdoptionCounts:
    # Plain fields (see ImpactedService): a company's report has a group per team, thousands at scale.
    total: int = strawberry.field(description=_TOTAL)
    standard: int = strawberry.field(description=_STANDARD)
    other: int = strawberry.field(description=_OTHER)
    unknown: int = strawberry.field(description=_UNKNOWN)
    ratio: float | None = strawberry.field(description=_RATIO)
    known_ratio: float | None = strawberry.field(description=_KNOWN_RATIO)

    @classmethod
    def of(cls, row: answers.Counts) -> AdoptionCounts:
        return cls(**_counts(row))


def _counts(row: answers.Counts) -> dict[str, Any]:
    return {
        "total": row.total,
        "standard": row.standard,
        "other": row.other,
        "unknown": row.unknown,
        "ratio": row.ratio,
        "known_ratio": row.known_ratio,
    }


AdoptionSubject = Annotated[
    Team | Domain, strawberry.union("AdoptionSubject", description="What an adoption group counts: a team or a domain.")
]


@strawberry.type(description="Adoption for one team, domain or org unit, or for the services outside any (`subject` null).")
class AdoptionGroup(AdoptionCounts):
    key: strawberry.Private[str | None]
    label: strawberry.Private[str]
    name: str = strawberry.field(description="Its name, or e.g. `(no owner team)`.")

    @classmethod
    def of_group(cls, row: answers.AdoptionGroup, label: str) -> AdoptionGroup:
        return cls(**_counts(row), key=row.key, label=label, name=row.name)

    @strawberry.field(description="The team (for TEAM and ORG_UNIT) or domain (for DOMAIN); null for the services outside any.")
    async def subject(self, info: Info) -> AdoptionSubject | None:
        if self.key is None:
            return None
        row = await info.context.loaders.node_with_retired(self.label).load(self.key)
        if row is None:
            return None
        return Domain(row=row) if row.label == "Domain" else Team(row=row)


async def _team(info: Info, key: str | None) -> Team | None:
    if key is None:
        return None
    row = await info.context.loaders.node("Team").load(key)
    return None if row is None else Team(row=row)


async def _platform(info: Info, key: str) -> Platform | None:
    row = await info.context.loaders.node("Platform").load(key)
    return None if row is None else Platform(row=row)


def _stub_team(name: str) -> GraphNode:
    return GraphNode("Team", name, MappingProxyType({"name": name}), ProvenanceRow(None, None, None, None, None))


def _team_at_once(info: Info, key: str | None) -> Team | Awaitable[Team | None] | None:
    """``_team``, at once when the request's loader already holds the team (a page primed it: ``_prime``)."""
    if key is None:
        return None
    ready = done(info.context.loaders.node("Team"), key)
    if ready is None:
        return _team(info, key)
    row = ready.result()
    return None if row is None else Team(row=row)


def _platform_at_once(info: Info, ref: answers.PlatformRef) -> Platform | Awaitable[Platform]:
    """``platform_object``, at once when the request's loader already holds the platform (a page primed it)."""
    ready = done(info.context.loaders.node_with_retired("Platform"), ref.key)
    if ready is None:
        return platform_object(info, ref.key, ref.name)
    return Platform(row=ready.result() or _stub_platform(ref))


def _stub_platform(ref: answers.PlatformRef) -> GraphNode:
    return GraphNode("Platform", ref.key, MappingProxyType({"name": ref.name}), ProvenanceRow(None, None, None, None, None))


async def _prime(info: Info, asked: str, loader: DataLoader[str, GraphNode | None], keys: Iterable[str | None]) -> None:
    """Load the nodes behind field ``asked`` of a page's items in one batch, when the query asks for it, so that
    each item's field answers at once: an awaitable per item costs graphql-core a task, and an adoption page
    lists hundreds of teams."""
    if asks_of_nodes(info, asked):
        await load_all(loader, sorted({k for k in keys if k is not None}))


@strawberry.type(description="How many of a team's services run on a platform.")
class PlatformUse:
    row: strawberry.Private[answers.PlatformUse]

    @strawberry.field(description="The owner team's name, or `(no owner team)`.")
    def team_name(self) -> str:
        return self.row.team.name

    @strawberry.field(description="The owner team.", graphql_type=Team | None)
    def team(self, info: Info) -> Team | Awaitable[Team | None] | None:
        return _team_at_once(info, self.row.team.key)

    @strawberry.field(description="How many of its services run on the platform.")
    def services(self) -> int:
        return self.row.services


@strawberry.type(description="A platform other than the standard one that current services run on.")
class OtherPlatform:
    row: strawberry.Private[answers.OtherPlatform]

    @strawberry.field(description="The platform.", graphql_type=Platform)
    def platform(self, info: Info) -> Platform | Awaitable[Platform]:
        return _platform_at_once(info, self.row.platform)

    @strawberry.field(description="The teams that own it.")
    async def owners(self, info: Info) -> list[Team]:
        return [team for t in self.row.owners if (team := await _team(info, t.key)) is not None]

    @strawberry.field(description="How many current services run on it.")
    def services(self) -> int:
        return self.row.services

    @strawberry.field(description="Whose services run on it, by owner team, most services first, one page at a time.")
    async def used_by(self, info: Info, first: First = 50, after: After = None) -> Connection[PlatformUse]:
        page = rows_connection(info, self.row.used_by, lambda u: PlatformUse(row=u), lambda u: u.team.key or "", first, after)
        await _prime(info, "team", info.context.loaders.node("Team"), [e.node.row.team.key for e in page.edges])
        return page


@strawberry.type(
    description="A team running a platform of its own: it owns a non-standard platform that services run on, or its services run on one."
)
class TeamOwnPlatform:
    row: strawberry.Private[answers.TeamPlatform]

    @strawberry.field(description="The team.", graphql_type=Team)
    def team(self, info: Info) -> Team | Awaitable[Team]:
        loader = info.context.loaders.node_with_retired("Team")
        ready = done(loader, self.row.team.key or "")
        if ready is None:
            return self._team(info)
        return Team(row=ready.result() or _stub_team(self.row.team.name))

    async def _team(self, info: Info) -> Team:
        return Team(
            row=await info.context.loaders.node_with_retired("Team").load(self.row.team.key or "") or _stub_team(self.row.team.name)
        )

    @strawberry.field(description="The platform.", graphql_type=Platform)
    def platform(self, info: Info) -> Platform | Awaitable[Platform]:
        return _platform_at_once(info, self.row.platform)

    @strawberry.field(description="True when the team owns the platform; false when it only runs services on it.")
    def is_owner(self) -> bool:
        return self.row.owns

    @strawberry.field(description="How many of the team's services run on it.")
    def services(self) -> int:
        return self.row.services


@strawberry.type(description="Adoption of the standard platform across the company, by team, domain or org unit.")
class AdoptionReport:
    row: strawberry.Private[answers.AdoptionReport]

    @strawberry.field(description="How the groups are formed.")
    def by(self) -> AdoptionGrouping:
        return AdoptionGrouping(self.row.by)

    @strawberry.field(description="The whole company: every current service once.")
    def company(self) -> AdoptionCounts:
        return AdoptionCounts.of(self.row.company)

    @strawberry.field(
        description="One entry per group, by name, the services outside any group last. A service in two groups counts in each."
    )
    def groups(self, info: Info, first: First = 50, after: After = None) -> Connection[AdoptionGroup]:
        label = "Domain" if self.row.by == "domain" else "Team"
        return rows_connection(info, self.row.groups, lambda g: AdoptionGroup.of_group(g, label), lambda g: g.key or "", first, after)

    @strawberry.field(description="The platforms that count as standard; when empty, every service with a platform counts as other.")
    async def standard_platforms(self, info: Info) -> list[Platform]:
        return [p for ref in self.row.standard_platforms if (p := await _platform(info, ref.key)) is not None]

    @strawberry.field(description="Non-standard platforms that services run on, most services first.")
    async def other_platforms(self, info: Info, first: First = 50, after: After = None) -> Connection[OtherPlatform]:
        page = rows_connection(info, self.row.other_platforms, lambda p: OtherPlatform(row=p), lambda p: p.platform.key, first, after)
        rows = [e.node.row for e in page.edges]
        loaders = info.context.loaders
        await _prime(info, "owners", loaders.node("Team"), [t.key for p in rows for t in p.owners])
        await _prime(info, "platform", loaders.node_with_retired("Platform"), [p.platform.key for p in rows])
        return page

    @strawberry.field(description="Teams that run platforms of their own, by team.")
    async def teams_with_own_platforms(self, info: Info, first: First = 50, after: After = None) -> Connection[TeamOwnPlatform]:
        rows = self.row.teams_with_own_platforms
        page = rows_connection(info, rows, lambda t: TeamOwnPlatform(row=t), lambda t: f"{t.team.key}|{t.platform.key}", first, after)
        shown = [e.node.row for e in page.edges]
        loaders = info.context.loaders
        await _prime(info, "team", loaders.node_with_retired("Team"), [t.team.key or "" for t in shown])
        await _prime(info, "platform", loaders.node_with_retired("Platform"), [t.platform.key for t in shown])
        return page


@strawberry.type(description="Adoption counts of one scope as a snapshot taken after a sync.")
class AdoptionPoint:
    row: strawberry.Private[answers.AdoptionPoint]

    @strawberry.field(description="When the sync that counted it finished.")
    def taken_at(self) -> datetime | None:
        return as_time(self.row.taken_at)

    @strawberry.field(description="The scope's name then.")
    def name(self) -> str | None:
        return self.row.name

    @strawberry.field(description=_TOTAL)
    def total(self) -> int:
        return self.row.total

    @strawberry.field(description=_STANDARD)
    def standard(self) -> int:
        return self.row.standard

    @strawberry.field(description=_OTHER)
    def other(self) -> int:
        return self.row.other

    @strawberry.field(description=_UNKNOWN)
    def unknown(self) -> int:
        return self.row.unknown

    @strawberry.field(description=_RATIO)
    def ratio(self) -> float | None:
        return self.row.ratio

    @strawberry.field(description=_KNOWN_RATIO)
    def known_ratio(self) -> float | None:
        return self.row.known_ratio

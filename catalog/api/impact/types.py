"""What breaks if a service goes down, and how far the standard platform has been adopted."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from catalog.answers import adoption as answers
from catalog.answers import blast_radius as impact
from catalog.answers import identify as ident
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.identification import Identification, identification_of
from catalog.api.platforms.types import Platform
from catalog.api.services.types import Service
from catalog.api.teams.types import Owner, Person, Team


@strawberry.type(description="A service that depends on the failing one, directly or through others.")
class ImpactedService:
    # Plain fields, not resolvers: a hub's answer holds thousands of these, and strawberry serves a
    # plain field by attribute lookup, skipping the per-field resolver machinery (about 20 µs each).
    key: str = strawberry.field(description="The service's catalog key.")
    name: str = strawberry.field(description="The service's name.")
    distance: int = strawberry.field(description="Fewest dependency steps from the failing service: 1 when it depends on it directly.")
    via: str = strawberry.field(
        description="Key of the node one step nearer the failing service through which it was reached: a service, a resource "
        "(e.g. a queue), or the failing service itself at distance 1."
    )
    via_name: str = strawberry.field(description="Name of the `via` node.")

    @classmethod
    def of(cls, row: impact.ImpactedService) -> ImpactedService:
        return cls(key=row.key, name=row.name, distance=row.distance, via=row.via, via_name=row.via_name)

    @strawberry.field(description="The service.")
    async def service(self, info: Info) -> Service | None:
        row = await info.context.loaders.node("Service").load(self.key)
        return None if row is None else Service(row=row)


@strawberry.type(description="An escalation policy, and the level at which someone is on call now.")
class ImpactPolicy:
    key: str = strawberry.field(description="The policy's catalog key, e.g. `escalation-policy:pagerduty/acme/pabc123`.")
    name: str | None = strawberry.field(description="The policy's name.")
    level: int | None = strawberry.field(description="Its first level with someone on call now (level 1 may be empty); null when unknown.")


@strawberry.type(description="Someone on call now for a team's affected services.")
class ImpactOnCall:
    key: str = strawberry.field(description="The person's catalog key.")
    name: str | None = strawberry.field(description="Name to show.")
    email: str | None = strawberry.field(description="Email address.")
    policies: list[ImpactPolicy] = strawberry.field(
        description="The policies they are on call for, at their first level with anyone on call."
    )

    @classmethod
    def of(cls, row: impact.OnCallPerson) -> ImpactOnCall:
        policies = [ImpactPolicy(key=p.policy, name=p.policy_name, level=p.level) for p in row.policies]
        return cls(key=row.key, name=row.name, email=row.email, policies=policies)

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> Person | None:
        row = await info.context.loaders.node("Person").load(self.key)
        return None if row is None else Person(row=row)


@strawberry.type(description="An owner of affected services (a team, or a person who owns services directly) and who to call.")
class ImpactedTeam:
    key: str = strawberry.field(description="The owner's catalog key, e.g. `group:default/payments-team`.")
    name: str = strawberry.field(description="The owner's name.")
    kind: str = strawberry.field(description="`Team`, or `Person` where a person owns services directly.")

    @strawberry.field(description="The owning team or person.")
    async def owner(self, info: Info) -> Owner | None:
        row = await info.context.loaders.node(self.kind).load(self.key)
        if row is None:
            return None
        return Team(row=row) if row.label == "Team" else Person(row=row)

    count: int = strawberry.field(description="How many affected services it owns (`services` lists the nearest `servicesPerTeam`).")
    nearest: int = strawberry.field(description="Distance of its nearest affected service.")
    services: list[ImpactedService] = strawberry.field(description="Its affected services, nearest first, at most `servicesPerTeam`.")
    on_call: list[ImpactOnCall] = strawberry.field(
        description="Who is on call now: the first level with anyone on call of each escalation policy that pages for its "
        "affected services (a service's own policies, else the owner team's), each person once. Empty when nobody is."
    )
    escalation_policies: list[ImpactPolicy] = strawberry.field(
        description="The escalation policies that page for its affected services; empty when none does."
    )

    @classmethod
    def of(cls, row: impact.ImpactedTeam) -> ImpactedTeam:
        return cls(
            key=row.key,
            name=row.name,
            kind=row.label,
            count=row.count,
            nearest=row.nearest,
            services=[ImpactedService.of(s) for s in row.services],
            on_call=[ImpactOnCall.of(p) for p in row.on_call],
            escalation_policies=[ImpactPolicy(key=p.key, name=p.name, level=None) for p in row.policies],
        )


@strawberry.type(description="Affected services without an owner.")
class UnownedImpact:
    row: strawberry.Private[impact.UnownedImpact]

    @strawberry.field(description="How many affected services have no owner.")
    def count(self) -> int:
        return self.row.count

    @strawberry.field(description="The nearest of them, at most `servicesPerTeam`.")
    def services(self) -> list[ImpactedService]:
        return [ImpactedService.of(s) for s in self.row.services]


@strawberry.type(description="How many affected services lie at one distance.")
class DistanceCount:
    distance: int = strawberry.field(description="Dependency steps from the failing service.")
    count: int = strawberry.field(description="Services at that distance.")


@strawberry.type(description="What breaks if a service goes down: its transitive dependents, by owner, with who is on call.")
class BlastRadius:
    row: strawberry.Private[impact.BlastRadius]

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
        return as_time(self.row.at)

    @strawberry.field(description="How many distinct services depend on it within `depth` (resources passed through are not counted).")
    def total_services(self) -> int:
        return self.row.total_services

    @strawberry.field(description="How many owners have affected services.")
    def total_teams(self) -> int:
        return len(self.row.teams)

    @strawberry.field(
        description="Owners of affected services, nearest impact first, then most services. A service with several owners is under each."
    )
    def teams(self) -> list[ImpactedTeam]:
        return [ImpactedTeam.of(t) for t in self.row.teams]

    @strawberry.field(description="Affected services that have no owner.")
    def unowned(self) -> UnownedImpact:
        return UnownedImpact(row=self.row.unowned)

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


@strawberry.type(description="Adoption for one team, domain or org unit, or for the services outside any (key null).")
class AdoptionGroup(AdoptionCounts):
    key: str | None = strawberry.field(description="Key of the team, domain or org unit; null for the services outside any.")
    name: str = strawberry.field(description="Its name, or e.g. `(no owner team)`.")

    @classmethod
    def of_group(cls, row: answers.AdoptionGroup) -> AdoptionGroup:
        return cls(**_counts(row), key=row.key, name=row.name)


async def _team(info: Info, key: str | None) -> Team | None:
    if key is None:
        return None
    row = await info.context.loaders.node("Team").load(key)
    return None if row is None else Team(row=row)


async def _platform(info: Info, key: str) -> Platform | None:
    row = await info.context.loaders.node("Platform").load(key)
    return None if row is None else Platform(row=row)


@strawberry.type(description="How many of a team's services run on a platform.")
class PlatformUse:
    row: strawberry.Private[answers.PlatformUse]

    @strawberry.field(description="The owner team's key; null for services without an owner team.")
    def team_key(self) -> str | None:
        return self.row.team.key

    @strawberry.field(description="The owner team's name, or `(no owner team)`.")
    def team_name(self) -> str:
        return self.row.team.name

    @strawberry.field(description="The owner team.")
    async def team(self, info: Info) -> Team | None:
        return await _team(info, self.row.team.key)

    @strawberry.field(description="How many of its services run on the platform.")
    def services(self) -> int:
        return self.row.services


@strawberry.type(description="A platform other than the standard one that current services run on.")
class OtherPlatform:
    row: strawberry.Private[answers.OtherPlatform]

    @strawberry.field(description="The platform's catalog key.")
    def key(self) -> str:
        return self.row.platform.key

    @strawberry.field(description="The platform's name.")
    def name(self) -> str:
        return self.row.platform.name

    @strawberry.field(description="The platform.")
    async def platform(self, info: Info) -> Platform | None:
        return await _platform(info, self.row.platform.key)

    @strawberry.field(description="Keys of the teams that own it.")
    def owner_keys(self) -> list[str]:
        return [t.key for t in self.row.owners if t.key is not None]

    @strawberry.field(description="The teams that own it.")
    async def owners(self, info: Info) -> list[Team]:
        return [team for t in self.row.owners if (team := await _team(info, t.key)) is not None]

    @strawberry.field(description="How many current services run on it.")
    def services(self) -> int:
        return self.row.services

    @strawberry.field(description="Whose services run on it, by owner team, most services first.")
    def used_by(self) -> list[PlatformUse]:
        return [PlatformUse(row=u) for u in self.row.used_by]


@strawberry.type(
    description="A team running a platform of its own: it owns a non-standard platform that services run on, or its services run on one."
)
class TeamOwnPlatform:
    row: strawberry.Private[answers.TeamPlatform]

    @strawberry.field(description="The team's key.")
    def team_key(self) -> str:
        return self.row.team.key or ""

    @strawberry.field(description="The team's name.")
    def team_name(self) -> str:
        return self.row.team.name

    @strawberry.field(description="The team.")
    async def team(self, info: Info) -> Team | None:
        return await _team(info, self.row.team.key)

    @strawberry.field(description="The platform's key.")
    def platform_key(self) -> str:
        return self.row.platform.key

    @strawberry.field(description="The platform's name.")
    def platform_name(self) -> str:
        return self.row.platform.name

    @strawberry.field(description="The platform.")
    async def platform(self, info: Info) -> Platform | None:
        return await _platform(info, self.row.platform.key)

    @strawberry.field(description="True when the team owns the platform; false when it only runs services on it.")
    def owns(self) -> bool:
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
    def groups(self) -> list[AdoptionGroup]:
        return [AdoptionGroup.of_group(g) for g in self.row.groups]

    @strawberry.field(description="The platforms that count as standard; when empty, every service with a platform counts as other.")
    async def standard_platforms(self, info: Info) -> list[Platform]:
        return [p for ref in self.row.standard_platforms if (p := await _platform(info, ref.key)) is not None]

    @strawberry.field(description="Non-standard platforms that services run on, most services first.")
    def other_platforms(self) -> list[OtherPlatform]:
        return [OtherPlatform(row=p) for p in self.row.other_platforms]

    @strawberry.field(description="Teams that run platforms of their own, by team.")
    def teams_with_own_platforms(self) -> list[TeamOwnPlatform]:
        return [TeamOwnPlatform(row=t) for t in self.row.teams_with_own_platforms]


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

"""Who owns it: the answer to ``whoOwns``, and the candidates any answer offers for an identifier.

``Candidate`` and ``candidates`` serve every answer whose service argument goes through
``catalog.answers.identify``: reuse them rather than declaring another candidate type.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime

import strawberry

from catalog.answers import identify as ident
from catalog.answers import ownership as answers
from catalog.api.context import Info
from catalog.api.entity import Link, as_time
from catalog.api.platforms.types import Platform, Repository
from catalog.api.services.types import Service
from catalog.api.teams.types import Owner, Person, Team


async def _service(info: Info, key: str) -> Service | None:
    row = await info.context.loaders.node("Service").load(key)
    return None if row is None else Service(row=row)


async def _owner(info: Info, ref: answers.OwnerRef) -> Team | Person | None:
    row = await info.context.loaders.node(ref.label).load(ref.key)
    if row is None:
        return None
    return Team(row=row) if row.label == "Team" else Person(row=row)


@strawberry.type(description="A service an identifier may mean: one of several it names, or one of the nearest when it names none.")
class Candidate:
    row: strawberry.Private[ident.Candidate]

    @strawberry.field(description="The service's key, e.g. `component:default/checkout`; pass it back to name exactly this service.")
    def ref(self) -> str:
        return self.row.key

    @strawberry.field(description="The service's name.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Why it is a candidate: the identifier it shares, or how close its name is.")
    def why(self) -> str:
        return self.row.why

    @strawberry.field(description="Strength of the link the identifier followed (declared, configured, inferred); null for names.")
    def strength(self) -> str | None:
        return self.row.strength

    @strawberry.field(description="The service itself.")
    async def service(self, info: Info) -> Service | None:
        return await _service(info, self.row.key)


def candidates(rows: list[ident.Candidate]) -> list[Candidate]:
    return [Candidate(row=row) for row in rows]


@strawberry.type(description="The owner the catalog answers with, and why: the source that comes first in ownership precedence.")
class ResolvedOwner:
    row: strawberry.Private[answers.ResolvedOwner]

    @strawberry.field(description="The owning team or person; null if it was retired since.")
    async def owner(self, info: Info) -> Owner | None:
        return await _owner(info, self.row.owner)

    @strawberry.field(description="The owner's key, e.g. `group:default/payments-team`.")
    def owner_ref(self) -> str:
        return self.row.owner.key

    @strawberry.field(description="The owner's display name.")
    def owner_name(self) -> str:
        return self.row.owner.name

    @strawberry.field(description="Why this owner won, e.g. `backstage comes first in ownership.precedence`.")
    def rule(self) -> str | None:
        return self.row.rule

    @strawberry.field(description="Sources whose evidence names this owner.")
    def sources(self) -> list[str]:
        return list(self.row.sources)

    @strawberry.field(description="The strongest evidence for it: declared, configured or inferred.")
    def strength(self) -> str | None:
        return self.row.strength

    @strawberry.field(description="Since when the catalog has answered with this owner.")
    def since(self) -> datetime | None:
        return as_time(self.row.since)


@strawberry.type(description="One source's claim of ownership, with how strong its evidence is.")
class OwnerEvidence:
    row: strawberry.Private[answers.OwnerClaim]

    @strawberry.field(description="The team or person the source names; null if it was retired since.")
    async def owner(self, info: Info) -> Owner | None:
        return await _owner(info, self.row.owner)

    @strawberry.field(description="The owner's key.")
    def owner_ref(self) -> str:
        return self.row.owner.key

    @strawberry.field(description="The owner's display name.")
    def owner_name(self) -> str:
        return self.row.owner.name

    @strawberry.field(description="The importer that claims it, e.g. `backstage`, `github`, `kubernetes`.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source: a descriptor root, an org, a cluster.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="The field or rule that establishes it, e.g. `spec.owner` or a CODEOWNERS line.")
    def evidence(self) -> str | None:
        return self.row.evidence

    @strawberry.field(description="How strong the evidence is: declared, configured, derived or inferred.")
    def strength(self) -> str | None:
        return self.row.strength

    @strawberry.field(description="Where in the source it is stated.")
    def origin(self) -> str | None:
        return self.row.origin

    @strawberry.field(description="Since when the catalog has seen the claim.")
    def since(self) -> datetime | None:
        return as_time(self.row.first_seen)

    @strawberry.field(description="When an import last confirmed it.")
    def last_seen(self) -> datetime | None:
        return as_time(self.row.last_seen)


@strawberry.type(description="How to reach an owner: a team's chat channel, email and a few members; a person's email.")
class OwnerContact:
    row: strawberry.Private[answers.Contact]

    @strawberry.field(description="The team or person to reach; null if it was retired since.")
    async def owner(self, info: Info) -> Owner | None:
        return await _owner(info, self.row.owner)

    @strawberry.field(description="The owner's key.")
    def owner_ref(self) -> str:
        return self.row.owner.key

    @strawberry.field(description="The owner's display name.")
    def owner_name(self) -> str:
        return self.row.owner.name

    @strawberry.field(description="The team's chat channel, e.g. `#payments-oncall`.")
    def chat_channel(self) -> str | None:
        return self.row.chat_channel

    @strawberry.field(description="The team's (or person's) email address.")
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field(description="A few of the team's members, by name; `moreMembers` counts the rest.")
    async def members(self, info: Info) -> list[Person]:
        rows = await info.context.loaders.node("Person").load_many([m.key for m in self.row.members])
        return [Person(row=row) for row in rows if row is not None]

    @strawberry.field(description="Members not listed in `members`.")
    def more_members(self) -> int:
        return self.row.more_members


@strawberry.type(description="One source's evidence that the service (or workload) runs on a platform.")
class RunsOn:
    row: strawberry.Private[answers.PlatformUse]

    @strawberry.field(description="The platform; null if it was retired since.")
    async def platform(self, info: Info) -> Platform | None:
        row = await info.context.loaders.node("Platform").load(self.row.key)
        return None if row is None else Platform(row=row)

    @strawberry.field(description="The platform's key, e.g. `platform:default/k8s-standard`.")
    def platform_ref(self) -> str:
        return self.row.key

    @strawberry.field(description="The platform's name.")
    def platform_name(self) -> str:
        return self.row.name

    @strawberry.field(description="True when it is the company's standard platform.")
    def standard(self) -> bool | None:
        return self.row.standard

    @strawberry.field(description="The proof, e.g. an annotation or `cluster prod-eu namespace payments Deployment/checkout`.")
    def evidence(self) -> str | None:
        return self.row.evidence

    @strawberry.field(description="The importer that saw it.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source, e.g. `kubernetes:prod-eu`.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="When an import last confirmed it.")
    def last_seen(self) -> datetime | None:
        return as_time(self.row.last_seen)


@strawberry.type(description="A Kubernetes workload, named by the identifier, that runs no catalog service.")
class WorkloadRef:
    ref: str = strawberry.field(description="Its key, `workload:<cluster>/<namespace>/<kind>/<name>`.")
    name: str = strawberry.field(description="`<namespace>/<name>`.")
    description: str = strawberry.field(description="Its kind and cluster, e.g. `Deployment in cluster prod-eu`.")


def _link(row: answers.LinkInfo) -> Link:
    return Link(url=row.url, title=row.title, icon=row.icon, type=row.type)


@strawberry.type(
    description="A service the identifier names, with its owners, how sure the catalog is of them, whom to contact, links and "
    "platforms. When the identifier names a repository or workload that runs no catalog service, that is the subject instead."
)
class OwnedService:
    row: strawberry.Private[answers.OwnedService]

    @strawberry.field(description="What the subject is: `Service`, or `Repository` or `Workload` when no catalog service runs from it.")
    def subject(self) -> str:
        return self.row.label

    @strawberry.field(description="The subject's key, e.g. `component:default/checkout`.")
    def ref(self) -> str:
        return self.row.key

    @strawberry.field(description="The subject's name.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="How the identifier led here, e.g. `alias shop (annotation ownership-catalog.io/aliases)`.")
    def why(self) -> str:
        return self.row.why

    @strawberry.field(description="Strength of the link the identifier followed (declared, configured, inferred); null for names.")
    def strength(self) -> str | None:
        return self.row.strength

    @strawberry.field(description="The service; null when the subject is a repository or workload.")
    async def service(self, info: Info) -> Service | None:
        return await _service(info, self.row.key) if self.row.label == "Service" else None

    @strawberry.field(description="The repository, when the subject is one that no catalog service is built from.")
    async def repository(self, info: Info) -> Repository | None:
        if self.row.label != "Repository":
            return None
        row = await info.context.loaders.node("Repository").load(self.row.key)
        return None if row is None else Repository(row=row)

    @strawberry.field(description="The workload, when the subject is one that runs no catalog service.")
    def workload(self) -> WorkloadRef | None:
        if self.row.label != "Workload":
            return None
        return WorkloadRef(ref=self.row.key, name=self.row.name, description=self.row.why)

    @strawberry.field(description="The owners the catalog answers with (resolved across sources by ownership precedence).")
    def resolved_owners(self) -> list[ResolvedOwner]:
        return [ResolvedOwner(row=row) for row in self.row.resolved_owners]

    @strawberry.field(description="Every source's ownership claim, strongest first, so the strength of each is visible.")
    def owner_evidence(self) -> list[OwnerEvidence]:
        return [OwnerEvidence(row=row) for row in self.row.owner_evidence]

    @strawberry.field(description="How to reach the owners (the resolved ones, or every claimed one before reconciliation).")
    def contacts(self) -> list[OwnerContact]:
        return [OwnerContact(row=row) for row in self.row.contacts]

    @strawberry.field(description="Links: the descriptor's (runbooks, dashboards, docs), the repository, PagerDuty.")
    def links(self) -> list[Link]:
        return [_link(row) for row in self.row.links]

    @strawberry.field(description="The links whose type or title says runbook.")
    def runbooks(self) -> list[Link]:
        return [_link(row) for row in self.row.runbooks]

    @strawberry.field(description="Platforms it runs on, one entry per source that says so.")
    def platforms(self) -> list[RunsOn]:
        return [RunsOn(row=row) for row in self.row.platforms]

    @strawberry.field(description="PagerDuty service ids that page for it.")
    def pagerduty_services(self) -> list[str]:
        return list(self.row.pagerduty_services)

    @strawberry.field(description="For a repository: the owners of its CODEOWNERS catch-all rule, as written.")
    def default_owners(self) -> list[str]:
        return list(self.row.default_owners)


@strawberry.type(description="Who owns what an identifier names, how sure the catalog is, and how to reach them.")
class WhoOwnsAnswer:
    row: strawberry.Private[answers.WhoOwns]

    @strawberry.field(description="The identifier as asked.")
    def query(self) -> str:
        return self.row.query

    @strawberry.field(description="What the identifier was read as, e.g. `alias`, `pod of Deployment payments/checkout`.")
    def interpreted_as(self) -> str:
        return self.row.interpreted_as

    @strawberry.field(
        description="The reading, for programs: `service`, `alias`, `opslevel`, `cortex`, `repository`, `workload`, `pod`, "
        "`pagerduty-service`, `hostname` (`identifier` when stated under several of those), or `none` when nothing matches."
    )
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="One line for people: what it named, that several services share it, or what comes closest.")
    def message(self) -> str:
        return self.row.message

    @strawberry.field(description="The services it names (several when shared, e.g. an alias), or the repository or workload it names.")
    def matches(self) -> list[OwnedService]:
        return [OwnedService(row=row) for row in self.row.matches]

    @strawberry.field(description="When nothing matches: the services whose names come closest.")
    def nearest(self) -> list[Candidate]:
        return candidates(self.row.nearest)

    @strawberry.field(description="Services it also names beyond the ones listed in `matches`.")
    def more_matches(self) -> int:
        return self.row.more

"""Who owns it: the answer to ``whoOwns``.

Its ownership types are the API's one vocabulary (``catalog.api.owners``), and its identification
the one contract (``catalog.api.identification``).
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime

import strawberry

from catalog.answers import identify as ident
from catalog.answers import ownership as answers
from catalog.api.context import Info
from catalog.api.entity import Link, as_time
from catalog.api.identification import Identification, IdentificationRow, IdentificationStatus, identification_of, service_object
from catalog.api.node import Node, NodeKind, present
from catalog.api.owners import (
    Contact,
    EvidenceStrength,
    OwnershipClaim,
    ResolvedOwnership,
    claim_of_answer,
    contact_of_answer,
    contacts,
    resolution_of_answer,
    strength_of,
)
from catalog.api.ownership.derivation import FileOwnership, OwnershipDerivation, derivation_of, file_of
from catalog.api.platforms.types import Platform, Repository, Workload, platform_object
from catalog.api.scalars import URI
from catalog.api.services.types import Service


@strawberry.type(description="One source's evidence that the service (or workload) runs on a platform.")
class RunsOn:
    row: strawberry.Private[answers.PlatformUse]

    @strawberry.field(description="The platform (marked `isRetired` if it was retired since).")
    async def platform(self, info: Info) -> Platform:
        return await platform_object(info, self.row.key, self.row.name)

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
    def last_seen_at(self) -> datetime | None:
        return as_time(self.row.last_seen)


def _link(row: answers.LinkInfo) -> Link:
    return Link(url=URI(row.url), title=row.title, icon=row.icon, type=row.type)


@strawberry.type(
    description="What the identifier names, with its owners, every source's claims, whom to contact, links and platforms: a "
    "service, or a repository or workload that runs no catalog service."
)
class OwnedSubject:
    row: strawberry.Private[answers.OwnedService]

    @strawberry.field(
        description="What the subject is: SERVICE; REPOSITORY or WORKLOAD when no catalog service runs from it; SYSTEM, DOMAIN, API, "
        "RESOURCE, TEAM or PLATFORM when the identifier names one; REPOSITORY for a file of it."
    )
    def kind(self) -> NodeKind:
        return NodeKind(self.row.label)

    @strawberry.field(description="The subject's name.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="How the identifier led here, e.g. `alias shop (annotation ownership-catalog.io/aliases)`.")
    def why(self) -> str:
        return self.row.why

    @strawberry.field(description="Strength of the link the identifier followed; null for a name or key.")
    def strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)

    @strawberry.field(description="The service, when the subject is one.")
    async def service(self, info: Info) -> Service | None:
        return await service_object(info, self.row.key, self.row.name) if self.row.label == "Service" else None

    @strawberry.field(description="The repository, when the subject is one that no catalog service is built from.")
    async def repository(self, info: Info) -> Repository | None:
        if self.row.label != "Repository":
            return None
        row = await info.context.loaders.node_with_retired("Repository").load(self.row.key)
        return None if row is None else Repository(row=row)

    @strawberry.field(description="The workload, when the subject is one that runs no catalog service.")
    async def workload(self, info: Info) -> Workload | None:
        if self.row.label != "Workload":
            return None
        row = await info.context.loaders.node_with_retired("Workload").load(self.row.key)
        return None if row is None else Workload(row=row)

    @strawberry.field(description="The subject as a catalog object, of whatever kind it is (a file: its repository).")
    async def node(self, info: Info) -> Node | None:
        row = await info.context.loaders.node_with_retired(self.row.label).load(self.row.key)
        return None if row is None else present(row)

    @strawberry.field(
        description="How its owners were found: its own, inherited (e.g. a component with no owner of its own takes its "
        "system's), through CODEOWNERS or the services built from a repository, or a team's parent team and leads."
    )
    def derivation(self) -> OwnershipDerivation | None:
        return derivation_of(self.row)

    @strawberry.field(description="For a file of a repository: the CODEOWNERS rule that decides its owners, and the repository's services.")
    def file(self) -> FileOwnership | None:
        return file_of(self.row)

    @strawberry.field(
        description="The owners the catalog answers with: resolved across sources by ownership precedence, or as `derivation` "
        "says when it has none of its own (inherited, a file's CODEOWNERS rule, a team's parent team and leads)."
    )
    def owners(self) -> list[ResolvedOwnership]:
        return [ResolvedOwnership(row=resolution_of_answer(row)) for row in self.row.resolved_owners]

    @strawberry.field(description="Every source's claim of ownership, strongest first, so the strength of each is visible.")
    def ownership_claims(self) -> list[OwnershipClaim]:
        return [OwnershipClaim(row=claim_of_answer(row)) for row in self.row.owner_evidence]

    @strawberry.field(description="How to reach the owners (the resolved ones, or every claimed one before owners are reconciled).")
    def contacts(self) -> list[Contact]:
        return contacts([contact_of_answer(row) for row in self.row.contacts])

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


def _identification(row: answers.WhoOwns) -> Identification:
    entities = [m for m in row.matches if m.label not in ("Service", "Repository", "Workload")]
    if len(entities) > 1 and len(entities) == len(row.matches):
        # Several entities of other kinds share the name: ask again with a key (`system:payments`); each is a subject.
        ambiguous = IdentificationRow(row.query, IdentificationStatus.AMBIGUOUS, row.message, row.interpreted_as, row.kind)
        return Identification(row=ambiguous)
    services = [m for m in row.matches if m.label == "Service"]
    found = ident.Identification(
        query=row.query,
        matches=[ident.Candidate(m.key, m.name, m.why, m.label, m.strength) for m in services],
        nearest=list(row.nearest),
        interpreted_as=row.interpreted_as,
        kind=row.kind,
        others=[ident.Candidate(m.key, m.name, m.why, m.label, m.strength) for m in row.matches if m.label != "Service"],
        more=row.more,
    )
    return identification_of(found, message=row.message)


@strawberry.type(description="Who owns what an identifier names, how sure the catalog is, and how to reach them.")
class WhoOwnsAnswer:
    row: strawberry.Private[answers.WhoOwns]

    @strawberry.field(description="What the identifier named, or the candidates when it named several services or none.")
    def identification(self) -> Identification:
        return _identification(self.row)

    @strawberry.field(
        description="What the identifier names, with its owners: one service, several when AMBIGUOUS (e.g. a shared alias), "
        "or the repository or workload it names; empty when NOT_FOUND."
    )
    def subjects(self) -> list[OwnedSubject]:
        return [OwnedSubject(row=row) for row in self.row.matches]

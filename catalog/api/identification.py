"""The one identification contract: how every answer that starts from an identifier says what it
found (``whoOwns``, ``onCall``, ``ownerAt``, ``changes``, ``blastRadius``).

An answer's ``identification`` tells a client whether to read the rest of the answer
(``RESOLVED``, ``RETIRED``) or to ask again with one of the ``matches`` (``AMBIGUOUS``) or
``nearest`` (``NOT_FOUND``). The rules of reading an identifier are ``catalog.answers.identify``'s.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

import strawberry

from catalog.answers import identify as ident
from catalog.api.context import Info
from catalog.api.owners import EvidenceStrength, strength_of
from catalog.api.services.types import Service
from catalog.read import GraphNode, Provenance


@strawberry.enum(description="What an identifier turned out to name.")
class IdentificationStatus(Enum):
    RESOLVED = strawberry.enum_value("resolved", description="One current service (or a repository or workload): the answer is about it.")
    AMBIGUOUS = strawberry.enum_value(
        "ambiguous", description="Several services share the identifier: ask again with one of `matches` (its `service.ref`)."
    )
    NOT_FOUND = strawberry.enum_value("not_found", description="Nothing matches: `nearest` lists the closest services.")
    RETIRED = strawberry.enum_value("retired", description="One service that no source states any more: its history still answers.")


@strawberry.enum(description="How an identifier was read.")
class IdentifierKind(Enum):
    SERVICE = strawberry.enum_value("service", description="A service name or key.")
    ALIAS = strawberry.enum_value("alias", description="An alias a source states.")
    OPSLEVEL = strawberry.enum_value("opslevel", description="An OpsLevel service name or alias.")
    CORTEX = strawberry.enum_value("cortex", description="A Cortex tag.")
    REPOSITORY = strawberry.enum_value("repository", description="A repository: URL, `git@` address or `org/repo`.")
    WORKLOAD = strawberry.enum_value("workload", description="A Kubernetes workload, `namespace/name`.")
    POD = strawberry.enum_value("pod", description="A pod name with its generated suffix.")
    PAGERDUTY_SERVICE = strawberry.enum_value("pagerduty-service", description="A PagerDuty service id or URL.")
    HOSTNAME = strawberry.enum_value("hostname", description="A hostname or URL.")
    SYSTEM = strawberry.enum_value("system", description="A system's name or `system:` key.")
    DOMAIN = strawberry.enum_value("domain", description="A domain's name or `domain:` key.")
    API = strawberry.enum_value("api", description="An API's name or `api:` key.")
    RESOURCE = strawberry.enum_value("resource", description="A resource's name or `resource:` key.")
    TEAM = strawberry.enum_value("team", description="A team's name or `group:` (or `team:`) key.")
    PLATFORM = strawberry.enum_value("platform", description="A platform's name or `platform:` key.")
    FILE = strawberry.enum_value("file", description="A file of a repository: a blob URL, `org/repo/path` or `org/repo/path:line`.")
    IDENTIFIER = strawberry.enum_value("identifier", description="A value sources state under several of these schemes.")
    NONE = strawberry.enum_value("none", description="Nothing matched.")


def identifier_kind(text: str) -> IdentifierKind:
    try:
        return IdentifierKind(text)
    except ValueError:
        return IdentifierKind.NONE


@dataclass(frozen=True)
class IdentificationRow:
    query: str
    status: IdentificationStatus
    message: str
    interpreted_as: str = ""
    kind: str = "none"
    service_key: str | None = None
    matches: Sequence[ident.Candidate] = field(default_factory=tuple)
    nearest: Sequence[ident.Candidate] = field(default_factory=tuple)
    more: int = 0


def identification_of(
    found: ident.Identification, *, service_key: str | None = None, retired: bool = False, message: str | None = None
) -> Identification:
    """The contract for one identify result; ``service_key``: the service the answer is about."""
    if retired:
        status = IdentificationStatus.RETIRED
    elif len(found.matches) > 1:
        status = IdentificationStatus.AMBIGUOUS
    elif found.matches or found.others or service_key is not None:
        status = IdentificationStatus.RESOLVED
    else:
        status = IdentificationStatus.NOT_FOUND
    if service_key is None and found.unique is not None:
        service_key = found.unique.key
    row = IdentificationRow(
        query=found.query,
        status=status,
        message=found.message if message is None else message,
        interpreted_as=found.interpreted_as,
        kind=found.kind,
        service_key=service_key if status in (IdentificationStatus.RESOLVED, IdentificationStatus.RETIRED) else None,
        matches=tuple(found.matches),
        nearest=tuple(found.nearest),
        more=found.more,
    )
    return Identification(row=row)


async def service_object(info: Info, key: str, name: str | None = None) -> Service:
    """The service with this key, current or retired (marked so); nodes are never deleted, so the stub
    only serves one a concurrent write hid."""
    row = await info.context.loaders.node_with_retired("Service").load(key)
    return Service(row=row or service_stub(key, name))


def service_stub(key: str, name: str | None = None) -> GraphNode:
    """A service node that could not be read (see ``service_object``): its key and name only."""
    return GraphNode("Service", key, MappingProxyType({"name": name or key}), Provenance(None, None, None, None, None))


@strawberry.type(description="A service an identifier may mean: one of several it names, or one of the nearest when it names none.")
class Candidate:
    row: strawberry.Private[ident.Candidate]

    @strawberry.field(description="The service; pass its `ref` back to name exactly this one.")
    async def service(self, info: Info) -> Service:
        return await service_object(info, self.row.key, self.row.name)

    @strawberry.field(description="Why it is a candidate: the identifier it shares, or how close its name is.")
    def why(self) -> str:
        return self.row.why

    @strawberry.field(description="Strength of the link the identifier followed; null for a name or key.")
    def strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)


@strawberry.type(description="How an identifier was read: what it names, that several services share it, or what comes closest.")
class Identification:
    row: strawberry.Private[IdentificationRow]

    @strawberry.field(description="The identifier as asked.")
    def query(self) -> str:
        return self.row.query

    @strawberry.field(description="What it turned out to name; read the rest of the answer only when RESOLVED or RETIRED.")
    def status(self) -> IdentificationStatus:
        return self.row.status

    @strawberry.field(description="One line for people: what it named, that several services share it, or what comes closest.")
    def message(self) -> str:
        return self.row.message

    @strawberry.field(description="What the identifier was read as, e.g. `alias`, `pod of Deployment payments/checkout`.")
    def interpreted_as(self) -> str:
        return self.row.interpreted_as

    @strawberry.field(description="The reading, for programs.")
    def kind(self) -> IdentifierKind:
        return identifier_kind(self.row.kind)

    @strawberry.field(description="The service the answer is about when RESOLVED to one service or RETIRED; null otherwise.")
    async def service(self, info: Info) -> Service | None:
        return None if self.row.service_key is None else await service_object(info, self.row.service_key)

    @strawberry.field(description="The services the identifier names: several when AMBIGUOUS.")
    def matches(self) -> list[Candidate]:
        return [Candidate(row=row) for row in self.row.matches]

    @strawberry.field(description="Services it also names beyond those in `matches`.")
    def more_matches(self) -> int:
        return self.row.more

    @strawberry.field(description="When NOT_FOUND: the services whose names come closest.")
    def nearest(self) -> list[Candidate]:
        return [Candidate(row=row) for row in self.row.nearest]

"""The API's one ownership vocabulary.

- ``owners`` always means the **resolved** owners: the ones the catalog answers with, chosen across
  sources by ownership precedence (``ResolvedOwnership``).
- ``ownershipClaims`` are what each source says (``OwnershipClaim``), resolved or not.
- ``Contact`` is how to reach an owner.

Each type has one shape wherever it appears (an entity's fields, ``whoOwns``, ``ownerAt``), so the
rows of the different answers are turned into the same private rows here first.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import TypeVar

import strawberry

from catalog.answers import oncall as oc
from catalog.answers import ownership as answers
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.loaders import done
from catalog.api.node import Node
from catalog.api.teams.types import Owner, Person, Team
from catalog.read import GraphNode, Ownership, Provenance, Resolution

MEMBERS_PER_CONTACT = answers.MEMBERS_PER_TEAM
R = TypeVar("R")
W = TypeVar("W")


@strawberry.enum(description="How strong the evidence for a link is, strongest first.")
class EvidenceStrength(Enum):
    DECLARED = strawberry.enum_value("declared", description="Stated by the source itself, e.g. `spec.owner` or an id annotation.")
    CONFIGURED = strawberry.enum_value("configured", description="Stated in the catalog's own configuration (`catalog.yaml`).")
    DERIVED = strawberry.enum_value("derived", description="Derived from other facts, e.g. a CODEOWNERS rule of the repository.")
    INFERRED = strawberry.enum_value("inferred", description="Guessed from a name or alias match: the weakest evidence.")


def strength_of(text: str | None) -> EvidenceStrength | None:
    """The enum value of a stored strength; None when unset or not one the API knows."""
    try:
        return None if text is None else EvidenceStrength(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class OwnerKey:
    """Which team or person: enough to show it even when the node cannot be read."""

    label: str
    key: str
    name: str
    node: GraphNode | None = None


def _stub(ref: OwnerKey) -> GraphNode:
    # Nodes are retired, never deleted, so this only serves an owner whose node a concurrent write hid.
    return GraphNode(ref.label, ref.key, MappingProxyType({"name": ref.name}), Provenance(None, None, None, None, None))


async def owner_object(info: Info, ref: OwnerKey) -> Team | Person:
    """The owner as an object, retired or not (a retired one says so in ``isRetired``)."""
    row = ref.node or await info.context.loaders.node_with_retired(ref.label).load(ref.key) or _stub(ref)
    return Team(row=row) if row.label == "Team" else Person(row=row)


def owner_at_once(info: Info, ref: OwnerKey) -> Team | Person | Awaitable[Team | Person]:
    """``owner_object``, returned at once when the read already holds the owner's node (a claim or resolution
    from the reader does): an awaitable costs graphql-core a task per item of a list, and a team's page of
    services lists hundreds of claims. Fields that use it declare ``graphql_type=Owner``."""
    if ref.node is not None:
        return Team(row=ref.node) if ref.node.label == "Team" else Person(row=ref.node)
    return owner_object(info, ref)


async def person_object(info: Info, key: str, name: str | None = None) -> Person:
    """The person with this key, current or retired (marked so)."""
    row = await info.context.loaders.node_with_retired("Person").load(key) or _stub(OwnerKey("Person", key, name or key))
    return Person(row=row)


@dataclass(frozen=True)
class ClaimRow:
    owner: OwnerKey
    source: str | None
    source_instance: str | None
    evidence: str | None
    strength: str | None
    origin: str | None
    started_at: str | None
    last_seen_at: str | None
    ended_at: str | None = None


@dataclass(frozen=True)
class ResolutionRow:
    owner: OwnerKey
    rule: str | None
    sources: tuple[str, ...]
    strength: str | None
    started_at: str | None
    ended_at: str | None = None


def _node_key(node: GraphNode) -> OwnerKey:
    return OwnerKey(node.label, node.id, node.text("name") or node.id, node)


def claim_of_ownership(row: Ownership) -> ClaimRow:
    return ClaimRow(
        _node_key(row.owner), row.source, row.source_instance, row.evidence, row.strength, row.origin, row.first_seen, row.last_seen
    )


def claim_of_answer(row: answers.OwnerClaim) -> ClaimRow:
    owner = OwnerKey(row.owner.label, row.owner.key, row.owner.name)
    return ClaimRow(owner, row.source, row.source_instance, row.evidence, row.strength, row.origin, row.first_seen, row.last_seen)


def claim_of_edge(row: oc.OwnerEdge) -> ClaimRow:
    owner = OwnerKey(row.owner.kind, row.owner.key, row.owner.name)
    interval = row.interval
    return ClaimRow(owner, row.source, row.source_instance, row.why, row.strength, None, interval.first_seen, None, interval.retired_at)


def resolution_of_read(row: Resolution) -> ResolutionRow:
    return ResolutionRow(_node_key(row.owner), row.rule, row.sources, row.strength, row.first_seen)


def resolution_of_answer(row: answers.ResolvedOwner) -> ResolutionRow:
    return ResolutionRow(OwnerKey(row.owner.label, row.owner.key, row.owner.name), row.rule, row.sources, row.strength, row.since)


def resolution_of_edge(row: oc.OwnerEdge) -> ResolutionRow:
    owner = OwnerKey(row.owner.kind, row.owner.key, row.owner.name)
    return ResolutionRow(owner, row.why, row.sources, row.strength, row.interval.first_seen, row.interval.retired_at)


@strawberry.type(description="One source's claim that a team or person owns an entity: its evidence, its strength and its interval.")
class OwnershipClaim:
    row: strawberry.Private[ClaimRow]

    @strawberry.field(description="The team or person the source names (marked `isRetired` if it was retired since).", graphql_type=Owner)
    def owner(self, info: Info) -> Team | Person | Awaitable[Team | Person]:
        return owner_at_once(info, self.row.owner)

    @strawberry.field(description="The importer that claims it, e.g. `backstage`, `github`, `kubernetes`.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source: a descriptor root, an org, a cluster.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="The field or rule that establishes it, e.g. `spec.owner` or a CODEOWNERS line.")
    def evidence(self) -> str | None:
        return self.row.evidence

    @strawberry.field(description="How strong the evidence is.")
    def strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)

    @strawberry.field(description="Where in the source it is stated: a file and document, or an API record.")
    def origin(self) -> str | None:
        return self.row.origin

    @strawberry.field(description="When the catalog first saw the claim.")
    def started_at(self) -> datetime | None:
        return as_time(self.row.started_at)

    @strawberry.field(description="When an import last confirmed it; null in history answers.")
    def last_seen_at(self) -> datetime | None:
        return as_time(self.row.last_seen_at)

    @strawberry.field(description="When the source stopped claiming it; null while the claim holds.")
    def ended_at(self) -> datetime | None:
        return as_time(self.row.ended_at)


@strawberry.type(
    description="A resolved owner: the team or person the catalog answers with, chosen across the sources' claims by ownership "
    "precedence, with the rule that chose it and its interval."
)
class ResolvedOwnership:
    row: strawberry.Private[ResolutionRow]

    @strawberry.field(description="The owning team or person (marked `isRetired` if it was retired since).", graphql_type=Owner)
    def owner(self, info: Info) -> Team | Person | Awaitable[Team | Person]:
        return owner_at_once(info, self.row.owner)

    @strawberry.field(description="Why this owner was chosen, e.g. `backstage comes first in ownership.precedence`.")
    def rule(self) -> str | None:
        return self.row.rule

    @strawberry.field(description="The sources whose claims name this owner.")
    def sources(self) -> list[str]:
        return list(self.row.sources)

    @strawberry.field(description="The strongest evidence for it.")
    def strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)

    @strawberry.field(description="Since when the catalog has answered with this owner.")
    def started_at(self) -> datetime | None:
        return as_time(self.row.started_at)

    @strawberry.field(description="When the catalog stopped answering with it; null while it holds.")
    def ended_at(self) -> datetime | None:
        return as_time(self.row.ended_at)


@dataclass(frozen=True)
class ContactRow:
    owner: OwnerKey
    email: str | None
    chat_channel: str | None
    members: tuple[str, ...] | None = None
    """Member keys, when the answer listed them; else they are read on demand."""
    more_members: int = 0


def contact_of_answer(row: answers.Contact) -> ContactRow:
    owner = OwnerKey(row.owner.label, row.owner.key, row.owner.name)
    return ContactRow(owner, row.email, row.chat_channel, tuple(m.key for m in row.members), row.more_members)


def contact_of_card(row: oc.Contact) -> ContactRow:
    return ContactRow(OwnerKey(row.kind, row.key, row.name), row.email, row.chat_channel)


def contacts(rows: Sequence[ContactRow]) -> list[Contact]:
    return [Contact(row=row) for row in rows]


@strawberry.type(description="How to reach a team or person: a team's chat channel, email and a few members; a person's email.")
class Contact:
    row: strawberry.Private[ContactRow]

    @strawberry.field(description="The team or person (marked `isRetired` if it was retired since).", graphql_type=Owner)
    def owner(self, info: Info) -> Team | Person | Awaitable[Team | Person]:
        return owner_at_once(info, self.row.owner)

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.row.owner.name

    @strawberry.field(description="Email address.")
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field(description="A team's chat channel, e.g. `#payments-oncall`; null for a person.")
    def chat_channel(self) -> str | None:
        return self.row.chat_channel

    @strawberry.field(description=f"For a team: its first {MEMBERS_PER_CONTACT} members by key; `moreMembers` counts the rest.")
    async def members(self, info: Info) -> list[Person]:
        if self.row.owner.label != "Team":
            return []
        keys = self.row.members
        if keys is None:
            rows = await info.context.loaders.teams.members.load(self.row.owner.key)
            return [Person(row=row) for row in rows[:MEMBERS_PER_CONTACT]]
        found = await info.context.loaders.node("Person").load_many(list(keys))
        return [Person(row=row) for row in found if row is not None]

    @strawberry.field(description="Members not listed in `members`.")
    async def more_members(self, info: Info) -> int:
        if self.row.owner.label != "Team":
            return 0
        if self.row.members is None:
            rows = await info.context.loaders.teams.members.load(self.row.owner.key)
            return max(0, len(rows) - MEMBERS_PER_CONTACT)
        return self.row.more_members


def _resolutions(rows: Sequence[Resolution]) -> list[ResolvedOwnership]:
    return [ResolvedOwnership(row=resolution_of_read(row)) for row in rows]


def _claims(rows: Sequence[Ownership]) -> list[OwnershipClaim]:
    return [OwnershipClaim(row=claim_of_ownership(row)) for row in rows]


async def _later(load: Awaitable[R], wrap: Callable[[R], W]) -> W:
    return wrap(await load)


def resolve_owners(root: Node, info: Info) -> list[ResolvedOwnership] | Awaitable[list[ResolvedOwnership]]:
    """At once when the request's loader already holds them (``loaded``), else through it."""
    loader = info.context.loaders.resolved_owners(root.row.label)
    ready = done(loader, root.row.id)
    return _resolutions(ready.result()) if ready is not None else _later(loader.load(root.row.id), _resolutions)


def resolve_claims(root: Node, info: Info) -> list[OwnershipClaim] | Awaitable[list[OwnershipClaim]]:
    """At once when the request's loader already holds them (a page of services primed it), else through it."""
    loader = info.context.loaders.owners(root.row.label)
    ready = done(loader, root.row.id)
    return _claims(ready.result()) if ready is not None else _later(loader.load(root.row.id), _claims)


def owners_field() -> list[ResolvedOwnership]:
    """The ``owners`` field every ownable type has: the resolved owners."""
    # (``graphql_type``: the resolver may answer at once or later; typed ``StrawberryField`` by the stubs.)
    return strawberry.field(  # type: ignore[return-value]
        resolver=resolve_owners,
        graphql_type=list[ResolvedOwnership],
        description="The owners the catalog answers with, resolved across sources by ownership precedence "
        "(empty until owners are reconciled after a sync; `ownershipClaims` has every source's claim).",
    )


def claims_field() -> list[OwnershipClaim]:
    """The ``ownershipClaims`` field every ownable type has: each source's claims."""
    return strawberry.field(  # type: ignore[return-value]
        resolver=resolve_claims,
        graphql_type=list[OwnershipClaim],
        description="Every source's current claim of ownership, one per owner and source, with its evidence.",
    )

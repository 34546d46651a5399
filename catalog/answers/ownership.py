"""Who owns this? From any identifier to the owning team, how sure the catalog is, and how to reach them.

``who_owns`` resolves the identifier (``catalog.answers.identify``) and, for every service it
names, or the repository or workload when no service runs from it, reads:

- the resolved owner(s) (``ACCOUNTABLE_FOR``: the rule that chose them, the agreeing sources,
  the strongest evidence) and every source's own claim (``OWNS``: source, instance, evidence,
  strength, last seen), so a reader sees how strong each claim is;
- contacts: each owning team's chat channel and email and a few members (a person's email);
- links from the descriptor, runbooks flagged, plus the PagerDuty service(s) that page for it;
- the platforms it runs on (``RUNS_ON``, with the evidence per source).

Every read goes through the reader (``catalog.read.ownership``, ``catalog.read.teams``). On the
Cypher reader the cost is the identification (one to five round trips, one or two more for
nearest candidates), then one batch read per label of the subjects, one each for owners, claims,
platforms and escalations, and one for the members of the owning teams, however many subjects
there are; the snapshot reader answers them from memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from catalog.answers.identify import Candidate, Identification, identify
from catalog.read.nodes import GraphNode, Linked
from catalog.read.reader import CatalogReader

MEMBERS_PER_TEAM = 5
"""Members listed per owning team; the count of the rest is given."""
PAGERDUTY_SERVICE_ANNOTATION = "pagerduty.com/service-id"


@dataclass(frozen=True)
class OwnerRef:
    key: str
    label: str
    """``Team`` or ``Person``."""
    name: str


@dataclass(frozen=True)
class ResolvedOwner:
    """The owner the catalog answers with (``ACCOUNTABLE_FOR``)."""

    owner: OwnerRef
    rule: str | None
    """Why this owner won, e.g. ``backstage comes first in ownership.precedence``."""
    sources: tuple[str, ...]
    """Sources whose evidence names this owner."""
    strength: str | None
    """The strongest evidence for it: declared, configured or inferred."""
    since: str | None


@dataclass(frozen=True)
class OwnerClaim:
    """One source's claim that an owner owns it (``OWNS``)."""

    owner: OwnerRef
    source: str | None
    source_instance: str | None
    evidence: str | None
    strength: str | None
    origin: str | None
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class Member:
    key: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Contact:
    """How to reach one owner: a team's channel, email and a few members, or a person's email."""

    owner: OwnerRef
    chat_channel: str | None
    email: str | None
    members: tuple[Member, ...] = ()
    more_members: int = 0


@dataclass(frozen=True)
class LinkInfo:
    url: str
    title: str | None
    type: str | None
    icon: str | None
    runbook: bool


@dataclass(frozen=True)
class PlatformUse:
    """One source's evidence that it runs on a platform (``RUNS_ON``)."""

    key: str
    name: str
    standard: bool | None
    evidence: str | None
    source: str | None
    source_instance: str | None
    last_seen: str | None


@dataclass
class OwnedService:
    """One service the identifier names (or the repository or workload, when no service runs from it), with its owners."""

    label: str
    """``Service``; ``Repository`` or ``Workload`` when the identifier names one that runs no catalog service."""
    key: str
    name: str
    why: str
    """How the identifier led here."""
    strength: str | None = None
    """Strength of the link the identifier followed (declared, configured, inferred); null for a name."""
    resolved_owners: list[ResolvedOwner] = field(default_factory=list)
    owner_evidence: list[OwnerClaim] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    links: list[LinkInfo] = field(default_factory=list)
    platforms: list[PlatformUse] = field(default_factory=list)
    pagerduty_services: list[str] = field(default_factory=list)
    """PagerDuty service ids that page for it (annotation, identifiers, escalations)."""
    default_owners: list[str] = field(default_factory=list)
    """A repository's CODEOWNERS catch-all owners, as written."""

    @property
    def runbooks(self) -> list[LinkInfo]:
        return [link for link in self.links if link.runbook]

    @property
    def owners(self) -> list[OwnerRef]:
        """The resolved owners, or, before reconciliation has run, every owner a source claims."""
        if self.resolved_owners:
            return [o.owner for o in self.resolved_owners]
        return list({c.owner.key: c.owner for c in self.owner_evidence}.values())


@dataclass
class WhoOwns:
    query: str
    interpreted_as: str
    kind: str
    """The reading, for programs (see ``Identification.kind``)."""
    message: str
    matches: list[OwnedService] = field(default_factory=list)
    nearest: list[Candidate] = field(default_factory=list)
    more: int = 0
    """Services the identifier also names beyond ``catalog.answers.identify.MAX_NAMED``."""

    @property
    def found(self) -> bool:
        return bool(self.matches)


async def who_owns(reader: CatalogReader, identifier: str, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns:
    """Who owns what ``identifier`` names: owners with evidence, contacts, links and platforms per match."""
    found = await identify(reader, identifier)
    return await answer(reader, found, members_per_team=members_per_team)


async def answer(reader: CatalogReader, found: Identification, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns:
    """``who_owns`` for an identification already made."""
    subjects = [*found.matches, *found.others]
    owned = await describe(reader, subjects, members_per_team=members_per_team)
    notes = []
    for o in owned:
        if not o.owner_evidence and not o.resolved_owners:
            notes.append(f"{o.name} has no owner in the catalog")
        elif not o.resolved_owners:
            notes.append(f"{o.name}'s owners are not reconciled yet (run `catalog sync`); every claim is shown")
    message = "; ".join([found.message, *notes])
    return WhoOwns(found.query, found.interpreted_as, found.kind, message, owned, found.nearest, found.more)


async def describe(reader: CatalogReader, subjects: Sequence[Candidate], *, members_per_team: int = MEMBERS_PER_TEAM) -> list[OwnedService]:
    """Owners, claims, contacts, links and platforms of services, repositories or workloads, batched."""
    if not subjects:
        return []
    keys = list(dict.fromkeys(s.key for s in subjects))
    by_label: dict[str, list[str]] = {}
    for s in subjects:
        by_label.setdefault(s.label, []).append(s.key)
    runs = [s.key for s in subjects if s.label in ("Service", "Workload")]
    services = by_label.get("Service", [])

    async def nodes() -> dict[str, GraphNode]:
        found: dict[str, GraphNode] = {}
        for label, ids in sorted(by_label.items()):
            found.update({node.id: node for node in await reader.nodes_by_ids(label, ids) if node is not None})
        return found

    async def by_key(ids: list[str], read: Awaitable[list[list[Linked]]]) -> dict[str, list[Linked]]:
        return dict(zip(ids, await read, strict=True))

    node_of, accountable, claims, platforms, escalations = await asyncio.gather(
        nodes(),
        by_key(keys, reader.accountable_owners(keys)),
        by_key(keys, reader.owner_claims(keys)),
        by_key(runs, reader.platforms_run_on(runs)),
        by_key(services, reader.escalations_of(services)),
    )
    result: list[OwnedService] = []
    for s in subjects:
        node = node_of.get(s.key)
        o = OwnedService(s.label, s.key, s.name, s.why, s.strength)
        o.resolved_owners = [
            ResolvedOwner(_owner(link.node), link.edge.text("rule"), _strings(link.edge.props.get("sources")), link.edge.text("strength"),
                          link.edge.provenance.first_seen)
            for link in accountable.get(s.key, [])
        ]  # fmt: skip
        o.owner_evidence = sorted(
            (_claim(link) for link in claims.get(s.key, [])),
            key=lambda c: (_STRENGTH.get(c.strength or "", 9), c.owner.key, c.source or "", c.source_instance or ""),
        )
        o.platforms = [
            PlatformUse(
                link.node.id,
                link.node.text("name") or link.node.id,
                link.node.flag("standard"),
                link.edge.text("evidence"),
                link.edge.provenance.source,
                link.edge.provenance.source_instance,
                link.edge.provenance.last_seen,
            )
            for link in platforms.get(s.key, [])
        ]
        o.links, o.pagerduty_services = _links(s.label, node, escalations.get(s.key, []))
        if node is not None and s.label == "Repository":
            o.default_owners = list(node.texts("default_owners"))
        result.append(o)
    owner_nodes = {link.node.id: link.node for links in (*accountable.values(), *claims.values()) for link in links}
    await _contacts(reader, result, owner_nodes, members_per_team)
    return result


_STRENGTH = {"declared": 0, "configured": 1, "derived": 1, "inferred": 2}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _owner(node: GraphNode) -> OwnerRef:
    return OwnerRef(node.id, node.label, node.text("display_name") or node.text("title") or node.text("name") or node.id)


def _claim(link: Linked) -> OwnerClaim:
    p = link.edge.provenance
    return OwnerClaim(
        _owner(link.node),
        p.source,
        p.source_instance,
        link.edge.text("evidence"),
        link.edge.text("strength"),
        p.origin,
        p.first_seen,
        p.last_seen,
    )


def is_runbook(title: str | None, kind: str | None) -> bool:
    return any("runbook" in (text or "").lower() for text in (title, kind))


def _links(label: str, node: GraphNode | None, escalations: list[Linked]) -> tuple[list[LinkInfo], list[str]]:
    links: list[LinkInfo] = []
    if node is None:
        return links, []
    if label == "Repository" and node.text("url"):
        links.append(LinkInfo(str(node.text("url")), f"Repository {node.text('slug') or node.id}", "repository", "github", False))
    declared = node.decoded("links") if label == "Service" else None
    for item in declared if isinstance(declared, list) else []:
        if isinstance(item, dict) and item.get("url"):
            title, kind = _text(item.get("title")), _text(item.get("type"))
            links.append(LinkInfo(str(item["url"]), title, kind, _text(item.get("icon")), is_runbook(title, kind)))
    annotations = node.decoded("annotations") if label == "Service" else None
    pagerduty: dict[str, None] = {}
    if isinstance(annotations, dict):
        for value in str(annotations.get(PAGERDUTY_SERVICE_ANNOTATION) or "").split(","):
            if value.strip():
                pagerduty[value.strip()] = None
    base: str | None = None
    for link in escalations:
        for value in str(link.edge.props.get("external_service") or "").split(","):
            if value.strip():
                pagerduty[value.strip()] = None
        url = link.node.text("url")
        if url:
            parts = urlsplit(url)
            base = base or (f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None)
            name = link.node.text("name") or link.node.id
            links.append(LinkInfo(url, f"PagerDuty escalation policy {name}", "pagerduty", None, False))
    if base is not None:
        for pid in pagerduty:
            links.append(LinkInfo(f"{base}/service-directory/{pid}", f"PagerDuty service {pid}", "pagerduty", None, False))
    return links, list(pagerduty)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def _contacts(reader: CatalogReader, owned: list[OwnedService], owner_nodes: dict[str, GraphNode], members_per_team: int) -> None:
    """Contacts of each subject's owners; the owner nodes came with the edges, so only members cost a read."""
    teams = sorted({owner.key for o in owned for owner in o.owners if owner.label == "Team"})
    members: dict[str, list[GraphNode]] = {}
    if teams and members_per_team > 0:
        members = dict(zip(teams, await reader.members(teams), strict=True))
    for o in owned:
        contacts = []
        for owner in o.owners:
            node = owner_nodes.get(owner.key)
            people = sorted(members.get(owner.key, []), key=lambda p: ((p.text("display_name") or p.text("name") or p.id).lower(), p.id))
            contacts.append(
                Contact(
                    owner,
                    node.text("chat_channel") if node is not None and owner.label == "Team" else None,
                    node.text("email") if node is not None else None,
                    tuple(_member(p) for p in people[:members_per_team]),
                    max(0, len(people) - members_per_team),
                )
            )
        o.contacts = contacts


def _member(node: GraphNode) -> Member:
    return Member(node.id, node.text("display_name") or node.text("name") or node.id, node.text("email"))

"""Reads for who owns any kind of entity: entities by name of every ownable kind, their owners and
claims, what they inherit from (system, domain, parent team, services built from a repository),
team leads, a repository's CODEOWNERS rules, and the evidence of discovered services."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.core.model import ESCALATES_VIA, INSTANCE_OF, PART_OF
from catalog.read.base import ReadBase
from catalog.read.entities import key_of
from catalog.read.hops import MEMBERS, PARENT_TEAM, Hop, accountable_hop, owners_hop
from catalog.read.nodes import GraphNode, Linked, node_map

ENTITY_LABELS: tuple[str, ...] = ("System", "Domain", "API", "Resource", "Team", "Platform", "Repository")
"""The kinds besides services that ``whoOwns`` answers for, in the order a bare name is tried."""

WORKLOADS_RUNNING = Hop("workloads running", INSTANCE_OF, ("Service",), ("Workload",), forward=False)
PLATFORM_SYSTEM = Hop("system of platform", PART_OF, ("Platform",), ("System",))
SERVICE_ESCALATIONS = Hop("escalations of service", ESCALATES_VIA, ("Service",), ("EscalationPolicy",))


@dataclass(frozen=True)
class Discovery:
    """The live evidence a discovered service stands on."""

    evidence: str | None
    """What it was first discovered from, e.g. ``kubernetes:prod-eu Deployment shop/cart (label app)``."""
    source: str | None
    source_instance: str | None
    origin: str | None
    first_seen: str | None
    workloads: tuple[GraphNode, ...]
    """Workloads that run it now (``INSTANCE_OF``)."""
    pagerduty_services: tuple[str, ...]
    """PagerDuty service ids that page for it now (``ESCALATES_VIA``)."""


class EntityOwnerReads(ReadBase):
    async def entities_named(self, labels: Sequence[str], namespace: str | None, name: str) -> list[GraphNode]:
        """Current entities of ``labels`` keyed ``<kind>:<namespace>/<name>`` (``default`` namespace when none is
        given) or, with no namespace given, named ``name`` in any namespace (case as written or lower-cased); one
        round trip per label."""

        async def one(label: str) -> list[GraphNode]:
            key = key_of(label, namespace or "default", name)
            names = list(dict.fromkeys((name, name.lower()))) if namespace is None else []
            rows = await self.store.read(
                f"MATCH (n:{label}) WHERE (n.id = $key OR n.name IN $names) AND n.retired_at IS NULL "
                f"RETURN n.id AS id, {node_map('n', (label,))} AS node ORDER BY id LIMIT 26",
                {"key": key, "names": names},
            )
            found = [GraphNode.from_map(label, row["node"]) for row in rows]
            exact = [n for n in found if n.id == key]
            return exact or found

        results = await asyncio.gather(*(one(label) for label in labels))
        return [node for nodes in results for node in nodes]

    async def repositories_by_slug_any_host(self, slugs: Sequence[str]) -> list[GraphNode]:
        """Current repositories whose ``org/repo`` is one of ``slugs`` (case-insensitively), on any host."""
        if not slugs:
            return []
        wanted = list(dict.fromkeys(v for s in slugs for v in (s, s.lower())))
        rows = await self.store.read(
            "MATCH (n:Repository) WHERE n.slug IN $slugs AND n.retired_at IS NULL "
            f"RETURN n.id AS id, {node_map('n', ('Repository',))} AS node ORDER BY id LIMIT 10",
            {"slugs": wanted},
        )
        found = [GraphNode.from_map("Repository", row["node"]) for row in rows]
        if found:
            return found
        # A slug stored with other case: GitHub slugs are case-insensitive, keys are lower-case.
        return [n for n in (await self.nodes_by_ids("Repository", [f"repository:github.com/{s.lower()}" for s in slugs])) if n]

    async def platform_system(self, platform_ids: Sequence[str]) -> list[GraphNode | None]:
        """For each platform, the system it is part of."""
        return await self.single_neighbour(PLATFORM_SYSTEM, platform_ids)

    async def accountable_links(self, label: str, ids: Sequence[str]) -> list[list[Linked]]:
        """For each entity of ``label``, its resolved owners (``ACCOUNTABLE_FOR``) with the edge facts."""
        return await self.neighbours(accountable_hop(label), ids)

    async def claim_links(self, label: str, ids: Sequence[str]) -> list[list[Linked]]:
        """For each entity of ``label``, every source's ownership claim (``OWNS``) with the edge facts."""
        return await self.neighbours(owners_hop(label), ids)

    async def parent_team_links(self, team_ids: Sequence[str]) -> list[list[Linked]]:
        """For each team, its parent team with the ``CHILD_OF`` edge (which source says so); several when sources disagree."""
        return await self.neighbours(PARENT_TEAM, team_ids)

    async def member_links(self, team_ids: Sequence[str]) -> list[list[Linked]]:
        """For each team, its members with the membership edge (its ``role``, when a source states one)."""
        return await self.neighbours(MEMBERS, team_ids)

    async def discovery_of(self, service_ids: Sequence[str]) -> list[Discovery | None]:
        """For each service, the evidence it was discovered from; None for a service a descriptor declares."""
        nodes = await self.nodes_with_retired("Service", service_ids)
        discovered = [n.id for n in nodes if n is not None and n.flag("discovered")]
        workloads, escalations = await asyncio.gather(
            self.neighbours(WORKLOADS_RUNNING, discovered), self.neighbours(SERVICE_ESCALATIONS, discovered)
        )
        by_key = dict(zip(discovered, zip(workloads, escalations, strict=True), strict=True))
        found: list[Discovery | None] = []
        for node in nodes:
            if node is None or node.id not in by_key:
                found.append(None)
                continue
            runs, pages = by_key[node.id]
            ids = dict.fromkeys(
                value.strip() for link in pages for value in str(link.edge.props.get("external_service") or "").split(",") if value.strip()
            )
            p = node.provenance
            found.append(
                Discovery(
                    node.text("discovery"),
                    p.source,
                    p.source_instance,
                    p.origin,
                    p.first_seen,
                    tuple({link.node.id: link.node for link in runs}.values()),
                    tuple(ids),
                )
            )
        return found


__all__ = ["ENTITY_LABELS", "Discovery", "EntityOwnerReads"]

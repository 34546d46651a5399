"""Services: the filtered, paginated list, their APIs, code, platform and dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog.read.entities import UnknownEntity
from catalog.read.hops import (
    API_CONSUMERS,
    API_PROVIDERS,
    APIS_CONSUMED,
    APIS_PROVIDED,
    DEPENDENCIES,
    DEPENDENTS,
    PARENT_COMPONENT,
    PLATFORM,
    PLATFORM_SERVICES,
    REPOSITORIES,
    SERVICES_BUILT_FROM,
    SUBCOMPONENTS,
)
from catalog.read.nodes import GraphNode, Linked, Reached, node_map
from catalog.read.pagination import Page, keyset_clause, page_of
from catalog.read.systems import SystemReads
from catalog.read.teams import TeamReads
from catalog.read.traversal import reach


@dataclass(frozen=True)
class ServiceFilter:
    """What a caller asks for; references are node keys (see ``catalog.core.refs``)."""

    owner_team: str | None = None
    include_sub_teams: bool = True
    lifecycle: str | None = None
    type: str | None = None
    system: str | None = None
    domain: str | None = None
    """Services of systems in this domain or any of its subdomains."""
    platform: str | None = None
    tag: str | None = None
    search: str | None = None
    """Case-insensitive substring of name, title, description or tags."""
    discovered: bool | None = None
    """Only discovered services (True), only declared ones (False), or both (None)."""


@dataclass(frozen=True)
class ServiceSelection:
    """A filter with its hierarchies resolved: ready to page and count without further lookups."""

    filter: ServiceFilter
    owner_teams: tuple[str, ...] | None = None
    domains: tuple[str, ...] | None = None


def _selection_query(selection: ServiceSelection, params: dict[str, Any]) -> tuple[str, list[str]]:
    """The MATCH that produces candidate services as ``n``, and the conditions that filter them."""
    f = selection.filter
    if selection.owner_teams is not None:
        # Start from the owning teams (a key lookup) rather than scanning every service.
        params["teams"] = list(selection.owner_teams)
        match = "MATCH (o:Team)-[ro:OWNS]->(n:Service) WHERE o.id IN $teams AND ro.active = true\nWITH DISTINCT n"
    else:
        match = "MATCH (n:Service)"
    where = ["n.retired_at IS NULL"]
    if f.lifecycle is not None:
        where.append("toLower(n.lifecycle) = $lifecycle")
        params["lifecycle"] = f.lifecycle.lower()
    if f.type is not None:
        where.append("toLower(n.type) = $type")
        params["type"] = f.type.lower()
    if f.tag is not None:
        where.append("$tag IN n.tags")
        params["tag"] = f.tag
    if f.search is not None and f.search.strip():
        where.append("n.search_text CONTAINS $search")
        params["search"] = f.search.strip().lower()
    if f.discovered is not None:
        where.append("coalesce(n.discovered, false) = $discovered")
        params["discovered"] = f.discovered
    if f.system is not None:
        where.append("EXISTS { MATCH (n)-[rs:PART_OF]->(s:System) WHERE s.id = $system AND rs.active = true }")
        params["system"] = f.system
    if selection.domains is not None:
        where.append(
            "EXISTS { MATCH (n)-[rs:PART_OF]->(s:System)-[rd:PART_OF]->(d:Domain) "
            "WHERE d.id IN $domains AND rs.active = true AND rd.active = true AND s.retired_at IS NULL }"
        )
        params["domains"] = list(selection.domains)
    if f.platform is not None:
        where.append("EXISTS { MATCH (n)-[rp:RUNS_ON]->(p:Platform) WHERE p.id = $platform AND rp.active = true }")
        params["platform"] = f.platform
    return match, where


class ServiceReads(TeamReads, SystemReads):
    """Service reads; filters resolve team and domain hierarchies, hence the two bases."""

    async def select_services(self, service_filter: ServiceFilter) -> ServiceSelection:
        """Check the filter's references and resolve its hierarchies (sub-teams, subdomains).

        Raises ``UnknownEntity`` when the filter names a team, system, domain or platform that
        does not exist, so a typo is not mistaken for "owns nothing".
        """
        wanted = [
            (label, key)
            for label, key in (
                ("Team", service_filter.owner_team),
                ("System", service_filter.system),
                ("Domain", service_filter.domain),
                ("Platform", service_filter.platform),
            )
            if key is not None
        ]
        for label, key in wanted:
            if (await self.nodes_by_ids(label, [key]))[0] is None:
                raise UnknownEntity(label, key)
        teams: tuple[str, ...] | None = None
        if service_filter.owner_team is not None:
            if service_filter.include_sub_teams:
                trees = await self.team_trees([service_filter.owner_team])
                teams = tuple(trees[0])
            else:
                teams = (service_filter.owner_team,)
        domains: tuple[str, ...] | None = None
        if service_filter.domain is not None:
            domains = tuple((await self.domain_trees([service_filter.domain]))[0])
        return ServiceSelection(service_filter, teams, domains)

    async def list_services(self, selection: ServiceSelection, first: int, after: str | None = None) -> Page[GraphNode]:
        """Selected current services in key order, ``first`` of them after the key ``after``."""
        params: dict[str, Any] = {"limit": first + 1}
        match, where = _selection_query(selection, params)
        where += keyset_clause("n", after, params)
        query = f"{match}\nWHERE {' AND '.join(where)}\nRETURN n.id AS id, {node_map('n', ('Service',))} AS node ORDER BY id LIMIT $limit"
        rows = await self.store.read(query, params)
        return page_of([GraphNode.from_map("Service", row["node"]) for row in rows], first)

    async def count_services(self, selection: ServiceSelection) -> int:
        params: dict[str, Any] = {}
        match, where = _selection_query(selection, params)
        rows = await self.store.read(f"{match}\nWHERE {' AND '.join(where)}\nRETURN count(n) AS total", params)
        return int(rows[0]["total"]) if rows else 0

    async def apis_provided(self, service_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(APIS_PROVIDED, service_ids)

    async def apis_consumed(self, service_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(APIS_CONSUMED, service_ids)

    async def providers_of(self, api_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(API_PROVIDERS, api_ids)

    async def consumers_of(self, api_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(API_CONSUMERS, api_ids)

    async def repositories_of(self, service_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(REPOSITORIES, service_ids)

    async def services_built_from(self, repository_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SERVICES_BUILT_FROM, repository_ids)

    async def platform_of(self, service_ids: Sequence[str]) -> list[GraphNode | None]:
        return await self.single_neighbour(PLATFORM, service_ids)

    async def platforms_of(self, service_ids: Sequence[str]) -> list[list[GraphNode]]:
        """For each service, every platform a source says it runs on, each once, by key."""
        return await self.distinct_neighbours(PLATFORM, service_ids)

    async def services_on_platform(self, platform_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(PLATFORM_SERVICES, platform_ids)

    async def parent_component(self, service_ids: Sequence[str]) -> list[GraphNode | None]:
        return await self.single_neighbour(PARENT_COMPONENT, service_ids)

    async def subcomponents(self, service_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SUBCOMPONENTS, service_ids)

    async def dependencies(self, ids: Sequence[str]) -> list[list[Linked]]:
        """For each service or resource, what it needs directly (services and resources), with the edge's evidence."""
        return await self.neighbours(DEPENDENCIES, ids)

    async def dependents(self, ids: Sequence[str]) -> list[list[Linked]]:
        """For each service or resource, what needs it directly."""
        return await self.neighbours(DEPENDENTS, ids)

    async def transitive_dependencies(self, ids: Sequence[str], depth: int) -> list[list[Reached]]:
        """For each start, everything it needs within ``depth`` steps, with the shortest distance."""
        return await reach(self.store, DEPENDENCIES, ids, depth)

    async def transitive_dependents(self, ids: Sequence[str], depth: int) -> list[list[Reached]]:
        """For each start, everything that needs it within ``depth`` steps: what breaks if it goes down."""
        return await reach(self.store, DEPENDENTS, ids, depth)

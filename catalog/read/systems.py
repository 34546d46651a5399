"""The part-of chain: service, API or resource → system → domain → parent domain."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.read.base import ReadBase
from catalog.read.hops import (
    DOMAIN_OF,
    DOMAIN_SYSTEMS,
    PARENT_DOMAIN,
    SUBDOMAINS,
    SYSTEM_APIS,
    SYSTEM_OF,
    SYSTEM_RESOURCES,
    SYSTEM_SERVICES,
)
from catalog.read.nodes import GraphNode
from catalog.read.traversal import reach_keys


class SystemReads(ReadBase):
    async def system_of(self, ids: Sequence[str]) -> list[GraphNode | None]:
        """For each service, API or resource, the system it is part of."""
        return await self.single_neighbour(SYSTEM_OF, ids)

    async def domain_of(self, system_ids: Sequence[str]) -> list[GraphNode | None]:
        """For each system, the domain it belongs to."""
        return await self.single_neighbour(DOMAIN_OF, system_ids)

    async def parent_domain(self, domain_ids: Sequence[str]) -> list[GraphNode | None]:
        return await self.single_neighbour(PARENT_DOMAIN, domain_ids)

    async def subdomains(self, domain_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SUBDOMAINS, domain_ids)

    async def systems_of_domain(self, domain_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(DOMAIN_SYSTEMS, domain_ids)

    async def services_of_system(self, system_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SYSTEM_SERVICES, system_ids)

    async def apis_of_system(self, system_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SYSTEM_APIS, system_ids)

    async def resources_of_system(self, system_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(SYSTEM_RESOURCES, system_ids)

    async def domain_trees(self, domain_ids: Sequence[str]) -> list[list[str]]:
        """For each domain, its key followed by the keys of all its subdomains, at any depth (cycle-safe)."""
        below = await reach_keys(self.store, SUBDOMAINS, domain_ids, self.hierarchy_limit)
        return [[root, *keys] for root, keys in zip(domain_ids, below, strict=True)]

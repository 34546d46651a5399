"""Services and resources, what they need and what needs them."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from catalog.api import present
from catalog.api.context import Info
from catalog.api.entity import Entity, text_prop, texts_prop
from catalog.api.limits import checked_depth
from catalog.api.node import node_type
from catalog.api.owners import OwnershipClaim, ResolvedOwnership, claims_field, owners_field
from catalog.api.pagination import After, Connection, Counter, First, build_connection, rows_connection
from catalog.api.ranks import Lifecycle, Tier, lifecycle_of, tier_of
from catalog.api.services.discovery import Discovery
from catalog.core.model import RESOURCE, SERVICE
from catalog.read import GraphNode, Reached
from catalog.read.pagination import Page

if TYPE_CHECKING:
    from catalog.api.platforms.types import Platform, Repository
    from catalog.api.systems.types import API, Domain, System

Depth = Annotated[int, strawberry.argument(description="How many steps to follow: 1 is direct only; at most CATALOG_MAX_DEPTH.")]


def _system(row: GraphNode | None) -> System | None:
    return None if row is None else present.system(row)


@node_type("Service")
@strawberry.type(description="Anything a team builds and runs: a service, website, library... (Backstage `Component`).")
class Service(Entity):
    type: str | None = text_prop(SERVICE, "type")

    @strawberry.field(description="Where it is in its life; null when the source states none or a value this API does not know.")
    def lifecycle(self) -> Lifecycle | None:
        return lifecycle_of(self.row.text("lifecycle"))

    @strawberry.field(description="Criticality, from the `tier` label or `ownership-catalog.io/tier` annotation; null when unknown.")
    def tier(self) -> Tier | None:
        return tier_of(self.row.text("tier"))

    aliases: list[str] = texts_prop(SERVICE, "aliases")

    @strawberry.field(
        description="True for a service no descriptor declares, discovered from what a live source saw (a Kubernetes workload, a "
        "PagerDuty service) and waiting to be claimed; `discovery` has its evidence."
    )
    def is_discovered(self) -> bool:
        return bool(self.row.flag("discovered"))

    @strawberry.field(description="For a discovered service: the live evidence it stands on; null for a declared service.")
    async def discovery(self, info: Info) -> Discovery | None:
        if not self.row.flag("discovered"):
            return None
        row = await info.context.loaders.services.discovery.load(self.row.id)
        return None if row is None else Discovery(row=row)

    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The system the service is part of.")
    async def system(self, info: Info) -> Annotated[System, strawberry.lazy("catalog.api.systems.types")] | None:
        return _system(await info.context.loaders.services.system.load(self.row.id))

    @strawberry.field(description="The domain of the service's system.")
    async def domain(self, info: Info) -> Annotated[Domain, strawberry.lazy("catalog.api.systems.types")] | None:
        system = await info.context.loaders.services.system.load(self.row.id)
        row = None if system is None else await info.context.loaders.systems.domain.load(system.id)
        return None if row is None else present.domain(row)

    @strawberry.field(description="APIs the service serves.")
    async def provides_apis(self, info: Info) -> list[Annotated[API, strawberry.lazy("catalog.api.systems.types")]]:
        return [present.api(row) for row in await info.context.loaders.services.apis_provided.load(self.row.id)]

    @strawberry.field(description="APIs the service calls.")
    async def consumes_apis(self, info: Info) -> list[Annotated[API, strawberry.lazy("catalog.api.systems.types")]]:
        return [present.api(row) for row in await info.context.loaders.services.apis_consumed.load(self.row.id)]

    @strawberry.field(description="Repositories the service's code lives in.")
    async def repositories(self, info: Info) -> list[Annotated[Repository, strawberry.lazy("catalog.api.platforms.types")]]:
        return [present.repository(row) for row in await info.context.loaders.services.repositories.load(self.row.id)]

    @strawberry.field(description="The platforms the service runs on, by key; empty when the catalog does not know.")
    async def platforms(self, info: Info) -> list[Annotated[Platform, strawberry.lazy("catalog.api.platforms.types")]]:
        return [present.platform(row) for row in await info.context.loaders.services.platforms.load(self.row.id)]

    @strawberry.field(description="The larger component this one is part of (Backstage `subcomponentOf`).")
    async def subcomponent_of(self, info: Info) -> Service | None:
        row = await info.context.loaders.services.parent_component.load(self.row.id)
        return None if row is None else Service(row=row)

    @strawberry.field(description="Components that are part of this one.")
    async def subcomponents(self, info: Info, first: First = 50, after: After = None) -> Connection[Service]:
        return rows_connection(
            info,
            await info.context.loaders.services.subcomponents.load(self.row.id),
            lambda row: Service(row=row),
            lambda row: row.id,
            first,
            after,
        )

    @strawberry.field(
        description="What the service needs at runtime (services and resources), transitively up to `depth` steps, nearest first."
    )
    async def dependencies(self, info: Info, depth: Depth = 1, first: First = 50, after: After = None) -> Connection[DependencyEdge]:
        checked_depth(depth, info.context.settings)
        reached = await info.context.loaders.services.dependencies.load((self.row.id, depth))
        return rows_connection(info, reached, lambda r: DependencyEdge(reached=r), lambda r: r.node.id, first, after)

    @strawberry.field(description="What needs the service (what breaks if it goes down), transitively up to `depth` steps, nearest first.")
    async def dependents(self, info: Info, depth: Depth = 1, first: First = 50, after: After = None) -> Connection[DependencyEdge]:
        checked_depth(depth, info.context.settings)
        reached = await info.context.loaders.services.dependents.load((self.row.id, depth))
        return rows_connection(info, reached, lambda r: DependencyEdge(reached=r), lambda r: r.node.id, first, after)


@node_type("Resource")
@strawberry.type(description="Infrastructure a service needs: a database, a bucket, a queue (Backstage `Resource`).")
class Resource(Entity):
    type: str | None = text_prop(RESOURCE, "type", "What kind of resource: database, s3-bucket, queue, ...")
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The system the resource is part of.")
    async def system(self, info: Info) -> Annotated[System, strawberry.lazy("catalog.api.systems.types")] | None:
        return _system(await info.context.loaders.services.system.load(self.row.id))

    @strawberry.field(description="What the resource needs, transitively up to `depth` steps, nearest first.")
    async def dependencies(self, info: Info, depth: Depth = 1, first: First = 50, after: After = None) -> Connection[DependencyEdge]:
        checked_depth(depth, info.context.settings)
        reached = await info.context.loaders.services.dependencies.load((self.row.id, depth))
        return rows_connection(info, reached, lambda r: DependencyEdge(reached=r), lambda r: r.node.id, first, after)

    @strawberry.field(description="What needs the resource (what breaks if it goes down), transitively up to `depth` steps, nearest first.")
    async def dependents(self, info: Info, depth: Depth = 1, first: First = 50, after: After = None) -> Connection[DependencyEdge]:
        checked_depth(depth, info.context.settings)
        reached = await info.context.loaders.services.dependents.load((self.row.id, depth))
        return rows_connection(info, reached, lambda r: DependencyEdge(reached=r), lambda r: r.node.id, first, after)


DependencyTarget = Annotated[Service | Resource, strawberry.union("DependencyTarget", description="A service or a resource.")]


@strawberry.type(description="A service or resource reached through runtime dependencies, and how far away it is.")
class DependencyEdge:
    reached: strawberry.Private[Reached]

    @strawberry.field(description="The service or resource reached.")
    def node(self) -> DependencyTarget:
        return _target(self.reached.node)

    @strawberry.field(
        description="The node reached when it is a service; null for a resource.",
        deprecation_reason="Use `node` (`... on Service`), which holds the same object. Removal: 2027-06-30.",
    )
    def service(self) -> Service | None:
        return Service(row=self.reached.node) if self.reached.node.label == "Service" else None

    @strawberry.field(
        description="The node reached when it is a resource; null for a service.",
        deprecation_reason="Use `node` (`... on Resource`), which holds the same object. Removal: 2027-06-30.",
    )
    def resource(self) -> Resource | None:
        return Resource(row=self.reached.node) if self.reached.node.label == "Resource" else None

    @strawberry.field(description="Steps from the start along the shortest path: 1 for a direct dependency.")
    def distance(self) -> int:
        return self.reached.distance

    @strawberry.field(description="Why the last step holds, e.g. `spec.dependsOn`.")
    def evidence(self) -> str | None:
        return self.reached.edge.text("evidence")


def _target(row: GraphNode) -> Service | Resource:
    return Service(row=row) if row.label == "Service" else Resource(row=row)


@strawberry.input(description="Which services to list. All conditions must hold.")
class ServiceFilter:
    owner_team: str | None = strawberry.field(
        default=None, description="Owned by this team, written `[group:][namespace/]name` (e.g. `payments` or `group:acme/payments`)."
    )
    include_sub_teams: bool = strawberry.field(default=True, description="With `ownerTeam`: also services its sub-teams own, at any depth.")
    lifecycle: Lifecycle | None = strawberry.field(default=None, description="In this lifecycle.")
    type: str | None = strawberry.field(default=None, description="Component type, e.g. `service` or `website` (ignores case).")
    system: str | None = strawberry.field(default=None, description="Part of this system, written `[system:][namespace/]name`.")
    domain: str | None = strawberry.field(
        default=None, description="Part of a system in this domain or its subdomains, written `[domain:][namespace/]name`."
    )
    platform: str | None = strawberry.field(default=None, description="Runs on this platform, written `[platform:][namespace/]name`.")
    tag: str | None = strawberry.field(default=None, description="Has this tag.")
    search: str | None = strawberry.field(default=None, description="Name, title, description or tags contain this text (ignores case).")
    is_discovered: bool | None = strawberry.field(
        default=None,
        description="True: only services discovered from live sources that no descriptor declares yet (to be claimed); "
        "false: only declared ones; unset: both.",
    )


def service_connection(page: Page[GraphNode], after: str | None, counter: Counter) -> Connection[Service]:
    return build_connection(
        [Service(row=row) for row in page.items], [row.id for row in page.items], has_next=page.has_next, after=after, counter=counter
    )

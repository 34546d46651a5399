"""Systems, domains and APIs: how services group into capabilities and business areas."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from catalog.api import present
from catalog.api.context import Info
from catalog.api.entity import Entity, text_prop
from catalog.api.node import node_type
from catalog.api.owners import OwnershipClaim, ResolvedOwnership, claims_field, owners_field
from catalog.api.pagination import After, Connection, First, rows_connection
from catalog.api.ranks import Lifecycle, lifecycle_of
from catalog.core.model import API as API_NODE

if TYPE_CHECKING:
    from catalog.api.services.types import Resource, Service

_SERVICES = "catalog.api.services.types"


@node_type("System")
@strawberry.type(description="A group of services, APIs and resources that together expose a capability (Backstage `System`).")
class System(Entity):
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The domain the system belongs to.")
    async def domain(self, info: Info) -> Domain | None:
        row = await info.context.loaders.systems.domain.load(self.row.id)
        return None if row is None else Domain(row=row)

    @strawberry.field(description="Services that are part of the system.")
    async def services(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Service, strawberry.lazy(_SERVICES)]]:
        return rows_connection(
            info,
            await info.context.loaders.systems.services.load(self.row.id),
            present.service,
            lambda row: row.id,
            first,
            after,
        )

    @strawberry.field(description="APIs that are part of the system.")
    async def apis(self, info: Info, first: First = 50, after: After = None) -> Connection[API]:
        return rows_connection(
            info, await info.context.loaders.systems.apis.load(self.row.id), lambda row: API(row=row), lambda row: row.id, first, after
        )

    @strawberry.field(description="Resources that are part of the system.")
    async def resources(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Resource, strawberry.lazy(_SERVICES)]]:
        return rows_connection(
            info,
            await info.context.loaders.systems.resources.load(self.row.id),
            present.resource,
            lambda row: row.id,
            first,
            after,
        )


@node_type("Domain")
@strawberry.type(description="A business area that systems belong to (Backstage `Domain`).")
class Domain(Entity):
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="Systems directly in this domain.")
    async def systems(self, info: Info, first: First = 50, after: After = None) -> Connection[System]:
        return rows_connection(
            info,
            await info.context.loaders.systems.systems.load(self.row.id),
            lambda row: System(row=row),
            lambda row: row.id,
            first,
            after,
        )

    @strawberry.field(description="The domain this one is a subdomain of.")
    async def parent(self, info: Info) -> Domain | None:
        row = await info.context.loaders.systems.parent_domain.load(self.row.id)
        return None if row is None else Domain(row=row)

    @strawberry.field(description="Domains directly below this one.")
    async def subdomains(self, info: Info, first: First = 50, after: After = None) -> Connection[Domain]:
        return rows_connection(
            info,
            await info.context.loaders.systems.subdomains.load(self.row.id),
            lambda row: Domain(row=row),
            lambda row: row.id,
            first,
            after,
        )


@node_type("API")
@strawberry.type(name="API", description="An interface a service provides (Backstage `API`).")
class API(Entity):
    type: str | None = text_prop(API_NODE, "type", "What kind of API: openapi, grpc, asyncapi, graphql, ...")

    @strawberry.field(description="Where it is in its life; null when the source states none or a value this API does not know.")
    def lifecycle(self) -> Lifecycle | None:
        return lifecycle_of(self.row.text("lifecycle"))

    definition: str | None = text_prop(API_NODE, "definition")
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The system the API is part of.")
    async def system(self, info: Info) -> System | None:
        row = await info.context.loaders.services.system.load(self.row.id)
        return None if row is None else System(row=row)

    @strawberry.field(description="Services that serve the API.")
    async def providers(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Service, strawberry.lazy(_SERVICES)]]:
        return rows_connection(
            info,
            await info.context.loaders.services.providers.load(self.row.id),
            present.service,
            lambda row: row.id,
            first,
            after,
        )

    @strawberry.field(description="Services that call the API.")
    async def consumers(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Service, strawberry.lazy(_SERVICES)]]:
        return rows_connection(
            info,
            await info.context.loaders.services.consumers.load(self.row.id),
            present.service,
            lambda row: row.id,
            first,
            after,
        )

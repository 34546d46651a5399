"""Platforms services run on, and the repositories their code lives in."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated

import strawberry

from catalog.api import present
from catalog.api.context import Info
from catalog.api.entity import Entity, Provenance, flag_prop, number_prop, text_prop, texts_prop
from catalog.api.node import Node, node_type
from catalog.api.owners import OwnershipClaim, ResolvedOwnership, claims_field, owners_field
from catalog.api.pagination import After, Connection, First, rows_connection
from catalog.api.scalars import URI, uri_prop
from catalog.api.services.queries import list_services
from catalog.core.model import PLATFORM, REPOSITORY, WORKLOAD
from catalog.read import GraphNode, ServiceFilter
from catalog.read import Provenance as ProvenanceRow

if TYPE_CHECKING:
    from catalog.api.services.types import Service

_SERVICES = "catalog.api.services.types"


@node_type("Platform")
@strawberry.type(description="Where services run: the company's standard platform or another one.")
class Platform(Entity):
    type: str | None = text_prop(PLATFORM, "type", "What kind of platform, e.g. `kubernetes`.")
    is_standard: bool | None = flag_prop(PLATFORM, "standard")
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="Services that run on the platform, in key order, one page at a time.")
    async def services(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Service, strawberry.lazy(_SERVICES)]]:
        return await list_services(info, first, after, ServiceFilter(platform=self.row.id))


@node_type("Repository")
@strawberry.type(description="A source repository, keyed by host and slug.")
class Repository(Node):
    host: str | None = text_prop(REPOSITORY, "host", "Where the repository is hosted, e.g. `github.com`.")
    slug: str | None = text_prop(REPOSITORY, "slug")
    url: URI | None = uri_prop(REPOSITORY, "url", "Web address of the repository.")
    name: str | None = text_prop(REPOSITORY, "name", "Repository name without the organisation.")
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The catalog key, e.g. `repository:github.com/acme/checkout`.")
    def ref(self) -> str:
        return self.row.id

    @strawberry.field(description="True when no import sees it any more; the catalog keeps it with its history.")
    def is_retired(self) -> bool:
        return self.row.retired_at is not None

    @strawberry.field(description="Services whose code lives here.")
    async def services(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[Annotated[Service, strawberry.lazy(_SERVICES)]]:
        return rows_connection(
            info,
            await info.context.loaders.services.built_from.load(self.row.id),
            present.service,
            lambda row: row.id,
            first,
            after,
        )

    @strawberry.field(description="Which source stated this repository, and when the catalog saw it.")
    def provenance(self) -> Provenance:
        return Provenance(row=self.row.provenance)


@strawberry.enum(description="The Kubernetes workload kinds the catalog reads.")
class WorkloadKind(Enum):
    DEPLOYMENT = "Deployment"
    STATEFUL_SET = "StatefulSet"
    DAEMON_SET = "DaemonSet"
    CRON_JOB = "CronJob"
    JOB = "Job"


@node_type("Workload")
@strawberry.type(description="A Kubernetes workload (Deployment, StatefulSet, DaemonSet, CronJob or Job) in one cluster and namespace.")
class Workload(Node):
    cluster: str | None = text_prop(WORKLOAD, "cluster", "The cluster it runs in, as the source instance names it.")
    namespace: str | None = text_prop(WORKLOAD, "namespace", "Its Kubernetes namespace.")

    @strawberry.field(description="What kind of workload it is; null for a kind this API does not know.")
    def kind(self) -> WorkloadKind | None:
        try:
            return WorkloadKind(self.row.text("kind"))
        except ValueError:
            return None

    name: str | None = text_prop(WORKLOAD, "name", "Its name in the namespace.")
    app: str | None = text_prop(WORKLOAD, "app")
    images: list[str] = texts_prop(WORKLOAD, "images", "Container images it runs.")
    replicas: int | None = number_prop(WORKLOAD, "replicas", "Desired replicas, as the workload declares them.")
    owners: list[ResolvedOwnership] = owners_field()
    ownership_claims: list[OwnershipClaim] = claims_field()

    @strawberry.field(description="The catalog key, `workload:<cluster>/<namespace>/<kind>/<name>`.")
    def ref(self) -> str:
        return self.row.id

    @strawberry.field(description="True when no import sees it any more; the catalog keeps it with its history.")
    def is_retired(self) -> bool:
        return self.row.retired_at is not None

    @strawberry.field(description="Which source stated this workload, and when the catalog saw it.")
    def provenance(self) -> Provenance:
        return Provenance(row=self.row.provenance)


async def platform_object(info: Info, key: str, name: str | None = None) -> Platform:
    """The platform with this key, current or retired (marked so)."""
    row = await info.context.loaders.node_with_retired("Platform").load(key)
    if row is None:
        row = GraphNode("Platform", key, MappingProxyType({"name": name or key}), ProvenanceRow(None, None, None, None, None))
    return Platform(row=row)

"""Queries that start from services and resources."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.limits import checked_first
from catalog.api.lookup import by_name, ref_key
from catalog.api.pagination import After, Connection, First, decode_cursor
from catalog.api.services.types import Resource, Service, ServiceFilter, service_connection
from catalog.read import ServiceFilter as ServiceFilterRow
from catalog.read import UnknownEntity

Name = Annotated[str, strawberry.argument(description="Name as written in the catalog; case does not matter.")]
Namespace = Annotated[str, strawberry.argument(description="Namespace; case does not matter.")]


_FILTER_ARGUMENTS = {"Team": "filter.ownerTeam", "System": "filter.system", "Domain": "filter.domain", "Platform": "filter.platform"}


def _filter_row(given: ServiceFilter | None) -> ServiceFilterRow:
    if given is None:
        return ServiceFilterRow()
    return ServiceFilterRow(
        owner_team=None if given.owner_team is None else ref_key(given.owner_team, "Team", "filter.ownerTeam"),
        include_sub_teams=given.include_sub_teams,
        lifecycle=None if given.lifecycle is None else str(given.lifecycle.value),
        type=given.type,
        system=None if given.system is None else ref_key(given.system, "System", "filter.system"),
        domain=None if given.domain is None else ref_key(given.domain, "Domain", "filter.domain"),
        platform=None if given.platform is None else ref_key(given.platform, "Platform", "filter.platform"),
        tag=given.tag,
        search=given.search,
        discovered=given.is_discovered,
    )


async def list_services(info: Info, first: int, after: str | None, service_filter: ServiceFilterRow) -> Connection[Service]:
    checked_first(first, info.context.settings)
    after_key = decode_cursor(after)
    reader = info.context.reader
    try:
        selection = await reader.select_services(service_filter)
    except UnknownEntity as exc:
        argument = _FILTER_ARGUMENTS.get(exc.label, "filter")
        raise BadArgument(f"{argument}: {exc}; check the name and namespace") from exc
    page = await reader.list_services(selection, first, after_key)

    async def count() -> int:
        return await reader.count_services(selection)

    return service_connection(page, after_key, count)


@strawberry.type
class ServiceQuery:
    @strawberry.field(description="The service (Backstage component) with this name in this namespace.")
    async def service(self, info: Info, name: Name, namespace: Namespace = "default") -> Service | None:
        row = await by_name(info, "Service", name, namespace)
        return None if row is None else Service(row=row)

    @strawberry.field(description="The resource with this name in this namespace.")
    async def resource(self, info: Info, name: Name, namespace: Namespace = "default") -> Resource | None:
        row = await by_name(info, "Resource", name, namespace)
        return None if row is None else Resource(row=row)

    @strawberry.field(description="Current services in stable key order, filtered, one page at a time.")
    async def services(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        filter: Annotated[ServiceFilter | None, strawberry.argument(description="Conditions the services must meet.")] = None,
    ) -> Connection[Service] | None:
        return await list_services(info, first, after, _filter_row(filter))

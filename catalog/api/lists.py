"""Root lists of every kind of catalog object, each paged by key and filtered by one input type.

``services`` (``ServiceFilter``), ``findings`` and ``audits`` have their own; the other kinds share
``EntityFilter``, since what can be asked of them is the same: a namespace, and text to look for.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from catalog.api.context import Info
from catalog.api.limits import checked_first
from catalog.api.node import Node
from catalog.api.oncall.nodes import EscalationPolicy, Schedule
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor
from catalog.api.platforms.types import Platform, Repository, Workload
from catalog.api.services.types import Resource
from catalog.api.systems.types import API, Domain, System
from catalog.api.teams.types import Person
from catalog.core.model import NODES_BY_LABEL

N = TypeVar("N", bound=Node)


@strawberry.input(description="Which objects of a root list to return. All conditions must hold.")
class EntityFilter:
    namespace: str | None = strawberry.field(default=None, description="Only this namespace (for kinds that have one), e.g. `payments`.")
    search: str | None = strawberry.field(
        default=None, description="Name, title, description or tags contain this text, ignoring case (for kinds that keep search text)."
    )


def _conditions(label: str, given: EntityFilter | None) -> tuple[list[str], dict[str, Any]]:
    # Conditions are code-written; user input reaches them only as parameters.
    props = {p.name for p in NODES_BY_LABEL[label].props}
    where: list[str] = []
    params: dict[str, Any] = {}
    if given is None:
        return where, params
    if given.namespace is not None and given.namespace.strip() and "namespace" in props:
        where.append("n.namespace = $namespace")
        params["namespace"] = given.namespace.strip().lower()
    if given.search is not None and given.search.strip():
        if "search_text" in props:
            where.append("n.search_text CONTAINS $search")
        else:
            where.append("toLower(n.name) CONTAINS $search")
        params["search"] = given.search.strip().lower()
    return where, params


async def entity_page(
    info: Info, label: str, first: int, after: str | None, given: EntityFilter | None, wrap: Callable[[Any], N]
) -> Connection[N]:
    checked_first(first, info.context.settings)
    after_key = decode_cursor(after)
    where, params = _conditions(label, given)
    reader = info.context.reader
    page = await reader.page_nodes(label, first, after_key, where, params)

    async def count() -> int:
        return await reader.count_nodes(label, where, params)

    return build_connection(
        [wrap(row) for row in page.items], [row.id for row in page.items], has_next=page.has_next, after=after_key, counter=count
    )


Filter = Annotated[EntityFilter | None, strawberry.argument(description="Which to list; all of them when null.")]


@strawberry.type
class ListQuery:
    @strawberry.field(description="Current people in stable key order, one page at a time.")
    async def people(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Person] | None:
        return await entity_page(info, "Person", first, after, filter, lambda row: Person(row=row))

    @strawberry.field(description="Current systems in stable key order, one page at a time.")
    async def systems(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[System] | None:
        return await entity_page(info, "System", first, after, filter, lambda row: System(row=row))

    @strawberry.field(description="Current domains in stable key order, one page at a time.")
    async def domains(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Domain] | None:
        return await entity_page(info, "Domain", first, after, filter, lambda row: Domain(row=row))

    @strawberry.field(description="Current APIs in stable key order, one page at a time.")
    async def apis(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[API] | None:
        return await entity_page(info, "API", first, after, filter, lambda row: API(row=row))

    @strawberry.field(description="Current resources in stable key order, one page at a time.")
    async def resources(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Resource] | None:
        return await entity_page(info, "Resource", first, after, filter, lambda row: Resource(row=row))

    @strawberry.field(description="Current platforms in stable key order, one page at a time.")
    async def platforms(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Platform] | None:
        return await entity_page(info, "Platform", first, after, filter, lambda row: Platform(row=row))

    @strawberry.field(description="Current repositories in stable key order, one page at a time.")
    async def repositories(
        self, info: Info, first: First = 50, after: After = None, filter: Filter = None
    ) -> Connection[Repository] | None:
        return await entity_page(info, "Repository", first, after, filter, lambda row: Repository(row=row))

    @strawberry.field(description="Current Kubernetes workloads in stable key order, one page at a time.")
    async def workloads(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Workload] | None:
        return await entity_page(info, "Workload", first, after, filter, lambda row: Workload(row=row))

    @strawberry.field(description="Current escalation policies in stable key order, one page at a time.")
    async def escalation_policies(
        self, info: Info, first: First = 50, after: After = None, filter: Filter = None
    ) -> Connection[EscalationPolicy] | None:
        return await entity_page(info, "EscalationPolicy", first, after, filter, lambda row: EscalationPolicy(row=row))

    @strawberry.field(description="Current on-call schedules in stable key order, one page at a time.")
    async def schedules(self, info: Info, first: First = 50, after: After = None, filter: Filter = None) -> Connection[Schedule] | None:
        return await entity_page(info, "Schedule", first, after, filter, lambda row: Schedule(row=row))

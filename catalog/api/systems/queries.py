"""Queries that start from systems, domains and APIs."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import strawberry

from catalog.api.context import Info
from catalog.api.lookup import by_name
from catalog.api.services.queries import Name, Namespace
from catalog.api.systems.types import API, Domain, System


@strawberry.type
class SystemQuery:
    @strawberry.field(description="The system with this name in this namespace.")
    async def system(self, info: Info, name: Name, namespace: Namespace = "default") -> System | None:
        row = await by_name(info, "System", name, namespace)
        return None if row is None else System(row=row)

    @strawberry.field(description="The domain with this name in this namespace.")
    async def domain(self, info: Info, name: Name, namespace: Namespace = "default") -> Domain | None:
        row = await by_name(info, "Domain", name, namespace)
        return None if row is None else Domain(row=row)

    @strawberry.field(description="The API with this name in this namespace.")
    async def api(self, info: Info, name: Name, namespace: Namespace = "default") -> API | None:
        row = await by_name(info, "API", name, namespace)
        return None if row is None else API(row=row)

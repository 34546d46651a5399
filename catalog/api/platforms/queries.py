"""Queries that start from platforms and repositories."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.lookup import by_name
from catalog.api.platforms.types import Platform, Repository
from catalog.api.services.queries import Name, Namespace


@strawberry.type
class PlatformQuery:
    @strawberry.field(description="The platform with this name in this namespace.")
    async def platform(self, info: Info, name: Name, namespace: Namespace = "default") -> Platform | None:
        row = await by_name(info, "Platform", name, namespace)
        return None if row is None else Platform(row=row)

    @strawberry.field(description="The repository with this slug on this host.")
    async def repository(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="`org/repo`; case does not matter.")],
        host: Annotated[str, strawberry.argument(description="Where it is hosted.")] = "github.com",
    ) -> Repository | None:
        if slug.strip("/").count("/") != 1:
            raise BadArgument(f"slug {slug!r} is not `org/repo`, e.g. acme/checkout")
        row = (await info.context.reader.repositories_by_slug([(host, slug)]))[0]
        return None if row is None else Repository(row=row)

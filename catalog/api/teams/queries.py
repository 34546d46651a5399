"""Queries that start from teams and people."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.api.context import Info
from catalog.api.lists import EntityFilter, entity_page
from catalog.api.lookup import by_name
from catalog.api.pagination import After, Connection, First
from catalog.api.services.queries import Name, Namespace
from catalog.api.teams.types import Person, Team


@strawberry.type
class TeamQuery:
    @strawberry.field(description="The team (Backstage group) with this name in this namespace.")
    async def team(self, info: Info, name: Name, namespace: Namespace = "default") -> Team | None:
        row = await by_name(info, "Team", name, namespace)
        return None if row is None else Team(row=row)

    @strawberry.field(description="The person (Backstage user) with this name in this namespace.")
    async def person(self, info: Info, name: Name, namespace: Namespace = "default") -> Person | None:
        row = await by_name(info, "Person", name, namespace)
        return None if row is None else Person(row=row)

    @strawberry.field(description="Current teams in stable key order, one page at a time.")
    async def teams(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        filter: Annotated[EntityFilter | None, strawberry.argument(description="Which to list; all of them when null.")] = None,
    ) -> Connection[Team] | None:
        return await entity_page(info, "Team", first, after, filter, lambda row: Team(row=row))

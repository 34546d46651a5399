"""Teams, people, and ownership: who is accountable for what."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from catalog.api import present
from catalog.api.context import Info
from catalog.api.entity import Entity, text_prop
from catalog.api.limits import checked_first
from catalog.api.loaders import read_all
from catalog.api.node import node_type
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor, known_count, rows_connection
from catalog.api.scalars import URI, uri_prop
from catalog.api.selection import asks_of_nodes
from catalog.core.model import PERSON, TEAM
from catalog.read.pagination import slice_page

if TYPE_CHECKING:
    from catalog.api.services.types import Service


@node_type("Team")
@strawberry.type(description="A team, department or other group of people (Backstage `Group`).")
class Team(Entity):
    type: str | None = text_prop(TEAM, "type", "What kind of group: team, department, business-unit, ...")
    display_name: str | None = text_prop(TEAM, "display_name", "Name to show for the team.")
    email: str | None = text_prop(TEAM, "email", "Team email address.")
    picture: URI | None = uri_prop(TEAM, "picture", "URL of the team's picture.")
    chat_channel: str | None = text_prop(TEAM, "chat_channel")

    @strawberry.field(description="Current members.")
    async def members(self, info: Info, first: First = 50, after: After = None) -> Connection[Person]:
        return rows_connection(
            info, await info.context.loaders.teams.members.load(self.row.id), lambda row: Person(row=row), lambda row: row.id, first, after
        )

    @strawberry.field(description="The team this one belongs to, if any.")
    async def parent(self, info: Info) -> Team | None:
        row = await info.context.loaders.teams.parent.load(self.row.id)
        return None if row is None else Team(row=row)

    @strawberry.field(description="Teams directly below this one.")
    async def children(self, info: Info, first: First = 50, after: After = None) -> Connection[Team]:
        return rows_connection(
            info, await info.context.loaders.teams.children.load(self.row.id), lambda row: Team(row=row), lambda row: row.id, first, after
        )

    @strawberry.field(
        description="Services the team owns, in key order; with `includeSubTeams` also those its sub-teams own, at any depth."
    )
    async def services(
        self,
        info: Info,
        include_sub_teams: Annotated[bool, strawberry.argument(description="Roll up ownership from sub-teams at any depth.")] = True,
        first: First = 50,
        after: After = None,
    ) -> Connection[Annotated[Service, strawberry.lazy("catalog.api.services.types")]]:
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        keys = await info.context.loaders.teams.services.load((self.row.id, include_sub_teams))
        chosen, has_next = slice_page(keys, first, after_key)
        loaders = info.context.loaders
        rows = await read_all(loaders.node("Service"), chosen)
        found = [row for row in rows if row is not None]
        # A team's page lists its services' owners: read them for the page in one batch, so each answers at once.
        if asks_of_nodes(info, "ownershipClaims"):
            await read_all(loaders.owners("Service"), [row.id for row in found])
        if asks_of_nodes(info, "owners"):
            await read_all(loaders.resolved_owners("Service"), [row.id for row in found])
        services = [present.service(row) for row in found]
        return build_connection(services, [row.id for row in found], has_next=has_next, after=after_key, counter=known_count(len(keys)))


@node_type("Person")
@strawberry.type(description="A person (Backstage `User`).")
class Person(Entity):
    display_name: str | None = text_prop(PERSON, "display_name", "Name to show for the person.")
    email: str | None = text_prop(PERSON, "email", "Email address.")
    picture: URI | None = uri_prop(PERSON, "picture", "URL of the person's picture.")

    @strawberry.field(description="Teams the person is a member of.")
    async def teams(self, info: Info, first: First = 50, after: After = None) -> Connection[Team]:
        return rows_connection(
            info, await info.context.loaders.teams.teams_of.load(self.row.id), lambda row: Team(row=row), lambda row: row.id, first, after
        )


Owner = Annotated[Team | Person, strawberry.union("Owner", description="Who owns an entity: a team or a person.")]

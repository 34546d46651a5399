"""The admin part of the GraphQL API: the API tokens, as the `admin` scope sees them.

``Query.apiTokens`` is listed in ``catalog.auth.fields.SCOPED_FIELDS`` under ``admin``; it never
shows a token or its hash, only what `catalog token list` shows.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.auth.tokens import PREFIX
from catalog.store.tokens import read_tokens


@strawberry.type(description="An API token for `CATALOG_AUTH=token`: who it is for and what it may do (never the token itself).")
class ApiToken:
    name: str = strawberry.field(description="The name it was created with.")
    scopes: list[str] = strawberry.field(description="`read`, `contacts`, `admin`.")
    prefix: str = strawberry.field(description="The token's public beginning, `ocat_<selector>_`, to recognise it in a leak report.")
    created_at: datetime | None = strawberry.field(description="When `catalog token create` made it.")
    created_by: str | None = strawberry.field(description="The operating-system user who made it.")
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: until revoked.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while active.")


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The API tokens, newest last per name (needs the `admin` scope).")  # type: ignore[untyped-decorator]
    async def api_tokens(
        self,
        info: Info,
        include_revoked: Annotated[bool, strawberry.argument(description="Also list revoked tokens.")] = False,
    ) -> list[ApiToken] | None:
        rows = await read_tokens(info.context.reader.store, include_revoked=include_revoked)
        return [
            ApiToken(
                name=str(r["name"]),
                scopes=list(r["scopes"] or []),
                prefix=f"{PREFIX}{r['selector']}_",
                created_at=as_time(r["created_at"]),
                created_by=r["created_by"],
                expires_at=as_time(r["expires_at"]),
                revoked_at=as_time(r["retired_at"]),
            )
            for r in rows
        ]

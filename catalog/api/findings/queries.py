"""Queries over findings."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.api.context import Info
from catalog.api.findings.types import Finding
from catalog.api.limits import checked_first
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor


@strawberry.type
class FindingQuery:
    @strawberry.field(description="Current findings from the latest imports, in stable key order, one page at a time.")
    async def findings(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        severity: Annotated[str | None, strawberry.argument(description="Only this severity: error, warning or info.")] = None,
        kind: Annotated[str | None, strawberry.argument(description="Only this kind, e.g. `unknown-reference`.")] = None,
    ) -> Connection[Finding] | None:
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        reader = info.context.reader
        page = await reader.list_findings(first, after_key, severity=severity, kind=kind)

        async def count() -> int:
            return await reader.count_findings(severity=severity, kind=kind)

        return build_connection(
            [Finding(row=row) for row in page.items], [row.id for row in page.items], has_next=page.has_next, after=after_key, counter=count
        )

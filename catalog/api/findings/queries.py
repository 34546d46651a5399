"""Queries over findings."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.api.audits.types import Severity
from catalog.api.context import Info
from catalog.api.findings.types import Finding
from catalog.api.limits import checked_first
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor


@strawberry.input(description="Which findings to list. All conditions must hold.")
class FindingFilter:
    severity: Severity | None = strawberry.field(default=None, description="Only this severity.")
    kind: str | None = strawberry.field(default=None, description="Only this kind, as the importer names it, e.g. `unknown-reference`.")


@strawberry.type
class FindingQuery:
    @strawberry.field(description="Current findings from the latest imports, in stable key order, one page at a time.")
    async def findings(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        filter: Annotated[FindingFilter | None, strawberry.argument(description="Which findings; all of them when null.")] = None,
    ) -> Connection[Finding] | None:
        severity = None if filter is None or filter.severity is None else str(filter.severity.name).lower()
        kind = None if filter is None else filter.kind
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        reader = info.context.reader
        page = await reader.list_findings(first, after_key, severity=severity, kind=kind)

        async def count() -> int:
            return await reader.count_findings(severity=severity, kind=kind)

        return build_connection(
            [Finding(row=row) for row in page.items], [row.id for row in page.items], has_next=page.has_next, after=after_key, counter=count
        )

"""Queries over audits: one paginated, filtered list and its counts per kind and severity."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.answers import audits as answers
from catalog.api.audits.types import Audit, AuditCount, AuditKind, Severity, audit_count
from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.limits import checked_first
from catalog.api.node import NodeKind, node_resolver
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor
from catalog.read import UnknownEntity


@strawberry.input(description="Which audits to list or count. All conditions must hold.")
class AuditFilter:
    kinds: list[AuditKind] | None = strawberry.field(default=None, description="Only audits of these kinds; default all.")
    severities: list[Severity] | None = strawberry.field(default=None, description="Only audits of these severities; default all.")
    team: str | None = strawberry.field(
        default=None,
        description="Only audits about this team (`[group:][namespace/]name`), its sub-teams and what they own: its services, "
        "repositories, workloads, platforms.",
    )
    include_sub_teams: bool = strawberry.field(default=True, description="With `team`: include its sub-teams, at any depth.")
    subject_kind: NodeKind | None = strawberry.field(
        default=None, description="Only audits about subjects of this kind, e.g. SERVICE, REPOSITORY, TEAM."
    )


FilterArgument = Annotated[AuditFilter | None, strawberry.argument(description="Which audits; all of them when null.")]


def stale_after_days(info: Info) -> int:
    """``CATALOG_STALE_AFTER_DAYS``."""
    return info.context.settings.stale_after_days


async def selected(info: Info, given: AuditFilter | None) -> answers.Audits:
    f = given or AuditFilter()
    kinds, severities, team, sub_teams = f.kinds, f.severities, f.team, f.include_sub_teams
    label = None if f.subject_kind is None else answers.parse_label(f.subject_kind.value)
    try:
        audit_filter = answers.AuditFilter(
            kinds=None if kinds is None else tuple(answers.AuditKind[k.name] for k in kinds),
            severities=None if severities is None else tuple(s.name.lower() for s in severities),
            team=None if team is None else answers.team_key(team),
            include_sub_teams=sub_teams,
            subject_label=label,
        )
        return await answers.audits(
            info.context.reader,
            audit_filter,
            stale_after_days=stale_after_days(info),
            ops_handoff_min_teams=info.context.settings.ops_handoff_min_teams,
        )
    except answers.AuditArgumentError as exc:
        raise BadArgument(str(exc)) from exc
    except UnknownEntity as exc:
        raise BadArgument(f"team: {exc}; check the name and namespace") from exc


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="What is missing or wrong: unowned services, owners that do not exist or disagree, services without on-call "
        "routing or off the standard platform, CODEOWNERS gaps, stale entities and sources, dangling references and other import "
        "problems. Ordered by severity, kind and subject key, one page at a time; computed when asked."
    )
    async def audits(
        self,
        info: Info,
        filter: FilterArgument = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[Audit] | None:
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        found = await selected(info, filter)
        try:
            page = await found.page(first, after_key)
        except answers.AuditArgumentError as exc:
            raise BadArgument(str(exc)) from exc
        audits = [Audit.of(a) for a in page.audits]
        return build_connection(audits, [a.cursor for a in page.audits], has_next=page.has_next, after=after_key, counter=found.total)

    @strawberry.field(description="How many audits there are per kind and severity (only those with any), most severe first.")
    async def audit_summary(
        self,
        info: Info,
        filter: FilterArgument = None,
    ) -> list[AuditCount] | None:
        found = await selected(info, filter)
        return [audit_count(row) for row in await found.summary()]


PAGE = 500
SCAN_LIMIT = 20_000
"""Most audits ``node(id:)`` reads to find one by id: audits are computed when asked, not stored."""


@node_resolver("Audit")
async def audit_by_id(info: Info, key: str) -> Audit | None:
    """The audit with this stable id while the problem lasts; null once it is fixed (or beyond ``SCAN_LIMIT``)."""
    kind, sep, _ = key.partition(":")
    kinds = (answers.AuditKind(kind),) if sep and kind in {k.value for k in answers.AuditKind} else None
    found = await answers.audits(
        info.context.reader,
        answers.AuditFilter(kinds=kinds),
        stale_after_days=stale_after_days(info),
        ops_handoff_min_teams=info.context.settings.ops_handoff_min_teams,
    )
    after: str | None = None
    for _ in range(SCAN_LIMIT // PAGE):
        page = await found.page(PAGE, after)
        for audit in page.audits:
            if audit.id == key:
                return Audit.of(audit)
        if not page.has_next or not page.audits:
            return None
        after = page.audits[-1].cursor
    return None

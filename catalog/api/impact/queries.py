"""Queries for the impact of an outage and for platform adoption."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from catalog.answers import adoption as answers
from catalog.answers import blast_radius as impact
from catalog.answers.identify import MAX_IDENTIFIER_LENGTH
from catalog.api.context import Info
from catalog.api.errors import BadArgument, LimitExceeded
from catalog.api.impact.types import AdoptionGrouping, AdoptionPoint, AdoptionReport, AdoptionScope, BlastRadius
from catalog.api.limits import checked_depth, checked_first
from catalog.api.lookup import ref_key
from catalog.api.pagination import Before, Connection, Counter, Edge, PageInfo, decode_cursor, encode_cursor
from catalog.core.clock import InstantError, instant

_SERVICE = "The service: a name, key, alias, repository URL, pod or workload name, PagerDuty service id or hostname."
_GROUPING: dict[AdoptionGrouping, answers.Grouping] = {
    AdoptionGrouping.TEAM: "team",
    AdoptionGrouping.DOMAIN: "domain",
    AdoptionGrouping.ORG_UNIT: "org-unit",
}
_SCOPE: dict[AdoptionScope, answers.Scope] = {
    AdoptionScope.COMPANY: "company",
    AdoptionScope.TEAM: "team",
    AdoptionScope.DOMAIN: "domain",
    AdoptionScope.ORG_UNIT: "org-unit",
}
_SCOPE_LABEL = {AdoptionScope.TEAM: "Team", AdoptionScope.ORG_UNIT: "Team", AdoptionScope.DOMAIN: "Domain"}


def _moment(value: datetime | None, argument: str) -> str | None:
    if value is None:
        return None
    try:
        return instant(value)
    except InstantError as exc:
        raise BadArgument(f"{argument}: {exc}") from exc


@strawberry.type
class ImpactQuery:
    @strawberry.field(
        description="What breaks if this service goes down: every service that depends on it within `depth` steps (through "
        "resources too), grouped by owner with who is on call now, and how far away each is. An identifier that names no "
        "service or several answers with `matches` or `nearest` only."
    )
    async def blast_radius(
        self,
        info: Info,
        service: Annotated[str, strawberry.argument(description=_SERVICE)],
        depth: Annotated[
            int, strawberry.argument(description="Dependency steps to follow: 1 is direct dependents only; at most CATALOG_MAX_DEPTH.")
        ] = impact.DEFAULT_DEPTH,
        services_per_team: Annotated[
            int,
            strawberry.argument(
                description="Services listed per owner by the deprecated `services` fields, nearest first; at most CATALOG_MAX_PAGE_SIZE.",
                deprecation_reason="Page `affectedServices` with `first` and `after` instead. Removal: 2027-06-30.",
            ),
        ] = impact.DEFAULT_SERVICES_PER_TEAM,
    ) -> BlastRadius | None:
        settings = info.context.settings
        checked_depth(depth, settings)
        if services_per_team < 0:
            raise BadArgument(f"servicesPerTeam {services_per_team} is negative; ask for 0 (counts only) or more")
        if services_per_team > settings.max_page_size:
            raise LimitExceeded(
                f"servicesPerTeam {services_per_team} exceeds the limit of {settings.max_page_size} (CATALOG_MAX_PAGE_SIZE); "
                "the counts are complete whatever it is"
            )
        if not service.strip():
            raise BadArgument("service is empty; give a service name, e.g. `checkout`")
        if len(service) > MAX_IDENTIFIER_LENGTH:
            raise BadArgument(f"service is {len(service)} characters long; an identifier has at most {MAX_IDENTIFIER_LENGTH}")
        async with info.context.walks:
            answer = await impact.impact(info.context.reader, service, depth, max_depth=settings.max_depth)
        return BlastRadius(row=answer, services_per_team=services_per_team)

    @strawberry.field(
        description="Adoption of the standard platform: for the company and per team, domain or top-level org unit, how many "
        "services run on the standard platform, on others only, or nowhere known; and which other platforms are in use, by whom."
    )
    async def adoption(
        self,
        info: Info,
        by: Annotated[AdoptionGrouping, strawberry.argument(description="How to group the services.")] = AdoptionGrouping.TEAM,
    ) -> AdoptionReport | None:
        async with info.context.walks:
            report = await answers.adoption(info.context.reader, _GROUPING[by])
        return AdoptionReport(row=report)

    @strawberry.field(
        description="How adoption has moved: the snapshots of one scope taken after syncs, oldest first, the most recent `first` "
        "within `from`..`to`. A team, domain or org unit is snapshot when its counts change (the company at every sync), so the "
        "first point may precede `from`: it holds the counts at `from`."
    )
    async def adoption_trend(
        self,
        info: Info,
        scope: Annotated[AdoptionScope, strawberry.argument(description="Whose adoption.")] = AdoptionScope.COMPANY,
        key: Annotated[
            str | None,
            strawberry.argument(
                description="The team, domain or org unit (a team): a name or reference, e.g. `payments-team`; `none` for the services "
                "outside any. Not used for COMPANY."
            ),
        ] = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from", description="Earliest snapshot time; open when null.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Latest snapshot time; open when null.")] = None,
        last: Annotated[
            int,
            strawberry.argument(description="At most this many points, the latest before `before`; at most CATALOG_MAX_PAGE_SIZE."),
        ] = 100,
        before: Before = None,
    ) -> Connection[AdoptionPoint] | None:
        checked_first(last, info.context.settings)
        if last < 1:
            raise BadArgument("last must be 1 or more")
        before_key = decode_cursor(before)
        scope_key: str | None = None
        if scope is not AdoptionScope.COMPANY:
            if key is None or not key.strip():
                raise BadArgument(f'key: a {scope.name} trend needs the {_SCOPE[scope]} it follows, e.g. key: "payments-team"')
            label = _SCOPE_LABEL[scope]
            scope_key = answers.NONE_KEY if key.strip().lower() == answers.NONE_KEY else ref_key(key, label, "key")
        since, until = _moment(from_, "from"), _moment(to, "to")
        if since is not None and until is not None and since > until:
            raise BadArgument("from is after to; swap them")
        if before_key is not None and (until is None or before_key <= until):
            until = before_key
        points = await answers.adoption_trend(info.context.reader, _SCOPE[scope], scope_key, since, until, last + 1)
        if before_key is not None:
            points = [p for p in points if p.taken_at < before_key]
        page = points[-last:]
        cursors = [encode_cursor(p.taken_at) for p in page]
        info_ = PageInfo(
            has_next_page=before_key is not None,
            has_previous_page=len(points) > last,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
        edges = [Edge(key=p.taken_at, node=AdoptionPoint(row=p)) for p in page]
        return Connection(edges=edges, page_info=info_, counter=_trend_count(info, _SCOPE[scope], scope_key, since, _moment(to, "to")))


def _trend_count(info: Info, scope: str, key: str | None, since: str | None, until: str | None) -> Counter:
    """How many points the whole series in the window has (read only when `totalCount` is asked for)."""

    async def count() -> int:
        points = await answers.adoption_trend(info.context.reader, scope, key, since, until, TREND_COUNT_LIMIT)  # type: ignore[arg-type]
        return len(points)

    return count


TREND_COUNT_LIMIT = 100_000
"""More snapshots than one scope gathers in decades of syncs every few minutes; bounds the count's read."""

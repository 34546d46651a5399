"""``buildRunCompany`` and ``buildRunTrend``: the Build-Run company view and its series over syncs."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.answers import build_run_company as company
from catalog.answers.scorecard import Verdict
from catalog.api.company.types import BuildRunCompany, BuildRunPoint
from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.limits import checked_first
from catalog.api.lookup import ref_key
from catalog.api.pagination import Before, Connection, Edge, PageInfo, decode_cursor, encode_cursor
from catalog.api.scorecard.types import BuildRunVerdict


@strawberry.input(description="Which teams the company view counts and lists. All conditions must hold.")
class BuildRunCompanyFilter:
    org_unit: str | None = strawberry.field(
        default=None, description="Only teams in this top-level org unit (a team: `[group:][namespace/]name`)."
    )
    domain: str | None = strawberry.field(
        default=None,
        description="Only teams with services in this domain (`[domain:][namespace/]name`; a subdomain means its top-level domain).",
    )
    verdicts: list[BuildRunVerdict] | None = strawberry.field(
        default=None, description="Only list teams with these overall verdicts; the counts keep every verdict."
    )


@strawberry.type
class CompanyQuery:
    @strawberry.field(
        description="The Build-Run company view: how many teams (those that own services themselves) are fully Build-Run, "
        "for the company and by top-level org unit and domain, with each team's scorecard one page at a time, the standard "
        "platforms, their Platform Teams and the platform findings. Scored in memory from one bulk read."
    )
    async def build_run_company(
        self,
        info: Info,
        filter: Annotated[BuildRunCompanyFilter | None, strawberry.argument(description="Which teams; all of them when null.")] = None,
    ) -> BuildRunCompany | None:
        f = filter or BuildRunCompanyFilter()
        chosen = company.CompanyFilter(
            org_unit=None if f.org_unit is None else ref_key(f.org_unit, "Team", "orgUnit"),
            domain=None if f.domain is None else ref_key(f.domain, "Domain", "domain"),
            verdicts=None if f.verdicts is None else tuple(Verdict[v.name] for v in f.verdicts),
        )
        async with info.context.walks:
            try:
                report = await company.company_report(info.context.reader, chosen)
            except company.CompanyArgumentError as exc:
                raise BadArgument(str(exc)) from exc
        return BuildRunCompany(row=report)

    @strawberry.field(
        description="How the Build-Run share has moved: the company's counts after each sync, oldest first, the latest `last` "
        "before `before` (page backwards with `pageInfo.startCursor`)."
    )
    async def build_run_trend(
        self,
        info: Info,
        last: Annotated[
            int,
            strawberry.argument(description="At most this many points, the latest before `before`; at most CATALOG_MAX_PAGE_SIZE."),
        ] = 100,
        before: Before = None,
    ) -> Connection[BuildRunPoint] | None:
        checked_first(last, info.context.settings)
        if last < 1:
            raise BadArgument("last must be 1 or more")
        before_key = decode_cursor(before)
        reader = info.context.reader
        points = await company.build_run_trend(reader, last + 1, before_key)
        page = points[-last:]
        cursors = [encode_cursor(p.taken_at) for p in page]
        page_info = PageInfo(
            has_next_page=before_key is not None,
            has_previous_page=len(points) > last,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )

        async def count() -> int:
            return await reader.count_build_run_points("company", company.COMPANY_KEY)

        edges = [Edge(key=p.taken_at, node=BuildRunPoint(row=p)) for p in page]
        return Connection(edges=edges, page_info=page_info, counter=count)

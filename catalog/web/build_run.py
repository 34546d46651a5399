"""The Build-Run parts of the team and platform pages: a team's scorecard, and the company view.

Each returns what its template partial needs (``team_scorecard.html``, ``build_run_company.html``),
read through the same answers as the API and the CLI.
"""

from __future__ import annotations

from typing import Any

from catalog.answers.audits import AuditFilter, AuditKind, audits
from catalog.answers.build_run_company import BuildRunPoint, build_run_trend, company_report
from catalog.answers.scorecard import TeamNotFound, build_run
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.web.chart import TrendChart, share_chart
from catalog.web.render import percent

ANTIPATTERNS = (AuditKind.SEVERAL_STANDARD_PLATFORMS, AuditKind.OPS_HAND_OFF, AuditKind.OWN_PLATFORM)
ANTIPATTERNS_SHOWN = 25
TREND_POINTS = 120


async def team_section(reader: CatalogReader, key: str) -> dict[str, Any]:
    """The team's scorecard with its evidence; None when the team is gone since the page began."""
    try:
        return {"scorecard": await build_run(reader, key)}
    except TeamNotFound:
        return {"scorecard": None}


def build_run_chart(points: list[BuildRunPoint]) -> TrendChart | None:
    """The share of teams fully Build-Run over syncs."""
    if not points:
        return None
    labels = [
        f"{p.taken_at[:16].replace('T', ' ')} UTC: {p.tally.fully} of {p.tally.teams} teams fully Build-Run ({percent(p.tally.share)})"
        for p in points
    ]
    first, last = points[0], points[-1]
    change = ((last.tally.share or 0.0) - (first.tally.share or 0.0)) * 100
    summary = (
        f"{(last.tally.share or 0.0) * 100:.0f}% of {last.tally.teams} teams fully Build-Run at the latest sync ({last.taken_at[:10]}), "
        f"{change:+.0f} points over {len(points)} syncs since {first.taken_at[:10]}"
    )
    return share_chart([(p.taken_at, p.tally.share or 0.0, label) for p, label in zip(points, labels, strict=True)], summary)


async def platform_section(reader: CatalogReader, settings: Settings) -> dict[str, Any]:
    """The company view, the Platform Teams' scorecards, the anti-patterns and the trend, through the page's reader
    (current state from the server's snapshot; the trend from the store)."""
    report = await company_report(reader)
    cards = {c.team.key: c for c in report.scorecard.teams}
    platform_cards = [cards[p.team.key] for p in report.scorecard.platform_teams if p.team is not None and p.team.key in cards]
    found = await audits(
        reader,
        AuditFilter(kinds=ANTIPATTERNS),
        stale_after_days=settings.stale_after_days,
        ops_handoff_min_teams=settings.ops_handoff_min_teams,
    )
    page = await found.page(ANTIPATTERNS_SHOWN)
    points = await build_run_trend(reader, TREND_POINTS)
    return {
        "build_run": report,
        "platform_cards": platform_cards,
        "antipatterns": page,
        "antipatterns_total": await found.total(),
        "build_run_chart": build_run_chart(points),
    }

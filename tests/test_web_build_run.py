"""The Build-Run parts of the pages over the demo: a team's scorecard with its evidence, and the company view."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.answers.build_run_company import BuildRunPoint, Tally
from catalog.answers.scorecard import Verdict
from catalog.store.base import GraphStore
from catalog.web.build_run import build_run_chart
from tests._web_fixtures import load_demo_now
from tests.test_web_pages import assert_safe_page, client


@pytest.fixture
async def demo(store: GraphStore, tmp_path: Path) -> GraphStore:
    await load_demo_now(store, tmp_path / "demo", syncs=2)
    return store


async def test_the_team_page_shows_its_scorecard_with_evidence(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/team/group:default/checkout-team")
        assert_safe_page(page)
        assert 'id="build-run"' in page.text and "Build-Run scorecard" in page.text
        for heading in ("Build: CODEOWNERS of its repositories", "Run: where its services run", "Support: who answers the first page"):
            assert heading in page.text
        assert 'class="tag verdict' in page.text


async def test_the_platform_page_shows_the_company_view_platform_team_anti_patterns_and_trend(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/platform")
        assert_safe_page(page)
        text = page.text
        assert 'id="build-run"' in text and "are fully Build-Run" in text
        assert "By org unit" in text and "By domain" in text
        assert "The Platform Team" in text and "Anti-patterns (" in text
        assert 'aria-labelledby="build-run-chart-title"' in text  # two syncs: two points on the trend
        assert text.count('<svg class="chart"') == 2


def test_the_build_run_chart_scales_the_share_into_the_plot() -> None:
    def point(at: str, teams: int, fully: int) -> BuildRunPoint:
        tally = Tally(teams=teams)
        tally.verdicts[Verdict.YES] = fully
        tally.verdicts[Verdict.NO] = teams - fully
        return BuildRunPoint(at, "company", "company", "company", tally)

    chart = build_run_chart([point("2026-11-20T12:00:00.000000Z", 4, 0), point("2026-11-20T12:15:00.000000Z", 4, 2)])
    assert chart is not None
    assert chart.dots[0].y == chart.bottom and chart.dots[1].y == (chart.top + chart.bottom) / 2
    assert "2 of 4 teams fully Build-Run (50%)" in chart.dots[1].label
    assert chart.summary.startswith("50% of 4 teams fully Build-Run") and "+50 points over 2 syncs" in chart.summary
    assert build_run_chart([]) is None

"""The pages for people, over HTTP, on both stores: given the demo organisation, each page shows its answer.

The demo is generated around the real current time (as `catalog demo` does), because the pages
answer "on call now".
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from catalog.answers.adoption import AdoptionPoint
from catalog.api.app import create_app
from catalog.store.base import GraphStore
from catalog.web.chart import trend_chart
from tests._api_fixtures import api_settings
from tests._web_fixtures import load_demo_now


@pytest.fixture
async def demo(store: GraphStore, tmp_path: Path) -> GraphStore:
    await load_demo_now(store, tmp_path / "demo")
    return store


def client(store: GraphStore) -> httpx.AsyncClient:
    app = create_app(api_settings(graphiql=True), store=store)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test")  # type: ignore[arg-type]


def assert_safe_page(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # Every script, stylesheet and image comes from the catalog itself (links to runbooks may point anywhere).
    assert not re.search(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](?:https?:)?//""", response.text, re.IGNORECASE)
    assert " style=" not in response.text  # the CSP forbids inline styles; one would be silently ignored


async def test_a_pod_name_opens_the_service_page_with_its_owner_and_who_is_on_call(demo: GraphStore) -> None:
    async with client(demo) as http:
        found = await http.get("/", params={"q": "checkout-7d9f8b6c5d-x2k4q"})
        assert found.status_code == 303
        assert found.headers["location"].startswith("/service/component:default/checkout?")
        page = await http.get(found.headers["location"])
        assert_safe_page(page)
        text = page.text
        assert "checkout-team" in text.lower() or "checkout team" in text.lower()
        assert "On call now" in text and "paged first" in text
        assert "runbook" in text
        assert "/service/component:default/checkout/breaks" in text
        assert "What breaks if checkout goes down" in text


async def test_a_shared_identifier_lists_the_services_and_an_unknown_one_the_nearest(demo: GraphStore) -> None:
    async with client(demo) as http:
        shared = await http.get("/", params={"q": "gateway"})
        assert_safe_page(shared)
        assert "/service/component:default/api-gateway" in shared.text and "/service/component:payments/payments-gateway" in shared.text
        nothing = await http.get("/", params={"q": "chekout"})
        assert_safe_page(nothing)
        assert "Nearest services" in nothing.text and "/service/component:default/checkout" in nothing.text
        home = await http.get("/")
        assert_safe_page(home)


async def test_input_is_escaped(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/", params={"q": "<script>alert(1)</script>"})
        assert_safe_page(page)
        assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        too_long = await http.get("/", params={"q": "x" * 5000})
        assert too_long.status_code == 400 and "longer than" in too_long.text


async def test_what_breaks_is_grouped_by_team_with_on_call_and_paged(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/service/component:default/identity/breaks", params={"depth": 3})
        assert_safe_page(page)
        assert "What breaks if identity goes down" in page.text
        assert "/team/group:default/checkout-team" in page.text
        refused = await http.get("/service/component:default/identity/breaks", params={"depth": 99})
        assert refused.status_code == 400 and "CATALOG_MAX_DEPTH" in refused.text


async def test_team_page_lists_members_services_and_on_call(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/team/group:default/checkout-team")
        assert_safe_page(page)
        assert "/service/component:default/checkout" in page.text
        assert "Members" in page.text and "On call now" in page.text
        unknown = await http.get("/team/group:default/nobody")
        assert unknown.status_code == 400 and "no team" in unknown.text


async def test_platform_page_draws_the_trend_and_lists_off_platform_services(demo: GraphStore) -> None:
    async with client(demo) as http:
        page = await http.get("/platform")
        assert_safe_page(page)
        assert '<svg class="chart"' in page.text and "<polyline" in page.text
        assert "Off-platform services" in page.text and "legacy" in page.text.lower()
        by_domain = await http.get("/platform", params={"by": "domain"})
        assert_safe_page(by_domain)
        assert "commerce" in by_domain.text
        bad = await http.get("/platform", params={"by": "planet"})
        assert bad.status_code == 400


def _own_platform_rows(html: str) -> list[str]:
    section = html.split('id="other-platforms"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(.*?)</td>", section)


async def test_teams_on_other_platforms_are_listed_a_page_at_a_time(demo: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Thousands of teams run services off the standard platform at scale M; one row a page shows the paging here.
    monkeypatch.setattr("catalog.web.pages.PAGE_SIZE", 1)
    async with client(demo) as http:
        first = await http.get("/platform", params={"by": "domain"})
        assert_safe_page(first)
        rows = _own_platform_rows(first.text)
        assert len(rows) == 1
        found = re.search(r'href="(/platform\?[^"]*own_page=2[^"]*)">next', first.text)
        assert found, "the table links to its next page"
        link = found.group(1).replace("&amp;", "&")
        assert "by=domain" in link, "the link keeps the grouping chosen"
        second = await http.get(link)
        assert_safe_page(second)
        assert _own_platform_rows(second.text) != rows and len(_own_platform_rows(second.text)) == 1
        assert "page 2 of" in second.text.split('id="other-platforms"', 1)[1]


async def test_audits_filter_like_the_api_and_sync_status_names_each_source(demo: GraphStore) -> None:
    async with client(demo) as http:
        errors = await http.get("/audits", params={"severity": "error"})
        assert_safe_page(errors)
        rows = re.findall(r'<span class="sev (\w+)">', errors.text)
        assert rows and set(rows) == {"error"}
        unowned = await http.get("/audits", params={"kind": "UNOWNED_SERVICE"})
        assert_safe_page(unowned)
        bad = await http.get("/audits", params={"kind": "NOPE"})
        assert bad.status_code == 400
        status = await http.get("/sync")
        assert_safe_page(status)
        for source in ("backstage", "pagerduty", "kubernetes", "github"):
            assert source in status.text
        # Every adoption snapshot is its own source instance: the status shows them as one row.
        assert "catalog:adoption" in status.text and "catalog:adoption:20" not in status.text
        assert "catalog:build-run" in status.text and "catalog:build-run:20" not in status.text


async def test_suggestions_and_the_offline_query_console(demo: GraphStore) -> None:
    async with client(demo) as http:
        suggestions = (await http.get("/suggest", params={"q": "check"})).json()
        assert "component:default/checkout" in [s["key"] for s in suggestions]
        assert (await http.get("/suggest", params={"q": "c"})).json() == []
        console = await http.get("/graphql", headers={"Accept": "text/html"})
        assert_safe_page(console)
        assert "Query console" in console.text and "/static/console.js" in console.text
        assert (await http.get("/static/console.js")).status_code == 200


def test_the_trend_chart_scales_the_share_into_the_plot() -> None:
    points = [
        AdoptionPoint(f"2026-11-{d:02d}T00:00:00.000000Z", "company", "company", None, 10, s, 10 - s, 0)
        for d, s in ((1, 0), (2, 5), (3, 10))
    ]
    chart = trend_chart(points)
    assert chart is not None
    ys = [d.y for d in chart.dots]
    assert ys[0] == chart.bottom and ys[2] == chart.top and ys[1] == (chart.top + chart.bottom) / 2
    assert chart.dots[0].x == chart.left and chart.dots[2].x == chart.right
    assert "100% of 10 services" in chart.summary and "+100 points" in chart.summary
    assert trend_chart([]) is None

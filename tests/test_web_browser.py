"""The pages in a real headless Chromium (Debian's `chromium`, driven by Playwright), on both stores, over the demo.

A responder searches a pod name and sees the owner and the person on call, follows the link to
the blast radius, and the platform team sees the adoption chart and the Build-Run section; the browser logs no console
error and requests nothing outside the catalog's own origin. The screenshots in the README come
from here (`docs/screenshots/`, written by the embedded-store run).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from catalog.store.base import GraphStore
from tests._web_fixtures import load_demo_now, serving

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
POD = "checkout-7d9f8b6c5d-x2k4q"

playwright_api = pytest.importorskip("playwright.async_api")


def _chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("no chromium: apt-get install -y chromium (no browser download is needed)")
    return found


@pytest.fixture
async def served(store: GraphStore, tmp_path: Path) -> AsyncIterator[str]:
    """The demo organisation, synced twice so the trend has a line, served on a local port."""
    await load_demo_now(store, tmp_path / "demo", syncs=2)
    async with serving(store) as url:
        yield url


async def test_a_responder_finds_the_owner_and_the_on_call_then_what_breaks_and_the_platform_chart(
    served: str, store: GraphStore, request: pytest.FixtureRequest
) -> None:
    executable = _chromium()
    requests: list[str] = []
    problems: list[str] = []
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

            await page.goto(served + "/")
            box = page.locator("#big-q")
            # Suggestions as one types come from the catalog's own /suggest.
            await box.type("check", delay=30)
            suggested = page.locator("#big-q-suggestions option")
            await suggested.first.wait_for(state="attached")
            options = [await o.get_attribute("value") for o in await suggested.all()]
            assert "checkout" in options

            await box.fill(POD)
            await box.press("Enter")
            await page.wait_for_url("**/service/component:default/checkout**")
            assert (await page.locator("h1").first.inner_text()).split()[0] == "checkout"
            owners = await page.locator("#owners").inner_text()
            assert "checkout" in owners.lower() and "team" in owners.lower()
            on_call = page.locator("#on-call tr.paged .person").first
            person = (await on_call.inner_text()).strip()
            assert person, "the service page names nobody on call"
            assert person in await page.locator("#on-call .answer").inner_text()
            if request.node.callspec.params["store"] == "embedded":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(SCREENSHOTS / "service.png"), full_page=False)

            await page.get_by_role("link", name="What breaks if checkout goes down").click()
            await page.wait_for_url("**/service/component:default/checkout/breaks**")
            assert (await page.locator("h1").inner_text()) == "What breaks if checkout goes down"

            await page.goto(served + "/service/component:default/identity/breaks?depth=3")
            assert await page.locator("table.teams tbody tr").count() >= 2
            assert await page.get_by_role("link", name="checkout-team").count() + await page.locator("a[href*='checkout-team']").count() > 0

            await page.get_by_role("link", name="Platform adoption").click()
            await page.wait_for_url("**/platform")
            chart = page.locator("#trend svg.chart")
            await chart.wait_for(state="visible")
            assert await chart.locator("circle").count() >= 2
            box_size = await chart.bounding_box()
            assert box_size is not None and box_size["width"] > 300 and box_size["height"] > 150
            # The Build-Run section: the company view, the Platform Team, the anti-patterns and its own trend.
            build_run = page.locator("#build-run")
            await build_run.scroll_into_view_if_needed()
            summary = await build_run.locator(".answer").first.inner_text()
            assert "teams" in summary and "fully Build-Run" in summary
            assert "The Platform Team" in await build_run.inner_text()
            build_run_chart = build_run.locator("svg.chart")
            await build_run_chart.wait_for(state="visible")
            assert await build_run_chart.locator("circle").count() >= 2
            if request.node.callspec.params["store"] == "embedded":
                await page.screenshot(path=str(SCREENSHOTS / "platform.png"), full_page=False)

            # The query console works offline: its script is the catalog's own, and it runs the example query.
            await page.get_by_role("link", name="Query console").click()
            await page.wait_for_url("**/graphql")
            await page.get_by_role("button", name="Run").click()
            result = page.locator("#result")
            await result.filter(has_text='"owners"').wait_for()
            assert "Checkout Team" in await result.inner_text()
        finally:
            await browser.close()
    assert problems == []
    assert requests and all(url.startswith(served + "/") for url in requests), [u for u in requests if not u.startswith(served)]

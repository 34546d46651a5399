"""Signing in to the pages in a real headless Chromium (Debian's `chromium`, driven by Playwright), on both stores.

Under `CATALOG_AUTH=token`, a person opening a service page is sent to sign in, pastes an API
token, lands on the page they asked for, and can use the query console; the session cookie is
invisible to the page's scripts; a bad token is refused with a clear message; signing out ends
the session. No console error, and no request leaves the catalog's origin.
"""

from __future__ import annotations

import pytest

from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests._web_fixtures import serving
from tests.test_auth_tokens import create, staffed
from tests.test_web_browser import _chromium

playwright_api = pytest.importorskip("playwright.async_api")

PAGE = "/service/component:default/checkout"


async def test_a_person_signs_in_with_a_pasted_token_uses_the_pages_and_signs_out(
    store: GraphStore, capsys: pytest.CaptureFixture[str]
) -> None:
    executable = _chromium()
    await staffed().sync(store)
    token = await create(store, capsys, "jane-laptop", "--scopes", "read")
    settings = api_settings(auth="token", auth_token_cache_seconds=0, graphiql=True)
    requests: list[str] = []
    problems: list[str] = []
    async with serving(store, settings) as served, playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

            await page.goto(served + PAGE)
            await page.wait_for_url("**/login?next=**")
            await page.fill("#token", token[:-3] + "xyz")
            await page.get_by_role("button", name="Sign in").click()
            assert "This token was refused" in await page.locator("[role=alert]").inner_text()
            assert await page.locator("#token").input_value() == ""  # a refused token is not sent back

            await page.fill("#token", token)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(served + PAGE)
            assert (await page.locator("h1").first.inner_text()).split()[0] == "checkout"
            assert "jane@acme.test" not in await page.content()  # `read` only: no person's email
            [session] = [c for c in await page.context.cookies() if c["name"] == "catalog_session"]
            assert session["httpOnly"] and session["sameSite"] == "Strict" and session["value"] == token
            assert token not in await page.evaluate("document.cookie")
            assert all(token not in url for url in requests)

            # The query console's own script posts to /graphql, signed in by the cookie.
            await page.goto(served + "/graphql")
            await page.get_by_role("button", name="Run").click()
            await page.locator("#result").filter(has_text='"data"').wait_for()
            assert "errors" not in (await page.locator("#result").inner_text()).split('"data"')[0]

            await page.get_by_role("link", name="Sign out").click()
            await page.wait_for_url("**/logout")
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url("**/login?why=out")
            assert "You are signed out" in await page.content()
            await page.goto(served + PAGE)
            await page.wait_for_url("**/login?next=**")
        finally:
            await browser.close()
    # The refused token's page answers 401, which Chromium logs as a failed resource; nothing else.
    assert [m for m in problems if "status of 401" not in m] == [] and len(problems) <= 1, problems
    assert requests and all(url.startswith(served + "/") for url in requests), [u for u in requests if not u.startswith(served)]

"""Pages read through the server's snapshot when it has one, as the GraphQL answers do.

A page that built its own Cypher reader would still show the right answer, only slower: at scale M
the "what breaks" page took 620 ms through Cypher against 12 ms from the snapshot. Counting the
store's round trips per page catches that.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
from starlette.applications import Starlette

from catalog.read.snapshot import build_snapshot
from catalog.store.base import GraphStore
from catalog.web import web_routes
from tests._api_fixtures import api_settings
from tests._web_fixtures import load_demo_now

CHECKOUT = quote("component:default/checkout", safe=":/")


async def test_what_breaks_reads_from_the_snapshot(store: GraphStore, tmp_path: Path) -> None:
    await load_demo_now(store, tmp_path / "demo")
    snapshot = await build_snapshot(store)
    settings = api_settings()
    # Without a snapshot the page reads the store; with one, its blast radius and on-call come from memory.
    for current, expect_reads in ((None, True), (snapshot, False)):
        app = Starlette(routes=list(web_routes(lambda: store, settings, lambda current=current: current)))  # type: ignore[misc]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as http:  # type: ignore[arg-type]
            before = store.round_trips
            page = await http.get(f"/service/{CHECKOUT}/breaks", params={"depth": 3})
            assert page.status_code == 200, page.text[:500]
            assert "Storefront" in page.text or "storefront" in page.text
            assert (store.round_trips > before) is expect_reads, f"round trips: {store.round_trips - before}"

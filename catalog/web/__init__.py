"""Pages for people, served by the catalog itself: search, service, what breaks, team, platform adoption,
audits, sync status, and a GraphQL query console.

``web_routes`` gives the routes the app mounts; every asset comes from ``static/`` in this package, so
the pages work on a network with no internet access.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from catalog.read.snapshot import Snapshot
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.web.console import console_page
from catalog.web.pages import Pages

STATIC = Path(__file__).parent / "static"

__all__ = ["console_page", "web_routes"]


def web_routes(
    store: Callable[[], GraphStore], settings: Settings, snapshot: Callable[[], Snapshot | None] | None = None
) -> list[BaseRoute]:
    """The pages' routes over the app's store (``store()`` returns it once the lifespan opened it) and the
    server's current snapshot (``snapshot()``: None until one is built)."""
    pages = Pages(store, settings, snapshot)
    return [
        Route("/", pages.home, methods=["GET"]),
        Route("/suggest", pages.suggest, methods=["GET"]),
        Route("/service/{key:path}/breaks", pages.breaks, methods=["GET"]),
        Route("/service/{key:path}", pages.service, methods=["GET"]),
        Route("/team/{key:path}", pages.team, methods=["GET"]),
        Route("/platform", pages.platform, methods=["GET"]),
        Route("/audits", pages.audits, methods=["GET"]),
        Route("/sync", pages.sync_status, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

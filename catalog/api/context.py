"""The per-request context: the reader, the settings, and DataLoaders made fresh for each request.

Loaders cache what they load; one shared across requests would serve stale data and grow
without bound, so ``build_context`` creates them per request. ``walks`` is the one thing the
requests of a server process share: the gate that lets ``max_concurrent_walks`` of the
answers that read a large part of the graph (blast radius, adoption) run at once, and
``max_waiting_walks`` wait (``catalog.api.walks``).
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from catalog.api.loaders import Loaders
from catalog.api.walks import WalkGate
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.store.base import GraphStore


@dataclass
class CatalogContext:
    reader: CatalogReader
    settings: Settings
    loaders: Loaders
    walks: WalkGate
    request: Request | None = None


Info = strawberry.Info[CatalogContext, None]


def build_context(store: GraphStore, settings: Settings, request: Request | None = None, walks: WalkGate | None = None) -> CatalogContext:
    """``walks``: the server's shared gate; without one (a single call in process), the request gets its own."""
    reader = CatalogReader(store)
    return CatalogContext(
        reader=reader,
        settings=settings,
        loaders=Loaders(reader),
        walks=walks if walks is not None else WalkGate(settings.max_concurrent_walks, settings.max_waiting_walks),
        request=request,
    )

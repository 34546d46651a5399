"""The per-request context: the reader, the settings, and DataLoaders made fresh for each request.

Loaders cache what they load; one shared across requests would serve stale data and grow
without bound, so ``build_context`` creates them per request.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from catalog.api.loaders import Loaders
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.store.base import GraphStore


@dataclass
class CatalogContext:
    reader: CatalogReader
    settings: Settings
    loaders: Loaders
    request: Request | None = None


Info = strawberry.Info[CatalogContext, None]


def build_context(store: GraphStore, settings: Settings, request: Request | None = None) -> CatalogContext:
    reader = CatalogReader(store)
    return CatalogContext(reader=reader, settings=settings, loaders=Loaders(reader), request=request)

"""The ASGI application: GraphQL at /graphql, a health check at /healthz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from catalog.api.context import CatalogContext, build_context
from catalog.api.schema import build_schema
from catalog.settings import Settings
from catalog.store import GraphStore, open_store


class StoreSlot:
    """The one store the app serves from: passed in, or opened and closed by the lifespan."""

    def __init__(self, store: GraphStore | None) -> None:
        self.store = store

    def get(self) -> GraphStore:
        if self.store is None:
            raise RuntimeError("the catalog store is not open: the app's lifespan has not started (run it under uvicorn, or pass a store)")
        return self.store


class CatalogGraphQL(GraphQL[CatalogContext, None]):
    def __init__(self, slot: StoreSlot, settings: Settings) -> None:
        super().__init__(build_schema(settings), graphql_ide="graphiql" if settings.graphiql else None)
        self._slot = slot
        self._settings = settings

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> CatalogContext:
        return build_context(self._slot.get(), self._settings, request if isinstance(request, Request) else None)


def create_app(settings: Settings, store: GraphStore | None = None) -> Starlette:
    """The catalog API. Without ``store`` the lifespan opens the configured one and closes it on
    shutdown; a store passed in (tests, embedding) belongs to the caller and stays open."""
    slot = StoreSlot(store)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if store is not None:
            yield
            return
        opened = await open_store(settings)
        slot.store = opened
        try:
            yield
        finally:
            slot.store = None
            await opened.close()

    async def healthz(request: Request) -> JSONResponse:
        try:
            current = slot.get()
            await current.read("RETURN 1 AS ok")
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
        return JSONResponse({"status": "ok", "store": current.describe()})

    return Starlette(
        routes=[
            Route("/graphql", CatalogGraphQL(slot, settings), methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )

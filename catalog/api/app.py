"""The ASGI application: GraphQL at /graphql, liveness at /healthz and readiness at /readyz."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from catalog.api.context import CatalogContext, build_context
from catalog.api.health import health_routes
from catalog.api.persisted import PersistedQueries
from catalog.api.schema import build_schema
from catalog.settings import Settings
from catalog.store import GraphStore, open_store

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http.base import BaseRequestProtocol


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
        self._persisted = PersistedQueries()
        self._walks = asyncio.Semaphore(settings.max_concurrent_walks)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET with a persisted query's hash (and no document) is a query, not a browser.
        return request.query_params.get("extensions") is None and super().should_render_graphql_ide(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: CatalogContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        resolved = self._persisted.resolve(request_data)
        if not isinstance(resolved, GraphQLRequestData):
            return ExecutionResult(data=None, errors=[resolved])
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, resolved)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> CatalogContext:
        return build_context(self._slot.get(), self._settings, request if isinstance(request, Request) else None, self._walks)

    # orjson reads and writes JSON several times faster than the standard library; large answers
    # (a blast radius, a page of services) spend much of their server time being encoded.
    # Its decode error is a json.JSONDecodeError, so malformed bodies are refused as before.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def worker_app() -> Starlette:
    """The app each ``catalog serve --workers N`` process builds (uvicorn's ``--factory``): the
    settings come from the ``CATALOG_*`` variables the parent process set for its workers."""
    return create_app(Settings())


def create_app(
    settings: Settings, store: GraphStore | None = None, *, background: Callable[[GraphStore], Coroutine[Any, Any, None]] | None = None
) -> Starlette:
    """The catalog API. Without ``store`` the lifespan opens the configured one and closes it on
    shutdown; a store passed in (tests, embedding) belongs to the caller and stays open.
    ``background`` runs beside the server on the same store (scheduled syncs) and is cancelled
    on shutdown."""
    slot = StoreSlot(store)

    @asynccontextmanager
    async def running(current: GraphStore) -> AsyncIterator[None]:
        task: asyncio.Task[None] | None = asyncio.create_task(background(current)) if background is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if store is not None:
            async with running(store):
                yield
            return
        opened = await open_store(settings)
        slot.store = opened
        try:
            async with running(opened):
                yield
        finally:
            slot.store = None
            await opened.close()

    return Starlette(
        routes=[
            Route("/graphql", CatalogGraphQL(slot, settings), methods=["GET", "POST"]),
            *health_routes(lambda: slot.store, settings),
        ],
        lifespan=lifespan,
    )

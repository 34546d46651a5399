"""The ASGI application: GraphQL at /graphql, liveness at /healthz and readiness at /readyz, metrics
at /metrics, and the pages for people (``catalog.web``).

GraphQL over HTTP follows the spec's two media types: a client that accepts
``application/graphql-response+json`` gets it, and a request that fails before execution
(parse, validation, a limit, variable coercion) is answered 400 without a ``data`` entry; a
client that accepts only ``application/json`` (or anything) keeps the legacy answer, 200 with
``data: null``. A heavy answer refused for want of a turn is 429 with ``Retry-After`` in both.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from catalog.api.context import CatalogContext, build_context
from catalog.api.health import health_routes
from catalog.api.heap import release, settling
from catalog.api.http_limits import GuardedRequests, error_body
from catalog.api.media import GRAPHQL_RESPONSE_JSON, JSON, preferred_media_type
from catalog.api.metrics import Metrics, metrics_endpoint
from catalog.api.persisted import PersistedQueries
from catalog.api.responses import Kept, ResponseCache
from catalog.api.schema import build_schema
from catalog.api.walks import Busy, WalkGate
from catalog.api.warm import build_warm_snapshot
from catalog.auth.scopes import principal_of
from catalog.auth.wiring import access_control
from catalog.core.clock import watching_clock
from catalog.read.snapshot import Snapshot, SnapshotHolder
from catalog.settings import Settings
from catalog.store import GraphStore, open_store
from catalog.web import console_page, web_routes

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http.base import BaseRequestProtocol


class StoreSlot:
    """The one store the app serves from: passed in, or opened and closed by the lifespan; and
    the holder of the snapshot answers come from while the app runs (``CATALOG_SNAPSHOT``)."""

    def __init__(self, store: GraphStore | None) -> None:
        self.store = store
        self.snapshots: SnapshotHolder | None = None

    def current_snapshot(self) -> Snapshot | None:
        return self.snapshots.current if self.snapshots is not None else None

    def get(self) -> GraphStore:
        if self.store is None:
            raise RuntimeError("the catalog store is not open: the app's lifespan has not started (run it under uvicorn, or pass a store)")
        return self.store


_OPERATION_NAME = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def _answer_kept(request: Request, sub_response: Response, kept: Kept, how: str) -> ExecutionResult:
    """A kept answer (``how``: ``kept`` before, ``joined`` when another request was computing it), as the response's
    result; the response and the access log say so."""
    sub_response.headers["X-Catalog-Answer"] = how
    access = request.scope.get("catalog.access")
    if isinstance(access, dict):
        access["answer"] = how  # (for the access log; a kept answer's document is not measured again)
    # (``data`` is the kept JSON, an ``orjson.Fragment`` that ``encode_json`` writes as it is.)
    return ExecutionResult(data=kept.data, errors=None, extensions=dict(kept.extensions) if kept.extensions else None)  # type: ignore[arg-type]


def _is_request_error(result: ExecutionResult) -> bool:
    """True when the request failed before execution: parse, validation, a limit or variable
    coercion. Those errors have no path; a field error (even one that nulls ``data``) has one."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or ())


class CatalogGraphQL(GraphQL[CatalogContext, None]):
    def __init__(self, slot: StoreSlot, settings: Settings, walks: WalkGate, metrics: Metrics) -> None:
        super().__init__(build_schema(settings, on_error=metrics.observe_error), graphql_ide="graphiql" if settings.graphiql else None)
        self._slot = slot
        self._settings = settings
        self._persisted = PersistedQueries()
        self._walks = walks
        self._responses = ResponseCache(settings.response_cache_mb * 1024 * 1024)
        metrics.watch_responses(self._responses)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            # Malformed requests (bad JSON, no query, wrong method) as JSON in the GraphQL error shape.
            media = preferred_media_type(request.headers.get("accept")) if isinstance(request, Request) else JSON
            return Response(error_body(error.reason, "BAD_REQUEST"), status_code=error.status_code, media_type=media)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = preferred_media_type(request.headers.get("accept"))
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = process_result(result)
        read_from = request.scope.get("state", {}).get("catalog_read_from")
        if read_from is not None:
            # Which sync generation the answers reflect, where clients look for response metadata.
            processed["extensions"] = {**(processed.get("extensions") or {}), "catalog": read_from}
        if request.scope.get("state", {}).get("graphql_media_type") == GRAPHQL_RESPONSE_JSON and _is_request_error(result):
            processed.pop("data", None)
        return processed

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        media = sub_response.media_type or JSON
        response.headers["content-type"] = f"{media}; charset=utf-8"
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own console: Strawberry's GraphiQL loads React from a public CDN, blank offline.
        return console_page()

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
        state = request.scope.setdefault("state", {})
        media = sub_response.media_type or JSON
        state["graphql_media_type"] = media
        resolved = self._persisted.resolve(request_data)
        if not isinstance(resolved, GraphQLRequestData):
            # Apollo's clients look for PersistedQueryNotFound in a 200 answer.
            return ExecutionResult(data=None, errors=[resolved])
        state["graphql_operation"] = resolved.operation_name or _operation_name(resolved.query)
        reader = context.reader
        snapshot = getattr(reader, "snapshot", None)
        key = None
        leading = False
        asked = request.headers.get("cache-control", "").lower()
        if self._responses.enabled and snapshot is not None and resolved.query and "no-store" not in asked:
            principal = principal_of(request)
            scopes = frozenset(scope.value for scope in principal.scopes) if principal is not None else None
            key = self._responses.key(resolved.query, resolved.operation_name, resolved.variables, scopes)
            # (``Cache-Control: no-cache``: computed again, and kept in place of the old one.)
            if key is not None and "no-cache" not in asked:
                kept = self._responses.get(snapshot, key)
                if kept is not None:
                    return _answer_kept(request, sub_response, kept, "kept")
                # The same question being computed by another request: its answer, when it can be kept.
                waiting = self._responses.computing(snapshot, key)
                leading = waiting is None
                if waiting is not None and (kept := await self._responses.join(waiting)) is not None:
                    return _answer_kept(request, sub_response, kept, "joined")
        kept = None
        try:
            with watching_clock() as clock:
                result = await super().execute_single(request, request_adapter, sub_response, context, root_value, resolved)
            # (Kept only when the snapshot alone made it, with no clock and no error: see catalog.api.responses.)
            made_of_snapshot = not clock.read and not getattr(reader, "read_store", True)
            if key is not None and snapshot is not None and made_of_snapshot and not result.errors and result.data is not None:
                kept = self._responses.put(snapshot, key, result.data, result.extensions, clock.until)
        finally:
            if leading and key is not None and snapshot is not None:
                self._responses.computed(snapshot, key, kept)
        busy = [e.original_error for e in result.errors or () if isinstance(e.original_error, Busy)]
        if busy:
            sub_response.status_code = 429
            sub_response.headers["Retry-After"] = str(max(b.retry_after for b in busy if isinstance(b, Busy)))
        elif media == GRAPHQL_RESPONSE_JSON and _is_request_error(result):
            sub_response.status_code = 400
        return result

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> CatalogContext:
        holder = self._slot.snapshots
        context = build_context(
            self._slot.get(),
            self._settings,
            request if isinstance(request, Request) else None,
            self._walks,
            snapshot=holder.current if holder is not None else None,
            seen=holder.seen if holder is not None else None,
        )
        request.scope.setdefault("state", {})["catalog_read_from"] = context.read_from
        return context

    # orjson reads and writes JSON several times faster than the standard library; large answers
    # (a blast radius, a page of services) spend much of their server time being encoded.
    # Its decode error is a json.JSONDecodeError, so malformed bodies are refused as before.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _operation_name(query: str | None) -> str | None:
    """The first operation's name, read without parsing (for the metrics' label)."""
    found = _OPERATION_NAME.match(query or "")
    return found.group(1) if found else None


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
    walks = WalkGate(settings.max_concurrent_walks, settings.max_waiting_walks)
    metrics = Metrics(walks)
    metrics.watch_snapshot(lambda: slot.snapshots)

    @asynccontextmanager
    async def running(current: GraphStore) -> AsyncIterator[None]:
        task: asyncio.Task[None] | None = asyncio.create_task(background(current)) if background is not None else None
        if settings.snapshot:
            # Built in the background: the first requests are answered from the store until it is ready.
            slot.snapshots = SnapshotHolder(current, poll_seconds=settings.snapshot_poll_seconds, builder=settling(build_warm_snapshot))
            slot.snapshots.start()
        try:
            yield
        finally:
            if slot.snapshots is not None:
                await slot.snapshots.stop()
                slot.snapshots = None
                release()
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

    app = Starlette(
        routes=[
            Route("/graphql", CatalogGraphQL(slot, settings, walks, metrics), methods=["GET", "POST"]),
            *health_routes(lambda: slot.store, settings),
            Route("/metrics", metrics_endpoint(metrics, lambda: slot.store), methods=["GET"]),
            *web_routes(slot.get, settings, slot.current_snapshot),
        ],
        # Outermost first: request ids and request bounds, then CORS and access control.
        middleware=[Middleware(GuardedRequests, settings=settings, metrics=metrics), *access_control(settings, slot.get)],
        lifespan=lifespan,
    )
    app.state.walks = walks
    app.state.store_slot = slot
    app.state.metrics = metrics
    return app

"""Every HTTP request bounded and accounted for: size, time, request id, metrics and one log line.

- **Size**: a body above ``CATALOG_MAX_BODY_BYTES`` gets 413 before it is read whole (at once
  when ``Content-Length`` says so, else as soon as the bytes received pass the limit); a query
  string above it gets 414. A 300 MB body used to be read into memory.
- **Time**: a request still running after ``CATALOG_REQUEST_TIMEOUT`` is cancelled (its resolvers
  and store calls with it: a Neo4j query is abandoned with its connection, an embedded query
  finishes its current statement and nothing after it runs) and answered with 504.
- **Request id**: an incoming ``X-Request-Id`` is kept when it is sane (at most 128 letters,
  digits and ``-_.:``), else one is made; it goes back in the response header and on every log
  line written while the request runs.

Refusals are JSON in the GraphQL error shape, naming the limit and its setting, so a client's
error handling reads them like any other GraphQL error.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog import logs
from catalog.api.metrics import Metrics
from catalog.settings import Settings

logger = logging.getLogger("catalog.http")
access_logger = logging.getLogger("catalog.access")
"""One line per request, the access log: method, path, status, duration, operation, and what inner
layers added to ``scope["catalog.access"]`` (the principal, a refusal's reason)."""
ACCESS_KEY = "catalog.access"

REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9\-_.:]{1,128}")
ROUTES = ("/graphql", "/metrics", "/healthz", "/readyz")


class _BodyTooLarge(Exception):
    pass


DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 1.0


async def _drain(receive: Receive, already: int) -> None:
    """Read and drop what the client is still sending, a little while: most clients (httpx,
    requests) send the whole body before they read an answer, and a connection closed under them
    reads as a network error instead of the 413. Bounded in bytes and time, like nginx's
    lingering close; a client that waits for ``100 Continue`` is never sent one, so sends nothing."""
    drained = already
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            while drained < DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    return
                drained += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return
    except TimeoutError:
        return


def error_body(message: str, code: str, setting: str | None = None, limit: float | None = None) -> bytes:
    extensions: dict[str, Any] = {"code": code}
    if setting is not None:
        extensions |= {"setting": setting, "limit": limit}
    return orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})


class GuardedRequests:
    """ASGI middleware around the whole app."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(REQUEST_ID_HEADER, b"")
        request_id = incoming.decode("ascii") if _SANE_ID.fullmatch(incoming) else secrets.token_hex(16)
        token = logs.request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        access: dict[str, Any] = scope.setdefault(ACCESS_KEY, {})
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode("ascii"))]
            await send(message)

        async def refuse(code: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": code,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])],
                }
            )
            await send_with_id({"type": "http.response.body", "body": body})

        try:
            await self._guarded(scope, headers, receive, send_with_id, refuse, lambda: response_started)
        finally:
            seconds = time.perf_counter() - started
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            state = scope.get("state", {})
            operation = self.metrics.operation_label(state.get("graphql_operation")) if route == "/graphql" else ""
            self.metrics.observe_request(route, operation, status, seconds)
            fields: dict[str, Any] = {"event": "access", "principal": None, "operation": None, "cost": None, **access}
            if "graphql_operation" in state:  # the document was read, so its operation is known
                fields["operation"] = operation
            fields |= {"method": scope.get("method", ""), "path": path, "status": status, "duration_ms": round(seconds * 1000, 1)}
            access_logger.info("%s %s %d %.1f ms", fields["method"], path, status, seconds * 1000, extra=fields)
            logs.request_id.reset(token)

    async def _guarded(self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, send: Send, refuse: Any, started: Any) -> None:
        limit = self.settings.max_body_bytes
        if len(scope.get("query_string", b"")) > limit:
            self.metrics.refused("CATALOG_MAX_BODY_BYTES")
            await refuse(
                414,
                error_body(
                    f"the query string is longer than {limit} bytes, the limit (CATALOG_MAX_BODY_BYTES); send the request as a POST body",
                    "URI_TOO_LONG",
                    "CATALOG_MAX_BODY_BYTES",
                    limit,
                ),
            )
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(refuse, limit)
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await _drain(receive, 0)
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        timeout = self.settings.request_timeout
        try:
            async with asyncio.timeout(timeout):
                await self.app(scope, bounded_receive, send)
        except _BodyTooLarge:
            if not started():
                await self._too_large(refuse, limit)
                await _drain(receive, received)
        except TimeoutError:
            self.metrics.timeouts.inc()
            self.metrics.refused("CATALOG_REQUEST_TIMEOUT")
            logger.warning("request stopped after %g s (CATALOG_REQUEST_TIMEOUT)", timeout)
            if not started():
                await refuse(
                    504,
                    error_body(
                        f"the request took longer than {timeout:g} s, the limit (CATALOG_REQUEST_TIMEOUT), and was stopped; "
                        "ask for less (smaller pages, shallower walks) or retry later",
                        "REQUEST_TIMEOUT",
                        "CATALOG_REQUEST_TIMEOUT",
                        timeout,
                    ),
                )

    async def _too_large(self, refuse: Any, limit: int) -> None:
        self.metrics.refused("CATALOG_MAX_BODY_BYTES")
        await refuse(
            413,
            error_body(
                f"the request body is larger than {limit} bytes, the limit (CATALOG_MAX_BODY_BYTES); send a smaller request",
                "PAYLOAD_TOO_LARGE",
                "CATALOG_MAX_BODY_BYTES",
                limit,
            ),
        )

"""The ASGI middleware in front of every route: authenticate, check the read scope, rate-limit, log.

For each HTTP request (``/healthz`` and ``/readyz`` excepted, and ``/metrics`` when
``CATALOG_METRICS_PUBLIC`` is on):

1. the authenticator turns the request into a principal, or it is refused with 401 and
   ``WWW-Authenticate: Bearer`` (503 when the credentials cannot be checked now);
2. a principal without the ``read`` scope is refused with 403;
3. the principal's token bucket is charged; an empty bucket answers 429 with ``Retry-After``.
   Refused credentials charge the peer address's bucket, so guessing is throttled too;
4. the principal goes into the ASGI scope (``catalog.auth.scopes.principal_of``) for the
   GraphQL context, the field guard and the pages;
5. under ``token`` and ``oidc``, a browser signs in to the pages at ``/login`` (``catalog.web.login``):
   the pasted token rides in a session cookie and is checked here exactly as a bearer token; a
   page request without credentials is sent to ``/login`` rather than given a 401
   (``catalog.auth.session`` has the cookie and CSRF rules);
6. the principal, the peer and the GraphQL operation name join the request's access-log line,
   which the outer HTTP layer (``catalog.api.http_limits``) writes once per request with the
   method, path (never the query string, which can hold a document naming people), status,
   duration and request id; never a token or a header. The fields go in the dict at
   ``scope["catalog.access"]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson

from catalog.auth.authenticate import Authenticator, AuthFailure, headers_of, peer_of
from catalog.auth.ratelimit import RateLimiter, retry_after
from catalog.auth.scopes import CURRENT, SCOPE_KEY, Principal, RequestAuth, Scope
from catalog.auth.session import LOGIN_PATHS, SAFE_METHODS, SESSION_COOKIE, same_origin, session_token, set_cookie, wants_page, with_bearer
from catalog.web.login import LoginPages

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

ACCESS_KEY = "catalog.access"
"""The dict in the ASGI scope whose fields join the request's access-log line."""
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
"""Probes must answer without credentials: an orchestrator has none."""
BODY_PEEK_BYTES = 64 * 1024
"""How much of a request body is kept to read its GraphQL operation name for the log."""
_OPERATION = re.compile(r"^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,99})")
_SAFE = re.compile(r"[^\x20-\x7e]|[\"\\]")


def _challenge(failure: AuthFailure | None = None, *, scope: str | None = None) -> str:
    value = 'Bearer realm="catalog"'
    if scope is not None:
        return value + f', error="insufficient_scope", scope="{scope}"'
    if failure is not None and failure.presented:
        value += f', error="invalid_token", error_description="{_SAFE.sub("", failure.message)[:200]}"'
    return value


async def _answer(send: Send, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def operation_name(query_string: bytes, body: bytes) -> str | None:
    """The GraphQL operation a request names (``operationName``, else the document's first named operation)."""
    payload: Any = None
    if body:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    elif query_string:
        params = parse_qs(query_string.decode("latin-1"))
        payload = {k: v[0] for k, v in params.items() if k in ("operationName", "query")}
    if isinstance(payload, list):
        names = [n for n in (operation_name(b"", orjson.dumps(p)) for p in payload[:20]) if n]
        return ",".join(names) or None
    if not isinstance(payload, dict):
        return None
    name = payload.get("operationName")
    if isinstance(name, str) and name:
        return _SAFE.sub("", name)[:100]
    document = payload.get("query")
    match = _OPERATION.match(document) if isinstance(document, str) else None
    return match.group(1) if match else None


class AccessControl:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        limiter: RateLimiter,
        metrics_public: bool = False,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.limiter = limiter
        self.open_paths = OPEN_PATHS | ({"/metrics"} if metrics_public else set())
        self.login = LoginPages(authenticator.mode, authenticator, limiter)

    def _open_to_sign_in(self, path: str) -> bool:
        """The sign-in pages and their stylesheet answer before anyone is signed in (when there is something to sign in to)."""
        return self.login.sessions and (path in LOGIN_PATHS or path.startswith("/static/"))

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if self._open_to_sign_in(path):
            await (self.login if path in LOGIN_PATHS else self.app)(scope, receive, send)
            return
        # Without sessions (none, proxy) the sign-in page only says who the request runs as.
        app = self.login if path in LOGIN_PATHS else self.app
        access: dict[str, Any] = scope.setdefault(ACCESS_KEY, {})
        principal: Principal | None = None
        peeked = bytearray()

        async def receive_peeking() -> Message:
            message = await receive()
            if message.get("type") == "http.request" and len(peeked) < BODY_PEEK_BYTES:
                peeked.extend(message.get("body", b"")[: BODY_PEEK_BYTES - len(peeked)])
            return message

        try:
            principal = await self._admit(scope, send)
            if principal is not None:
                scope[SCOPE_KEY] = principal
                current = CURRENT.set(RequestAuth(principal))
                try:
                    await app(scope, receive_peeking, send)
                finally:
                    CURRENT.reset(current)
        finally:
            self._note(scope, access, principal, bytes(peeked) if len(peeked) < BODY_PEEK_BYTES else b"")

    async def _admit(self, scope: MutableMapping[str, Any], send: Send) -> Principal | None:
        """The principal, or None once a refusal has been sent."""
        headers = headers_of(scope)
        cookie = session_token(headers) if self.login.sessions and "authorization" not in headers else None
        if cookie is not None and scope.get("method") not in SAFE_METHODS and not same_origin(scope, headers):
            message = "a request signed in with the pages' session cookie must come from the catalog's own pages (its Origin)"
            scope[ACCESS_KEY]["refused"] = message
            await _answer(send, 403, "FORBIDDEN", message, [])
            return None
        try:
            principal = await self.authenticator.authenticate(with_bearer(scope, cookie) if cookie is not None else scope)
        except AuthFailure as failure:
            scope[ACCESS_KEY]["refused"] = failure.message[:200]
            wait = self.limiter.take(f"peer:{peer_of(scope)}") if failure.status == 401 else 0.0
            if wait:
                await self._too_many(send, wait)
            elif failure.status == 401 and self.login.sessions and wants_page(scope, headers):
                await self._to_sign_in(scope, send, ended=cookie is not None)
            elif failure.status == 401:
                code = "UNAUTHENTICATED"
                await _answer(send, 401, code, failure.message, [(b"www-authenticate", _challenge(failure).encode())])
            else:
                await _answer(send, failure.status, "UNAVAILABLE", failure.message, [(b"retry-after", b"5")])
            return None
        if not principal.has(Scope.READ):
            message = f"{principal.kind} {principal.name!r} lacks the `read` scope, which every request needs"
            scope[ACCESS_KEY]["refused"] = message
            await _answer(send, 403, "FORBIDDEN", message, [(b"www-authenticate", _challenge(scope="read").encode())])
            return None
        wait = self.limiter.take(principal.key)
        if wait:
            await self._too_many(send, wait)
            return None
        return principal

    async def _to_sign_in(self, scope: MutableMapping[str, Any], send: Send, *, ended: bool) -> None:
        """A browser without (valid) credentials is sent to sign in, and brought back to the page it asked for."""
        target = str(scope.get("path", "/"))
        query = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        params = {"next": target, **({"why": "expired"} if ended else {})}
        headers = [(b"location", ("/login?" + urlencode(params)).encode("latin-1")), (b"cache-control", b"no-store")]
        if ended:  # the cookie's token was refused: drop it, so the next page does not try it again
            headers.append(set_cookie(SESSION_COOKIE, "", scope, max_age=0))
        await send({"type": "http.response.start", "status": 303, "headers": [*headers, (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def _too_many(self, send: Send, wait: float) -> None:
        seconds = retry_after(wait)
        message = (
            f"rate limit: at most {self.limiter.rate:g} requests per second on average, {self.limiter.burst} at once "
            f"(CATALOG_RATE_LIMIT, CATALOG_RATE_BURST); retry after {seconds} s"
        )
        await _answer(send, 429, "RATE_LIMITED", message, [(b"retry-after", seconds.encode())])

    async def _websocket(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        try:
            principal = await self.authenticator.authenticate(scope)
        except AuthFailure:
            principal = None
        if principal is None or not principal.has(Scope.READ) or self.limiter.take(principal.key):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        scope[SCOPE_KEY] = principal
        current = CURRENT.set(RequestAuth(principal))
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT.reset(current)

    def _note(self, scope: MutableMapping[str, Any], access: dict[str, Any], principal: Principal | None, body: bytes) -> None:
        """What this layer knows joins the request's access-log line (written by the outer HTTP layer)."""
        access["principal"] = principal.key if principal is not None else None
        access["peer"] = peer_of(scope)
        # The GraphQL view names the operation it parsed (``state["graphql_operation"]``); reading the
        # peeked body again is only for requests that never reached it.
        parsed = "graphql_operation" in scope.get("state", {})
        if scope.get("path") == "/graphql" and principal is not None and not parsed:
            try:
                access["operation"] = operation_name(scope.get("query_string", b""), body)
            except (ValueError, TypeError, RecursionError):
                access["operation"] = None

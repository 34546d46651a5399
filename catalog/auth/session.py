"""Signing in to the pages with a pasted token: the session cookie, its CSRF guard, and the checks on both.

Browsers send no bearer token, so under ``CATALOG_AUTH=token`` (or ``oidc``) a person pastes an
API token (or the provider's JWT) into ``/login`` once. The token is kept in a cookie that
scripts cannot read (``HttpOnly``), that no other site's page can make the browser send
(``SameSite=Strict``), and that travels only over TLS when the page was served over https
(``Secure``). Each request that carries it is checked exactly as a bearer token is, by the same
authenticator, so the same scopes apply and a revoked token stops working the same way.

Cross-site request forgery is refused twice over: a request the cookie signs in that changes
something (any method but GET and HEAD) must come from the catalog's own pages (its ``Origin``,
or ``Sec-Fetch-Site: same-origin``), and the sign-in and sign-out forms also carry a random value
that must match a second cookie (double submit).

Pure functions over ASGI scopes and headers; the pages are in ``catalog.web.login``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

SESSION_COOKIE = "catalog_session"
CSRF_COOKIE = "catalog_csrf"
SESSION_MAX_AGE = 12 * 3600
"""A browser session lasts a working day (or a night on call) at most; the token itself may live longer."""
MAX_COOKIE_HEADER = 8192
LOGIN_PATHS = frozenset({"/login", "/logout"})
SAFE_METHODS = frozenset({"GET", "HEAD"})
TOKEN_FORM = re.compile(r"[A-Za-z0-9._~+/=-]{1,4096}")
"""What an API token (``ocat_...``) or a JWT looks like: anything else is not worth checking, and could not be a cookie value."""


def cookies_of(headers: Mapping[str, list[str]]) -> dict[str, str]:
    """The request's cookies by name (a malformed or oversized Cookie header counts as none)."""
    text = "; ".join(headers.get("cookie", []))
    if not text or len(text) > MAX_COOKIE_HEADER:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(text)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def session_token(headers: Mapping[str, list[str]]) -> str | None:
    token = cookies_of(headers).get(SESSION_COOKIE, "")
    return token if TOKEN_FORM.fullmatch(token) else None


def is_https(scope: Mapping[str, Any]) -> bool:
    return scope.get("scheme") in ("https", "wss")


def own_origin(scope: Mapping[str, Any], headers: Mapping[str, list[str]]) -> str | None:
    """``scheme://host[:port]`` the request was sent to, from its Host header."""
    hosts = headers.get("host", [])
    if len(hosts) != 1 or not hosts[0].strip():
        return None
    scheme = "https" if is_https(scope) else "http"
    return f"{scheme}://{hosts[0].strip().lower()}"


def same_origin(scope: Mapping[str, Any], headers: Mapping[str, list[str]]) -> bool:
    """True when the browser says the request comes from the catalog's own pages.

    ``Origin`` is sent by every current browser on a POST, but as ``null`` from a page whose
    ``Referrer-Policy`` is ``no-referrer`` (the pages' own); ``Sec-Fetch-Site``, which no page can
    set, covers those. A request with neither is no browser's, and is not trusted with a cookie."""
    origins = [o for o in headers.get("origin", []) if o.strip().lower() != "null"]
    if origins:
        expected = own_origin(scope, headers)
        return len(origins) == 1 and expected is not None and origins[0].strip().lower() == expected
    return headers.get("sec-fetch-site", []) == ["same-origin"]


def csrf_matches(headers: Mapping[str, list[str]], submitted: str | None) -> bool:
    """The double-submit check: the form's value equals the CSRF cookie's."""
    expected = cookies_of(headers).get(CSRF_COOKIE, "")
    return bool(expected) and submitted is not None and hmac.compare_digest(expected.encode(), submitted.encode())


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(name: str, value: str, scope: Mapping[str, Any], *, max_age: int) -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` header: HttpOnly, SameSite=Strict, path /, Secure over https; ``max_age=0`` clears it."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={max_age}"]
    if is_https(scope):
        parts.append("Secure")
    return b"set-cookie", "; ".join(parts).encode("latin-1")


def with_bearer(scope: MutableMapping[str, Any], token: str) -> dict[str, Any]:
    """A copy of ``scope`` whose headers carry ``token`` as the bearer token (and no cookie), for the authenticator."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() not in (b"authorization", b"cookie")]
    headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    return {**scope, "headers": headers}


def wants_page(scope: Mapping[str, Any], headers: Mapping[str, list[str]]) -> bool:
    """A browser asking for a page (GET or HEAD accepting HTML): sent to sign in rather than given a 401."""
    if scope.get("method") not in SAFE_METHODS:
        return False
    return any("text/html" in value for value in headers.get("accept", []))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never ``//other.example`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2048:
        return "/"
    if any(ord(c) < 0x20 for c in target):
        return "/"
    return target

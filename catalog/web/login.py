"""``/login`` and ``/logout``: a person signs in to the pages by pasting a token, and signs out.

The access-control middleware hands these two paths here (``catalog.auth.middleware``), with its
authenticator and rate limiter, so a pasted token is checked by the very code that checks bearer
tokens. Under ``token`` and ``oidc`` the pages are open (nobody is signed in yet); under ``none``
and ``proxy`` there is nothing to sign in to, and the page says who the request already runs as.
The cookie, CSRF and redirect rules are in ``catalog.auth.session``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from catalog.auth.authenticate import Authenticator, AuthFailure, headers_of, peer_of
from catalog.auth.ratelimit import RateLimiter, retry_after
from catalog.auth.scopes import Principal, Scope, format_scopes, principal_of
from catalog.auth.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    TOKEN_FORM,
    cookies_of,
    csrf_matches,
    new_csrf,
    safe_next,
    same_origin,
    set_cookie,
    with_bearer,
)
from catalog.web.render import render

MAX_FORM_BYTES = 16 * 1024
SESSION_MODES = frozenset({"token", "oidc"})
"""The modes whose credentials a person can paste; ``none`` needs none, ``proxy`` has the proxy's."""

NOTICES = {
    "expired": "The token you signed in with is no longer accepted (it was revoked or has expired). Sign in again.",
    "out": "You are signed out.",
}


class LoginPages:
    """The sign-in and sign-out pages for one app: ``await pages(scope, receive, send)``."""

    def __init__(self, mode: str, authenticator: Authenticator, limiter: RateLimiter) -> None:
        self.mode = mode
        self.authenticator = authenticator
        self.limiter = limiter

    @property
    def sessions(self) -> bool:
        return self.mode in SESSION_MODES

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        if request.method not in ("GET", "HEAD", "POST"):
            response: Response = render("error.html", {"title": "Method not allowed", "message": "use GET or POST"}, status_code=405)
        elif not self.sessions:
            response = self._no_sign_in(request)
        elif scope["path"] == "/login":
            response = await self._login(request) if request.method == "POST" else self._login_form(request)
        else:
            response = await self._logout(request) if request.method == "POST" else self._logout_form(request)
        await response(scope, receive, send)

    # -- pages ----------------------------------------------------------------------------------

    def _form(self, request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
        """``template`` with a CSRF value that matches the CSRF cookie (kept if the browser has one)."""
        csrf = cookies_of(headers_of(request.scope)).get(CSRF_COOKIE) or new_csrf()
        response = render(template, {**context, "csrf": csrf, "mode": self.mode}, status_code=status_code)
        name, value = set_cookie(CSRF_COOKIE, csrf, request.scope, max_age=SESSION_MAX_AGE)
        response.headers.append(name.decode(), value.decode("latin-1"))
        return response

    def _login_form(self, request: Request, *, error: str | None = None, status_code: int = 200, target: str | None = None) -> Response:
        why = request.query_params.get("why", "")
        context = {
            "title": "Sign in",
            "next": safe_next(target or request.query_params.get("next")),
            "notice": NOTICES.get(why),
            "error": error,
        }
        return self._form(request, "login.html", context, status_code=status_code)

    def _logout_form(self, request: Request) -> Response:
        return self._form(request, "logout.html", {"title": "Sign out"})

    def _no_sign_in(self, request: Request) -> Response:
        principal = principal_of(request.scope)
        how = "through your organisation's sign-in proxy" if self.mode == "proxy" else "without signing in (anonymous access)"
        who = principal.name if principal is not None else None
        return render("login.html", {"title": "No sign-in needed", "mode": self.mode, "how": how, "who": who, "next": "/"})

    # -- actions --------------------------------------------------------------------------------

    async def _fields(self, request: Request) -> dict[str, str] | None:
        """The urlencoded form (None when it is too large or not a form)."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
        except (UnicodeDecodeError, ValueError):
            return None
        return {name: values[0] for name, values in parsed.items() if len(values) == 1}

    def _forged(self, request: Request, fields: dict[str, str]) -> bool:
        headers = headers_of(request.scope)
        cross = bool(headers.get("origin") or headers.get("sec-fetch-site")) and not same_origin(request.scope, headers)
        return cross or not csrf_matches(headers, fields.get("csrf"))

    async def _login(self, request: Request) -> Response:
        fields = await self._fields(request)
        if fields is None:
            return self._login_form(request, error="The form could not be read; paste the token again.", status_code=400)
        target = fields.get("next")
        if self._forged(request, fields):
            message = "This sign-in did not come from the catalog's own sign-in page (or the page is too old). Paste the token again."
            return self._login_form(request, error=message, status_code=403, target=target)
        token = fields.get("token", "").strip()
        if not token:
            return self._login_form(request, error="Paste an API token to sign in.", status_code=400, target=target)
        principal: Principal | None = None
        error: str | None = None
        if not TOKEN_FORM.fullmatch(token):
            error = "That is not an API token: tokens look like ocat_… (from `catalog token create`)."
        else:
            try:
                principal = await self.authenticator.authenticate(with_bearer(request.scope, token))
            except AuthFailure as failure:
                if failure.status != 401:
                    return self._login_form(request, error=failure.message, status_code=failure.status, target=target)
                error = f"This token was refused: {failure.message}."
        if principal is None:
            wait = self.limiter.take(f"peer:{peer_of(request.scope)}")
            if wait:
                error = f"Too many refused tokens from this address; wait {retry_after(wait)} s and try again."
                return self._login_form(request, error=error, status_code=429, target=target)
            return self._login_form(request, error=error, status_code=401, target=target)
        if not principal.has(Scope.READ):
            error = f"The token {principal.name!r} has only {format_scopes(principal.scopes) or 'no scope'}; the pages need `read`."
            return self._login_form(request, error=error, status_code=403, target=target)
        response = RedirectResponse(safe_next(target), status_code=303)
        name, value = set_cookie(SESSION_COOKIE, token, request.scope, max_age=SESSION_MAX_AGE)
        response.headers.append(name.decode(), value.decode("latin-1"))
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _logout(self, request: Request) -> Response:
        fields = await self._fields(request) or {}
        if self._forged(request, fields):
            return render(
                "error.html",
                {"title": "Not signed out", "message": "Sign out from the catalog's own sign-out page."},
                status_code=403,
            )
        response = RedirectResponse("/login?" + urlencode({"why": "out"}), status_code=303)
        for cookie in (SESSION_COOKIE, CSRF_COOKIE):
            name, value = set_cookie(cookie, "", request.scope, max_age=0)
            response.headers.append(name.decode(), value.decode("latin-1"))
        return response

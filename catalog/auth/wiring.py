"""The middleware ``create_app`` installs: CORS (only when origins are listed), then access control."""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from catalog.auth.authenticate import authenticator
from catalog.auth.middleware import AccessControl
from catalog.auth.ratelimit import RateLimiter
from catalog.auth.scopes import parse_list
from catalog.settings import Settings
from catalog.store.base import GraphStore


def access_control(settings: Settings, store: Callable[[], GraphStore]) -> list[Middleware]:
    """The app's outer middleware, outermost first. ``store`` gives the open store at request time.

    CORS comes first so a browser's preflight (which carries no credentials) is answered before
    authentication; bearer tokens are not cookies, so credentials are never allowed cross-origin."""
    stack: list[Middleware] = []
    origins = parse_list(settings.cors_origins)
    if origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
                max_age=600,
            )
        )
    stack.append(
        Middleware(
            AccessControl,
            authenticator=authenticator(settings, store),
            limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
            metrics_public=settings.metrics_public,
        )
    )
    return stack

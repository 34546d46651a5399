"""The authenticator ``CATALOG_AUTH`` chooses: from an ASGI request to a principal, or a refusal.

A refusal carries the HTTP status to answer: 401 when credentials are missing or wrong, 503
when they cannot be checked now (the store or the identity provider is down), so clients and
on-call engineers can tell a bad token from an outage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from catalog.auth.oidc import JwksCache, OidcRejected, OidcUnavailable, OidcVerifier
from catalog.auth.proxy import ProxyRejected, ProxyUsers
from catalog.auth.scopes import Principal, parse_group_scopes, parse_list, parse_networks, parse_scopes
from catalog.auth.tokens import TokenBook, TokenRejected
from catalog.settings import Settings
from catalog.store.base import GraphStore, StoreError

MAX_AUTHORIZATION_LENGTH = 8192
"""Longer Authorization headers are refused unread: no JWT a provider issues is that long."""


class AuthFailure(Exception):
    def __init__(self, message: str, *, status: int = 401, presented: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.presented = presented
        """True when credentials were sent (and are wrong): RFC 6750's ``error="invalid_token"``."""


def headers_of(scope: Mapping[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in scope.get("headers", ()):
        out.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return out


def peer_of(scope: Mapping[str, Any]) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def bearer_of(headers: Mapping[str, list[str]]) -> str | None:
    values = headers.get("authorization", [])
    if not values:
        return None
    if len(values) > 1:
        raise AuthFailure("send one Authorization header", presented=True)
    value = values[0]
    if len(value) > MAX_AUTHORIZATION_LENGTH:
        raise AuthFailure("the Authorization header is too long", presented=True)
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise AuthFailure("send `Authorization: Bearer <token>`", presented=True)
    return credentials.strip()


class Authenticator:
    """One mode's way from a request to a principal."""

    mode = "none"

    async def authenticate(self, scope: Mapping[str, Any]) -> Principal:
        raise NotImplementedError


class Anonymous(Authenticator):
    mode = "none"

    def __init__(self, settings: Settings) -> None:
        self._scopes = parse_scopes(settings.auth_anonymous_scopes)

    async def authenticate(self, scope: Mapping[str, Any]) -> Principal:
        # Named by address, so each client gets its own rate limit.
        return Principal(peer_of(scope) or "unknown", "anonymous", self._scopes)


class Tokens(Authenticator):
    mode = "token"

    def __init__(self, settings: Settings, store: Callable[[], GraphStore]) -> None:
        self.book = TokenBook(store, settings.auth_token_cache_seconds)

    async def authenticate(self, scope: Mapping[str, Any]) -> Principal:
        token = bearer_of(headers_of(scope))
        if token is None:
            raise AuthFailure("this catalog needs an API token: send `Authorization: Bearer <token>` (see `catalog token create`)")
        try:
            return await self.book.check(token)
        except TokenRejected as exc:
            raise AuthFailure(str(exc), presented=True) from None
        except (StoreError, RuntimeError) as exc:
            raise AuthFailure(f"cannot check API tokens now: the store is unavailable ({str(exc).splitlines()[0]})", status=503) from None


class Oidc(Authenticator):
    mode = "oidc"

    def __init__(self, settings: Settings, keys: JwksCache | None = None) -> None:
        assert settings.oidc_issuer is not None and settings.oidc_audience is not None
        self.keys = keys or JwksCache(settings.oidc_issuer, settings.oidc_jwks_url, min_refresh=settings.oidc_jwks_refresh_seconds)
        self.verifier = OidcVerifier(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=parse_list(settings.oidc_algorithms),
            keys=self.keys,
            user_claim=settings.oidc_user_claim,
            groups_claim=settings.oidc_groups_claim,
            default_scopes=parse_scopes(settings.auth_default_scopes),
            group_scopes=parse_group_scopes(settings.auth_group_scopes),
            leeway=settings.oidc_leeway_seconds,
        )

    async def authenticate(self, scope: Mapping[str, Any]) -> Principal:
        token = bearer_of(headers_of(scope))
        if token is None:
            raise AuthFailure("this catalog needs a bearer token from the identity provider: send `Authorization: Bearer <JWT>`")
        try:
            return await self.verifier.check(token)
        except OidcRejected as exc:
            raise AuthFailure(str(exc), presented=True) from None
        except OidcUnavailable as exc:
            raise AuthFailure(f"cannot check the token now: {exc}", status=503) from None


class Proxy(Authenticator):
    mode = "proxy"

    def __init__(self, settings: Settings) -> None:
        self.users = ProxyUsers(
            networks=parse_networks(settings.trusted_proxies),
            user_header=settings.proxy_user_header,
            groups_header=settings.proxy_groups_header,
            default_scopes=parse_scopes(settings.auth_default_scopes),
            group_scopes=parse_group_scopes(settings.auth_group_scopes),
        )

    async def authenticate(self, scope: Mapping[str, Any]) -> Principal:
        try:
            return self.users.check(peer_of(scope), headers_of(scope))
        except ProxyRejected as exc:
            raise AuthFailure(str(exc)) from None


def authenticator(settings: Settings, store: Callable[[], GraphStore]) -> Authenticator:
    """The authenticator for ``settings.auth``."""
    if settings.auth == "token":
        return Tokens(settings, store)
    if settings.auth == "oidc":
        return Oidc(settings)
    if settings.auth == "proxy":
        return Proxy(settings)
    return Anonymous(settings)

"""OIDC: bearer JWTs from the company's identity provider, checked against its published keys (JWKS).

A token passes when its signature verifies with a key of the provider's JWKS under an allowed
asymmetric algorithm (``alg: none`` and HS* never are), and its issuer, audience and expiry
hold (with a small leeway for clock skew). Its groups claim maps to scopes by configuration.

The keys are cached. A token signed with an unknown key id makes the cache fetch the JWKS
again (the provider rotated its keys), at most once per ``oidc_jwks_refresh_seconds``, so a
flood of forged key ids cannot turn into a flood of requests to the provider; the cache is
also refreshed after an hour whatever happens. The JWKS is fetched asynchronously with a
timeout and a size bound, over HTTPS (plain HTTP only on loopback, for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from catalog.auth.scopes import Principal, Scope

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 3600.0
"""Keys are fetched again after this long even when every token's key id is known."""
FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1 << 20


class OidcRejected(Exception):
    """A bearer token that grants nothing; the message says why (never the token itself)."""


class OidcUnavailable(Exception):
    """The provider's keys cannot be fetched; requests get 503, not 401, since the token may be fine."""


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return url
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme == "http" and loopback:
        return url
    raise OidcUnavailable(f"{what} {url!r} must be an https:// URL (plain http is accepted only on loopback)")


async def _get_json(client: httpx.AsyncClient, url: str) -> Any:
    try:
        async with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise OidcUnavailable(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise OidcUnavailable(f"{url} sent more than {MAX_DOCUMENT_BYTES} bytes; that is no JWKS")
    except httpx.HTTPError as exc:
        raise OidcUnavailable(f"cannot fetch {url}: {exc.__class__.__name__} {exc}") from exc
    import json

    try:
        return json.loads(bytes(body))
    except ValueError as exc:
        raise OidcUnavailable(f"{url} did not answer JSON: {exc}") from exc


class JwksCache:
    """The provider's signing keys by key id, fetched when needed (see the module docstring)."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None,
        *,
        min_refresh: float,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._jwks_url = jwks_url
        self._min_refresh = min_refresh
        self._clock = clock
        self._transport = transport
        self._keys: dict[str | None, dict[str, Any]] = {}
        self._parsed: dict[tuple[str | None, str], jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0
        self.last_error: str | None = None
        """JWKS fetches so far; tests check the refresh bound with it."""

    async def _url(self, client: httpx.AsyncClient) -> str:
        if self._jwks_url is None:
            discovery = _check_url(f"{self._issuer}/.well-known/openid-configuration", "the OIDC discovery URL")
            document = await _get_json(client, discovery)
            uri = document.get("jwks_uri") if isinstance(document, dict) else None
            if not isinstance(uri, str):
                raise OidcUnavailable(f"{discovery} names no jwks_uri; set CATALOG_OIDC_JWKS_URL")
            self._jwks_url = uri
        return _check_url(self._jwks_url, "the JWKS URL (CATALOG_OIDC_JWKS_URL)")

    async def _refresh(self, older_than: float) -> None:
        async with self._lock:
            if self._clock() - self._fetched_at < older_than:
                return
            # Count the attempt before it can fail: a provider that is down is not asked again at once either.
            self._fetched_at = self._clock()
            self.fetches += 1
            try:
                async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False, transport=self._transport) as client:
                    url = await self._url(client)
                    document = await _get_json(client, url)
                keys = document.get("keys") if isinstance(document, dict) else None
                if not isinstance(keys, list):
                    raise OidcUnavailable(f"{url} holds no `keys` list; is it the provider's JWKS?")
            except OidcUnavailable as exc:
                self.last_error = str(exc)
                raise
            self._keys = {k.get("kid"): k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig" and "kty" in k}
            self._parsed = {}
            logger.info("fetched %d signing keys from %s", len(self._keys), url)

    async def prefetch(self) -> int:
        """Fetch the keys now (at start-up, to report a provider that cannot be reached); how many there are."""
        await self._refresh(older_than=0)
        return len(self._keys)

    async def key(self, kid: str | None, alg: str) -> jwt.PyJWK:
        if self._clock() - self._fetched_at >= MAX_AGE_SECONDS:
            try:
                await self._refresh(older_than=MAX_AGE_SECONDS)
            except OidcUnavailable as exc:
                if not self._keys:
                    raise
                # The provider is down: the keys we hold still verify what they verified an hour ago.
                logger.warning("could not refresh the JWKS (%s); keeping the %d keys held", exc, len(self._keys))
        found = self._pick(kid)
        if found is None:
            await self._refresh(older_than=self._min_refresh)
            found = self._pick(kid)
        if found is None and not self._keys:
            raise OidcUnavailable(f"no signing keys could be fetched from the identity provider yet: {self.last_error}")
        if found is None:
            raise OidcRejected(f"the token is signed with a key the provider does not publish (kid {kid!r})")
        declared = found.get("alg")
        if declared is not None and declared != alg:
            raise OidcRejected(f"the token says {alg} but its key is for {declared}")
        cached = self._parsed.get((kid, alg))
        if cached is None:
            try:
                cached = jwt.PyJWK(found, algorithm=alg)
            except jwt.PyJWTError as exc:
                raise OidcRejected(f"the key {kid!r} cannot verify {alg}: {exc}") from exc
            self._parsed[(kid, alg)] = cached
        return cached

    def _pick(self, kid: str | None) -> dict[str, Any] | None:
        if kid is not None:
            return self._keys.get(kid)
        # A token without a key id is accepted only when the provider publishes one key.
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None


class OidcVerifier:
    """Checks bearer JWTs and turns their claims into a principal."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: tuple[str, ...],
        keys: JwksCache,
        user_claim: str,
        groups_claim: str,
        default_scopes: frozenset[Scope],
        group_scopes: Mapping[str, frozenset[Scope]],
        leeway: int,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._keys = keys
        self._user_claim = user_claim
        self._groups_claim = groups_claim
        self._default_scopes = default_scopes
        self._group_scopes = group_scopes
        self._leeway = leeway

    async def check(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcRejected(f"not a JWT: {exc}") from None
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise OidcRejected(f"algorithm {alg!r} is not accepted (CATALOG_OIDC_ALGORITHMS: {', '.join(self._algorithms)})")
        kid = header.get("kid")
        key = await self._keys.key(kid if isinstance(kid, str) else None, str(alg))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[str(alg)],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise OidcRejected("the token expired") from None
        except jwt.InvalidAudienceError:
            raise OidcRejected(f"the token is not for this audience (expected {self._audience!r})") from None
        except jwt.InvalidIssuerError:
            raise OidcRejected(f"the token is from another issuer (expected {self._issuer!r})") from None
        except jwt.InvalidSignatureError:
            raise OidcRejected("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise OidcRejected(f"the token is not valid: {exc}") from None
        user = claims.get(self._user_claim)
        if not isinstance(user, str | int) or str(user) == "":
            raise OidcRejected(f"the token has no {self._user_claim!r} claim (CATALOG_OIDC_USER_CLAIM)")
        return Principal(str(user), "oidc", self.scopes_of(claims.get(self._groups_claim)))

    def scopes_of(self, groups: object) -> frozenset[Scope]:
        names: list[str]
        if isinstance(groups, str):
            names = groups.replace(",", " ").split()
        elif isinstance(groups, list):
            names = [str(g) for g in groups]
        else:
            names = []
        scopes = set(self._default_scopes)
        for name in names:
            scopes |= self._group_scopes.get(name, frozenset())
        return frozenset(scopes)

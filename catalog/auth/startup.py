"""What ``catalog serve`` checks before it listens: a mode that fits the address, and a usable setup."""

from __future__ import annotations

import ipaddress

from catalog.auth.oidc import JwksCache, OidcUnavailable
from catalog.auth.tokens import PREFIX
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.store.tokens import read_tokens


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refusal(settings: Settings) -> str | None:
    """Why the server must not start with these settings; None when it may."""
    if settings.auth == "none" and not settings.allow_anonymous and not is_loopback(settings.host):
        return (
            f"refusing to serve on {settings.host} without authentication: anyone who reaches the port would read every "
            "engineer's name, email and on-call shift. Choose a mode with CATALOG_AUTH: `token` (then create a token with "
            "`catalog token create NAME --scopes read`), `oidc` (set CATALOG_OIDC_ISSUER and CATALOG_OIDC_AUDIENCE) or `proxy` "
            "(set CATALOG_TRUSTED_PROXIES); or serve on 127.0.0.1; or pass --allow-anonymous (CATALOG_ALLOW_ANONYMOUS=true) "
            "if every client on this network may read everything."
        )
    return None


async def notes(settings: Settings, store: GraphStore) -> list[str]:
    """Warnings worth a line at start-up (the server still starts)."""
    out: list[str] = []
    if settings.auth == "token" and not await read_tokens(store):
        out.append(
            "no API token exists yet, so every request will be refused: create one with "
            f"`catalog token create NAME --scopes read[,contacts,admin]` (it prints a token starting {PREFIX})"
        )
    if settings.auth == "oidc":
        assert settings.oidc_issuer is not None
        keys = JwksCache(settings.oidc_issuer, settings.oidc_jwks_url, min_refresh=settings.oidc_jwks_refresh_seconds)
        try:
            if not await keys.prefetch():
                out.append("the identity provider publishes no signing keys: every token will be refused")
        except OidcUnavailable as exc:
            out.append(f"cannot fetch the identity provider's keys yet ({exc}); requests get 503 until it answers")
    if settings.auth == "none" and not is_loopback(settings.host):
        out.append(f"serving anonymously on {settings.host} (--allow-anonymous): every client gets {settings.auth_anonymous_scopes}")
    return out

"""API tokens: how they look, how they are made, and how a presented one is checked.

A token reads ``ocat_<selector>_<secret>``. The prefix makes a leaked token recognisable (secret
scanners, log greps); the selector (public, 12 characters) finds its record; the secret is 256
random bits. The store keeps only SHA-256 of the whole token: a token of 256 random bits needs no
slow hash, since nothing can be guessed. The check compares digests in constant time.

Servers keep a copy of the active tokens and refresh it every ``auth_token_cache_seconds``, and at
once (at most once a second) when an unknown selector shows up, so a token made on another
replica works within a second and a revoked one stops within the cache time, without a store
round trip per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.auth.scopes import Principal, Scope, parse_scopes
from catalog.core.clock import parse_iso
from catalog.store.base import GraphStore, Row
from catalog.store.tokens import read_tokens

logger = logging.getLogger(__name__)

PREFIX = "ocat_"
"""Every catalog API token starts with this ("ownership catalog"), so a leaked one is recognisable."""
SELECTOR_LENGTH = 12
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SHAPE = re.compile(rf"^{PREFIX}([A-Za-z0-9]{{{SELECTOR_LENGTH}}})_([A-Za-z0-9_-]{{43}})$")
MISS_REFRESH_SECONDS = 1.0
"""Least time between two refreshes caused by unknown selectors: bounds the store reads random tokens can cause."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: str
    """Shown once, never stored."""
    selector: str
    secret_hash: str


def new_token() -> NewToken:
    selector = "".join(secrets.choice(_ALPHABET) for _ in range(SELECTOR_LENGTH))
    token = f"{PREFIX}{selector}_{secrets.token_urlsafe(32)}"
    return NewToken(token, selector, hash_token(token))


def selector_of(token: str) -> str | None:
    """The selector of a well-formed token; None for anything else."""
    match = _SHAPE.match(token)
    return match.group(1) if match else None


class TokenRejected(Exception):
    """A presented token that grants nothing; the message says why, without echoing the token."""


@dataclass(frozen=True)
class _Known:
    name: str
    secret_hash: str
    scopes: frozenset[Scope]
    expires_at: datetime | None


def _known(row: Row) -> _Known:
    expires = row.get("expires_at")
    return _Known(
        name=str(row["name"]),
        secret_hash=str(row["secret_hash"]),
        scopes=parse_scopes(list(row.get("scopes") or []), what=f"token {row['name']!r}"),
        expires_at=parse_iso(expires) if expires else None,
    )


class TokenBook:
    """The active tokens as last read from the store, refreshed as the module docstring says."""

    def __init__(self, store: Callable[[], GraphStore], max_age: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._max_age = max_age
        self._clock = clock
        self._tokens: dict[str, _Known] | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self, *, older_than: float) -> None:
        async with self._lock:
            if self._clock() - self._loaded_at < older_than:
                return  # another request refreshed while this one waited
            try:
                rows = await read_tokens(self._store())
            except Exception as exc:
                if self._tokens is None:
                    raise
                # Keep serving the copy we have: the store being down must not lock everyone out of what still works.
                age = self._clock() - self._loaded_at
                logger.warning("could not refresh the API tokens (%s); using the copy from %.0f s ago", exc, age)
                return
            self._tokens = {str(r["selector"]): _known(r) for r in rows}
            self._loaded_at = self._clock()

    async def check(self, token: str) -> Principal:
        selector = selector_of(token)
        if selector is None:
            raise TokenRejected(f"not a catalog API token (they look like {PREFIX}<12 characters>_<43 characters>)")
        if self._tokens is None or self._clock() - self._loaded_at >= self._max_age:
            await self._refresh(older_than=self._max_age)
        assert self._tokens is not None
        known = self._tokens.get(selector)
        if known is None and self._clock() - self._loaded_at >= MISS_REFRESH_SECONDS:
            await self._refresh(older_than=MISS_REFRESH_SECONDS)
            known = self._tokens.get(selector)
        # Compare digests even for an unknown selector, so both paths take the same time.
        expected = known.secret_hash if known is not None else "0" * 64
        if not hmac.compare_digest(hash_token(token), expected) or known is None:
            raise TokenRejected("unknown or revoked API token")
        if known.expires_at is not None and known.expires_at <= datetime.now(UTC):
            raise TokenRejected(f"the API token {known.name!r} expired; create a new one with `catalog token create`")
        return Principal(known.name, "token", known.scopes)

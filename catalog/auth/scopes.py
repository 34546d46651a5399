"""Scopes and principals: what a request may see, and who it runs as.

Pure values and parsers, with no I/O, so the settings can validate with them.
"""

from __future__ import annotations

import ipaddress
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    READ = "read"
    """Services, teams, ownership, dependencies, on-call names, adoption and audits."""
    CONTACTS = "contacts"
    """People's emails, phones and chat handles."""
    ADMIN = "admin"
    """API tokens, and anything that changes the catalog over HTTP."""


ALL_SCOPES = frozenset(Scope)


def parse_scopes(text: str | list[str] | tuple[str, ...], *, what: str = "scopes") -> frozenset[Scope]:
    """``read,contacts`` (or a list) as scopes; a clear error naming the unknown one."""
    items = text.replace(" ", ",").split(",") if isinstance(text, str) else list(text)
    scopes: set[Scope] = set()
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        try:
            scopes.add(Scope(item))
        except ValueError:
            raise ValueError(f"{what}: unknown scope {item!r}; the scopes are {', '.join(s.value for s in Scope)}") from None
    return frozenset(scopes)


def format_scopes(scopes: frozenset[Scope] | set[Scope]) -> str:
    """Scopes in their documented order, comma-separated."""
    return ",".join(s.value for s in Scope if s in scopes)


def parse_group_scopes(text: str) -> dict[str, frozenset[Scope]]:
    """``{"sre": ["read", "contacts"], "catalog-admins": "read,contacts,admin"}`` (JSON) as a mapping.

    JSON rather than a home-made list syntax: group names from directories contain commas and
    equals signs (``cn=sre,ou=groups,dc=acme``)."""
    if not text.strip():
        return {}
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f'not JSON ({exc.msg}); write e.g. {{"sre": ["read", "contacts"]}}') from None
    if not isinstance(raw, dict):
        raise ValueError('must be a JSON object from group to scopes, e.g. {"sre": ["read", "contacts"]}')
    out: dict[str, frozenset[Scope]] = {}
    for group, scopes in raw.items():
        if not isinstance(scopes, str | list):
            raise ValueError(f"group {group!r}: scopes must be a list or a comma-separated string")
        out[str(group)] = parse_scopes(scopes, what=f"group {group!r}")
    return out


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``10.0.0.0/8, 127.0.0.1`` as networks; a clear error naming the bad one."""
    networks = []
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network; write e.g. 10.0.0.0/8 or 127.0.0.1") from None
    return tuple(networks)


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in text.split(",") if i.strip())


@dataclass(frozen=True)
class Principal:
    """Who a request runs as: a token's name, an identity provider's subject, a proxy's user."""

    name: str
    kind: str
    """``token``, ``oidc``, ``proxy``, ``anonymous`` or ``in-process``."""
    scopes: frozenset[Scope]

    @property
    def key(self) -> str:
        """What rate limits and the access log count by."""
        return f"{self.kind}:{self.name}"

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes


IN_PROCESS = Principal("in-process", "in-process", ALL_SCOPES)
"""Code that runs the schema directly (the CLI, tests): no HTTP request, nothing to authenticate."""

SCOPE_KEY = "catalog.principal"
"""Where the middleware leaves the principal in the ASGI scope."""


def principal_of(scope: Any) -> Principal | None:
    """The principal the middleware stored in an ASGI scope (or a Starlette request)."""
    mapping = getattr(scope, "scope", scope)
    value = mapping.get(SCOPE_KEY) if isinstance(mapping, dict) else None
    return value if isinstance(value, Principal) else None


@dataclass
class RequestAuth:
    """The principal of the HTTP request being served, and the guarded fields already reported in it."""

    principal: Principal
    reported: set[str] = field(default_factory=set)


CURRENT: ContextVar[RequestAuth | None] = ContextVar("catalog_request_auth", default=None)
"""Set by the middleware for the length of each request. Everything the request runs (resolvers,
a page that executes the schema in-process) sees the principal, whatever its context object
carries, so the field guard cannot fail open when a context stops carrying the request."""


def current_principal() -> Principal | None:
    """The principal of the HTTP request being served; None outside one (the CLI, tests)."""
    auth = CURRENT.get()
    return auth.principal if auth is not None else None

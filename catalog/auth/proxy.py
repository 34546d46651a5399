"""Proxy mode: an authenticating reverse proxy (oauth2-proxy, an ingress with SSO) in front passes
the user, and the user's groups, in request headers.

Those headers are believed only from the proxies' own addresses (``CATALOG_TRUSTED_PROXIES``):
from anywhere else anyone could send them, so they are ignored and the request is anonymous.
The peer address is the TCP peer, so ``catalog serve`` turns uvicorn's own X-Forwarded-For
handling off (it would put the client's address in the peer's place).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from catalog.auth.scopes import Principal, Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyRejected(Exception):
    """A request proxy mode cannot attribute to a user; the message says why."""


def is_trusted(peer: str | None, networks: tuple[Network, ...]) -> bool:
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


class ProxyUsers:
    def __init__(
        self,
        *,
        networks: tuple[Network, ...],
        user_header: str,
        groups_header: str,
        default_scopes: frozenset[Scope],
        group_scopes: Mapping[str, frozenset[Scope]],
    ) -> None:
        self._networks = networks
        self._user_header = user_header.lower()
        self._groups_header = groups_header.lower()
        self._default_scopes = default_scopes
        self._group_scopes = group_scopes

    def check(self, peer: str | None, headers: Mapping[str, list[str]]) -> Principal:
        """The user the proxy names; ``headers`` by lower-cased name, every value of each."""
        if not is_trusted(peer, self._networks):
            raise ProxyRejected(
                f"requests must come through the authenticating proxy; {peer or 'this peer'} is not in CATALOG_TRUSTED_PROXIES"
            )
        users = headers.get(self._user_header, [])
        if len(users) != 1 or not users[0].strip():
            raise ProxyRejected(f"the proxy passed {'no' if not users else 'more than one'} {self._user_header} header")
        scopes = set(self._default_scopes)
        for value in headers.get(self._groups_header, []):
            for group in (g.strip() for g in value.split(",")):
                scopes |= self._group_scopes.get(group, frozenset())
        return Principal(users[0].strip(), "proxy", frozenset(scopes))

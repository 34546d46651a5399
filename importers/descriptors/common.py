"""What an OpsLevel or Cortex descriptor says, once parsed: the same shape for both formats.

The format parsers (``opslevel``, ``cortex``) check types and turn one YAML document into a
``ServiceDescriptor`` or ``RepositoryDescriptor``; ``build`` resolves those against the
identity index and emits records. Nothing here reads files or knows a format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from catalog.core.identity import name_token
from catalog.core.refs import entity_key
from importers.backstage.repository import Repository

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
"""Descriptors are a few KiB; anything near a megabyte is not one."""

_SNAKE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Where:
    """A field of a descriptor: its path as users read it and its line."""

    file: str
    field: str
    line: int


@dataclass(frozen=True)
class OwnerRef:
    text: str
    """The owner as written: an OpsLevel team alias, a Cortex group name or an email address."""
    label: Literal["Team", "Person"]
    lookups: tuple[tuple[str, str], ...]
    """Handles to try against the identity index, in order: ("name", x), ("github", "org/slug"), ("email", x)."""
    fallback: str
    """The key kept when nothing resolves, so the sync surfaces the dangling owner."""
    where: Where
    evidence: str


@dataclass(frozen=True)
class DependencyRef:
    text: str
    """The other service's OpsLevel alias or Cortex tag."""
    where: Where
    evidence: str


@dataclass(frozen=True)
class RepositoryRef:
    repository: Repository
    evidence: str


@dataclass(frozen=True)
class PagerDutyRef:
    service_id: str
    evidence: str


@dataclass
class ServiceDescriptor:
    """A service described by a descriptor file."""

    origin: str
    """``path#document``: the file and the document's index in it."""
    name: str
    """The name the service goes by in the catalog (OpsLevel ``service.name``, Cortex ``x-cortex-tag``)."""
    name_at: Where
    own_id: str
    """The descriptor's own id for the service, under the format's identifier scheme."""
    props: dict[str, Any]
    """Service properties to store when this import declares the service."""
    aliases: list[str] = field(default_factory=list)
    aliases_evidence: str = ""
    owners: list[OwnerRef] = field(default_factory=list)
    repositories: list[RepositoryRef] = field(default_factory=list)
    dependencies: list[DependencyRef] = field(default_factory=list)
    pagerduty: list[PagerDutyRef] = field(default_factory=list)
    alert_sources: list[tuple[str, str, str]] = field(default_factory=list)
    """Alert sources and tools other than PagerDuty (Datadog, Opsgenie, New Relic, ...): (type, id or name, evidence),
    kept as ``alert-source`` identifiers ``<type>:<id>``."""


@dataclass
class RepositoryDescriptor:
    """A repository-level descriptor: ownership of the repository it lives in, nothing more."""

    origin: str
    repository: Repository
    owners: list[OwnerRef] = field(default_factory=list)


Descriptor = ServiceDescriptor | RepositoryDescriptor


def slug(name: str) -> str:
    """The key part for a name: ``Shopping Cart Service`` → ``shopping-cart-service``.

    The same reduction the identity index matches aliases by, so a Backstage component named
    ``shopping-cart-service`` and an OpsLevel service named ``Shopping Cart Service`` share a key.
    """
    return name_token(name) or name.strip().lower().replace(" ", "-")


def service_key(namespace: str, name: str) -> str:
    return entity_key("component", namespace, slug(name))


def team_key(namespace: str, name: str) -> str:
    return entity_key("group", namespace, name.strip().replace("/", "-"))


def person_key(namespace: str, name: str) -> str:
    return entity_key("user", namespace, name.strip().replace("/", "-"))


def snake_alias(name: str) -> str:
    """OpsLevel's default alias for a name: ``Shopping Cart Service`` → ``shopping_cart_service``."""
    return _SNAKE.sub("_", name.strip().lower()).strip("_") or name.strip().lower()


def team_lookups(name: str, namespace: str) -> tuple[tuple[str, str], ...]:
    """How a team name from a descriptor is looked up: as written, as a key, then reduced (``orders_team`` → ``orders-team``)."""
    candidates: list[tuple[str, str]] = []
    for variant in dict.fromkeys((name.strip(), name_token(name))):
        if variant:
            candidates += [("name", variant), ("key", team_key(namespace, variant))]
    return tuple(dict.fromkeys(candidates))

"""Identity across sources: one Service node per real service, reachable from every identifier.

Each source names services its own way: Backstage by entity name, PagerDuty by service id,
GitHub by repository slug, Kubernetes by workload. Importers stay pure (no store access), so
before one runs the sync command loads an ``IdentityIndex`` from the graph (``catalog.store.identity_index``): every live
service with its names, aliases, identifiers and repositories, every team and person with the
handles other systems know them by. An importer resolves what it reads against the index and
records *how* it matched (``declared``, ``configured``, ``inferred``), so weaker evidence stays
visibly weaker.

Identifier nodes are keyed ``ident:<scheme>:<normalised value>``; any source may state one
(as a weak record) and each source's ``IDENTIFIES`` edge carries its own evidence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from catalog.core.model import IDENTIFIER, IDENTIFIES
from catalog.core.records import NodeRecord, RelRecord

Strength = Literal["declared", "configured", "inferred"]
STRENGTH_ORDER: dict[str, int] = {"declared": 0, "configured": 1, "inferred": 2}

Scheme = Literal["alias", "repository", "pagerduty-service", "workload", "hostname", "opslevel", "cortex", "alert-source"]

PAGERDUTY_SERVICE_ANNOTATION = "pagerduty.com/service-id"
GITHUB_TEAM_ANNOTATION = "github.com/team-slug"
GITHUB_USER_ANNOTATION = "github.com/user-login"
PAGERDUTY_TEAM_ANNOTATION = "pagerduty.com/team-id"

_NON_NAME = re.compile(r"[^a-z0-9]+")


def normalise(value: str) -> str:
    return value.strip().lower()


def name_token(value: str) -> str:
    """A name reduced for fuzzy alias matching: ``Checkout API`` and ``checkout-api`` agree."""
    return _NON_NAME.sub("-", value.strip().lower()).strip("-")


SCHEMES = ("alias", "opslevel", "cortex", "repository", "pagerduty-service", "workload", "hostname", "alert-source")
"""Every identifier scheme. Lookups derive an identifier's key from a value and each scheme (a key
lookup, where LadybugDB would scan every identifier for its value), so a new scheme belongs here."""


NAME_SCHEMES = frozenset({"alias", "opslevel", "cortex"})
"""Schemes whose values are names people write: ``Gift Cards``, ``gift_cards`` and ``gift-cards`` are one value."""


def identifier_value(scheme: str, value: str) -> str:
    """The one normal form of an identifier value, used when it is written and when it is looked up."""
    if scheme in NAME_SCHEMES:
        return name_token(value) or normalise(value)
    return normalise(value)


def identifier_key(scheme: str, value: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(
            f"unknown identifier scheme {scheme!r}; use one of {', '.join(SCHEMES)} or add it to catalog.core.identity.SCHEMES"
        )
    return f"ident:{scheme}:{identifier_value(scheme, value)}"


def identifier_records(
    scheme: str,
    value: str,
    target: tuple[str, str],
    origin: str,
    *,
    strength: Strength,
    evidence: str,
) -> tuple[NodeRecord, RelRecord]:
    """A weak Identifier node and this source's IDENTIFIES edge to ``target`` (label, key)."""
    key = identifier_key(scheme, value)
    node = NodeRecord(
        IDENTIFIER.label, key, {"scheme": scheme, "value": identifier_value(scheme, value), "display": value.strip()}, origin, weak=True
    )
    rel = RelRecord(IDENTIFIES.type, IDENTIFIER.label, key, target[0], target[1], origin, {"strength": strength, "evidence": evidence})
    return node, rel


@dataclass(frozen=True)
class Match:
    key: str
    strength: Strength
    evidence: str


@dataclass
class IdentityIndex:
    """What the catalog already knows, for importers to resolve their records against."""

    services: dict[str, str] = field(default_factory=dict)
    """Service key → name."""
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Normalised service name → keys (names collide across namespaces)."""
    by_token: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Name token of a name or alias → keys: the weak, inferred match."""
    by_identifier: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    """(scheme, normalised value) → service keys, from identifiers and annotations."""
    stated_by: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    """(scheme, normalised value, service key) → source instances that state the identifier."""
    by_repository: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Normalised ``org/repo`` slug → service keys built from it."""
    teams: dict[str, str] = field(default_factory=dict)
    """Team key → name."""
    teams_by_handle: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    """(system, handle) → team keys: ("name", "payments"), ("github", "org/slug"), ("pagerduty", "PABC123")."""
    persons_by_handle: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    """(system, handle) → person keys: ("email", ...), ("github", login), ("name", ...)."""
    platforms: dict[str, bool] = field(default_factory=dict)
    """Platform key → standard."""
    discovered: set[str] = field(default_factory=set)
    """Keys of live services a live source discovered (no descriptor declares them): a declared
    service that matches as well always wins over one of these."""

    # -- building ---------------------------------------------------------------------------

    def add_identifier(self, scheme: str, value: str, key: str, instance: str | None = None) -> None:
        norm = identifier_value(scheme, value)
        self.by_identifier[(scheme, norm)].add(key)
        if instance is not None:
            self.stated_by[(scheme, norm, key)].add(instance)

    def add_service(
        self,
        key: str,
        name: str,
        aliases: Iterable[str] = (),
        annotations: dict[str, str] | None = None,
        instance: str | None = None,
        *,
        discovered: bool = False,
    ) -> None:
        self.services[key] = name
        if discovered:
            self.discovered.add(key)
        # A name as written and as its token: `Order Service` and `order-service` are one name.
        self.by_name[normalise(name)].add(key)
        if name_token(name):
            self.by_name[name_token(name)].add(key)
        self.by_token[name_token(name)].add(key)
        for alias in aliases:
            self.add_identifier("alias", alias, key, instance)
            self.by_token[name_token(alias)].add(key)
        pd = (annotations or {}).get(PAGERDUTY_SERVICE_ANNOTATION)
        if isinstance(pd, str) and pd.strip():
            for value in pd.split(","):
                if value.strip():
                    self.add_identifier("pagerduty-service", value, key, instance)

    def add_team(self, key: str, name: str, annotations: dict[str, str] | None = None) -> None:
        self.teams[key] = name
        self.teams_by_handle[("name", normalise(name))].add(key)
        self.teams_by_handle[("key", key)].add(key)
        for system, annotation in (("github", GITHUB_TEAM_ANNOTATION), ("pagerduty", PAGERDUTY_TEAM_ANNOTATION)):
            value = (annotations or {}).get(annotation)
            if isinstance(value, str) and value.strip():
                self.teams_by_handle[(system, normalise(value))].add(key)

    def add_person(self, key: str, name: str, email: str | None, annotations: dict[str, str] | None = None) -> None:
        self.persons_by_handle[("name", normalise(name))].add(key)
        if email:
            self.persons_by_handle[("email", normalise(email))].add(key)
        login = (annotations or {}).get(GITHUB_USER_ANNOTATION)
        if isinstance(login, str) and login.strip():
            self.persons_by_handle[("github", normalise(login))].add(key)

    # -- resolving --------------------------------------------------------------------------

    def service(
        self,
        *,
        identifiers: Iterable[tuple[str, str]] = (),
        repository: str | None = None,
        name: str | None = None,
        aliases: Iterable[str] = (),
        ignore_instance: str | None = None,
    ) -> tuple[Match | None, list[str]]:
        """The service these identifiers name, strongest evidence first.

        Returns the match (or ``None``) and, when the strongest evidence that matched anything
        matched several services, their keys, so the caller can report the ambiguity.
        ``ignore_instance`` skips identifiers only that source instance states: a source
        resolving against its own earlier links would keep a stale link alive forever.
        """
        for scheme, value in identifiers:
            norm = identifier_value(scheme, value)
            keys = {
                k
                for k in self.by_identifier.get((scheme, norm), set())
                if ignore_instance is None
                or not self.stated_by.get((scheme, norm, k))
                or self.stated_by[(scheme, norm, k)] - {ignore_instance}
            }
            if keys:
                return _one(self._declared_first(keys), "declared", f"{scheme} {value}")
        if repository:
            keys = self.by_repository.get(normalise(repository), set())
            if keys:
                return _one(self._declared_first(keys), "declared", f"repository {repository}")
        if name:
            keys = self.by_name.get(normalise(name), set()) or (self.by_name.get(name_token(name), set()) if name_token(name) else set())
            if keys:
                return _one(self._declared_first(keys), "inferred", f"name {name}")
        for candidate in [*([name] if name else []), *aliases]:
            keys = self.by_token.get(name_token(candidate), set())
            if keys:
                return _one(self._declared_first(keys), "inferred", f"alias match {candidate!r}")
        return None, []

    def _declared_first(self, keys: set[str]) -> set[str]:
        """A discovered service stands in only until a declared one matches: then the declared one takes its place."""
        declared = keys - self.discovered
        return declared or keys

    def team(self, system: str, handle: str) -> set[str]:
        return set(self.teams_by_handle.get((system, normalise(handle)), set()))

    def person(self, system: str, handle: str) -> set[str]:
        return set(self.persons_by_handle.get((system, normalise(handle)), set()))


def _one(keys: set[str], strength: Strength, evidence: str) -> tuple[Match | None, list[str]]:
    if len(keys) == 1:
        return Match(next(iter(keys)), strength, evidence), []
    return None, sorted(keys)

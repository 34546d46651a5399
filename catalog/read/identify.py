"""The reads behind ``catalog.answers.identify``: services by name, identifier, repository, workload,
PagerDuty service, and the candidates for a nearest match.

Each method is one or two indexed lookups and returns frozen rows in a fixed order (sorted on
every column), so the answer's wording never depends on the order an engine returns rows in,
and the snapshot reader (``catalog.read.snapshot.identify``) can answer the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TypeVar

from catalog.read.base import ReadBase
from catalog.read.hops import IDENTIFIED_SERVICES, anchor, hop_table


@dataclass(frozen=True, slots=True)
class NamedService:
    id: str
    name: str | None
    namespace: str | None


@dataclass(frozen=True, slots=True)
class IdentifiedService:
    """A current identifier and one source's current ``IDENTIFIES`` edge to a current service."""

    scheme: str | None
    value: str | None
    display: str | None
    id: str
    name: str | None
    strength: str | None
    evidence: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class RepositoryService:
    """A current repository and, when one is built from it, a current service over one ``BUILT_FROM`` edge."""

    repo: str
    slug: str | None
    host: str | None
    id: str | None
    name: str | None
    evidence: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class WorkloadService:
    """A current workload and, when it runs one, a current service over one ``INSTANCE_OF`` edge."""

    workload: str
    wname: str | None
    namespace: str | None
    kind: str | None
    cluster: str | None
    id: str | None
    name: str | None
    strength: str | None
    evidence: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class EscalatingService:
    """A current service whose ``ESCALATES_VIA`` edge names PagerDuty services (``ids``, comma-separated)."""

    id: str
    name: str | None
    ids: str | None
    strength: str | None
    evidence: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class ServiceAliases:
    id: str
    name: str | None
    aliases: tuple[str, ...]


def _order(value: object) -> tuple[tuple[bool, str], ...]:
    """A sort key over every field, nulls first."""
    return tuple((v is not None, str(v)) for v in (getattr(value, f.name) for f in fields(value)))  # type: ignore[arg-type]


T = TypeVar("T")


def sorted_rows(rows: Sequence[T]) -> list[T]:
    return sorted(rows, key=_order)


NEAR_ROWS = 200
"""Most services a token search returns."""
SIMILAR_ROWS = 2000
"""Most services a prefix search returns."""


class IdentifyReads(ReadBase):
    async def services_named(self, keys: Sequence[str], names: Sequence[str]) -> list[NamedService]:
        """Current services whose key is among ``keys`` or whose name (exactly) among ``names``."""
        if not keys and not names:
            return []
        rows = await self.store.read(
            "MATCH (s:Service) WHERE (s.id IN $keys OR s.name IN $names) AND s.retired_at IS NULL "
            "RETURN s.id AS id, s.name AS name, s.namespace AS namespace",
            {"keys": list(keys), "names": list(names)},
        )
        return sorted_rows([NamedService(r["id"], r["name"], r["namespace"]) for r in rows])

    async def identified_services(self, identifier_keys: Sequence[str]) -> list[IdentifiedService]:
        """The current services the current identifiers among ``identifier_keys`` name, one row per asserting edge."""
        if not identifier_keys:
            return []
        # Keys, not values: LadybugDB indexes keys only, and would scan every identifier for a value
        # (6.5 ms at scale M against a key lookup's fraction of one). Which keys exist first, a key
        # lookup each: LadybugDB plans a hop from unwound keys poorly, and most lookups find none or
        # one (then bound in the pattern, see ``anchor``).
        found = await self.store.read(
            "UNWIND $ids AS key MATCH (i:Identifier {id: key}) WHERE i.retired_at IS NULL RETURN i.id AS id", {"ids": list(identifier_keys)}
        )
        if not found:
            return []
        form, params = anchor([row["id"] for row in found])
        rows = await self.store.read(
            f"{hop_table(IDENTIFIED_SERVICES, self.store.dialect, form).match}\n"
            "RETURN a.scheme AS scheme, a.value AS value, a.display AS display, b.id AS id, b.name AS name, "
            "r.strength AS strength, r.evidence AS evidence, r.source AS source",
            params,
        )
        return sorted_rows([IdentifiedService(**r) for r in rows])

    async def repository_services(self, keys: Sequence[str], slugs: Sequence[str]) -> list[RepositoryService]:
        """Current repositories by key or slug, each with the current services built from it (a row per edge;
        one row without a service when none is)."""
        if not keys and not slugs:
            return []
        rows = await self.store.read(
            "MATCH (r:Repository) WHERE (r.id IN $keys OR r.slug IN $slugs) AND r.retired_at IS NULL "
            "OPTIONAL MATCH (s:Service)-[b:BUILT_FROM]->(r) WHERE b.active = true AND s.retired_at IS NULL "
            "RETURN r.id AS repo, r.slug AS slug, r.host AS host, s.id AS id, s.name AS name, b.evidence AS evidence, b.source AS source",
            {"keys": list(keys), "slugs": list(slugs)},
        )
        return sorted_rows([RepositoryService(**r) for r in rows])

    async def workload_services(self, names: Sequence[str]) -> list[WorkloadService]:
        """Current workloads named any of ``names``, each with the current services it runs (a row per edge;
        one row without a service when it runs none)."""
        if not names:
            return []
        rows = await self.store.read(
            "MATCH (w:Workload) WHERE w.name IN $names AND w.retired_at IS NULL "
            "OPTIONAL MATCH (w)-[r:INSTANCE_OF]->(s:Service) WHERE r.active = true AND s.retired_at IS NULL "
            "RETURN w.id AS workload, w.name AS wname, w.namespace AS namespace, w.kind AS kind, w.cluster AS cluster, "
            "s.id AS id, s.name AS name, r.strength AS strength, r.evidence AS evidence, r.source AS source",
            {"names": list(dict.fromkeys(names))},
        )
        return sorted_rows([WorkloadService(**r) for r in rows])

    async def escalating_services(self, pagerduty_id: str) -> list[EscalatingService]:
        """Current services whose current ``ESCALATES_VIA`` edge's PagerDuty service ids contain ``pagerduty_id``
        (as text: the caller checks the comma-separated list)."""
        rows = await self.store.read(
            "MATCH (s:Service)-[r:ESCALATES_VIA]->(p:EscalationPolicy) WHERE r.external_service CONTAINS $id "
            "AND r.active = true AND s.retired_at IS NULL "
            "RETURN s.id AS id, s.name AS name, r.external_service AS ids, r.strength AS strength, r.evidence AS evidence, "
            "r.source AS source",
            {"id": pagerduty_id},
        )
        return sorted_rows([EscalatingService(**r) for r in rows])

    async def services_containing(self, tokens: Sequence[str], limit: int = NEAR_ROWS) -> list[ServiceAliases]:
        """The first ``limit`` current services, by key, whose search text or an alias (lower-cased) contains a token."""
        if not tokens:
            return []
        rows = await self.store.read(
            "UNWIND $tokens AS t MATCH (s:Service) WHERE s.retired_at IS NULL "
            "AND (s.search_text CONTAINS t OR any(a IN s.aliases WHERE lower(a) CONTAINS t)) "
            f"RETURN DISTINCT s.id AS id, s.name AS name, s.aliases AS aliases ORDER BY id LIMIT {int(limit)}",
            {"tokens": list(tokens)},
        )
        return [ServiceAliases(r["id"], r["name"], tuple(str(a) for a in r["aliases"] or ())) for r in rows]

    async def services_starting(self, prefixes: Sequence[str], limit: int = SIMILAR_ROWS) -> list[ServiceAliases]:
        """The first ``limit`` current services, by key, whose search text starts with a prefix."""
        if not prefixes:
            return []
        rows = await self.store.read(
            "UNWIND $prefixes AS p MATCH (s:Service) WHERE s.retired_at IS NULL AND s.search_text STARTS WITH p "
            f"RETURN DISTINCT s.id AS id, s.name AS name, s.aliases AS aliases ORDER BY id LIMIT {int(limit)}",
            {"prefixes": list(prefixes)},
        )
        return [ServiceAliases(r["id"], r["name"], tuple(str(a) for a in r["aliases"] or ())) for r in rows]

"""What ``identify`` looks up, in memory: service names and search text, identifiers, repositories,
workloads and PagerDuty escalations, each with the current services they lead to.

``IdentifyIndex`` is loaded by six table reads; ``IdentifyFromSnapshot`` answers the reads of
``catalog.read.identify`` from it with the same rows, in the same order, as the Cypher reader.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import MappingProxyType
from typing import Any, ClassVar, Self, TypeVar

from catalog.read.identify import (
    NEAR_ROWS,
    SIMILAR_ROWS,
    EscalatingService,
    IdentifiedService,
    NamedService,
    RepositoryService,
    ServiceAliases,
    WorkloadService,
    sorted_rows,
)
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.store.base import GraphStore, Row

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Service:
    named: NamedService
    aliases: ServiceAliases
    search_text: str | None
    lowered_aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Repository:
    id: str
    slug: str | None
    host: str | None


@dataclass(frozen=True, slots=True)
class _Workload:
    id: str
    name: str | None
    namespace: str | None
    kind: str | None
    cluster: str | None


@dataclass(frozen=True, slots=True)
class _Served:
    """A current service over one current edge, with the edge's facts."""

    id: str
    name: str | None
    strength: str | None
    evidence: str | None
    source: str | None


_SERVICES = (
    "MATCH (s:Service) WHERE s.retired_at IS NULL",
    {"id": "s.id", "name": "s.name", "namespace": "s.namespace", "aliases": "s.aliases", "search_text": "s.search_text"},
)
_IDENTIFIED = (
    "MATCH (a:Identifier)-[r:IDENTIFIES]->(b:Service) WHERE a.retired_at IS NULL AND r.active = true AND b.retired_at IS NULL",
    {
        "key": "a.id",
        "scheme": "a.scheme",
        "value": "a.value",
        "display": "a.display",
        "id": "b.id",
        "name": "b.name",
        "strength": "r.strength",
        "evidence": "r.evidence",
        "source": "r.source",
    },
)
_REPOSITORIES = ("MATCH (r:Repository) WHERE r.retired_at IS NULL", {"id": "r.id", "slug": "r.slug", "host": "r.host"})
_BUILT_FROM = (
    "MATCH (s:Service)-[b:BUILT_FROM]->(r:Repository) WHERE b.active = true AND s.retired_at IS NULL AND r.retired_at IS NULL",
    {"key": "r.id", "id": "s.id", "name": "s.name", "evidence": "b.evidence", "source": "b.source"},
)
_WORKLOADS = (
    "MATCH (w:Workload) WHERE w.retired_at IS NULL",
    {"id": "w.id", "name": "w.name", "namespace": "w.namespace", "kind": "w.kind", "cluster": "w.cluster"},
)
_INSTANCE_OF = (
    "MATCH (w:Workload)-[r:INSTANCE_OF]->(s:Service) WHERE r.active = true AND w.retired_at IS NULL AND s.retired_at IS NULL",
    {"key": "w.id", "id": "s.id", "name": "s.name", "strength": "r.strength", "evidence": "r.evidence", "source": "r.source"},
)
# As the Cypher reader reads it: the policy may be retired, the service may not.
_ESCALATIONS = (
    "MATCH (s:Service)-[r:ESCALATES_VIA]->(p:EscalationPolicy) WHERE r.active = true AND s.retired_at IS NULL "
    "AND r.external_service IS NOT NULL",
    {"id": "s.id", "name": "s.name", "ids": "r.external_service", "strength": "r.strength", "evidence": "r.evidence", "source": "r.source"},
)
_TABLES = (_SERVICES, _IDENTIFIED, _REPOSITORIES, _BUILT_FROM, _WORKLOADS, _INSTANCE_OF, _ESCALATIONS)


@dataclass(frozen=True)
class IdentifyIndex:
    services: tuple[_Service, ...]
    """Current services in key order."""
    service_by_key: Mapping[str, _Service]
    services_by_name: Mapping[str, tuple[_Service, ...]]
    identified: Mapping[str, tuple[IdentifiedService, ...]]
    """Identifier key → a row per current edge to a current service."""
    repositories: Mapping[str, _Repository]
    repositories_by_slug: Mapping[str, tuple[_Repository, ...]]
    built_from: Mapping[str, tuple[_Served, ...]]
    workloads_by_name: Mapping[str, tuple[_Workload, ...]]
    instance_of: Mapping[str, tuple[_Served, ...]]
    escalations: tuple[EscalatingService, ...]

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        tables = [await store.read_table(match, columns) for match, columns in _TABLES]
        return await asyncio.to_thread(cls._build, *tables)

    @classmethod
    def _build(
        cls,
        services: list[Row],
        identified: list[Row],
        repositories: list[Row],
        built_from: list[Row],
        workloads: list[Row],
        instance_of: list[Row],
        escalations: list[Row],
    ) -> Self:
        t = _intern
        all_services = []
        for r in sorted(services, key=lambda r: str(r["id"])):
            aliases = tuple(t(str(a)) for a in r["aliases"] or ())
            key, name = t(str(r["id"])), t(r["name"])
            all_services.append(
                _Service(
                    NamedService(key, name, t(r["namespace"])),
                    ServiceAliases(key, name, aliases),
                    r["search_text"],
                    tuple(a.lower() for a in aliases),
                )
            )
        repos = [_Repository(t(str(r["id"])), t(r["slug"]), t(r["host"])) for r in repositories]
        loads = [_Workload(t(str(r["id"])), t(r["name"]), t(r["namespace"]), t(r["kind"]), t(r["cluster"])) for r in workloads]
        # Ninety thousand identifier rows at scale M: their repeated texts (schemes, strengths, evidence,
        # sources) are shared through one dictionary's C-level ``setdefault``, not a Python call per value.
        same: dict[Any, Any] = {}
        one = same.setdefault
        for service in all_services:  # the services' own keys and names, so rows share those objects
            one(service.named.id, service.named.id)
            one(service.named.name, service.named.name)
        by_identifier: dict[str, list[IdentifiedService]] = {}
        for r in identified:
            scheme, value, display, key, name, strength, evidence, source = _IDENTIFIED_ROW(r)
            by_identifier.setdefault(str(r["key"]), []).append(
                IdentifiedService(
                    one(scheme, scheme), value, value if display == value else display, one(key, key), one(name, name),
                    one(strength, strength), one(evidence, evidence), one(source, source),
                )
            )  # fmt: skip
        return cls(
            tuple(all_services),
            MappingProxyType({s.named.id: s for s in all_services}),
            _grouped((s.named.name, s) for s in all_services if s.named.name is not None),
            MappingProxyType({key: tuple(rows) for key, rows in by_identifier.items()}),
            MappingProxyType({r.id: r for r in repos}),
            _grouped((r.slug, r) for r in repos if r.slug is not None),
            _grouped((str(r["key"]), _served(r, t)) for r in built_from),
            _grouped((w.name, w) for w in loads if w.name is not None),
            _grouped((str(r["key"]), _served(r, t)) for r in instance_of),
            tuple(
                EscalatingService(t(r["id"]), t(r["name"]), r["ids"], t(r["strength"]), t(r["evidence"]), t(r["source"]))
                for r in escalations
            ),
        )


_IDENTIFIED_ROW = itemgetter("scheme", "value", "display", "id", "name", "strength", "evidence", "source")


def _intern(value: Any) -> Any:
    """Names, sources and evidence repeat across rows: one string object each."""
    return sys.intern(value) if isinstance(value, str) and len(value) <= 256 else value


def _served(row: Row, text: Callable[[Any], Any]) -> _Served:
    return _Served(text(str(row["id"])), text(row["name"]), text(row.get("strength")), text(row["evidence"]), text(row["source"]))


def _grouped(pairs: Iterable[tuple[K, V]]) -> Mapping[K, tuple[V, ...]]:
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return MappingProxyType({key: tuple(values) for key, values in grouped.items()})


class IdentifyFromSnapshot(SnapshotReads):
    """``catalog.read.identify``'s reads, from ``IdentifyIndex`` when there is a snapshot."""

    def _index(self) -> IdentifyIndex | None:
        snap = self.snapshot
        return snap.part(IdentifyIndex) if snap is not None and snap.has(IdentifyIndex) else None

    async def services_named(self, keys: Sequence[str], names: Sequence[str]) -> list[NamedService]:
        if (index := self._index()) is None:
            return await super().services_named(keys, names)
        found: dict[str, NamedService] = {}
        for key in keys:
            if (service := index.service_by_key.get(key)) is not None:
                found[key] = service.named
        for name in names:
            for service in index.services_by_name.get(name, ()):
                found[service.named.id] = service.named
        return sorted_rows(list(found.values()))

    async def identified_services(self, identifier_keys: Sequence[str]) -> list[IdentifiedService]:
        if (index := self._index()) is None:
            return await super().identified_services(identifier_keys)
        return sorted_rows([row for key in dict.fromkeys(identifier_keys) for row in index.identified.get(key, ())])

    async def repository_services(self, keys: Sequence[str], slugs: Sequence[str]) -> list[RepositoryService]:
        if (index := self._index()) is None:
            return await super().repository_services(keys, slugs)
        repos: dict[str, _Repository] = {}
        for key in keys:
            if (repo := index.repositories.get(key)) is not None:
                repos[repo.id] = repo
        for slug in slugs:
            for repo in index.repositories_by_slug.get(slug, ()):
                repos[repo.id] = repo
        rows = []
        for repo in repos.values():
            served = index.built_from.get(repo.id, ())
            rows += [RepositoryService(repo.id, repo.slug, repo.host, s.id, s.name, s.evidence, s.source) for s in served]
            if not served:
                rows.append(RepositoryService(repo.id, repo.slug, repo.host, None, None, None, None))
        return sorted_rows(rows)

    async def workload_services(self, names: Sequence[str]) -> list[WorkloadService]:
        if (index := self._index()) is None:
            return await super().workload_services(names)
        rows = []
        for name in dict.fromkeys(names):
            for w in index.workloads_by_name.get(name, ()):
                served = index.instance_of.get(w.id, ())
                rows += [
                    WorkloadService(w.id, w.name, w.namespace, w.kind, w.cluster, s.id, s.name, s.strength, s.evidence, s.source)
                    for s in served
                ]
                if not served:
                    rows.append(WorkloadService(w.id, w.name, w.namespace, w.kind, w.cluster, None, None, None, None, None))
        return sorted_rows(rows)

    async def escalating_services(self, pagerduty_id: str) -> list[EscalatingService]:
        if (index := self._index()) is None:
            return await super().escalating_services(pagerduty_id)
        return sorted_rows([row for row in index.escalations if row.ids is not None and pagerduty_id in row.ids])

    async def services_containing(self, tokens: Sequence[str], limit: int = NEAR_ROWS) -> list[ServiceAliases]:
        if (index := self._index()) is None:
            return await super().services_containing(tokens, limit)
        if not tokens:
            return []
        found = []
        for s in index.services:
            text = s.search_text
            if any((text is not None and t in text) or any(t in a for a in s.lowered_aliases) for t in tokens):
                found.append(s.aliases)
                if len(found) == limit:
                    break
        return found

    async def services_starting(self, prefixes: Sequence[str], limit: int = SIMILAR_ROWS) -> list[ServiceAliases]:
        if (index := self._index()) is None:
            return await super().services_starting(prefixes, limit)
        if not prefixes:
            return []
        starts = tuple(prefixes)
        found = [s.aliases for s in index.services if s.search_text is not None and s.search_text.startswith(starts)]
        return found[:limit]

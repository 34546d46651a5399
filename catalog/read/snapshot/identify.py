"""What ``identify`` looks up, in memory: service names and search text, identifiers, repositories,
workloads and PagerDuty escalations, each with the current services they lead to.

``IdentifyIndex`` is loaded by six table reads; ``IdentifyFromSnapshot`` answers the reads of
``catalog.read.identify`` from it with the same rows, in the same order, as the Cypher reader.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Self, TypeVar

from catalog.core.model import BUILT_FROM, ESCALATES_VIA
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
from catalog.read.nodes import EdgeFacts, GraphNode
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.read.snapshot.current import CurrentGraph
from catalog.store.base import Columns, GraphStore

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


_SEARCH_TEXTS = ("MATCH (s:Service) WHERE s.retired_at IS NULL", {"id": "s.id", "search_text": "s.search_text"})
"""The one thing of a current service ``CurrentGraph`` does not hold (its name, namespace and aliases it does)."""
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
_WORKLOADS = (
    "MATCH (w:Workload) WHERE w.retired_at IS NULL",
    {"id": "w.id", "name": "w.name", "namespace": "w.namespace", "kind": "w.kind", "cluster": "w.cluster"},
)
_INSTANCE_OF = (
    "MATCH (w:Workload)-[r:INSTANCE_OF]->(s:Service) WHERE r.active = true AND w.retired_at IS NULL AND s.retired_at IS NULL",
    {"key": "w.id", "id": "s.id", "name": "s.name", "strength": "r.strength", "evidence": "r.evidence", "source": "r.source"},
)
_TABLES = (_SEARCH_TEXTS, _IDENTIFIED, _REPOSITORIES, _WORKLOADS, _INSTANCE_OF)
"""What the index reads; current services, ``BUILT_FROM`` and ``ESCALATES_VIA`` come from ``CurrentGraph``."""


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

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = (CurrentGraph,)

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        tables = [await store.read_columns(match, columns) for match, columns in _TABLES]
        return await asyncio.to_thread(cls._build, earlier.part(CurrentGraph), *tables)

    @classmethod
    def _build(
        cls,
        graph: CurrentGraph,
        search_texts: Columns,
        identified: Columns,
        repositories: Columns,
        workloads: Columns,
        instance_of: Columns,
    ) -> Self:
        """The index from ``graph`` and column reads, a whole column at a time. The build reads under ``shared_texts``,
        so equal short texts (keys, names, sources, evidence) already are one object each."""
        texts = dict(zip(_keys(search_texts["id"]), search_texts["search_text"], strict=True))
        current = graph.nodes["Service"]
        all_services = []
        for key in sorted(current):
            node = current[key]
            get = node.props.get
            aliases = tuple(str(a) for a in get("aliases") or ())
            name = get("name")
            all_services.append(
                _Service(
                    NamedService(key, name, get("namespace")),
                    ServiceAliases(key, name, aliases),
                    texts.get(key),
                    tuple(a.lower() for a in aliases),
                )
            )
        repos = [_Repository(*row) for row in zip(_keys(repositories["id"]), repositories["slug"], repositories["host"], strict=True)]
        loads = [
            _Workload(*row)
            for row in zip(
                _keys(workloads["id"]), workloads["name"], workloads["namespace"], workloads["kind"], workloads["cluster"], strict=True
            )
        ]
        values = identified["value"]
        found = [
            IdentifiedService(scheme, value, value if display == value else display, key, name, strength, evidence, source)
            for scheme, value, display, key, name, strength, evidence, source in zip(
                identified["scheme"],
                values,
                identified["display"],
                identified["id"],
                identified["name"],
                identified["strength"],
                identified["evidence"],
                identified["source"],
                strict=True,
            )
        ]
        built_from = _served_by(graph, BUILT_FROM.type, "Repository", {r.id for r in repos})
        return cls(
            tuple(all_services),
            MappingProxyType({s.named.id: s for s in all_services}),
            _grouped((s.named.name, s) for s in all_services if s.named.name is not None),
            MappingProxyType({key: tuple(rows) for key, rows in _lists(zip(_keys(identified["key"]), found, strict=True)).items()}),
            MappingProxyType({r.id: r for r in repos}),
            _grouped((r.slug, r) for r in repos if r.slug is not None),
            _grouped(built_from),
            _grouped((w.name, w) for w in loads if w.name is not None),
            _grouped(zip(_keys(instance_of["key"]), _served(instance_of), strict=True)),
            _escalations(graph),
        )


def _served_by(graph: CurrentGraph, rel: str, label: str, keys: set[str]) -> list[tuple[str, _Served]]:
    """(its key, the service) for every current edge of type ``rel`` from a current service to a node of ``label`` whose key
    is in ``keys`` (``BUILT_FROM`` to a current repository: what ``MATCH (s:Service)-[b:BUILT_FROM]->(r:Repository)``
    over current nodes and edges reads)."""
    found = []
    for key, (node, said) in _served_by_any(graph, rel, label):
        if key in keys:
            get = said.props.get
            found.append((key, _Served(node.id, node.props.get("name"), get("strength"), get("evidence"), said.provenance.source)))
    return found


def _escalations(graph: CurrentGraph) -> tuple[EscalatingService, ...]:
    """Current services' current ``ESCALATES_VIA`` edges that name PagerDuty services, to a policy current or retired (as
    the Cypher reader reads them): from the policy's end of ``graph``'s adjacency, which holds every edge from a current node."""
    rows = []
    for _, (node, said) in _served_by_any(graph, ESCALATES_VIA.type, "EscalationPolicy"):
        props = said.props
        if (ids := props.get("external_service")) is not None:
            rows.append(
                EscalatingService(
                    node.id, node.props.get("name"), ids, props.get("strength"), props.get("evidence"), said.provenance.source
                )
            )
    return tuple(rows)


def _served_by_any(graph: CurrentGraph, rel: str, label: str) -> list[tuple[str, tuple[GraphNode, EdgeFacts]]]:
    """(the end's key, (the current service, the edge's facts)) for every current edge of type ``rel`` from a current
    service to any node of ``label``, from the adjacency seen from that node's end (which holds every edge from a
    current node the graph holds, whatever the other end's state)."""
    side, facts, names, ordered = graph.backward[rel], graph.edges[rel], graph.label_names, graph.ordered
    own, other, edge, ptr = side.own, side.other, side.edge, side.ptr
    found = []
    for key, row in side.index.items():
        for i in range(ptr[row], ptr[row + 1]):
            node = ordered[other[i]]
            if names[own[i]] == label and node.label == "Service":
                found.append((key, (node, facts.facts(edge[i]))))
    return found


def _keys(values: list[Any]) -> list[str]:
    """Node keys as texts (they are read as texts: the same objects then)."""
    return [v if type(v) is str else str(v) for v in values]


def _served(table: Columns) -> list[_Served]:
    """A ``_Served`` per row of ``table`` (a read of ``_BUILT_FROM`` or ``_INSTANCE_OF``)."""
    strength = table.get("strength") or [None] * len(table["id"])
    return [_Served(*row) for row in zip(_keys(table["id"]), table["name"], strength, table["evidence"], table["source"], strict=True)]


def _lists(pairs: Iterable[tuple[K, V]]) -> dict[K, list[V]]:
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


def _grouped(pairs: Iterable[tuple[K, V]]) -> Mapping[K, tuple[V, ...]]:
    return MappingProxyType({key: tuple(values) for key, values in _lists(pairs).items()})


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

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
from typing import Any, ClassVar, Self, TypeAlias, TypeVar

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
    """A current service's fields that identify reads; its answers' rows are made when asked (``named``, ``aliases``)."""

    id: str
    name: str | None
    namespace: str | None
    alias_names: tuple[str, ...]
    search_text: str | None
    lowered_aliases: tuple[str, ...]

    @property
    def named(self) -> NamedService:
        return NamedService(self.id, self.name, self.namespace)

    @property
    def aliases(self) -> ServiceAliases:
        return ServiceAliases(self.id, self.name, self.alias_names)


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
class IdentifyTables:
    """The tables ``IdentifyIndex`` is built from, read while ``CurrentGraph`` (which it also needs) loads. A build
    hands them to ``IdentifyIndex`` and keeps nothing of them (``transient``)."""

    tables: tuple[Columns, ...]
    """One column read per ``_TABLES`` entry, in that order."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()
    transient: ClassVar[bool] = True

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        return cls(tuple([await store.read_columns(match, columns) for match, columns in _TABLES]))


@dataclass(frozen=True)
class IdentifyIndex:
    services: tuple[_Service, ...]
    """Current services in key order."""
    service_by_key: Mapping[str, _Service]
    services_by_name: Grouped[_Service]
    identified: Grouped[IdentifiedService]
    """Identifier value → a row per current edge from a current identifier with that value to a current service, for the
    identifiers whose key is ``ident:{scheme}:{value}`` (all that ``identifier_key`` makes): an identifier key is not held
    again beside its value (81,000 of them at scale M, 8 MB)."""
    identified_by_key: Grouped[IdentifiedService]
    """Identifier key → its rows, for any other identifier key."""
    repositories: Mapping[str, _Repository]
    repositories_by_slug: Grouped[_Repository]
    built_from: Grouped[_Served]
    workloads_by_name: Grouped[_Workload]
    instance_of: Grouped[_Served]
    escalations: tuple[EscalatingService, ...]

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = (CurrentGraph, IdentifyTables)

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        return await asyncio.to_thread(cls._build, earlier.part(CurrentGraph), *earlier.part(IdentifyTables).tables)

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
            lowered = tuple(a.lower() for a in aliases)
            # Nearly every service has no aliases: the empty tuple is one object already.
            all_services.append(_Service(key, get("name"), get("namespace"), aliases, texts.get(key), lowered))
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
        by_value: list[tuple[str, IdentifiedService]] = []
        by_key: list[tuple[str, IdentifiedService]] = []
        for key, row in zip(_keys(identified["key"]), found, strict=True):
            if row.value is not None and _is_key_of(key, row):
                by_value.append((row.value, row))
            else:
                by_key.append((key, row))
        return cls(
            tuple(all_services),
            MappingProxyType({s.id: s for s in all_services}),
            _grouped((s.name, s) for s in all_services if s.name is not None),
            _grouped(by_value),
            _grouped(by_key),
            MappingProxyType({r.id: r for r in repos}),
            _grouped((r.slug, r) for r in repos if r.slug is not None),
            _grouped(built_from),
            _grouped((w.name, w) for w in loads if w.name is not None),
            _grouped(zip(_keys(instance_of["key"]), _served(instance_of), strict=True)),
            _escalations(graph),
        )


def _is_key_of(key: str, row: IdentifiedService) -> bool:
    """True when ``key`` is ``ident:{scheme}:{value}`` of ``row``, with no colon in its scheme (so ``_key_parts`` finds them)."""
    scheme, value = row.scheme, row.value
    return scheme is not None and value is not None and ":" not in scheme and key == f"ident:{scheme}:{value}"


def _key_parts(key: str) -> tuple[str, str] | None:
    """(scheme, value) of an identifier key ``ident:{scheme}:{value}``; None for another key."""
    if not key.startswith("ident:"):
        return None
    scheme, colon, value = key[6:].partition(":")
    return (scheme, value) if colon else None


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


Grouped: TypeAlias = Mapping[str, "V | tuple[V, ...]"]
"""Key → its one value, or a tuple of its values when it has several (``_all`` reads either): most keys have one, and a
tuple of one per key was 6 MB of the index at scale M. The values are never tuples themselves."""


def _grouped(pairs: Iterable[tuple[str, V]]) -> Grouped[V]:
    return MappingProxyType({key: values[0] if len(values) == 1 else tuple(values) for key, values in _lists(pairs).items()})


def _all(grouped: Grouped[V], key: str) -> tuple[V, ...]:
    """The values ``_grouped`` holds under ``key``, in the order given; () when none."""
    found = grouped.get(key)
    if found is None:
        return ()
    return found if isinstance(found, tuple) else (found,)


def _identified(index: IdentifyIndex, key: str) -> tuple[IdentifiedService, ...]:
    """The rows of the identifier whose key is ``key``: its edges to current services."""
    if (parts := _key_parts(key)) is not None:
        scheme, value = parts
        if rows := tuple(row for row in _all(index.identified, value) if row.scheme == scheme):
            return rows
    return _all(index.identified_by_key, key)


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
            for service in _all(index.services_by_name, name):
                found[service.id] = service.named
        return sorted_rows(list(found.values()))

    async def identified_services(self, identifier_keys: Sequence[str]) -> list[IdentifiedService]:
        if (index := self._index()) is None:
            return await super().identified_services(identifier_keys)
        return sorted_rows([row for key in dict.fromkeys(identifier_keys) for row in _identified(index, key)])

    async def repository_services(self, keys: Sequence[str], slugs: Sequence[str]) -> list[RepositoryService]:
        if (index := self._index()) is None:
            return await super().repository_services(keys, slugs)
        repos: dict[str, _Repository] = {}
        for key in keys:
            if (repo := index.repositories.get(key)) is not None:
                repos[repo.id] = repo
        for slug in slugs:
            for repo in _all(index.repositories_by_slug, slug):
                repos[repo.id] = repo
        rows = []
        for repo in repos.values():
            served = _all(index.built_from, repo.id)
            rows += [RepositoryService(repo.id, repo.slug, repo.host, s.id, s.name, s.evidence, s.source) for s in served]
            if not served:
                rows.append(RepositoryService(repo.id, repo.slug, repo.host, None, None, None, None))
        return sorted_rows(rows)

    async def workload_services(self, names: Sequence[str]) -> list[WorkloadService]:
        if (index := self._index()) is None:
            return await super().workload_services(names)
        rows = []
        for name in dict.fromkeys(names):
            for w in _all(index.workloads_by_name, name):
                served = _all(index.instance_of, w.id)
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
        found = [s for s in index.services if s.search_text is not None and s.search_text.startswith(starts)]
        return [s.aliases for s in found[:limit]]

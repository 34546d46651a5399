"""Validated Backstage entities → node and relationship records (pure; no I/O).

One pass declares every entity, so references can be checked against the whole import;
a second pass emits nodes and relationships; dependencies derived through APIs and
hierarchy cycles are worked out last, when every edge is known.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.core.identity import PAGERDUTY_SERVICE_ANNOTATION, identifier_records
from catalog.core.model import (
    BUILT_FROM,
    CHILD_OF,
    CONSUMES_API,
    DEPENDS_ON,
    LABEL_BY_BACKSTAGE_KIND,
    MEMBER_OF,
    NODES_BY_LABEL,
    OWNS,
    PART_OF,
    PLATFORM,
    PROVIDES_API,
    REPOSITORY,
    RUNS_ON,
    SERVICE,
    SUBCOMPONENT_OF,
    TEAM,
    RelType,
)
from catalog.core.records import Finding, NodeRecord, RelRecord, Severity
from catalog.core.refs import platform_key
from importers.backstage import resolve
from importers.backstage.cycles import cycle_through, strongly_connected
from importers.backstage.fields import format_path
from importers.backstage.rel_set import Node, RelSet
from importers.backstage.repository import SLUG_ANNOTATION, SOURCE_LOCATION_ANNOTATION, Repository, from_project_slug, from_source_location
from importers.backstage.resolve import RefRule, Resolver, Target
from importers.backstage.validate import (
    ApiSpec,
    ComponentSpec,
    DomainSpec,
    Entity,
    GroupSpec,
    Metadata,
    Profile,
    ResourceSpec,
    SystemSpec,
    UserSpec,
)
from importers.backstage.yaml_lines import Path

STANDARD_PLATFORM_ANNOTATION = "ownership-catalog.io/standard-platform"
PLATFORM_ANNOTATION = "ownership-catalog.io/platform"
TIER_ANNOTATION = "ownership-catalog.io/tier"
TIER_LABEL = "tier"
ALIASES_ANNOTATION = "ownership-catalog.io/aliases"
CHAT_ANNOTATIONS = ("ownership-catalog.io/chat-channel", "slack.com/channel")
MAX_DEFINITION_BYTES = 64 * 1024


@dataclass
class Translation:
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def translate(entities: Sequence[Entity]) -> Translation:
    """Records for ``entities`` (in the order they were read; the first of two duplicates wins)."""
    return _Translator(entities).run()


def is_platform(entity: Entity) -> bool:
    return entity.kind == "resource" and isinstance(entity.spec, ResourceSpec) and (entity.spec.type or "").strip().lower() == "platform"


def node_of(entity: Entity) -> Node:
    if is_platform(entity):
        return PLATFORM.label, platform_key(entity.namespace, entity.name)
    return LABEL_BY_BACKSTAGE_KIND[entity.kind], entity.key


@dataclass(frozen=True)
class _Consumption:
    consumer: Node
    api: Target
    origin: str


class _Translator:
    def __init__(self, entities: Sequence[Entity]) -> None:
        self.findings: list[Finding] = []
        self.entities = self._first_of_each(entities)
        declared = {e.key: e for e in self.entities}
        self.resolver = Resolver(declared, {e.key for e in self.entities if is_platform(e)})
        self.nodes: list[NodeRecord] = []
        self.rels = RelSet()
        self.repositories: dict[str, NodeRecord] = {}
        self.identifiers: dict[str, NodeRecord] = {}
        self.identifier_rels: list[RelRecord] = []
        self.providers: dict[str, list[tuple[Node, Entity]]] = defaultdict(list)
        self.consumptions: list[_Consumption] = []

    def run(self) -> Translation:
        for entity in self.entities:
            self._translate(entity)
        self._derive_api_dependencies()
        self._report_hierarchy_cycles()
        nodes = sorted([*self.nodes, *self.repositories.values(), *self.identifiers.values()], key=lambda n: (n.label, n.id))
        rels = sorted(self.rels.records() + self.identifier_rels, key=lambda r: (r.type, r.src_id, r.dst_id))
        return Translation(nodes, rels, self.findings + self.resolver.findings)

    # -- declarations ------------------------------------------------------------------------

    def _first_of_each(self, entities: Sequence[Entity]) -> list[Entity]:
        first: dict[str, Entity] = {}
        for entity in entities:
            kept = first.get(entity.key)
            if kept is None:
                first[entity.key] = entity
                continue
            self.findings.append(
                Finding(
                    "duplicate-entity",
                    "error",
                    f"{entity.key} is defined twice: first at {kept.where()}, again at {entity.where()}; the first definition is kept",
                    fix=f"remove one of the two definitions of {entity.key}, or rename one",
                    subject=node_of(kept)[1],
                    field="metadata.name",
                    file=entity.file,
                    line=entity.line(("metadata", "name")),
                )
            )
        return list(first.values())

    # -- one entity ----------------------------------------------------------------------------

    def _translate(self, entity: Entity) -> None:
        node = node_of(entity)
        spec = entity.spec
        if isinstance(spec, ComponentSpec):
            self._component(entity, node, spec)
        elif isinstance(spec, ApiSpec):
            self._api(entity, node, spec)
        elif isinstance(spec, ResourceSpec):
            self._resource(entity, node, spec)
        elif isinstance(spec, SystemSpec):
            self._node(entity, node)
            self._owner(entity, node, spec.owner)
            self._link(entity, node, ("spec", "domain"), spec.domain, resolve.DOMAIN, PART_OF)
        elif isinstance(spec, DomainSpec):
            self._node(entity, node)
            self._owner(entity, node, spec.owner)
            self._link(entity, node, ("spec", "subdomainOf"), spec.subdomain_of, resolve.DOMAIN, PART_OF)
        elif isinstance(spec, GroupSpec):
            self._group(entity, node, spec)
        elif isinstance(spec, UserSpec):
            self._node(entity, node, **_profile(spec.profile))
            for path, text in _items(("spec", "memberOf"), spec.member_of):
                self._link(entity, node, path, text, resolve.GROUP, MEMBER_OF)

    def _component(self, entity: Entity, node: Node, spec: ComponentSpec) -> None:
        metadata = entity.metadata
        tier = metadata.label(TIER_LABEL) or metadata.annotation(TIER_ANNOTATION)
        aliases = [a.strip() for a in (metadata.annotation(ALIASES_ANNOTATION) or "").split(",") if a.strip()]
        self._node(entity, node, type=spec.type, lifecycle=spec.lifecycle, tier=tier, aliases=aliases)
        self._require(entity, node, ("spec", "type"), spec.type)
        self._require(entity, node, ("spec", "lifecycle"), spec.lifecycle)
        self._owner(entity, node, spec.owner)
        self._link(entity, node, ("spec", "system"), spec.system, resolve.SYSTEM, PART_OF)
        self._link(entity, node, ("spec", "subcomponentOf"), spec.subcomponent_of, resolve.COMPONENT, SUBCOMPONENT_OF)
        self._dependencies(entity, node, spec.depends_on, spec.dependency_of)
        for path, text in _items(("spec", "providesApis"), spec.provides_apis):
            target = self._link(entity, node, path, text, resolve.API, PROVIDES_API)
            if target is not None:
                self.providers[target.id].append((node, entity))
        for path, text in _items(("spec", "consumesApis"), spec.consumes_apis):
            target = self._link(entity, node, path, text, resolve.API, CONSUMES_API)
            if target is not None:
                self.consumptions.append(_Consumption(node, target, entity.origin))
        self._runs_on_annotation(entity, node)
        self._built_from(entity, node)
        self._identifiers(entity, node, aliases)

    def _identifiers(self, entity: Entity, node: Node, aliases: list[str]) -> None:
        """Aliases and the PagerDuty service id, as identifiers other sources and lookups resolve."""
        named = [("alias", alias, f"annotation {ALIASES_ANNOTATION}") for alias in aliases]
        pagerduty = entity.metadata.annotation(PAGERDUTY_SERVICE_ANNOTATION) or ""
        named += [("pagerduty-service", v.strip(), f"annotation {PAGERDUTY_SERVICE_ANNOTATION}") for v in pagerduty.split(",") if v.strip()]
        for scheme, value, evidence in named:
            ident, rel = identifier_records(scheme, value, node, entity.origin, strength="declared", evidence=evidence)
            self.identifiers.setdefault(ident.id, ident)
            self.identifier_rels.append(rel)

    def _api(self, entity: Entity, node: Node, spec: ApiSpec) -> None:
        definition = _definition_text(spec.definition)
        encoded = (definition or "").encode()
        if len(encoded) > MAX_DEFINITION_BYTES:
            size = len(encoded)
            # Cut on a byte budget, dropping a character the cut would split.
            definition = encoded[:MAX_DEFINITION_BYTES].decode(errors="ignore")
            self.findings.append(
                self._finding(
                    entity,
                    node,
                    ("spec", "definition"),
                    "definition-truncated",
                    "warning",
                    f"spec.definition of {node[1]} is {size} bytes; only the first {MAX_DEFINITION_BYTES} are stored",
                    fix="link to the full definition in metadata.links, or split the API",
                )
            )
        self._node(entity, node, type=spec.type, lifecycle=spec.lifecycle, definition=definition)
        self._require(entity, node, ("spec", "type"), spec.type)
        self._require(entity, node, ("spec", "lifecycle"), spec.lifecycle)
        self._owner(entity, node, spec.owner)
        self._link(entity, node, ("spec", "system"), spec.system, resolve.SYSTEM, PART_OF)

    def _resource(self, entity: Entity, node: Node, spec: ResourceSpec) -> None:
        if node[0] == PLATFORM.label:
            standard = (entity.metadata.annotation(STANDARD_PLATFORM_ANNOTATION) or "").strip().lower() == "true"
            self._node(entity, node, type=spec.type, standard=standard)
            self._owner(entity, node, spec.owner)
            self._link(entity, node, ("spec", "system"), spec.system, resolve.SYSTEM, PART_OF)
            for name, value in (("dependsOn", spec.depends_on), ("dependencyOf", spec.dependency_of)):
                if value:
                    self._unsupported(entity, node, ("spec", name), f"a Platform's spec.{name}")
            return
        self._node(entity, node, type=spec.type)
        self._require(entity, node, ("spec", "type"), spec.type)
        self._owner(entity, node, spec.owner)
        self._link(entity, node, ("spec", "system"), spec.system, resolve.SYSTEM, PART_OF)
        self._dependencies(entity, node, spec.depends_on, spec.dependency_of)

    def _group(self, entity: Entity, node: Node, spec: GroupSpec) -> None:
        chat = next((c for c in (entity.metadata.annotation(a) for a in CHAT_ANNOTATIONS) if c), None)
        self._node(entity, node, type=spec.type, chat_channel=chat, **_profile(spec.profile))
        self._require(entity, node, ("spec", "type"), spec.type)
        self._link(entity, node, ("spec", "parent"), spec.parent, resolve.GROUP, CHILD_OF)
        for path, text in _items(("spec", "children"), spec.children):
            self._link(entity, node, path, text, resolve.GROUP, CHILD_OF, reverse=True)
        for path, text in _items(("spec", "members"), spec.members):
            self._link(entity, node, path, text, resolve.USER, MEMBER_OF, reverse=True)

    # -- nodes -------------------------------------------------------------------------------

    def _node(self, entity: Entity, node: Node, **specific: Any) -> None:
        values = {**_entity_props(entity.metadata), **specific}
        props = {p.name: values.get(p.name) for p in NODES_BY_LABEL[node[0]].props}
        self.nodes.append(NodeRecord(node[0], node[1], props, entity.origin))

    def _require(self, entity: Entity, node: Node, path: Path, value: str | None) -> None:
        if value is None or not value.strip():
            field = format_path(path)
            self.findings.append(
                self._finding(
                    entity,
                    node,
                    path,
                    "missing-field",
                    "warning",
                    f"{node[1]} has no {field}, which Backstage requires; it is imported without one",
                    fix=f"add {field}",
                )
            )

    # -- relationships -----------------------------------------------------------------------

    def _owner(self, entity: Entity, node: Node, owner: str | None) -> None:
        if owner is None or not owner.strip():
            self.findings.append(
                self._finding(
                    entity,
                    node,
                    ("spec", "owner"),
                    "missing-field",
                    "warning",
                    f"{node[1]} has no spec.owner, which Backstage requires; it is imported without an owner",
                    fix="add spec.owner: group:NAME (or user:NAME)",
                )
            )
            return
        target = self.resolver.resolve(entity, node[1], ("spec", "owner"), owner, resolve.OWNER)
        if target is not None:
            self.rels.add(OWNS, (target.label, target.id), node, entity.origin, evidence="spec.owner", if_missing=target.if_missing)

    def _link(
        self,
        entity: Entity,
        node: Node,
        path: Path,
        text: str | None,
        rule: RefRule,
        rel_type: RelType,
        *,
        reverse: bool = False,
    ) -> Target | None:
        """Relate ``node`` to the entity ``text`` names (``reverse``: the named entity to ``node``)."""
        if text is None:
            return None
        target = self.resolver.resolve(entity, node[1], path, text, rule)
        if target is None:
            return None
        src, dst = ((target.label, target.id), node) if reverse else (node, (target.label, target.id))
        if (src[0], dst[0]) not in rel_type.endpoints:
            self._unsupported(entity, node, path, f"{rel_type.type} from {src[0]} to {dst[0]}")
            return None
        self.rels.add(rel_type, src, dst, entity.origin, if_missing=target.if_missing)
        return target

    def _dependencies(self, entity: Entity, node: Node, depends_on: list[str], dependency_of: list[str]) -> None:
        for reverse, name, texts in ((False, "dependsOn", depends_on), (True, "dependencyOf", dependency_of)):
            for path, text in _items(("spec", name), texts):
                target = self.resolver.resolve(entity, node[1], path, text, resolve.DEPENDENCY)
                if target is None:
                    continue
                other = (target.label, target.id)
                src, dst = (other, node) if reverse else (node, other)
                evidence = f"spec.{name}"
                if dst[0] == PLATFORM.label and src[0] == SERVICE.label:
                    # Depending on a platform means running on it.
                    self.rels.add(RUNS_ON, src, dst, entity.origin, evidence=evidence, if_missing=target.if_missing)
                elif (src[0], dst[0]) in DEPENDS_ON.endpoints:
                    self.rels.add(DEPENDS_ON, src, dst, entity.origin, evidence=evidence, if_missing=target.if_missing)
                else:
                    self._unsupported(entity, node, path, f"a dependency from {src[0]} {src[1]} to {dst[0]} {dst[1]}")

    def _runs_on_annotation(self, entity: Entity, node: Node) -> None:
        text = entity.metadata.annotation(PLATFORM_ANNOTATION)
        if text is None:
            return
        path: Path = ("metadata", "annotations", PLATFORM_ANNOTATION)
        target = self.resolver.platform(entity, node[1], path, text)
        if target is not None:
            self.rels.add(
                RUNS_ON,
                node,
                (target.label, target.id),
                entity.origin,
                evidence=f"annotation {PLATFORM_ANNOTATION}",
                if_missing=target.if_missing,
            )

    def _built_from(self, entity: Entity, node: Node) -> None:
        for annotation, parse in ((SLUG_ANNOTATION, from_project_slug), (SOURCE_LOCATION_ANNOTATION, from_source_location)):
            text = entity.metadata.annotation(annotation)
            if text is None:
                continue
            repository = parse(text)
            path: Path = ("metadata", "annotations", annotation)
            if repository is None:
                if annotation == SLUG_ANNOTATION or not text.strip().startswith(("dir:", "file:")):
                    self.findings.append(
                        self._finding(
                            entity,
                            node,
                            path,
                            "invalid-annotation",
                            "warning",
                            f"{format_path(path)} of {node[1]} is {text!r}, which names no repository",
                            fix="write org/repo" if annotation == SLUG_ANNOTATION else "write url:https://HOST/ORG/REPO/tree/BRANCH/",
                        )
                    )
                continue
            self._repository(repository, entity.origin)
            self.rels.add(BUILT_FROM, node, (REPOSITORY.label, repository.key), entity.origin, evidence=f"annotation {annotation}")

    def _repository(self, repository: Repository, origin: str) -> None:
        if repository.key in self.repositories:
            return
        props = {
            "host": repository.host,
            "slug": repository.slug,
            "url": repository.url,
            "name": repository.name,
            "search_text": f"{repository.name} {repository.slug}".lower(),
        }
        # Weak: GitHub, when imported, is the repository's system of record.
        self.repositories[repository.key] = NodeRecord(REPOSITORY.label, repository.key, props, origin, weak=True)

    def _derive_api_dependencies(self) -> None:
        """A consumer of an API depends on every component that provides it."""
        for consumption in sorted(self.consumptions, key=lambda c: (c.consumer[1], c.api.id)):
            for provider, _ in sorted(self.providers.get(consumption.api.id, []), key=lambda p: p[0][1]):
                if provider == consumption.consumer:
                    continue
                self.rels.add(
                    DEPENDS_ON,
                    consumption.consumer,
                    provider,
                    consumption.origin,
                    evidence=f"consumes {consumption.api.id} provided by {provider[1]}",
                    via_api=consumption.api.id,
                )

    def _report_hierarchy_cycles(self) -> None:
        edges: dict[str, set[str]] = defaultdict(set)
        for rel in self.rels.of_type(CHILD_OF):
            edges[rel.src_id].add(rel.dst_id)
        groups = {node_of(e)[1]: e for e in self.entities if e.kind == "group"}
        for members in strongly_connected(edges):
            subject = next((m for m in members if m in groups), None)
            if subject is None:
                continue
            entity = groups[subject]
            cycle = cycle_through(subject, set(members), edges)
            spec = entity.spec
            path: Path = ("spec", "parent") if isinstance(spec, GroupSpec) and spec.parent else ("spec", "children")
            self.findings.append(
                self._finding(
                    entity,
                    (TEAM.label, subject),
                    path,
                    "hierarchy-cycle",
                    "warning",
                    "the group hierarchy has a cycle: " + " → ".join(cycle) + "; the CHILD_OF edges are recorded as written",
                    fix="correct spec.parent or spec.children of one of these groups so the hierarchy is a tree",
                )
            )

    # -- findings ----------------------------------------------------------------------------

    def _unsupported(self, entity: Entity, node: Node, path: Path, what: str) -> None:
        self.findings.append(
            self._finding(
                entity,
                node,
                path,
                "unsupported-relationship",
                "info",
                f"{format_path(path)} of {node[1]}: the catalog's graph model has no place for {what}; it is not recorded",
                fix="nothing to do unless the relationship matters; then ask for it in catalog.core.model",
            )
        )

    @staticmethod
    def _finding(entity: Entity, node: Node, path: Path, kind: str, severity: Severity, message: str, *, fix: str) -> Finding:
        return Finding(kind, severity, message, fix=fix, subject=node[1], field=format_path(path), file=entity.file, line=entity.line(path))


def _items(path: Path, texts: list[str]) -> list[tuple[Path, str]]:
    return [((*path, index), text) for index, text in enumerate(texts)]


def _definition_text(value: Any) -> str | None:
    """The API definition as stored text: text as written; a mapping or list (``$json``, ``$yaml``, or written inline) as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        try:
            # default=str: YAML dates and other non-JSON scalars are kept as their text.
            return json.dumps(value, indent=2, default=str)
        except (TypeError, ValueError):  # keys JSON cannot hold, such as YAML dates
            return str(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _entity_props(metadata: Metadata) -> dict[str, Any]:
    tags = list(metadata.tags or [])
    words = [metadata.name, metadata.title, metadata.description, *tags]
    return {
        "namespace": metadata.namespace,
        "name": metadata.name,
        "title": metadata.title,
        "description": metadata.description,
        "tags": tags,
        "labels": _json(metadata.labels),
        "annotations": _json(metadata.annotations),
        "links": _json(None if metadata.links is None else [link.model_dump(exclude_none=True) for link in metadata.links]),
        "search_text": " ".join(w for w in words if w).lower(),
    }


def _profile(profile: Profile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {"display_name": profile.display_name, "email": profile.email, "picture": profile.picture}

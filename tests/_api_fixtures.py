"""Graph builders for the read-layer and API specifications.

Records are shaped like the Backstage importer's: lower-cased full references as keys, JSON
text for maps and lists, ``search_text`` lower-cased from name, title, description and tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from strawberry import Schema
from strawberry.types import ExecutionResult

from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.records import ImportBatch, NodeRecord, RelRecord
from catalog.refs import entity_key, repository_key
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.sync import ImportReport, sync


def _key(kind: str, ref: str) -> str:
    namespace, _, name = ref.rpartition("/")
    return entity_key(kind, namespace or "default", name)


def _entity_props(ref: str, title: str | None, description: str | None, tags: Iterable[str], **extra: Any) -> dict[str, Any]:
    name = ref.rpartition("/")[2]
    namespace = ref.rpartition("/")[0] or "default"
    tag_list = list(tags)
    search = " ".join(part for part in (name, title, description, *tag_list) if part).lower()
    return {
        "name": name,
        "namespace": namespace,
        "title": title,
        "description": description,
        "tags": tag_list,
        "search_text": search,
        **extra,
    }


@dataclass
class Graph:
    """A little catalog, written through the sync engine like a real import."""

    source: str = "backstage"
    instance: str = "test-catalog"
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)

    def _origin(self) -> str:
        return f"catalog-info.yaml#{len(self.nodes)}"

    def _rel(self, rel_type: str, src: tuple[str, str], dst: tuple[str, str], **props: Any) -> None:
        self.rels.append(RelRecord(rel_type, src[0], src[1], dst[0], dst[1], origin=self._origin(), props=props))

    def team(
        self, ref: str, *, parent: str | None = None, title: str | None = None, chat: str | None = None, email: str | None = None
    ) -> str:
        key = _key("group", ref)
        props = _entity_props(ref, title, None, (), type="team", display_name=title, chat_channel=chat, email=email)
        self.nodes.append(NodeRecord("Team", key, props, self._origin()))
        if parent is not None:
            self._rel("CHILD_OF", ("Team", key), ("Team", _key("group", parent)))
        return key

    def person(self, ref: str, *, member_of: Iterable[str] = (), email: str | None = None) -> str:
        key = _key("user", ref)
        self.nodes.append(
            NodeRecord("Person", key, _entity_props(ref, None, None, (), display_name=ref.title(), email=email), self._origin())
        )
        for team in member_of:
            self._rel("MEMBER_OF", ("Person", key), ("Team", _key("group", team)))
        return key

    def domain(self, ref: str, *, owner: str | None = None, parent: str | None = None) -> str:
        key = _key("domain", ref)
        self.nodes.append(NodeRecord("Domain", key, _entity_props(ref, None, None, ()), self._origin()))
        self._owner(("Domain", key), owner)
        if parent is not None:
            self._rel("PART_OF", ("Domain", key), ("Domain", _key("domain", parent)))
        return key

    def system(self, ref: str, *, owner: str | None = None, domain: str | None = None) -> str:
        key = _key("system", ref)
        self.nodes.append(NodeRecord("System", key, _entity_props(ref, None, None, ()), self._origin()))
        self._owner(("System", key), owner)
        if domain is not None:
            self._rel("PART_OF", ("System", key), ("Domain", _key("domain", domain)))
        return key

    def service(
        self,
        ref: str,
        *,
        owner: str | None = None,
        owners: Iterable[str] = (),
        system: str | None = None,
        lifecycle: str = "production",
        type: str = "service",
        tags: Iterable[str] = (),
        title: str | None = None,
        description: str | None = None,
        depends_on: Iterable[str] = (),
        provides: Iterable[str] = (),
        consumes: Iterable[str] = (),
        repository: str | None = None,
        platform: str | None = None,
        links: list[dict[str, str]] | None = None,
        annotations: dict[str, str] | None = None,
        tier: str | None = None,
    ) -> str:
        key = _key("component", ref)
        props = _entity_props(
            ref,
            title,
            description,
            tags,
            lifecycle=lifecycle,
            type=type,
            tier=tier,
            aliases=[],
            links=json.dumps(links) if links is not None else None,
            annotations=json.dumps(annotations) if annotations is not None else None,
        )
        self.nodes.append(NodeRecord("Service", key, props, self._origin()))
        for owner_ref in ([owner] if owner else []) + list(owners):
            self._owner(("Service", key), owner_ref)
        if system is not None:
            self._rel("PART_OF", ("Service", key), ("System", _key("system", system)))
        for target in depends_on:
            kind, _, rest = target.partition(":")
            label = "Resource" if kind == "resource" else "Service"
            self._rel("DEPENDS_ON", ("Service", key), (label, _key(kind, rest)), evidence="spec.dependsOn")
        for api in provides:
            self._rel("PROVIDES_API", ("Service", key), ("API", _key("api", api)))
        for api in consumes:
            self._rel("CONSUMES_API", ("Service", key), ("API", _key("api", api)))
        if repository is not None:
            host, _, slug = repository.partition("/")
            self._rel("BUILT_FROM", ("Service", key), ("Repository", repository_key(host, slug)), evidence="github.com/project-slug")
        if platform is not None:
            self._rel("RUNS_ON", ("Service", key), ("Platform", _key("platform", platform)), evidence="annotation")
        return key

    def resource(self, ref: str, *, owner: str | None = None, type: str = "database", depends_on: Iterable[str] = ()) -> str:
        key = _key("resource", ref)
        self.nodes.append(NodeRecord("Resource", key, _entity_props(ref, None, None, (), type=type), self._origin()))
        self._owner(("Resource", key), owner)
        for target in depends_on:
            kind, _, rest = target.partition(":")
            self._rel("DEPENDS_ON", ("Resource", key), ("Resource" if kind == "resource" else "Service", _key(kind, rest)))
        return key

    def api(self, ref: str, *, owner: str | None = None, type: str = "openapi", system: str | None = None) -> str:
        key = _key("api", ref)
        self.nodes.append(NodeRecord("API", key, _entity_props(ref, None, None, (), type=type, lifecycle="production"), self._origin()))
        self._owner(("API", key), owner)
        if system is not None:
            self._rel("PART_OF", ("API", key), ("System", _key("system", system)))
        return key

    def repository(self, host_slug: str) -> str:
        host, _, slug = host_slug.partition("/")
        key = repository_key(host, slug)
        props = {"host": host, "slug": slug, "url": f"https://{host_slug}", "name": slug.rpartition("/")[2], "search_text": slug.lower()}
        self.nodes.append(NodeRecord("Repository", key, props, self._origin()))
        return key

    def platform(self, ref: str, *, standard: bool = False, owner: str | None = None) -> str:
        key = _key("platform", ref)
        self.nodes.append(
            NodeRecord("Platform", key, _entity_props(ref, None, None, (), type="platform", standard=standard), self._origin())
        )
        self._owner(("Platform", key), owner)
        return key

    def _owner(self, owned: tuple[str, str], ref: str | None) -> None:
        if ref is None:
            return
        kind, _, rest = ref.partition(":") if ":" in ref else ("group", "", ref)
        label = "Person" if kind == "user" else "Team"
        self._rel("OWNS", (label, _key(kind, rest)), owned, evidence="spec.owner")

    def batch(self) -> ImportBatch:
        return ImportBatch(self.source, self.instance, nodes=list(self.nodes), rels=list(self.rels))

    async def sync(self, store: GraphStore, **kwargs: Any) -> ImportReport:
        return await sync(store, self.batch(), **kwargs)


_SCHEMAS: dict[str, Schema] = {}


def api_settings(**overrides: Any) -> Settings:
    """Settings as the API sees them, with the documented defaults unless overridden."""
    values: dict[str, Any] = {"max_depth": 10, "max_page_size": 500, "max_query_depth": 15, "graphiql": False}
    return Settings(**{**values, **overrides})


def answer_of(response: Any) -> dict[str, Any]:
    """A GraphQL response body without ``extensions.catalog`` (which generation answered; see test_snapshot_holder),
    for tests that compare whole bodies."""
    body: dict[str, Any] = response.json()
    extensions = {k: v for k, v in (body.pop("extensions", None) or {}).items() if k != "catalog"}
    return {**body, "extensions": extensions} if extensions else body


def _schema(settings: Settings) -> Schema:
    key = settings.model_dump_json()
    if key not in _SCHEMAS:
        _SCHEMAS[key] = build_schema(settings)
    return _SCHEMAS[key]


async def execute(
    store: GraphStore, query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None
) -> ExecutionResult:
    """Run one GraphQL request the way the app does: the guarded schema and a fresh per-request context."""
    settings = settings or api_settings()
    result = await _schema(settings).execute(query, variable_values=variables, context_value=build_context(store, settings))
    assert isinstance(result, ExecutionResult)
    return result


async def gql(store: GraphStore, query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None) -> Any:
    """The data of a request that must succeed."""
    result = await execute(store, query, variables, settings=settings)
    assert result.errors is None, [error.message for error in result.errors]
    return result.data


async def gql_errors(
    store: GraphStore, query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None
) -> list[str]:
    """The error messages of a request that must fail."""
    result = await execute(store, query, variables, settings=settings)
    assert result.errors, f"expected errors, got {result.data}"
    return [error.message for error in result.errors]


async def gql_error_objects(
    store: GraphStore, query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The errors of a request that must fail, as a client receives them (message, path, extensions)."""
    result = await execute(store, query, variables, settings=settings)
    assert result.errors, f"expected errors, got {result.data}"
    return [dict(error.formatted) for error in result.errors]

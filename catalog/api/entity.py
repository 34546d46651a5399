"""What catalog objects share: the Entity interface, provenance, links, and field helpers.

Field descriptions for stored properties come from ``catalog.core.model`` where it documents them,
so the schema and the model reference say the same thing.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from catalog.api.node import Node
from catalog.api.scalars import URI
from catalog.core.clock import parse_iso
from catalog.core.model import NodeType
from catalog.read import Provenance as ProvenanceRow


def as_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


@strawberry.type(description="Where a fact comes from and when the catalog saw it.")
class Provenance:
    row: strawberry.Private[ProvenanceRow]

    @strawberry.field(description="The importer that asserted it, e.g. `backstage`.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source: a descriptor root, an org, a cluster.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="Where in the source: a file and document index, or an API endpoint and record id.")
    def origin(self) -> str | None:
        return self.row.origin

    @strawberry.field(description="When an import first saw it.")
    def first_seen_at(self) -> datetime | None:
        return as_time(self.row.first_seen)

    @strawberry.field(description="When an import last saw it.")
    def last_seen_at(self) -> datetime | None:
        return as_time(self.row.last_seen)


@strawberry.type(description="A link from the entity's descriptor: a runbook, a dashboard, docs.")
class Link:
    url: URI = strawberry.field(description="Where the link points.")
    title: str | None = strawberry.field(description="Text to show for it.")
    icon: str | None = strawberry.field(description="Backstage icon name, e.g. `dashboard`.")
    type: str | None = strawberry.field(description="What kind of link, e.g. `runbook`.")


@strawberry.type(description="One entry of a label or annotation map.")
class KeyValue:
    key: str = strawberry.field(description="The label or annotation key, e.g. `pagerduty.com/service-id`.")
    value: str = strawberry.field(description="Its value.")


def _pairs(value: Any) -> list[KeyValue]:
    if not isinstance(value, dict):
        return []
    return [KeyValue(key=str(k), value=str(v)) for k, v in sorted(value.items())]


def _links(value: Any) -> list[Link]:
    if not isinstance(value, list):
        return []
    links: list[Link] = []
    for item in value:
        if isinstance(item, dict) and item.get("url"):
            links.append(Link(url=URI(str(item["url"])), title=item.get("title"), icon=item.get("icon"), type=item.get("type")))
    return links


@strawberry.interface(
    description="A named catalog entity (Backstage-style): service, team, person, system, domain, API, resource or platform."
)
class Entity(Node):
    @strawberry.field(description="The full entity reference, which is also its catalog key, e.g. `component:default/checkout`.")
    def ref(self) -> str:
        return self.row.id

    @strawberry.field(
        description="True when no source states it any more: the catalog keeps it, with its history, and still resolves its id."
    )
    def is_retired(self) -> bool:
        return self.row.retired_at is not None

    @strawberry.field(description="Name as written in the source; lookups ignore case.")
    def name(self) -> str:
        return self.row.text("name") or self.row.id.rpartition("/")[2]

    @strawberry.field(description="Namespace; `default` unless the source says otherwise.")
    def namespace(self) -> str:
        return self.row.text("namespace") or "default"

    @strawberry.field(description="Display title.")
    def title(self) -> str | None:
        return self.row.text("title")

    @strawberry.field(description="What it is, in a sentence or two.")
    def description(self) -> str | None:
        return self.row.text("description")

    @strawberry.field(description="Tags from the descriptor.")
    def tags(self) -> list[str]:
        return list(self.row.texts("tags"))

    @strawberry.field(description="Labels from the descriptor, by key.")
    def labels(self) -> list[KeyValue]:
        return _pairs(self.row.decoded("labels"))

    @strawberry.field(description="Annotations from the descriptor, by key.")
    def annotations(self) -> list[KeyValue]:
        return _pairs(self.row.decoded("annotations"))

    @strawberry.field(description="Links from the descriptor: runbooks, dashboards, docs.")
    def links(self) -> list[Link]:
        return _links(self.row.decoded("links"))

    @strawberry.field(description="Which source stated this entity, and when the catalog saw it.")
    def provenance(self) -> Provenance:
        return Provenance(row=self.row.provenance)


def _doc(node_type: NodeType, name: str, description: str | None) -> str:
    doc = description or node_type.prop(name).doc
    if not doc:
        raise ValueError(f"{node_type.label}.{name} has no description: document it in catalog.core.model or pass one")
    return doc


def text_prop(node_type: NodeType, name: str, description: str | None = None) -> str | None:
    """A field that shows a text property of ``node_type``, documented from the model."""
    node_type.prop(name)

    def resolve(root: Node) -> str | None:
        return root.row.text(name)

    return strawberry.field(resolver=resolve, description=_doc(node_type, name, description))


def texts_prop(node_type: NodeType, name: str, description: str | None = None) -> list[str]:
    node_type.prop(name)

    def resolve(root: Node) -> list[str]:
        return list(root.row.texts(name))

    return strawberry.field(resolver=resolve, description=_doc(node_type, name, description))


def flag_prop(node_type: NodeType, name: str, description: str | None = None) -> bool | None:
    node_type.prop(name)

    def resolve(root: Node) -> bool | None:
        return root.row.flag(name)

    return strawberry.field(resolver=resolve, description=_doc(node_type, name, description))


def number_prop(node_type: NodeType, name: str, description: str | None = None) -> int | None:
    node_type.prop(name)

    def resolve(root: Node) -> int | None:
        return root.row.number(name)

    return strawberry.field(resolver=resolve, description=_doc(node_type, name, description))

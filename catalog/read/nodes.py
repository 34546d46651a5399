"""What the read layer returns: frozen, engine-neutral values, and the Cypher projections that fill them.

Queries never return engine node objects (the two drivers shape them differently); they
return a map literal whose keys are the model's property names, generated here from
``catalog.model``, so a property is spelled only in the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from catalog.model import NODES_BY_LABEL, RelType

PROVENANCE_FIELDS = ("source", "source_instance", "origin", "first_seen", "last_seen")
# Bookkeeping that callers never need; search_text only serves CONTAINS filters.
_NOT_READ = frozenset({"search_text", "content_hash", "run_id", "retired_at", "active"})


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which source stated a fact, where, and when it was first and last seen."""

    source: str | None
    source_instance: str | None
    origin: str | None
    first_seen: str | None
    last_seen: str | None

    @classmethod
    def from_map(cls, values: Mapping[str, Any]) -> Provenance:
        return cls(*(values.get(name) for name in PROVENANCE_FIELDS))


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: its label, key, declared properties and provenance; ``retired_at`` is set only
    by reads that also return retired nodes (``nodes_with_retired``)."""

    label: str
    id: str
    props: Mapping[str, Any]
    provenance: Provenance
    retired_at: str | None = None

    def text(self, name: str) -> str | None:
        value = self.props.get(name)
        return None if value is None else str(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.props.get(name)
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    def flag(self, name: str) -> bool | None:
        value = self.props.get(name)
        return None if value is None else bool(value)

    def number(self, name: str) -> int | None:
        value = self.props.get(name)
        return None if value is None else int(value)

    def decoded(self, name: str) -> Any:
        """A JSON property (maps and lists are stored as JSON text), decoded; None when absent or unreadable."""
        value = self.props.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return None

    @classmethod
    def from_map(cls, label: str, values: Mapping[str, Any]) -> GraphNode:
        declared = NODES_BY_LABEL[label]
        props = {p.name: values.get(p.name) for p in declared.props if p.name not in _NOT_READ}
        return cls(label, str(values[declared.key]), MappingProxyType(props), Provenance.from_map(values), values.get("retired_at"))


@dataclass(frozen=True, slots=True)
class EdgeFacts:
    """The relationship that joined two nodes: its own properties (evidence, ...) and provenance."""

    props: Mapping[str, Any]
    provenance: Provenance

    def text(self, name: str) -> str | None:
        value = self.props.get(name)
        return None if value is None else str(value)

    @classmethod
    def from_map(cls, rel: RelType, values: Mapping[str, Any]) -> EdgeFacts:
        return cls(MappingProxyType({p.name: values.get(p.name) for p in rel.props}), Provenance.from_map(values))


@dataclass(frozen=True, slots=True)
class Linked:
    """A node reached over one relationship from a given node."""

    node: GraphNode
    edge: EdgeFacts


@dataclass(frozen=True, slots=True)
class Ownership:
    """One owner of an entity as one source asserts it: several sources give several entries."""

    owner: GraphNode
    source: str | None
    source_instance: str | None
    evidence: str | None
    origin: str | None
    first_seen: str | None
    last_seen: str | None
    strength: str | None = None

    @property
    def owner_id(self) -> str:
        return self.owner.id

    @property
    def owner_label(self) -> str:
        return self.owner.label

    @classmethod
    def from_link(cls, link: Linked) -> Ownership:
        p = link.edge.provenance
        evidence, strength = link.edge.text("evidence"), link.edge.text("strength")
        return cls(link.node, p.source, p.source_instance, evidence, p.origin, p.first_seen, p.last_seen, strength)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolved owner of an entity (``ACCOUNTABLE_FOR``): the owner the catalog answers with, and why."""

    owner: GraphNode
    rule: str | None
    sources: tuple[str, ...]
    strength: str | None
    first_seen: str | None

    @classmethod
    def from_link(cls, link: Linked) -> Resolution:
        sources = link.edge.props.get("sources")
        names = tuple(str(s) for s in sources) if isinstance(sources, list | tuple) else ()
        return cls(link.node, link.edge.text("rule"), names, link.edge.text("strength"), link.edge.provenance.first_seen)


@dataclass(frozen=True, slots=True)
class Reached:
    """A node found by a transitive traversal, at its shortest distance from the start."""

    node: GraphNode
    distance: int
    via: str
    """Key of the node one step closer to the start through which this one was first reached."""
    edge: EdgeFacts
    """The relationship from ``via`` to this node (its evidence and provenance)."""


@cache
def node_columns(labels: tuple[str, ...]) -> tuple[str, ...]:
    """Every readable property of the labels (a union when a variable may bind several labels)."""
    names: dict[str, None] = {}
    for label in labels:
        for prop in NODES_BY_LABEL[label].all_props:
            if prop.name not in _NOT_READ:
                names[prop.name] = None
    return tuple(names)


def node_map(var: str, labels: Sequence[str]) -> str:
    """A map literal of the node's readable properties; both engines return it as a plain dict."""
    return "{" + ", ".join(f"{name}: {var}.{name}" for name in node_columns(tuple(labels))) + "}"


def rel_map(var: str, rel: RelType) -> str:
    names = [p.name for p in rel.props] + list(PROVENANCE_FIELDS)
    return "{" + ", ".join(f"{name}: {var}.{name}" for name in names) + "}"

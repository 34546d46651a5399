"""Sharing equal values while a snapshot is built: its size is mostly repeated small strings.

Every fact a sync wrote carries the same source, instance and timestamps, and every owner edge
of a team repeats its evidence: one shared ``Provenance`` and one string object per distinct
value keeps a snapshot of a 20,000-service company to tens of MB. The values built are equal to
the ones the Cypher reader builds (``GraphNode.from_map``, ``EdgeFacts.from_map``); only their
identity is shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from catalog.model import RelType
from catalog.read.nodes import EdgeFacts, GraphNode, Provenance

_SHORT = 256
"""Longer strings (descriptions, JSON links) are rarely repeated: not worth a lookup."""


class Interner:
    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._provenance: dict[Provenance, Provenance] = {}

    def text(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) <= _SHORT:
            return self._strings.setdefault(value, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.text(v) for v in value]
        return self.text(value)

    def provenance(self, provenance: Provenance) -> Provenance:
        shared = Provenance(*(self.text(v) for v in vars(provenance).values()))
        return self._provenance.setdefault(shared, shared)

    def props(self, props: Mapping[str, Any]) -> Mapping[str, Any]:
        return MappingProxyType({self.text(k): self.value(v) for k, v in props.items()})

    def node(self, label: str, values: Mapping[str, Any]) -> GraphNode:
        node = GraphNode.from_map(label, values)
        return GraphNode(node.label, self.text(node.id), self.props(node.props), self.provenance(node.provenance), node.retired_at)

    def edge(self, rel: RelType, values: Mapping[str, Any]) -> EdgeFacts:
        facts = EdgeFacts.from_map(rel, values)
        return EdgeFacts(self.props(facts.props), self.provenance(facts.provenance))

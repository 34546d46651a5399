"""Relationships collected the way the store merges them: one record per (type, src, dst)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.core.model import RelType
from catalog.core.records import Finding, RelRecord

Node = tuple[str, str]
"""(label, id) of a node."""


@dataclass
class _Rel:
    record: RelRecord
    evidence: list[str] = field(default_factory=list)
    via_api: list[str] = field(default_factory=list)


class RelSet:
    """Relationships keyed as the store merges them, (type, src, dst): one record per key."""

    def __init__(self) -> None:
        self._rels: dict[tuple[str, str, str], _Rel] = {}

    def add(
        self,
        rel_type: RelType,
        src: Node,
        dst: Node,
        origin: str,
        *,
        evidence: str | None = None,
        via_api: str | None = None,
        if_missing: Finding | None = None,
    ) -> None:
        key = (rel_type.type, src[1], dst[1])
        rel = self._rels.get(key)
        if rel is None:
            props: dict[str, Any] = {p.name: None for p in rel_type.props}
            rel = self._rels[key] = _Rel(RelRecord(rel_type.type, src[0], src[1], dst[0], dst[1], origin, props, if_missing))
        elif if_missing is None:
            # Stated again by a declared entity: both endpoints are known.
            rel.record.if_missing = None
        if evidence is not None and evidence not in rel.evidence:
            rel.evidence.append(evidence)
        if via_api is not None and via_api not in rel.via_api:
            rel.via_api.append(via_api)

    def of_type(self, rel_type: RelType) -> list[RelRecord]:
        return [r.record for k, r in self._rels.items() if k[0] == rel_type.type]

    def records(self) -> list[RelRecord]:
        records = []
        for rel in self._rels.values():
            if "evidence" in rel.record.props:
                rel.record.props["evidence"] = "; ".join(rel.evidence) or None
            if "via_api" in rel.record.props:
                rel.record.props["via_api"] = min(rel.via_api) if rel.via_api else None
            if "strength" in rel.record.props:
                # Everything a descriptor states, its owner above all, is declared evidence.
                rel.record.props["strength"] = "declared"
            records.append(rel.record)
        return sorted(records, key=lambda r: (r.type, r.src_id, r.dst_id))

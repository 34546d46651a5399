"""What an importer hands to the sync engine: records shaped by the graph model.

Importers are pure translators: they turn source payloads into an ``ImportBatch`` and never
touch a store. ``catalog.sync`` diffs the batch against the store and writes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from catalog.core.model import FINDING, NODES_BY_LABEL, RELS_BY_TYPE

Severity = Literal["error", "warning", "info"]


@dataclass
class NodeRecord:
    label: str
    id: str
    props: dict[str, Any]
    origin: str
    """Where the source stated it: ``path/to/catalog-info.yaml#2`` (document index) or an API endpoint."""
    weak: bool = False
    """The source mentions the node but is not its system of record (a repository named by an
    annotation, a team first seen in PagerDuty): it is created when no other source instance
    holds it, and left alone when one does, so two sources never overwrite each other."""

    def __post_init__(self) -> None:
        node = NODES_BY_LABEL.get(self.label)
        if node is None:
            raise ValueError(f"unknown node label {self.label!r}; declare it in catalog.core.model")
        unknown = set(self.props) - {p.name for p in node.props}
        if unknown:
            raise ValueError(f"{self.label} has no properties {sorted(unknown)}; declare them in catalog.core.model")


@dataclass
class RelRecord:
    type: str
    src_label: str
    src_id: str
    dst_label: str
    dst_id: str
    origin: str
    props: dict[str, Any] = field(default_factory=dict)
    if_missing: Finding | None = None
    """Reported instead of writing the relationship when an endpoint exists neither in the
    batch nor in the store (a dangling reference is surfaced, never silently dropped)."""

    def __post_init__(self) -> None:
        rel = RELS_BY_TYPE.get(self.type)
        if rel is None:
            raise ValueError(f"unknown relationship type {self.type!r}; declare it in catalog.core.model")
        if (self.src_label, self.dst_label) not in rel.endpoints:
            raise ValueError(f"{self.type} may not join {self.src_label} to {self.dst_label}; its endpoints are {rel.endpoints}")
        unknown = set(self.props) - {p.name for p in rel.props}
        if unknown:
            raise ValueError(f"{self.type} has no properties {sorted(unknown)}; declare them in catalog.core.model")


@dataclass
class Finding:
    kind: str
    severity: Severity
    message: str
    fix: str = ""
    subject: str | None = None
    field: str | None = None
    reference: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def id(self) -> str:
        digest = hashlib.sha256(
            "\x1f".join(str(v) for v in (self.kind, self.subject, self.field, self.reference, self.file, self.message)).encode()
        ).hexdigest()
        return f"finding:{digest[:24]}"

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text

    def as_record(self) -> NodeRecord:
        props = {p.name: getattr(self, p.name) for p in FINDING.props}
        # Same "file#..." shape as entity origins, so findings of a file that failed to parse are kept.
        origin = f"{self.file}#L{self.line}" if self.file and self.line is not None else (self.file or "")
        return NodeRecord(FINDING.label, self.id, props, origin=origin)


@dataclass
class ImportBatch:
    """Everything one run read from one source instance."""

    source: str
    instance: str
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failed_origins: set[str] = field(default_factory=set)
    """Origins (files, endpoints) that could not be read: facts previously seen there are kept."""
    complete: bool = True
    """False when the source as a whole could not be listed: then nothing is retired."""
    windows: dict[str, Window] = field(default_factory=dict)
    """Per label, the time window the source was read over (on-call shifts): facts that ended
    before it were not asked for, so they are history, not gone."""


@dataclass(frozen=True)
class Window:
    prop: str
    """A TIME property; a fact whose value is before ``since`` lies outside the read (null: open-ended, inside)."""
    since: str
    until: str | None = None
    """How far ahead the read reached (on-call shifts: the end of the fetched window), so an
    answer about a later time can say the data does not reach that far."""

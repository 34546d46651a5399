"""Audits: typed problems with ownership, on-call and platforms, with the fix (see ``catalog.answers.audits``)."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from enum import Enum
from types import MappingProxyType

import strawberry

from catalog.answers import audits as answers
from catalog.answers.audits import KIND_DOCS
from catalog.answers.audits import AuditKind as Kind
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.node import Node, NodeKind, node_type, present
from catalog.read import GraphNode
from catalog.read import Provenance as ProvenanceRow


@strawberry.enum(name="AuditKind", description="The kind of problem an audit reports.")
class AuditKind(Enum):
    INTERRUPTED_SYNC = strawberry.enum_value(Kind.INTERRUPTED_SYNC.value, description=KIND_DOCS[Kind.INTERRUPTED_SYNC])
    UNOWNED_SERVICE = strawberry.enum_value(Kind.UNOWNED_SERVICE.value, description=KIND_DOCS[Kind.UNOWNED_SERVICE])
    UNKNOWN_OWNER = strawberry.enum_value(Kind.UNKNOWN_OWNER.value, description=KIND_DOCS[Kind.UNKNOWN_OWNER])
    NO_ON_CALL_ROUTING = strawberry.enum_value(Kind.NO_ON_CALL_ROUTING.value, description=KIND_DOCS[Kind.NO_ON_CALL_ROUTING])
    OWNER_CONFLICT = strawberry.enum_value(Kind.OWNER_CONFLICT.value, description=KIND_DOCS[Kind.OWNER_CONFLICT])
    CODEOWNERS_GAP = strawberry.enum_value(Kind.CODEOWNERS_GAP.value, description=KIND_DOCS[Kind.CODEOWNERS_GAP])
    STALE_ENTITY = strawberry.enum_value(Kind.STALE_ENTITY.value, description=KIND_DOCS[Kind.STALE_ENTITY])
    STALE_SOURCE = strawberry.enum_value(Kind.STALE_SOURCE.value, description=KIND_DOCS[Kind.STALE_SOURCE])
    DANGLING_REFERENCE = strawberry.enum_value(Kind.DANGLING_REFERENCE.value, description=KIND_DOCS[Kind.DANGLING_REFERENCE])
    OFF_STANDARD_PLATFORM = strawberry.enum_value(Kind.OFF_STANDARD_PLATFORM.value, description=KIND_DOCS[Kind.OFF_STANDARD_PLATFORM])
    UNKNOWN_PLATFORM = strawberry.enum_value(Kind.UNKNOWN_PLATFORM.value, description=KIND_DOCS[Kind.UNKNOWN_PLATFORM])
    SEVERAL_STANDARD_PLATFORMS = strawberry.enum_value(
        Kind.SEVERAL_STANDARD_PLATFORMS.value, description=KIND_DOCS[Kind.SEVERAL_STANDARD_PLATFORMS]
    )
    OPS_HAND_OFF = strawberry.enum_value(Kind.OPS_HAND_OFF.value, description=KIND_DOCS[Kind.OPS_HAND_OFF])
    OWN_PLATFORM = strawberry.enum_value(Kind.OWN_PLATFORM.value, description=KIND_DOCS[Kind.OWN_PLATFORM])
    IMPORT_PROBLEM = strawberry.enum_value(Kind.IMPORT_PROBLEM.value, description=KIND_DOCS[Kind.IMPORT_PROBLEM])


if {k.name for k in AuditKind} != {k.name for k in Kind}:
    raise RuntimeError("catalog.api.audits.types.AuditKind must list every catalog.answers.audits.AuditKind")


@strawberry.enum(name="Severity", description="How much an audit matters; audits are listed most severe first.")
class Severity(Enum):
    ERROR = strawberry.enum_value("error", description="Wrong: someone will be misled or nobody will be reached; fix it.")
    WARNING = strawberry.enum_value("warning", description="Likely wrong or incomplete; look at it.")
    INFO = strawberry.enum_value("info", description="Worth knowing; may be intended.")


@strawberry.type(description="The entity, or source instance, an audit is about.")
class AuditSubject:
    key: str = strawberry.field(description="Its catalog key, e.g. `component:default/checkout`; for a stale source, the source instance.")
    label: strawberry.Private[str | None]
    name: str | None = strawberry.field(description="Its name (for a stale source: the importer).")

    @strawberry.field(description="Its kind of catalog object; null when it is not one (a source instance).")
    def kind(self) -> NodeKind | None:
        try:
            return None if self.label is None else NodeKind(self.label)
        except ValueError:
            return None

    @strawberry.field(description="The catalog object itself (marked `isRetired` if it was retired since); null when it is not one.")
    async def node(self, info: Info) -> Node | None:
        if self.label is None:
            return None
        row = await info.context.loaders.node_with_retired(self.label).load(self.key)
        if row is None:
            return None
        try:
            return present(row)
        except KeyError:  # a label the API has no type for (a workload, an escalation policy)
            return None


@node_type("Audit")
@strawberry.type(description="A problem with ownership, on-call routing, platforms, code owners or the imports, with the fix.")
class Audit(Node):
    audit: strawberry.Private[answers.Audit]

    @classmethod
    def of(cls, audit: answers.Audit) -> Audit:
        # The Node's row carries the audit's stable key (the finding's key, or `<kind>:<subject>`), which its id encodes.
        return cls(row=GraphNode("Audit", audit.id, MappingProxyType({}), ProvenanceRow(None, None, None, None, None)), audit=audit)

    @strawberry.field(description="What the audit is about.")
    def kind(self) -> AuditKind:
        return AuditKind[self.audit.kind.name]

    @strawberry.field(description="How much it matters.")
    def severity(self) -> Severity:
        return Severity[self.audit.severity.upper()]

    @strawberry.field(description="The entity (or source instance) at fault.")
    def subject(self) -> AuditSubject:
        s = self.audit.subject
        return AuditSubject(key=s.key, label=s.label, name=s.name)

    @strawberry.field(description="What is wrong, naming the entity, the source and the evidence.")
    def message(self) -> str:
        return self.audit.message

    @strawberry.field(description="What to do about it.")
    def fix(self) -> str:
        return self.audit.fix

    @strawberry.field(
        description="When the problem was first detected: the first sync that saw it (since it last came back), or the first "
        "import that reported it; null until a sync has seen it."
    )
    async def first_detected_at(self, info: Info) -> datetime | None:
        row = await info.context.loaders.node("AuditSighting").load(self.audit.id)
        seen = [t for t in (None if row is None else row.text("since"), self._reported_at()) if t]
        return as_time(min(seen)) if seen else None

    def _reported_at(self) -> str | None:
        # For a finding, the answer's time is the first import that reported it; for a computed audit it is the query's.
        return self.audit.detected_at if self.audit.finding_kind is not None else None

    @strawberry.field(description="For a problem an import reported: the importer's own kind, e.g. `unknown-reference`; else null.")
    def finding_kind(self) -> str | None:
        return self.audit.finding_kind

    @strawberry.field(description="For a problem an import reported: the importer, e.g. `backstage`.")
    def source(self) -> str | None:
        return self.audit.source

    @strawberry.field(description="For a problem an import reported: the source instance, e.g. `github:acme`.")
    def source_instance(self) -> str | None:
        return self.audit.source_instance

    @strawberry.field(description="The file at fault, if an import named one.")
    def file(self) -> str | None:
        return self.audit.file

    @strawberry.field(description="The line in that file, if known.")
    def line(self) -> int | None:
        return self.audit.line

    @strawberry.field(description="The field at fault, e.g. `spec.owner`.")
    def field(self) -> str | None:
        return self.audit.field

    @strawberry.field(description="The reference that could not be resolved, if any.")
    def reference(self) -> str | None:
        return self.audit.reference


@strawberry.type(description="How many audits there are of one kind at one severity.")
class AuditCount:
    kind: AuditKind = strawberry.field(description="The kind.")
    severity: Severity = strawberry.field(description="The severity.")
    count: int = strawberry.field(description="How many audits of this kind and severity the filter selects.")


def audit_count(row: answers.AuditCount) -> AuditCount:
    return AuditCount(kind=AuditKind[row.kind.name], severity=Severity[row.severity.upper()], count=row.count)

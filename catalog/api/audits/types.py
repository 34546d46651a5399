"""Audits: typed problems with ownership, on-call and platforms, with the fix (see ``catalog.answers.audits``)."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from catalog.answers import audits as answers
from catalog.answers.audits import KIND_DOCS
from catalog.answers.audits import AuditKind as Kind
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.node import Node, present


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
    label: str | None = strawberry.field(description="Its kind of node, e.g. `Service`; null when it is not a catalog node.")
    name: str | None = strawberry.field(description="Its name (for a stale source: the importer).")

    @strawberry.field(description="The catalog object itself, when it exists and the API presents its kind; null otherwise.")
    async def node(self, info: Info) -> Node | None:
        if self.label is None:
            return None
        row = await info.context.loaders.node(self.label).load(self.key)
        if row is None:
            return None
        try:
            return present(row)
        except KeyError:  # a label the API has no type for (a workload, an escalation policy)
            return None


@strawberry.type(description="A problem with ownership, on-call routing, platforms, code owners or the imports, with the fix.")
class Audit:
    row: strawberry.Private[answers.Audit]

    @strawberry.field(description="Stable id of this problem: the finding's key, or `<kind>:<subject>` for computed audits.")
    def id(self) -> str:
        return self.row.id

    @strawberry.field(description="What the audit is about.")
    def kind(self) -> AuditKind:
        return AuditKind[self.row.kind.name]

    @strawberry.field(description="How much it matters.")
    def severity(self) -> Severity:
        return Severity[self.row.severity.upper()]

    @strawberry.field(description="The entity (or source instance) at fault.")
    def subject(self) -> AuditSubject:
        s = self.row.subject
        return AuditSubject(key=s.key, label=s.label, name=s.name)

    @strawberry.field(description="What is wrong, naming the entity, the source and the evidence.")
    def message(self) -> str:
        return self.row.message

    @strawberry.field(description="What to do about it.")
    def fix(self) -> str:
        return self.row.fix

    @strawberry.field(
        description="When it was found: the first import that reported it, or, for audits the catalog computes, the time of the query."
    )
    def detected_at(self) -> datetime | None:
        return as_time(self.row.detected_at)

    @strawberry.field(description="For a problem an import reported: the importer's own kind, e.g. `unknown-reference`; else null.")
    def finding_kind(self) -> str | None:
        return self.row.finding_kind

    @strawberry.field(description="For a problem an import reported: the importer, e.g. `backstage`.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="For a problem an import reported: the source instance, e.g. `github:acme`.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="The file at fault, if an import named one.")
    def file(self) -> str | None:
        return self.row.file

    @strawberry.field(description="The line in that file, if known.")
    def line(self) -> int | None:
        return self.row.line

    @strawberry.field(description="The field at fault, e.g. `spec.owner`.")
    def field(self) -> str | None:
        return self.row.field

    @strawberry.field(description="The reference that could not be resolved, if any.")
    def reference(self) -> str | None:
        return self.row.reference


@strawberry.type(description="How many audits there are of one kind at one severity.")
class AuditCount:
    kind: AuditKind = strawberry.field(description="The kind.")
    severity: Severity = strawberry.field(description="The severity.")
    count: int = strawberry.field(description="How many audits of this kind and severity the filter selects.")


def audit_count(row: answers.AuditCount) -> AuditCount:
    return AuditCount(kind=AuditKind[row.kind.name], severity=Severity[row.severity.upper()], count=row.count)

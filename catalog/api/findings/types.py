"""Findings: problems imports found in their sources, with the fix."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import strawberry

from catalog.api.audits.types import Severity
from catalog.api.entity import Provenance, number_prop, text_prop
from catalog.api.node import Node, node_type
from catalog.core.model import FINDING


@node_type("Finding")
@strawberry.type(description="A problem an import found in its source: a dangling reference, a bad document, a conflict.")
class Finding(Node):
    kind: str | None = text_prop(FINDING, "kind")

    @strawberry.field(description="How much it matters.")
    def severity(self) -> Severity | None:
        text = self.row.text("severity")
        return None if text is None or text.upper() not in Severity.__members__ else Severity[text.upper()]

    subject: str | None = text_prop(FINDING, "subject")
    field: str | None = text_prop(FINDING, "field")
    reference: str | None = text_prop(FINDING, "reference")
    message: str | None = text_prop(FINDING, "message", "What is wrong.")
    fix: str | None = text_prop(FINDING, "fix")
    file: str | None = text_prop(FINDING, "file", "The source file at fault, if any.")
    line: int | None = number_prop(FINDING, "line", "Line in the file, if known.")

    @strawberry.field(description="Which import reported it, and when.")
    def provenance(self) -> Provenance:
        return Provenance(row=self.row.provenance)

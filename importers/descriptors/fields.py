"""Typed access to one descriptor document: a field of the wrong type is reported and ignored.

A null field counts as absent (``owner: null``, ``aliases: ~``). Scalars that YAML 1.1 reads
as numbers (``tier: 1``) are taken as the text they were written as; true/false, lists and
mappings where text belongs are reported, with the file, line, field and a fix.
"""

from __future__ import annotations

import datetime
from typing import Any

from catalog.core.records import Finding, Severity
from importers.backstage.fields import format_path
from importers.backstage.yaml_lines import Path, YamlDocument
from importers.descriptors.common import Where


class Doc:
    def __init__(self, document: YamlDocument, file: str, label: str, findings: list[Finding]) -> None:
        self.document = document
        self.file = file
        self.label = label
        """The format's file name as users know it: ``opslevel.yml``, ``cortex.yaml``."""
        self.findings = findings
        self.record: str | None = None
        """The service or repository the document describes, once known (for messages)."""
        self.subject: str | None = None
        """Its catalog key, once known."""

    @property
    def origin(self) -> str:
        return f"{self.file}#{self.document.index}"

    def where(self, path: Path) -> Where:
        return Where(self.file, format_path(path), self.document.line_of(path))

    def evidence(self, path: Path) -> str:
        return f"{self.label} {format_path(path)}"

    def raw(self, path: Path) -> Any:
        value: Any = self.document.value
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return None
                value = value[part]
            else:
                if not isinstance(value, dict):
                    return None
                value = value.get(part)
        return value

    # -- findings ------------------------------------------------------------------------------

    def report(self, kind: str, severity: Severity, path: Path, message: str, fix: str, *, reference: str | None = None) -> None:
        where = self.where(path)
        self.findings.append(
            Finding(
                kind,
                severity,
                message,
                fix=fix,
                subject=self.subject,
                field=where.field,
                reference=reference,
                file=self.file,
                line=where.line,
            )
        )

    def of(self, path: Path) -> str:
        """``service.aliases of Shopping Cart Service (opslevel.yml)``: a field named for messages."""
        owner = f" of {self.record}" if self.record else ""
        return f"{format_path(path)}{owner} ({self.label})"

    def wrong_type(self, path: Path, value: Any, expected: str, fix: str) -> None:
        self.report("invalid-field", "warning", path, f"{self.of(path)} is {describe(value)}, not {expected}; the field is ignored", fix)

    # -- typed access --------------------------------------------------------------------------

    def string(self, path: Path, *, fix: str | None = None) -> str | None:
        """A text field; ``None`` when absent, null, blank or of the wrong type (reported)."""
        value = self.raw(path)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.wrong_type(path, value, "text", fix or f'write {format_path(path)} as quoted text, e.g. "value"')
            return None
        text = str(value).strip()
        return text or None

    def mapping(self, path: Path, *, fix: str) -> dict[Any, Any] | None:
        value = self.raw(path)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.wrong_type(path, value, "a mapping", fix)
            return None
        return value

    def items(self, path: Path, *, fix: str) -> list[Path]:
        """The paths of a list's items (null items skipped); ``[]`` when absent or not a list (reported)."""
        value = self.raw(path)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(path, value, "a list", fix)
            return []
        return [(*path, i) for i, item in enumerate(value) if item is not None]

    def mappings(self, path: Path, *, fix: str) -> list[Path]:
        """The paths of a list's items that are mappings; other items are reported and skipped."""
        found = []
        for item in self.items(path, fix=fix):
            if isinstance(self.raw(item), dict):
                found.append(item)
            else:
                self.wrong_type(item, self.raw(item), "a mapping", fix)
        return found

    def strings(self, path: Path, *, fix: str) -> list[tuple[Path, str]]:
        """A list of text items, each with its path; other items are reported and skipped."""
        found = []
        for item in self.items(path, fix=fix):
            text = self.string(item, fix=fix)
            if text is not None:
                found.append((item, text))
        return found


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return "null" if value is None else type(value).__name__

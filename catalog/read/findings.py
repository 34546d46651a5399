"""Findings: problems imports found in their sources, for the people who fix them."""

from __future__ import annotations

from typing import Any

from catalog.read.base import ReadBase
from catalog.read.nodes import GraphNode
from catalog.read.pagination import Page


def _conditions(severity: str | None, kind: str | None, subject: str | None = None) -> tuple[list[str], dict[str, Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if subject is not None:
        conditions.append("n.subject = $subject")
        params["subject"] = subject
    if severity is not None:
        conditions.append("n.severity = $severity")
        params["severity"] = severity.lower()
    if kind is not None:
        conditions.append("n.kind = $kind")
        params["kind"] = kind.lower()
    return conditions, params


class FindingReads(ReadBase):
    async def list_findings(
        self, first: int, after: str | None = None, *, severity: str | None = None, kind: str | None = None, subject: str | None = None
    ) -> Page[GraphNode]:
        """Current findings in key order, optionally of one severity, one kind and about one subject (a node key)."""
        conditions, params = _conditions(severity, kind, subject)
        return await self.page_nodes("Finding", first, after, conditions, params)

    async def count_findings(self, *, severity: str | None = None, kind: str | None = None) -> int:
        conditions, params = _conditions(severity, kind)
        return await self.count_nodes("Finding", conditions, params)

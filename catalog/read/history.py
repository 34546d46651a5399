"""Reads for answers about the past: nodes that may be gone, by key.

The interval rule every "as of" read shares is ``catalog.read.intervals``; the dated ownership and
on-call facts are ``catalog.read.oncall``'s (``OnCallReads``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.read.base import ReadBase


@dataclass(frozen=True)
class NamedNode:
    """A node's key and name, current or retired (``retired_at`` set)."""

    key: str
    name: str | None
    retired_at: str | None = None


class HistoryReads(ReadBase):
    """Nodes current or retired, for answers about a past instant or a window."""

    async def any_service(self, key: str) -> NamedNode | None:
        """The service ``key`` whether current or retired: history still answers for a service that is gone."""
        rows = await self.store.read(
            "MATCH (s:Service {id: $key}) RETURN s.id AS id, s.name AS name, s.retired_at AS retired_at", {"key": key}
        )
        return NamedNode(str(rows[0]["id"]), rows[0]["name"], rows[0]["retired_at"]) if rows else None

    async def names_any(self, label: str, keys: Iterable[str]) -> dict[str, str | None]:
        """The names of ``label`` nodes among ``keys``, current or retired (history names what is gone too)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self.store.read(f"UNWIND $ids AS k MATCH (n:{label} {{id: k}}) RETURN n.id AS id, n.name AS name", {"ids": wanted})
        return {str(r["id"]): r["name"] for r in rows}

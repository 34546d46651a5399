"""Reads "as of" a past instant, written once: the interval rule, and the dated facts history answers need.

Nothing in the catalog is deleted. A relationship or node holds over ``[first_seen, retired_at)``
(``retired_at`` null while current); an on-call shift, dated by PagerDuty itself, holds over
``[starts_at, ends_at)`` (a null bound is open). Every read of state at an instant or over a
window uses the predicates here, in Cypher (``held_at``, ``held_during``, ``shift_at``) or in
Python over facts already read (``Interval``, ``held``), so the rule is written once, the way
``catalog.read.hops`` writes the current-state rule once.

Instants are compared as the stored ISO-8601 text (``catalog.core.clock.instant``), which orders
like time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from catalog.read.base import ReadBase

# -- the rule, in Cypher ------------------------------------------------------------------------


def held_at(var: str, at: str = "$at") -> str:
    """Cypher: the node or relationship bound to ``var`` held at the instant ``at`` (a parameter or expression).

    A missing ``first_seen`` counts as "always": facts written before the catalog recorded it."""
    return f"({var}.first_seen IS NULL OR {var}.first_seen <= {at}) AND ({var}.retired_at IS NULL OR {var}.retired_at > {at})"


def held_during(var: str, start: str = "$start", end: str = "$end") -> str:
    """Cypher: ``var`` held at some instant of ``[start, end)``."""
    return f"({var}.first_seen IS NULL OR {var}.first_seen < {end}) AND ({var}.retired_at IS NULL OR {var}.retired_at > {start})"


def shift_at(var: str, at: str = "$at") -> str:
    """Cypher: the on-call shift bound to ``var`` covers the instant ``at`` by its own dates (``[starts_at, ends_at)``).

    Whether a retired shift still counts is the on-call answer's rule (``catalog.answers.oncall``):
    this only says that its dates reach ``at``."""
    return f"({var}.starts_at IS NULL OR {var}.starts_at <= {at}) AND ({var}.ends_at IS NULL OR {var}.ends_at > {at})"


def shift_starting(var: str, start: str = "$start", end: str = "$end") -> str:
    """Cypher: the shift bound to ``var`` starts within ``[start, end)``."""
    return f"{var}.starts_at >= {start} AND {var}.starts_at < {end}"


# -- the rule, in Python --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    """When the catalog held a fact: ``[first_seen, retired_at)``; ``retired_at`` null while current."""

    first_seen: str | None
    retired_at: str | None

    def holds_at(self, t: str) -> bool:
        """The Python form of ``held_at``."""
        return (self.first_seen is None or self.first_seen <= t) and (self.retired_at is None or self.retired_at > t)

    def overlaps(self, start: str, end: str) -> bool:
        """The Python form of ``held_during``."""
        return (self.first_seen is None or self.first_seen < end) and (self.retired_at is None or self.retired_at > start)


class Dated(Protocol):
    @property
    def interval(self) -> Interval: ...


D = TypeVar("D", bound=Dated)


def held(facts: Sequence[D], start: str, end: str | None = None, *, assume_earliest: bool = True) -> tuple[list[D], str | None]:
    """The facts held at ``start`` (or at some time in ``[start, end)``), and when they were assumed.

    With ``assume_earliest``, an instant earlier than every fact's ``first_seen`` gets the
    earliest facts instead, and their ``first_seen`` as the second value (the answer says so).
    """
    hits = [f for f in facts if (f.interval.holds_at(start) if end is None else f.interval.overlaps(start, end))]
    if hits or not assume_earliest or not facts:
        return hits, None
    seen = [f.interval.first_seen for f in facts]
    if any(s is None for s in seen):
        return [], None
    earliest = min(s for s in seen if s is not None)
    if earliest <= (end or start):
        return [], None
    return [f for f in facts if f.interval.first_seen == earliest], earliest


# -- dated facts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    """An owner or person and how to reach them."""

    key: str
    kind: str
    """``Team`` or ``Person``."""
    name: str
    email: str | None = None
    chat_channel: str | None = None


@dataclass(frozen=True, slots=True)
class OwnerEdge:
    """One ownership relationship with its interval: the resolved owner, or one source's claim."""

    rel: str
    """``ACCOUNTABLE_FOR`` (resolved) or ``OWNS`` (one source's claim)."""
    owner: Contact
    interval: Interval
    source: str | None
    source_instance: str | None
    strength: str | None
    why: str | None
    """The reconcile rule (resolved) or the source's evidence (claim)."""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedNode:
    """A node's key and name, current or retired (``retired_at`` set)."""

    key: str
    name: str | None
    retired_at: str | None = None


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def contact_of(row: dict[str, Any]) -> Contact:
    """A contact from a row of ``id``, ``label``, and optionally ``name``, ``display_name``, ``email``, ``chat``."""
    return Contact(
        key=str(row["id"]),
        kind=str(row["label"]),
        name=text_or_none(row.get("display_name")) or text_or_none(row.get("name")) or str(row["id"]),
        email=text_or_none(row.get("email")),
        chat_channel=text_or_none(row.get("chat")),
    )


_OWNER = "o.id AS id, o.name AS name, o.display_name AS display_name, o.email AS email, o.chat_channel AS chat"
_DATED = "r.first_seen AS first_seen, r.retired_at AS retired_at, r.source AS source, r.source_instance AS instance"


class HistoryReads(ReadBase):
    """Dated facts, current and retired, for answers about a past instant or a window."""

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

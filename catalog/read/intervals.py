"""When the catalog held a fact, and which facts held at an instant: the rule every "as of" answer shares.

Nothing in the catalog is deleted. A relationship or node holds over ``[first_seen, retired_at)``
(``retired_at`` null while current); an on-call shift, dated by PagerDuty itself, holds over
``[starts_at, ends_at)`` (a null bound is open). Reads filter by the rule in Cypher (``held_at``,
``held_during``, ``shift_at``, ``shift_starting``); answers over facts already read use it in
Python (``Interval``, ``held``). Instants compare as the stored ISO-8601 text, which orders like time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True)
class Interval:
    """When the catalog held a fact: ``[first_seen, retired_at)``; ``retired_at`` null while current."""

    first_seen: str | None
    retired_at: str | None

    def holds_at(self, t: str) -> bool:
        return (self.first_seen is None or self.first_seen <= t) and (self.retired_at is None or self.retired_at > t)

    def overlaps(self, start: str, end: str) -> bool:
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


# -- the rule, in Cypher ------------------------------------------------------------------------


def held_at(var: str, at: str = "$at") -> str:
    """Cypher: the node or relationship bound to ``var`` held at the instant ``at`` (a parameter or expression);
    ``Interval.holds_at`` in Python. A missing ``first_seen`` counts as "always"."""
    return f"({var}.first_seen IS NULL OR {var}.first_seen <= {at}) AND ({var}.retired_at IS NULL OR {var}.retired_at > {at})"


def held_during(var: str, start: str = "$start", end: str = "$end") -> str:
    """Cypher: ``var`` held at some instant of ``[start, end)``; ``Interval.overlaps`` in Python."""
    return f"({var}.first_seen IS NULL OR {var}.first_seen < {end}) AND ({var}.retired_at IS NULL OR {var}.retired_at > {start})"


def shift_at(var: str, at: str = "$at") -> str:
    """Cypher: the on-call shift bound to ``var`` covers the instant ``at`` by its own dates (``[starts_at, ends_at)``).

    Whether a retired shift still counts is the on-call answer's rule (``catalog.answers.oncall``):
    this only says that its dates reach ``at``."""
    return f"({var}.starts_at IS NULL OR {var}.starts_at <= {at}) AND ({var}.ends_at IS NULL OR {var}.ends_at > {at})"


def shift_starting(var: str, start: str = "$start", end: str = "$end") -> str:
    """Cypher: the shift bound to ``var`` starts within ``[start, end)``."""
    return f"{var}.starts_at >= {start} AND {var}.starts_at < {end}"

"""When the catalog held a fact, and which facts held at an instant: the rule every "as of" answer shares."""

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

"""Keyset pagination on the node key: stable under concurrent imports, no OFFSET scans.

A page asks for ``first + 1`` rows after the last key the client saw; the extra row only
says whether another page exists.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    has_next: bool


def keyset_clause(var: str, after: str | None, params: dict[str, object]) -> list[str]:
    """The WHERE condition for rows after ``after``; added only when there is a cursor."""
    if after is None:
        return []
    params["after"] = after
    return [f"{var}.id > $after"]


def page_of(rows: Sequence[T], first: int) -> Page[T]:
    """Cut the ``first + 1`` rows a keyset query fetched into a page."""
    return Page(tuple(rows[:first]), len(rows) > first)


def slice_page(keys: Sequence[str], first: int, after: str | None) -> tuple[list[str], bool]:
    """Keyset pagination over sorted keys already in memory, with the same semantics as the queries."""
    start = 0 if after is None else bisect.bisect_right(keys, after)
    chosen = list(keys[start : start + first])
    return chosen, start + first < len(keys)

"""Reading a large table in pieces the embedded store's buffer pool can hold.

LadybugDB builds a query's whole result inside its buffer pool before it hands back the first
row, so one read of every DEPENDS_ON edge at scale L (500,000 rows with their provenance) needs
more than the default 256 MiB pool, and the sync and the snapshot stopped with a full pool. A
table read (``GraphStore.read_table``: a MATCH without its RETURN, and the columns it returns)
can instead be read as several reads, each keeping the rows whose first node has an internal
offset in one range: ``offset(ID(a)) >= $lo AND offset(ID(a)) < $hi``. Every row
of the whole read binds exactly one node to that variable, so the ranges partition the rows
and their union is the whole read's rows.

That only holds for a plain read: no aggregation in the columns; no ``UNWIND``, ``ORDER BY``,
``SKIP``, ``LIMIT`` or subquery in the MATCH; and each ``WITH`` keeps the split variable as its
first item (then its aggregates group within one range, and a ``WITH DISTINCT``'s equal rows are
within one range too: the platform facts' ``WITH DISTINCT s, p``). The last ``WITH`` may
instead group by other values when its only aggregates are ``count(*)`` (services per owner, say):
each piece then counts its own rows per group, and the store adds up the counts of equal groups
(``Scan.summed``). ``plan_scan`` refuses anything else, and the store then reads it in one piece
as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_REFUSED = re.compile(r"\b(?:UNWIND|ORDER\s+BY|SKIP|LIMIT|CALL|UNION|RETURN)\b|[{}]", re.IGNORECASE)
"""A MATCH with any of these may not be split by rows (``{`` also covers inline properties, which
make a read small, and EXISTS/COUNT subqueries)."""
_ANY_WITH = re.compile(r"\bWITH\b", re.IGNORECASE)
_WITH = re.compile(r"\bWITH\s+(?:DISTINCT\s+)?(\w+)\s*(?:,|$|\b(?:WHERE|MATCH|OPTIONAL)\b)", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(?:count|collect|sum|min|max|avg|stdev|stdevp|percentile\w*)\s*\(", re.IGNORECASE)
_FIRST_MATCH = re.compile(r"^\s*MATCH\s+(.*?)(?=\bWHERE\b|\bOPTIONAL\b|\bMATCH\b|$)", re.IGNORECASE | re.DOTALL)
_NODE = re.compile(r"\(\s*(\w+)\s*(?::\s*([\w|]+)\s*)?\)")
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_NEXT_CLAUSE = re.compile(r"\b(?:OPTIONAL\s+MATCH|MATCH|WITH)\b", re.IGNORECASE)
_LAST_WITH = re.compile(r"\bWITH\s+(?!.*\bWITH\b)(.*)$", re.IGNORECASE | re.DOTALL)
_COUNT_ITEM = re.compile(r"^count\(\s*\*\s*\)\s+AS\s+(\w+)$", re.IGNORECASE)
_PLAIN_ITEM = re.compile(r"^(?:[\w.]+\s+AS\s+)?(\w+)$", re.IGNORECASE | re.DOTALL)
_EXPR_ITEM = re.compile(r"^.*\s+AS\s+(\w+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Scan:
    """How to split a table read: by the internal offset of the node ``var`` (of ``labels``; None: any label)."""

    var: str
    labels: str | None
    summed: tuple[str, ...] = ()
    """Columns that count rows per group of the other columns (the last WITH's ``count(*)``): the
    pieces' rows of one group are one row, with these columns added up."""

    def max_offset_query(self) -> str:
        """The largest internal offset of the scanned table(s): the ranges run up to it."""
        pattern = f"({self.var}:{self.labels})" if self.labels else f"({self.var})"
        return f"MATCH {pattern} RETURN max(offset(ID({self.var}))) AS top"

    def piece(self, match: str) -> str:
        """``match`` restricted to the offsets in ``[$scan_lo, $scan_hi)``."""
        condition = f"offset(ID({self.var})) >= $scan_lo AND offset(ID({self.var})) < $scan_hi"
        first = _FIRST_MATCH.match(match)
        assert first is not None  # plan_scan accepted the match
        head, rest = match[: first.end()], match[first.end() :]
        # The condition goes into the first MATCH clause's own WHERE (a later WHERE may belong to an OPTIONAL MATCH).
        stripped = rest.lstrip()
        if (where := _WHERE.match(stripped)) is not None:
            # The clause's own condition runs up to the next (OPTIONAL) MATCH; it is kept whole in
            # parentheses, so an OR in it cannot escape the range.
            tail = stripped[where.end() :]
            end = _NEXT_CLAUSE.search(tail)
            cut = end.start() if end is not None else len(tail)
            return f"{head.rstrip()} WHERE {condition} AND ({tail[:cut].strip()}) {tail[cut:]}".rstrip()
        return f"{head.rstrip()} WHERE {condition} {rest.lstrip()}".rstrip()


def plan_scan(match: str, columns: Mapping[str, str]) -> Scan | None:
    """The variable to split ``match`` on, or None when the read must stay whole.

    The first MATCH clause's first node with a label, else its first node. Not a relationship:
    LadybugDB 0.22 returned some edges twice when a two-hop pattern was filtered on its first
    edge's offset (after a second sync of the demo); node offsets split every read exactly
    (``tests/test_embedded_pieces.py`` compares every table read the catalog makes)."""
    if _REFUSED.search(match) or any(_AGGREGATE.search(expr) for expr in columns.values()):
        return None
    first = _FIRST_MATCH.match(match)
    if first is None:
        return None
    clause = first.group(1)
    nodes = _NODE.findall(clause)
    if not nodes:
        return None
    var, labels = next(((v, lab) for v, lab in nodes if lab), nodes[0])
    scan = Scan(var, labels or None)
    # A WITH may aggregate only when it keeps the split variable as its first item: its groups are
    # then each within one range (one row per service, say), so the pieces still add up to the whole.
    kept = _WITH.findall(match)
    withs = len(_ANY_WITH.findall(match))
    if len(kept) == withs and all(var == scan.var for var in kept):
        return scan
    if len(kept) == withs - 1 and all(var == scan.var for var in kept):
        counted = _counted_groups(match, columns)
        if counted:
            return Scan(scan.var, scan.labels, counted)
    return None


def _counted_groups(match: str, columns: Mapping[str, str]) -> tuple[str, ...]:
    """The columns to add up when the last WITH groups by plain values and counts rows (``WITH a AS k, b,
    count(*) AS n``, returning only its names); () when it does anything else."""
    last = _LAST_WITH.search(match)
    if last is None or re.search(r"\b(?:WHERE|MATCH|DISTINCT)\b", last.group(1), re.IGNORECASE):
        return ()
    counts: set[str] = set()
    names: set[str] = set()
    for item in _top_level_items(last.group(1)):
        if (count := _COUNT_ITEM.match(item)) is not None:
            counts.add(count.group(1))
        elif _AGGREGATE.search(item):
            return ()
        elif (name := _PLAIN_ITEM.match(item) or _EXPR_ITEM.match(item)) is not None:
            names.add(name.group(1))
        else:
            return ()
    if not counts or any(expr not in counts | names for expr in columns.values()):
        return ()
    return tuple(name for name, expr in columns.items() if expr in counts)


def _top_level_items(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and brackets, each item stripped."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return items


def add_up(rows: list[dict[str, Any]], summed: tuple[str, ...]) -> list[dict[str, Any]]:
    """``rows`` from several pieces with the rows of equal groups made one, their ``summed`` columns added up."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(_hashable(v) for k, v in row.items() if k not in summed)
        if (seen := merged.get(key)) is None:
            merged[key] = dict(row)
        else:
            for name in summed:
                seen[name] += row[name]
    return list(merged.values())


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value

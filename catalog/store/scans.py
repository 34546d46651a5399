"""Reading a large table in pieces the embedded store's buffer pool can hold.

LadybugDB builds a query's whole result inside its buffer pool before it hands back the first
row, so one read of every DEPENDS_ON edge at scale L (500,000 rows with their provenance) needs
more than the default 256 MiB pool, and the sync and the snapshot stopped with a full pool. A
table read (``GraphStore.read_table``: a MATCH without its RETURN, and the columns it returns)
can instead be read as several reads, each keeping the rows whose first node has an internal
offset in one range: ``offset(ID(a)) >= $lo AND offset(ID(a)) < $hi``. Every row
of the whole read binds exactly one node to that variable, so the ranges partition the rows
and their union is the whole read's rows.

That only holds for a plain read: no aggregation in the columns; no ``UNWIND``, ``WITH DISTINCT``,
``ORDER BY``, ``SKIP``, ``LIMIT`` or subquery in the MATCH; and each ``WITH`` keeps the split
variable as its first item (then its aggregates group within one range). ``plan_scan`` refuses
anything else, and the store then reads it in one piece as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_REFUSED = re.compile(r"\b(?:UNWIND|WITH\s+DISTINCT|ORDER\s+BY|SKIP|LIMIT|CALL|UNION|RETURN)\b|[{}]", re.IGNORECASE)
"""A MATCH with any of these may not be split by rows (``{`` also covers inline properties, which
make a read small, and EXISTS/COUNT subqueries)."""
_ANY_WITH = re.compile(r"\bWITH\b", re.IGNORECASE)
_WITH = re.compile(r"\bWITH\s+(\w+)\s*(?:,|$|\b(?:WHERE|MATCH|OPTIONAL)\b)", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(?:count|collect|sum|min|max|avg|stdev|stdevp|percentile\w*)\s*\(", re.IGNORECASE)
_FIRST_MATCH = re.compile(r"^\s*MATCH\s+(.*?)(?=\bWHERE\b|\bOPTIONAL\b|\bMATCH\b|$)", re.IGNORECASE | re.DOTALL)
_NODE = re.compile(r"\(\s*(\w+)\s*(?::\s*([\w|]+)\s*)?\)")
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_NEXT_CLAUSE = re.compile(r"\b(?:OPTIONAL\s+MATCH|MATCH|WITH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Scan:
    """How to split a table read: by the internal offset of the node ``var`` (of ``labels``; None: any label)."""

    var: str
    labels: str | None

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
    if len(kept) != len(_ANY_WITH.findall(match)) or any(var != scan.var for var in kept):
        return None
    return scan

"""``python -m bench --only TEXT``: one row measured (beside the trivial baseline), or a clear refusal."""

from __future__ import annotations

import pytest

from bench.queries import Query
from bench.run import parse, selected

QUERIES = [
    Query("trivial { __typename }", "{ __typename }"),
    Query("owner lookup (service + owners)", "{ a }"),
    Query("whoOwns(pod name)", "{ b }"),
    Query("onCall now", "{ c }"),
]


def test_only_keeps_the_trivial_row_and_the_rows_named() -> None:
    options = parse(["--scale", "S", "--only", "Owner Lookup", "--only", "oncall"])
    assert options.only == ("owner lookup", "oncall")
    assert [q.name for q in selected(QUERIES, options.only)] == ["trivial { __typename }", "owner lookup (service + owners)", "onCall now"]
    assert selected(QUERIES, ()) == QUERIES


def test_only_naming_no_query_lists_them() -> None:
    with pytest.raises(RuntimeError, match=r"names no query; the queries are .*'whoOwns\(pod name\)'"):
        selected(QUERIES, ("blast",))

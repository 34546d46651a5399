"""Reads inside ``shared_texts`` (a snapshot's build) share equal short texts, on both stores.

A snapshot holds what its parts read for as long as it is current: equal keys, sources and
timestamps read by many rows and many parts must be one object each, and nothing a read returns
may change. Outside the block nothing is shared and reads return what they always did.
"""

from __future__ import annotations

import contextvars

from catalog import cypher
from catalog.core.model import NODES_BY_LABEL
from catalog.store.base import SHORT_TEXT, GraphStore, shared_text, shared_texts, shared_value, text_table, texts_unshared

SERVICE = NODES_BY_LABEL["Service"]
PARAMS = {"now": "2026-01-01T00:00:00.000000Z", "source": "test", "instance": "test:1", "run_id": "run-1"}
LONG = "a description longer than the shared texts' limit " * 4
COLUMNS = {"id": "n.id", "namespace": "n.namespace", "source": "n.source", "description": "n.description", "tags": "n.tags"}


def service_row(name: str) -> dict[str, object]:
    row: dict[str, object] = {p.name: None for p in SERVICE.props}
    row.update(
        id=f"component:default/{name}", name=name, namespace="payments", origin="test", content_hash=name, description=LONG, tags=["x"]
    )
    return row


async def _write(store: GraphStore) -> None:
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": [service_row(n) for n in ("a", "b", "c")]})


async def test_bulk_reads_in_a_build_share_equal_short_texts(store: GraphStore) -> None:
    await _write(store)
    match = "MATCH (n:Service) WHERE n.source_instance = $instance"
    plain = await store.read_table(match, COLUMNS, {"instance": "test:1"})
    assert text_table() is None
    with shared_texts():
        first = await store.read_table(match, COLUMNS, {"instance": "test:1"})
        second = await store.read_table(match, {"namespace": "n.namespace"}, {"instance": "test:1"})
        texts = text_table()
        assert texts is not None
    assert text_table() is None, "the table is the block's own"
    assert len(LONG) > SHORT_TEXT

    def key(row: dict[str, object]) -> str:
        return str(row["id"])

    # Nothing read changes: the same rows, equal values.
    assert sorted(first, key=key) == sorted(plain, key=key)
    assert [r["namespace"] for r in second] == ["payments"] * 3
    # Equal short texts are one object, across rows and across reads of the block.
    namespaces = {id(r["namespace"]) for r in (*first, *second)}
    sources = {id(r["source"]) for r in first}
    assert len(namespaces) == 1 and len(sources) == 1
    assert texts["payments"] is first[0]["namespace"]
    # Long texts and non-texts are left as read: never kept in the table.
    assert LONG not in texts and all(r["description"] == LONG and r["tags"] == ["x"] for r in first)


async def test_column_reads_in_a_build_share_equal_short_texts(store: GraphStore) -> None:
    await _write(store)
    match = "MATCH (n:Service) WHERE n.source_instance = $instance"
    plain = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
    with shared_texts():
        texts = text_table()
        assert texts is not None
        shared = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
        rows = await store.read_table(match, {"namespace": "n.namespace"}, {"instance": "test:1"})
    order = sorted(range(3), key=lambda i: str(shared["id"][i]))
    assert {name: [values[i] for i in order] for name, values in shared.items()} == {
        name: [values[i] for i in sorted(range(3), key=lambda i: str(plain["id"][i]))] for name, values in plain.items()
    }
    # One object per equal short text, across columns' rows and the block's other reads.
    assert {id(v) for v in shared["namespace"]} == {id(texts["payments"])} == {id(r["namespace"]) for r in rows}
    assert len({id(v) for v in shared["source"]}) == 1
    assert LONG not in texts and shared["description"] == [LONG] * 3 and shared["tags"] == [["x"]] * 3


async def test_plain_reads_in_a_build_share_too_and_reads_outside_keep_nothing(store: GraphStore) -> None:
    await _write(store)
    query = (
        "MATCH (n:Service) WHERE n.source_instance = $instance RETURN n.id AS id, n.namespace AS namespace, n.description AS description"
    )
    plain = await store.read(query, {"instance": "test:1"})
    with shared_texts():
        texts = text_table()
        assert texts is not None
        shared = await store.read(query, {"instance": "test:1"})
    # A read of its own shape (``read``, not ``read_table``) in a build shares its short texts as well.
    assert sorted(shared, key=lambda r: str(r["id"])) == sorted(plain, key=lambda r: str(r["id"]))
    assert len({id(r["namespace"]) for r in shared}) == 1 and shared[0]["namespace"] is texts["payments"]
    assert LONG not in texts
    held = dict(texts)
    # A read outside the block (a request's) leaves the table alone and shares nothing.
    again = await store.read(query, {"instance": "test:1"})
    assert texts == held and again == plain


async def test_texts_inside_list_values_and_equal_values_of_a_build_are_one_object(store: GraphStore) -> None:
    await _write(store)
    match = "MATCH (n:Service) WHERE n.source_instance = $instance"
    plain_columns = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
    plain_rows = await store.read_table(match, COLUMNS, {"instance": "test:1"})
    with shared_texts():
        texts = text_table()
        assert texts is not None
        columns = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
        rows = await store.read_table(match, COLUMNS, {"instance": "test:1"})
        first, second = shared_value(("payments", "x")), shared_value(tuple(["payments", "x"]))
        sets = shared_value(frozenset(["a", "b"])), shared_value(frozenset(["b", "a"]))
    # The lists read are equal to those read outside a build, and each text in them is the block's one object.
    assert columns["tags"] == plain_columns["tags"] == [["x"]] * 3 and [r["tags"] for r in rows] == [r["tags"] for r in plain_rows]
    assert {id(tag) for tags in (*columns["tags"], *(r["tags"] for r in rows)) for tag in tags} == {id(texts["x"])}
    # Equal values given to ``shared_value`` in a block are the first one given; outside a block each is itself.
    assert first == second == ("payments", "x") and first is second
    assert sets[0] is sets[1]
    outside = tuple(["payments", "x"])
    assert shared_value(outside) is outside and outside is not first


async def test_reads_in_texts_unshared_share_nothing_and_a_context_kept_past_the_block_keeps_no_table(store: GraphStore) -> None:
    await _write(store)
    match = "MATCH (n:Service) WHERE n.source_instance = $instance"
    with shared_texts():
        shared = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
        with texts_unshared():
            assert text_table() is None and shared_text("payments") == "payments"
            unshared = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
            assert shared_value(("a",)) is shared_value(("a",))  # (values are still shared)
        again = await store.read_columns(match, COLUMNS, {"instance": "test:1"})
        # A context made inside the block (as an asyncio handle of a connection opened during a build keeps one).
        kept = contextvars.copy_context()
        assert kept.run(text_table) is not None
    assert unshared == shared
    assert all(a is b for a, b in zip(shared["namespace"], again["namespace"], strict=True))
    assert not any(a is b for a, b in zip(shared["namespace"], unshared["namespace"], strict=True))
    assert shared_text("payments") == "payments"
    # Once the block is over, that context holds no table: nothing the build shared is kept alive by it.
    assert kept.run(text_table) is None
    value = ("b",)
    assert kept.run(shared_value, value) is value and kept.run(shared_text, "payments") == "payments"

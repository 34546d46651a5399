"""The store contract: both engines behave the same for everything the catalog relies on.

Every test here runs once on the embedded store and once on a real Neo4j.
"""

from __future__ import annotations

import pytest

from catalog import cypher
from catalog.core.model import NODES_BY_LABEL, RELS_BY_TYPE
from catalog.store.base import GraphStore, StoreError

SERVICE = NODES_BY_LABEL["Service"]
TEAM = NODES_BY_LABEL["Team"]
OWNS = RELS_BY_TYPE["OWNS"]
PARAMS = {"now": "2026-01-01T00:00:00.000000Z", "source": "test", "instance": "test:1", "run_id": "run-1"}


def service_row(name: str, **props: object) -> dict[str, object]:
    row: dict[str, object] = {p.name: None for p in SERVICE.props}
    row.update(id=f"component:default/{name}", name=name, namespace="default", origin="test", content_hash=name)
    row.update(props)
    return row


async def test_schema_creation_is_idempotent(store: GraphStore) -> None:
    await store.ensure_schema()
    await store.ensure_schema()
    assert await store.read("MATCH (n:Service) RETURN count(n) AS c") == [{"c": 0}]


async def test_upsert_round_trips_every_property_type(store: GraphStore) -> None:
    row = service_row("checkout", tags=["payments", "tier-1"], aliases=[], annotations='{"a": "b"}', title=None)
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": [row]})
    [got] = await store.read(
        "MATCH (n:Service {id: $id}) RETURN n.name AS name, n.tags AS tags, n.aliases AS aliases, n.annotations AS ann, "
        "n.title AS title, n.first_seen AS first_seen, n.retired_at AS retired_at, n.source_instance AS instance",
        {"id": "component:default/checkout"},
    )
    assert got == {
        "name": "checkout",
        "tags": ["payments", "tier-1"],
        "aliases": [],
        "ann": '{"a": "b"}',
        "title": None,
        "first_seen": PARAMS["now"],
        "retired_at": None,
        "instance": "test:1",
    }


async def test_a_property_that_is_null_in_every_row_is_still_written(store: GraphStore) -> None:
    rows = [service_row("a"), service_row("b")]
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": rows})
    got = await store.read("MATCH (n:Service) RETURN n.id AS id, n.tags AS tags ORDER BY id")
    assert got == [{"id": "component:default/a", "tags": None}, {"id": "component:default/b", "tags": None}]


async def test_merge_on_the_key_never_duplicates_and_keeps_first_seen(store: GraphStore) -> None:
    query = cypher.upsert_nodes(SERVICE, store.dialect)
    await store.write(query, {**PARAMS, "rows": [service_row("a")]})
    await store.write(query, {**PARAMS, "now": "2026-02-01T00:00:00.000000Z", "rows": [service_row("a", lifecycle="production")]})
    got = await store.read("MATCH (n:Service) RETURN n.first_seen AS f, n.last_seen AS l, n.lifecycle AS lc")
    assert got == [{"f": "2026-01-01T00:00:00.000000Z", "l": "2026-02-01T00:00:00.000000Z", "lc": "production"}]


async def test_parameters_are_data_never_query_text(store: GraphStore) -> None:
    hostile = "x'}) DETACH DELETE n //"
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": [service_row("a", description=hostile)]})
    assert await store.read("MATCH (n:Service) WHERE n.description = $d RETURN n.id AS id", {"d": hostile}) == [
        {"id": "component:default/a"}
    ]


async def test_relationship_merge_between_matched_nodes_and_dialect_names(store: GraphStore) -> None:
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": [service_row("a")]})
    team = {p.name: None for p in TEAM.props} | {"id": "group:default/t", "name": "t", "origin": "test", "content_hash": "t"}
    await store.write(cypher.upsert_nodes(TEAM, store.dialect), {**PARAMS, "rows": [team]})
    rel_row = {
        "src": "group:default/t",
        "dst": "component:default/a",
        "evidence": "spec.owner",
        "strength": "declared",
        "origin": "f#0",
        "content_hash": "h",
    }
    for _ in range(2):
        await store.write(cypher.upsert_rels(OWNS, "Team", "Service", store.dialect), {**PARAMS, "rows": [rel_row]})
    got = await store.read(
        f"MATCH (o)-[r]->(s:Service) RETURN {store.dialect.label_of('o')} AS label, {store.dialect.type_of('r')} AS type, "
        "r.evidence AS evidence, r.active AS active"
    )
    assert got == [{"label": "Team", "type": "OWNS", "evidence": "spec.owner", "active": True}]


async def test_list_membership_text_search_and_keyset_pagination(store: GraphStore) -> None:
    rows = [service_row(n, tags=[t], search_text=f"{n} service") for n, t in [("a", "x"), ("b", "y"), ("c", "x"), ("d", "x")]]
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": rows})
    tagged = await store.read("MATCH (n:Service) WHERE $tag IN n.tags RETURN n.name AS name ORDER BY n.id", {"tag": "x"})
    assert [r["name"] for r in tagged] == ["a", "c", "d"]
    page = await store.read(
        "MATCH (n:Service) WHERE n.id > $after AND n.search_text CONTAINS $q RETURN n.name AS name ORDER BY n.id LIMIT $first",
        {"after": "component:default/a", "q": "service", "first": 2},
    )
    assert [r["name"] for r in page] == ["b", "c"]
    assert await store.read("UNWIND $ids AS id MATCH (n:Service {id: id}) RETURN n.id AS id", {"ids": []}) == []


async def test_a_failing_query_raises_a_store_error_naming_the_query(store: GraphStore) -> None:
    with pytest.raises(StoreError, match=r"NoSuchFunction|does not exist|Unknown function"):
        await store.read("RETURN noSuchFunction(1) AS x")


async def test_round_trips_are_counted(store: GraphStore) -> None:
    before = store.round_trips
    await store.read("RETURN 1 AS x")
    await store.write_batches("UNWIND $rows AS r RETURN r", list(range(5)), batch_size=2)
    assert store.round_trips - before == 4


async def test_a_table_read_returns_one_row_per_match_with_the_named_columns(store: GraphStore) -> None:
    rows = [service_row(n, tags=[n], title=None) for n in ("a", "b", "c")]
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": rows})
    columns = {"id": "n.id", "tags": "n.tags", "title": "n.title", "label": store.dialect.label_of("n")}
    got = await store.read_table("MATCH (n:Service) WHERE n.source_instance = $instance", columns, {"instance": "test:1"})
    assert sorted(got, key=lambda r: r["id"]) == [
        {"id": f"component:default/{n}", "tags": [n], "title": None, "label": "Service"} for n in ("a", "b", "c")
    ]
    assert await store.read_table("MATCH (n:Service) WHERE n.name = $name", {"id": "n.id"}, {"name": "nope"}) == []
    before = store.round_trips
    found = await store.read_table_batches(
        "UNWIND $ids AS id MATCH (n:Service {id: id})", {"id": "n.id"}, ["component:default/a", "component:default/c", "x"], batch_size=2
    )
    assert sorted(r["id"] for r in found) == ["component:default/a", "component:default/c"]
    assert store.round_trips - before == 2


async def test_a_column_read_gives_the_table_reads_rows_as_columns(store: GraphStore) -> None:
    rows = [service_row(n, tags=[n], title=None, discovered=i == 1) for i, n in enumerate(("a", "b", "c"))]
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": rows})
    columns = {"id": "n.id", "tags": "n.tags", "title": "n.title", "discovered": "n.discovered", "label": store.dialect.label_of("n")}
    match = "MATCH (n:Service) WHERE n.source_instance = $instance"
    got = await store.read_columns(match, columns, {"instance": "test:1"})
    # Every column named, each as long as the others; nulls kept in place (a row per match).
    assert list(got) == list(columns) and all(len(values) == 3 for values in got.values())
    as_rows = sorted((dict(zip(got, values, strict=True)) for values in zip(*got.values(), strict=True)), key=lambda r: r["id"])
    assert as_rows == sorted(await store.read_table(match, columns, {"instance": "test:1"}), key=lambda r: r["id"])
    names = ("a", "b", "c")
    assert as_rows == [
        {"id": f"component:default/{n}", "tags": [n], "title": None, "discovered": i == 1, "label": "Service"} for i, n in enumerate(names)
    ]
    # No match: every column, empty.
    assert await store.read_columns("MATCH (n:Service) WHERE n.name = $name", {"id": "n.id", "d": "n.discovered"}, {"name": "nope"}) == {
        "id": [],
        "d": [],
    }


async def test_touching_an_edge_by_a_ref_that_names_another_edge_changes_nothing(store: GraphStore) -> None:
    if store.dialect.element_id("r") is None:
        pytest.skip("this store matches edges by their endpoints' keys only")
    await store.write(cypher.upsert_nodes(SERVICE, store.dialect), {**PARAMS, "rows": [service_row("a"), service_row("b")]})
    team = {p.name: None for p in TEAM.props} | {"id": "group:default/t", "name": "t", "origin": "test", "content_hash": "t"}
    await store.write(cypher.upsert_nodes(TEAM, store.dialect), {**PARAMS, "rows": [team]})
    edges = [{"src": "group:default/t", "dst": f"component:default/{n}", "origin": "f#0", "content_hash": "h"} for n in ("a", "b")]
    await store.write(cypher.upsert_rels(OWNS, "Team", "Service", store.dialect), {**PARAMS, "rows": edges})
    table = cypher.existing_rels(OWNS, "Team", "Service", store.dialect)
    refs = {r["dst"]: r["ref"] for r in await store.read_table(table.match, table.columns, {"instance": "test:1"})}
    touch = cypher.touch_rels(OWNS, "Team", "Service", store.dialect)
    later = {**PARAMS, "now": "2026-02-01T00:00:00.000000Z", "run_id": "run-2"}
    # a's endpoints with b's ref: neither edge is touched.
    await store.write(touch, {**later, "rows": [{**edges[0], "ref": refs["component:default/b"]}]})
    assert await store.read("MATCH ()-[r:OWNS]->() RETURN DISTINCT r.run_id AS run") == [{"run": "run-1"}]
    await store.write(touch, {**later, "rows": [{**edges[0], "ref": refs["component:default/a"]}]})
    got = await store.read("MATCH ()-[r:OWNS]->(s) RETURN s.name AS s, r.run_id AS run ORDER BY s")
    assert got == [{"s": "a", "run": "run-2"}, {"s": "b", "run": "run-1"}]

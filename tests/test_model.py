"""The graph model declaration is consistent, and everything derived from it agrees with it."""

from __future__ import annotations

import re

from catalog import cypher
from catalog.core.model import MODEL, NODES_BY_LABEL, OWNS, REL_TYPES, RELS_BY_TYPE, PropType
from catalog.store.dialect import EMBEDDED, NEO4J


def test_labels_and_relationship_types_are_unique() -> None:
    assert len(NODES_BY_LABEL) == len(MODEL.nodes)
    assert len(RELS_BY_TYPE) == len(MODEL.rels)


def test_every_relationship_endpoint_is_a_declared_label() -> None:
    for rel in REL_TYPES:
        for src, dst in rel.endpoints:
            assert src in NODES_BY_LABEL, f"{rel.type} starts at undeclared {src}"
            assert dst in NODES_BY_LABEL, f"{rel.type} ends at undeclared {dst}"


def test_property_names_are_unique_per_type_and_never_shadow_provenance() -> None:
    for node in MODEL.nodes:
        names = [p.name for p in node.all_props]
        assert len(names) == len(set(names)), f"{node.label} declares a property twice: {names}"
    for rel in MODEL.rels:
        names = [p.name for p in rel.all_props]
        assert len(names) == len(set(names)), f"{rel.type} declares a property twice: {names}"


def test_every_ownable_label_can_be_owned_by_teams_and_people() -> None:
    for node in MODEL.nodes:
        if node.ownable:
            assert ("Team", node.label) in OWNS.endpoints
            assert ("Person", node.label) in OWNS.endpoints


def test_every_fact_carries_provenance() -> None:
    for node in MODEL.nodes:
        names = {p.name for p in node.all_props}
        assert {"source", "source_instance", "first_seen", "last_seen", "retired_at"} <= names
    for rel in MODEL.rels:
        names = {p.name for p in rel.all_props}
        assert {"source", "source_instance", "first_seen", "last_seen", "retired_at", "active"} <= names


def test_neo4j_schema_has_a_uniqueness_constraint_per_label_and_declared_indexes() -> None:
    statements = cypher.neo4j_schema()
    for node in MODEL.nodes:
        assert f"CREATE CONSTRAINT {node.label.lower()}_id_unique IF NOT EXISTS FOR (n:{node.label}) REQUIRE n.id IS UNIQUE" in statements
        for prop in node.all_props:
            if prop.indexed:
                assert any(s.endswith(f"FOR (n:{node.label}) ON (n.{prop.name})") and " INDEX " in s for s in statements)
    assert all("IF NOT EXISTS" in s for s in statements)


def test_embedded_ddl_declares_every_property_with_its_type() -> None:
    ddl = {re.match(r"CREATE (?:NODE|REL) TABLE IF NOT EXISTS (\w+)", s).group(1): s for s in cypher.embedded_schema()}  # type: ignore[union-attr]
    assert set(ddl) == set(NODES_BY_LABEL) | set(RELS_BY_TYPE)
    assert "id STRING PRIMARY KEY" in ddl["Service"]
    assert "tags STRING[]" in ddl["Service"]
    assert "FROM Team TO Service" in ddl["OWNS"] and "FROM Person TO Platform" in ddl["OWNS"]
    for node in MODEL.nodes:
        for prop in node.all_props:
            assert re.search(rf"[(,] {{0,1}}{prop.name} ", ddl[node.label]), f"{node.label}.{prop.name} missing from {ddl[node.label]}"


def test_generated_upsert_merges_on_the_key_and_sets_every_declared_property() -> None:
    service = NODES_BY_LABEL["Service"]
    text = cypher.upsert_nodes(service, NEO4J)
    assert text.startswith("UNWIND $rows AS row\nMERGE (n:Service {id: row.id})")
    for prop in service.props:
        assert f"n.{prop.name} = row.{prop.name}" in text
    assert "n.retired_at = NULL" in text


def test_embedded_upsert_casts_parameters_to_their_declared_types() -> None:
    text = cypher.upsert_nodes(NODES_BY_LABEL["Service"], EMBEDDED)
    assert "n.tags = CAST(row.tags AS STRING[])" in text
    assert "n.first_seen = $now" in text
    assert PropType.TIME.name == "TIME"


def test_relationship_merge_matches_only_the_active_edge_of_the_source_instance() -> None:
    text = cypher.upsert_rels(RELS_BY_TYPE["DEPENDS_ON"], "Service", "Service", NEO4J)
    assert "MERGE (a)-[r:DEPENDS_ON {source_instance: $instance, active: true}]->(b)" in text
    assert "MATCH (a:Service {id: row.src})\nMATCH (b:Service {id: row.dst})" in text


def test_committed_model_reference_matches_the_declaration() -> None:
    from pathlib import Path

    from catalog.model_doc import render

    committed = (Path(__file__).resolve().parent.parent / "docs" / "graph-model.md").read_text()
    assert committed == render(), "docs/graph-model.md is stale: run `python -m catalog.model_doc > docs/graph-model.md`"

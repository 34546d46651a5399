"""Cypher generated from the graph model declaration (``catalog.core.model``).

Constraints, indexes, the embedded DDL and every write the sync engine issues come from
here, so a label or property is only ever spelled in the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from catalog.core.model import MODEL, NodeType, PropType, RelType
from catalog.store.dialect import Dialect, column_type


def neo4j_schema() -> list[str]:
    statements: list[str] = []
    for node in MODEL.nodes:
        statements.append(
            f"CREATE CONSTRAINT {node.label.lower()}_{node.key}_unique IF NOT EXISTS FOR (n:{node.label}) REQUIRE n.{node.key} IS UNIQUE"
        )
        for prop in node.all_props:
            if prop.indexed:
                statements.append(f"CREATE INDEX {node.label.lower()}_{prop.name} IF NOT EXISTS FOR (n:{node.label}) ON (n.{prop.name})")
            if prop.text_indexed:
                statements.append(
                    f"CREATE TEXT INDEX {node.label.lower()}_{prop.name}_text IF NOT EXISTS FOR (n:{node.label}) ON (n.{prop.name})"
                )
    # No relationship property indexes: the planner would use one to serve the MERGE of an
    # edge between two already bound nodes, scanning every edge of the source instance per
    # row (quadratic), where expanding between the two nodes touches a handful.
    return statements


def embedded_schema() -> list[str]:
    statements: list[str] = []
    for node in MODEL.nodes:
        columns = [f"{node.key} STRING PRIMARY KEY"] + [f"{p.name} {column_type(p.type)}" for p in node.all_props if p.name != node.key]
        statements.append(f"CREATE NODE TABLE IF NOT EXISTS {node.label}({', '.join(columns)})")
    for rel in MODEL.rels:
        pairs = [f"FROM {a} TO {b}" for a, b in rel.endpoints]
        columns = [f"{p.name} {column_type(p.type)}" for p in rel.all_props]
        statements.append(f"CREATE REL TABLE IF NOT EXISTS {rel.type}({', '.join(pairs + columns)})")
    return statements


def _assignments(var: str, props: tuple[str, ...], types: dict[str, PropType], dialect: Dialect) -> str:
    return ", ".join(f"{var}.{name} = {dialect.typed(f'row.{name}', types[name])}" for name in props)


@cache
def upsert_nodes(node: NodeType, dialect: Dialect) -> str:
    """Create or refresh nodes; ``$rows`` carry every declared property plus origin and content_hash."""
    types = {p.name: p.type for p in node.all_props}
    fields = tuple(p.name for p in node.props) + ("origin", "content_hash")
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{node.label} {{{node.key}: row.id}})\n"
        "ON CREATE SET n.first_seen = $now\n"
        f"SET {_assignments('n', fields, types, dialect)},\n"
        "    n.source = $source, n.source_instance = $instance, n.last_seen = $now, n.run_id = $run_id,\n"
        f"    n.retired_at = {dialect.typed('NULL', PropType.TIME)}"
    )


@cache
def touch_nodes(node: NodeType) -> str:
    return f"UNWIND $ids AS id MATCH (n:{node.label} {{{node.key}: id}}) SET n.last_seen = $now, n.run_id = $run_id"


@cache
def retire_nodes(node: NodeType) -> str:
    return f"UNWIND $ids AS id MATCH (n:{node.label} {{{node.key}: id}}) WHERE n.retired_at IS NULL SET n.retired_at = $now"


@dataclass(frozen=True)
class Table:
    """A read of many rows: a query without its RETURN, and the columns (name: expression) it
    returns, for ``GraphStore.read_table``."""

    match: str
    columns: Mapping[str, str]


def _table(match: str, **columns: str) -> Table:
    return Table(match, MappingProxyType(columns))


@cache
def existing_nodes(node: NodeType, window_prop: str | None = None) -> Table:
    """The nodes a source instance holds; with ``window_prop``, only those not ended before ``$since``."""
    window = f" AND (n.{window_prop} IS NULL OR n.{window_prop} >= $since)" if window_prop else ""
    return _table(
        f"MATCH (n:{node.label}) WHERE n.source_instance = $instance{window}",
        id=f"n.{node.key}",
        hash="n.content_hash",
        retired_at="n.retired_at",
        origin="n.origin",
    )


@cache
def holders(label: str) -> Table:
    """Which source instance holds each of ``$ids``, retired or not."""
    return _table(f"UNWIND $ids AS id MATCH (n:{label} {{id: id}})", id="n.id", instance="n.source_instance", retired_at="n.retired_at")


@cache
def present_ids(label: str) -> Table:
    return _table(
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) WHERE n.retired_at IS NULL",
        id="n.id",
        instance="n.source_instance",
        origin="n.origin",
    )


def any_ids(label: str) -> Table:
    """Which of ``$ids`` exist, retired or not: the endpoints a history relationship (``RelType.joins_history``) may join."""
    return _table(f"UNWIND $ids AS id MATCH (n:{label} {{id: id}})", id="n.id")


def _match_active_rel(rel: RelType, src: str, dst: str) -> str:
    # Bind both endpoints by key first, then the edge: LadybugDB runs the inline form
    # (a {id})-[r]->(b {id}) about ten times slower.
    return (
        f"UNWIND $rows AS row MATCH (a:{src} {{id: row.src}}) MATCH (b:{dst} {{id: row.dst}}) "
        f"MATCH (a)-[r:{rel.type}]->(b) WHERE r.source_instance = $instance AND r.active = true"
    )


@cache
def upsert_rels(rel: RelType, src: str, dst: str, dialect: Dialect) -> str:
    """Create or refresh active relationships of one source instance.

    The MERGE matches only the *active* edge, so an edge that comes back after it was retired
    gets a new validity interval instead of erasing the gap.
    """
    types = {p.name: p.type for p in rel.all_props}
    fields = tuple(p.name for p in rel.props) + ("origin", "content_hash")
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{src} {{id: row.src}})\n"
        f"MATCH (b:{dst} {{id: row.dst}})\n"
        f"MERGE (a)-[r:{rel.type} {{source_instance: $instance, active: true}}]->(b)\n"
        "ON CREATE SET r.first_seen = $now\n"
        f"SET {_assignments('r', fields, types, dialect)},\n"
        "    r.source = $source, r.last_seen = $now, r.run_id = $run_id,\n"
        f"    r.retired_at = {dialect.typed('NULL', PropType.TIME)}"
    )


def _match_rel_by_ref(rel: RelType, dialect: Dialect) -> str | None:
    """Where the engine can seek a relationship by id, the edges of ``$rows`` by the ``ref`` that
    ``existing_rels`` read: one seek per row, where matching by the endpoints' keys costs two
    index seeks and an expansion. The endpoints and the state are checked again, so a row whose
    ref no longer names that edge changes nothing."""
    ref = dialect.element_id("r")
    if ref is None:
        return None
    return (
        f"UNWIND $rows AS row MATCH (a)-[r:{rel.type}]->(b) WHERE {ref} = row.ref "
        "AND a.id = row.src AND b.id = row.dst AND r.source_instance = $instance AND r.active = true"
    )


@cache
def touch_rels(rel: RelType, src: str, dst: str, dialect: Dialect) -> str:
    return f"{_match_rel_by_ref(rel, dialect) or _match_active_rel(rel, src, dst)} SET r.last_seen = $now, r.run_id = $run_id"


@cache
def retire_rels(rel: RelType, src: str, dst: str, dialect: Dialect) -> str:
    return f"{_match_rel_by_ref(rel, dialect) or _match_active_rel(rel, src, dst)} SET r.active = false, r.retired_at = $now"


def _rel_columns(dialect: Dialect) -> dict[str, str]:
    ref = dialect.element_id("r")
    return {"src": "a.id", "dst": "b.id", "hash": "r.content_hash", "origin": "r.origin", **({"ref": ref} if ref else {})}


@cache
def existing_rels(
    rel: RelType, src: str, dst: str, dialect: Dialect, src_window: str | None = None, dst_window: str | None = None
) -> Table:
    """A source instance's active edges; with a window property on an end, only edges whose
    windowed node has not ended before ``$since`` (the edges of history shifts stay as they are)."""
    windows = "".join(
        f" AND ({var}.{prop} IS NULL OR {var}.{prop} >= $since)" for var, prop in (("a", src_window), ("b", dst_window)) if prop
    )
    return _table(
        f"MATCH (a:{src})-[r:{rel.type}]->(b:{dst}) WHERE r.source_instance = $instance AND r.active = true{windows}",
        **_rel_columns(dialect),
    )


@cache
def existing_rels_any(rel: RelType, dialect: Dialect) -> Table:
    """A source instance's active edges of ``rel`` between any of its endpoint labels, with the labels.

    One scan of the relationship type: matching each pair of endpoint labels on its own started
    from every node of one label and expanded all its edges, once per pair."""
    return _table(
        f"MATCH (a)-[r:{rel.type}]->(b) WHERE r.source_instance = $instance AND r.active = true",
        src_label=dialect.label_of("a"),
        dst_label=dialect.label_of("b"),
        **_rel_columns(dialect),
    )

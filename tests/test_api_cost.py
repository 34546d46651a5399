"""The document measures: depth, aliases, repeats, list items and cost, each fragment measured once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import get_introspection_query, parse

from catalog.api.cost import LIST_SIZE, SATURATION, WALK_BREADTH, measure_document
from catalog.api.schema import build_schema
from catalog.api.validation import refusals
from tests._api_fixtures import api_settings

SCHEMA = build_schema()._schema


def cost(document: str, variables: dict[str, object] | None = None) -> int:
    (measure,) = measure_document(SCHEMA, parse(document), variables, page_cap=500)
    return measure.cost


def test_each_field_counts_once_times_the_lists_it_is_nested_in() -> None:
    assert cost('{ service(name: "x") { name title } }') == 3
    # A page: the connection's size is `first` (or its default, 50); edges are that page, not another list.
    assert cost("{ services(first: 7) { edges { node { name } } } }") == 1 + 7 * (1 + 1 + 1)
    assert cost("{ services { totalCount } }") == 1 + 50 * 1
    assert cost("query($n: Int!) { services(first: $n) { totalCount } }", {"n": 3}) == 1 + 3
    # Unsized lists count LIST_SIZE; walks WALK_BREADTH per level; nodes(ids:) one per id.
    assert cost('{ service(name: "x") { ownershipClaims { source } } }') == 1 + 1 + LIST_SIZE
    # A paged walk: its nodes and their fields count WALK_BREADTH per level, at most the page.
    assert cost('{ service(name: "x") { dependents(depth: 4) { nodes { distance } } } }') == 1 + 1 + 2 * 4 * WALK_BREADTH
    assert cost('{ service(name: "x") { dependents(depth: 4, first: 25) { nodes { distance } } } }') == 1 + 1 + 2 * 25
    assert cost("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["a", "b", "c"]}) == 1 + 3


def test_fragments_are_measured_once_and_counted_wherever_they_are_spread() -> None:
    levels = 200  # 2^200 selections expanded; measured in one pass
    fragments = ["fragment F0 on Service { a: name }"] + [
        f"fragment F{i} on Service {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)
    ]
    document = parse('{ service(name: "x") { ...F199 } }\n' + "\n".join(fragments))
    (measure,) = measure_document(SCHEMA, document)  # expanded, as the old limiters did, it would never finish
    assert measure.repeats == (SATURATION, "a")
    assert measure.aliases == SATURATION
    assert measure.cost == SATURATION


def test_cycles_and_unknown_fragments_measure_as_nothing_and_are_left_to_the_standard_rules() -> None:
    (measure,) = measure_document(SCHEMA, parse('{ service(name: "x") { ...A ...Missing } } fragment A on Service { ...A name }'))
    assert measure.cost == 2


def _readme_queries() -> list[str]:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    return re.findall(r"```graphql\n(.*?)```", readme, re.S)


@pytest.mark.parametrize("document", [*_readme_queries(), get_introspection_query(descriptions=True)])
def test_the_readme_queries_and_graphiql_introspection_keep_every_default_limit(document: str) -> None:
    assert refusals(SCHEMA, parse(document), {}, api_settings()) == []


def test_measures_are_cached_per_document_but_follow_the_variables_they_depend_on() -> None:
    settings = api_settings(max_query_cost=200)
    query = "query($n: Int!, $name: String) { services(first: $n) { totalCount } service(name: $name) { name } }"
    document = parse(query)
    assert refusals(SCHEMA, document, {"n": 10, "name": "a"}, settings, query) == []
    refused = refusals(SCHEMA, document, {"n": 400, "name": "a"}, settings, query)
    assert [error.extensions["setting"] for error in refused if error.extensions] == ["CATALOG_MAX_QUERY_COST"]
    assert refusals(SCHEMA, document, {"n": 10, "name": "b"}, settings, query) == []

"""Limits and refusals: oversized arguments, malformed input and hostile documents get a clear error."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from catalog.store.base import GraphStore, Row, StoreError
from catalog.store.dialect import EMBEDDED
from tests._api_fixtures import api_settings, execute, gql_errors
from tests.test_read_layer import shop


async def test_depth_above_the_limit_is_refused_naming_the_setting(store: GraphStore) -> None:
    await shop().sync(store)
    errors = await gql_errors(store, '{ service(name: "payments") { dependents(depth: 40) { nodes { distance } } } }')
    assert errors == ["depth 40 exceeds the limit of 10 (CATALOG_MAX_DEPTH)"]
    errors = await gql_errors(
        store, '{ service(name: "payments") { dependencies(depth: 4) { nodes { distance } } } }', settings=api_settings(max_depth=3)
    )
    assert errors == ["depth 4 exceeds the limit of 3 (CATALOG_MAX_DEPTH)"]
    errors = await gql_errors(store, '{ service(name: "payments") { dependencies(depth: 0) { nodes { distance } } } }')
    assert errors == ["depth 0 is below 1; ask for depth 1 (direct) or more"]


@pytest.mark.parametrize(
    "query",
    [
        "{ services(first: 501) { totalCount } }",
        "{ teams(first: 501) { totalCount } }",
        "{ findings(first: 501) { totalCount } }",
        '{ team(name: "payments") { services(first: 501) { totalCount } } }',
    ],
)
async def test_page_size_above_the_limit_is_refused(store: GraphStore, query: str) -> None:
    await shop().sync(store)
    assert await gql_errors(store, query) == ["first 501 exceeds the limit of 500 (CATALOG_MAX_PAGE_SIZE); page with `after`"]


async def test_negative_page_size_is_refused(store: GraphStore) -> None:
    assert await gql_errors(store, "{ services(first: -1) { totalCount } }") == ["first -1 is negative; ask for 0 or more items"]


@pytest.mark.parametrize("cursor", ["garbage", "Y3Vyc29yOnYxOg==", "bm90IGEgY3Vyc29y", "!!!"])
async def test_malformed_cursors_are_refused(store: GraphStore, cursor: str) -> None:
    errors = await gql_errors(store, "query($after: String) { services(after: $after) { totalCount } }", {"after": cursor})
    assert errors == [
        f"after: {cursor!r} is not a cursor from this API; pass `pageInfo.endCursor` (or an edge's `cursor`) from the previous page"
    ]


@pytest.mark.parametrize(
    ("service_filter", "message"),
    [
        ({"ownerTeam": "paymnts"}, "filter.ownerTeam: no team group:default/paymnts in the catalog; check the name and namespace"),
        ({"system": "nope"}, "filter.system: no system system:default/nope in the catalog; check the name and namespace"),
        ({"domain": "retail/nope"}, "filter.domain: no domain domain:retail/nope in the catalog; check the name and namespace"),
        (
            {"ownerTeam": "component:checkout"},
            "filter.ownerTeam: 'component:checkout' is a component reference; give a group, e.g. group:default/checkout",
        ),
        (
            {"ownerTeam": "a/b/c"},
            "filter.ownerTeam: 'a/b/c' is not an entity reference; write [kind:][namespace/]name, e.g. group:default/payments-team",
        ),
    ],
)
async def test_filters_naming_nothing_are_refused(store: GraphStore, service_filter: dict[str, Any], message: str) -> None:
    await shop().sync(store)
    errors = await gql_errors(store, "query($f: ServiceFilter) { services(filter: $f) { totalCount } }", {"f": service_filter})
    assert errors == [message]


async def test_hostile_documents_are_refused_before_they_run(store: GraphStore) -> None:
    nested = '{ team(name: "a") { ' + "children { nodes { " * 10 + "name" + " } }" * 10 + " } }"
    # team, then children and nodes ten times: 21 fields with selections (catalog.api.cost counts depth so)
    assert (await gql_errors(store, nested))[0] == (
        "'anonymous' is 21 fields deep, above the limit of 15 (CATALOG_MAX_QUERY_DEPTH); ask for fewer nested fields"
    )
    aliases = "{ " + " ".join(f'a{i}: service(name: "x") {{ name }}' for i in range(40)) + " }"
    assert (await gql_errors(store, aliases)) == [
        "'anonymous' uses 40 aliases, above the limit of 30 (CATALOG_MAX_ALIASES); send several smaller requests"
    ]
    tokens = "{ " + " ".join("__typename" for _ in range(5000)) + " }"
    assert (await gql_errors(store, tokens)) == [
        "the document has more than 4000 tokens, the limit (CATALOG_MAX_TOKENS); send a smaller document, or split it into several requests"
    ]
    assert store.round_trips == 0


async def test_a_repeated_document_is_validated_once_with_the_limits_still_applied(store: GraphStore) -> None:
    from catalog.api.validation import _validate

    settings = api_settings(max_aliases=3)
    document = '{ a: service(name: "x") { name } b: service(name: "y") { name } }'
    await execute(store, document, settings=settings)
    before = _validate.cache_info()
    for _ in range(3):
        assert not (await execute(store, document, settings=settings)).errors
    after = _validate.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)
    too_many = "{ " + " ".join(f'a{i}: service(name: "x") {{ name }}' for i in range(4)) + " }"
    assert "CATALOG_MAX_ALIASES" in (await gql_errors(store, too_many, settings=settings))[0]


class BrokenStore(GraphStore):
    """A store whose every read fails the way a real one does, with the query in the message."""

    dialect = EMBEDDED

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise StoreError(f"embedded store query failed: boom\n{query}")

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise NotImplementedError

    async def ensure_schema(self) -> None: ...

    async def close(self) -> None: ...

    def describe(self) -> str:
        return "broken"


async def test_internal_failures_are_masked_for_clients_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="catalog.api.schema"):
        result = await execute(BrokenStore(), '{ service(name: "checkout") { name } }')
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Internal error; the server log has the details."]
    assert "MATCH" in caplog.text


async def test_fragment_cycles_are_refused_by_the_standard_rule(store: GraphStore) -> None:
    document = '{ service(name: "x") { ...A } } fragment A on Service { name ...B } fragment B on Service { ...A }'
    assert await gql_errors(store, document) == ["Cannot spread fragment 'A' within itself via 'B'."]

"""Listing services, paging through them, and following dependencies through GraphQL."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.store.base import GraphStore
from tests._api_fixtures import Graph, gql
from tests.test_read_layer import shop

LIST = """query($first: Int!, $after: String, $filter: ServiceFilter) {
  services(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}"""


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


@pytest.mark.parametrize(
    ("service_filter", "expected"),
    [
        ({}, ["checkout", "ledger", "payments", "search-api"]),
        ({"ownerTeam": "payments"}, ["checkout", "ledger", "payments"]),
        ({"ownerTeam": "group:default/Payments", "includeSubTeams": False}, ["checkout"]),
        ({"ownerTeam": "engineering"}, ["checkout", "ledger", "payments"]),
        ({"ownerTeam": "engineering", "includeSubTeams": False}, []),
        ({"lifecycle": "EXPERIMENTAL"}, ["ledger"]),
        ({"type": "library"}, ["ledger"]),
        ({"tag": "web"}, ["checkout", "search-api"]),
        ({"search": "  search  "}, ["search-api"]),
        ({"search": "CATALOGUE"}, ["search-api"]),
        ({"system": "shop"}, ["checkout", "payments"]),
        ({"system": "system:default/discovery"}, ["search-api"]),
        ({"domain": "commerce"}, ["checkout", "payments", "search-api"]),
        ({"domain": "checkout-domain"}, ["checkout", "payments"]),
        ({"ownerTeam": "payments", "lifecycle": "PRODUCTION", "system": "shop", "tag": "pci"}, ["checkout"]),
    ],
)
async def test_filters(store: GraphStore, service_filter: dict[str, Any], expected: list[str]) -> None:
    await shop().sync(store)
    data = await gql(store, LIST, {"first": 50, "filter": service_filter})
    assert names(data["services"]) == expected
    assert data["services"]["totalCount"] == len(expected)


async def test_pages_do_not_overlap_and_end_where_the_list_ends(store: GraphStore) -> None:
    g = Graph()
    for i in range(7):
        g.service(f"svc-{i}")
    await g.sync(store)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await gql(store, LIST, {"first": 3, "after": after}))["services"]
        pages += 1
        assert data["totalCount"] == 7
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert data["pageInfo"]["startCursor"] == data["edges"][0]["cursor"]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        seen += names(data)
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [f"svc-{i}" for i in range(7)]
    # an edge cursor continues after its edge
    data = (await gql(store, LIST, {"first": 2}))["services"]
    rest = (await gql(store, LIST, {"first": 10, "after": data["edges"][0]["cursor"]}))["services"]
    assert names(rest)[0] == "svc-1"
    empty = (await gql(store, LIST, {"first": 0}))["services"]
    assert empty == {
        "totalCount": 7,
        "pageInfo": {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
        "edges": [],
    }


async def test_team_services_roll_up_sub_teams_and_page(store: GraphStore) -> None:
    await shop().sync(store)
    query = """query($after: String, $sub: Boolean!) { team(name: "engineering") {
        services(first: 2, after: $after, includeSubTeams: $sub) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } }
    } }"""
    first = (await gql(store, query, {"sub": True}))["team"]["services"]
    assert names(first) == ["checkout", "ledger"] and first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    second = (await gql(store, query, {"sub": True, "after": first["pageInfo"]["endCursor"]}))["team"]["services"]
    assert names(second) == ["payments"] and not second["pageInfo"]["hasNextPage"]
    direct = (await gql(store, query, {"sub": False}))["team"]["services"]
    assert direct["totalCount"] == 0 and direct["edges"] == []


async def test_teams_are_paged(store: GraphStore) -> None:
    await shop().sync(store)
    query = (
        "query($after: String) { teams(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }"
    )
    first = (await gql(store, query))["teams"]
    second = (await gql(store, query, {"after": first["pageInfo"]["endCursor"]}))["teams"]
    assert names(first) + names(second) == ["engineering", "payments", "payments-core", "search"]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


def chain() -> Graph:
    """db ← a ← b ← c ← d, and e needs both a and d; a also needs e (a cycle a → e → a)."""
    g = Graph()
    g.resource("db")
    g.service("a", depends_on=["resource:db", "component:e"])
    g.service("b", depends_on=["component:a"])
    g.service("c", depends_on=["component:b"])
    g.service("d", depends_on=["component:c"])
    g.service("e", depends_on=["component:a", "component:d"])
    return g


DEPS = """query($name: String!, $depth: Int!) { service(name: $name) {
  dependents(depth: $depth) { nodes { distance evidence node { __typename ... on Service { name } ... on Resource { name } } } }
  dependencies(depth: $depth) { totalCount nodes { distance service { name } resource { name } } }
} }"""


async def test_dependents_and_dependencies_are_transitive_with_their_distance(store: GraphStore) -> None:
    await chain().sync(store)
    direct = (await gql(store, DEPS, {"name": "a", "depth": 1}))["service"]
    assert [(d["node"]["name"], d["distance"], d["evidence"]) for d in direct["dependents"]["nodes"]] == [
        ("b", 1, "spec.dependsOn"),
        ("e", 1, "spec.dependsOn"),
    ]
    deep = (await gql(store, DEPS, {"name": "a", "depth": 10}))["service"]
    # the cycle through e brings nothing back twice, and never a itself
    assert [(d["node"]["name"], d["distance"]) for d in deep["dependents"]["nodes"]] == [("b", 1), ("e", 1), ("c", 2), ("d", 3)]
    assert [(d["service"]["name"] if d["service"] else d["resource"]["name"], d["distance"]) for d in deep["dependencies"]["nodes"]] == [
        ("e", 1),
        ("db", 1),
        ("d", 2),
        ("c", 3),
        ("b", 4),
    ]


async def test_what_breaks_when_a_resource_goes_down(store: GraphStore) -> None:
    await chain().sync(store)
    data = await gql(
        store,
        """{ resource(name: "db") { dependents(depth: 2) { nodes { distance node { __typename ... on Service { name } } } } } }""",
    )
    assert data["resource"]["dependents"]["nodes"] == [
        {"distance": 1, "node": {"__typename": "Service", "name": "a"}},
        {"distance": 2, "node": {"__typename": "Service", "name": "b"}},
        {"distance": 2, "node": {"__typename": "Service", "name": "e"}},
    ]


async def test_a_retired_dependency_breaks_the_chain(store: GraphStore) -> None:
    g = chain()
    await g.sync(store)
    g.rels = [r for r in g.rels if not (r.src_id == "component:default/b" and r.type == "DEPENDS_ON")]
    await g.sync(store, force=True)
    data = (await gql(store, DEPS, {"name": "a", "depth": 10}))["service"]
    assert [(d["node"]["name"], d["distance"]) for d in data["dependents"]["nodes"]] == [("e", 1)]

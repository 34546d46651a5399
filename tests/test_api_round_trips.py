"""A nested query costs a fixed number of store round trips, however many results it returns.

Every relation is read through a per-request DataLoader, so each level of the query is one
batch (transitive walks: one query per level of depth), never one query per result.
"""

from __future__ import annotations

from catalog.store.base import GraphStore
from tests._api_fixtures import Graph, gql

NESTED = """{ team(name: "org") { name services(first: 50) { totalCount edges { node {
  name
  ownershipClaims { evidence owner { __typename ... on Team { name } ... on Person { name } } }
  system { name domain { name } }
  dependents(depth: 2) { nodes { distance service { name ownershipClaims { owner { ... on Team { name } ... on Person { name } } } } } }
} } } } }"""

ROUND_TRIP_BOUND = 13
"""team (1) + sub-team walk over 2 levels (3) + owned services (1) + their nodes (1) + owners (1)
+ systems (1) + domains (1) + dependents at depth 2 (2) and their nodes (1) + the dependents' owners (1)."""


def org(services_per_team: int) -> Graph:
    """org ⊃ team-a ⊃ team-a-sub, org ⊃ team-b; each team owns a chain of services in its own system,
    every service needing the one before it; a person co-owns each team's first service. Outside
    org, a client service of another team needs each service, so every service has dependents
    whose owners the page has not loaded yet."""
    g = Graph()
    g.team("org")
    g.team("outsiders")
    g.team("team-a", parent="org")
    g.team("team-a-sub", parent="team-a")
    g.team("team-b", parent="org")
    g.domain("dom")
    for team in ("team-a", "team-a-sub", "team-b"):
        g.person(f"{team}-lead", member_of=[team])
        g.system(f"{team}-sys", owner=team, domain="dom")
        for i in range(services_per_team):
            g.service(
                f"{team}-svc-{i:03d}",
                owner=team,
                owners=[f"user:{team}-lead"] if i == 0 else [],
                system=f"{team}-sys",
                depends_on=[f"component:{team}-svc-{i - 1:03d}"] if i else [],
            )
            g.service(f"{team}-client-{i:03d}", owner="outsiders", depends_on=[f"component:{team}-svc-{i:03d}"])
    return g


async def round_trips(store: GraphStore, graph: Graph) -> tuple[int, int]:
    await graph.sync(store)
    before = store.round_trips
    data = await gql(store, NESTED)
    return store.round_trips - before, data["team"]["services"]["totalCount"]


async def test_a_nested_query_costs_the_same_round_trips_on_a_graph_five_times_larger(store: GraphStore) -> None:
    small, small_count = await round_trips(store, org(3))
    await store.write("MATCH (n) DETACH DELETE n")
    large, large_count = await round_trips(store, org(15))
    assert (small_count, large_count) == (9, 45)
    assert small == large, f"{small} round trips for {small_count} services but {large} for {large_count}"
    assert large <= ROUND_TRIP_BOUND


async def test_the_nested_query_answers_correctly(store: GraphStore) -> None:
    await org(3).sync(store)
    data = await gql(store, NESTED)
    edges = data["team"]["services"]["edges"]
    first = edges[0]["node"]
    assert first["name"] == "team-a-sub-svc-000"
    assert [o["owner"]["name"] for o in first["ownershipClaims"]] == ["team-a-sub", "team-a-sub-lead"]
    assert first["system"] == {"name": "team-a-sub-sys", "domain": {"name": "dom"}}
    assert [(d["service"]["name"], d["distance"]) for d in first["dependents"]["nodes"]] == [
        ("team-a-sub-client-000", 1),
        ("team-a-sub-svc-001", 1),
        ("team-a-sub-client-001", 2),
        ("team-a-sub-svc-002", 2),
    ]
    assert [d["service"]["ownershipClaims"] for d in first["dependents"]["nodes"][:2]] == [
        [{"owner": {"name": "outsiders"}}],
        [{"owner": {"name": "team-a-sub"}}],
    ]


async def test_an_owner_lookup_is_one_round_trip_and_answers_as_the_loaders_do(store: GraphStore) -> None:
    from tests.test_read_layer import shop

    await shop().sync(store)
    owners = "ownershipClaims { source evidence owner { __typename ... on Team { name } ... on Person { name } } }"
    looked_ahead = f'{{ service(name: "payments") {{ name {owners} }} }}'
    # Through a named fragment the look-ahead does not see the owners: the loaders read them.
    through_loaders = f'{{ service(name: "payments") {{ ...F }} }} fragment F on Service {{ name {owners} }}'
    costs = []
    answers = []
    for document in (looked_ahead, through_loaders):
        before = store.round_trips
        answers.append(await gql(store, document))
        costs.append(store.round_trips - before)
    assert costs == [1, 2]
    assert answers[0] == answers[1]
    assert [o["owner"]["name"] for o in answers[0]["service"]["ownershipClaims"]] == ["payments-core", "jane"]
    before = store.round_trips
    assert await gql(store, '{ service(name: "no-such-service") { name ownershipClaims { source } } }') == {"service": None}
    assert store.round_trips - before == 1

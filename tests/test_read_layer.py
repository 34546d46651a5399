"""The read layer: given this graph, these answers, in key order, one round trip per batch."""

from __future__ import annotations

import pytest

from catalog.read import CatalogReader, ServiceFilter, UnknownEntity
from catalog.store.base import GraphStore
from tests._api_fixtures import Graph


def shop() -> Graph:
    g = Graph()
    g.team("engineering")
    g.team("payments", parent="engineering", chat="#payments")
    g.team("payments-core", parent="payments")
    g.team("search")
    g.person("jane", member_of=["payments", "payments-core"])
    g.person("omar", member_of=["search"])
    g.domain("commerce")
    g.domain("checkout-domain", parent="commerce")
    g.system("shop", owner="payments", domain="checkout-domain")
    g.system("discovery", owner="search", domain="commerce")
    g.resource("orders-db", owner="payments-core")
    g.api("payments-api", owner="payments-core", system="shop")
    g.service(
        "checkout", owner="payments", system="shop", tags=["pci", "web"], depends_on=["component:payments"], consumes=["payments-api"]
    )
    g.service(
        "payments", owners=["payments-core", "user:jane"], system="shop", depends_on=["resource:orders-db"], provides=["payments-api"]
    )
    g.service("ledger", owner="payments-core", lifecycle="experimental", type="library", depends_on=["component:payments"])
    g.service("search-api", owner="search", system="discovery", tags=["web"], description="Product SEARCH over the catalogue")
    return g


async def test_nodes_by_ids_returns_one_result_per_key_in_key_order(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    before = store.round_trips
    nodes = await reader.nodes_by_ids("Service", ["component:default/ledger", "component:default/nope", "component:default/checkout"])
    assert store.round_trips == before + 1
    assert [n.id if n else None for n in nodes] == ["component:default/ledger", None, "component:default/checkout"]
    assert nodes[2] is not None and nodes[2].texts("tags") == ("pci", "web")
    assert nodes[2].provenance.source == "backstage"


async def test_entities_are_found_by_name_ignoring_case(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    found = await reader.entities_by_name("Service", [("DEFAULT", "Checkout"), ("other", "checkout")])
    assert found[0] is not None and found[0].text("name") == "checkout"
    assert found[1] is None
    teams = await reader.entities_by_name("Team", [("default", "PAYMENTS-core")])
    assert teams[0] is not None and teams[0].id == "group:default/payments-core"


async def test_owners_carry_their_source_and_evidence(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    owners = await reader.owners_of(["component:default/payments", "component:default/checkout", "component:default/none"])
    assert [(o.owner_id, o.owner_label, o.evidence, o.source) for o in owners[0]] == [
        ("group:default/payments-core", "Team", "spec.owner", "backstage"),
        ("user:default/jane", "Person", "spec.owner", "backstage"),
    ]
    assert owners[0][0].origin is not None and owners[0][0].first_seen is not None
    assert [o.owner_id for o in owners[1]] == ["group:default/payments"]
    assert owners[2] == []
    # From one start label the answer is the same; a key of another label owns nothing there.
    assert (
        await reader.owners_of(["component:default/payments", "component:default/checkout", "component:default/none"], "Service") == owners
    )
    assert await reader.owners_of(["component:default/checkout"], "API") == [[]]


async def test_part_of_chain_apis_and_teams(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    systems = await reader.system_of(["component:default/checkout", "component:default/ledger"])
    assert [s.id if s else None for s in systems] == ["system:default/shop", None]
    assert [d.id if d else None for d in await reader.domain_of(["system:default/shop"])] == ["domain:default/checkout-domain"]
    parent = await reader.parent_domain(["domain:default/checkout-domain"])
    assert parent[0] is not None and parent[0].id == "domain:default/commerce"
    assert [[s.id for s in ss] for ss in await reader.services_of_system(["system:default/shop"])] == [
        ["component:default/checkout", "component:default/payments"]
    ]
    assert [[a.id for a in x] for x in await reader.apis_provided(["component:default/payments"])] == [["api:default/payments-api"]]
    assert [[s.id for s in x] for x in await reader.consumers_of(["api:default/payments-api"])] == [["component:default/checkout"]]
    assert [[p.id for p in x] for x in await reader.members(["group:default/payments"])] == [["user:default/jane"]]
    assert [[t.id for t in x] for x in await reader.teams_of(["user:default/jane"])] == [
        ["group:default/payments", "group:default/payments-core"]
    ]
    parents = await reader.parent_team(["group:default/payments-core", "group:default/engineering"])
    assert [p.id if p else None for p in parents] == ["group:default/payments", None]


async def test_team_services_roll_up_sub_teams(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    rolled = await reader.team_services(["group:default/engineering", "group:default/payments-core", "group:default/search"])
    assert rolled == [
        ["component:default/checkout", "component:default/ledger", "component:default/payments"],
        ["component:default/ledger", "component:default/payments"],
        ["component:default/search-api"],
    ]
    direct = await reader.team_services(["group:default/engineering"], include_sub_teams=False)
    assert direct == [[]]


async def test_team_hierarchy_walk_survives_a_cycle(store: GraphStore) -> None:
    g = Graph()
    g.team("a", parent="c")
    g.team("b", parent="a")
    g.team("c", parent="b")
    await g.sync(store)
    trees = await CatalogReader(store).team_trees(["group:default/a"])
    assert trees == [["group:default/a", "group:default/b", "group:default/c"]]


def _ids(page_items: tuple[object, ...]) -> list[str]:
    return [getattr(item, "id") for item in page_items]  # noqa: B009


@pytest.mark.parametrize(
    ("service_filter", "expected"),
    [
        (ServiceFilter(), ["checkout", "ledger", "payments", "search-api"]),
        (ServiceFilter(owner_team="group:default/payments"), ["checkout", "ledger", "payments"]),
        (ServiceFilter(owner_team="group:default/payments", include_sub_teams=False), ["checkout"]),
        (ServiceFilter(lifecycle="Experimental"), ["ledger"]),
        (ServiceFilter(type="library"), ["ledger"]),
        (ServiceFilter(tag="web"), ["checkout", "search-api"]),
        (ServiceFilter(search="Search"), ["search-api"]),
        (ServiceFilter(search="catalogue"), ["search-api"]),
        (ServiceFilter(system="system:default/shop"), ["checkout", "payments"]),
        (ServiceFilter(domain="domain:default/commerce"), ["checkout", "payments", "search-api"]),
        (ServiceFilter(domain="domain:default/checkout-domain"), ["checkout", "payments"]),
        (ServiceFilter(owner_team="group:default/payments", tag="pci"), ["checkout"]),
    ],
)
async def test_service_filters(store: GraphStore, service_filter: ServiceFilter, expected: list[str]) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    selection = await reader.select_services(service_filter)
    page = await reader.list_services(selection, first=10)
    assert [n.text("name") for n in page.items] == expected
    assert not page.has_next
    assert await reader.count_services(selection) == len(expected)


async def test_a_filter_naming_an_unknown_team_is_refused(store: GraphStore) -> None:
    await shop().sync(store)
    with pytest.raises(UnknownEntity, match="no team group:default/paymnts"):
        await CatalogReader(store).select_services(ServiceFilter(owner_team="group:default/paymnts"))


async def test_keyset_pages_do_not_overlap(store: GraphStore) -> None:
    await shop().sync(store)
    reader = CatalogReader(store)
    selection = await reader.select_services(ServiceFilter())
    first = await reader.list_services(selection, first=3)
    assert first.has_next
    second = await reader.list_services(selection, first=3, after=first.items[-1].id)
    assert not second.has_next
    assert _ids(first.items) + _ids(second.items) == sorted(_ids(first.items) + _ids(second.items))
    assert len(set(_ids(first.items)) | set(_ids(second.items))) == 4


async def test_transitive_dependents_with_distance_across_a_cycle(store: GraphStore) -> None:
    g = Graph()
    g.resource("db", depends_on=[])
    g.service("a", depends_on=["resource:db"])
    g.service("b", depends_on=["component:a"])
    g.service("c", depends_on=["component:b"])
    g.service("d", depends_on=["component:c"])
    g.service("e", depends_on=["component:a", "component:d"])
    await g.sync(store)
    # a cycle: a needs e, e needs a
    g2 = Graph(instance="extra")
    g2.service("a2")
    g2.rels.append(type(g.rels[0])("DEPENDS_ON", "Service", "component:default/a", "Service", "component:default/e", origin="x#0"))
    await g2.sync(store)
    reader = CatalogReader(store)
    before = store.round_trips
    reached = await reader.transitive_dependents(["resource:default/db", "component:default/a"], depth=3)
    # one query per level, then one per label reached to read the nodes
    assert store.round_trips - before == 3 + 1
    assert [(r.node.id, r.distance) for r in reached[0]] == [
        ("component:default/a", 1),
        ("component:default/b", 2),
        ("component:default/e", 2),
        ("component:default/c", 3),
    ]
    assert [(r.node.id, r.distance, r.via) for r in reached[1]] == [
        ("component:default/b", 1, "component:default/a"),
        ("component:default/e", 1, "component:default/a"),
        ("component:default/c", 2, "component:default/b"),
        ("component:default/d", 3, "component:default/c"),
    ]
    needs = await reader.transitive_dependencies(["component:default/a"], depth=10)
    assert [(r.node.id, r.node.label, r.distance) for r in needs[0]] == [
        ("component:default/e", "Service", 1),
        ("resource:default/db", "Resource", 1),
        ("component:default/d", "Service", 2),
        ("component:default/c", "Service", 3),
        ("component:default/b", "Service", 4),
    ]


async def test_retired_facts_are_hidden(store: GraphStore) -> None:
    g = shop()
    await g.sync(store)
    g.nodes = [n for n in g.nodes if n.id != "component:default/ledger"]
    g.rels = [
        r for r in g.rels if r.src_id != "component:default/ledger" and not (r.type == "OWNS" and r.dst_id == "component:default/checkout")
    ]
    await g.sync(store, force=True)
    reader = CatalogReader(store)
    assert (await reader.nodes_by_ids("Service", ["component:default/ledger"])) == [None]
    assert (await reader.owners_of(["component:default/checkout"])) == [[]]
    selection = await reader.select_services(ServiceFilter(owner_team="group:default/payments"))
    assert [n.text("name") for n in (await reader.list_services(selection, first=10)).items] == ["payments"]
    reached = await reader.transitive_dependents(["component:default/payments"], depth=2)
    assert [r.node.id for r in reached[0]] == ["component:default/checkout"]


async def test_findings_page_and_filter(store: GraphStore) -> None:
    g = shop()
    g.service("orphan", owner="ghost-team")
    await g.sync(store)
    reader = CatalogReader(store)
    page = await reader.list_findings(10, severity="ERROR")
    assert [f.text("kind") for f in page.items] == ["unknown-reference"]
    assert page.items[0].text("reference") == "group:default/ghost-team"
    assert await reader.count_findings(kind="unknown-reference") == 1
    assert await reader.count_findings(severity="info") == 0

"""Looking things up through GraphQL: given this graph, this answer."""

from __future__ import annotations

import base64
from pathlib import Path

from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage
from tests._api_fixtures import Graph, gql, gql_error_objects
from tests.test_read_layer import shop


def documented_shop() -> Graph:
    g = shop()
    g.service(
        "Storefront",
        owner="search",
        title="Storefront",
        links=[{"url": "https://runbooks/storefront", "title": "Runbook", "type": "runbook"}, {"title": "no url"}],
        annotations={"pagerduty.com/service-id": "P123", "github.com/project-slug": "acme/storefront"},
        tier="1",
        repository="github.com/acme/storefront",
        platform="kubernetes",
    )
    g.repository("github.com/acme/storefront")
    g.platform("kubernetes", standard=True, owner="engineering")
    g.team("payments", parent="engineering", chat="#payments")  # the same team from a second origin changes nothing
    g.nodes.pop()
    g.team("retail/payments", title="Retail payments")
    return g


async def test_service_lookup_ignores_case_and_respects_namespaces(store: GraphStore) -> None:
    await documented_shop().sync(store)
    data = await gql(
        store,
        """{
          a: service(name: "STOREFRONT") { name ref namespace title tier }
          b: service(name: "storefront", namespace: "Default") { name }
          c: service(name: "storefront", namespace: "retail") { name }
          d: team(name: "payments", namespace: "RETAIL") { ref title }
          e: team(name: "Payments") { ref chatChannel }
        }""",
    )
    assert data["a"] == {
        "name": "Storefront",
        "ref": "component:default/storefront",
        "namespace": "default",
        "title": "Storefront",
        "tier": "TIER_1",
    }
    assert data["b"] == {"name": "Storefront"}
    assert data["c"] is None
    assert data["d"] == {"ref": "group:retail/payments", "title": "Retail payments"}
    assert data["e"] == {"ref": "group:default/payments", "chatChannel": "#payments"}


async def test_descriptor_details_links_and_annotations(store: GraphStore) -> None:
    await documented_shop().sync(store)
    data = await gql(
        store,
        """{ service(name: "storefront") {
              links { url title type icon }
              annotations { key value }
              labels { key }
              repositories { ref slug host url services { nodes { name } } }
              platforms {
                name isStandard ownershipClaims { owner { ... on Team { name } } } services { totalCount edges { node { name } } }
              }
              provenance { source sourceInstance origin firstSeenAt lastSeenAt }
        } }""",
    )
    service = data["service"]
    assert service["links"] == [{"url": "https://runbooks/storefront", "title": "Runbook", "type": "runbook", "icon": None}]
    assert service["annotations"] == [
        {"key": "github.com/project-slug", "value": "acme/storefront"},
        {"key": "pagerduty.com/service-id", "value": "P123"},
    ]
    assert service["labels"] == []
    assert service["repositories"] == [
        {
            "ref": "repository:github.com/acme/storefront",
            "slug": "acme/storefront",
            "host": "github.com",
            "url": "https://github.com/acme/storefront",
            "services": {"nodes": [{"name": "Storefront"}]},
        }
    ]
    assert service["platforms"] == [
        {
            "name": "kubernetes",
            "isStandard": True,
            "ownershipClaims": [{"owner": {"name": "engineering"}}],
            "services": {"totalCount": 1, "edges": [{"node": {"name": "Storefront"}}]},
        }
    ]
    provenance = service["provenance"]
    assert provenance["source"] == "backstage" and provenance["sourceInstance"] == "test-catalog"
    assert provenance["origin"].startswith("catalog-info.yaml#")
    assert provenance["firstSeenAt"].endswith("+00:00") and provenance["lastSeenAt"] >= provenance["firstSeenAt"]


async def test_owners_name_team_or_person_with_source_and_evidence(store: GraphStore) -> None:
    await shop().sync(store)
    data = await gql(
        store,
        """{ service(name: "payments") { ownershipClaims {
              owner { __typename ... on Team { name chatChannel } ... on Person { name teams { nodes { name } } } }
              source sourceInstance evidence origin startedAt lastSeenAt
        } } }""",
    )
    owners = data["service"]["ownershipClaims"]
    assert [(o["owner"]["__typename"], o["owner"]["name"], o["source"], o["evidence"]) for o in owners] == [
        ("Team", "payments-core", "backstage", "spec.owner"),
        ("Person", "jane", "backstage", "spec.owner"),
    ]
    assert owners[1]["owner"]["teams"] == {"nodes": [{"name": "payments"}, {"name": "payments-core"}]}
    assert all(o["startedAt"] and o["origin"] for o in owners)


async def test_a_second_source_adds_an_owner_with_its_own_evidence(store: GraphStore) -> None:
    await shop().sync(store)
    github = Graph(source="github", instance="github.com/acme")
    github._rel("OWNS", ("Team", "group:default/search"), ("Service", "component:default/checkout"), evidence="CODEOWNERS: * @acme/search")
    await github.sync(store)
    data = await gql(store, '{ service(name: "checkout") { ownershipClaims { owner { ... on Team { name } } source evidence } } }')
    assert data["service"]["ownershipClaims"] == [
        {"owner": {"name": "payments"}, "source": "backstage", "evidence": "spec.owner"},
        {"owner": {"name": "search"}, "source": "github", "evidence": "CODEOWNERS: * @acme/search"},
    ]


async def test_team_person_system_domain_and_api(store: GraphStore) -> None:
    await shop().sync(store)
    data = await gql(
        store,
        """{
          team(name: "payments") { name parent { name } children { nodes { name } } members { totalCount nodes { name } } }
          person(name: "jane") { name teams { nodes { name } } }
          system(name: "shop") { ownershipClaims { owner { ... on Team { name } } } domain { name parent { name } }
                                 services { nodes { name } } apis { nodes { name } } resources { totalCount nodes { name } } }
          domain(name: "commerce") { systems { nodes { name } } subdomains { nodes { name systems { nodes { name } } } } parent { name } }
          api(name: "payments-api") { type providers { nodes { name } } consumers { nodes { name } } system { name }
                                      ownershipClaims { owner { ... on Team { name } } } }
          resource(name: "orders-db") { type ownershipClaims { owner { ... on Team { name } } }
                                        dependents { nodes { distance service { name } } } }
        }""",
    )
    assert data["team"] == {
        "name": "payments",
        "parent": {"name": "engineering"},
        "children": {"nodes": [{"name": "payments-core"}]},
        "members": {"totalCount": 1, "nodes": [{"name": "jane"}]},
    }
    assert data["person"] == {"name": "jane", "teams": {"nodes": [{"name": "payments"}, {"name": "payments-core"}]}}
    assert data["system"] == {
        "ownershipClaims": [{"owner": {"name": "payments"}}],
        "domain": {"name": "checkout-domain", "parent": {"name": "commerce"}},
        "services": {"nodes": [{"name": "checkout"}, {"name": "payments"}]},
        "apis": {"nodes": [{"name": "payments-api"}]},
        "resources": {"totalCount": 0, "nodes": []},
    }
    assert data["domain"] == {
        "systems": {"nodes": [{"name": "discovery"}]},
        "subdomains": {"nodes": [{"name": "checkout-domain", "systems": {"nodes": [{"name": "shop"}]}}]},
        "parent": None,
    }
    assert data["api"] == {
        "type": "openapi",
        "providers": {"nodes": [{"name": "payments"}]},
        "consumers": {"nodes": [{"name": "checkout"}]},
        "system": {"name": "shop"},
        "ownershipClaims": [{"owner": {"name": "payments-core"}}],
    }
    assert data["resource"] == {
        "type": "database",
        "ownershipClaims": [{"owner": {"name": "payments-core"}}],
        "dependents": {"nodes": [{"distance": 1, "service": {"name": "payments"}}]},
    }


async def test_retired_entities_and_relationships_disappear(store: GraphStore) -> None:
    g = shop()
    await g.sync(store)
    g.nodes = [n for n in g.nodes if n.id != "component:default/ledger"]
    g.rels = [
        r for r in g.rels if r.src_id != "component:default/ledger" and not (r.type == "MEMBER_OF" and r.dst_id == "group:default/payments")
    ]
    await g.sync(store, force=True)
    data = await gql(
        store,
        """{ ledger: service(name: "ledger") { name }
             team(name: "payments-core") { services { totalCount edges { node { name } } } }
             jane: person(name: "jane") { teams { nodes { name } } }
             payments: service(name: "payments") { dependents { nodes { service { name } } } } }""",
    )
    assert data["ledger"] is None
    assert data["team"]["services"] == {"totalCount": 1, "edges": [{"node": {"name": "payments"}}]}
    assert data["jane"] == {"teams": {"nodes": [{"name": "payments-core"}]}}
    assert data["payments"]["dependents"] == {"nodes": [{"service": {"name": "checkout"}}]}


async def test_global_ids_resolve_back_to_their_objects(store: GraphStore) -> None:
    await documented_shop().sync(store)
    data = await gql(
        store,
        """{ service(name: "checkout") { id ownershipClaims { owner { ... on Team { id } } } repositories { id } }
             repo: repository(slug: "ACME/Storefront") { id }
             findings { edges { node { id } } } }""",
    )
    service_id = data["service"]["id"]
    # Opaque and versioned: a type code and version, then the key in URL-safe base64 without padding.
    assert service_id.startswith("S1_") and "component" not in service_id and "=" not in service_id
    team_id = data["service"]["ownershipClaims"][0]["owner"]["id"]
    repo_id = data["repo"]["id"]
    never = "S1_" + base64.urlsafe_b64encode(b"component:default/never-was").decode().rstrip("=")
    resolved = await gql(
        store,
        """query($one: ID!, $many: [ID!]!) {
             node(id: $one) { __typename id ... on Service { name isRetired } }
             nodes(ids: $many) { __typename id ... on Entity { ref } ... on Repository { slug } }
        }""",
        {"one": service_id, "many": [team_id, never, "not-an-id", repo_id, service_id]},
    )
    assert resolved["node"] == {"__typename": "Service", "id": service_id, "name": "checkout", "isRetired": False}
    # Null for an id the catalog never held, and null for one this API did not issue: the others still answer.
    assert resolved["nodes"] == [
        {"__typename": "Team", "id": team_id, "ref": "group:default/payments"},
        None,
        None,
        {"__typename": "Repository", "id": repo_id, "slug": "acme/storefront"},
        {"__typename": "Service", "id": service_id, "ref": "component:default/checkout"},
    ]


_DESCRIPTOR = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {{name: {name}, annotations: {{ownership-catalog.io/aliases: "{aliases}"}}}}
spec: {{type: service, lifecycle: production, owner: payments}}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {{name: ledger}}
spec: {{type: service, lifecycle: production, owner: payments}}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {{name: payments}}
spec: {{type: team}}
"""


async def test_ids_survive_a_rename_recorded_as_an_alias_and_retired_entities_still_resolve(store: GraphStore, tmp_path: Path) -> None:
    descriptor = tmp_path / "catalog-info.yaml"
    descriptor.write_text(_DESCRIPTOR.format(name="checkout", aliases="shop"))
    await sync(store, read_backstage([descriptor], instance="ids"), now="2026-11-20T12:00:00.000000Z")
    ids = await gql(store, '{ checkout: service(name: "checkout") { id } ledger: service(name: "ledger") { id } }')
    # Renamed, keeping its old name as an alias; ledger is removed from the source.
    docs = _DESCRIPTOR.format(name="checkout-v2", aliases="checkout").split("---\n")
    descriptor.write_text("---\n".join([docs[0], docs[2]]))
    await sync(store, read_backstage([descriptor], instance="ids"), now="2026-11-21T12:00:00.000000Z", force=True)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Service { name isRetired } } }"
    renamed, retired = (await gql(store, query, {"ids": [ids["checkout"]["id"], ids["ledger"]["id"]]}))["nodes"]
    assert (renamed["name"], renamed["isRetired"]) == ("checkout-v2", False) and renamed["id"] != ids["checkout"]["id"]
    assert retired == {"id": ids["ledger"]["id"], "name": "ledger", "isRetired": True}


async def test_malformed_global_ids_are_refused(store: GraphStore) -> None:
    unknown_type = "ZZ1_" + base64.urlsafe_b64encode(b"x").decode().rstrip("=")
    future_version = "S9_" + base64.urlsafe_b64encode(b"component:default/checkout").decode().rstrip("=")
    legacy = base64.b64encode(b"Service:component:default/checkout").decode()
    for value in ("not-base64!", unknown_type, future_version, legacy, "S1_"):
        errors = await gql_error_objects(store, "query($id: ID!) { node(id: $id) { id } }", {"id": value})
        assert [e["message"] for e in errors] == [f"{value!r} is not a global id from this API; use the `id` field of a catalog object"]
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_findings_are_listed_with_their_fix(store: GraphStore) -> None:
    g = shop()
    g.service("orphan", owner="ghost-team")
    await g.sync(store)
    data = await gql(
        store,
        """{ all: findings { totalCount edges { node { kind severity subject reference message fix file line provenance { source } } } }
             none: findings(filter: { severity: WARNING }) { totalCount edges { cursor } } }""",
    )
    assert data["all"]["totalCount"] == 1
    finding = data["all"]["edges"][0]["node"]
    assert finding["kind"] == "unknown-reference" and finding["severity"] == "ERROR"
    assert finding["reference"] == "group:default/ghost-team" and finding["fix"] and finding["file"] == "catalog-info.yaml"
    assert finding["provenance"] == {"source": "backstage"}
    assert data["none"] == {"totalCount": 0, "edges": []}


async def test_every_kind_has_a_root_list_with_one_filter(store: GraphStore) -> None:
    await shop().sync(store)
    data = await gql(
        store,
        """{ people(filter: { search: "JAN" }) { totalCount nodes { name } }
             teams(first: 1) { totalCount pageInfo { hasNextPage } nodes { name } }
             systems { nodes { name } } domains { totalCount } apis { nodes { name } } resources { nodes { name } }
             platforms { totalCount } repositories { totalCount } workloads { totalCount } escalationPolicies { totalCount } }""",
    )
    assert data["people"] == {"totalCount": 1, "nodes": [{"name": "jane"}]}
    assert data["teams"]["nodes"] == [{"name": "engineering"}] and data["teams"]["pageInfo"]["hasNextPage"]
    assert data["teams"]["totalCount"] > 1
    assert data["systems"]["nodes"] == [{"name": "discovery"}, {"name": "shop"}]
    assert data["apis"]["nodes"] == [{"name": "payments-api"}] and data["resources"]["nodes"] == [{"name": "orders-db"}]
    assert (data["workloads"]["totalCount"], data["escalationPolicies"]["totalCount"]) == (0, 0)


_UNOWNED = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {{name: lonely}}
spec: {{type: service, lifecycle: production{owner}}}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {{name: somebody}}
spec: {{type: team}}
"""


async def test_an_audit_keeps_the_time_a_sync_first_saw_it(store: GraphStore, tmp_path: Path) -> None:
    from catalog.answers.audit_sightings import sightings_batch
    from catalog.read import CatalogReader

    descriptor = tmp_path / "catalog-info.yaml"
    query = "{ audits(filter: { kinds: [UNOWNED_SERVICE] }) { nodes { subject { key } firstDetectedAt } } }"

    async def sync_at(moment: str, owner: str = "") -> None:
        descriptor.write_text(_UNOWNED.format(owner=owner))
        await sync(store, read_backstage([descriptor], instance="first-seen"), now=moment, force=True)
        await sync(store, await sightings_batch(CatalogReader(store), moment), now=moment, force=True)

    await sync_at("2026-11-20T12:00:00.000000Z")
    assert (await gql(store, query))["audits"]["nodes"][0]["firstDetectedAt"] is not None  # seen, not the query's time
    await sync_at("2026-11-21T12:00:00.000000Z")
    [audit] = (await gql(store, query))["audits"]["nodes"]
    assert audit == {"subject": {"key": "component:default/lonely"}, "firstDetectedAt": "2026-11-20T12:00:00+00:00"}
    await sync_at("2026-11-22T12:00:00.000000Z", owner=", owner: somebody")  # fixed: the sighting is retired
    await sync_at("2026-11-23T12:00:00.000000Z")  # back again: a new problem
    [again] = (await gql(store, query))["audits"]["nodes"]
    assert again["firstDetectedAt"] == "2026-11-23T12:00:00+00:00"

"""The README's example queries answer correctly on the bundled demo organisation, on both stores."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from catalog.cli import demo_root
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage
from tests._api_fixtures import gql

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
QUERIES = re.findall(r"```graphql\n(.*?)```", README, re.S)


@pytest.fixture
async def demo(store: GraphStore) -> GraphStore:
    await sync(store, read_backstage([demo_root() / "catalog-info.yaml"], instance="demo"))
    return store


def owner_refs(service: dict[str, Any]) -> set[str]:
    return {o["owner"]["ref"] for o in service["owners"]}


def test_the_readme_has_example_queries() -> None:
    assert len(QUERIES) >= 5


async def test_every_readme_query_answers_without_errors(demo: GraphStore) -> None:
    for query in QUERIES:
        data = await gql(demo, query)
        assert data and all(value is not None for value in data.values()), query


async def test_who_owns_checkout(demo: GraphStore) -> None:
    data = await gql(demo, QUERIES[0])
    service = data["service"]
    [owner] = service["owners"]
    assert owner["owner"]["name"] == "checkout-team" and owner["owner"]["chatChannel"]
    assert (owner["source"], owner["evidence"]) == ("backstage", "spec.owner")
    assert owner["origin"].startswith("domains/commerce.yaml#")
    assert any(link["title"] == "Runbook" for link in service["links"])
    assert service["platform"] == {"name": "kubernetes-platform", "standard": True}
    assert service["repositories"][0]["slug"] == "acme/checkout"


async def test_a_departments_services_roll_up_with_owners_and_dependents(demo: GraphStore) -> None:
    team = (await gql(demo, QUERIES[1]))["team"]
    assert [c["ref"] for c in team["children"]] == ["group:payments/payments-core"]
    # payments-risk and payments-ledger sit one level further down, under payments-core.
    subtree = {f"group:payments/payments-{t}" for t in ("core", "risk", "ledger")} | {"group:default/engineering-payments"}
    services = [edge["node"] for edge in team["services"]["edges"]]
    assert team["services"]["totalCount"] == len(services) > 0
    for service in services:
        assert owner_refs(service) <= subtree, service["ref"]
    owning_teams = set().union(*(owner_refs(s) for s in services))
    assert {"group:payments/payments-risk", "group:payments/payments-ledger"} <= owning_teams
    gateway = next(s for s in services if s["ref"] == "component:payments/payments-gateway")
    direct = {d["service"]["ref"] for d in gateway["dependents"] if d["distance"] == 1}
    assert "component:default/checkout" in direct
    assert all(d["distance"] in (1, 2) for d in gateway["dependents"])


async def test_the_blast_radius_of_the_hub_is_breadth_first_and_distinct(demo: GraphStore) -> None:
    dependents = (await gql(demo, QUERIES[2]))["service"]["dependents"]
    refs = [d["service"]["ref"] for d in dependents]
    assert len(refs) == len(set(refs)) >= 15
    distances = [d["distance"] for d in dependents]
    assert distances == sorted(distances) and distances[0] == 1
    assert {"component:default/order-service", "component:default/inventory", "component:default/shipping"} <= set(refs)


async def test_services_off_the_standard_platform(demo: GraphStore) -> None:
    page = (await gql(demo, QUERIES[3]))["services"]
    refs = {edge["node"]["ref"] for edge in page["edges"]}
    assert refs == {"component:default/inventory", "component:default/shipping", "component:default/wms-sync"}
    assert all(edge["node"]["platform"] == {"name": "legacy-vms", "standard": False} for edge in page["edges"])


async def test_findings_name_the_file_line_and_fix(demo: GraphStore) -> None:
    findings = [edge["node"] for edge in (await gql(demo, QUERIES[5]))["findings"]["edges"]]
    growth = next(f for f in findings if f["reference"] == "group:default/growth-team")
    assert growth["file"] == "domains/commerce.yaml" and growth["line"] > 0 and growth["field"] == "spec.owner" and growth["fix"]
    assert any(f["kind"] == "wrong-kind" and f["subject"] == "component:payments/payouts" for f in findings)

"""The README's example queries answer correctly on the bundled demo organisation, on both stores."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
from catalog.runner import sync_sources
from catalog.store.base import GraphStore
from tests._api_fixtures import gql

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
QUERIES = re.findall(r"```graphql\n(.*?)```", README, re.S)


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def demo(store: GraphStore, tmp_path: Path) -> GraphStore:
    """What `make demo` loads: every demo source, through the real importers (generated for a fixed day)."""
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    assert not [o for o in await sync_sources(store, config, now=iso(NOW)) if o.failed]
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
    # Every source that names an owner agrees; each keeps its own evidence, and the resolved owner is theirs.
    [resolved] = service["owners"]
    assert resolved["owner"]["name"] == "checkout-team" and resolved["owner"]["chatChannel"] and resolved["rule"]
    claims = service["ownershipClaims"]
    assert {c["owner"]["name"] for c in claims} == {"checkout-team"}
    assert {c["source"] for c in claims} == {"backstage", "kubernetes", "pagerduty"}
    [claim] = [c for c in claims if c["source"] == "backstage"]
    assert (claim["evidence"], claim["strength"]) == ("spec.owner", "DECLARED")
    assert claim["origin"].startswith("domains/commerce.yaml#")
    assert any(link["title"] == "Runbook" for link in service["links"])
    assert service["platforms"] == [{"name": "kubernetes-platform", "isStandard": True}]
    assert service["repositories"][0]["slug"] == "acme/checkout"


async def test_a_departments_services_roll_up_with_owners_and_dependents(demo: GraphStore) -> None:
    team = (await gql(demo, QUERIES[1]))["team"]
    assert [c["ref"] for c in team["children"]["nodes"]] == ["group:payments/payments-core"]
    # payments-risk and payments-ledger sit one level further down, under payments-core.
    subtree = {f"group:payments/payments-{t}" for t in ("core", "risk", "ledger")} | {"group:default/engineering-payments"}
    services = [edge["node"] for edge in team["services"]["edges"]]
    assert team["services"]["totalCount"] == len(services) > 0
    for service in services:
        assert owner_refs(service) <= subtree, service["ref"]
    owning_teams = set().union(*(owner_refs(s) for s in services))
    assert {"group:payments/payments-risk", "group:payments/payments-ledger"} <= owning_teams
    gateway = next(s for s in services if s["ref"] == "component:payments/payments-gateway")
    direct = {d["node"]["ref"] for d in gateway["dependents"]["nodes"] if d["distance"] == 1}
    assert "component:default/checkout" in direct
    assert all(d["distance"] in (1, 2) for d in gateway["dependents"]["nodes"])


async def test_the_blast_radius_of_the_hub_is_breadth_first_and_distinct(demo: GraphStore) -> None:
    dependents = (await gql(demo, QUERIES[2]))["service"]["dependents"]["nodes"]
    refs = [d["node"]["ref"] for d in dependents]
    assert len(refs) == len(set(refs)) >= 15
    distances = [d["distance"] for d in dependents]
    assert distances == sorted(distances) and distances[0] == 1
    assert {"component:default/order-service", "component:default/inventory", "component:default/shipping"} <= set(refs)


async def test_services_off_the_standard_platform(demo: GraphStore) -> None:
    page = (await gql(demo, QUERIES[3]))["services"]
    refs = {edge["node"]["ref"] for edge in page["edges"]}
    assert refs == {"component:default/inventory", "component:default/shipping", "component:default/wms-sync"}
    assert all(edge["node"]["platforms"] == [{"name": "legacy-vms", "isStandard": False}] for edge in page["edges"])


async def test_findings_name_the_file_line_and_fix(demo: GraphStore) -> None:
    findings = [edge["node"] for edge in (await gql(demo, QUERIES[5]))["findings"]["edges"]]
    growth = next(f for f in findings if f["reference"] == "group:default/growth-team")
    assert growth["file"] == "domains/commerce.yaml" and growth["line"] > 0 and growth["field"] == "spec.owner" and growth["fix"]
    assert any(f["kind"] == "wrong-kind" and f["subject"] == "component:payments/payouts" for f in findings)


def query_with(field: str) -> str:
    [query] = [q for q in QUERIES if f"{field}(" in q]
    return query


async def test_a_paging_pod_names_its_owner_and_the_chain_that_is_paged(demo: GraphStore) -> None:
    data = await gql(demo, query_with("whoOwns"))
    assert data["whoOwns"]["identification"]["status"] == "RESOLVED"
    [match] = data["whoOwns"]["subjects"]
    assert match["name"] == "checkout"
    assert [o["owner"]["displayName"] for o in match["owners"]] == ["Checkout Team"]
    assert match["runbooks"] and match["platforms"][0]["platform"]["isStandard"] is True
    assert data["onCall"]["identification"] == {"status": "RESOLVED"}
    # `onCall` without `at` is now; the demo's shifts were generated around NOW, so only the shape is fixed here.
    levels = data["onCall"]["levels"]
    assert [level["level"] for level in levels] == [1, 2]
    assert levels[1]["onCall"][0]["isDirect"] and levels[1]["onCall"][0]["isPermanent"]


async def test_the_hubs_blast_radius_and_the_platform_report(demo: GraphStore) -> None:
    blast = (await gql(demo, query_with("blastRadius")))["blastRadius"]
    assert blast["totalServices"] == sum(d["count"] for d in blast["byDistance"]) >= 15
    teams = blast["teams"]["nodes"]
    assert teams and all(t["count"] == t["affectedServices"]["totalCount"] >= len(t["affectedServices"]["nodes"]) for t in teams)
    assert all(s["distance"] <= 3 for t in teams for s in t["affectedServices"]["nodes"])
    report = await gql(demo, query_with("adoption"))
    company = report["adoption"]["company"]
    assert company["total"] == company["standard"] + company["other"] + company["unknown"]
    assert [p["total"] for p in report["adoptionTrend"]["nodes"]] == [company["total"]]
    assert report["audits"]["totalCount"] >= len(report["audits"]["edges"]) > 0
    # Every audit carries when a sync first saw it (the demo's sync saw them all).
    assert all(e["node"]["firstDetectedAt"] for e in report["audits"]["edges"])

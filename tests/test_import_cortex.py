"""Cortex ``cortex.yaml`` descriptors: the real parser, then the real sync into both stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch, RelRecord
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.backstage import read_backstage
from importers.descriptors import read_cortex
from importers.descriptors.cortex_source import Config, open_source

FIXTURES = Path(__file__).parent / "fixtures" / "descriptors" / "cortex"
BACKSTAGE = Path(__file__).parent / "fixtures" / "backstage" / "acme" / "catalog-info.yaml"
T0, T1, T2 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3))
FRAUD = "component:default/fraud-detection"
CHECKOUT = "component:default/checkout"


@pytest.fixture
def descriptors(tmp_path: Path) -> Path:
    root = tmp_path / "cortex"
    shutil.copytree(FIXTURES, root)
    return root


def rels(batch: ImportBatch, rel_type: str, node: str) -> list[RelRecord]:
    return [r for r in batch.rels if r.type == rel_type and node in (r.src_id, r.dst_id)]


# -- the parser --------------------------------------------------------------------------------


def test_a_documented_descriptor_declares_the_service_with_its_facts(descriptors: Path) -> None:
    batch = read_cortex([descriptors])
    assert batch.source == "cortex" and batch.complete and not batch.failed_origins
    services = {n.id: n for n in batch.nodes if n.label == "Service"}
    assert set(services) == {FRAUD, CHECKOUT, "component:default/ledger"}  # the team entity is not a service
    fraud = services[FRAUD].props
    assert (fraud["name"], fraud["title"], fraud["tier"], fraud["lifecycle"], fraud["type"]) == (
        "fraud-detection",
        "Fraud Detection",
        "tier-1",
        "production",
        "service",
    )
    assert fraud["tags"] == ["tier-1", "python-services"]
    assert [(link["title"], link.get("type")) for link in json.loads(fraud["links"])] == [("Runbook", "runbook"), ("API spec", "openapi")]
    assert services[CHECKOUT].props["tier"] == "tier-1"  # custom metadata written as {value, description}

    assert {r.src_id for r in rels(batch, "IDENTIFIES", FRAUD)} == {
        "ident:cortex:fraud-detection",
        "ident:alias:fraud-detection",
        "ident:pagerduty-service:pfraud1",
    }
    owners = {r.src_id: r for r in rels(batch, "OWNS", FRAUD)}
    assert set(owners) == {"group:cortex/risk-team", "user:default/alice"}  # the slack channel is not an owner
    assert owners["user:default/alice"].src_label == "Person"
    # risk-team is in no other source: Cortex's own team, with weaker evidence and a finding.
    assert owners["group:cortex/risk-team"].props["strength"] == "inferred"
    unknown = next(f for f in batch.findings if f.kind == "source-only-team" and f.subject == FRAUD)
    assert (unknown.file, unknown.line, unknown.field) == ("fraud-detection/cortex.yaml", 12, "info.x-cortex-owners[0].name")
    deps = {r.dst_id: r for r in rels(batch, "DEPENDS_ON", FRAUD)}
    assert set(deps) == {CHECKOUT, "component:default/ledger"}
    assert deps[CHECKOUT].props["evidence"] == "cortex.yaml info.x-cortex-dependency (POST /v1/orders/score)"
    assert all(d.if_missing is None for d in deps.values())  # both described in this import
    assert [r.dst_id for r in rels(batch, "BUILT_FROM", FRAUD)] == ["repository:github.com/acme/fraud-detection"]


def test_schedules_and_other_entity_types_are_reported_not_linked(descriptors: Path) -> None:
    batch = read_cortex([descriptors])
    found = {(f.kind, f.severity, f.file, f.line) for f in batch.findings if f.kind != "source-only-team"}
    assert found == {
        ("not-linked", "info", "ledger-schedule/cortex.yaml", 12),
        ("unsupported-entity", "info", "payments-team/cortex.yaml", 5),
    }
    assert {r.src_id for r in rels(batch, "IDENTIFIES", "component:default/ledger")} == {"ident:cortex:ledger"}
    [owner] = rels(batch, "OWNS", "component:default/ledger")  # type: EMAIL, in capitals
    assert owner.src_id == "user:default/bob"


def test_owners_resolve_by_github_team_and_email(descriptors: Path) -> None:
    index = IdentityIndex()
    index.add_team("group:default/checkout-crew", "checkout-crew", {"github.com/team-slug": "acme/checkout-team"})
    index.add_person("user:default/alice", "alice", "alice@acme.example")
    batch = read_cortex([descriptors], index=index)
    assert {(r.src_id, r.if_missing is None) for r in rels(batch, "OWNS", CHECKOUT)} == {("group:default/checkout-crew", True)}
    assert ("user:default/alice", True) in {(r.src_id, r.if_missing is None) for r in rels(batch, "OWNS", FRAUD)}


def test_bad_input_is_reported_with_file_line_field_and_fix(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "cortex.yaml").write_text(
        "openapi: 3.0.1\ninfo:\n  title: A\n  x-cortex-tag: a-svc\n  x-cortex-owners: risk-team\n"
        "  x-cortex-oncall:\n    pagerduty:\n      id: PX\n      type: ROTA\n  x-cortex-dependency:\n    tag: b\n"
        "  x-cortex-git:\n    github:\n      repository: not-a-slug\n"
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "cortex.yml").write_text("openapi: 3.0.1\ninfo:\n  title: No tag\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cortex.yaml").write_text("openapi: 3.0.1\ninfo:\n  x-cortex-tag: a-svc\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "cortex.yaml").write_text("openapi: 3.0.1\ninfo:\n\tx-cortex-tag: tabs\n")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "cortex.yaml").write_text("- just\n- a list\n")
    batch = read_cortex([tmp_path])
    found = {(f.kind, f.file, f.line, f.field) for f in batch.findings}
    assert ("invalid-field", "a/cortex.yaml", 5, "info.x-cortex-owners") in found
    assert ("invalid-field", "a/cortex.yaml", 9, "info.x-cortex-oncall.pagerduty.type") in found
    assert ("invalid-field", "a/cortex.yaml", 10, "info.x-cortex-dependency") in found
    assert ("invalid-field", "a/cortex.yaml", 14, "info.x-cortex-git.github.repository") in found
    assert ("missing-field", "b/cortex.yml", 1, None) in found
    assert ("duplicate-entity", "c/cortex.yaml", 3, "info.x-cortex-tag") in found
    assert any(k == "invalid-yaml" and f == "d/cortex.yaml" and line == 3 for k, f, line, _ in found)
    assert ("invalid-document", "e/cortex.yaml", 1, None) in found
    assert all(f.fix for f in batch.findings)
    assert batch.failed_origins == {"b/cortex.yml", "d/cortex.yaml", "e/cortex.yaml"}
    [service] = [n for n in batch.nodes if n.label == "Service"]
    assert service.id == "component:default/a-svc" and service.origin == "a/cortex.yaml#0"
    assert not [r for r in batch.rels if r.type in ("OWNS", "DEPENDS_ON", "BUILT_FROM")]


# -- into the store ----------------------------------------------------------------------------


async def test_alone_it_declares_services_and_a_second_sync_changes_nothing(store: GraphStore, descriptors: Path) -> None:
    first = await sync(store, read_cortex([descriptors], instance="cx"), now=T0)
    assert first.nodes["Service"].created == 3
    rows = await store.read("MATCH (s:Service) RETURN s.id AS id, s.source AS source ORDER BY id")
    assert rows == [{"id": k, "source": "cortex"} for k in (CHECKOUT, FRAUD, "component:default/ledger")]
    second = await sync(store, read_cortex([descriptors], instance="cx", index=await load_identity_index(store)), now=T1)
    totals = second.totals()
    assert (totals.created, totals.updated, totals.retired) == (0, 0, 0) and totals.unchanged == first.totals().created


async def test_after_backstage_it_attaches_to_the_existing_service(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_backstage([BACKSTAGE], instance="bs"), now=T0)
    first = await sync(store, read_cortex([descriptors], instance="cx", index=await load_identity_index(store)), now=T0)
    assert first.nodes["Service"].created == 2  # fraud-detection and ledger; checkout is Backstage's
    [checkout] = await store.read("MATCH (s:Service {id: $id}) RETURN s.source AS source, s.tier AS tier", {"id": CHECKOUT})
    assert checkout == {"source": "backstage", "tier": "1"}

    owners = await store.read(
        "MATCH (o)-[r:OWNS]->(s:Service) WHERE r.active = true AND r.source = 'cortex' RETURN o.id AS owner, s.id AS service ORDER BY owner"
    )
    assert owners == [
        {"owner": "group:cortex/risk-team", "service": FRAUD},  # a team only Cortex names
        {"owner": "group:default/checkout-team", "service": CHECKOUT},  # acme/checkout-team (GITHUB) by its slug
        {"owner": "user:default/alice", "service": FRAUD},  # by email
        {"owner": "user:default/bob", "service": "component:default/ledger"},
    ]
    pagerduty = await store.read(
        "MATCH (i:Identifier)-[r:IDENTIFIES]->(s:Service) WHERE i.scheme = 'pagerduty-service' AND r.active = true "
        "RETURN i.value AS id, s.id AS service ORDER BY id"
    )
    assert pagerduty == [{"id": "pchk001", "service": CHECKOUT}, {"id": "pfraud1", "service": FRAUD}]
    [only] = await store.read("MATCH (f:Finding {kind: 'source-only-team'}) WHERE f.source = 'cortex' RETURN f.reference AS ref")
    assert only == {"ref": "group:cortex/risk-team"}

    again = await sync(store, read_cortex([descriptors], instance="cx", index=await load_identity_index(store)), now=T1)
    assert (again.totals().created, again.totals().updated, again.totals().retired) == (0, 0, 0)


async def test_a_file_turned_malformed_keeps_its_previous_facts(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_cortex([descriptors], instance="cx"), now=T0)
    fraud = descriptors / "fraud-detection" / "cortex.yaml"
    fraud.write_text(fraud.read_text().replace("  x-cortex-tag: fraud-detection\n", ""))
    report = await sync(store, read_cortex([descriptors], instance="cx", index=await load_identity_index(store)), now=T1)
    assert any(f.kind == "missing-field" and f.file == "fraud-detection/cortex.yaml" for f in report.findings)
    assert report.totals().retired == 0
    kept = await store.read(
        "MATCH (s:Service {id: $id})-[r:DEPENDS_ON]->(d:Service) WHERE r.active = true AND s.retired_at IS NULL "
        "RETURN d.id AS dep ORDER BY dep",
        {"id": FRAUD},
    )
    assert kept == [{"dep": CHECKOUT}, {"dep": "component:default/ledger"}]


async def test_the_configured_source_reads_into_the_store(store: GraphStore, descriptors: Path) -> None:
    source = open_source(Config(type="cortex", paths=[Path("cortex")], namespace="risk"), descriptors.parent)
    assert source.instance == f"cortex:{descriptors.as_posix()}"
    report = await sync(store, await source.read(IdentityIndex()), now=T0)
    assert report.nodes["Service"].created == 3
    assert await store.read("MATCH (s:Service {id: 'component:risk/fraud-detection'}) RETURN s.namespace AS ns") == [{"ns": "risk"}]

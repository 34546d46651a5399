"""The demo's live sources, generated for a given day, through every real importer into both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.cli import demo_root
from catalog.config import load_config
from catalog.demo.live import write_live_sources
from catalog.runner import SourceOutcome, sync_sources
from catalog.store.base import GraphStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    return write_live_sources(demo_root(), tmp_path / "demo", NOW)


def findings_of(outcomes: list[SourceOutcome], kind: str) -> list[str]:
    return [f.message for o in outcomes if o.report for f in o.report.findings if f.kind == kind]


async def test_every_demo_source_syncs_and_a_second_sync_changes_nothing(store: GraphStore, demo_config: Path) -> None:
    config = load_config(demo_config)
    first = await sync_sources(store, config)
    assert [(o.type, o.failed) for o in first] == [
        ("backstage", False),
        ("opslevel", False),
        ("github", False),
        ("pagerduty", False),
        ("kubernetes", False),
        ("reconcile", False),
        ("adoption", False),
        ("build-run", False),
        ("audits", False),
    ]
    assert all(o.report is not None and o.report.complete for o in first)
    second = await sync_sources(store, config)
    for outcome in second:
        assert outcome.report is not None
        totals = outcome.report.totals()
        # Only the adoption and Build-Run trends grow: one new company point per sync.
        expected = 1 if outcome.type in ("adoption", "build-run") else 0
        assert (outcome.instance, totals.created, totals.updated, totals.retired) == (outcome.instance, expected, 0, 0)


async def test_the_demo_shows_what_it_promises(store: GraphStore, demo_config: Path) -> None:
    outcomes = await sync_sources(store, load_config(demo_config))

    # The owner of feature-flags differs between Backstage and Kubernetes; Backstage wins.
    [conflict] = findings_of(outcomes, "owner-conflict")
    assert "component:default/feature-flags" in conflict and "kubernetes says group:default/identity-team" in conflict

    # payouts declares no platform, but runs in the standard cluster.
    rows = await store.read(
        "MATCH (s:Service {id: 'component:payments/payouts'})-[r:RUNS_ON]->(p:Platform) WHERE r.active = true "
        "RETURN p.name AS platform, r.source AS source"
    )
    assert rows == [{"platform": "kubernetes-platform", "source": "kubernetes"}]

    # analytics-dashboard is linked to PagerDuty by name only; checkout by its annotation.
    links = await store.read(
        "MATCH (s:Service)-[r:ESCALATES_VIA]->(:EscalationPolicy) WHERE r.active = true AND s.name IN ['analytics-dashboard', 'checkout'] "
        "RETURN s.name AS name, r.strength AS strength ORDER BY name"
    )
    assert links == [{"name": "analytics-dashboard", "strength": "inferred"}, {"name": "checkout", "strength": "declared"}]

    # search-indexer has no PagerDuty service of its own; its team has a policy.
    assert await store.read("MATCH (s:Service {name: 'search-indexer'})-[r:ESCALATES_VIA]->() RETURN count(r) AS c") == [{"c": 0}]
    team_policy = await store.read(
        "MATCH (t:Team {id: 'group:default/search-team'})-[r:ESCALATES_VIA]->(p:EscalationPolicy) WHERE r.active = true "
        "RETURN p.name AS name"
    )
    assert team_policy == [{"name": "Search Team"}]

    # Checkout's level 1 has a gap right now; identity follows the sun.
    at = "2026-11-20T12:00:00.000000Z"
    level_one_now = await store.read(
        "MATCH (sh:OnCallShift)-[:SHIFT_OF]->(p:EscalationPolicy) WHERE p.name = $name AND sh.level = 1 "
        "AND sh.starts_at <= $at AND sh.ends_at > $at RETURN count(sh) AS c",
        {"name": "Checkout Team", "at": at},
    )
    assert level_one_now == [{"c": 0}]
    identity = await store.read(
        "MATCH (sh:OnCallShift)-[:FROM_SCHEDULE]->(s:Schedule) WHERE s.name STARTS WITH 'Identity Team' "
        "RETURN DISTINCT s.name AS name ORDER BY name"
    )
    assert identity == [{"name": "Identity Team APAC"}, {"name": "Identity Team EMEA"}]

    # gift-cards exists only in OpsLevel; shipping's CODEOWNERS covers part of the repository.
    assert await store.read("MATCH (s:Service {id: 'component:default/gift-cards'}) RETURN s.source AS source") == [{"source": "opslevel"}]
    [shipping] = await store.read("MATCH (r:Repository {slug: 'acme/shipping'}) RETURN r.owned_share AS share")
    assert 0 < shipping["share"] < 100

    # An unowned CronJob nobody declared runs a discovered service, for someone to claim, without an invented owner.
    assert any("component:discovered/legacy-cron " in m for m in findings_of(outcomes, "discovered-service"))
    orphan = await store.read("MATCH (w:Workload {name: 'legacy-cron'}) OPTIONAL MATCH (t)-[r:OWNS]->(w) RETURN count(r) AS owners")
    assert orphan == [{"owners": 0}]

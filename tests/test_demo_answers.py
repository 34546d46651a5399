"""`catalog demo` shows every answer: the demo's sources, through the real importers, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.answers.adoption import adoption, adoption_trend
from catalog.answers.audits import AuditKind, audits
from catalog.answers.blast_radius import blast_radius
from catalog.answers.oncall import on_call
from catalog.answers.ownership import who_owns
from catalog.cli import demo_root
from catalog.clock import iso
from catalog.config import load_config
from catalog.demo.live import write_live_sources
from catalog.read import CatalogReader
from catalog.runner import sync_sources
from catalog.store.base import GraphStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def demo(store: GraphStore, tmp_path: Path) -> GraphStore:
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    outcomes = await sync_sources(store, config, now=iso(NOW))
    assert [o.error for o in outcomes if o.failed] == []
    return store


async def test_who_owns_a_pod_a_repository_url_a_pagerduty_id_and_a_shared_alias(demo: GraphStore) -> None:
    pod = await who_owns(demo, "checkout-7d9f8b6c5d-x2k4q")
    [match] = pod.matches
    assert match.key == "component:default/checkout"
    assert [o.owner.key for o in match.resolved_owners] == ["group:default/checkout-team"]
    assert {c.source for c in match.owner_evidence} >= {"backstage", "kubernetes", "pagerduty"}
    assert any(link.runbook for link in match.links)

    assert [m.key for m in (await who_owns(demo, "https://github.com/acme/shipping/tree/main/src")).matches] == [
        "component:default/shipping"
    ]
    assert [m.key for m in (await who_owns(demo, "PIDN7X2")).matches] == ["component:default/identity"]
    shared = await who_owns(demo, "gateway")
    assert sorted(m.key for m in shared.matches) == ["component:default/api-gateway", "component:payments/payments-gateway"]
    nothing = await who_owns(demo, "chekout")
    assert not nothing.matches and "component:default/checkout" in [c.key for c in nothing.nearest]


async def test_on_call_falls_through_an_empty_level_follows_the_sun_and_uses_the_team_policy(demo: GraphStore) -> None:
    checkout = await on_call(CatalogReader(demo), "checkout", iso(NOW))
    chain = checkout.primary
    assert chain is not None and chain.levels[0].empty is True and chain.first_paged_level == 2
    [lead] = chain.levels[1].on_call
    assert lead.direct and lead.permanent

    night = await on_call(CatalogReader(demo), "identity", "2026-11-20T03:00:00Z")
    day = await on_call(CatalogReader(demo), "identity", "2026-11-20T09:00:00Z")
    assert night.primary is not None and day.primary is not None
    night_schedules = {p.schedule_name for p in night.primary.levels[0].on_call}
    day_schedules = {p.schedule_name for p in day.primary.levels[0].on_call}
    assert night_schedules == {"Identity Team APAC"} and day_schedules == {"Identity Team EMEA"}

    indexer = await on_call(CatalogReader(demo), "search-indexer", iso(NOW))
    assert indexer.used_team_policy and indexer.primary is not None and indexer.primary.policy.name == "Search Team"

    nobody = await on_call(CatalogReader(demo), "email-sender", iso(NOW))
    assert nobody.chains == [] and "no" in nobody.message.lower()

    beyond = await on_call(CatalogReader(demo), "checkout", "2027-06-01T00:00:00Z")
    assert beyond.primary is not None and beyond.primary.data.coverage == "beyond"


async def test_blast_radius_of_the_hub_is_grouped_by_team_and_survives_the_cycle(demo: GraphStore) -> None:
    hub = await blast_radius(CatalogReader(demo), "identity", 3, max_depth=10, at=iso(NOW))
    assert hub.total_services >= 15
    teams = {t.key: t for t in hub.teams}
    assert "group:default/checkout-team" in teams
    assert all(s.distance <= 3 for t in hub.teams for s in t.services)
    cycle = await blast_radius(CatalogReader(demo), "order-service", 10, max_depth=10, at=iso(NOW))
    names = {s.name for t in cycle.teams for s in t.services} | {s.name for s in cycle.unowned.services}
    assert {"inventory", "shipping"} <= names and "order-service" not in names


async def test_adoption_counts_runtime_evidence_and_keeps_a_trend(demo: GraphStore) -> None:
    report = await adoption(CatalogReader(demo), "team")
    assert report.company.total > 0 and 0 < report.company.standard < report.company.total
    ledger = next(g for g in report.groups if g.key == "group:payments/payments-ledger")
    # payouts declares no platform in Backstage, but runs in the standard cluster.
    assert ledger.unknown == 0
    own = {(t.team.key, t.platform.name) for t in report.teams_with_own_platforms if t.owns}
    assert {("group:default/data-team", "data-team-emr"), ("group:default/fulfilment-team", "legacy-vms")} <= own
    assert len(await adoption_trend(CatalogReader(demo), "company")) == 1


async def test_audits_cover_the_demos_deliberate_problems(demo: GraphStore) -> None:
    found = await audits(CatalogReader(demo), now=iso(NOW))
    kinds = {c.kind for c in await found.summary()}
    assert {
        AuditKind.UNOWNED_SERVICE,
        AuditKind.NO_ON_CALL_ROUTING,
        AuditKind.OWNER_CONFLICT,
        AuditKind.CODEOWNERS_GAP,
        AuditKind.DANGLING_REFERENCE,
        AuditKind.OFF_STANDARD_PLATFORM,
    } <= kinds

"""The Build-Run scorecard: given the world in ``tests/fixtures/scorecard`` synced by the real importers, each verdict.

See ``tests/fixtures/scorecard/backstage/catalog-info.yaml`` for who is meant to get which verdict, and
``support.py`` for the variants of the world (the Platform Team from configuration or from the platform's
owner, no owner, no on-call, no PagerDuty at all).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.answers.scorecard import (
    CompanyScorecard,
    TeamNotFound,
    TeamScorecard,
    Verdict,
    build_run,
    build_run_company,
)
from catalog.clock import iso
from catalog.config import load_config
from catalog.read.reader import CatalogReader
from catalog.runner import platform_owners_batch
from catalog.store.base import GraphStore
from tests.fixtures.scorecard.support import NOW, key, sync_world

AT = iso(NOW)


def card(company: CompanyScorecard, team: str) -> TeamScorecard:
    [found] = [c for c in company.teams if c.team.key == key("group", team)]
    return found


async def test_each_verdict_with_its_evidence(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)
    company = await build_run_company(CatalogReader(store), now=AT)

    payments = card(company, "payments")
    assert (payments.build.verdict, payments.run.verdict, payments.support.verdict) == (Verdict.YES, Verdict.YES, Verdict.YES)
    assert payments.overall is Verdict.YES and payments.fully_build_run
    by_repo = {r.repository.name: r for r in payments.build.repositories}
    assert [t.name for t in by_repo["acme/checkout"].named] == ["Payments"]
    # CODEOWNERS naming a member counts as naming the team.
    assert [p.key for p in by_repo["acme/ledger"].named] == [key("user", "alice")]
    assert by_repo["acme/ledger"].owned_share == 100 and by_repo["acme/ledger"].catch_all == ("@alice",)
    assert all(s.state == "standard" and [p.name for p in s.platforms] == ["k8s"] for s in payments.run.services)
    assert [w.owner_teams[0].name for s in payments.run.services for w in s.workloads] == ["Payments", "Payments"]
    assert {s.state for s in payments.support.services} == {"supported"}
    assert [p.name for p in payments.support.services[0].on_call_now] == ["Alice Pay"]

    search = card(company, "search")
    assert [(d.verdict, d.share) for d in (search.build, search.run, search.support)] == [(Verdict.PARTLY, 0.5)] * 3
    assert search.overall is Verdict.PARTLY
    legacy_repo = next(r for r in search.build.repositories if r.repository.name == "acme/search-legacy")
    # Ops maintains the repository (a permission), but CODEOWNERS names only Ops: it is not the team's.
    assert legacy_repo.state == "others" and [t.name for t in legacy_repo.others] == ["Ops"]
    assert [(s.service.name, [p.name for p in s.platforms]) for s in search.run.elsewhere] == [("search-legacy", ["legacy-vms"])]
    [handed] = search.support.handed_off
    assert handed.service.name == "search-legacy" and [t.name for t in handed.handed_to] == ["Ops"]
    assert "support handed off to Ops (1)" in search.support.reason

    legacy = card(company, "legacy")
    assert [d.verdict for d in (legacy.build, legacy.run, legacy.support)] == [Verdict.NO] * 3 and legacy.overall is Verdict.NO
    assert legacy.build.repositories[0].state == "no-codeowners"

    data = card(company, "data")
    # A repository GitHub never listed is unknown, never a no; a service with no repository is listed.
    assert data.build.verdict is Verdict.UNKNOWN and "GitHub has not read acme/etl" in data.build.reason
    assert [s.name for s in data.build.without_repository] == ["reports"]
    # etl runs on the standard platform, but its workload is labelled as Ops': deployed by another team.
    etl = next(s for s in data.run.services if s.service.name == "etl")
    assert etl.state == "deployed-by-other" and [t.name for t in etl.deployed_by] == ["Ops"]
    assert data.run.verdict is Verdict.NO and "on no known platform: reports" in data.run.reason
    reports = next(s for s in data.support.services if s.service.name == "reports")
    assert reports.state == "no-policy" and data.support.verdict is Verdict.NO
    assert data.overall is Verdict.NO

    ops = card(company, "ops")
    assert ops.overall is Verdict.UNKNOWN and ops.build.reason == "the team owns no services"

    # A department rolls up its sub-teams: their members count as its own.
    engineering = card(company, "engineering")
    assert [t.name for t in engineering.sub_teams] == ["Data", "Payments", "Search"]
    assert (engineering.build.passing, engineering.build.counted) == (3, 4)
    assert engineering.build.verdict is Verdict.PARTLY and engineering.owns_directly == 0

    # The Platform Team, from catalog.yaml.
    [platform_team] = company.platform_teams
    assert platform_team.team is not None and platform_team.team.name == "Platform" and platform_team.found_from == "configuration"
    role = card(company, "platform").platform_role
    assert role is not None and (role.owns, role.on_call, role.runs_on_it) == (Verdict.YES, Verdict.YES, Verdict.YES)
    assert "platforms[0].owner" in role.evidence and [p.name for p in role.on_call_policies] == ["Platform"]
    assert company.findings == () and [p.name for p in company.standard_platforms] == ["k8s"]

    # One team's scorecard, read on its own, says the same as the company's.
    assert await build_run(CatalogReader(store), "search", now=AT) == search
    assert await build_run(CatalogReader(store), "group:default/payments", now=AT) == payments


async def test_the_platform_team_from_the_platforms_owner_without_an_on_call(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path, platform_owner="descriptor", platform_on_call=False)
    company = await build_run_company(CatalogReader(store), now=AT)
    [platform_team] = company.platform_teams
    assert platform_team.team is not None and platform_team.team.name == "Platform" and platform_team.found_from == "owner"
    platform = card(company, "platform")
    assert platform.platform_role is not None and platform.platform_role.on_call is Verdict.NO
    # platform-api pages Ops: the Platform Team's own service is handed off too.
    assert platform.support.verdict is Verdict.NO and [t.name for t in platform.support.services[0].handed_to] == ["Ops"]
    [finding] = company.findings
    assert finding.kind == "platform-without-on-call" and finding.subject is not None and finding.subject.name == "k8s"
    assert "Platform" in finding.message and finding.fix


async def test_no_owner_and_no_on_call_data_are_findings_and_unknowns(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path, platform_owner=None, pagerduty=False)
    company = await build_run_company(CatalogReader(store), now=AT)
    [platform_team] = company.platform_teams
    assert platform_team.team is None and platform_team.found_from is None
    assert [f.kind for f in company.findings] == ["platform-without-owner"]
    assert "owner: <team>" in company.findings[0].fix
    assert all(c.platform_role is None for c in company.teams)
    payments = card(company, "payments")
    # Without any on-call data, support is unknown (with the reason), never no; build and run still answer.
    assert payments.support.verdict is Verdict.UNKNOWN and "no PagerDuty source" in payments.support.reason
    assert payments.overall is Verdict.UNKNOWN and not payments.fully_build_run
    assert payments.findings == company.findings


async def test_a_team_by_name_key_or_display_name_and_an_unknown_one(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)
    reader = CatalogReader(store)
    by_display = await build_run(reader, "Payments", now=AT)
    assert by_display.team.key == key("group", "payments") and by_display.fully_build_run
    with pytest.raises(TeamNotFound, match="no team 'nobody'"):
        await build_run(reader, "nobody", now=AT)


async def test_the_company_is_read_in_a_few_bulk_queries(store: GraphStore, tmp_path: Path) -> None:
    """A fixed number of queries, one per kind of fact, however many teams and services there are."""
    await sync_world(store, tmp_path)
    store.round_trips = 0
    await build_run_company(CatalogReader(store), now=AT)
    assert store.round_trips <= 18


def test_catalog_yaml_names_the_platform_team_as_an_ownership_claim_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "platforms:\n  - {name: k8s, standard: true, owner: platform}\n  - {name: vms, owner: 'group:ops/infra'}\n"
        "  - {name: edge, owner: 'not a ref!'}\n  - {name: bare}\n"
    )
    batch = platform_owners_batch(load_config(path))
    assert [(r.type, r.src_id, r.dst_id, r.props["strength"], r.props["evidence"]) for r in batch.rels] == [
        ("OWNS", "group:default/platform", "platform:default/k8s", "configured", "catalog.yaml platforms[0].owner"),
        ("OWNS", "group:ops/infra", "platform:default/vms", "configured", "catalog.yaml platforms[1].owner"),
    ]
    # A team no source declares is a finding of the sync, never a silent drop.
    assert batch.rels[0].if_missing is not None and "platforms[0].owner names group:default/platform" in batch.rels[0].if_missing.message
    [bad] = batch.findings
    assert bad.kind == "invalid-reference" and bad.field == "platforms[2].owner"

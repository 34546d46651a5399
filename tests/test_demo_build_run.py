"""The demo organisation holds a case for each Build-Run verdict, through the real importers, on both stores.

- fully Build-Run: `storefront-team` and `payments/payments-risk` build (CODEOWNERS names them), run
  (on the standard platform, deployed under their label) and support (their own rotation) all
  they own;
- an Ops hand-off: `sre-ops`, an Ops team that builds nothing, staffs level 1 of the search
  team's and the ML team's policies, so both teams hand support off, naming it;
- a team with its own platform: `data-team` runs its services on `data-team-emr`, which it owns
  (and `fulfilment-team` on `legacy-vms`);
- CODEOWNERS that names someone else: `payments/payments-ledger`'s repositories still name
  Payments Core (`ledger`) and two people outside the team (`payouts`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.answers.adoption import adoption
from catalog.answers.scorecard import CompanyScorecard, TeamScorecard, Verdict, build_run, build_run_company
from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
from catalog.read.reader import CatalogReader
from catalog.runner import sync_sources
from catalog.store.base import GraphStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
YES, PARTLY, NO, UNKNOWN = Verdict.YES, Verdict.PARTLY, Verdict.NO, Verdict.UNKNOWN


@pytest.fixture
async def demo(store: GraphStore, tmp_path: Path) -> GraphStore:
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    outcomes = await sync_sources(store, config, now=iso(NOW))
    assert [o.error for o in outcomes if o.failed] == []
    return store


def verdicts(card: TeamScorecard) -> tuple[Verdict, Verdict, Verdict, Verdict]:
    return card.build.verdict, card.run.verdict, card.support.verdict, card.overall


def team(company: CompanyScorecard, key: str) -> TeamScorecard:
    [card] = [c for c in company.teams if c.team.key == key]
    return card


async def test_the_demo_has_a_case_for_each_build_run_verdict(demo: GraphStore) -> None:
    reader = CatalogReader(demo)
    company = await build_run_company(reader, now=iso(NOW))

    # Fully Build-Run, each dimension with its evidence.
    for key in ("group:default/storefront-team", "group:payments/payments-risk"):
        card = team(company, key)
        assert verdicts(card) == (YES, YES, YES, YES) and card.fully_build_run, key
        assert all(r.state == "named" for r in card.build.repositories)
        assert all(s.state == "supported" and not s.handed_to for s in card.support.services)
    [fraud] = team(company, "group:payments/payments-risk").run.services
    assert fraud.service.name == "fraud-detection" and fraud.state == "standard" and fraud.on_standard

    # An Ops hand-off: the search and ML teams build and run, but SRE Ops holds their pager.
    for key, services in (("group:default/search-team", {"search", "search-indexer"}), ("group:default/ml-team", {"recommendations"})):
        card = team(company, key)
        assert verdicts(card) == (YES, YES, NO, PARTLY), key
        assert {s.service.name for s in card.support.handed_off} == services
        assert {t.key for s in card.support.handed_off for t in s.handed_to} == {"group:default/sre-ops"}
    # search-indexer has no PagerDuty service: it pages its team's policy, still staffed by SRE Ops.
    indexer = next(s for s in team(company, "group:default/search-team").support.services if s.service.name == "search-indexer")
    assert indexer.team_policy and indexer.state == "handed-off"
    # The Ops team owns nothing: every dimension is unknown, never `no`.
    assert verdicts(team(company, "group:default/sre-ops")) == (UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN)

    # Teams with a platform of their own.
    data = team(company, "group:default/data-team")
    assert verdicts(data)[1] == NO and data.overall == PARTLY
    assert {(s.service.name, tuple(p.name for p in s.platforms)) for s in data.run.elsewhere if s.state == "other-platform"} == {
        ("event-pipeline", ("data-team-emr",)),
        ("warehouse-loader", ("data-team-emr",)),
    }
    fulfilment = team(company, "group:default/fulfilment-team")
    assert fulfilment.run.verdict == PARTLY
    assert {s.service.name for s in fulfilment.run.services if s.state == "other-platform"} == {"inventory", "shipping", "wms-sync"}
    owned = {(t.team.key, t.platform.name) for t in (await adoption(CatalogReader(demo), "team")).teams_with_own_platforms if t.owns}
    assert {("group:default/data-team", "data-team-emr"), ("group:default/fulfilment-team", "legacy-vms")} <= owned

    # CODEOWNERS names someone else: another team, or people outside the team.
    ledger = team(company, "group:payments/payments-ledger")
    assert verdicts(ledger) == (NO, YES, YES, PARTLY)
    others = {r.repository.name: sorted(o.name for o in r.others) for r in ledger.build.repositories}
    assert others == {"acme/ledger": ["Payments Core"], "acme/payouts": ["Priya Nair", "Raj Patel"]}
    assert all(r.state == "others" and not r.named for r in ledger.build.repositories)

    # The Platform Team is the owner of the standard platform.
    [platform] = company.platform_teams
    assert platform.team is not None and platform.team.key == "group:default/platform-team"

    # One team on its own gets the same scorecard as in the company view.
    single = await build_run(reader, "search-team", now=iso(NOW))
    assert verdicts(single) == verdicts(team(company, "group:default/search-team"))

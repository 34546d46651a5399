"""The Build-Run company view and its trend, over the scorecard's world (``tests/fixtures/scorecard``)
with systems and domains added:

- domain ``commerce`` with its subdomain ``payments-domain`` (system ``shop``: checkout, ledger) and the
  system ``find`` (search, search-legacy) directly;
- domain ``data-domain`` (system ``analytics``: etl, reports);
- old-billing (legacy) and platform-api (platform) in no system.

A department ``operations`` is added above legacy and ops. The teams under ``engineering`` (payments,
search, data) form the org unit ``engineering``, legacy and ops the org unit ``operations``; platform
stands alone, its own org unit. ops, engineering and operations own no services themselves and are
not counted. The verdicts are the engine's: payments and platform are fully Build-Run, search
partly, data and legacy not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.answers.build_run_company import (
    CompanyArgumentError,
    CompanyFilter,
    CompanyReport,
    Tally,
    build_run_trend,
    company_report,
    page_teams,
    snapshot_batch,
)
from catalog.answers.scorecard import Verdict
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.read.reader import CatalogReader
from catalog.runner import sync_sources
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.sync import sync
from tests.fixtures.scorecard.support import NOW, key, write_world

AT = iso(NOW)
SYSTEMS = {"checkout": "shop", "ledger": "shop", "search": "find", "search-legacy": "find", "etl": "analytics", "reports": "analytics"}
EXTRA = [
    {"kind": "Group", "metadata": {"name": "operations"}, "spec": {"type": "department", "children": ["legacy", "ops"]}},
    {"kind": "Domain", "metadata": {"name": "commerce"}, "spec": {"owner": "engineering"}},
    {"kind": "Domain", "metadata": {"name": "payments-domain"}, "spec": {"owner": "payments", "subdomainOf": "commerce"}},
    {"kind": "Domain", "metadata": {"name": "data-domain"}, "spec": {"owner": "data"}},
    {"kind": "System", "metadata": {"name": "shop"}, "spec": {"owner": "payments", "domain": "payments-domain"}},
    {"kind": "System", "metadata": {"name": "find"}, "spec": {"owner": "search", "domain": "commerce"}},
    {"kind": "System", "metadata": {"name": "analytics"}, "spec": {"owner": "data", "domain": "data-domain"}},
]


def with_domains(config: Path) -> Path:
    """The world's descriptors with the services placed in systems, and the systems and domains declared."""
    path = config.parent / "backstage" / "catalog-info.yaml"
    docs: list[dict[str, Any]] = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    for doc in docs:
        if doc["kind"] == "Component" and doc["metadata"]["name"] in SYSTEMS:
            doc["spec"]["system"] = SYSTEMS[doc["metadata"]["name"]]
    docs += [{"apiVersion": "backstage.io/v1alpha1", **extra} for extra in EXTRA]
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return config


async def sync_world(store: GraphStore, out: Path, now: str = AT) -> None:
    outcomes = await sync_sources(store, load_config(with_domains(write_world(out))), now=now)
    assert [o.error for o in outcomes if o.failed] == []


def counts(tally: Tally) -> tuple[int, int, int, int, int]:
    v = tally.verdicts
    return (tally.teams, v[Verdict.YES], v[Verdict.PARTLY], v[Verdict.NO], v[Verdict.UNKNOWN])


def groups(report: CompanyReport, by: str) -> list[tuple[str | None, tuple[int, int, int, int, int]]]:
    found = report.by_org_unit if by == "org-unit" else report.by_domain
    return [(g.key, counts(g.tally)) for g in found]


async def test_the_share_of_teams_fully_build_run_by_org_unit_and_domain(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)
    reader = CatalogReader(store)
    before = store.round_trips
    report = await company_report(reader, now=AT)
    # Bulk reads, scored in memory: the cost does not grow with the teams.
    assert store.round_trips - before <= 20

    cards = {c.team.key: c for c in report.scorecard.teams}
    counted = [t.card.team.key for t in report.teams]
    assert counted == [key("group", n) for n in ("data", "legacy", "payments", "platform", "search")]  # by name
    assert key("group", "ops") not in counted and key("group", "engineering") not in counted
    assert cards[key("group", "payments")].overall is Verdict.YES and cards[key("group", "search")].overall is Verdict.PARTLY
    # The company tally is the engine's verdicts of the counted teams, no more, no less.
    expected = Tally()
    for team in counted:
        expected.add(cards[team])
    assert counts(report.company) == counts(expected)
    assert cards[key("group", "platform")].overall is Verdict.YES  # the Platform Team runs on and staffs what it builds
    assert report.company.fully == 2 and report.company.share == pytest.approx(2 / 5)
    assert report.company.dimensions["build"][Verdict.YES] == expected.dimensions["build"][Verdict.YES]

    units = groups(report, "org-unit")
    assert [k for k, _ in units] == [key("group", n) for n in ("engineering", "operations", "platform")]
    eng = report.by_org_unit[0]
    assert eng.name == "Engineering" and counts(eng.tally)[:3] == (3, 1, 1)  # payments yes, search partly, data no
    assert eng.tally.share == pytest.approx(1 / 3)

    # ledger's subdomain rolls up to commerce; a team with services in no system is in "(no domain)".
    domains = groups(report, "domain")
    assert [k for k, _ in domains] == [key("domain", "commerce"), key("domain", "data-domain"), None]
    commerce = report.by_domain[0]
    assert commerce.tally.teams == 2 and commerce.tally.fully == 1 and commerce.tally.share == pytest.approx(0.5)
    assert report.by_domain[-1].name == "(no domain)" and report.by_domain[-1].tally.teams == 2  # legacy, platform
    payments = next(t for t in report.teams if t.card.team.key == key("group", "payments"))
    assert payments.org_unit is not None and payments.org_unit.key == key("group", "engineering")
    assert [d.key for d in payments.domains] == [key("domain", "commerce")]


async def test_filters_and_paging(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)
    reader = CatalogReader(store)
    eng = await company_report(reader, CompanyFilter(org_unit=key("group", "engineering")), now=AT)
    assert [t.card.team.name for t in eng.teams] == ["Data", "Payments", "Search"]
    assert eng.company.teams == 3 and [g.key for g in eng.by_org_unit] == [key("group", "engineering")]
    # A subdomain filter means its top-level domain.
    commerce = await company_report(reader, CompanyFilter(domain=key("domain", "payments-domain")), now=AT)
    assert [t.card.team.name for t in commerce.teams] == ["Payments", "Search"]
    # The verdict filter narrows the list, not the counts.
    fully = await company_report(reader, CompanyFilter(verdicts=(Verdict.YES,)), now=AT)
    assert [t.card.team.name for t in fully.teams] == ["Payments", "Platform"] and fully.company.teams == 5

    everyone = await company_report(reader, now=AT)
    first, more = page_teams(everyone, 2)
    second, more_again = page_teams(everyone, 2, first[-1].cursor)
    third, last = page_teams(everyone, 2, second[-1].cursor)
    assert more and more_again and not last
    assert [t.card.team.key for t in (*first, *second, *third)] == [t.card.team.key for t in everyone.teams]
    with pytest.raises(CompanyArgumentError, match="not a team cursor"):
        page_teams(everyone, 2, "nonsense")
    with pytest.raises(CompanyArgumentError, match="orgUnit: no current team"):
        await company_report(reader, CompanyFilter(org_unit=key("group", "nobody")), now=AT)
    with pytest.raises(CompanyArgumentError, match="domain: no current domain"):
        await company_report(reader, CompanyFilter(domain=key("domain", "nowhere")), now=AT)


async def test_each_sync_adds_a_point_to_the_trend_and_groups_only_when_they_change(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)  # the runner takes the first snapshot at AT
    reader = CatalogReader(store)
    [point] = await build_run_trend(reader, 10)
    assert point.taken_at == AT and counts(point.tally) == counts((await company_report(reader, now=AT)).company)
    assert point.tally.share == pytest.approx(2 / 5)

    # Nothing changed: the next snapshot is the company's point only.
    later = "2026-11-20T12:15:00.000000Z"
    batch = await snapshot_batch(reader, later)
    assert [n.props["scope"] for n in batch.nodes] == ["company"]
    assert (await sync(store, batch, now=later)).complete
    points = await build_run_trend(reader, 10)
    assert [p.taken_at for p in points] == [AT, later]
    # Paging backwards: the latest point before `later` is the first sync's.
    assert [p.taken_at for p in await build_run_trend(reader, 1, before=later)] == [AT]
    assert [p.taken_at for p in await build_run_trend(reader, 1)] == [later]
    with pytest.raises(CompanyArgumentError):
        await build_run_trend(reader, 0)
    groups_at = await store.read(
        "MATCH (a:BuildRunSnapshot) WHERE a.scope = 'org-unit' RETURN a.scope_key AS key, a.teams AS teams, a.fully AS fully ORDER BY key"
    )
    assert groups_at == [
        {"key": key("group", "engineering"), "teams": 3, "fully": 1},
        {"key": key("group", "operations"), "teams": 1, "fully": 0},
        {"key": key("group", "platform"), "teams": 1, "fully": 1},
    ]


_COMPANY = """
query ($filter: BuildRunCompanyFilter, $after: String) {
  buildRunCompany(filter: $filter) {
    company { teams fullyBuildRun share knownShare overall { yes partly no unknown } support { yes no } }
    byOrgUnit { key name tally { teams fullyBuildRun share } }
    byDomain { key name tally { teams share } }
    teams(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { overall team { name } orgUnit { name } domains { name } scorecard { isFullyBuildRun } }
    }
    standardPlatforms { name }
    platformTeams { team { name } foundFrom platform { name } }
  }
  buildRunTrend(last: 5) { totalCount nodes { takenAt share tally { teams fullyBuildRun } } }
}
"""


async def graphql(store: GraphStore, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    settings = Settings(graphiql=False)
    result = await build_schema(settings).execute(query, variable_values=variables, context_value=build_context(store, settings))
    assert result.errors is None, [e.message for e in result.errors]
    assert result.data is not None
    return result.data


async def test_graphql_company_report_with_filters_paging_and_the_trend(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path)
    data = await graphql(store, _COMPANY, {})
    report = data["buildRunCompany"]
    assert report["company"]["teams"] == 5 and report["company"]["fullyBuildRun"] == 2
    assert report["company"]["share"] == pytest.approx(0.4)
    assert [g["name"] for g in report["byOrgUnit"]] == ["Engineering", "operations", "Platform"]
    assert [g["key"] for g in report["byDomain"]] == [key("domain", "commerce"), key("domain", "data-domain"), None]
    teams = report["teams"]
    assert teams["totalCount"] == 5 and teams["pageInfo"]["hasNextPage"]
    assert [(n["team"]["name"], n["overall"]) for n in teams["nodes"]] == [("data", "NO"), ("legacy", "NO")]
    assert teams["nodes"][0]["orgUnit"]["name"] == "engineering" and teams["nodes"][0]["domains"] == [{"name": "data-domain"}]
    assert report["standardPlatforms"] == [{"name": "k8s"}]
    assert report["platformTeams"] == [{"team": {"name": "platform"}, "foundFrom": "CONFIGURATION", "platform": {"name": "k8s"}}]
    # The trend has the point the sync took; the API answers as of the clock, so its company view is today's.
    [point] = data["buildRunTrend"]["nodes"]
    assert point["share"] == pytest.approx(0.4) and point["tally"] == {"teams": 5, "fullyBuildRun": 2}
    assert data["buildRunTrend"]["totalCount"] == 1

    after = await graphql(store, _COMPANY, {"after": teams["pageInfo"]["endCursor"]})
    assert [n["team"]["name"] for n in after["buildRunCompany"]["teams"]["nodes"]] == ["payments", "platform"]
    only = await graphql(store, _COMPANY, {"filter": {"orgUnit": "engineering", "verdicts": ["YES", "PARTLY"]}})
    listed = only["buildRunCompany"]
    assert [n["team"]["name"] for n in listed["teams"]["nodes"]] == ["payments", "search"]
    assert listed["company"]["teams"] == 3
    settings = Settings(graphiql=False)
    bad = await build_schema(settings).execute(
        _COMPANY, variable_values={"filter": {"domain": "nowhere"}}, context_value=build_context(store, settings)
    )
    assert bad.errors is not None and "no current domain" in bad.errors[0].message

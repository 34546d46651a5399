"""Platform adoption by team, domain, org unit and company; other platforms and who runs them; the trend over syncs.

The graph is Acme's catalog synced from Backstage, Kubernetes and PagerDuty exports (see
``tests/fixtures/answers/impact/support.py``). Where its twelve services run:

- standard (k8s-standard): ledger, audit-log (annotation), payments-api, storefront (Kubernetes
  only), notifier (also on legacy-vms);
- other only: checkout, orphan (legacy-vms), reports, etl (spark-cluster);
- unknown: fraud, cart, scratchpad.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from catalog.answers.adoption import AdoptionReport, Grouping, adoption, adoption_trend, snapshot_batch
from catalog.commands import adoption as command
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage
from tests.fixtures.answers.impact.support import BACKSTAGE, cli, copy_backstage, execute, gql, key, settings, sync_all

T1, T2, T3 = "2026-11-20T12:00:00.000000Z", "2026-11-20T12:15:00.000000Z", "2026-11-20T12:30:00.000000Z"

Row = tuple[str | None, int, int, int, int]

EXPECTED: dict[str, list[Row]] = {
    "team": [
        (key("group", "checkout-team"), 3, 1, 1, 1),
        (key("group", "data-team"), 2, 0, 2, 0),
        (key("group", "payments-team"), 4, 3, 0, 1),
        (key("group", "platform-team"), 1, 1, 0, 0),
        (None, 2, 0, 1, 1),  # orphan has no owner; scratchpad's is a person
    ],
    "domain": [
        (key("domain", "commerce-domain"), 7, 4, 1, 2),  # with its subdomain payments-domain
        (key("domain", "data-domain"), 2, 0, 2, 0),
        (None, 3, 1, 1, 1),  # notifier, orphan, scratchpad are in no system
    ],
    "org-unit": [
        # acme is the one root: its children are the org units.
        (key("group", "commerce"), 7, 4, 1, 2),
        (key("group", "data-dept"), 2, 0, 2, 0),
        (key("group", "platform-dept"), 1, 1, 0, 0),
        (None, 2, 0, 1, 1),
    ],
}


def rows(report: AdoptionReport) -> list[Row]:
    return [(g.key, g.total, g.standard, g.other, g.unknown) for g in report.groups]


async def test_adoption_by_team_domain_and_org_unit_and_for_the_company(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    for by in ("team", "domain", "org-unit"):
        grouping: Grouping = by  # type: ignore[assignment]
        before = store.round_trips
        report = await adoption(CatalogReader(store), grouping)
        assert store.round_trips - before <= 8  # aggregate queries: their number does not grow with the services
        assert rows(report) == EXPECTED[by], by
        company = report.company
        assert (company.total, company.standard, company.other, company.unknown) == (12, 5, 4, 3)
        assert company.ratio == pytest.approx(5 / 12) and company.known_ratio == pytest.approx(5 / 9)
        assert [p.key for p in report.standard_platforms] == [key("platform", "k8s-standard")]
    groups = (await adoption(CatalogReader(store), "team")).groups
    assert [g.name for g in groups][-1] == "(no owner team)"
    assert groups[2].ratio == pytest.approx(3 / 4) and groups[2].known_ratio == 1.0


async def test_other_platforms_and_the_teams_that_run_platforms_of_their_own(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    report = await adoption(CatalogReader(store))
    assert [
        (p.platform.name, [o.name for o in p.owners], p.services, [(u.team.key, u.services) for u in p.used_by])
        for p in report.other_platforms
    ] == [
        ("legacy-vms", ["platform-team"], 3, [(key("group", "checkout-team"), 1), (key("group", "platform-team"), 1), (None, 1)]),
        ("spark-cluster", ["data-team"], 2, [(key("group", "data-team"), 2)]),
    ]  # unused-platform runs nothing: it is not listed
    assert [(t.team.name, t.platform.name, t.owns, t.services) for t in report.teams_with_own_platforms] == [
        ("checkout-team", "legacy-vms", False, 1),
        ("data-team", "spark-cluster", True, 2),
        ("platform-team", "legacy-vms", True, 1),
    ]


async def test_owners_fall_back_to_owns_before_reconcile_resolves_them(store: GraphStore) -> None:
    await sync(store, read_backstage([BACKSTAGE], instance="acme"), now=T1)  # no reconcile, no Kubernetes
    report = await adoption(CatalogReader(store), "team")
    payments = next(g for g in report.groups if g.key == key("group", "payments-team"))
    assert (payments.total, payments.standard, payments.unknown) == (4, 2, 2)  # payments-api's platform comes from Kubernetes only


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _snapshot(store: GraphStore, taken_at: str) -> None:
    report = await sync(store, await snapshot_batch(CatalogReader(store), taken_at), now=taken_at)
    assert report.totals().retired == 0


async def test_a_snapshot_after_each_sync_makes_the_trend(store: GraphStore, tmp_path: Path) -> None:
    # catalog sync (sync_sources) takes a snapshot at the end of every run.
    descriptors = copy_backstage(tmp_path)
    await sync_all(store, tmp_path, backstage=descriptors, now=at(T1))
    first = await snapshot_batch(CatalogReader(store), T2)
    assert len(first.nodes) == 1  # nothing changed: only the company's point, every group still holds

    # cart moves onto the standard platform.
    services = descriptors / "services.yaml"
    services.write_text(
        services.read_text().replace("  name: cart\n", "  name: cart\n  annotations:\n    ownership-catalog.io/platform: k8s-standard\n")
    )
    await sync_all(store, tmp_path, backstage=descriptors, now=at(T2))

    company = await adoption_trend(CatalogReader(store), "company")
    assert [(p.taken_at, p.total, p.standard, p.other, p.unknown) for p in company] == [(T1, 12, 5, 4, 3), (T2, 12, 6, 4, 2)]
    assert company[1].ratio == pytest.approx(0.5)
    checkout = await adoption_trend(CatalogReader(store), "team", key("group", "checkout-team"))
    assert [(p.standard, p.unknown) for p in checkout] == [(1, 1), (2, 0)]
    commerce = await adoption_trend(CatalogReader(store), "org-unit", key("group", "commerce"))
    assert [p.standard for p in commerce] == [4, 5]
    # A snapshot taken by hand with nothing changed retires no earlier point.
    await _snapshot(store, "2099-01-01T00:00:00.000000Z")
    assert len(await adoption_trend(CatalogReader(store), "company")) == 3


REPORT = """query($by: AdoptionGrouping!) {
  adoption(by: $by) {
    by
    company { total standard other unknown ratio knownRatio }
    groups(first: 100) { nodes { subject { ... on Team { ref } ... on Domain { ref } } name total standard other unknown ratio } }
    standardPlatforms { name }
    otherPlatforms {
      nodes { platform { ref name } owners { name } services usedBy { nodes { teamName team { ref name } services } } }
    }
    teamsWithOwnPlatforms { totalCount nodes { isOwner services team { name } platform { name } } }
  }
}"""

TREND = """query($scope: AdoptionScope!, $key: String, $from: DateTime, $to: DateTime, $first: Int!, $before: String) {
  adoptionTrend(scope: $scope, key: $key, from: $from, to: $to, last: $first, before: $before) {
    pageInfo { hasPreviousPage startCursor }
    nodes { takenAt name total standard other unknown ratio }
  }
}"""


async def test_graphql_reports_adoption_and_its_trend(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    data: dict[str, Any] = (await gql(store, REPORT, {"by": "ORG_UNIT"}))["adoption"]
    assert data["by"] == "ORG_UNIT"
    assert data["company"] == {
        "total": 12,
        "standard": 5,
        "other": 4,
        "unknown": 3,
        "ratio": pytest.approx(5 / 12),
        "knownRatio": pytest.approx(5 / 9),
    }
    assert [
        ((g["subject"] or {}).get("ref"), g["total"], g["standard"], g["other"], g["unknown"]) for g in data["groups"]["nodes"]
    ] == EXPECTED["org-unit"]
    assert data["groups"]["nodes"][-1]["name"] == "(no org unit)" and data["groups"]["nodes"][-1]["ratio"] == 0.0
    assert data["standardPlatforms"] == [{"name": "k8s-standard"}]
    spark = data["otherPlatforms"]["nodes"][1]
    assert spark == {
        "platform": {"ref": key("platform", "spark-cluster"), "name": "spark-cluster"},
        "owners": [{"name": "data-team"}],
        "services": 2,
        "usedBy": {"nodes": [{"teamName": "data-team", "team": {"ref": key("group", "data-team"), "name": "data-team"}, "services": 2}]},
    }
    assert data["otherPlatforms"]["nodes"][0]["usedBy"]["nodes"][-1] == {"teamName": "(no owner team)", "team": None, "services": 1}
    assert data["teamsWithOwnPlatforms"]["nodes"][1] == {
        "isOwner": True,
        "services": 2,
        "team": {"name": "data-team"},
        "platform": {"name": "spark-cluster"},
    }

    await _snapshot(store, T1)
    await _snapshot(store, T2)
    points = (await gql(store, TREND, {"scope": "TEAM", "key": "payments-team", "first": 10}))["adoptionTrend"]["nodes"]
    assert points == [
        {
            "takenAt": "2026-11-20T12:00:00+00:00",
            "name": "payments-team",
            "total": 4,
            "standard": 3,
            "other": 0,
            "unknown": 1,
            "ratio": 0.75,
        }
    ]
    company = (await gql(store, TREND, {"scope": "COMPANY", "from": "2026-11-20T12:10:00Z", "first": 10}))["adoptionTrend"]["nodes"]
    assert [p["takenAt"] for p in company] == ["2026-11-20T12:00:00+00:00", "2026-11-20T12:15:00+00:00"]
    # Backwards, one point at a time: the latest, then the one before it.
    latest = (await gql(store, TREND, {"scope": "COMPANY", "first": 1}))["adoptionTrend"]
    assert [p["takenAt"] for p in latest["nodes"]] == ["2026-11-20T12:15:00+00:00"] and latest["pageInfo"]["hasPreviousPage"]
    earlier = (await gql(store, TREND, {"scope": "COMPANY", "first": 1, "before": latest["pageInfo"]["startCursor"]}))["adoptionTrend"]
    assert [p["takenAt"] for p in earlier["nodes"]] == ["2026-11-20T12:00:00+00:00"]

    for variables, message in [
        ({"scope": "TEAM", "first": 10}, "needs the team"),
        ({"scope": "DOMAIN", "key": "group:default/commerce", "first": 10}, "group reference"),
        ({"scope": "COMPANY", "first": 0}, "1 or more"),
        ({"scope": "COMPANY", "first": 501}, "CATALOG_MAX_PAGE_SIZE"),
        ({"scope": "COMPANY", "from": "2026-11-21T00:00:00Z", "to": "2026-11-20T00:00:00Z", "first": 10}, "after to"),
    ]:
        result = await execute(store, TREND, variables)
        assert result.errors and message in result.errors[0].message, (variables, result.errors)


async def test_cli_prints_tables_and_the_trend(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    code, out, _ = await cli(store, command.register, "adoption", "--by", "domain")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "standard platform: k8s-standard"
    assert lines[1].startswith("company: 12 services, 5 on the standard platform (42%")
    assert lines[3].split() == ["DOMAIN", "TOTAL", "STANDARD", "OTHER", "UNKNOWN", "RATIO"]
    assert lines[4].split() == ["commerce-domain", "7", "4", "1", "2", "57%"]
    assert "teams running platforms of their own:" in lines

    code, out, _ = await cli(
        store, command.register, "adoption", "--trend", "--scope", "team", "--key", "checkout-team", "--from", "2026-11-20"
    )
    assert code == 0 and out.splitlines()[-1].split() == [T1, "3", "1", "1", "1", "33%"]
    code, out, _ = await cli(store, command.register, "adoption", "--json", "--by", "org-unit")
    assert code == 0 and '"by": "org-unit"' in out
    code, _, err = await cli(store, command.register, "adoption", "--trend", "--scope", "domain")
    assert code == 2 and "--key" in err
    code, _, err = await cli(store, command.register, "adoption", "--trend", "--from", "yesterday")
    assert code == 2 and "--from" in err


_SELECTIONS = {
    "groups": "name total standard other unknown ratio subject { ... on Team { ref } }",
    "otherPlatforms": "platform { ref name isRetired } owners { ref name } services "
    "usedBy { nodes { teamName team { ref name } services } }",
    "teamsWithOwnPlatforms": "team { ref name } platform { ref name } isOwner services",
}


def _page(field: str) -> str:
    """A page of one of the report's connections, with the first item of the others (their items primed alongside)."""
    others = " ".join(f"{name}(first: 1) {{ nodes {{ {chosen} }} }}" for name, chosen in _SELECTIONS.items() if name != field)
    return f"""query($by: AdoptionGrouping!, $first: Int!, $after: String) {{
      adoption(by: $by) {{
        {field}(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {_SELECTIONS[field]} }} }}
        {others}
      }}
    }}"""


async def _walk(store: GraphStore, snapshot: Any, by: str, field: str, first: int) -> tuple[int, list[Any]]:
    """(totalCount, every node) of one of the report's connections, ``first`` at a time, through the full schema."""
    from catalog.api.context import build_context
    from catalog.api.schema import build_schema

    schema = build_schema(settings())
    nodes: list[Any] = []
    after: str | None = None
    for _ in range(100):
        variables = {"by": by, "first": first, "after": after}
        result = await schema.execute(
            _page(field), variable_values=variables, context_value=build_context(store, settings(), snapshot=snapshot)
        )
        assert result.errors is None, [e.message for e in result.errors]
        assert result.data is not None
        page = result.data["adoption"][field]
        assert len(page["nodes"]) <= first
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"{field}: the pages never ended")


@pytest.mark.parametrize("by", ["TEAM", "ORG_UNIT"])
async def test_graphql_pages_of_adoption_are_the_same_from_the_snapshot_and_the_store(store: GraphStore, tmp_path: Path, by: str) -> None:
    from catalog.read.snapshot import build_snapshot

    await sync_all(store, tmp_path)
    snapshot = await build_snapshot(store)
    for field in ("groups", "otherPlatforms", "teamsWithOwnPlatforms"):
        whole = await _walk(store, None, by, field, 100)
        assert whole[0] == len(whole[1]) > 0, field
        # One item per page: every cursor is followed, and each page's teams and platforms are loaded for that page.
        assert await _walk(store, None, by, field, 1) == whole, field
        assert await _walk(store, snapshot, by, field, 1) == whole, field
        assert await _walk(store, snapshot, by, field, 2) == whole, field
    groups = (await _walk(store, snapshot, by, "groups", 2))[1]
    assert [(g["subject"] or {}).get("ref") for g in groups] == [k for k, *_ in EXPECTED[by.lower().replace("_", "-")]]
    own = (await _walk(store, snapshot, by, "teamsWithOwnPlatforms", 1))[1]
    assert [(t["team"]["ref"], t["platform"]["name"], t["isOwner"]) for t in own] == [
        (key("group", "checkout-team"), "legacy-vms", False),
        (key("group", "data-team"), "spark-cluster", True),
        (key("group", "platform-team"), "legacy-vms", True),
    ]


async def test_a_snapshot_keeps_its_adoption_reports_and_a_new_snapshot_counts_afresh(store: GraphStore, tmp_path: Path) -> None:
    from catalog.read.snapshot import SnapshotReader, build_snapshot

    descriptors = copy_backstage(tmp_path)
    await sync_all(store, tmp_path, backstage=descriptors, now=at(T1))
    before = await build_snapshot(store)
    first = await adoption(SnapshotReader(store, before), "team")
    # The same snapshot answers with the report it kept, reading nothing more.
    trips = store.round_trips
    assert await adoption(SnapshotReader(store, before), "team") is first
    assert store.round_trips == trips
    assert await adoption(SnapshotReader(store, before), "domain") == await adoption(CatalogReader(store), "domain")

    # cart moves onto the standard platform: the next snapshot counts it; the old one keeps answering as of its sync.
    services = descriptors / "services.yaml"
    services.write_text(
        services.read_text().replace("  name: cart\n", "  name: cart\n  annotations:\n    ownership-catalog.io/platform: k8s-standard\n")
    )
    await sync_all(store, tmp_path, backstage=descriptors, now=at(T2))
    after = await adoption(SnapshotReader(store, await build_snapshot(store)), "team")
    assert (after.company.standard, after.company.unknown) == (6, 2)
    assert after == await adoption(CatalogReader(store), "team")
    assert await adoption(SnapshotReader(store, before), "team") is first
    assert (first.company.standard, first.company.unknown) == (5, 3)

"""blastRadius: the transitive dependents of a service by owning team, with distance, via and who is on call.

The graph is Acme's catalog synced from Backstage, Kubernetes and PagerDuty exports (see
``tests/fixtures/answers/impact/support.py``); the hub test writes its own descriptors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.answers.blast_radius import BlastRadius, DepthRefused, ImpactedTeam, blast_radius
from catalog.answers.identify import identify
from catalog.commands import blast_radius as command
from catalog.core.clock import iso
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage
from tests.fixtures.answers.impact.support import NOW, cli, execute, gql, key, sync_all

AT_NOON = iso(NOW)


def services(team: ImpactedTeam) -> list[tuple[str, int, str]]:
    return [(s.name, s.distance, s.via_name) for s in team.services]


def by_owner(answer: BlastRadius) -> dict[str, ImpactedTeam]:
    return {team.key: team for team in answer.teams}


def on_call(team: ImpactedTeam) -> list[tuple[str, str, int | None]]:
    return [(p.key, v.policy_name or "", v.level) for p in team.on_call for v in p.policies]


async def test_dependents_by_owning_team_with_distance_via_and_who_is_on_call_now_or_later(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    answer = await blast_radius(CatalogReader(store), "ledger", max_depth=10, at=AT_NOON)

    assert answer.service is not None and answer.service.key == key("component", "ledger")
    assert answer.depth == 3
    # Nearest impact first, then most services. The ledger itself never appears, although audit-log needs it and it needs audit-log.
    assert [(t.name, t.label, t.count, t.nearest) for t in answer.teams] == [
        ("payments-team", "Team", 3, 1),
        ("data-team", "Team", 2, 1),
        ("checkout-team", "Team", 2, 2),
        ("erin", "Person", 1, 2),
        ("platform-team", "Team", 1, 2),
    ]
    teams = by_owner(answer)
    payments, data, checkout, platform = (teams[key("group", t)] for t in ("payments-team", "data-team", "checkout-team", "platform-team"))
    assert services(payments) == [("audit-log", 1, "ledger"), ("payments-api", 1, "ledger"), ("fraud", 3, "checkout")]
    assert services(checkout) == [("checkout", 2, "payments-api"), ("cart", 3, "checkout")]
    # PagerDuty's Platform team also claims reports; the resolved owner (Backstage's data team) is the one that counts.
    assert services(data) == [("reports", 1, "ledger"), ("etl", 2, "reports")]
    # Reached through a Resource that depends on the ledger; the resource itself is not a service.
    assert services(platform) == [("notifier", 2, "ledger-events")]
    assert teams[key("user", "erin")].services[0].name == "scratchpad"
    assert answer.unowned.count == 1 and [(s.name, s.distance) for s in answer.unowned.services] == [("orphan", 1)]
    assert answer.total_services == 10
    assert [(d.distance, d.count) for d in answer.by_distance] == [(1, 4), (2, 4), (3, 2)]

    # On call at noon: the first level with anyone on it, per policy that pages for the team's affected services.
    assert on_call(payments) == [(key("user", "alice"), "Payments", 1)]  # audit-log and fraud fall back to the team's policy
    assert on_call(checkout) == [(key("user", "erin"), "Checkout", 2)]  # level 1 is empty until 16:00
    assert on_call(data) == [(key("user", "carol"), "Platform", 1)]  # reports' own policy; the data team has none
    assert on_call(platform) == [(key("user", "carol"), "Platform", 1)]
    assert [p.name for p in payments.policies] == ["Payments"]
    assert teams[key("user", "erin")].on_call == [] and teams[key("user", "erin")].policies == []

    # Later that day: Bob takes level 1 of Checkout at 16:00; Alice's shift ends at 20:00 and Erin's level 2 is first.
    evening = by_owner(await blast_radius(CatalogReader(store), "ledger", max_depth=10, at="2026-11-20T17:00:00.000000Z"))
    night = by_owner(await blast_radius(CatalogReader(store), "ledger", max_depth=10, at="2026-11-20T21:00:00.000000Z"))
    assert on_call(evening[key("group", "checkout-team")]) == [(key("user", "bob"), "Checkout", 1)]
    assert on_call(evening[key("group", "payments-team")]) == [(key("user", "alice"), "Payments", 1)]
    assert on_call(night[key("group", "payments-team")]) == [(key("user", "erin"), "Payments", 2)]


async def test_cycles_end_the_walk_depth_bounds_it_and_the_limit_refuses_more(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    near = await blast_radius(CatalogReader(store), "ledger", 1, max_depth=10, at=AT_NOON)
    assert sorted(s.name for t in near.teams for s in t.services) == ["audit-log", "payments-api", "reports"]

    identified_with = store.round_trips
    await identify(CatalogReader(store), "ledger")
    identify_cost = store.round_trips - identified_with
    before = store.round_trips
    far = await blast_radius(CatalogReader(store), "ledger", 10, max_depth=10, at=AT_NOON)
    # Levels 1-4 find services, level 5 finds nothing new and the walk stops; then owners, owner nodes, policies and on-call.
    assert store.round_trips - before - identify_cost <= 5 + 5
    names = sorted(s.name for t in far.teams for s in t.services) + [s.name for s in far.unowned.services]
    assert len(names) == len(set(names)) == far.total_services == 11  # each once, however many cycles lead back
    assert "ledger" not in names
    storefront = next(s for t in far.teams for s in t.services if s.name == "storefront")
    assert (storefront.distance, storefront.via_name) == (4, "cart")
    assert [(d.distance, d.count) for d in far.by_distance] == [(1, 4), (2, 4), (3, 2), (4, 1)]

    # Beyond the limit: refused, naming the setting, in the read layer, the API (BadArgument-like) and the CLI (exit 2).
    with pytest.raises(DepthRefused, match=r"depth 11 exceeds the limit of 10 \(CATALOG_MAX_DEPTH\)"):
        await blast_radius(CatalogReader(store), "ledger", 11, max_depth=10)
    with pytest.raises(DepthRefused, match="below 1"):
        await blast_radius(CatalogReader(store), "ledger", 0, max_depth=10)

    result = await execute(store, '{ blastRadius(service: "ledger", depth: 4) { totalServices } }', max_depth=3)
    assert result.errors and "CATALOG_MAX_DEPTH" in result.errors[0].message and "4" in result.errors[0].message
    assert result.errors[0].extensions == {"code": "LIMIT_EXCEEDED"}

    code, out, err = await cli(store, command.register, "blast-radius", "ledger", "--depth", "99")
    assert code == 2 and out == "" and "CATALOG_MAX_DEPTH" in err


_DOC = "apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{{spec}}}"


def _doc(kind: str, name: str, spec: str, namespace: str = "default") -> str:
    return _DOC.format(kind=kind, name=name, spec=spec, namespace=namespace)


def _hub_descriptors(path: Path, teams: int, per_team: int) -> None:
    """A hub every other service depends on, directly or through a second service, owned by a handful of teams."""
    service = "type: service, lifecycle: production, owner: group:default/{owner}"
    docs = [_doc("Group", f"team-{t}", "type: team") for t in range(teams)]
    docs.append(_doc("Component", "hub", service.format(owner="team-0")))
    for t in range(teams):
        for i in range(per_team):
            target = "hub" if i % 4 else f"svc-{t}-{i + 1}"  # every fourth depends on a neighbour, which depends on the hub
            docs.append(_doc("Component", f"svc-{t}-{i}", service.format(owner=f"team-{t}") + f", dependsOn: [component:default/{target}]"))
    docs += [_doc("Component", "twin", service.format(owner="team-0"), namespace) for namespace in ("east", "west")]
    path.write_text("\n---\n".join(docs) + "\n")


async def test_a_hub_with_hundreds_of_dependents_costs_a_few_queries_and_stays_small(store: GraphStore, tmp_path: Path) -> None:
    descriptors = tmp_path / "hub.yaml"
    _hub_descriptors(descriptors, teams=3, per_team=100)
    # No reconcile: the owners come from OWNS, the fallback when nothing has resolved them yet.
    await sync(store, read_backstage([descriptors], instance="hub"), now=AT_NOON)

    before = store.round_trips
    answer = await blast_radius(CatalogReader(store), "hub", 3, max_depth=10, services_per_team=5, at=AT_NOON)
    assert store.round_trips - before <= 12  # identify, 3 levels (more than 256 keys are looked up one by one), 5 lookups
    assert answer.total_services == 300
    assert [(t.name, t.count, len(t.services)) for t in answer.teams] == [("team-0", 100, 5), ("team-1", 100, 5), ("team-2", 100, 5)]
    assert [(d.distance, d.count) for d in answer.by_distance] == [(1, 225), (2, 75)]
    listed = answer.teams[0].services
    assert [s.distance for s in listed] == [1] * 5 and [s.name for s in listed] == sorted(s.name for s in listed)
    assert answer.teams[0].on_call == [] and answer.teams[0].policies == []

    unknown = await blast_radius(CatalogReader(store), "no-such-thing", max_depth=10)
    assert unknown.service is None and unknown.total_services == 0 and unknown.teams == []
    twins = await blast_radius(CatalogReader(store), "twin", max_depth=10)
    assert twins.service is None and sorted(c.key for c in twins.matches) == ["component:east/twin", "component:west/twin"]
    assert "2 services share" in twins.message and twins.teams == []
    code, out, _ = await cli(store, command.register, "blast-radius", "twin")
    assert code == 1 and "component:west/twin" in out


async def test_via_is_the_first_by_key_of_the_nearer_services_on_both_stores(store: GraphStore, tmp_path: Path) -> None:
    # a-mid and z-mid depend on base (distance 1); leaf depends on both of them (distance 2, via
    # a-mid, the first by key); top depends on leaf and on z-mid (distance 2 through z-mid).
    docs = [
        ("base", []),
        ("z-mid", ["base"]),
        ("a-mid", ["base"]),
        ("leaf", ["z-mid", "a-mid"]),
        ("top", ["leaf", "z-mid"]),
    ]
    text = "".join(
        f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\n"
        f"spec: {{type: service, lifecycle: production, owner: group:ops, dependsOn: [{', '.join('component:' + d for d in deps)}]}}\n"
        for name, deps in docs
    )
    text += "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: ops}\nspec: {type: team, children: []}\n"
    (tmp_path / "via.yaml").write_text(text, encoding="utf-8")
    await sync(store, read_backstage([tmp_path / "via.yaml"], instance="via"), now=AT_NOON)

    from catalog.read.snapshot import SnapshotReader, build_snapshot

    # From Cypher (the dependencies read) and from a snapshot (over its arrays): the same via.
    for reader in (CatalogReader(store), SnapshotReader(store, await build_snapshot(store))):
        answer = await blast_radius(reader, "base", 3, max_depth=10, at=AT_NOON)
        [team] = answer.teams
        # top is at distance 2 through z-mid (its shortest way), not 3 through leaf.
        assert services(team) == [("a-mid", 1, "base"), ("z-mid", 1, "base"), ("leaf", 2, "a-mid"), ("top", 2, "z-mid")]


QUERY = """query($service: String!, $depth: Int, $per: Int, $after: String) {
  blastRadius(service: $service, depth: $depth, servicesPerTeam: $per) {
    identification { status message service { name } matches { service { ref } } }
    depth totalServices totalTeams
    byDistance { distance count }
    teams(first: 4, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes {
      count nearestDistance
      owner { __typename ... on Team { name } ... on Person { displayName } }
      services { distance via { ... on Service { ref name } ... on Resource { ref } } service { name } }
      onCall { name email person { ref name } policies { policy { name } level } }
      escalationPolicies { policy { name } }
      }
    }
    unowned { count services { service { name } distance } }
  }
}"""


async def test_graphql_answers_the_same_with_the_listed_services_capped(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    data: dict[str, Any] = (await gql(store, QUERY, {"service": "ledger", "depth": 3, "per": 1}))["blastRadius"]
    found = data["identification"]
    assert (found["status"], found["service"], found["matches"]) == (
        "RESOLVED",
        {"name": "ledger"},
        [{"service": {"ref": key("component", "ledger")}}],
    )
    assert "ledger" in found["message"]
    assert (data["depth"], data["totalServices"], data["totalTeams"]) == (3, 10, 5)
    assert data["byDistance"] == [{"distance": 1, "count": 4}, {"distance": 2, "count": 4}, {"distance": 3, "count": 2}]
    assert (data["teams"]["totalCount"], data["teams"]["pageInfo"]["hasNextPage"]) == (5, True)
    rest = await gql(store, QUERY, {"service": "ledger", "depth": 3, "per": 1, "after": data["teams"]["pageInfo"]["endCursor"]})
    teams = data["teams"]["nodes"] + rest["blastRadius"]["teams"]["nodes"]
    assert len(teams) == 5 and not rest["blastRadius"]["teams"]["pageInfo"]["hasNextPage"]
    payments = teams[0]
    assert (payments["count"], payments["nearestDistance"], payments["owner"]) == (3, 1, {"__typename": "Team", "name": "payments-team"})
    assert payments["services"] == [
        {"distance": 1, "via": {"ref": key("component", "ledger"), "name": "ledger"}, "service": {"name": "audit-log"}}
    ]
    person = next(t for t in teams if t["owner"]["__typename"] == "Person")
    assert person["owner"] == {"__typename": "Person", "displayName": "Erin Lead"}
    # Carol is on call for Platform, permanently: the same at any moment.
    platform = next(t for t in teams if t["owner"].get("name") == "platform-team")
    assert platform["onCall"] == [
        {
            "name": "Carol Platform",
            "email": "carol@acme.example",
            "person": {"ref": key("user", "carol"), "name": "carol"},
            "policies": [{"policy": {"name": "Platform"}, "level": 1}],
        }
    ]
    assert platform["escalationPolicies"] == [{"policy": {"name": "Platform"}}]
    assert data["unowned"] == {"count": 1, "services": [{"service": {"name": "orphan"}, "distance": 1}]}

    empty = (await gql(store, QUERY, {"service": "storefront", "depth": 3, "per": 20}))["blastRadius"]
    assert (empty["totalServices"], empty["teams"]["nodes"], empty["unowned"]) == (0, [], {"count": 0, "services": []})
    result = await execute(store, QUERY, {"service": "ledger", "depth": 3, "per": 501})
    assert result.errors and "CATALOG_MAX_PAGE_SIZE" in result.errors[0].message


async def test_cli_prints_a_table_by_team_or_json(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    code, out, _ = await cli(store, command.register, "blast-radius", "ledger", "--depth", "2", "--per-team", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "if ledger goes down: 8 services within 2 steps, 5 owners, 1 unowned"
    assert lines[1] == "by distance: 1: 4, 2: 4"
    assert lines[3].split() == ["TEAM", "ON", "CALL", "SERVICE", "DISTANCE", "VIA"]
    assert any(line.split()[:2] == ["payments-team", "Erin"] or line.split()[:2] == ["payments-team", "Alice"] for line in lines)
    assert any("... and 1 more" in line for line in lines)
    assert any(line.startswith("(no owner)") and "orphan" in line for line in lines)

    code, out, _ = await cli(store, command.register, "blast-radius", "ledger", "--json")
    assert code == 0 and '"total_services": 10' in out


PAGED = """query($first: Int = 2, $after: String, $servicesAfter: String) {
  blastRadius(service: "ledger", depth: 3) {
    totalTeams
    teams(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes {
        count owner { ... on Team { name } ... on Person { displayName } }
        affectedServices(first: 1, after: $servicesAfter) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { service { name } distance via { ... on Service { name } ... on Resource { ref } } }
        }
      }
    }
    unowned { count affectedServices(first: 5) { totalCount nodes { service { name } } } }
  }
}"""


def _names(data: dict[str, Any]) -> list[str]:
    return [t["owner"].get("name") or t["owner"]["displayName"] for t in data["teams"]["nodes"]]


async def test_teams_and_their_services_page_with_cursors_and_complete_counts(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    pages: list[list[str]] = []
    after = None
    while True:
        data = (await gql(store, PAGED, {"after": after}))["blastRadius"]
        assert data["totalTeams"] == data["teams"]["totalCount"] == 5
        pages.append(_names(data))
        if not data["teams"]["pageInfo"]["hasNextPage"]:
            break
        after = data["teams"]["pageInfo"]["endCursor"]
    assert pages == [["payments-team", "data-team"], ["checkout-team", "Erin Lead"], ["platform-team"]]

    first = (await gql(store, PAGED))["blastRadius"]
    payments = first["teams"]["nodes"][0]["affectedServices"]
    assert payments["totalCount"] == 3 and payments["pageInfo"]["hasNextPage"]
    assert payments["nodes"] == [{"service": {"name": "audit-log"}, "distance": 1, "via": {"name": "ledger"}}]
    rest = (await gql(store, PAGED, {"first": 1, "servicesAfter": payments["pageInfo"]["endCursor"]}))["blastRadius"]
    assert rest["teams"]["nodes"][0]["affectedServices"]["nodes"][0]["service"] == {"name": "payments-api"}
    assert first["unowned"] == {"count": 1, "affectedServices": {"totalCount": 1, "nodes": [{"service": {"name": "orphan"}}]}}

    # A cursor from elsewhere is refused with a fix, not answered with the wrong page.
    stale = await execute(store, PAGED, {"first": 1, "servicesAfter": first["teams"]["pageInfo"]["endCursor"]})
    assert stale.errors and "start again without `after`" in stale.errors[0].message
    assert stale.errors[0].extensions == {"code": "BAD_USER_INPUT"}


class _Recording(CatalogReader):
    """The Cypher reader, noting which policies it was asked who is on call for."""

    asked: list[str]

    async def first_on_call(self, policies: Any, at: str) -> Any:
        self.asked = [*getattr(self, "asked", []), *policies]
        return await super().first_on_call(policies, at)


async def test_on_call_is_resolved_for_the_teams_on_the_page_only(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    reader = _Recording(store)
    answer = await blast_radius(reader, "ledger", 3, max_depth=10, first=1, at=AT_NOON)
    assert [t.name for t in answer.teams] == ["payments-team"] and answer.total_teams == 5 and answer.has_more_teams
    assert sorted(reader.asked) == [p.key for p in answer.teams[0].policies] and len(reader.asked) == 1
    # The counts stay complete whatever the page.
    assert answer.total_services == 10 and [(d.distance, d.count) for d in answer.by_distance] == [(1, 4), (2, 4), (3, 2)]

    rest = await blast_radius(CatalogReader(store), "ledger", 3, max_depth=10, first=10, after=answer.teams[0].key, at=AT_NOON)
    assert [t.name for t in rest.teams] == ["data-team", "checkout-team", "erin", "platform-team"] and not rest.has_more_teams

    code, out, _ = await cli(store, command.register, "blast-radius", "ledger", "--teams", "2")
    assert code == 0 and f"2 of 5 owners shown; the next ones: --after {key('group', 'data-team')}" in out
    code, out, _ = await cli(store, command.register, "blast-radius", "ledger", "--teams", "2", "--after", key("group", "data-team"))
    assert code == 0 and "checkout-team" in out and "payments-team" not in out


FIRST_SERVICES = """query($per: Int, $first: Int, $after: String, $teams: Int = 10) {
  blastRadius(service: "ledger", depth: 3, servicesPerTeam: $per) {
    teams(first: $teams) {
      nodes {
        owner { ... on Team { name } ... on Person { displayName } } count
        services { service { name } distance via { ... on Service { name } ... on Resource { ref } } }
        affectedServices(first: $first, after: $after) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { service { ref name } distance via { ... on Service { ref } ... on Resource { ref } } } }
        }
        onCall { name } escalationPolicies { policy { name } }
      }
    }
    unowned { affectedServices(first: $first) { totalCount edges { cursor node { service { name } distance } } } }
  }
}"""


async def test_a_team_s_first_services_answer_the_same_from_its_page_or_read_again_from_either_reader(
    store: GraphStore, tmp_path: Path
) -> None:
    # Each team's first services come with the page of teams (its first ``servicesPerTeam``); an ``affectedServices``
    # they do not cover, or one after a cursor, is read again. Every way answers alike, from Cypher and from a snapshot,
    # through the server's schema (its executor).
    from catalog.api.context import build_context
    from catalog.api.schema import build_schema
    from catalog.read.snapshot import build_snapshot
    from tests.fixtures.answers.impact.support import settings

    await sync_all(store, tmp_path)
    snapshot = await build_snapshot(store)
    schema = build_schema(settings())

    async def page(snap: Any, **variables: Any) -> dict[str, Any]:
        context = build_context(store, settings(), snapshot=snap)
        result = await schema.execute(FIRST_SERVICES, variable_values=variables, context_value=context)
        assert result.errors is None, [e.message for e in result.errors]
        assert result.data is not None
        return result.data["blastRadius"]

    def affected(data: dict[str, Any]) -> list[Any]:
        return [team["affectedServices"] for team in data["teams"]["nodes"]] + [data["unowned"]["affectedServices"]]

    for first in (0, 1, 2, 5):
        answers = [await page(snap, per=per, first=first) for per in (0, 1, 2, 20) for snap in (None, snapshot)]
        assert all(affected(data) == affected(answers[0]) for data in answers)
        for data, per in zip(answers, (0, 0, 1, 1, 2, 2, 20, 20), strict=True):
            for team in data["teams"]["nodes"]:
                listed = [(e["node"]["service"]["name"], e["node"]["distance"]) for e in team["affectedServices"]["edges"]]
                assert [(s["service"]["name"], s["distance"]) for s in team["services"]][:first] == listed[:per]
    whole = affected(await page(snapshot, per=20, first=20))
    payments = whole[0]
    assert payments["totalCount"] == 3 and [e["cursor"] for e in payments["edges"]][-1] == payments["pageInfo"]["endCursor"]
    # After the first service, from either reader: the rest of the team's list.
    for snap in (None, snapshot):
        rest = (await page(snap, per=20, first=20, teams=1, after=payments["edges"][0]["cursor"]))["teams"]["nodes"][0]["affectedServices"]
        assert rest["edges"] == payments["edges"][1:] and rest["pageInfo"]["hasPreviousPage"]

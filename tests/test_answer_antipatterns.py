"""The Build-Run anti-patterns as audits: Ops hand-off, a team's own platform, several standard platforms.

A small purpose-built graph, written as the importers write it (Backstage teams, services and
platforms; PagerDuty policies with their `rules` and `ESCALATES_TO` edges, schedules with their layers' users, and shifts):

- ``ops`` (olga, oscar) answers the first page of ``pay-api`` (service policy ``ep-ops``, level-1
  schedule with olga), ``shop-web`` (same policy) and ``search-api`` (through its team's policy
  ``ep-search``, which targets nobody at level 1 but has oscar on a level-1 shift now): three
  other teams, the default threshold;
- ``pay-worker`` pages ``ep-payoncall``, whose level 1 is paul of ``pay-oncall``, a sub-team of
  ``pay``: supported by its own team;
- ``data-etl`` pages ``ep-data`` (dora of ``data`` at level 1; olga on a level-2 shift): its own;
- ``data`` owns ``spark``, on which ``data-etl`` and ``shop-web`` run: a platform of its own;
- ``platform`` owns the standard ``k8s`` and the legacy ``vms`` (``pay-worker`` runs there): the
  Platform Team's legacy is not reported as a platform of its own; ``search`` owns ``unused``, on
  which nothing runs.
"""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.types import ExecutionResult

from catalog.answers.antipatterns import hand_offs
from catalog.answers.audits import Audit, AuditArgumentError, AuditFilter, AuditKind, audits
from catalog.api.audits.queries import AuditQuery
from catalog.api.context import build_context
from catalog.api.node import NodeQuery
from catalog.api.platforms.types import Platform
from catalog.api.teams.types import Team
from catalog.api.v1_types import EXTRA_NODE_TYPES
from catalog.commands import audit as audit_command
from catalog.core.records import ImportBatch, NodeRecord, RelRecord
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.sync import sync
from tests.fixtures.answers.impact.support import cli

NOW = "2026-11-20T12:00:00.000000Z"
K = AuditKind


def team(name: str) -> str:
    return f"group:default/{name}"


def svc(name: str) -> str:
    return f"component:default/{name}"


def person(name: str) -> str:
    return f"user:default/{name}"


def platform(name: str) -> str:
    return f"platform:default/{name}"


def policy(name: str) -> str:
    return f"escalation-policy:acme/{name}"


def schedule(name: str) -> str:
    return f"schedule:acme/{name}"


OPS, PAY, PAY_ONCALL, SHOP, SEARCH, DATA, PLATFORM = (team(n) for n in ("ops", "pay", "pay-oncall", "shop", "search", "data", "platform"))


def descriptors(*, second_standard: bool = False) -> ImportBatch:
    b = ImportBatch("backstage", "backstage:antipatterns")
    at = "catalog-info.yaml"
    for name in ("ops", "pay", "pay-oncall", "shop", "search", "data", "platform"):
        b.nodes.append(NodeRecord("Team", team(name), {"namespace": "default", "name": name}, at))
    b.rels.append(RelRecord("CHILD_OF", "Team", PAY_ONCALL, "Team", PAY, at))
    for name, of in (("olga", "ops"), ("oscar", "ops"), ("paula", "pay"), ("paul", "pay-oncall"), ("sam", "shop"), ("dora", "data")):
        b.nodes.append(NodeRecord("Person", person(name), {"namespace": "default", "name": name}, at))
        b.rels.append(RelRecord("MEMBER_OF", "Person", person(name), "Team", team(of), at))
    platforms = {"k8s": ("platform", True), "vms": ("platform", False), "spark": ("data", False), "unused": ("search", False)}
    if second_standard:
        platforms["nomad"] = ("platform", True)
    for name, (owner, standard) in platforms.items():
        b.nodes.append(NodeRecord("Platform", platform(name), {"namespace": "default", "name": name, "standard": standard}, at))
        b.rels.append(RelRecord("OWNS", "Team", team(owner), "Platform", platform(name), at, {"evidence": "spec.owner"}))
    services = {
        "pay-api": ("pay", "k8s"),
        "pay-worker": ("pay", "vms"),
        "shop-web": ("shop", "spark"),
        "search-api": ("search", "k8s"),
        "data-etl": ("data", "spark"),
    }
    for name, (owner, runs_on) in services.items():
        b.nodes.append(NodeRecord("Service", svc(name), {"namespace": "default", "name": name, "type": "service"}, at))
        b.rels.append(RelRecord("OWNS", "Team", team(owner), "Service", svc(name), at, {"evidence": "spec.owner"}))
        b.rels.append(RelRecord("RUNS_ON", "Service", svc(name), "Platform", platform(runs_on), at, {"evidence": "annotation"}))
    return b


def pagerduty() -> ImportBatch:
    b = ImportBatch("pagerduty", "pagerduty:acme")
    at = "/escalation_policies"
    layers = json.dumps([{"id": "L1", "users": [{"id": "POLGA", "key": person("olga")}]}])
    b.nodes.append(NodeRecord("Schedule", schedule("ops"), {"name": "Ops", "layers": layers}, "/schedules"))
    for name in ("ops", "search", "payoncall", "data"):
        b.nodes.append(NodeRecord("EscalationPolicy", policy(name), {"name": name, "state": "listed"}, at))
    b.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("ops"), "Schedule", schedule("ops"), at, {"levels": [1]}))
    b.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("ops"), "Person", person("paula"), at, {"levels": [2]}))
    b.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("payoncall"), "Person", person("paul"), at, {"levels": [1]}))
    b.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("data"), "Person", person("dora"), at, {"levels": [1]}))
    links = [
        ("Service", svc("pay-api"), "ops"),
        ("Service", svc("shop-web"), "ops"),
        ("Team", SEARCH, "search"),
        ("Service", svc("pay-worker"), "payoncall"),
        ("Service", svc("data-etl"), "data"),
    ]
    for label, key, name in links:
        b.rels.append(RelRecord("ESCALATES_VIA", label, key, "EscalationPolicy", policy(name), "/services", {"strength": "declared"}))
    shifts = [
        ("search", 1, "oscar", "2026-11-20T08:00:00.000000Z", "2026-11-20T20:00:00.000000Z"),
        ("search", 1, "sam", "2026-11-19T08:00:00.000000Z", "2026-11-19T20:00:00.000000Z"),  # over: not now
        ("data", 2, "olga", None, None),
    ]
    for i, (name, level, who, start, end) in enumerate(shifts):
        key = f"shift:acme/{name}/{level}/{i}"
        props = {"policy": policy(name), "level": level, "person": person(who), "starts_at": start, "ends_at": end}
        b.nodes.append(NodeRecord("OnCallShift", key, props, "/oncalls"))
        b.rels.append(RelRecord("ON_CALL", "Person", person(who), "OnCallShift", key, "/oncalls"))
        b.rels.append(RelRecord("SHIFT_OF", "OnCallShift", key, "EscalationPolicy", policy(name), "/oncalls"))
    return b


def with_rules(batch: ImportBatch) -> ImportBatch:
    """Each policy's ``rules`` as the PagerDuty importer stores them beside its ``ESCALATES_TO`` edges (level by level)."""
    levels: dict[str, dict[int, list[dict[str, str]]]] = {}
    for r in batch.rels:
        if r.type == "ESCALATES_TO":
            kind = "schedule" if r.dst_label == "Schedule" else "user"
            for level in r.props["levels"]:
                levels.setdefault(r.src_id, {}).setdefault(level, []).append({"type": kind, "key": r.dst_id})
    for node in batch.nodes:
        if node.label == "EscalationPolicy":
            found = levels.get(node.id, {})
            rules = [{"level": n, "targets": found.get(n, [])} for n in range(1, max(found, default=1) + 1)]
            node.props["rules"] = json.dumps(rules, sort_keys=True)
    return batch


async def build(store: GraphStore, *, second_standard: bool = False) -> None:
    for batch in (descriptors(second_standard=second_standard), with_rules(pagerduty())):
        report = await sync(store, batch, now=NOW)
        assert report.complete


async def listed(store: GraphStore, audit_filter: AuditFilter | None = None, **options: Any) -> list[Audit]:
    found = await audits(CatalogReader(store), audit_filter, now=NOW, **options)
    page = await found.page(100)
    assert not page.has_next
    return list(page.audits)


ANTIPATTERNS = (K.OPS_HAND_OFF, K.OWN_PLATFORM, K.SEVERAL_STANDARD_PLATFORMS)


async def test_the_ops_team_that_answers_for_three_other_teams_is_a_hand_off(store: GraphStore) -> None:
    await build(store)
    facts = await CatalogReader(store).support_facts(NOW)
    [found] = hand_offs(facts, 3)
    assert found.team == OPS and found.services == 3
    assert [(h.team, h.services) for h in found.handed_off] == [
        (PAY, (svc("pay-api"),)),
        (SEARCH, (svc("search-api"),)),  # through its team's policy and oscar's shift now
        (SHOP, (svc("shop-web"),)),
    ]
    # pay-worker's first level is a sub-team of pay; data-etl's is data's own dora (olga is on level 2 only).
    assert hand_offs(facts, 4) == []

    [audit] = await listed(store, AuditFilter(kinds=(K.OPS_HAND_OFF,)))
    assert (audit.severity, audit.subject.key, audit.subject.label, audit.subject.name) == ("warning", OPS, "Team", "ops")
    assert audit.id == f"ops-hand-off:{OPS}"
    for named in (PAY, SEARCH, SHOP, svc("pay-api"), "3 services of 3 other teams"):
        assert named in audit.message
    assert "escalation policy" in audit.fix
    # The threshold is a setting: at 4 teams ops is not reported, at 3 it still is.
    assert await listed(store, AuditFilter(kinds=(K.OPS_HAND_OFF,)), ops_handoff_min_teams=4) == []
    assert len(await listed(store, AuditFilter(kinds=(K.OPS_HAND_OFF,)), ops_handoff_min_teams=3)) == 1


async def test_a_hand_off_needs_known_responders_and_ends_when_the_team_takes_the_pager_back(store: GraphStore) -> None:
    await build(store)
    batch = pagerduty()
    # shop-web now pages its own sam at level 1, ahead of ops at level 2.
    batch.nodes.append(NodeRecord("EscalationPolicy", policy("shop"), {"name": "shop", "state": "listed"}, "/escalation_policies"))
    batch.rels = [r for r in batch.rels if not (r.type == "ESCALATES_VIA" and r.src_id == svc("shop-web"))]
    batch.rels.append(RelRecord("ESCALATES_VIA", "Service", svc("shop-web"), "EscalationPolicy", policy("shop"), "/services"))
    batch.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("shop"), "Person", person("sam"), "/x", {"levels": [1]}))
    batch.rels.append(RelRecord("ESCALATES_TO", "EscalationPolicy", policy("shop"), "Schedule", schedule("ops"), "/x", {"levels": [2]}))
    assert (await sync(store, with_rules(batch), now=NOW)).complete
    assert await listed(store, AuditFilter(kinds=(K.OPS_HAND_OFF,)), ops_handoff_min_teams=3) == []
    [found] = hand_offs(await CatalogReader(store).support_facts(NOW), 2)
    assert [h.team for h in found.handed_off] == [PAY, SEARCH]
    # After oscar's shift, search-api has no known first-level responder: unknown, not handed off.
    later = "2026-11-20T21:00:00.000000Z"
    [found] = hand_offs(await CatalogReader(store).support_facts(later), 1)
    assert [h.team for h in found.handed_off] == [PAY]


async def test_a_team_operating_a_platform_of_its_own(store: GraphStore) -> None:
    await build(store)
    [audit] = await listed(store, AuditFilter(kinds=(K.OWN_PLATFORM,)))
    assert (audit.severity, audit.subject.key, audit.subject.name) == ("warning", DATA, "data")
    assert audit.id == f"own-platform:{DATA}:{platform('spark')}"
    assert platform("spark") in audit.message and "2 services run on it, 1 of its own" in audit.message
    assert SHOP in audit.message and platform("k8s") in audit.message
    assert platform("k8s") in audit.fix
    # Neither the Platform Team's legacy vms nor search's unused platform is reported; no team has several standards.
    assert await listed(store, AuditFilter(kinds=(K.SEVERAL_STANDARD_PLATFORMS,))) == []


async def test_several_platforms_each_presented_as_standard(store: GraphStore) -> None:
    await build(store, second_standard=True)
    found = await listed(store, AuditFilter(kinds=(K.SEVERAL_STANDARD_PLATFORMS,)))
    assert [(a.severity, a.subject.key, a.subject.label) for a in found] == [
        ("error", platform("k8s"), "Platform"),
        ("error", platform("nomad"), "Platform"),
    ]
    assert platform("nomad") in found[0].message and "backstage:antipatterns" in found[0].message
    assert "2 standard platforms" in found[1].message and "standard" in found[1].fix


async def test_anti_patterns_sit_in_the_one_order_with_filters_counts_and_paging(store: GraphStore) -> None:
    await build(store, second_standard=True)
    everything = await listed(store, AuditFilter(kinds=ANTIPATTERNS))
    assert [(a.severity, a.kind, a.subject.key) for a in everything] == [
        ("error", K.SEVERAL_STANDARD_PLATFORMS, platform("k8s")),
        ("error", K.SEVERAL_STANDARD_PLATFORMS, platform("nomad")),
        ("warning", K.OPS_HAND_OFF, OPS),
        ("warning", K.OWN_PLATFORM, DATA),
    ]
    found = await audits(CatalogReader(store), AuditFilter(kinds=ANTIPATTERNS), now=NOW)
    first = await found.page(3)
    rest = await found.page(3, first.audits[-1].cursor)
    assert first.has_next and not rest.has_next
    assert [a.id for a in (*first.audits, *rest.audits)] == [a.id for a in everything]
    assert {(c.kind, c.severity, c.count) for c in await found.summary()} == {
        (K.SEVERAL_STANDARD_PLATFORMS, "error", 2),
        (K.OPS_HAND_OFF, "warning", 1),
        (K.OWN_PLATFORM, "warning", 1),
    }
    # A team filter keeps the audits about the team and what it owns: shop's hand-off to ops, and the
    # platform it runs on that data owns is data's, not shop's.
    shop = await listed(store, AuditFilter(kinds=ANTIPATTERNS, team=SHOP))
    assert [(a.kind, a.subject.key) for a in shop] == [(K.OPS_HAND_OFF, OPS)]
    platform_team = await listed(store, AuditFilter(kinds=ANTIPATTERNS, team=PLATFORM))
    assert [a.subject.key for a in platform_team] == [platform("k8s"), platform("nomad")]
    assert await listed(store, AuditFilter(kinds=ANTIPATTERNS, subject_label="Platform")) == everything[:2]
    assert await listed(store, AuditFilter(kinds=ANTIPATTERNS, severities=("warning",))) == everything[2:]


async def test_the_threshold_must_be_a_number_of_teams(store: GraphStore) -> None:
    try:
        await audits(CatalogReader(store), ops_handoff_min_teams=0)
    except AuditArgumentError as exc:
        assert "ops_handoff_min_teams 0" in str(exc)
    else:
        raise AssertionError("a threshold of 0 teams was accepted")


@strawberry.type
class _Query(NodeQuery, AuditQuery):
    pass


_SCHEMA = strawberry.Schema(query=_Query, types=[Team, Platform, *EXTRA_NODE_TYPES])
_AUDITS = """
query ($kinds: [AuditKind!]) {
  audits(first: 10, filter: {kinds: $kinds}) { totalCount edges { node { kind severity message subject { key kind name } } } }
}
"""


async def test_graphql_and_the_cli_list_the_anti_patterns(store: GraphStore) -> None:
    await build(store)
    # The API answers as of the clock, after oscar's shift: ops answers for pay and shop only.
    settings = Settings(ops_handoff_min_teams=2, graphiql=False)
    result = await _SCHEMA.execute(
        _AUDITS, variable_values={"kinds": ["OPS_HAND_OFF", "OWN_PLATFORM"]}, context_value=build_context(store, settings)
    )
    assert isinstance(result, ExecutionResult) and result.errors is None, result.errors
    assert result.data is not None
    nodes = [e["node"] for e in result.data["audits"]["edges"]]
    assert [(n["kind"], n["subject"]["key"], n["subject"]["kind"]) for n in nodes] == [
        ("OPS_HAND_OFF", OPS, "TEAM"),
        ("OWN_PLATFORM", DATA, "TEAM"),
    ]
    strict = Settings(ops_handoff_min_teams=3, graphiql=False)
    result = await _SCHEMA.execute(_AUDITS, variable_values={"kinds": ["OPS_HAND_OFF"]}, context_value=build_context(store, strict))
    assert isinstance(result, ExecutionResult) and result.data is not None
    assert result.data["audits"]["totalCount"] == 0

    code, out, err = await cli(store, audit_command.register, "audit", "--kind", "ops-hand-off", "--kind", "own_platform", "--json")
    # (The command resolves CATALOG_OPS_HANDOFF_MIN_TEAMS; without settings it takes the default.)
    assert code == 0, err
    listed_keys = [(a["kind"], a["subject"]["key"]) for a in json.loads(out)["audits"]]
    assert listed_keys == [("OPS_HAND_OFF", OPS), ("OWN_PLATFORM", DATA)]  # the default threshold: 2 teams, pay and shop

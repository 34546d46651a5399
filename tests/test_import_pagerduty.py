"""PagerDuty through the real client, the real parser and the sync engine, into both stores.

The fixture (``tests/fixtures/pagerduty``) at 2026-11-20T12:00Z:

- policy Payments (PPAY001): level 1 follows the sun across two schedules, EMEA (06-18 UTC)
  and APAC (18-06 UTC); level 2 pages Erin directly, permanently;
- policy SRE (PSRE001): level 1 is one schedule with a gap from 08:00 to 16:00 UTC, so at noon
  nobody holds it and level 2 (Erin, directly) is the first person paged;
- services: Checkout (annotated, declared), Payments API (name match, inferred), Search
  (mapped in the configuration), Inventory (two components of that name), Legacy (no match);
- ledger has no PagerDuty service: its team's policy is the fallback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from catalog.core.clock import iso
from catalog.store.base import GraphStore
from catalog.sync import ImportReport, sync
from tests.fakes.http_server import FakeApi, Reply
from tests.fixtures.pagerduty.support import NOW, at, live_source, offline_source, seed, serve_export

PAY = "escalation-policy:pagerduty/acme/ppay001"
SRE = "escalation-policy:pagerduty/acme/psre001"
EMEA, APAC, SRE_PRIMARY = (f"schedule:pagerduty/acme/{s}" for s in ("psemea1", "psapac1", "pssre01"))
ALICE, BOB = "user:default/alice", "user:default/bob"
CAROL, DAVE, ERIN = (f"user:pagerduty/{u}" for u in ("pcarol1", "pdave01", "perin01"))


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApi]:
    with FakeApi() as fake:
        yield fake


@pytest.fixture
def api(server: FakeApi) -> FakeApi:
    serve_export(server)
    return server


async def on_call_at(store: GraphStore, policy: str, instant: str) -> list[tuple[int, str, str | None]]:
    """(level, person, schedule) of every live shift of ``policy`` covering ``instant``."""
    rows = await store.read(
        "MATCH (p:Person)-[o:ON_CALL]->(s:OnCallShift)-[r:SHIFT_OF]->(e:EscalationPolicy) "
        "WHERE e.id = $policy AND o.active = true AND r.active = true AND s.retired_at IS NULL "
        "AND (s.starts_at IS NULL OR s.starts_at <= $t) AND (s.ends_at IS NULL OR s.ends_at > $t) "
        "RETURN s.level AS level, p.id AS person, s.schedule AS schedule",
        {"policy": policy, "t": at(instant)},
    )
    return sorted((r["level"], r["person"], r["schedule"]) for r in rows)


async def live_sync(store: GraphStore, api: FakeApi, *, now: datetime = NOW) -> ImportReport:
    """Backstage, then PagerDuty through the real client against the fake API, as ``catalog sync`` runs them."""
    index = await seed(store)
    return await sync(store, await live_source(api, now=now).read(index), now=iso(now))


async def offline_sync(store: GraphStore) -> ImportReport:
    """The same fixture from the export folder: the same parser, without HTTP (see the equivalence test below)."""
    index = await seed(store)
    return await sync(store, await offline_source().read(index), now=iso(NOW))


async def test_who_is_on_call_follows_the_sun_falls_through_an_empty_level_and_pages_people_directly(store: GraphStore) -> None:
    report = await offline_sync(store)
    assert report.complete and report.retirement_note is None

    # Follow the sun: level 1 of Payments is EMEA's Alice at noon and APAC's Carol at night.
    assert await on_call_at(store, PAY, "2026-11-20T12:00:00Z") == [(1, ALICE, EMEA), (2, ERIN, None)]
    assert await on_call_at(store, PAY, "2026-11-20T20:00:00Z") == [(1, CAROL, APAC), (2, ERIN, None)]
    # SRE's level 1 is empty at noon: no shift invents someone; level 2 (direct, permanent) is there.
    assert await on_call_at(store, SRE, "2026-11-20T12:00:00Z") == [(2, ERIN, None)]
    assert await on_call_at(store, SRE, "2026-11-20T17:00:00Z") == [(1, DAVE, SRE_PRIMARY), (2, ERIN, None)]

    [permanent] = await store.read(
        "MATCH (s:OnCallShift) WHERE s.policy = $p AND s.level = 2 "
        "RETURN s.starts_at AS begins, s.ends_at AS finishes, s.schedule AS schedule",
        {"p": PAY},
    )
    assert permanent == {"begins": None, "finishes": None, "schedule": None}
    assert (
        await store.read("MATCH (s:OnCallShift)-[:FROM_SCHEDULE]->(x:Schedule) WHERE s.level = 2 RETURN x.id AS id") == []
    )  # a direct target comes from no schedule


async def test_policies_and_schedules_keep_their_levels_targets_and_layers(store: GraphStore) -> None:
    await offline_sync(store)
    [policy] = await store.read(
        "MATCH (p:EscalationPolicy) WHERE p.id = $id RETURN p.external_id AS ext, p.name AS name, p.num_loops AS loops, "
        "p.rules AS rules, p.url AS url",
        {"id": PAY},
    )
    assert (policy["ext"], policy["name"], policy["loops"]) == ("PPAY001", "Payments", 1)
    assert policy["url"] == "https://acme.pagerduty.com/escalation_policies/PPAY001"
    assert json.loads(policy["rules"]) == [
        {
            "level": 1,
            "id": "PRPAY1A",
            "delay_minutes": 30,
            "targets": [{"type": "schedule", "id": "PSEMEA1", "key": EMEA}, {"type": "schedule", "id": "PSAPAC1", "key": APAC}],
        },
        {"level": 2, "id": "PRPAY2A", "delay_minutes": 30, "targets": [{"type": "user", "id": "PERIN01", "key": ERIN}]},
    ]
    targets = await store.read(
        "MATCH (p:EscalationPolicy)-[r:ESCALATES_TO]->(t) WHERE p.id = $id RETURN t.id AS target, r.levels AS levels", {"id": PAY}
    )
    assert sorted((r["target"], list(r["levels"])) for r in targets) == [(APAC, [1]), (EMEA, [1]), (ERIN, [2])]

    [schedule] = await store.read(
        "MATCH (s:Schedule) WHERE s.id = $id RETURN s.external_id AS ext, s.time_zone AS tz, s.layers AS layers", {"id": SRE_PRIMARY}
    )
    assert (schedule["ext"], schedule["tz"]) == ("PSSRE01", "UTC")
    layers = json.loads(schedule["layers"])
    assert [(la["name"], la["start"], la["rotation_turn_length_seconds"]) for la in layers] == [
        ("Early", "2026-01-05T00:00:00.000000Z", 86400),
        ("Late", "2026-01-05T16:00:00.000000Z", 86400),
    ]
    assert layers[1]["users"] == [{"id": "PDAVE01", "key": DAVE}]
    assert layers[0]["restrictions"][0]["duration_seconds"] == 28800


async def test_pagerduty_links_to_the_catalogs_services_teams_and_people_and_says_how(store: GraphStore) -> None:
    report = await offline_sync(store)
    rows = await store.read(
        "MATCH (s:Service)-[r:ESCALATES_VIA]->(p:EscalationPolicy) WHERE r.active = true "
        "RETURN s.id AS service, p.id AS policy, r.strength AS strength, r.external_service AS pd, r.evidence AS evidence"
    )
    links = {r["service"]: (r["policy"], r["strength"], r["pd"]) for r in rows}
    assert links == {
        "component:default/checkout": (PAY, "declared", "PCHKOUT"),
        "component:default/search-service": (SRE, "configured", "PSEARCH"),
        "component:default/payments-api": (PAY, "inferred", "PPAYAPI"),
    }
    evidence = {r["service"]: r["evidence"] for r in rows}
    assert "name" in evidence["component:default/payments-api"] and "Payments API" in evidence["component:default/payments-api"]

    # The configured link is also an identifier, so "PSEARCH" finds the service; the guess is not.
    idents = await store.read("MATCH (i:Identifier)-[r:IDENTIFIES]->(s:Service) WHERE r.source = 'pagerduty' RETURN i.id AS id, s.id AS s")
    assert idents == [{"id": "ident:pagerduty-service:psearch", "s": "component:default/search-service"}]

    # PagerDuty's teams are weaker ownership evidence than the descriptors'.
    owners = await store.read(
        "MATCH (t:Team)-[r:OWNS]->(s:Service) WHERE r.source = 'pagerduty' RETURN t.id AS team, s.id AS service, r.strength AS strength"
    )
    assert sorted((o["team"], o["service"], o["strength"]) for o in owners) == [
        ("group:default/payments-team", "component:default/checkout", "inferred"),
        ("group:default/payments-team", "component:default/payments-api", "inferred"),
        ("group:pagerduty/ptsre01", "component:default/search-service", "inferred"),
    ]

    kinds = {(f.kind, f.subject) for f in report.findings}
    assert ("unmatched-pagerduty-service", "PLEGACY") in kinds
    assert ("ambiguous-link", "PINVENT") in kinds
    [unmatched] = [f for f in report.findings if f.kind == "unmatched-pagerduty-service"]
    assert "pagerduty.com/service-id: PLEGACY" in unmatched.fix and f"{unmatched.file}: service PLEGACY" in unmatched.message
    assert "PSRE001" in unmatched.message

    # A service without a policy of its own falls back to its team's.
    assert await store.read("MATCH (s:Service)-[:ESCALATES_VIA]->(p) WHERE s.id = 'component:default/ledger' RETURN p.id AS p") == []
    fallback = await store.read(
        "MATCH (t:Team)-[o:OWNS]->(s:Service) WHERE s.id = 'component:default/ledger' AND o.source = 'backstage' "
        "MATCH (t)-[r:ESCALATES_VIA]->(p:EscalationPolicy) RETURN t.id AS team, p.id AS policy, r.strength AS strength"
    )
    assert fallback == [{"team": "group:default/payments-team", "policy": PAY, "strength": "declared"}]

    # People match by email and teams by annotation; the others are PagerDuty's own.
    people = await store.read("MATCH (p:Person) WHERE p.source = 'pagerduty' RETURN p.id AS id, p.email AS email, p.display_name AS name")
    assert sorted((p["id"], p["email"], p["name"]) for p in people) == [
        (CAROL, "carol@acme.example", "Carol Night"),
        (DAVE, "dave@acme.example", "Dave Sun"),
        (ERIN, "erin@acme.example", "Erin Lead"),
    ]
    members = await store.read("MATCH (p:Person)-[r:MEMBER_OF]->(t:Team) WHERE r.source = 'pagerduty' RETURN p.id AS p, t.id AS t")
    assert sorted((m["p"], m["t"]) for m in members) == [
        (ALICE, "group:default/payments-team"),
        (BOB, "group:default/payments-team"),
        (CAROL, "group:pagerduty/ptsre01"),
        (DAVE, "group:pagerduty/ptsre01"),
        (ERIN, "group:pagerduty/ptsre01"),
    ]
    [team] = await store.read("MATCH (t:Team) WHERE t.source = 'pagerduty' RETURN t.id AS id, t.name AS name")
    assert team == {"id": "group:pagerduty/ptsre01", "name": "SRE"}

    # PagerDuty's dependencies join linked services only.
    deps = await store.read(
        "MATCH (a:Service)-[r:DEPENDS_ON]->(b:Service) WHERE r.source = 'pagerduty' RETURN a.id AS a, b.id AS b, r.evidence AS e"
    )
    assert deps == [
        {"a": "component:default/checkout", "b": "component:default/payments-api", "e": "PagerDuty service dependency PCHKOUT → PPAYAPI"}
    ]
    [skipped] = [f for f in report.findings if f.kind == "unlinked-dependency"]
    assert skipped.severity == "info" and "PLEGACY" in skipped.message and "technical_services/PCHKOUT" in skipped.message


async def test_a_second_identical_sync_changes_nothing(store: GraphStore, api: FakeApi) -> None:
    first = await live_sync(store, api)
    second = await live_sync(store, api, now=NOW + timedelta(minutes=5))
    assert first.totals().created > 50
    totals = second.totals()
    assert (totals.created, totals.updated, totals.retired) == (0, 0, 0)
    assert totals.unchanged == first.totals().created


async def test_the_window_sliding_forward_keeps_shifts_that_ended_as_history(store: GraphStore) -> None:
    await offline_sync(store)
    later = NOW + timedelta(days=8)  # the window now starts 2026-11-21T12:00Z
    report = await sync(store, await offline_source(now=later).read(await seed(store)), now=iso(later))
    assert report.complete and report.nodes["OnCallShift"].retired == 0
    shifts = await store.read("MATCH (s:OnCallShift) RETURN s.ends_at AS finishes, s.retired_at AS retired")
    assert len(shifts) == 9 and all(s["retired"] is None for s in shifts)
    assert sum(1 for s in shifts if s["finishes"] is not None and s["finishes"] < at("2026-11-21T12:00:00Z")) == 6
    # Who was on call at 03:12 on the 20th is still answered.
    [night] = await store.read(
        "MATCH (s:OnCallShift) WHERE s.policy = $p AND s.level = 1 AND s.starts_at <= $t AND s.ends_at > $t RETURN s.person AS person",
        {"p": PAY, "t": at("2026-11-20T03:12:00Z")},
    )
    assert night["person"] == DAVE


async def test_the_edges_of_shifts_that_ended_before_the_window_stay_active(store: GraphStore) -> None:
    await offline_sync(store)
    later = NOW + timedelta(days=8)
    report = await sync(store, await offline_source(now=later).read(await seed(store)), now=iso(later))
    assert report.rels["ON_CALL"].retired == 0


async def test_endpoints_that_keep_failing_make_a_partial_sync_that_retires_and_loses_nothing(store: GraphStore, api: FakeApi) -> None:
    await live_sync(store, api)
    api.route("/oncalls", lambda q, h: Reply(500, {"error": {"message": "Internal Server Error"}}))
    api.route("/escalation_policies", lambda q, h: Reply(503, {"error": {"message": "Service Unavailable"}}))
    report = await live_sync(store, api, now=NOW + timedelta(hours=1))
    assert not report.complete and report.retirement_note
    assert report.totals().retired == 0
    failed = sorted(f.reference or "" for f in report.findings if f.kind == "endpoint-failed")
    assert failed == ["/escalation_policies", "/oncalls"]
    [oncalls] = [f for f in report.findings if f.reference == "/oncalls"]
    assert oncalls.message.startswith("pagerduty:acme: GET ") and "/oncalls" in oncalls.message and "HTTP 500" in oncalls.message
    # Edges into the policies that could not be read are not dangling: the stored policies are kept.
    assert not [f for f in report.findings if f.kind == "unknown-reference"]
    live = await store.read(
        "MATCH (p:Person)-[o:ON_CALL]->(s:OnCallShift) WHERE o.active = true AND s.retired_at IS NULL RETURN s.id AS id"
    )
    assert len(live) == 9
    assert await on_call_at(store, PAY, "2026-11-20T12:00:00Z") == [(1, ALICE, EMEA), (2, ERIN, None)]
    policies = await store.read("MATCH (p:EscalationPolicy) WHERE p.retired_at IS NULL RETURN p.id AS id")
    assert len(policies) == 2


async def test_offline_export_gives_the_same_graph_as_the_live_api(store: GraphStore, api: FakeApi) -> None:
    await live_sync(store, api)
    report = await offline_sync(store)
    assert report.complete
    changed = {label: c for label, c in {**report.nodes, **report.rels}.items() if c.changed and label != "Finding"}
    assert changed == {}
    assert report.nodes["OnCallShift"].unchanged == 9 and report.rels["ESCALATES_VIA"].unchanged == 5

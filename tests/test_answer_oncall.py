"""onCall: the escalation chain level by level at an instant, on graphs the real importers built.

The world (``tests/fixtures/answers/oncall``): Backstage descriptors and a PagerDuty export read
at 2026-11-20 12:00 UTC, on-call window 2026-11-13 12:00 to 2026-12-04 12:00:

- checkout → policy Payments: level 1 follows the sun over two schedules (EMEA 06-18 UTC, APAC
  18-06 UTC; on the 20th APAC starts at 17:00, an hour of overlap), level 2 Erin directly and
  permanently;
- search → policy SRE: level 1 has a gap from 08:00 to 16:00 UTC, level 2 Erin;
- billing → policy Billing: level 1 targets Frank directly with no on-call entry, level 2 Erin;
- ledger: no PagerDuty service, its team Payments' policy is the fallback;
- reports: no PagerDuty service and team Data has no policy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.types import ExecutionResult

from catalog.answers.oncall import BEFORE, BEYOND, COVERED, BadInstant, OnCallAnswer, on_call, parse_instant
from catalog.api.context import build_context
from catalog.api.node import NodeQuery
from catalog.api.oncall.queries import HistoryQuery, OnCallQuery
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from catalog.commands import oncall as command
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests.fixtures.answers.oncall.support import ALICE, BILL, CAROL, DAVE, ERIN, FRANK, PAY, SRE, at, world


def on_call_at(answer: OnCallAnswer, level: int) -> list[tuple[str, str | None]]:
    """(person, schedule name) on call at ``level`` of the first chain."""
    assert answer.primary is not None, answer.message
    [found] = [lv for lv in answer.primary.levels if lv.level == level]
    return [(p.key, p.schedule_name) for p in found.on_call]


async def test_an_empty_first_level_falls_through_to_the_next(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)

    noon = await on_call(CatalogReader(store), "search", "2026-11-20T12:00:00Z")
    chain = noon.primary
    assert chain is not None and chain.policy.key == SRE and not noon.used_team_policy
    assert [(lv.level, lv.empty, lv.delay_minutes) for lv in chain.levels] == [(1, True, 15), (2, False, 15)]
    assert [(t.type, t.name) for t in chain.levels[0].targets] == [("schedule", "SRE Primary")]
    assert on_call_at(noon, 2) == [(ERIN, None)]
    assert chain.first_paged_level == 2
    assert "level 1 is empty at 2026-11-20T12:00:00.000000Z; level 2 is paged first: Erin Lead" in noon.message

    evening = await on_call(CatalogReader(store), "component:default/search", "2026-11-20T17:00:00+00:00")
    assert evening.primary is not None and evening.primary.first_paged_level == 1
    assert on_call_at(evening, 1) == [(DAVE, "SRE Primary")]
    assert evening.primary.levels[0].on_call[0].ends_at == at("2026-11-21T00:00:00Z")


async def test_follow_the_sun_pages_the_schedule_whose_hours_it_is(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    night = await on_call(CatalogReader(store), "checkout", "2026-11-20T03:00:00Z")
    day = await on_call(CatalogReader(store), "checkout", "2026-11-20T15:00:00Z")
    assert on_call_at(night, 1) == [(DAVE, "Payments APAC")]
    assert on_call_at(day, 1) == [(ALICE, "Payments EMEA")]
    assert [t.name for t in day.primary.levels[0].targets] == ["Payments EMEA", "Payments APAC"]  # type: ignore[union-attr]

    # In the hour both schedules cover, both people are on call at level 1.
    overlap = await on_call(CatalogReader(store), "checkout", "2026-11-20T17:30:00Z")
    assert on_call_at(overlap, 1) == [(ALICE, "Payments EMEA"), (CAROL, "Payments APAC")]
    assert "Alice Example (Payments EMEA" in overlap.message and "Carol Night (Payments APAC" in overlap.message


async def test_users_targeted_directly_and_permanent_on_calls_are_paged_at_any_time(store: GraphStore, tmp_path: Path) -> None:
    w = await world(store, tmp_path)
    answer = await on_call(CatalogReader(store), "billing", "2026-11-25T04:00:00Z")
    chain = answer.primary
    assert chain is not None and chain.policy.key == BILL and chain.policy.num_loops == 2
    # Level 1: Frank, targeted directly; PagerDuty listed no on-call entry for him, the policy still pages him.
    [frank] = chain.levels[0].on_call
    assert (frank.key, frank.direct, frank.starts_at, frank.ends_at, frank.shift_key) == (FRANK, True, None, None, None)
    assert frank.email == "frank@acme.example"
    # Level 2: Erin's permanent on-call entry (no start, no end).
    [erin] = chain.levels[1].on_call
    assert (erin.key, erin.permanent, erin.direct, erin.starts_at, erin.ends_at) == (ERIN, True, True, None, None)
    assert erin.shift_key is not None
    assert chain.first_paged_level == 1 and "Frank Relief (directly)" in answer.message

    # Every answer says when its data was refreshed and what it covers.
    assert w.pagerduty is not None
    assert chain.data.refreshed_at == w.pagerduty.finished_at and chain.data.complete is True
    assert (chain.data.window_from, chain.data.window_until, chain.data.coverage) == (
        at("2026-11-13T12:00:00.000001Z"),
        at("2026-12-04T12:00:00Z"),
        COVERED,
    )
    assert f"last refreshed {w.pagerduty.finished_at}" in answer.message


async def test_a_service_without_a_policy_uses_its_teams_and_one_without_either_names_its_owners(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    ledger = await on_call(CatalogReader(store), "ledger", "2026-11-20T15:00:00Z")
    assert ledger.used_team_policy
    chain = ledger.primary
    assert chain is not None and chain.policy.key == PAY
    assert chain.team is not None and chain.team.key == "group:default/payments"
    assert on_call_at(ledger, 1) == [(ALICE, "Payments EMEA")]
    assert ledger.message.startswith("ledger has no escalation policy of its own; using team Payments's policy Payments.")

    reports = await on_call(CatalogReader(store), "reports", "2026-11-20T15:00:00Z")
    assert reports.found and reports.chains == [] and not reports.used_team_policy
    assert [(o.key, o.email, o.chat_channel) for o in reports.owners] == [("group:default/data", "data@acme.example", "#data-help")]
    assert "no on-call routing" in reports.message and "data@acme.example" in reports.message and "#data-help" in reports.message
    # Even without routing, the answer says how fresh the on-call data it searched is.
    assert [(d.source_instance, d.coverage) for d in reports.sources] == [("pagerduty:acme", COVERED)]
    assert f"pagerduty:acme last refreshed {reports.sources[0].refreshed_at}" in reports.message


async def test_times_outside_the_data_say_so_instead_of_showing_an_empty_chain(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    future = await on_call(CatalogReader(store), "checkout", "2026-12-10T09:00:00Z")
    chain = future.primary
    assert chain is not None and chain.data.coverage == BEYOND and chain.first_paged_level is None
    assert [(lv.level, lv.empty, lv.on_call) for lv in chain.levels] == [(1, None, []), (2, None, [])]
    assert [t.name for t in chain.levels[1].targets] == ["Erin Lead"]  # the chain's shape is still shown
    assert "reaches only until 2026-12-04T12:00:00.000000Z" in future.message and "not known yet" in future.message

    past = await on_call(CatalogReader(store), "checkout", "2026-11-01T09:00:00Z")
    assert past.primary is not None and past.primary.data.coverage == BEFORE
    assert all(lv.on_call == [] and lv.empty is None for lv in past.primary.levels)
    assert "starts at 2026-11-13T12:00:00.000001Z" in past.message


async def test_an_unknown_service_gets_candidates_and_bad_times_are_refused(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    unknown = await on_call(CatalogReader(store), "checkuot", "now")
    assert not unknown.found and unknown.chains == []
    assert "component:default/checkout" in [c.key for c in unknown.identification.nearest]
    with pytest.raises(BadInstant, match="no timezone"):
        parse_instant("2026-11-20T03:12:00")
    with pytest.raises(BadInstant, match="not an ISO-8601 time"):
        parse_instant("yesterday")
    assert parse_instant("2026-11-20T04:12:00+01:00") == at("2026-11-20T03:12:00Z")


@strawberry.type
class _Query(OnCallQuery, HistoryQuery, NodeQuery):
    pass


_SCHEMA = strawberry.Schema(query=_Query)

ON_CALL = """query($service: String!, $at: DateTime) {
  onCall(service: $service, at: $at) {
    identification { status service { ref } nearest { service { ref } } }
    policy { id externalId name } isTeamPolicy note firstPagedLevel coverage dataRefreshedAt windowStartsAt windowEndsAt message
    levels {
      level delayMinutes isEmpty targets { type name target { ... on Schedule { name } ... on Person { ref } } }
      onCall { name startsAt endsAt schedule { name } isDirect isPermanent person { ref email } }
    }
    chains { policy { name } linkStrength pagerdutyServices }
    ownerContacts { owner { ... on Team { ref } } name email chatChannel }
  }
}"""


async def _gql(store: GraphStore, variables: dict[str, Any]) -> ExecutionResult:
    settings = api_settings()
    result = await _SCHEMA.execute(ON_CALL, variable_values=variables, context_value=build_context(store, settings))
    assert isinstance(result, ExecutionResult)
    return result


async def test_graphql_on_call(store: GraphStore, tmp_path: Path) -> None:
    await world(store, tmp_path)
    result = await _gql(store, {"service": "search", "at": "2026-11-20T12:00:00Z"})
    assert result.errors is None, result.errors
    data = result.data["onCall"]  # type: ignore[index]
    policy_id = data["policy"].pop("id")
    assert data["identification"]["service"] == {"ref": "component:default/search"}
    assert data["policy"] == {"externalId": "PSRE001", "name": "SRE"}
    again = await _SCHEMA.execute(
        "query($id: ID!) { node(id: $id) { __typename ... on EscalationPolicy { name isRetired } } }",
        variable_values={"id": policy_id},
        context_value=build_context(store, api_settings()),
    )
    assert again.data == {"node": {"__typename": "EscalationPolicy", "name": "SRE", "isRetired": False}}
    assert (data["firstPagedLevel"], data["coverage"], data["isTeamPolicy"], data["note"]) == (2, "COVERED", False, None)
    assert data["windowEndsAt"] == "2026-12-04T12:00:00+00:00" and data["dataRefreshedAt"] is not None
    assert data["levels"] == [
        {
            "level": 1,
            "delayMinutes": 15,
            "isEmpty": True,
            "targets": [{"type": "SCHEDULE", "name": "SRE Primary", "target": {"name": "SRE Primary"}}],
            "onCall": [],
        },
        {
            "level": 2,
            "delayMinutes": 15,
            "isEmpty": False,
            "targets": [{"type": "USER", "name": "Erin Lead", "target": {"ref": ERIN}}],
            "onCall": [
                {
                    "name": "Erin Lead",
                    "startsAt": None,
                    "endsAt": None,
                    "schedule": None,
                    "isDirect": True,
                    "isPermanent": True,
                    "person": {"ref": ERIN, "email": "erin@acme.example"},
                }
            ],
        },
    ]
    assert data["chains"] == [{"policy": {"name": "SRE"}, "linkStrength": "DECLARED", "pagerdutyServices": ["PSEARCH"]}]

    ledger = (await _gql(store, {"service": "ledger", "at": "2026-11-20T15:00:00Z"})).data["onCall"]  # type: ignore[index]
    assert ledger["isTeamPolicy"] and ledger["note"] == "service has no escalation policy; using team Payments's policy Payments"
    reports = (await _gql(store, {"service": "reports"})).data["onCall"]  # type: ignore[index]
    assert reports["policy"] is None and reports["levels"] == [] and reports["coverage"] is None
    assert reports["dataRefreshedAt"] is not None
    assert reports["ownerContacts"] == [
        {"owner": {"ref": "group:default/data"}, "name": "Data", "email": "data@acme.example", "chatChannel": "#data-help"}
    ]

    naive = await _gql(store, {"service": "search", "at": "2026-11-20T12:00:00"})
    assert naive.errors and "at: 2026-11-20T12:00:00 has no timezone" in naive.errors[0].message
    long = await _gql(store, {"service": "x" * 2000})
    assert long.errors and "over the limit" in long.errors[0].message


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="catalog")
    command.register(parser.add_subparsers())
    return parser.parse_args(["oncall", *argv])


async def test_cli_prints_the_chain_and_exits_by_outcome(store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await world(store, tmp_path)
    assert await command.run(_args("search", "--at", "2026-11-20T12:00:00Z"), store) == EXIT_OK
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "search (component:default/search) at 2026-11-20T12:00:00.000000Z"
    assert any(line.split() == ["1", "15m", "(nobody:", "empty,", "falls", "through)"] for line in lines)
    assert any(line.startswith("2 *") and "Erin Lead" in line and "(permanent)" in line and "(directly)" in line for line in lines)
    assert "level 2 is paged first" in out and "data: pagerduty:acme, last refreshed" in out

    assert await command.run(_args("checkout", "--at", "2026-11-20T15:00:00Z", "--json"), store) == EXIT_OK
    parsed = json.loads(capsys.readouterr().out)
    assert [p["key"] for p in parsed["chains"][0]["levels"][0]["on_call"]] == [ALICE]

    assert await command.run(_args("nothing-like-it"), store) == EXIT_NOT_FOUND
    assert "no service matches" in capsys.readouterr().out
    assert await command.run(_args("search", "--at", "tomorrow"), store) == EXIT_USAGE
    assert "--at" in capsys.readouterr().err

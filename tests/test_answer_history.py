"""History: who owned a service and who was on call at a past instant, and what changed over a window.

Two syncs of the world in ``tests/fixtures/answers/oncall`` (see its ``support`` module): at T1
(2026-11-20 12:00 UTC) and a day later at T2, with PagerDuty's shifts changed in between and,
in some tests, owners changed in the Backstage descriptors.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.types import ExecutionResult

from catalog.answers.history import CLAIM_ADDED, CLAIM_REMOVED, HANDOVER, OWNER_ADDED, OWNER_REMOVED, BadWindow, changes, owner_at
from catalog.answers.oncall import COVERED, GAP, PARTIAL, OnCallAnswer, on_call
from catalog.api.context import build_context
from catalog.api.oncall.queries import HistoryQuery, OnCallQuery
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from catalog.commands import history as command
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests.fixtures.answers.oncall.support import CAROL, DAVE, FRANK, PAY, SRE, T1, T2, World, at, world

PAYMENTS, SRE_TEAM = "group:default/payments", "group:default/sre"


def level_one(answer: OnCallAnswer) -> list[str]:
    assert answer.primary is not None, answer.message
    return [p.key for p in answer.primary.levels[0].on_call]


async def test_on_call_at_a_past_instant_after_a_second_sync_changed_the_shifts(store: GraphStore, tmp_path: Path) -> None:
    w = await world(store, tmp_path)
    w.later_shifts()
    await w.sync(T2)
    retired = await store.read("MATCH (s:OnCallShift) WHERE s.retired_at IS NOT NULL RETURN s.person AS person, s.starts_at AS starts_at")
    assert sorted((r["person"], r["starts_at"]) for r in retired) == [
        ("user:default/bob", at("2026-11-21T06:00:00Z")),
        (DAVE, at("2026-11-14T06:00:00Z")),
        (DAVE, at("2026-11-20T16:00:00Z")),
    ]

    # The later read covered these instants and says someone else held them: it wins over the shift it replaced.
    assert level_one(await on_call(CatalogReader(store), "checkout", "2026-11-21T09:00:00Z")) == [FRANK]
    assert level_one(await on_call(CatalogReader(store), "search", "2026-11-20T20:00:00Z")) == [CAROL]
    assert level_one(await on_call(CatalogReader(store), "search", "2026-11-14T14:00:00Z")) == [FRANK]
    # The later read starts at 2026-11-14 12:00: at 08:00 the replaced shift is still the truth.
    assert level_one(await on_call(CatalogReader(store), "search", "2026-11-14T08:00:00Z")) == [DAVE]
    # Only the first read knew this one; it is history, not forgotten.
    early = await on_call(CatalogReader(store), "search", "2026-11-13T18:00:00Z")
    assert level_one(early) == [CAROL] and early.primary is not None and early.primary.data.coverage == COVERED

    data = early.primary.data
    assert w.pagerduty is not None and data.refreshed_at == w.pagerduty.finished_at
    assert (data.window_from, data.window_until) == (at("2026-11-13T12:00:00.000001Z"), at("2026-12-05T12:00:00Z"))


async def test_instants_between_two_reads_windows_or_reached_only_by_older_shifts(store: GraphStore, tmp_path: Path) -> None:
    w = await world(store, tmp_path)
    await w.sync(T1 + timedelta(days=60))  # syncs stopped for two months: the windows leave a gap

    gap = await on_call(CatalogReader(store), "checkout", "2026-12-20T12:00:00Z")
    assert gap.primary is not None and gap.primary.data.coverage == GAP
    assert all(lv.on_call == [] and lv.empty is None for lv in gap.primary.levels)
    assert "between the on-call windows of two reads" in gap.message
    assert gap.primary.data.window_until == at("2027-02-02T12:00:00Z")

    # Before the oldest window (2026-11-13 12:00), but a shift read then started earlier and covers it.
    early = await on_call(CatalogReader(store), "search", "2026-11-13T06:00:00Z")
    assert early.primary is not None and early.primary.data.coverage == PARTIAL
    assert level_one(early) == [CAROL] and early.primary.first_paged_level == 1
    assert "outside the on-call windows" in early.message


async def test_owner_at_both_sides_of_an_owner_change_and_the_changes_between(store: GraphStore, tmp_path: Path) -> None:
    w = await world(store, tmp_path)
    w.set_owner("checkout", "sre")
    w.set_owner("ledger", "sre")
    await w.sync(T2)

    before = await owner_at(CatalogReader(store), "checkout", "2026-11-20T18:00:00Z")
    assert [e.owner.key for e in before.owners] == [PAYMENTS]
    assert sorted((e.source, e.owner.key, e.strength) for e in before.claims) == [
        ("backstage", PAYMENTS, "declared"),
        ("pagerduty", PAYMENTS, "inferred"),
    ]
    assert before.owners[0].interval.first_seen == at("2026-11-20T12:00:00Z") and before.owners[0].interval.retired_at == at(
        "2026-11-21T12:00:00Z"
    )
    assert "owned by Payments" in before.message

    after = await owner_at(CatalogReader(store), "checkout", "2026-11-21T18:00:00Z")
    assert [e.owner.key for e in after.owners] == [SRE_TEAM] and after.owners[0].interval.retired_at is None
    assert sorted((e.source, e.owner.key) for e in after.claims) == [("backstage", SRE_TEAM), ("pagerduty", PAYMENTS)]

    earlier = await owner_at(CatalogReader(store), "checkout", "2026-11-19T00:00:00Z")
    assert earlier.owners == [] and earlier.claims == [] and earlier.record_starts == at("2026-11-20T12:00:00Z")
    assert "starts at 2026-11-20T12:00:00.000000Z" in earlier.message

    # Ledger has no policy of its own: on call follows whichever team owned it at the instant.
    then = await on_call(CatalogReader(store), "ledger", "2026-11-20T15:00:00Z")
    now = await on_call(CatalogReader(store), "ledger", "2026-11-21T17:00:00Z")
    assert then.primary is not None and then.primary.policy.key == PAY and then.primary.team is not None
    assert then.primary.team.key == PAYMENTS
    assert now.primary is not None and now.primary.policy.key == SRE and now.used_team_policy

    window = await changes(CatalogReader(store), "checkout", "2026-11-20T11:00:00Z", "2026-11-22T00:00:00Z", first=100)
    ownership = [(e.at, e.kind, e.who.key, e.source_instance) for e in window.events if e.kind != HANDOVER]
    t1, t2 = at("2026-11-20T12:00:00Z"), at("2026-11-21T12:00:00Z")
    assert ownership == [
        (t1, OWNER_ADDED, PAYMENTS, "catalog:reconcile"),
        (t1, CLAIM_ADDED, PAYMENTS, "backstage"),
        (t1, CLAIM_ADDED, PAYMENTS, "pagerduty:acme"),
        (t2, OWNER_REMOVED, PAYMENTS, "catalog:reconcile"),
        (t2, CLAIM_REMOVED, PAYMENTS, "backstage"),
        (t2, OWNER_ADDED, SRE_TEAM, "catalog:reconcile"),
        (t2, CLAIM_ADDED, SRE_TEAM, "backstage"),
    ]
    handovers = [(e.at, e.who.key, e.level, e.schedule_name) for e in window.events if e.kind == HANDOVER]
    assert handovers == [
        (at("2026-11-20T17:00:00Z"), CAROL, 1, "Payments APAC"),
        (at("2026-11-21T06:00:00Z"), "user:default/bob", 1, "Payments EMEA"),
    ]
    assert [e.at for e in window.events] == sorted(e.at for e in window.events)
    assert window.total == 9 and not window.has_next

    # One page at a time: no overlap, nothing skipped.
    pages: list[list[str]] = []
    after_key = None
    while True:
        page = await changes(CatalogReader(store), "checkout", "2026-11-20T11:00:00Z", "2026-11-22T00:00:00Z", first=4, after=after_key)
        pages.append([e.key for e in page.events])
        assert page.total == 9
        if not page.has_next:
            break
        after_key = page.events[-1].key
    assert [len(p) for p in pages] == [4, 4, 1] and [k for p in pages for k in p] == [e.key for e in window.events]

    with pytest.raises(BadWindow):
        await changes(CatalogReader(store), "checkout", "2026-11-22T00:00:00Z", "2026-11-20T00:00:00Z")


async def test_a_service_gone_from_the_catalog_keeps_its_history(store: GraphStore, tmp_path: Path) -> None:
    w = World(store, tmp_path)
    await w.sync(T1)
    w.remove("reports")
    await w.sync(T2)
    assert not (await on_call(CatalogReader(store), "reports")).found  # not a current service any more

    past = await owner_at(CatalogReader(store), "reports", "2026-11-20T18:00:00Z")
    assert past.retired_service and [e.owner.key for e in past.owners] == ["group:default/data"]
    gone = await changes(CatalogReader(store), "component:default/reports", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")
    assert [(e.kind, e.who.key) for e in gone.events] == [(OWNER_REMOVED, "group:default/data"), (CLAIM_REMOVED, "group:default/data")]
    assert "it had no on-call routing then" in gone.message


@strawberry.type
class _Query(OnCallQuery, HistoryQuery):
    pass


_SCHEMA = strawberry.Schema(query=_Query)

HISTORY = """query($service: String!, $at: DateTime!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String) {
  ownerAt(service: $service, at: $at) {
    identification { status service { ref isRetired } }
    recordStartsAt message
    owners { owner { ... on Team { ref name email } } rule startedAt endedAt }
    ownershipClaims { owner { ... on Team { ref } ... on Person { ref } } source strength evidence }
  }
  changes(service: $service, from: $from, to: $to) {
    startsAt endsAt message
    events(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          occurredAt kind who { owner { ... on Team { ref } ... on Person { ref } } name }
          source sourceInstance text level schedule { name } policy { name } endsAt
        }
      }
    }
  }
}"""


async def _gql(store: GraphStore, variables: dict[str, Any]) -> ExecutionResult:
    result = await _SCHEMA.execute(HISTORY, variable_values=variables, context_value=build_context(store, api_settings()))
    assert isinstance(result, ExecutionResult)
    return result


async def test_graphql_owner_at_and_changes(store: GraphStore, tmp_path: Path) -> None:
    w = await world(store, tmp_path)
    w.set_owner("checkout", "sre")
    await w.sync(T2)
    window = {"service": "checkout", "at": "2026-11-20T18:00:00Z", "from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z"}
    result = await _gql(store, {**window, "first": 3})
    assert result.errors is None, result.errors
    data: Any = result.data
    owner = data["ownerAt"]
    assert owner["identification"] == {"status": "RESOLVED", "service": {"ref": "component:default/checkout", "isRetired": False}}
    assert owner["owners"] == [
        {
            "owner": {"ref": PAYMENTS, "name": "payments", "email": "payments@acme.example"},
            "rule": "backstage comes first in ownership.precedence",
            "startedAt": "2026-11-20T12:00:00+00:00",
            "endedAt": "2026-11-21T12:00:00+00:00",
        }
    ]
    assert sorted(c["source"] for c in owner["ownershipClaims"]) == ["backstage", "pagerduty"]

    events = data["changes"]["events"]
    assert events["totalCount"] == 5 and events["pageInfo"]["hasNextPage"]
    first = [e["node"] for e in events["edges"]]
    assert [(n["occurredAt"], n["kind"], n["who"]["owner"]["ref"]) for n in first] == [
        ("2026-11-21T06:00:00+00:00", "ON_CALL_HANDOVER", "user:default/bob"),
        ("2026-11-21T12:00:00+00:00", "OWNER_REMOVED", PAYMENTS),
        ("2026-11-21T12:00:00+00:00", "CLAIM_REMOVED", PAYMENTS),
    ]
    assert first[0]["level"] == 1 and first[0]["schedule"] == {"name": "Payments EMEA"} and first[0]["policy"] == {"name": "Payments"}

    rest = await _gql(store, {**window, "first": 3, "after": events["pageInfo"]["endCursor"]})
    assert rest.errors is None
    more: Any = rest.data
    assert [(e["node"]["kind"], e["node"]["who"]["owner"]["ref"]) for e in more["changes"]["events"]["edges"]] == [
        ("OWNER_ADDED", SRE_TEAM),
        ("CLAIM_ADDED", SRE_TEAM),
    ]
    assert not more["changes"]["events"]["pageInfo"]["hasNextPage"]

    backwards = await _gql(store, {**window, "from": "2026-11-22T00:00:00Z", "to": "2026-11-21T00:00:00Z", "first": 3})
    assert backwards.errors and backwards.errors[0].message.startswith("from/to: the window ends")
    too_many = await _gql(store, {**window, "first": 100_000})
    assert too_many.errors and "CATALOG_MAX_PAGE_SIZE" in too_many.errors[0].message
    bad_cursor = await _gql(store, {**window, "first": 3, "after": "nonsense"})
    assert bad_cursor.errors and "not a cursor" in bad_cursor.errors[0].message


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="catalog")
    command.register(parser.add_subparsers())
    return parser.parse_args(["history", *argv])


async def test_cli_history(store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = await world(store, tmp_path)
    w.set_owner("checkout", "sre")
    await w.sync(T2)

    assert await command.run(_args("checkout", "--at", "2026-11-20T18:00:00Z"), store) == EXIT_OK
    out = capsys.readouterr().out
    assert "checkout (component:default/checkout) at 2026-11-20T18:00:00.000000Z" in out
    assert any(line.startswith("resolved") and "Payments" in line for line in out.splitlines())
    assert "level 1 is paged first: Carol Night" in out  # the on-call chain at that instant follows

    assert (
        await command.run(_args("checkout", "--from", "2026-11-21T00:00:00Z", "--to", "2026-11-22T00:00:00Z", "--limit", "2"), store)
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert "Bob Example takes level 1 of Payments (Payments EMEA)" in out and "Payments stopped being the owner" in out
    assert "SRE became the owner" not in out and "(showing the first 2;" in out

    assert await command.run(_args("nothing-like-it", "--at", "now"), store) == EXIT_NOT_FOUND
    capsys.readouterr()
    assert await command.run(_args("checkout"), store) == EXIT_USAGE
    assert "give either --at" in capsys.readouterr().err
    assert await command.run(_args("checkout", "--from", "2026-11-22T00:00:00Z", "--to", "2026-11-21T00:00:00Z"), store) == EXIT_USAGE
    assert "before or when it starts" in capsys.readouterr().err

"""Answers kept per snapshot (``catalog.api.responses``): the same question asked again of the same snapshot.

On both stores, over HTTP through the whole app: a question asked again is answered from the kept
result, byte for byte the same; answers that read the store (history) or the clock in a way
nobody bounds (``onCall`` now, a blast radius that shows its ``at``) are computed every time; a
blast radius page with its on-call is kept only until the next shift change of its policies; a
principal with other scopes never gets another's kept answer; a new snapshot drops every kept
answer. The cache's own bound (bytes, least recently used first out) is checked without a store.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from strawberry.http.async_base_view import AsyncBaseHTTPView

from catalog.api.app import create_app
from catalog.api.responses import ResponseCache
from catalog.core import clock
from catalog.read.snapshot import Snapshot
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.store.generation import advance_generation
from tests._api_fixtures import api_settings
from tests.fixtures.answers.impact.support import sync_all
from tests.test_auth_fields import CONTACTS_QUERY, PROXY
from tests.test_auth_tokens import client, staffed
from tests.test_snapshot_holder import until

KEPT = "x-catalog-answer"

TEAM_SERVICES = """query TeamServices($t: String!) {
  team(name: $t) { services(first: 10) { totalCount edges { node { ref ownershipClaims { owner { ... on Team { name } } source } } } } }
}"""

HUB_PAGE = """query Hub($s: String!) {
  blastRadius(service: $s, depth: 3) {
    totalServices
    teams(first: 10) { nodes { owner { ... on Team { name } ... on Person { name } } count onCall { name policies { level } } } }
  }
}"""


class _Clock:
    """The wall clock the catalog reads (``catalog.core.clock``), set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
        self.at = at
        pinned = self

        class Pinned(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Pinned:  # type: ignore[override]
                return cls.fromtimestamp(pinned.at.timestamp(), tz)

        monkeypatch.setattr(clock, "datetime", Pinned)


@asynccontextmanager
async def serving(
    store: GraphStore, settings: Settings | None = None, peer: str = "127.0.0.1"
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """The app over ``store`` with its snapshot built, and a client for it."""
    app = create_app(settings or api_settings(), store=store)
    async with client(app, peer=peer) as http, app.router.lifespan_context(app):
        holder = app.state.store_slot.snapshots
        await until(lambda: holder.current is not None and holder.current.complete)
        yield http, app


async def ask(http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any) -> httpx.Response:
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


async def test_the_same_question_is_answered_again_from_the_kept_result_until_a_new_snapshot(
    store: GraphStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await sync_all(store, tmp_path)
    caplog.set_level(logging.INFO, logger="catalog.access")
    async with serving(store, api_settings(snapshot_poll_seconds=0.01)) as (http, app):
        first = await ask(http, TEAM_SERVICES, t="payments-team")
        assert KEPT not in first.headers and "errors" not in first.json()
        assert first.json()["data"]["team"]["services"]["totalCount"] > 0
        again = await ask(http, TEAM_SERVICES, t="payments-team")
        assert again.headers[KEPT] == "kept"
        assert again.content == first.content
        logged = [r.__dict__ for r in caplog.records if r.name == "catalog.access" and r.__dict__.get("path") == "/graphql"]
        assert [line.get("answer") for line in logged] == [None, "kept"] and logged[0]["cost"] is not None
        # Asked to compute it again: computed, the same.
        fresh = await ask(http, TEAM_SERVICES, {"Cache-Control": "no-cache"}, t="payments-team")
        assert KEPT not in fresh.headers and fresh.content == first.content
        # Other variables are another question.
        other = await ask(http, TEAM_SERVICES, t="checkout-team")
        assert KEPT not in other.headers and other.json() != first.json()
        metrics = (await http.get("/metrics")).text
        assert 'catalog_kept_answers_total{outcome="hit"} 1.0' in metrics and 'outcome="miss"} 2.0' in metrics
        assert "catalog_kept_answers_count 2.0" in metrics

        # A finished sync: the new snapshot answers, and nothing kept for the old one is given.
        holder = app.state.store_slot.snapshots
        old = holder.current
        await advance_generation(store, "2026-11-21T00:00:00Z")
        await until(lambda: holder.current is not None and holder.current.generation != old.generation and holder.current.complete)
        fresh = await ask(http, TEAM_SERVICES, t="payments-team")
        assert KEPT not in fresh.headers
        generations = [r.json()["extensions"]["catalog"]["generation"] for r in (first, fresh)]
        assert generations == [old.generation, holder.current.generation] and generations[0] != generations[1]

    async with serving(store, api_settings(response_cache_mb=0)) as (http, _):
        answers = [await ask(http, TEAM_SERVICES, t="payments-team") for _ in range(2)]
    assert all(KEPT not in a.headers for a in answers) and answers[0].json()["data"] == answers[1].json()["data"] == first.json()["data"]


async def test_answers_that_read_the_store_or_an_unbounded_clock_are_computed_every_time(store: GraphStore, tmp_path: Path) -> None:
    await sync_all(store, tmp_path)
    questions = [
        # History: read from the store.
        ('{ changes(service: "ledger", from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { message } }', {}),
        # On call now: the answer's own use of the clock is not bounded.
        ('{ onCall(service: "checkout") { __typename } }', {}),
        # A blast radius that shows the instant it is for.
        ("query Hub($s: String!) { blastRadius(service: $s) { at totalServices } }", {"s": "ledger"}),
    ]
    async with serving(store) as (http, _):
        for query, variables in questions:
            answers = [await ask(http, query, **variables) for _ in range(2)]
            assert all(KEPT not in a.headers for a in answers), query
            assert "errors" not in answers[1].json(), answers[1].json()


async def test_a_blast_radius_page_is_kept_until_the_next_shift_change_of_its_policies(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sync_all(store, tmp_path)
    # Noon: level 1 of Checkout is empty until Bob's shift at 16:00 (Erin, level 2, is first on call).
    now = _Clock(monkeypatch, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))

    def checkout_on_call(response: httpx.Response) -> list[tuple[str, list[int]]]:
        teams = response.json()["data"]["blastRadius"]["teams"]["nodes"]
        found = next(t for t in teams if t["owner"]["name"] == "checkout-team")
        return [(p["name"].split()[0], [x["level"] for x in p["policies"]]) for p in found["onCall"]]

    async with serving(store) as (http, _):
        noon = await ask(http, HUB_PAGE, s="ledger")
        assert KEPT not in noon.headers and checkout_on_call(noon) == [("Erin", [2])]
        now.at = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)
        later = await ask(http, HUB_PAGE, s="ledger")
        assert later.headers.get(KEPT) == "kept" and later.content == noon.content
        # From 16:00 Bob holds level 1: the kept page is not given any more.
        now.at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
        changed = await ask(http, HUB_PAGE, s="ledger")
        assert KEPT not in changed.headers and checkout_on_call(changed) == [("Bob", [1])]
        assert (await ask(http, HUB_PAGE, s="ledger")).headers.get(KEPT) == "kept"


async def test_a_principal_with_other_scopes_never_gets_anothers_kept_answer(store: GraphStore) -> None:
    await staffed().sync(store)
    groups = json.dumps({"sre": ["read", "contacts"]})
    settings = api_settings(auth="proxy", trusted_proxies=PROXY, auth_group_scopes=groups)

    def emails(response: httpx.Response) -> set[str | None]:
        return {m["email"] for m in response.json()["data"]["team"]["members"]["nodes"]}

    async with serving(store, settings, peer=PROXY) as (http, _):
        sre = {"X-Forwarded-User": "sam", "X-Forwarded-Groups": "sre"}
        first = await ask(http, CONTACTS_QUERY, sre)
        again = await ask(http, CONTACTS_QUERY, {**sre, "X-Forwarded-User": "kim"})  # someone else with the same scopes
        assert again.headers.get(KEPT) == "kept" and emails(again) == {"jane@acme.test", "omar@acme.test"} == emails(first)
        reader = await ask(http, CONTACTS_QUERY, {"X-Forwarded-User": "kim", "X-Forwarded-Groups": ""})
        assert KEPT not in reader.headers and emails(reader) == {None}
        assert {e["extensions"]["code"] for e in reader.json()["errors"]} == {"FORBIDDEN"}


async def test_malformed_requests_are_still_refused_with_400_however_often_they_come(store: GraphStore) -> None:
    await staffed().sync(store)
    accept = {"Accept": "application/graphql-response+json"}
    async with serving(store) as (http, _):
        for body in (
            {"query": "{ __typename }", "operationName": {"name": "A"}},
            {"query": "{ __typename }", "operationName": ["A"]},
            {"query": "{ __typename }", "variables": ["v"]},
        ):
            for _ in range(2):
                response = await http.post("/graphql", json=body, headers=accept)
                assert response.status_code == 400 and KEPT not in response.headers, (body, response.text)


class _Gate:
    """Holds every GraphQL execution of the app (``AsyncBaseHTTPView.execute_single``) until opened, counting them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened = asyncio.Event()
        self.executions = 0
        original = AsyncBaseHTTPView.execute_single
        gate = self

        async def held(view: Any, *args: Any, **kwargs: Any) -> Any:
            gate.executions += 1
            await gate.opened.wait()
            return await original(view, *args, **kwargs)

        monkeypatch.setattr(AsyncBaseHTTPView, "execute_single", held)

    async def __aenter__(self) -> _Gate:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.opened.set()  # (a failed check leaves no request held)


async def test_the_same_question_asked_at_the_same_time_is_computed_once(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sync_all(store, tmp_path)
    async with serving(store) as (http, _), _Gate(monkeypatch) as gate:
        together = [asyncio.ensure_future(ask(http, HUB_PAGE, s="ledger")) for _ in range(5)]
        await until(lambda: gate.executions == 1)
        await asyncio.sleep(0.05)  # (the other four have come in, and wait for the first)
        assert gate.executions == 1 and not any(t.done() for t in together)
        gate.opened.set()
        answers = await asyncio.gather(*together)
        assert gate.executions == 1
        assert sorted(a.headers.get(KEPT, "computed") for a in answers) == ["computed"] + ["joined"] * 4
        assert len({a.content for a in answers}) == 1 and "errors" not in answers[0].json()
        metrics = (await http.get("/metrics")).text
        assert 'outcome="joined"} 4.0' in metrics and 'outcome="miss"} 1.0' in metrics

        # A question whose answer cannot be kept (on call now reads the clock): those waiting compute it themselves...
        on_call = '{ onCall(service: "checkout") { __typename } }'
        gate.opened.clear()
        gate.executions = 0
        together = [asyncio.ensure_future(ask(http, on_call)) for _ in range(3)]
        await until(lambda: gate.executions == 1)
        await asyncio.sleep(0.05)
        assert gate.executions == 1
        gate.opened.set()
        answers = await asyncio.gather(*together)
        assert gate.executions == 3 and all(KEPT not in a.headers and "errors" not in a.json() for a in answers)
        # ... and, known now as one that cannot be kept, it is not waited for again.
        gate.opened.clear()
        gate.executions = 0
        together = [asyncio.ensure_future(ask(http, on_call)) for _ in range(3)]
        await until(lambda: gate.executions == 3)
        gate.opened.set()
        await asyncio.gather(*together)


async def test_a_request_waiting_for_the_same_question_computes_it_when_the_first_keeps_nothing() -> None:
    cache = ResponseCache(1024 * 1024)
    snapshot, newer = _snapshot(1), _snapshot(2)
    key, other = _keys(2)
    assert cache.computing(snapshot, key) is None  # the first computes
    waiting = cache.computing(snapshot, key)
    assert waiting is not None and cache.computing(snapshot, other) is None  # another question: computed
    cache.computed(snapshot, key, None)  # failed, or its answer could not be kept
    assert waiting.done() and waiting.result() is None
    assert cache.computing(snapshot, key) is None and cache.computing(snapshot, key) is None  # not waited for again
    cache.computed(snapshot, key, cache.put(snapshot, key, {"a": 0}, None))  # until an answer to it is kept
    assert cache.computing(snapshot, key) is None and cache.computing(snapshot, key) is not None
    cache.computed(snapshot, key, None)
    # What the first keeps is given to those waiting.
    kept = cache.put(snapshot, other, {"a": 1}, None)
    waiting = cache.computing(snapshot, other)
    assert waiting is not None and kept is not None
    cache.computed(snapshot, other, kept)
    assert waiting.result() is kept
    # A newer snapshot: those waiting on a question of the older one compute it themselves.
    assert cache.computing(snapshot, other) is None
    waiting = cache.computing(snapshot, other)
    assert waiting is not None and cache.computing(newer, other) is None
    assert waiting.result() is None
    cache.computed(snapshot, other, None)  # (the older snapshot's request finishing changes nothing of the newer's)
    assert cache.computing(newer, other) is not None and cache.computing(newer, key) is None


def _snapshot(generation: int) -> Snapshot:
    return Snapshot(generation, None, "2026-11-20T12:00:00.000000Z", {})


def _keys(count: int) -> Iterator[Any]:
    for n in range(count):
        key = ResponseCache.key("query Q($n: Int) { a }", "Q", {"n": n}, frozenset({"read"}))
        assert key is not None
        yield key


def test_the_kept_answers_stay_within_their_bytes_least_recently_used_out_first() -> None:
    cache = ResponseCache(4_000)
    snapshot = _snapshot(1)
    keys = list(_keys(6))
    for key in keys[:3]:
        assert cache.put(snapshot, key, {"a": "x" * 500}, None)
    assert cache.get(snapshot, keys[0]) is not None  # the first is now the most recently used
    for key in keys[3:]:
        cache.put(snapshot, key, {"a": "x" * 500}, None)
    assert cache.bytes <= 4_000
    assert cache.get(snapshot, keys[1]) is None and cache.get(snapshot, keys[0]) is not None
    # Larger than the whole budget: not kept, nothing else dropped.
    held = len(cache)
    assert not cache.put(snapshot, keys[2], {"a": "x" * 10_000}, None) and len(cache) == held
    # A newer snapshot: nothing kept for the old one is given.
    newer = _snapshot(2)
    assert cache.get(newer, keys[0]) is None and len(cache) == 0 and cache.bytes == 0
    assert cache.put(newer, keys[0], {"a": 1}, None)
    # A request that still reads the older one (it began before the swap) neither keeps nor drops anything.
    assert not cache.put(snapshot, keys[1], {"a": 2}, None) and cache.get(snapshot, keys[0]) is None
    kept = cache.get(newer, keys[0])
    assert kept is not None and len(cache) == 1 and orjson.dumps(kept.data) == b'{"a":1}'


def test_an_answer_kept_from_a_builds_first_stage_is_given_from_the_whole_build() -> None:
    cache = ResponseCache(10_000)
    first = Snapshot(1, None, "2026-11-20T12:00:00.000000Z", {}, complete=False)
    whole = Snapshot(1, None, "2026-11-20T12:00:00.000000Z", {})
    key, other = _keys(2)
    assert cache.put(first, key, {"a": 1}, None)
    kept = cache.get(whole, key)
    assert kept is not None and orjson.dumps(kept.data) == b'{"a":1}'
    assert cache.put(whole, other, {"a": 2}, None)
    # A request that began on the first stage, after the whole build was swapped in, drops nothing and is served.
    assert cache.get(first, other) is not None and cache.get(whole, key) is not None and len(cache) == 2
    # The next build (a later start) is newer than both.
    later = Snapshot(1, None, "2026-11-20T12:00:05.000000Z", {}, complete=False)
    assert cache.get(later, key) is None and len(cache) == 0
    assert cache.get(whole, other) is None and not cache.put(whole, other, {"a": 3}, None)


def test_an_answer_kept_until_an_instant_is_not_given_from_that_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    now = _Clock(monkeypatch, datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC))
    cache, snapshot = ResponseCache(10_000), _snapshot(1)
    key = next(_keys(1))
    cache.put(snapshot, key, {"a": 1}, None, until="2026-11-20T16:00:00.000000Z")
    assert cache.get(snapshot, key) is not None
    now.at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert cache.get(snapshot, key) is None and len(cache) == 0 and cache.bytes == 0


def test_a_question_whose_variables_are_not_json_is_not_kept_and_scopes_tell_questions_apart() -> None:
    assert ResponseCache.key("{ a }", None, {"v": object()}, None) is None
    # Malformed requests are left to execution to refuse (400), never looked up.
    assert ResponseCache.key("{ a }", {"name": "A"}, {}, None) is None  # type: ignore[arg-type]
    assert ResponseCache.key("{ a }", None, ["v"], None) is None  # type: ignore[arg-type]
    read = ResponseCache.key("{ a }", None, {}, frozenset({"read"}))
    contacts = ResponseCache.key("{ a }", None, {}, frozenset({"read", "contacts"}))
    assert read is not None and contacts is not None and read != contacts
    # The variables' order does not matter.
    assert ResponseCache.key("{ a }", None, {"x": 1, "y": 2}, None) == ResponseCache.key("{ a }", None, {"y": 2, "x": 1}, None)

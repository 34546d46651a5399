"""The PagerDuty source against a real local HTTP server: pagination, auth, retries, broken responses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.config import load_config
from importers.base import SourceError
from importers.pagerduty import Config, PagerDutySource
from tests.fakes.http_server import FakeApi, Query, Reply
from tests.fixtures.pagerduty.support import TOKEN, Sleeps, catalog_index, live_source, paginated, serve_export


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApi]:
    with FakeApi() as fake:
        yield fake


@pytest.fixture
def api(server: FakeApi) -> FakeApi:
    serve_export(server)
    return server


def finding(batch: Any, kind: str) -> Any:
    [found] = [f for f in batch.findings if f.kind == kind]
    return found


async def test_listings_are_read_page_by_page_with_the_token_over_the_on_call_window(api: FakeApi) -> None:
    batch = await live_source(api, page_size=2).read(catalog_index())
    assert batch.complete and batch.instance == "pagerduty:acme"
    users = api.hits("/users")
    assert [(h.query["limit"], h.query["offset"]) for h in users] == [(["2"], ["0"]), (["2"], ["2"]), (["2"], ["4"])]
    assert len(api.hits("/oncalls")) == 5  # nine entries, two a page
    for hit in api.requests:
        assert hit.headers["authorization"] == f"Token token={TOKEN}"
        assert hit.headers["accept"] == "application/json"
    window = api.hits("/oncalls")[0].query
    assert (window["since"], window["until"], window["time_zone"]) == (["2026-11-13T12:00:00Z"], ["2026-12-04T12:00:00Z"], ["UTC"])
    assert api.hits("/schedules/PSEMEA1")[0].query["time_zone"] == ["UTC"]
    # Dependencies are asked for the linked services only (PINVENT is ambiguous, PLEGACY unmatched).
    asked = sorted(h.path.rsplit("/", 1)[1] for h in api.requests if h.path.startswith("/service_dependencies/"))
    assert asked == ["PCHKOUT", "PPAYAPI", "PSEARCH"]
    assert sum(1 for n in batch.nodes if n.label == "OnCallShift") == 9
    assert {n.id for n in batch.nodes if n.label == "Person"} == {
        "user:pagerduty/pcarol1",
        "user:pagerduty/pdave01",
        "user:pagerduty/perin01",
    }


async def test_a_429_waits_as_long_as_retry_after_says_then_goes_on(api: FakeApi) -> None:
    api.script("/services", Reply(429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, {"Retry-After": "3"}))
    sleeps = Sleeps()
    batch = await live_source(api, sleeps=sleeps).read(catalog_index())
    assert sleeps.waits == [3.0]
    assert batch.complete
    assert any(r.type == "ESCALATES_VIA" and r.src_id == "component:default/checkout" for r in batch.rels)


async def test_a_5xx_is_retried(api: FakeApi) -> None:
    api.script("/escalation_policies", Reply(502, b"<html>Bad Gateway</html>"), Reply(503, {}))
    sleeps = Sleeps()
    batch = await live_source(api, sleeps=sleeps).read(catalog_index())
    assert len(sleeps.waits) == 2 and batch.complete
    assert len(api.hits("/escalation_policies")) == 3
    assert {n.id for n in batch.nodes if n.label == "EscalationPolicy"} == {
        "escalation-policy:pagerduty/acme/ppay001",
        "escalation-policy:pagerduty/acme/psre001",
    }


async def test_a_connection_cut_mid_body_is_retried(api: FakeApi) -> None:
    api.script("/oncalls", Reply(200, {"oncalls": [], "more": False}, cut_after=10))
    batch = await live_source(api).read(catalog_index())
    assert batch.complete and sum(1 for n in batch.nodes if n.label == "OnCallShift") == 9


async def test_a_truncated_schedule_makes_the_read_partial_and_keeps_that_schedule(api: FakeApi) -> None:
    api.route("/schedules/PSEMEA1", lambda q, h: Reply(200, b'{"schedule": {"id": "PSEMEA1", "schedule_la'))
    batch = await live_source(api).read(catalog_index())
    assert not batch.complete
    failed = finding(batch, "endpoint-failed")
    assert "pagerduty:acme" in failed.message and "/schedules/PSEMEA1" in failed.message and "not valid JSON" in failed.message
    assert failed.severity == "error" and failed.file == "GET /schedules/PSEMEA1"
    assert "GET /schedules#PSEMEA1" in batch.failed_origins
    schedules = {n.id for n in batch.nodes if n.label == "Schedule"}
    assert schedules == {"schedule:pagerduty/acme/psapac1", "schedule:pagerduty/acme/pssre01"}


async def test_users_that_cannot_be_listed_make_the_read_partial_and_are_named(api: FakeApi) -> None:
    # A users listing that fails degrades to the people other records name (importers.pagerduty.fetch): the read is
    # partial, so nothing is retired, and one finding names the request and its answer.
    api.route("/users", lambda q, h: Reply(503, {"error": {"message": "Service Unavailable"}}))
    batch = await live_source(api).read(catalog_index())
    assert not batch.complete and "GET /users" in batch.failed_origins
    missing = finding(batch, "users-listing-missing")
    assert missing.severity == "warning"
    assert re.search(r"GET http://127\.0\.0\.1:\d+/users answered HTTP 503", missing.message), missing.message


async def test_a_users_page_that_is_not_a_page_makes_the_read_partial_and_is_named(api: FakeApi) -> None:
    api.route("/users", lambda q, h: Reply(200, {"user": {"id": "PALICE1"}}))
    batch = await live_source(api).read(catalog_index())
    assert not batch.complete and "GET /users" in batch.failed_origins
    assert "GET /users (offset 0) returned no `users`" in finding(batch, "users-listing-missing").message


async def test_a_missing_token_is_a_source_error_that_names_the_variable(api: FakeApi) -> None:
    source = live_source(api)
    source._environ = {}
    with pytest.raises(SourceError, match="PAGERDUTY_TOKEN"):
        await source.read(catalog_index())
    assert api.requests == []


async def test_an_id_repeated_on_a_later_page_is_reported_once_and_kept_once(api: FakeApi) -> None:
    def users(query: Query, headers: dict[str, str]) -> Reply:
        offset = int(query["offset"][0])
        page = [{"id": "PALICE1", "name": "Alice Example", "email": "alice@acme.example"}] if offset == 0 else []
        page += [{"id": "PBOB001", "name": "Bob Example", "email": "bob@acme.example"}]
        return Reply(body={"users": page, "limit": 2, "offset": offset, "more": offset == 0, "total": None})

    api.route("/users", users)
    batch = await live_source(api, page_size=2).read(catalog_index())
    dup = finding(batch, "duplicate-id")
    assert dup.subject == "PBOB001" and "GET /users" in dup.message and "pagerduty:acme" in dup.message
    assert batch.complete


async def test_an_empty_page_that_says_more_is_a_listing_cut_short(api: FakeApi) -> None:
    api.route("/teams", lambda q, h: Reply(body={"teams": [], "limit": 100, "offset": 0, "more": True}))
    batch = await live_source(api).read(catalog_index())
    assert not batch.complete
    failed = finding(batch, "endpoint-failed")
    assert "GET /teams (offset 0) returned an empty page" in failed.message
    assert "GET /teams" in batch.failed_origins


async def test_a_record_without_an_id_is_skipped_and_nothing_is_retired(api: FakeApi) -> None:
    services = [{"name": "Nameless", "escalation_policy": {"id": "PPAY001", "type": "escalation_policy_reference"}}]
    api.route("/services", paginated("services", services))
    batch = await live_source(api).read(catalog_index())
    bad = finding(batch, "invalid-record")
    assert "GET /services: service #0 has id None" in bad.message
    assert not batch.complete


def test_page_size_is_capped_at_pagerdutys_limit() -> None:
    with pytest.raises(ValueError, match="less than or equal to 100"):
        Config.model_validate({"type": "pagerduty", "account": "acme", "page_size": 101})


def test_catalog_yaml_configures_the_source(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "sources:\n"
        "  - type: pagerduty\n"
        "    account: acme\n"
        "    export_dir: exports/pagerduty\n"
        "    services: {PSEARCH: search-service}\n"
        "    teams: {PTSRE01: 'group:platform/sre'}\n"
    )
    [configured] = load_config(tmp_path / "catalog.yaml").sources
    source = configured.source
    assert isinstance(source, PagerDutySource)
    assert (source.name, source.instance) == ("pagerduty", "pagerduty:acme")
    assert source.export_dir == tmp_path / "exports" / "pagerduty"
    assert source.services == {"psearch": "component:default/search-service"}
    assert source.teams == {"ptsre01": "group:platform/sre"}

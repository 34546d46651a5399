"""Bad PagerDuty input and conflicting links: each gives a finding that names the source, the endpoint and the record.

These read an edited copy of the export, which goes through the same parser as the API.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from catalog.core.records import ImportBatch
from importers.base import SourceError
from importers.pagerduty import Config
from tests.fixtures.pagerduty.support import EXPORT, catalog_index, offline_source

PAY = "escalation-policy:pagerduty/acme/ppay001"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "acme"
    shutil.copytree(EXPORT, root)
    return root


def edit(root: Path, name: str, change: Callable[[Any], Any]) -> Path:
    path = root / name
    body = json.loads(path.read_text())
    result = change(body)
    path.write_text(json.dumps(body if result is None else result))
    return path


def records(body: dict[str, Any], collection: str, rid: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in body[collection] if r.get("id") == rid]
    assert len(found) == 1
    return found[0]


async def read(root: Path, **settings: Any) -> ImportBatch:
    return await offline_source(root, **settings).read(catalog_index())


def only(batch: ImportBatch, kind: str) -> Any:
    found = [f for f in batch.findings if f.kind == kind]
    assert len(found) == 1, [str(f) for f in batch.findings]
    return found[0]


def json_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.json"))


def node_ids(batch: ImportBatch, label: str) -> set[str]:
    return {n.id for n in batch.nodes if n.label == label}


async def test_the_fixture_itself_reads_clean_and_complete(export: Path) -> None:
    batch = await read(export)
    assert batch.complete and batch.failed_origins == set()
    # PTSRE01 is a team only PagerDuty knows: recorded as PagerDuty's, and said so.
    assert {f.kind for f in batch.findings} == {"unmatched-pagerduty-service", "ambiguous-link", "unlinked-dependency", "source-only-team"}


async def test_escalation_rules_that_are_not_a_list_keep_the_policy_as_it_was(export: Path) -> None:
    file = edit(export, "escalation_policies.json", lambda b: records(b, "escalation_policies", "PPAY001").update(escalation_rules="oops"))
    batch = await read(export)
    bad = only(batch, "invalid-record")
    assert bad.message.startswith(f"pagerduty:acme: {file}: escalation policy PPAY001 has `escalation_rules` of type str")
    assert bad.file == str(file)
    assert PAY not in node_ids(batch, "EscalationPolicy")
    assert "GET /escalation_policies#PPAY001" in batch.failed_origins  # the stored policy is kept, not retired


async def test_a_target_of_an_unknown_type_is_left_out_of_the_level(export: Path) -> None:
    def add_target(body: Any) -> None:
        rule = records(body, "escalation_policies", "PPAY001")["escalation_rules"][0]
        rule["targets"].append({"id": "PWEBHK1", "type": "webhook_reference", "summary": "Status page"})

    file = edit(export, "escalation_policies.json", add_target)
    batch = await read(export)
    bad = only(batch, "unknown-target")
    assert f"{file}: escalation policy PPAY001 level 1 target #2 has type 'webhook_reference'" in bad.message
    assert bad.field == "escalation_rules[0].targets[2]" and bad.reference == "PWEBHK1"
    [policy] = [n for n in batch.nodes if n.id == PAY]
    level1 = json.loads(policy.props["rules"])[0]
    assert [t["id"] for t in level1["targets"]] == ["PSEMEA1", "PSAPAC1"]
    assert batch.complete


async def test_an_on_call_naming_an_unlisted_user_records_the_person_from_the_reference(export: Path) -> None:
    def ghost(body: Any) -> None:
        body["oncalls"][1]["user"] = {"id": "PGHOST1", "type": "user_reference", "summary": "Gone Person"}

    file = edit(export, "oncalls.json", ghost)
    batch = await read(export)
    bad = only(batch, "unknown-user")
    assert f"pagerduty:acme: {file}: on-call #1 (policy PPAY001 level 1) names user PGHOST1 (Gone Person)" in bad.message
    [person] = [n for n in batch.nodes if n.id == "user:pagerduty/pghost1"]
    assert person.props["name"] == "Gone Person" and person.props["email"] is None
    assert any(n.label == "OnCallShift" and n.props["person"] == "user:pagerduty/pghost1" for n in batch.nodes)


async def test_a_malformed_on_call_is_skipped_and_keeps_every_stored_shift(export: Path) -> None:
    def wrong(body: Any) -> None:
        body["oncalls"][0]["escalation_level"] = "one"
        body["oncalls"][2]["start"] = "yesterday"

    file = edit(export, "oncalls.json", wrong)
    batch = await read(export)
    bad = sorted((f for f in batch.findings if f.kind == "invalid-record"), key=lambda f: f.subject or "")
    assert [f.subject for f in bad] == ["/oncalls#0", "/oncalls#2"]
    assert f"{file}: on-call #0 (policy PPAY001) has `escalation_level` 'one'" in bad[0].message
    assert "has `start` 'yesterday', not an ISO-8601 time" in bad[1].message
    assert "GET /oncalls" in batch.failed_origins
    assert len(node_ids(batch, "OnCallShift")) == 7


async def test_an_annotation_and_the_configuration_disagreeing_is_a_link_conflict(export: Path) -> None:
    batch = await read(export, services={"PCHKOUT": "payments-api"})
    conflict = only(batch, "link-conflict")
    assert "service PCHKOUT ('Checkout') is claimed by component:default/checkout" in conflict.message
    assert "catalog.yaml maps it to component:default/payments-api" in conflict.message
    links = {
        (r.src_id, r.props["external_service"], r.props["strength"])
        for r in batch.rels
        if r.type == "ESCALATES_VIA" and "component" in r.src_id
    }
    # The configuration wins; payments-api now has two PagerDuty services on one policy, the configured one first.
    assert ("component:default/payments-api", "PCHKOUT,PPAYAPI", "configured") in links
    assert not any(src == "component:default/checkout" for src, _, _ in links)
    several = only(batch, "several-pagerduty-services")
    assert several.severity == "info" and several.subject == "component:default/payments-api"


async def test_a_policy_claiming_a_service_that_escalates_elsewhere_is_a_policy_conflict(export: Path) -> None:
    def claim(body: Any) -> None:
        records(body, "escalation_policies", "PSRE001")["services"].append({"id": "PCHKOUT", "type": "service_reference"})

    file = edit(export, "escalation_policies.json", claim)
    batch = await read(export)
    conflict = only(batch, "policy-conflict")
    assert f"{file}: escalation policy PSRE001 lists service PCHKOUT" in conflict.message and "escalates via PPAY001" in conflict.message


async def test_configuration_naming_what_does_not_exist_is_reported(export: Path) -> None:
    batch = await read(
        export, services={"PSEARCH": "search-service", "PNOSUCH": "ledger", "PLEGACY": "mainframe"}, teams={"PTSRE01": "sre"}
    )
    unknown = sorted((f for f in batch.findings if f.kind == "unknown-reference"), key=lambda f: f.field or "")
    assert [(f.field, f.reference) for f in unknown] == [
        ("services.PLEGACY", "component:default/mainframe"),
        ("teams.PTSRE01", "group:default/sre"),
    ]
    unused = only(batch, "unused-configuration")
    assert unused.field == "services.PNOSUCH"
    assert "group:pagerduty/ptsre01" in node_ids(batch, "Team")  # the mapping was ignored, the team kept apart


async def test_a_missing_schedule_detail_falls_back_to_the_listing(export: Path) -> None:
    (export / "schedules" / "PSAPAC1.json").unlink()
    batch = await read(export)
    assert batch.complete and "GET /schedules#PSAPAC1" not in batch.failed_origins
    [schedule] = [n for n in batch.nodes if n.id == "schedule:pagerduty/acme/psapac1"]
    # The listing's name and time zone are kept; its layers are not in the listing, so they are unknown, not empty.
    assert schedule.props["name"] == "Payments APAC" and schedule.props["time_zone"] and schedule.props["layers"] is None


@pytest.mark.parametrize("detail", [{"schedule": {"id": "PSEMEA1", "schedule_layers": []}}, None], ids=["another-id", "null"])
async def test_a_schedule_detail_that_is_not_the_schedule_is_not_taken(export: Path, detail: Any) -> None:
    (export / "schedules" / "PSAPAC1.json").write_text(json.dumps(detail))
    batch = await read(export)
    bad = only(batch, "invalid-record")
    assert "PSAPAC1.json is not the schedule object" in bad.message and bad.subject == "PSAPAC1"
    assert not batch.complete and "GET /schedules#PSAPAC1" in batch.failed_origins


async def test_an_export_without_dependencies_keeps_earlier_ones_and_stays_complete(export: Path) -> None:
    shutil.rmtree(export / "service_dependencies")
    batch = await read(export)
    assert batch.complete
    note = only(batch, "export-missing")
    assert note.severity == "info" and "PCHKOUT, PPAYAPI, PSEARCH" in note.message
    assert "GET /service_dependencies/technical_services/PCHKOUT" in batch.failed_origins
    assert not [r for r in batch.rels if r.type == "DEPENDS_ON"]


async def test_a_listing_export_holding_only_its_first_page_is_a_failure(export: Path) -> None:
    edit(export, "teams.json", lambda b: b.update(more=True))
    batch = await read(export)
    assert not batch.complete
    assert "holds only the first page of /teams" in only(batch, "endpoint-failed").message


async def test_unreadable_users_degrade_to_the_people_other_records_name(export: Path) -> None:
    (export / "users.json").write_text('{"users": [{"id": "PALICE1", "na')
    batch = await read(export)
    # A corrupt listing makes the read partial: the users read before are kept.
    assert not batch.complete and "GET /users" in batch.failed_origins
    assert "users.json is not valid JSON" in only(batch, "users-listing-missing").message
    (export / "users.json").unlink()
    batch = await read(export)
    # A listing the export lacks: people come from the on-call entries and targets, one finding says so.
    assert batch.complete
    missing = only(batch, "users-listing-missing")
    assert "users.json does not exist" in missing.message and "without their emails" in missing.message
    assert not [f for f in batch.findings if f.kind == "unknown-user"]
    people = {n.id: n.props for n in batch.nodes if n.label == "Person"}
    assert people["user:pagerduty/perin01"]["name"] == "Erin Lead"
    assert {n.props["person"] for n in batch.nodes if n.label == "OnCallShift"} <= set(people)


async def test_a_user_listing_may_be_a_bare_list(export: Path) -> None:
    edit(export, "users.json", lambda b: b["users"])
    batch = await read(export)
    assert batch.complete and len(node_ids(batch, "Person")) == 3


def test_configuration_is_checked_up_front() -> None:
    base = {"type": "pagerduty", "account": "acme"}
    with pytest.raises(ValidationError, match="1 to 90 days"):
        Config.model_validate({**base, "oncall_window_past_days": 60, "oncall_window_future_days": 60})
    with pytest.raises(ValidationError, match="is a group; name a component"):
        Config.model_validate({**base, "services": {"PABC123": "group:default/payments-team"}})
    with pytest.raises(ValidationError, match="not a PagerDuty id"):
        Config.model_validate({**base, "teams": {"../etc": "payments-team"}})
    with pytest.raises(ValidationError, match="token"):
        Config.model_validate({**base, "token": "secret"})


async def test_no_shape_of_junk_crashes_the_reader(export: Path) -> None:
    """Every file replaced by junk, and every field of its first record: a finding or a SourceError, never a crash."""
    junk: list[Any] = [None, "x", 7, {"id": 5}, [1, None]]
    outcomes: set[str] = set()
    for file in json_files(export):
        original = file.read_text()
        body = json.loads(original)
        listed = next((v for v in body.values() if isinstance(v, list) and v), None) if isinstance(body, dict) else None
        first = listed[0] if listed else (body.get("schedule") if isinstance(body, dict) else None)
        variants: list[Any] = list(junk)
        for field in first or {}:
            for value in junk[:3]:
                changed = json.loads(original)
                target = next(v for v in changed.values() if isinstance(v, list) and v)[0] if listed else changed["schedule"]
                target[field] = value
                variants.append(changed)
        for variant in variants:
            file.write_text(json.dumps(variant))
            try:
                batch = await read(export)
            except SourceError as exc:
                assert str(exc).startswith("pagerduty:acme: ")
                outcomes.add("error")
            else:
                assert all(f.message.startswith("pagerduty:acme: ") for f in batch.findings)
                outcomes.add("complete" if batch.complete else "partial")
        file.write_text(original)
    # No junk in one file stops the whole import any more: a bad users listing degrades too.
    assert outcomes == {"complete", "partial"}


async def test_a_person_or_team_claimed_by_several_catalog_entities_is_kept_apart(export: Path) -> None:
    index = catalog_index()
    index.add_person("user:default/carol", "carol", "carol@acme.example")
    index.add_person("user:ops/carol", "carol", "carol@acme.example")
    index.add_team("group:default/sre", "sre", {"pagerduty.com/team-id": "PTSRE01"})
    index.add_team("group:ops/sre", "sre", {"pagerduty.com/team-id": "PTSRE01"})
    batch = await offline_source(export).read(index)
    person = only(batch, "ambiguous-person")
    assert "user PCAROL1 has email carol@acme.example" in person.message and "user:default/carol, user:ops/carol" in person.message
    team = only(batch, "ambiguous-team")
    assert "teams.json: team PTSRE01 is claimed by several catalog teams (group:default/sre, group:ops/sre)" in team.message
    assert {"user:pagerduty/pcarol1"} <= node_ids(batch, "Person") and "group:pagerduty/ptsre01" in node_ids(batch, "Team")

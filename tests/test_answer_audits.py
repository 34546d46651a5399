"""Audits over a graph the real importers build: Backstage, GitHub, Kubernetes and PagerDuty exports, then reconcile.

The organisation (``tests/fixtures/answers/audits``, copied to ``tmp_path`` so tests can change it)
has one of every problem: an unowned service (orphan), a dangling owner (ghostly → ghost-team), a
dangling dependency, a service off the standard platform (billing on legacy-vms), services without
PagerDuty routing, a repository CODEOWNERS covers 40 % of and one with no CODEOWNERS, a Kubernetes
owner label that disagrees with Backstage (checkout) and one naming a team nobody declares.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.types import ExecutionResult

from catalog.answers.audits import SEVERITIES, Audit, AuditArgumentError, AuditFilter, AuditKind, Subject, audits
from catalog.api.audits.queries import AuditQuery
from catalog.api.context import build_context
from catalog.api.findings.types import Finding
from catalog.api.node import NodeQuery
from catalog.api.platforms.types import Platform, Repository
from catalog.api.schema import guards
from catalog.api.services.types import Resource, Service
from catalog.api.systems.types import API, Domain, System
from catalog.api.teams.types import Person, Team
from catalog.api.v1_types import EXTRA_NODE_TYPES
from catalog.commands import audit as audit_command
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.read import CatalogReader, UnknownEntity
from catalog.reconcile import reconcile
from catalog.runner import sync_sources
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.pagerduty.source import Config as PagerDutyConfig
from importers.pagerduty.source import PagerDutySource

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "answers" / "audits"

CHECKOUT, BILLING, ORPHAN, GHOSTLY = (f"component:default/{n}" for n in ("checkout", "billing", "orphan", "ghostly"))
CHECKOUT_REPO, TOOLS_REPO = "repository:github.com/acme/checkout", "repository:github.com/acme/tools"
MYSTERY = "workload:prod/shop/deployment/mystery"
K = AuditKind
DESCRIPTOR_LINES = (FIXTURE / "backstage" / "catalog-info.yaml").read_text().splitlines()

EXPECTED = [
    ("error", K.UNOWNED_SERVICE, GHOSTLY),
    ("error", K.UNOWNED_SERVICE, ORPHAN),
    ("error", K.UNKNOWN_OWNER, GHOSTLY),
    ("error", K.DANGLING_REFERENCE, GHOSTLY),
    ("warning", K.UNKNOWN_OWNER, MYSTERY),
    ("warning", K.NO_ON_CALL_ROUTING, BILLING),
    ("warning", K.NO_ON_CALL_ROUTING, GHOSTLY),
    ("warning", K.NO_ON_CALL_ROUTING, ORPHAN),
    ("warning", K.OWNER_CONFLICT, CHECKOUT),
    ("warning", K.OFF_STANDARD_PLATFORM, BILLING),
    ("warning", K.IMPORT_PROBLEM, ORPHAN),
    ("info", K.CODEOWNERS_GAP, CHECKOUT_REPO),
    ("info", K.CODEOWNERS_GAP, TOOLS_REPO),
    ("info", K.UNKNOWN_PLATFORM, ORPHAN),
    ("info", K.IMPORT_PROBLEM, MYSTERY),
]
"""Every audit of the fixture, in the one order: severity, kind (declaration order), subject."""


def organisation(tmp_path: Path) -> Path:
    """The fixture organisation, copied so a test may change it; returns its catalog.yaml."""
    root = tmp_path / "org"
    shutil.copytree(FIXTURE, root)
    return root / "catalog.yaml"


async def imported(store: GraphStore, tmp_path: Path) -> Path:
    """Every source of the organisation through ``catalog sync``'s own runner (which reconciles owners last)."""
    config = organisation(tmp_path)
    outcomes = await sync_sources(store, load_config(config))
    assert [o.error for o in outcomes if o.failed] == []
    assert all(o.report is not None and o.report.complete for o in outcomes)
    return config


async def listed(store: GraphStore, audit_filter: AuditFilter | None = None, **options: Any) -> list[Audit]:
    found = await audits(CatalogReader(store), audit_filter, **options)
    page = await found.page(100)
    assert not page.has_next
    return list(page.audits)


def triples(found: list[Audit]) -> list[tuple[str, AuditKind, str]]:
    return [(a.severity, a.kind, a.subject.key) for a in found]


async def test_every_kind_of_problem_is_found_once_in_one_stable_order(store: GraphStore, tmp_path: Path) -> None:
    await imported(store, tmp_path)
    found = await listed(store)
    assert triples(found) == EXPECTED

    by = {(a.kind, a.subject.key, a.finding_kind): a for a in found}
    # A dangling owner, passed through from the Backstage importer with where and how to fix it.
    owner = by[(K.UNKNOWN_OWNER, GHOSTLY, "unknown-reference")]
    assert (owner.field, owner.reference, owner.source, owner.source_instance) == (
        "spec.owner",
        "group:default/ghost-team",
        "backstage",
        "backstage:audits",
    )
    assert owner.file == "catalog-info.yaml" and owner.line is not None
    assert DESCRIPTOR_LINES[owner.line - 1].strip() == "owner: ghost-team"
    assert "ghost-team" in owner.fix and owner.detected_at is not None
    assert owner.subject.label == "Service" and owner.subject.name == "ghostly"
    # The Kubernetes owner label naming nobody is the same kind of problem, on a workload.
    label = by[(K.UNKNOWN_OWNER, MYSTERY, "unknown-owner")]
    assert (label.subject.label, label.subject.name, label.reference) == ("Workload", "mystery", "nobody-team")
    assert by[(K.DANGLING_REFERENCE, GHOSTLY, "unknown-reference")].reference == "component:default/missing-db"
    # Computed audits say what is wrong with the evidence, and what to do.
    unowned = by[(K.UNOWNED_SERVICE, ORPHAN, None)]
    assert unowned.subject.name == "orphan" and "spec.owner" in unowned.fix
    conflict = by[(K.OWNER_CONFLICT, CHECKOUT, "owner-conflict")].message
    assert "group:default/payments-team" in conflict and "group:default/platform-team" in conflict
    off = by[(K.OFF_STANDARD_PLATFORM, BILLING, None)].message
    assert "platform:default/legacy-vms" in off and "standard platform platform:default/k8s" in off
    assert "group:default/checkout-squad" in by[(K.NO_ON_CALL_ROUTING, BILLING, None)].message
    assert "40%" in by[(K.CODEOWNERS_GAP, CHECKOUT_REPO, None)].message
    no_file = by[(K.CODEOWNERS_GAP, TOOLS_REPO, "no-codeowners")]
    assert "no CODEOWNERS" in no_file.message and "0% of its files" in no_file.message
    # checkout escalates through PagerDuty and runs on the standard platform: neither audit names it.
    assert not {(K.NO_ON_CALL_ROUTING, CHECKOUT), (K.UNKNOWN_PLATFORM, CHECKOUT)} & {(a.kind, a.subject.key) for a in found}

    summary = await (await audits(CatalogReader(store))).summary()
    counted = {(c.kind, c.severity): c.count for c in summary}
    expected: dict[tuple[AuditKind, str], int] = {}
    for severity, kind, _ in EXPECTED:
        expected[(kind, severity)] = expected.get((kind, severity), 0) + 1
    assert counted == expected
    order = [(c.severity, c.kind) for c in summary]
    assert order == sorted(order, key=lambda t: (SEVERITIES.index(t[0]), list(AuditKind).index(t[1])))


async def test_filters_by_kind_severity_team_and_subject_label(store: GraphStore, tmp_path: Path) -> None:
    await imported(store, tmp_path)

    assert triples(await listed(store, AuditFilter(kinds=(K.UNOWNED_SERVICE, K.OWNER_CONFLICT)))) == [
        t for t in EXPECTED if t[1] in (K.UNOWNED_SERVICE, K.OWNER_CONFLICT)
    ]
    assert triples(await listed(store, AuditFilter(severities=("error",)))) == [t for t in EXPECTED if t[0] == "error"]
    assert triples(await listed(store, AuditFilter(kinds=(K.UNKNOWN_OWNER,), severities=("warning",)))) == [
        ("warning", K.UNKNOWN_OWNER, MYSTERY)
    ]
    assert triples(await listed(store, AuditFilter(subject_label="repository"))) == [t for t in EXPECTED if t[2].startswith("repository:")]
    assert triples(await listed(store, AuditFilter(subject_label="Workload"))) == [t for t in EXPECTED if t[2] == MYSTERY]

    # A team sees what it and its sub-teams own: billing through checkout-squad, checkout and its repository directly.
    team = await listed(store, AuditFilter(team="group:default/payments-team"))
    assert triples(team) == [t for t in EXPECTED if t[2] in (BILLING, CHECKOUT, CHECKOUT_REPO)]
    direct = await listed(store, AuditFilter(team="group:default/payments-team", include_sub_teams=False))
    assert triples(direct) == [t for t in EXPECTED if t[2] in (CHECKOUT, CHECKOUT_REPO)]
    # The conflict concerns both teams that claim checkout.
    platform_team = triples(await listed(store, AuditFilter(team="group:default/platform-team")))
    assert ("warning", K.OWNER_CONFLICT, CHECKOUT) in platform_team and ("warning", K.OFF_STANDARD_PLATFORM, BILLING) not in platform_team

    selected = await audits(CatalogReader(store), AuditFilter(team="group:default/payments-team", severities=("warning",)))
    assert {(c.kind, c.severity, c.count) for c in await selected.summary()} == {
        (K.NO_ON_CALL_ROUTING, "warning", 1),
        (K.OWNER_CONFLICT, "warning", 1),
        (K.OFF_STANDARD_PLATFORM, "warning", 1),
    }
    assert await selected.total() == 3

    with pytest.raises(UnknownEntity, match="group:default/nobody"):
        await audits(CatalogReader(store), AuditFilter(team="group:default/nobody"))
    with pytest.raises(AuditArgumentError, match="Repository"):
        await audits(CatalogReader(store), AuditFilter(subject_label="Finding"))
    with pytest.raises(AuditArgumentError, match="error, warning, info"):
        await audits(CatalogReader(store), AuditFilter(severities=("fatal",)))


async def test_pages_do_not_overlap_stay_stable_and_cost_the_same_few_queries(store: GraphStore, tmp_path: Path) -> None:
    await imported(store, tmp_path)
    found = await audits(CatalogReader(store))

    first = await found.page(4)
    second = await found.page(4, first.audits[-1].cursor)
    assert first.has_next and second.has_next
    assert triples(list(first.audits)) == EXPECTED[:4] and triples(list(second.audits)) == EXPECTED[4:8]
    assert {a.id for a in first.audits}.isdisjoint({a.id for a in second.audits})
    # The same cursor gives the same page again, also from a fresh query.
    again = await (await audits(CatalogReader(store))).page(4, first.audits[-1].cursor)
    assert [a.id for a in again.audits] == [a.id for a in second.audits]

    ids: list[str] = []
    costs: list[int] = []
    after: str | None = None
    while True:
        before = store.round_trips
        page = await found.page(3, after)
        costs.append(store.round_trips - before)
        ids.extend(a.id for a in page.audits)
        if not page.has_next:
            break
        after = page.audits[-1].cursor
    assert len(ids) == len(set(ids)) == len(EXPECTED)
    assert ids == [a.id for a in await listed(store)]
    # One query per producer plus the name lookups of the page, wherever the page starts.
    assert max(costs) <= 12, costs

    assert (await found.page(0)).audits == () and (await found.page(0)).has_next
    with pytest.raises(AuditArgumentError, match="endCursor"):
        await found.page(4, "not a cursor")


def _export_without(root: Path, name: str, tmp_path: Path) -> Path:
    copy = tmp_path / f"{root.name}-without-{name}"
    shutil.copytree(root, copy)
    (copy / name).unlink()
    return copy


async def test_stale_entities_and_sources_are_measured_against_the_reference_time(store: GraphStore, tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    config = load_config(organisation(tmp_path))
    # catalog sync, with the clock under control: every source at t0, then owners reconciled.
    for configured in config.ordered():
        batch = await configured.source.read(await load_identity_index(store))
        assert batch.complete
        await sync(store, batch, now=iso(t0))
    await sync(store, await reconcile(store, config.ownership.precedence), now=iso(t0), force=True)
    # Twenty days later PagerDuty is read again, but its schedules listing is missing: an incomplete read.
    export = _export_without(config.path.parent / "pagerduty", "schedules.json", tmp_path)
    partial = PagerDutySource(
        PagerDutyConfig(type="pagerduty", account="acme", export_dir=export), tmp_path, now=t0 + timedelta(days=20), environ={}
    )
    batch = await partial.read(await load_identity_index(store))
    assert not batch.complete
    await sync(store, batch, now=iso(t0 + timedelta(days=20)))

    stale = (K.STALE_ENTITY, K.STALE_SOURCE)
    assert await listed(store, AuditFilter(kinds=stale), now=iso(t0 + timedelta(days=29))) == []

    later = await listed(store, AuditFilter(kinds=stale), now=iso(t0 + timedelta(days=31)))
    entities = {a.subject.key: a for a in later if a.kind is K.STALE_ENTITY}
    assert {CHECKOUT, BILLING, "group:default/payments-team", CHECKOUT_REPO, MYSTERY} <= set(entities)
    # PagerDuty confirmed its policy at day 20, even if it could not read everything.
    assert "escalation-policy:pagerduty/acme/ppol001" not in entities
    assert all(a.severity == "warning" and a.subject.label is not None for a in entities.values())
    assert "backstage:audits on 2026-03-01, 31 days ago" in entities[CHECKOUT].message
    assert "catalog sync --source backstage:audits" in entities[CHECKOUT].fix
    # ... but its last complete import is as old as everyone else's: nothing it lost since was retired.
    sources = {a.subject.key: a for a in later if a.kind is K.STALE_SOURCE}
    assert set(sources) == {"backstage:audits", "github:acme", "kubernetes:prod", "pagerduty:acme"}
    assert sources["pagerduty:acme"].subject == Subject("pagerduty:acme", None, "pagerduty")
    assert "no complete import since 2026-03-01, 31 days ago" in sources["pagerduty:acme"].message
    assert triples(later) == sorted(triples(later), key=lambda t: (t[1] is K.STALE_SOURCE, t[2]))

    # The threshold is a setting: 40 days makes nothing stale yet.
    assert await listed(store, AuditFilter(kinds=stale), now=iso(t0 + timedelta(days=31)), stale_after_days=40) == []
    with pytest.raises(AuditArgumentError, match="stale_after_days"):
        await audits(CatalogReader(store), stale_after_days=0)


async def test_an_owner_that_was_retired_is_an_owner_that_does_not_exist(store: GraphStore, tmp_path: Path) -> None:
    config = await imported(store, tmp_path)
    # Backstage stops declaring platform-team; Kubernetes still labels the checkout workload with it.
    descriptor = config.parent / "backstage" / "catalog-info.yaml"
    documents = descriptor.read_text().split("---\n")
    descriptor.write_text("---\n".join(d for d in documents if "name: platform-team" not in d))
    outcomes = await sync_sources(store, load_config(config), only="backstage")
    assert all(o.report is not None and not o.failed for o in outcomes)

    found = [a for a in await listed(store, AuditFilter(kinds=(K.UNKNOWN_OWNER,))) if a.finding_kind is None]
    assert [(a.severity, a.subject.key, a.subject.label) for a in found] == [
        ("error", CHECKOUT, "Service"),
        ("error", "workload:prod/shop/deployment/checkout", "Workload"),
    ]
    assert all("group:default/platform-team, which no longer exists" in a.message and "kubernetes:prod" in a.message for a in found)


# -- GraphQL -----------------------------------------------------------------------------------------


@strawberry.type
class _Query(NodeQuery, AuditQuery):
    pass


_SETTINGS = Settings(max_page_size=50, graphiql=False)
_SCHEMA = strawberry.Schema(
    query=_Query,
    types=[Service, Resource, Team, Person, System, Domain, API, Platform, Repository, Finding, *EXTRA_NODE_TYPES],
    extensions=guards(_SETTINGS),
)

_PAGE = """
query Page($after: String, $filter: AuditFilter, $first: Int! = 5) {
  audits(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id kind severity message fix findingKind source file line field reference firstDetectedAt
      subject { key kind name node { ... on Service { name ownershipClaims { owner { ... on Team { name } } } } } }
    } }
  }
  auditSummary(filter: $filter) { kind severity count }
}
"""


async def graphql(store: GraphStore, variables: dict[str, Any]) -> ExecutionResult:
    given = dict(variables)
    request = {key: given.pop(key) for key in ("after", "first") if key in given}
    request["filter"] = given or None
    result = await _SCHEMA.execute(_PAGE, variable_values=request, context_value=build_context(store, _SETTINGS))
    assert isinstance(result, ExecutionResult)
    return result


async def test_graphql_pages_filters_and_summarises_audits(store: GraphStore, tmp_path: Path) -> None:
    await imported(store, tmp_path)

    first = await graphql(store, {})
    assert first.errors is None, first.errors
    assert first.data is not None
    audits_page = first.data["audits"]
    assert audits_page["totalCount"] == len(EXPECTED) and audits_page["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in audits_page["edges"]]
    assert [(n["severity"], n["kind"], n["subject"]["key"]) for n in nodes] == [(s.upper(), k.value, key) for s, k, key in EXPECTED[:5]]
    owner = nodes[2]
    assert owner["findingKind"] == "unknown-reference" and owner["field"] == "spec.owner" and owner["line"] > 0
    assert owner["subject"]["node"] == {"name": "ghostly", "ownershipClaims": []}
    assert owner["firstDetectedAt"] is not None
    # A workload is a Node too: the fragment on Service selects nothing of it.
    assert nodes[4]["subject"] == {"key": MYSTERY, "kind": "WORKLOAD", "name": "mystery", "node": {}}
    # Audits are Nodes: their ids resolve again while the problem lasts.
    again = await _SCHEMA.execute(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Audit { kind subject { key } } } }",
        variable_values={"ids": [n["id"] for n in nodes[:3]]},
        context_value=build_context(store, _SETTINGS),
    )
    assert again.errors is None and again.data is not None
    assert again.data["nodes"] == [{"id": n["id"], "kind": n["kind"], "subject": {"key": n["subject"]["key"]}} for n in nodes[:3]]
    assert sum(c["count"] for c in first.data["auditSummary"]) == len(EXPECTED)

    second = await graphql(store, {"after": audits_page["pageInfo"]["endCursor"]})
    assert second.data is not None
    keys = [(e["node"]["kind"], e["node"]["subject"]["key"]) for e in second.data["audits"]["edges"]]
    assert keys == [(k.value, key) for _, k, key in EXPECTED[5:10]]

    team = await graphql(store, {"team": "payments-team", "severities": ["WARNING"], "kinds": ["OWNER_CONFLICT", "NO_ON_CALL_ROUTING"]})
    assert team.data is not None
    assert [(e["node"]["kind"], e["node"]["subject"]["key"]) for e in team.data["audits"]["edges"]] == [
        ("NO_ON_CALL_ROUTING", BILLING),
        ("OWNER_CONFLICT", CHECKOUT),
    ]
    conflict = team.data["audits"]["edges"][1]["node"]["subject"]["node"]
    assert {o["owner"]["name"] for o in conflict["ownershipClaims"]} == {"payments-team", "platform-team"}
    assert team.data["auditSummary"] == [
        {"kind": "NO_ON_CALL_ROUTING", "severity": "WARNING", "count": 1},
        {"kind": "OWNER_CONFLICT", "severity": "WARNING", "count": 1},
    ]

    for variables, message in (
        ({"team": "nobody"}, "team: no team group:default/nobody"),
        ({"team": "component:checkout"}, "give a team"),
        ({"after": "bm90IG91cnM="}, "not a cursor from this API"),
        ({"first": 51}, "CATALOG_MAX_PAGE_SIZE"),
    ):
        refused = await graphql(store, variables)
        assert refused.errors and message in refused.errors[0].message, (variables, refused.errors)
        # A refusal nulls its own field only, and says what kind of refusal it is.
        code = "LIMIT_EXCEEDED" if "first" in variables else "BAD_USER_INPUT"
        assert refused.data is not None and refused.data["audits"] is None and refused.errors[0].extensions == {"code": code}


# -- CLI ---------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catalog")
    audit_command.register(parser.add_subparsers(dest="command"))
    return parser


async def cli(store: GraphStore, *argv: str) -> int:
    args = _parser().parse_args(["audit", *argv])
    code: int = await args.answer(args, store)
    return code


async def test_cli_prints_a_table_and_a_summary_per_kind_and_fails_only_when_strict(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await imported(store, tmp_path)

    assert await cli(store, "--limit", "3") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["SEVERITY", "KIND", "SUBJECT", "MESSAGE"]
    assert [line.split()[:3] for line in out[1:4]] == [[s, k.value, key] for s, k, key in EXPECTED[:3]]
    assert f"{len(EXPECTED)} audits, 3 shown (raise --limit or filter to see more)" in out
    assert any(line.split()[:3] == ["NO_ON_CALL_ROUTING", "3", "(3"] for line in out)
    assert any(line.split()[:2] == ["IMPORT_PROBLEM", "2"] and "(1 warning, 1 info)" in line for line in out)

    assert await cli(store, "--strict") == 1
    capsys.readouterr()
    assert await cli(store, "--strict", "--severity", "warning", "--severity", "info", "--team", "group:default/payments-team") == 0
    capsys.readouterr()

    assert await cli(store, "--kind", "codeowners-gap", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == data["shown"] == 2
    assert data["summary"] == [{"kind": "CODEOWNERS_GAP", "severity": "info", "count": 2}]
    assert [a["subject"]["key"] for a in data["audits"]] == [CHECKOUT_REPO, TOOLS_REPO]
    assert data["audits"][1]["finding_kind"] == "no-codeowners" and "cursor" not in data["audits"][0]

    for argv, message in (
        (("--kind", "bogus"), "UNOWNED_SERVICE"),
        (("--team", "nobody"), "no team group:default/nobody"),
        (("--limit", "0"), "--limit 0"),
        (("--label", "Finding"), "subject label"),
    ):
        assert await cli(store, *argv) == 2
        assert message in capsys.readouterr().err

"""whoOwns: owners with the evidence per source, contacts, runbooks and platforms, through the answer,
the GraphQL field and the CLI, on graphs the real importers built (see test_answer_identify)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.types import ExecutionResult

from catalog.answers.identify import MAX_IDENTIFIER_LENGTH
from catalog.answers.ownership import OwnedService, WhoOwns, who_owns
from catalog.api import schema as main_schema
from catalog.api.context import build_context
from catalog.api.ownership.queries import OwnershipQuery
from catalog.api.platforms.types import Platform, Repository
from catalog.api.services.types import Resource, Service
from catalog.api.systems.types import API, Domain, System
from catalog.api.teams.types import Person, Team
from catalog.commands import who_owns as command
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage
from tests._api_fixtures import api_settings
from tests.test_answer_identify import FIXTURES, catalog

PAYMENTS = "group:default/payments-team"


def only(answer: WhoOwns) -> OwnedService:
    assert len(answer.matches) == 1, answer.message
    return answer.matches[0]


async def test_the_owner_comes_with_each_sources_evidence_contacts_and_platform(store: GraphStore) -> None:
    await catalog(store)
    gateway = only(await who_owns(CatalogReader(store), "payments-gateway-5c9d7f8b6-x2x9q"))
    assert (gateway.label, gateway.key) == ("Service", "component:default/payments-gateway")
    [resolved] = gateway.resolved_owners
    assert (resolved.owner.key, resolved.owner.name, resolved.strength) == (PAYMENTS, "Payments", "declared")
    assert (resolved.rule, resolved.sources) == ("backstage comes first in ownership.precedence", ("backstage", "kubernetes"))
    assert [(c.owner.key, c.source, c.strength, c.evidence) for c in gateway.owner_evidence] == [
        (PAYMENTS, "backstage", "declared", "spec.owner"),
        (
            PAYMENTS,
            "kubernetes",
            "declared",
            "label ownership-catalog.io/owner=payments-team on prod-eu/payments/Deployment/payments-gateway",
        ),
    ]
    assert all(c.last_seen and c.source_instance for c in gateway.owner_evidence)
    [contact] = gateway.contacts
    assert (contact.chat_channel, contact.email) == ("#payments-oncall", "payments@acme.example")
    assert [(m.name, m.email) for m in contact.members] == [("Alice Adams", "alice@acme.example"), ("Bob Brown", "bob@acme.example")]
    assert [(p.key, p.standard, p.source, p.evidence) for p in gateway.platforms] == [
        ("platform:default/k8s-standard", True, "kubernetes", "cluster prod-eu namespace payments Deployment/payments-gateway")
    ]
    # The weaker claim shows as weaker: the StatefulSet's owner comes from a plain `team` label.
    ledger = only(await who_owns(CatalogReader(store), "payments/ledger-1"))
    assert [(c.source, c.strength) for c in ledger.owner_evidence] == [("backstage", "declared"), ("kubernetes", "inferred")]


async def test_runbooks_links_and_pagerduty_come_with_the_owner(store: GraphStore) -> None:
    await catalog(store)
    checkout = only(await who_owns(CatalogReader(store), "PCK9T2V"))
    assert [link.url for link in checkout.runbooks] == ["https://runbooks.acme.example/checkout"]
    assert [(link.title, link.icon) for link in checkout.links] == [("Checkout runbook", None), ("Dashboard", "dashboard")]
    assert checkout.pagerduty_services == ["PCK9T2V"]
    assert [(p.key, p.source, p.evidence) for p in checkout.platforms] == [
        ("platform:default/k8s-standard", "backstage", "annotation ownership-catalog.io/platform")
    ]
    # A title that says runbook is a runbook too.
    storefront = only(await who_owns(CatalogReader(store), "storefront"))
    assert [link.url for link in storefront.runbooks] == ["https://wiki.acme.example/storefront/on-call"]
    # A PagerDuty service linked by name: its escalation policy gives the PagerDuty links.
    search = only(await who_owns(CatalogReader(store), "PSRCH01"))
    assert search.pagerduty_services == ["PSRCH01"]
    assert [(link.type, link.url) for link in search.links] == [
        ("pagerduty", "https://acme.pagerduty.com/escalation_policies/PSRE001"),
        ("pagerduty", "https://acme.pagerduty.com/service-directory/PSRCH01"),
    ]
    assert search.runbooks == []


async def test_a_shared_alias_answers_every_service_with_its_own_owner(store: GraphStore) -> None:
    await catalog(store)
    answer = await who_owns(CatalogReader(store), "shop")
    assert answer.message == "2 services share the alias 'shop': checkout, storefront"
    assert [(m.name, [o.key for o in m.owners], [c.chat_channel for c in m.contacts]) for m in answer.matches] == [
        ("checkout", [PAYMENTS], ["#payments-oncall"]),
        ("storefront", ["group:default/search-team"], ["#search"]),
    ]


async def test_a_repository_no_service_is_built_from_answers_with_its_own_owners(store: GraphStore) -> None:
    await catalog(store)
    answer = await who_owns(CatalogReader(store), "git@github.com:acme/infra-tools.git")
    repo = only(answer)
    assert (repo.label, repo.key, answer.kind) == ("Repository", "repository:github.com/acme/infra-tools", "repository")
    assert [(o.owner.key, o.sources, o.strength) for o in repo.resolved_owners] == [
        ("group:default/platform-team", ("github",), "declared")
    ]
    assert [c.evidence for c in repo.owner_evidence] == ["CODEOWNERS CODEOWNERS line 2"]
    assert repo.default_owners == ["@acme/platform"]
    assert [(link.type, link.url) for link in repo.links] == [("repository", "https://github.com/acme/infra-tools")]
    assert "runs no catalog service" in answer.message


async def test_a_workload_no_service_runs_in_answers_with_its_own_owners(store: GraphStore) -> None:
    await catalog(store)
    answer = await who_owns(CatalogReader(store), "search/orphan-worker-7c8d9f6b5-q2w3e")
    workload = only(answer)
    assert (workload.label, workload.name, answer.kind) == ("Workload", "search/orphan-worker", "pod")
    assert [(c.owner.key, c.source, c.strength) for c in workload.owner_evidence] == [
        ("group:default/search-team", "kubernetes", "inferred")
    ]
    assert [c.chat_channel for c in workload.contacts] == ["#search"]
    assert [p.key for p in workload.platforms] == ["platform:default/k8s-standard"]


async def test_before_reconciliation_every_claim_answers_and_a_missing_owner_is_said(store: GraphStore, tmp_path: Path) -> None:
    await sync(store, read_backstage([FIXTURES / "backstage"], instance="bs"), now="2026-01-01T00:00:00.000000Z")
    answer = await who_owns(CatalogReader(store), "checkout")
    checkout = only(answer)
    assert checkout.resolved_owners == []
    assert [o.key for o in checkout.owners] == [PAYMENTS]
    assert [c.chat_channel for c in checkout.contacts] == ["#payments-oncall"]
    assert "not reconciled yet" in answer.message
    # With Backstage alone, the project slug still leads from a repository URL, and a pod name offers the service named like it.
    assert [m.key for m in (await who_owns(CatalogReader(store), "https://github.com/acme/checkout")).matches] == [
        "component:default/checkout"
    ]
    pod = await who_owns(CatalogReader(store), "payments-gateway-5c9d7f8b6-x2x9q")
    assert (pod.matches, [c.key for c in pod.nearest][:1]) == ([], ["component:default/payments-gateway"])
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orphan\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: nobody\n"
    )
    await sync(store, read_backstage([orphan], instance="orphans"), now="2026-01-01T00:00:00.000000Z")
    answer = await who_owns(CatalogReader(store), "orphan")
    assert (only(answer).owner_evidence, only(answer).contacts) == ([], [])
    assert answer.message.endswith("orphan has no owner in the catalog")


async def test_nothing_matching_answers_with_candidates(store: GraphStore) -> None:
    await catalog(store)
    answer = await who_owns(CatalogReader(store), "ledgr")
    assert (answer.matches, answer.kind) == ([], "none")
    assert [c.key for c in answer.nearest] == ["component:default/ledger"]


async def test_the_answer_costs_a_handful_of_round_trips(store: GraphStore) -> None:
    await catalog(store)
    for text in ("checkout", "shop", "payments-gateway-5c9d7f8b6-x2x9q"):
        before = store.round_trips
        await who_owns(CatalogReader(store), text)
        assert store.round_trips - before <= 10, text


# -- GraphQL -----------------------------------------------------------------------------------------

_SCHEMAS: dict[str, strawberry.Schema] = {}


def schema() -> strawberry.Schema:
    """The API's schema with ``whoOwns`` (wired here until the main schema includes it)."""
    if "s" not in _SCHEMAS:
        settings = api_settings()
        if issubclass(main_schema.Query, OwnershipQuery):
            _SCHEMAS["s"] = main_schema.build_schema(settings)
        else:

            @strawberry.type(name="Query")
            class Query(OwnershipQuery, main_schema.Query):
                pass

            _SCHEMAS["s"] = main_schema.CatalogSchema(
                query=Query,
                types=[Service, Resource, Team, Person, System, Domain, API, Platform, Repository],
                extensions=main_schema.guards(settings),
            )
    return _SCHEMAS["s"]


async def execute(store: GraphStore, query: str, variables: dict[str, Any]) -> ExecutionResult:
    result = await schema().execute(query, variable_values=variables, context_value=build_context(store, api_settings()))
    assert isinstance(result, ExecutionResult)
    return result


WHO_OWNS = """query($id: String!) {
  whoOwns(identifier: $id) {
    identification {
      query status interpretedAs kind message moreMatches
      service { ref }
      matches { service { ref name } why strength }
      nearest { service { ref name } why }
    }
    subjects {
      kind name why strength
      service { ref name lifecycle }
      repository { ref slug }
      workload { ref namespace name kind cluster isRetired }
      owners { owner { ... on Team { ref chatChannel } } rule sources strength startedAt endedAt }
      ownershipClaims { owner { ... on Team { ref } } source sourceInstance evidence strength lastSeenAt }
      contacts { name chatChannel email members { name email } moreMembers }
      runbooks { url title }
      links { url type }
      platforms { platform { ref name isStandard } evidence source }
      pagerdutyServices defaultOwners
    }
  }
}"""


async def test_who_owns_through_graphql(store: GraphStore) -> None:
    await catalog(store)
    result = await execute(store, WHO_OWNS, {"id": "https://github.com/acme/checkout/tree/main"})
    assert result.errors is None, result.errors
    answer = result.data["whoOwns"] if result.data else {}
    found = answer["identification"]
    assert (found["status"], found["kind"], found["interpretedAs"]) == ("RESOLVED", "REPOSITORY", "repository github.com/acme/checkout")
    assert found["service"] == {"ref": "component:default/checkout"}
    [match] = answer["subjects"]
    assert match["kind"] == "SERVICE"
    assert match["service"] == {"ref": "component:default/checkout", "name": "checkout", "lifecycle": "PRODUCTION"}
    assert (match["repository"], match["workload"]) == (None, None)
    [owner] = match["owners"]
    assert owner["owner"] == {"ref": PAYMENTS, "chatChannel": "#payments-oncall"}
    assert (owner["sources"], owner["strength"], owner["rule"]) == (["backstage"], "DECLARED", "only backstage names an owner")
    assert owner["startedAt"] and owner["endedAt"] is None
    claims = [(e["owner"]["ref"], e["source"], e["strength"], e["evidence"]) for e in match["ownershipClaims"]]
    assert claims == [(PAYMENTS, "backstage", "DECLARED", "spec.owner")]
    assert match["contacts"] == [
        {
            "name": "Payments",
            "chatChannel": "#payments-oncall",
            "email": "payments@acme.example",
            "members": [{"name": "alice", "email": "alice@acme.example"}, {"name": "bob", "email": "bob@acme.example"}],
            "moreMembers": 0,
        }
    ]
    assert match["runbooks"] == [{"url": "https://runbooks.acme.example/checkout", "title": "Checkout runbook"}]
    assert match["platforms"] == [
        {
            "platform": {"ref": "platform:default/k8s-standard", "name": "k8s-standard", "isStandard": True},
            "evidence": "annotation ownership-catalog.io/platform",
            "source": "backstage",
        }
    ]
    assert match["pagerdutyServices"] == ["PCK9T2V"]


async def test_graphql_lists_shared_and_nearest_candidates_and_non_service_subjects(store: GraphStore) -> None:
    await catalog(store)
    shared = (await execute(store, WHO_OWNS, {"id": "shop"})).data
    assert shared is not None
    found = shared["whoOwns"]["identification"]
    assert (found["status"], found["service"]) == ("AMBIGUOUS", None)
    assert found["message"] == "2 services share the alias 'shop': checkout, storefront"
    assert [m["service"]["name"] for m in found["matches"]] == ["checkout", "storefront"]
    assert [m["service"]["name"] for m in shared["whoOwns"]["subjects"]] == ["checkout", "storefront"]
    near = (await execute(store, WHO_OWNS, {"id": "chekout"})).data
    assert near is not None
    found = near["whoOwns"]["identification"]
    assert (found["status"], found["kind"], found["matches"], near["whoOwns"]["subjects"]) == ("NOT_FOUND", "NONE", [], [])
    assert found["nearest"][0] == {"service": {"ref": "component:default/checkout", "name": "checkout"}, "why": "similar name (93% alike)"}
    repo = (await execute(store, WHO_OWNS, {"id": "acme/infra-tools"})).data
    assert repo is not None
    assert repo["whoOwns"]["identification"]["status"] == "RESOLVED"
    [match] = repo["whoOwns"]["subjects"]
    assert (match["kind"], match["service"], match["repository"]) == (
        "REPOSITORY",
        None,
        {"ref": "repository:github.com/acme/infra-tools", "slug": "acme/infra-tools"},
    )
    assert match["defaultOwners"] == ["@acme/platform"]
    workload = (await execute(store, WHO_OWNS, {"id": "search/orphan-worker"})).data
    assert workload is not None
    assert workload["whoOwns"]["subjects"][0]["workload"] == {
        "ref": "workload:prod-eu/search/deployment/orphan-worker",
        "namespace": "search",
        "name": "orphan-worker",
        "kind": "DEPLOYMENT",
        "cluster": "prod-eu",
        "isRetired": False,
    }


@pytest.mark.parametrize(("identifier", "message"), [("  ", "identifier is empty"), ("x" * (MAX_IDENTIFIER_LENGTH + 1), "over the limit")])
async def test_graphql_refuses_an_unusable_identifier(store: GraphStore, identifier: str, message: str) -> None:
    result = await execute(store, WHO_OWNS, {"id": identifier})
    assert result.errors is not None
    assert message in result.errors[0].message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert result.data == {"whoOwns": None}
    assert store.round_trips == 0


async def test_one_bad_identifier_does_not_void_the_other_answers(store: GraphStore) -> None:
    await catalog(store)
    result = await execute(
        store,
        '{ a: whoOwns(identifier: "checkout") { identification { status } } b: whoOwns(identifier: "  ") { identification { status } } }',
        {},
    )
    assert result.data == {"a": {"identification": {"status": "RESOLVED"}}, "b": None}
    assert result.errors is not None and [e.path for e in result.errors] == [["b"]]
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


# -- CLI ---------------------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="catalog")
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["who-owns", *argv])


async def test_cli_prints_a_table_and_exits_by_whether_anything_matched(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await catalog(store)
    args = parse("payments/payments-gateway-5c9d7f8b6-x2x9q")
    assert await args.answer(args, store) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert (
        lines[0] == "'payments/payments-gateway-5c9d7f8b6-x2x9q' → service payments-gateway (pod of Deployment payments/payments-gateway)"
    )
    header = next(line for line in lines if line.startswith("SERVICE "))
    assert header.split() == ["SERVICE", "OWNER", "STRENGTH", "CHANNEL", "PLATFORM", "RUNBOOK"]
    row = lines[lines.index(header) + 1].split()
    assert row[:5] == ["payments-gateway", "Payments", "declared", "#payments-oncall", "k8s-standard"]
    assert "label ownership-catalog.io/owner=payments-team" in out
    assert "Alice Adams, Bob Brown" in out

    args = parse("shop")
    assert await args.answer(args, store) == 0
    out = capsys.readouterr().out
    assert "2 services share the alias 'shop'" in out
    assert "component:default/storefront" in out and "ask again with a key" in out

    args = parse("chekout")
    assert await args.answer(args, store) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "no service matches 'chekout'; nearest: checkout"
    assert "component:default/checkout" in out


async def test_cli_json_and_usage_errors(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await catalog(store)
    args = parse("checkout-svc", "--json")
    assert await args.answer(args, store) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["kind"], data["subjects"][0]["key"], data["subjects"][0]["kind"]) == ("alias", "component:default/checkout", "Service")
    assert data["subjects"][0]["owners"][0]["owner"]["key"] == PAYMENTS
    assert data["subjects"][0]["ownership_claims"][0]["started_at"]
    assert data["subjects"][0]["links"][0]["runbook"] is True
    args = parse(" ")
    assert await args.answer(args, store) == 2
    assert "identifier is empty" in capsys.readouterr().err

"""whoOwns for every kind of entity and for a single file, on both stores, from exports in the vendors' shapes.

The fixtures (``tests/fixtures/fidelity/owners``, see its README) are a Backstage tree, a GitHub export
and a PagerDuty export, read by the real importers. Each case states what the identifier names, who
owns it and how that owner was found.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.types import ExecutionResult

from catalog.answers.entity_owners import (
    CodeownersRule,
    OwnedEntity,
    matching_rule,
    read_file_ref,
    rules_of,
    who_owns_any,
)
from catalog.api.app import create_app
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.cli import build_parser
from catalog.commands import remote
from catalog.commands import who_owns as command
from catalog.config import load_config
from catalog.core import codeowners as co
from catalog.read import CatalogReader
from catalog.runner import sync_sources
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests._web_fixtures import serving

FIXTURES = Path(__file__).parent / "fixtures" / "fidelity" / "owners"
PAYMENTS = "group:default/payments-team"
PLATFORM = "group:default/platform-team"
SHOP = "repository:github.com/acme/shop"


async def load(store: GraphStore) -> None:
    outcomes = await sync_sources(store, load_config(FIXTURES / "catalog.yaml"))
    assert not [o.error for o in outcomes if o.failed]


def owners(o: OwnedEntity) -> list[str]:
    return [r.owner.key for r in o.resolved_owners]


# (identifier, answer kind, subject label, subject key, owner keys, derivation method, words in the derivation)
KINDS: list[tuple[str, str, str, str, list[str], str, str]] = [
    ("payments", "system", "System", "system:default/payments", [PAYMENTS], "direct", "owned directly"),
    ("system:storefront", "system", "System", "system:default/storefront", ["group:default/commerce-leads"], "inherited",
     "inherited from domain commerce"),
    ("commerce", "domain", "Domain", "domain:default/commerce", ["group:default/commerce-leads"], "direct", "owned directly"),
    ("payments-api", "api", "API", "api:default/payments-api", [PAYMENTS], "direct", "owned directly"),
    ("api:ledger-api", "api", "API", "api:default/ledger-api", [PAYMENTS], "inherited", "inherited from system payments"),
    ("orders-db", "resource", "Resource", "resource:default/orders-db", [PLATFORM], "direct", "owned directly"),
    ("ledger-queue", "resource", "Resource", "resource:default/ledger-queue", [PAYMENTS], "inherited", "inherited from system payments"),
    ("k8s-standard", "platform", "Platform", "platform:default/k8s-standard", [PLATFORM], "direct", "owned directly"),
    ("ledger", "service", "Service", "component:default/ledger", [PAYMENTS], "inherited", "inherited from system payments"),
    ("web-shop", "service", "Service", "component:default/web-shop", ["group:default/commerce-leads"], "inherited",
     "inherited from system storefront → domain commerce"),
    ("checkout", "service", "Service", "component:default/checkout", [PAYMENTS], "direct", "owned directly"),
    ("payments-team", "team", "Team", PAYMENTS, ["group:default/engineering", "user:default/bob"], "team-hierarchy",
     "parent team Engineering and leads Bob Brown"),
    ("group:default/engineering", "team", "Team", "group:default/engineering", [], "none", "top-level team"),
    ("acme/shop", "repository", "Repository", SHOP, [PAYMENTS, PLATFORM, "user:default/alice"], "codeowners",
     "its catch-all rule names @acme/platform"),
    ("repository:github.com/acme/billing", "repository", "Repository", "repository:github.com/acme/billing", [PAYMENTS],
     "built-services", "services built from it (invoicer)"),
]  # fmt: skip


@pytest.mark.parametrize(("identifier", "kind", "label", "key", "owner_keys", "method", "words"), KINDS, ids=[k[0] for k in KINDS])
async def test_every_kind_says_what_it_found_and_how_the_owner_was_derived(
    store: GraphStore, identifier: str, kind: str, label: str, key: str, owner_keys: list[str], method: str, words: str
) -> None:
    await load(store)
    answer = await who_owns_any(CatalogReader(store), identifier)
    assert answer.kind == kind, answer.message
    [subject] = answer.matches
    assert isinstance(subject, OwnedEntity)
    assert (subject.label, subject.key) == (label, key)
    assert sorted(owners(subject)) == sorted(owner_keys)
    assert subject.derivation is not None and subject.derivation.method == method
    assert words in subject.derivation.description
    if owner_keys:
        assert {c.owner.key for c in subject.contacts} >= set(owner_keys)


async def test_inherited_owners_say_where_they_come_from_and_a_kind_reference_that_names_nothing_says_so(store: GraphStore) -> None:
    await load(store)
    reader = CatalogReader(store)
    [ledger] = (await who_owns_any(reader, "ledger")).matches
    assert isinstance(ledger, OwnedEntity) and ledger.derivation is not None
    assert (ledger.derivation.via_label, ledger.derivation.via_key) == ("System", "system:default/payments")
    assert ledger.owner_evidence == []  # no source claims it: the owner is derived, not claimed
    assert ledger.resolved_owners[0].rule == "inherited from system payments: only backstage names an owner"
    [team] = (await who_owns_any(reader, "payments-team")).matches
    assert team.contacts[0].owner.key == PAYMENTS and team.contacts[0].chat_channel == "#payments"
    parent = next(r for r in team.resolved_owners if r.owner.key == "group:default/engineering")
    assert (parent.rule, parent.sources, parent.strength) == ("parent team of Payments", ("backstage",), "declared") and parent.since
    bob = next(r for r in team.resolved_owners if r.owner.key == "user:default/bob")
    assert bob.rule == "manager of Payments (pagerduty membership role)" and bob.sources == ("pagerduty",)
    missing = await who_owns_any(reader, "team:nobody")
    assert (missing.kind, missing.matches, missing.message) == ("none", [], "no team 'nobody' in the catalog")


async def test_codeowners_rules_and_membership_roles_are_stored(store: GraphStore) -> None:
    await load(store)
    [repo] = await store.read("MATCH (r:Repository {id: $id}) RETURN r.codeowners_rules AS rules", {"id": SHOP})
    rules = rules_of(repo["rules"])
    assert rules is not None
    assert [(r.line, r.pattern) for r in rules] == [
        (2, "*"), (3, "/src/"), (4, "*.md"), (5, "docs/*"), (6, "/src/legacy/"), (7, "**/generated/**"), (8, "/apps/**/config.yml"),
    ]  # fmt: skip
    owners_of = {r.line: [(o.text, o.kind, o.owner.key if o.owner else None) for o in r.owners] for r in rules}
    assert owners_of[3] == [("@acme/payments", "team", PAYMENTS)]
    assert owners_of[4] == [("@alice", "user", "user:default/alice")]
    assert owners_of[5] == [("docs@acme.example", "email", None)]
    assert owners_of[6] == []
    assert owners_of[7] == [("@acme/platform", "team", PLATFORM), ("@acme/ghosts", "team", None)]
    roles = await store.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(t:Team {id: $team}) WHERE m.active = true AND m.source = 'pagerduty' "
        "RETURN p.id AS person, m.role AS role ORDER BY person",
        {"team": PAYMENTS},
    )
    assert roles == [{"person": "user:default/alice", "role": "responder"}, {"person": "user:default/bob", "role": "manager"}]


# (identifier, path, line, rule line or None, owner keys, rule owners as written)
FILES: list[tuple[str, str, int | None, int | None, list[str], list[str]]] = [
    # a blob URL: the directory rule /src/ is the last that matches
    ("https://github.com/acme/shop/blob/main/src/app.py#L10", "src/app.py", 10, 3, [PAYMENTS], ["@acme/payments"]),
    # org/repo/path, and the stack-trace form with :line and :column
    ("acme/shop/src/app.py", "src/app.py", None, 3, [PAYMENTS], ["@acme/payments"]),
    ("acme/shop/src/app.py:123", "src/app.py", 123, 3, [PAYMENTS], ["@acme/payments"]),
    ("github.com/acme/shop/src/app.py:123:7", "src/app.py", 123, 3, [PAYMENTS], ["@acme/payments"]),
    # a user owner: *.md matches at any depth, and comes after the catch-all
    ("acme/shop/README.md", "README.md", None, 4, ["user:default/alice"], ["@alice"]),
    # last rule wins: docs/* (line 5) comes after *.md (line 4), both match docs/guide.md
    ("acme/shop/docs/guide.md", "docs/guide.md", None, 5, [], ["docs@acme.example"]),
    # docs/* matches direct children only: docs/api/guide.md falls back to *.md
    ("acme/shop/docs/api/guide.md", "docs/api/guide.md", None, 4, ["user:default/alice"], ["@alice"]),
    # a rule without owners leaves its files unowned, though earlier rules match
    ("acme/shop/src/legacy/old.py:12", "src/legacy/old.py", 12, 6, [], []),
    # ** across directories; an owner the catalog does not know is kept as written
    ("acme/shop/lib/generated/deep/x.py", "lib/generated/deep/x.py", None, 7, [PLATFORM], ["@acme/platform", "@acme/ghosts"]),
    ("acme/shop/apps/web/eu/config.yml", "apps/web/eu/config.yml", None, 8, [], ["@carol"]),
    # the catch-all answers what nothing else matches; /src/ is anchored, so lib/src/x.py is not under it
    ("acme/shop/lib/src/x.py", "lib/src/x.py", None, 2, [PLATFORM], ["@acme/platform"]),
    # no rule matches: acme/infra's CODEOWNERS has no catch-all
    ("acme/infra/README.md", "README.md", None, None, [], []),
]


@pytest.mark.parametrize(("identifier", "path", "line", "rule_line", "owner_keys", "written"), FILES, ids=[f[0] for f in FILES])
async def test_a_file_is_owned_by_the_codeowners_rule_that_matches_it_last(
    store: GraphStore, identifier: str, path: str, line: int | None, rule_line: int | None, owner_keys: list[str], written: list[str]
) -> None:
    await load(store)
    answer = await who_owns_any(CatalogReader(store), identifier)
    assert answer.kind == "file", answer.message
    [subject] = answer.matches
    assert isinstance(subject, OwnedEntity) and subject.file is not None and subject.derivation is not None
    assert (subject.file.path, subject.file.line) == (path, line)
    if rule_line is None:
        assert subject.file.rule is None and subject.derivation.method == "none"
        assert f"no rule of acme/infra's CODEOWNERS matches {path}" in answer.message
    else:
        assert subject.file.rule is not None and subject.file.rule.line == rule_line
        assert [o.text for o in subject.file.rule.owners] == written
        assert subject.derivation.method == "codeowners-rule"
        assert f"line {rule_line}" in answer.message and subject.file.rule.pattern in answer.message
    assert owners(subject) == owner_keys
    assert {c.owner.key for c in subject.contacts} == set(owner_keys)


async def test_a_file_answer_names_the_services_built_from_the_repository(store: GraphStore) -> None:
    await load(store)
    answer = await who_owns_any(CatalogReader(store), "https://github.com/acme/checkout/blob/main/cmd/main.go#L3")
    [subject] = answer.matches
    assert isinstance(subject, OwnedEntity) and subject.file is not None
    assert [s.key for s in subject.file.services] == ["component:default/checkout"]
    assert owners(subject) == [PAYMENTS] and "services built from it: checkout" in answer.message
    assert subject.links[0].url == "https://github.com/acme/checkout/blob/main/cmd/main.go#L3"
    # A repository the catalog does not know is no file: the identifier reads as before.
    unknown = await who_owns_any(CatalogReader(store), "acme/nowhere/src/x.py")
    assert unknown.kind != "file" and not unknown.matches


def test_file_identifiers_are_read_in_every_form_people_paste() -> None:
    assert read_file_ref("https://github.com/acme/shop/blob/feature/x/src/a.py#L10-L20") == read_file_ref(
        "https://github.com/acme/shop/blob/feature/x/src/a.py#L10"
    )
    ref = read_file_ref("https://gitlab.example.com/group/sub/repo/-/blob/main/lib/a%20b.rb#L4")
    assert ref is not None and (ref.host, ref.slug, ref.path, ref.line) == ("gitlab.example.com", "group/sub/repo", "lib/a b.rb", 4)
    ref = read_file_ref("acme/shop/blob/main/src/a.py")
    assert ref is not None and (ref.slug, ref.ref, ref.path) == ("acme/shop", "main", "src/a.py")
    ref = read_file_ref("'acme/shop/./src/a.py:12'")
    assert ref is not None and (ref.slug, ref.path, ref.line) == ("acme/shop", "src/a.py", 12)
    # Not files: a repository, a service, a pod, a path that climbs out of the repository.
    for text in ("acme/shop", "https://github.com/acme/shop", "https://github.com/acme/shop/tree/main", "checkout",
                 "acme/shop/../etc/passwd", "payments/payments-gateway-5c9d7f8b6-x2x9q"):  # fmt: skip
        assert read_file_ref(text) is None, text


def test_matching_follows_githubs_codeowners_semantics() -> None:
    rules = [CodeownersRule(r.line, r.pattern, ()) for r in co.parse(
        "*.js @a\n/build/logs/ @b\ndocs/* @c\napps/ @d\n/scripts/ @e\n**/logs @f\n/apps/github @g\n\\#notes @h\n/docs/**/*.pdf @i\n"
    ).rules]  # fmt: skip

    def line(path: str) -> int | None:
        rule = matching_rule(rules, path)
        return None if rule is None else rule.line

    assert line("src/app.js") == 1  # *.js anywhere
    assert line("build/logs/today.log") == 6  # **/logs (line 6) is later than /build/logs/ (line 2)
    assert line("build/logs") == 6
    assert line("docs/getting-started.md") == 3  # docs/* direct child
    assert line("docs/build-app/troubleshooting.md") is None  # docs/* does not reach deeper
    assert line("apps/x/y.txt") == 4 and line("deep/apps/x.txt") == 4  # apps/ anywhere
    assert line("apps/github") == 7 and line("apps/github/x") == 7
    assert line("scripts/run.sh") == 5 and line("tools/scripts/run.sh") is None  # /scripts/ is anchored
    assert line("#notes") == 8
    assert line("docs/a/b/c.pdf") == 9 and line("docs/c.pdf") == 9
    assert line("README") is None
    # Lines GitHub rejects (negation, ranges) never make a rule, so they cannot match.
    parsed = co.parse("!secret @a\n[ab].txt @b\n*.txt @c\n")
    assert [r.line for r in parsed.rules] == [3] and len(parsed.errors) == 2


async def test_the_answer_costs_a_bounded_number_of_round_trips(store: GraphStore) -> None:
    await load(store)
    reader = CatalogReader(store)
    for identifier, bound in (("acme/shop/src/app.py:12", 8), ("ledger-api", 26), ("payments-team", 24)):
        before = store.round_trips
        await who_owns_any(reader, identifier)
        assert store.round_trips - before <= bound, identifier


# -- GraphQL, CLI, pages ---------------------------------------------------------------------------

WHO_OWNS = """query($id: String!) {
  whoOwns(identifier: $id) {
    identification { status kind interpretedAs message }
    subjects {
      kind name
      node { id ... on System { ref } ... on Team { ref } ... on Repository { ref slug } }
      derivation { method description via { ... on System { ref } ... on Domain { ref } ... on Team { ref } ... on Repository { ref } } }
      owners { owner { ... on Team { ref } ... on Person { ref } } rule strength }
      ownershipClaims { source }
      contacts { owner { ... on Team { ref } ... on Person { ref } } }
      file {
        path line codeownersPath
        rule { line pattern owners { text kind owner { ... on Team { ref } ... on Person { ref } } } }
        services { ref }
      }
    }
  }
}"""


async def execute(store: GraphStore, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await build_schema().execute(query, variable_values=variables, context_value=build_context(store, api_settings()))
    assert isinstance(result, ExecutionResult)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_graphql_answers_any_kind_with_its_derivation(store: GraphStore) -> None:
    await load(store)
    data = await execute(store, WHO_OWNS, {"id": "api:ledger-api"})
    answer = data["whoOwns"]
    assert (answer["identification"]["status"], answer["identification"]["kind"]) == ("RESOLVED", "API")
    [subject] = answer["subjects"]
    assert subject["kind"] == "API" and subject["node"]["id"]
    assert subject["derivation"]["method"] == "INHERITED" and subject["derivation"]["via"] == {"ref": "system:default/payments"}
    assert [o["owner"]["ref"] for o in subject["owners"]] == [PAYMENTS] and subject["ownershipClaims"] == []
    assert subject["file"] is None

    team = (await execute(store, WHO_OWNS, {"id": "payments-team"}))["whoOwns"]
    assert team["identification"]["kind"] == "TEAM"
    [subject] = team["subjects"]
    assert (subject["kind"], subject["node"]["ref"], subject["derivation"]["method"]) == ("TEAM", PAYMENTS, "TEAM_HIERARCHY")
    assert [o["owner"]["ref"] for o in subject["owners"]] == ["group:default/engineering", "user:default/bob"]


async def test_a_name_several_kinds_share_lists_each_and_is_ambiguous(store: GraphStore) -> None:
    await load(store)
    answer = (await execute(store, WHO_OWNS, {"id": "storefront"}))["whoOwns"]
    assert (answer["identification"]["status"], answer["identification"]["kind"]) == ("AMBIGUOUS", "IDENTIFIER")
    assert "2 entities share the name 'storefront': system storefront, team storefront" in answer["identification"]["message"]
    assert [(s["kind"], s["node"]["ref"]) for s in answer["subjects"]] == [
        ("SYSTEM", "system:default/storefront"),
        ("TEAM", "group:default/storefront"),
    ]


async def test_graphql_answers_a_file_with_its_rule(store: GraphStore) -> None:
    await load(store)
    data = await execute(store, WHO_OWNS, {"id": "https://github.com/acme/shop/blob/main/lib/generated/x.py#L2"})
    answer = data["whoOwns"]
    assert (answer["identification"]["status"], answer["identification"]["kind"]) == ("RESOLVED", "FILE")
    [subject] = answer["subjects"]
    assert subject["kind"] == "REPOSITORY" and subject["node"] == {"id": subject["node"]["id"], "ref": SHOP, "slug": "acme/shop"}
    assert subject["derivation"]["method"] == "CODEOWNERS_RULE"
    file = subject["file"]
    assert (file["path"], file["line"], file["codeownersPath"]) == ("lib/generated/x.py", 2, ".github/CODEOWNERS")
    assert file["rule"] == {
        "line": 7,
        "pattern": "**/generated/**",
        "owners": [
            {"text": "@acme/platform", "kind": "team", "owner": {"ref": PLATFORM}},
            {"text": "@acme/ghosts", "kind": "team", "owner": None},
        ],
    }
    assert [o["owner"]["ref"] for o in subject["owners"]] == [PLATFORM] and subject["owners"][0]["strength"] == "DECLARED"
    assert file["services"] == []


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["who-owns", *argv])


async def test_cli_answers_any_kind_and_a_file_in_text_and_json(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await load(store)
    args = parse("acme/shop/src/app.py:42")
    assert await args.answer(args, store) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("'acme/shop/src/app.py:42' → file src/app.py of acme/shop: CODEOWNERS .github/CODEOWNERS line 3")
    assert "Payments" in out and "HOW THE OWNER WAS FOUND" in out and "`/src/` is the last rule matching src/app.py" in out

    args = parse("ledger-queue", "--json")
    assert await args.answer(args, store) == 0
    data = json.loads(capsys.readouterr().out)
    [subject] = data["subjects"]
    assert (data["kind"], subject["kind"], subject["derivation"]["method"]) == ("resource", "Resource", "inherited")
    assert subject["derivation"]["via_key"] == "system:default/payments"

    args = parse("acme/infra/README.md", "--json")
    assert await args.answer(args, store) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["subjects"][0]["file"]["rule"] is None and data["subjects"][0]["owners"] == []


async def test_cli_asks_a_server_for_any_kind_and_a_file(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await load(store)
    parser = build_parser()
    async with serving(store) as url:

        def ask(*argv: str) -> tuple[int, str]:
            code = remote.run(parser.parse_args(list(argv)), url)
            return code, capsys.readouterr().out

        code, out = await asyncio.to_thread(ask, "who-owns", "system:storefront")
        assert code == 0 and "commerce-leads" in out and "inherited from domain commerce" in out
        code, out = await asyncio.to_thread(ask, "who-owns", "acme/shop/README.md", "--json")
        subject = json.loads(out)["subjects"][0]
        assert code == 0 and subject["file"]["rule"]["pattern"] == "*.md" and subject["derivation"]["method"] == "CODEOWNERS_RULE"


async def test_search_opens_a_team_page_and_shows_the_owners_of_kinds_without_a_page(store: GraphStore) -> None:
    await load(store)
    app = create_app(api_settings(), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as http:  # type: ignore[arg-type]
        team = await http.get("/", params={"q": "payments-team"})
        assert team.status_code == 303 and team.headers["location"] == "/team/group:default/payments-team"
        system = await http.get("/", params={"q": "system:storefront"})
        assert system.status_code == 200
        assert "inherited from domain commerce" in system.text and "commerce-leads" in system.text
        file = await http.get("/", params={"q": "https://github.com/acme/shop/blob/main/docs/guide.md"})
        assert file.status_code == 200
        assert (
            "<code>docs/*</code>" in file.text and "docs@acme.example" in file.text and "CODEOWNERS .github/CODEOWNERS line 5" in file.text
        )
        service = await http.get("/", params={"q": "checkout"})
        assert service.status_code == 303 and service.headers["location"].startswith("/service/component:default/checkout")


# -- discovered services in GraphQL ----------------------------------------------------------------

DISCOVERED = """{
  discovered: services(filter: { isDiscovered: true }) {
    totalCount
    nodes {
      ref isDiscovered
      discovery { evidence source sourceInstance origin discoveredAt workloads { ref namespace name } pagerdutyServices }
    }
  }
  declared: services(filter: { isDiscovered: false }) { totalCount nodes { ref isDiscovered discovery { evidence } } }
  cart: service(name: "cart", namespace: "discovered") {
    dependencies { nodes { service { ref } resource { ref } node { ... on Service { ref } } } }
  }
}"""


async def test_discovered_services_show_their_evidence_and_the_services_list_filters_on_it(store: GraphStore) -> None:
    fidelity = Path(__file__).parent / "fixtures" / "fidelity"
    for config in (fidelity / "kubernetes" / "catalog.yaml", fidelity / "pagerduty" / "catalog.yaml"):
        outcomes = await sync_sources(store, load_config(config), now="2026-11-20T12:00:00.000000Z")
        assert [o.error for o in outcomes if o.failed] == []
    data = await execute(store, DISCOVERED, {})
    found = {s["ref"]: s for s in data["discovered"]["nodes"]}
    assert data["discovered"]["totalCount"] == len(found) >= 4
    assert all(s["isDiscovered"] for s in found.values())
    cart = found["component:discovered/cart"]["discovery"]
    assert (cart["source"], cart["sourceInstance"]) == ("kubernetes", "kubernetes:prod-eu")
    assert cart["evidence"].startswith("kubernetes:prod-eu Deployment shop/cart") and cart["discoveredAt"] and cart["origin"]
    assert [(w["namespace"], w["name"]) for w in cart["workloads"]] == [("shop", "cart")] and cart["pagerdutyServices"] == []
    gift = next(
        s["discovery"] for s in found.values() if s["discovery"]["source"] == "pagerduty" and "PSVGIFT" in s["discovery"]["evidence"]
    )
    assert gift["pagerdutyServices"] == ["PSVGIFT"] and gift["workloads"] == []
    # Declared services are the rest, and have no discovery.
    assert all(not s["isDiscovered"] and s["discovery"] is None for s in data["declared"]["nodes"])
    assert not set(found) & {s["ref"] for s in data["declared"]["nodes"]}
    # The deprecated DependencyEdge fields still answer, beside `node`.
    [edge] = data["cart"]["dependencies"]["nodes"]
    assert edge["service"] == edge["node"] == {"ref": "component:discovered/checkout"} and edge["resource"] is None

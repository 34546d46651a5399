"""Scopes on fields, on both stores: people's emails need `contacts` wherever they appear, the
token list needs `admin`, team contacts stay `read`; the registry fails loudly when it names a
field the schema lacks, and `schema.graphql` marks every guarded field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import ObjectTypeDefinitionNode, parse

from catalog.api.app import create_app
from catalog.api.schema import build_schema
from catalog.auth.fields import SCOPED_FIELDS, FieldRule, guard_fields
from catalog.auth.scopes import Scope
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings, gql
from tests.test_auth_tokens import client, create, staffed

ROOT = Path(__file__).resolve().parent.parent
PROXY = "10.20.0.5"
GROUPS = json.dumps({"sre": ["read", "contacts"], "admins": ["read", "admin"]})

CONTACTS_QUERY = """{
  whoOwns(identifier: "checkout") { subjects { contacts { name email chatChannel } } }
  team(name: "payments") { email chatChannel members { nodes { name email } } }
}"""


async def ask(store: GraphStore, query: str, groups: str = "") -> dict[str, Any]:
    settings = api_settings(auth="proxy", trusted_proxies=PROXY, auth_group_scopes=GROUPS)
    async with client(create_app(settings, store=store), peer=PROXY) as http:
        headers = {"X-Forwarded-User": "someone", "X-Forwarded-Groups": groups}
        answer: dict[str, Any] = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
        return answer


def contacts(answer: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return sorted((c["name"], c["email"], c["chatChannel"]) for m in answer["data"]["whoOwns"]["subjects"] for c in m["contacts"])


async def test_peoples_emails_need_contacts_while_team_contacts_need_read(store: GraphStore) -> None:
    await staffed().sync(store)
    reader = await ask(store, CONTACTS_QUERY)
    assert contacts(reader) == [("Jane", None, None), ("payments", "payments@acme.test", "#payments")]
    assert reader["data"]["team"]["email"] == "payments@acme.test" and reader["data"]["team"]["chatChannel"] == "#payments"
    assert {m["email"] for m in reader["data"]["team"]["members"]["nodes"]} == {None}
    assert sorted(e["extensions"]["field"] for e in reader["errors"]) == ["Contact.email", "Person.email"]
    assert {e["extensions"]["code"] for e in reader["errors"]} == {"FORBIDDEN"}

    responder = await ask(store, CONTACTS_QUERY, groups="sre")
    assert "errors" not in responder
    assert contacts(responder) == [("Jane", "jane@acme.test", None), ("payments", "payments@acme.test", "#payments")]
    assert {m["email"] for m in responder["data"]["team"]["members"]["nodes"]} == {"jane@acme.test", "omar@acme.test"}


async def test_the_token_list_needs_admin_and_never_shows_a_secret(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    token = await create(store, capsys, "ci", "--scopes", "read")
    query = "{ apiTokens { name scopes prefix createdBy revokedAt } }"
    reader = await ask(store, query, groups="sre")
    assert reader["data"] == {"apiTokens": None}
    assert reader["errors"][0]["extensions"] == {"code": "FORBIDDEN", "scope": "admin", "field": "Query.apiTokens"}
    admin = await ask(store, query, groups="admins")
    [listed] = admin["data"]["apiTokens"]
    assert listed["name"] == "ci" and listed["scopes"] == ["read"] and token.startswith(listed["prefix"])
    secret = token.split("_", 2)[2]  # ocat_<selector>_<secret>; the secret may itself contain "_"
    assert len(secret) == 43 and secret not in json.dumps(admin)


async def test_in_process_callers_are_trusted(store: GraphStore) -> None:
    await staffed().sync(store)
    data = await gql(store, '{ team(name: "payments") { members { nodes { email } } } }')
    assert {m["email"] for m in data["team"]["members"]["nodes"]} == {"jane@acme.test", "omar@acme.test"}


def test_the_registry_names_only_nullable_fields_the_schema_has() -> None:
    with pytest.raises(LookupError, match=r"Persona\.email"):
        guard_fields(build_schema(), {"Persona.email": FieldRule(Scope.CONTACTS, "x")})
    with pytest.raises(ValueError, match="must be nullable"):
        guard_fields(build_schema(), {"Person.name": FieldRule(Scope.CONTACTS, "x")})


def test_schema_graphql_marks_every_guarded_field() -> None:
    document = parse((ROOT / "schema.graphql").read_text())
    marked: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            for field in definition.fields or ():
                for directive in field.directives or ():
                    if directive.name.value == "requiresScope":
                        [argument] = directive.arguments
                        marked[f"{definition.name.value}.{field.name.value}"] = argument.value.value  # type: ignore[attr-defined]
    assert marked == {coordinate: rule.scope.name for coordinate, rule in SCOPED_FIELDS.items()}


async def test_the_guard_fails_closed(store: GraphStore) -> None:
    from starlette.requests import Request

    from catalog.api.context import build_context
    from catalog.auth.scopes import CURRENT, Principal, RequestAuth

    await staffed().sync(store)
    settings = api_settings()
    schema = build_schema(settings)
    query = '{ team(name: "payments") { members { nodes { email } } } }'

    # An HTTP request that reached the schema without passing the middleware: no principal, no emails.
    bare = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})
    result = await schema.execute(query, context_value=build_context(store, settings, bare))
    assert result.data is not None and {m["email"] for m in result.data["team"]["members"]["nodes"]} == {None}
    assert result.errors and "no authenticated principal" in result.errors[0].message

    # Code serving a request runs the schema with a context that carries no request (a page): the principal still applies.
    current = CURRENT.set(RequestAuth(Principal("omar", "proxy", frozenset({Scope.READ}))))
    try:
        result = await schema.execute(query, context_value=build_context(store, settings))
    finally:
        CURRENT.reset(current)
    assert result.data is not None and {m["email"] for m in result.data["team"]["members"]["nodes"]} == {None}
    assert result.errors is not None and len(result.errors) == 1 and "proxy 'omar' with read" in result.errors[0].message

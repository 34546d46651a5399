"""API tokens end to end, on both stores: made by `catalog token create`, used against the ASGI app.

A request without a token gets 401 with `WWW-Authenticate: Bearer`; a `read` token gets services
and owners with people's emails null and a FORBIDDEN error naming the `contacts` scope; a
`read,contacts` token gets the emails; a revoked or expired token is refused; the store keeps
only a hash.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog.api.app import create_app
from catalog.cli import build_parser
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.store.embedded import EmbeddedStore
from catalog.store.tokens import read_tokens
from tests._api_fixtures import Graph, api_settings

REPO = Path(__file__).resolve().parent.parent

OWNERS_QUERY = """query Owners {
  services(first: 10) {
    edges { node { name ownershipClaims { owner { __typename ... on Team { name email chatChannel } ... on Person { name email } } } } }
  }
}"""


def staffed() -> Graph:
    g = Graph()
    g.team("payments", chat="#payments", email="payments@acme.test")
    g.person("jane", member_of=["payments"], email="jane@acme.test")
    g.person("omar", member_of=["payments"], email="omar@acme.test")
    g.service("checkout", owners=["payments", "user:jane"])
    g.service("ledger", owner="payments")
    return g


def client(app: object, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://catalog.test")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def cli_token(store: GraphStore, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `catalog token ...` as the CLI parses and dispatches it, on ``store``; (exit code, stdout, stderr)."""
    args = build_parser().parse_args(["token", *argv])
    capsys.readouterr()
    code = await args.answer(args, store)
    out, err = capsys.readouterr()
    return code, out, err


async def create(store: GraphStore, capsys: pytest.CaptureFixture[str], name: str, *extra: str) -> str:
    code, out, err = await cli_token(store, capsys, "create", name, *extra)
    assert code == 0, err
    token = out.strip()
    assert token.startswith("ocat_") and "\n" not in token
    return token


def owners_by_service(answer: dict[str, Any]) -> dict[str, list[tuple[str, str | None]]]:
    return {
        edge["node"]["name"]: sorted((o["owner"]["name"], o["owner"]["email"]) for o in edge["node"]["ownershipClaims"])
        for edge in answer["data"]["services"]["edges"]
    }


def token_settings(**overrides: Any) -> Settings:
    return api_settings(auth="token", auth_token_cache_seconds=0, **overrides)


async def test_read_token_sees_owners_without_peoples_emails_and_contacts_token_sees_them(
    store: GraphStore, capsys: pytest.CaptureFixture[str]
) -> None:
    await staffed().sync(store)
    reader = await create(store, capsys, "dashboard", "--scopes", "read")
    responder = await create(store, capsys, "incident-bot", "--scopes", "read,contacts")
    async with client(create_app(token_settings(), store=store)) as http:
        anonymous = await http.post("/graphql", json={"query": OWNERS_QUERY})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith('Bearer realm="catalog"')
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        limited = (await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(reader))).json()
        assert owners_by_service(limited) == {
            "checkout": [("jane", None), ("payments", "payments@acme.test")],
            "ledger": [("payments", "payments@acme.test")],
        }
        [error] = limited["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN", "scope": "contacts", "field": "Person.email"}
        assert "`contacts` scope" in error["message"] and "token 'dashboard'" in error["message"]

        full = (await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(responder))).json()
        assert "errors" not in full
        assert owners_by_service(full)["checkout"] == [("jane", "jane@acme.test"), ("payments", "payments@acme.test")]

        members = '{ team(name: "payments") { members { nodes { name email } } } }'
        listed = (await http.post("/graphql", json={"query": members}, headers=bearer(reader))).json()
        assert sorted((m["name"], m["email"]) for m in listed["data"]["team"]["members"]["nodes"]) == [("jane", None), ("omar", None)]
        assert len(listed["errors"]) == 1, "one error per field, not one per person"


async def test_wrong_revoked_and_expired_tokens_are_refused(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    token = await create(store, capsys, "ci", "--scopes", "read")
    query = {"query": "{ services(first: 1) { totalCount } }"}
    async with client(create_app(token_settings(), store=store)) as http:
        assert (await http.post("/graphql", json=query, headers=bearer(token))).status_code == 200

        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        for wrong in (forged, "not-a-token", token + "x"):
            refused = await http.post("/graphql", json=query, headers=bearer(wrong))
            assert refused.status_code == 401
            assert 'error="invalid_token"' in refused.headers["www-authenticate"]
            assert wrong not in refused.text
        basic = await http.post("/graphql", json=query, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401

        code, out, _ = await cli_token(store, capsys, "revoke", "ci")
        assert code == 0 and "revoked 1" in out
        assert (await http.post("/graphql", json=query, headers=bearer(token))).status_code == 401
        code, _, err = await cli_token(store, capsys, "revoke", "ci")
        assert code == 1 and "no active token" in err

    # An expired token: created for a day, checked as if that day were over.
    soon = await create(store, capsys, "temporary", "--scopes", "read", "--expires-days", "1")
    await store.write("MATCH (n:ApiToken) WHERE n.name = 'temporary' SET n.expires_at = '2020-01-01T00:00:00.000000Z'")
    async with client(create_app(token_settings(), store=store)) as http:
        expired = await http.post("/graphql", json=query, headers=bearer(soon))
        assert expired.status_code == 401 and "expired" in expired.json()["errors"][0]["message"]


async def test_the_store_keeps_only_a_hash_and_list_never_shows_the_token(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    token = await create(store, capsys, "scanner", "--scopes", "read,contacts,admin")
    # ocat_<selector>_<secret>: the secret is URL-safe base64 and may itself contain "_".
    secret = token.split("_", 2)[2]
    assert len(secret) == 43
    rows = await store.read("MATCH (n:ApiToken) RETURN n.name AS name, n.secret_hash AS hash, n.scopes AS scopes, n.selector AS selector")
    assert len(rows) == 1
    assert rows[0]["scopes"] == ["read", "contacts", "admin"]
    assert all(secret not in str(value) for value in rows[0].values())
    assert len(rows[0]["hash"]) == 64

    code, out, _ = await cli_token(store, capsys, "list")
    assert code == 0 and "scanner" in out and secret not in out and f"ocat_{rows[0]['selector']}_" in out
    code, _, err = await cli_token(store, capsys, "create", "scanner")
    assert code == 2 and "exists" in err
    code, _, err = await cli_token(store, capsys, "create", "bot", "--scopes", "read,owner")
    assert code == 2 and "unknown scope 'owner'" in err


async def test_tokens_are_invisible_to_imports(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await create(store, capsys, "ci", "--scopes", "read")
    # A complete import that no longer mentions anything retires what it held, and only that.
    await staffed().sync(store)
    await Graph().sync(store, force=True)
    assert [r["name"] for r in await read_tokens(store)] == ["ci"]


async def test_token_created_by_the_cli_process_works_against_the_app(tmp_path: Path) -> None:
    path = tmp_path / "catalog.lbdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    made = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "catalog.cli", "token", "create", "ops", "--scopes", "read,contacts", "--embedded-path", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert "shown this once" in made.stderr
    store = EmbeddedStore(path)
    try:
        await store.ensure_schema()
        await staffed().sync(store)
        async with client(create_app(token_settings(), store=store)) as http:
            answer = (await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(token))).json()
            assert owners_by_service(answer)["checkout"] == [("jane", "jane@acme.test"), ("payments", "payments@acme.test")]
    finally:
        await store.close()


async def test_serve_warns_when_token_mode_has_no_token_yet(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    from catalog.auth.startup import notes

    [note] = await notes(token_settings(), store)
    assert "catalog token create" in note
    await create(store, capsys, "ops", "--scopes", "read,contacts,admin")
    assert await notes(token_settings(), store) == []

"""The access-control middleware over HTTP: proxy headers, the read scope, rate limits, the access
log, probes, introspection and CORS defaults, and `catalog serve` refusing anonymous on 0.0.0.0."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from catalog.api.app import create_app
from catalog.auth.authenticate import Anonymous
from catalog.auth.middleware import AccessControl, operation_name
from catalog.auth.ratelimit import RateLimiter
from catalog.auth.scopes import principal_of
from catalog.auth.startup import refusal
from catalog.settings import Settings
from catalog.store.embedded import EmbeddedStore
from tests._api_fixtures import answer_of, api_settings
from tests.test_auth_tokens import OWNERS_QUERY, client, owners_by_service, staffed

REPO = Path(__file__).resolve().parent.parent
PROXY = "10.20.0.5"
GROUPS = json.dumps({"sre": ["read", "contacts"]})


@pytest.fixture
async def staffed_store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    await store.ensure_schema()
    await staffed().sync(store)
    yield store
    await store.close()


def proxy_settings(**overrides: Any) -> Settings:
    return api_settings(auth="proxy", trusted_proxies=f"{PROXY}/32, 10.30.0.0/16", auth_group_scopes=GROUPS, **overrides)


async def test_proxy_headers_count_only_from_trusted_proxies(staffed_store: EmbeddedStore) -> None:
    app = create_app(proxy_settings(), store=staffed_store)
    sre = {"X-Forwarded-User": "jane", "X-Forwarded-Groups": "dev, sre"}
    async with client(app, peer="192.168.7.7") as direct:
        spoofed = await direct.post("/graphql", json={"query": OWNERS_QUERY}, headers=sre)
        assert spoofed.status_code == 401
        assert "192.168.7.7 is not in CATALOG_TRUSTED_PROXIES" in spoofed.json()["errors"][0]["message"]
    async with client(app, peer=PROXY) as proxied:
        answer = (await proxied.post("/graphql", json={"query": OWNERS_QUERY}, headers=sre)).json()
        assert owners_by_service(answer)["checkout"] == [("jane", "jane@acme.test"), ("payments", "payments@acme.test")]
        reader = (await proxied.post("/graphql", json={"query": OWNERS_QUERY}, headers={"X-Forwarded-User": "omar"})).json()
        assert owners_by_service(reader)["checkout"] == [("jane", None), ("payments", "payments@acme.test")]
        nobody = await proxied.post("/graphql", json={"query": OWNERS_QUERY})
        assert nobody.status_code == 401 and "no x-forwarded-user header" in nobody.text
    async with client(app, peer="10.30.4.4") as other_proxy:
        assert (await other_proxy.post("/graphql", json={"query": "{ __typename }"}, headers=sre)).status_code == 200


async def test_probes_answer_without_credentials(staffed_store: EmbeddedStore) -> None:
    async with client(create_app(proxy_settings(), store=staffed_store), peer="192.168.7.7") as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/graphql", params={"query": "{ __typename }"})).status_code == 401


def _probe_app(**kwargs: Any) -> Starlette:
    """A bare app behind the middleware: what it sees of the principal, and a /metrics route."""

    async def whoami(request: Request) -> PlainTextResponse:
        principal = principal_of(request)
        return PlainTextResponse(principal.key if principal else "nobody")

    app = Starlette(routes=[Route("/whoami", whoami), Route("/metrics", whoami), Route("/graphql", whoami, methods=["GET", "POST"])])
    return AccessControl(app, **kwargs)  # type: ignore[return-value]


async def test_metrics_needs_credentials_unless_made_public() -> None:
    limiter = RateLimiter(0, 1)
    settings = proxy_settings()
    from catalog.auth.authenticate import Proxy

    async with client(_probe_app(authenticator=Proxy(settings), limiter=limiter), peer="192.168.7.7") as http:
        assert (await http.get("/metrics")).status_code == 401
    async with client(_probe_app(authenticator=Proxy(settings), limiter=limiter, metrics_public=True), peer="192.168.7.7") as http:
        assert (await http.get("/metrics")).status_code == 200


async def test_rate_limit_answers_429_with_retry_after_per_principal() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 3, clock=lambda: now[0])
    app = _probe_app(authenticator=Anonymous(api_settings()), limiter=limiter)
    async with client(app, peer="127.0.0.1") as first, client(app, peer="127.0.0.2") as second:
        assert [(await first.get("/whoami")).status_code for _ in range(3)] == [200, 200, 200]
        limited = await first.get("/whoami")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert (await second.get("/whoami")).text == "anonymous:127.0.0.2", "each principal has its own bucket"
        now[0] += 0.5
        assert (await first.get("/whoami")).status_code == 200


async def test_failed_credentials_are_throttled_by_address(staffed_store: EmbeddedStore) -> None:
    app = create_app(api_settings(auth="token", rate_limit=1, rate_burst=2), store=staffed_store)
    async with client(app, peer="192.168.9.9") as http:
        statuses = [(await http.post("/graphql", json={}, headers={"Authorization": "Bearer ocat_guess"})).status_code for _ in range(4)]
        assert statuses[:2] == [401, 401] and statuses[2:] == [429, 429]


async def test_access_log_has_one_json_line_without_token_or_contacts(
    staffed_store: EmbeddedStore, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(proxy_settings(), store=staffed_store)
    caplog.set_level(logging.INFO, logger="catalog.access")
    headers = {"X-Forwarded-User": "jane", "X-Forwarded-Groups": "sre", "Authorization": "Bearer ocat_secretsecret"}
    async with client(app, peer=PROXY) as http:
        answer = await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=headers)
        assert "jane@acme.test" in answer.text
        await http.get(
            "/graphql", params={"query": '{ whoOwns(identifier: "jane@acme.test") { identification { message } } }'}, headers=headers
        )
    lines = [r.__dict__ for r in caplog.records if r.name == "catalog.access"]
    assert len(lines) == 2
    first = lines[0]
    assert {k: first[k] for k in ("principal", "method", "path", "operation", "status")} == {
        "principal": "proxy:jane",
        "method": "POST",
        "path": "/graphql",
        "operation": "Owners",
        "status": 200,
    }
    assert first["duration_ms"] >= 0 and "cost" in first
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "secretsecret" not in text and "acme.test" not in text


def test_operation_names_come_from_the_request_or_the_document() -> None:
    assert operation_name(b"", json.dumps({"query": "query Who { a }", "operationName": "Named"}).encode()) == "Named"
    assert operation_name(b"", json.dumps({"query": "# comment\n  query Who($x: Int) { a }"}).encode()) == "Who"
    assert operation_name(b"", json.dumps({"query": "{ a }"}).encode()) is None
    assert operation_name(b"query=query+Get+%7B+a+%7D", b"") == "Get"
    assert operation_name(b"", b"not json") is None


async def test_introspection_is_off_by_default_and_on_with_the_setting(staffed_store: EmbeddedStore) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    async with client(create_app(api_settings(), store=staffed_store)) as http:
        refused = (await http.post("/graphql", json=query)).json()
        assert "introspection" in refused["errors"][0]["message"].lower()
        assert answer_of(await http.post("/graphql", json={"query": "{ __typename }"})) == {"data": {"__typename": "Query"}}
    async with client(create_app(api_settings(introspection=True), store=staffed_store)) as http:
        assert answer_of(await http.post("/graphql", json=query)) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_cors_is_off_unless_origins_are_listed(staffed_store: EmbeddedStore) -> None:
    preflight = {"Origin": "https://portal.acme.test", "Access-Control-Request-Method": "POST"}
    async with client(create_app(api_settings(), store=staffed_store)) as http:
        answer = await http.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    async with client(create_app(api_settings(auth="token", cors_origins="https://portal.acme.test"), store=staffed_store)) as http:
        answer = await http.options("/graphql", headers=preflight)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://portal.acme.test"
        assert "access-control-allow-credentials" not in answer.headers


def test_serve_on_all_addresses_without_a_mode_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env["CATALOG_EMBEDDED_PATH"] = str(tmp_path / "catalog.lbdb")
    result = subprocess.run(
        [sys.executable, "-m", "catalog.cli", "serve", "--host", "0.0.0.0"], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0 without authentication" in result.stderr and "CATALOG_AUTH" in result.stderr
    assert not (tmp_path / "catalog.lbdb").exists(), "it refuses before touching the store"


def test_anonymous_is_allowed_on_loopback_or_on_purpose() -> None:
    assert refusal(Settings(host="127.0.0.1")) is None
    assert refusal(Settings(host="::1")) is None
    assert refusal(Settings(host="localhost")) is None
    assert refusal(Settings(host="0.0.0.0")) is not None
    assert refusal(Settings(host="0.0.0.0", allow_anonymous=True)) is None
    assert refusal(Settings(host="0.0.0.0", auth="token")) is None


def test_catalog_serve_with_token_auth_end_to_end(tmp_path: Path) -> None:
    """The real server: a token made by `catalog token create`, then `catalog serve --auth token`."""
    import socket
    import time

    import httpx

    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env["CATALOG_EMBEDDED_PATH"] = str(tmp_path / "catalog.lbdb")
    made = subprocess.run(
        [sys.executable, "-m", "catalog.cli", "token", "create", "ops", "--scopes", "read"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "catalog.cli", "serve", "--auth", "token", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        query = {"query": "query Count { services(first: 1) { totalCount } }"}
        refused = httpx.post(f"{base}/graphql", json=query, timeout=10)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        answer = httpx.post(f"{base}/graphql", json=query, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer_of(answer) == {"data": {"services": {"totalCount": 0}}}
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    lines = [line for line in logged if line["logger"] == "catalog.access" and line["path"] == "/graphql"]
    assert [(line["principal"], line["operation"], line["status"]) for line in lines] == [(None, None, 401), ("token:ops", "Count", 200)]
    assert token not in log.read_text()

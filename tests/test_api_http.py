"""The ASGI app over HTTP: GraphQL at /graphql, health at /healthz, the store's lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog.api.app import create_app
from catalog.settings import Settings
from catalog.store.base import GraphStore
from tests._api_fixtures import answer_of, api_settings
from tests.test_read_layer import shop


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test")  # type: ignore[arg-type]


async def test_graphql_over_http(store: GraphStore) -> None:
    await shop().sync(store)
    async with client(create_app(api_settings(), store=store)) as http:
        response = await http.post(
            "/graphql",
            json={
                "query": "query($n: String!) { service(name: $n) { name ownershipClaims { owner { ... on Team { name } } } } }",
                "variables": {"n": "checkout"},
            },
        )
        assert response.status_code == 200
        assert answer_of(response) == {"data": {"service": {"name": "checkout", "ownershipClaims": [{"owner": {"name": "payments"}}]}}}

        refused = await http.post(
            "/graphql", json={"query": '{ service(name: "checkout") { dependents(depth: 40) { nodes { distance } } } }'}
        )
        assert refused.json()["errors"][0]["message"] == "depth 40 exceeds the limit of 10 (CATALOG_MAX_DEPTH)"

        via_get = await http.get("/graphql", params={"query": '{ team(name: "search") { name } }'})
        assert answer_of(via_get) == {"data": {"team": {"name": "search"}}}

        health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"}


async def test_automatic_persisted_queries(store: GraphStore) -> None:
    from catalog.api.persisted import sha256_of

    await shop().sync(store)
    document = "query($n: String!) { service(name: $n) { name } }"
    digest = sha256_of(document)
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with client(create_app(api_settings(), store=store)) as http:
        unknown = (await http.post("/graphql", json={"variables": {"n": "checkout"}, "extensions": persisted})).json()
        assert unknown["data"] is None
        assert unknown["errors"][0]["message"] == "PersistedQueryNotFound"
        assert unknown["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}

        wrong = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(document + " ")}}
        mismatch = (await http.post("/graphql", json={"query": document, "variables": {"n": "checkout"}, "extensions": wrong})).json()
        assert mismatch["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_HASH_MISMATCH"}
        assert "not the SHA-256 of the query" in mismatch["errors"][0]["message"]

        registered = await http.post("/graphql", json={"query": document, "variables": {"n": "checkout"}, "extensions": persisted})
        assert answer_of(registered) == {"data": {"service": {"name": "checkout"}}}
        by_hash = await http.post("/graphql", json={"variables": {"n": "ledger"}, "extensions": persisted})
        assert answer_of(by_hash) == {"data": {"service": {"name": "ledger"}}}
        via_get = await http.get(
            "/graphql",
            params={"variables": '{"n": "checkout"}', "extensions": f'{{"persistedQuery": {{"version": 1, "sha256Hash": "{digest}"}}}}'},
        )
        assert answer_of(via_get) == {"data": {"service": {"name": "checkout"}}}

        malformed = (await http.post("/graphql", json={"extensions": {"persistedQuery": {"sha256Hash": 7}}})).json()
        assert malformed["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_INVALID"}


def test_persisted_queries_are_bounded() -> None:
    from strawberry.http import GraphQLRequestData

    from catalog.api.persisted import PersistedQueries, sha256_of

    def request(document: str | None, digest: str) -> GraphQLRequestData:
        return GraphQLRequestData(
            query=document, variables=None, operation_name=None, extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}}
        )

    kept = PersistedQueries(max_documents=2)
    documents = [f"{{ a{i}: __typename }}" for i in range(3)]
    for document in documents:
        kept.resolve(request(document, sha256_of(document)))
    assert len(kept) == 2
    assert not isinstance(kept.resolve(request(None, sha256_of(documents[0]))), GraphQLRequestData)  # the oldest went first
    found = kept.resolve(request(None, sha256_of(documents[2])))
    assert isinstance(found, GraphQLRequestData) and found.query == documents[2]


async def test_graphiql_is_served_only_when_enabled(store: GraphStore) -> None:
    async with client(create_app(api_settings(graphiql=True), store=store)) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        # Our own console, with nothing loaded from outside the catalog (GraphiQL's CDN is unreachable offline).
        assert page.status_code == 200 and "Query console" in page.text
        assert "//cdn" not in page.text and "unpkg" not in page.text and "jsdelivr" not in page.text
    async with client(create_app(api_settings(graphiql=False), store=store)) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404


async def test_the_lifespan_opens_the_configured_store_and_closes_it(tmp_path: Path) -> None:
    settings = Settings(store="embedded", embedded_path=tmp_path / "catalog.lbdb", graphiql=False)
    app = create_app(settings)
    async with client(app) as http:
        before = await http.get("/readyz")
        assert before.status_code == 503 and "not open" in before.json()["reason"]
        assert (await http.get("/healthz")).status_code == 200
        async with app.router.lifespan_context(app):
            ready = await http.get("/readyz")
            assert ready.json() == {"status": "ready"}
            response = await http.post("/graphql", json={"query": "{ services { totalCount } }"})
            assert answer_of(response) == {"data": {"services": {"totalCount": 0}}}
        after = await http.get("/readyz")
        assert after.status_code == 503
        # Neither answer says where the store is.
        assert str(tmp_path) not in before.text + ready.text + after.text


@pytest.mark.parametrize("limit", [1, 3])
async def test_at_most_max_concurrent_walks_blast_radius_and_adoption_answers_run_at_once(
    store: GraphStore, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalog.api.impact import queries

    await shop().sync(store)
    running = 0
    most = 0

    def observed(answer: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal running, most
            running += 1
            most = max(most, running)
            try:
                await asyncio.sleep(0.02)  # long enough for the other requests to arrive
                return await answer(*args, **kwargs)
            finally:
                running -= 1

        return wrapper

    monkeypatch.setattr(queries.impact, "impact", observed(queries.impact.impact))
    monkeypatch.setattr(queries.answers, "adoption", observed(queries.answers.adoption))
    documents = ['{ blastRadius(service: "payments") { totalServices } }', "{ adoption { company { total } } }"] * 3
    async with client(create_app(api_settings(max_concurrent_walks=limit), store=store)) as http:
        responses = await asyncio.gather(*(http.post("/graphql", json={"query": document}) for document in documents))
    assert all("errors" not in response.json() for response in responses)
    assert most == limit

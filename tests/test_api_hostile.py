"""Hostile input against the API over HTTP, on both stores: each attack gets a clear error naming
the limit and its setting, and a simple lookup sent beside it still answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from catalog.api.app import create_app
from catalog.settings import Settings
from catalog.store.base import GraphStore
from tests._api_fixtures import answer_of, api_settings
from tests.test_read_layer import shop

LOOKUP = {"query": '{ service(name: "checkout") { name ownershipClaims { owner { ... on Team { name } } } } }'}
LOOKUP_ANSWER = {"data": {"service": {"name": "checkout", "ownershipClaims": [{"owner": {"name": "payments"}}]}}}


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test", timeout=60)  # type: ignore[arg-type]


async def _http(store: GraphStore, settings: Settings | None = None) -> AsyncIterator[httpx.AsyncClient]:
    await shop().sync(store)
    async with client(create_app(settings or api_settings(), store=store)) as http:
        yield http


async def beside_a_lookup(http: httpx.AsyncClient, attack: Awaitable[httpx.Response]) -> httpx.Response:
    """The attack's answer, after checking that a lookup sent at the same time answered in full."""
    attacked, looked_up = await asyncio.gather(attack, http.post("/graphql", json=LOOKUP))
    assert looked_up.status_code == 200 and answer_of(looked_up) == LOOKUP_ANSWER
    return attacked


def fragment_bomb(levels: int, leaf: str = "name") -> str:
    """Each fragment spreads the one below twice: 2^levels selections from a few hundred bytes."""
    fragments = [f"fragment F0 on Service {{ {leaf} }}"]
    fragments += [f"fragment F{i} on Service {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f'{{ service(name: "checkout") {{ ...F{levels} }} }}\n' + "\n".join(fragments)


def messages(response: httpx.Response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


def settings_named(response: httpx.Response) -> set[str]:
    return {error["extensions"]["setting"] for error in response.json()["errors"]}


async def test_the_fragment_bomb_is_refused_by_size_and_cost(store: GraphStore) -> None:
    document = fragment_bomb(29)
    assert len(document) < 1300
    async for http in _http(store):
        refused = await beside_a_lookup(http, http.post("/graphql", json={"query": document}))
    assert refused.status_code == 200 and refused.json()["data"] is None
    assert messages(refused) == [
        "'anonymous' selects `name` 536870912 times in one selection set, above the limit of 20 (CATALOG_MAX_REPEATED_FIELDS); "
        "select each field once",
        "'anonymous' has an estimated cost of 536870913, above the limit of 250000 (CATALOG_MAX_QUERY_COST); each field counts once, "
        "times the page sizes, ids and walk levels of the lists it is nested in: ask for smaller pages (`first`), fewer nested lists "
        "or shallower walks",
    ]
    assert refused.json()["errors"][1]["extensions"] == {
        "code": "LIMIT_EXCEEDED",
        "setting": "CATALOG_MAX_QUERY_COST",
        "limit": 250000,
        "value": 536870913,
    }


async def test_a_fragment_bomb_of_distinct_objects_is_refused_by_cost(store: GraphStore) -> None:
    # No field repeats at any level here: each level nests the one below under two different fields.
    fragments = ["fragment F0 on Service { name }"]
    fragments += [
        f"fragment F{i} on Service {{ system {{ services {{ ...F{i - 1} }} }} subcomponents {{ ...F{i - 1} }} }}" for i in range(1, 7)
    ]
    document = '{ service(name: "checkout") { ...F6 } }\n' + "\n".join(fragments)
    async for http in _http(store):
        refused = await beside_a_lookup(http, http.post("/graphql", json={"query": document}))
    assert settings_named(refused) == {"CATALOG_MAX_QUERY_COST"}


async def test_an_alias_bomb_through_fragments_is_refused(store: GraphStore) -> None:
    fragments = ["fragment F0 on Service { a: name b: title }"]
    fragments += [
        f"fragment F{i} on Service {{ x{i}: system {{ services {{ ...F{i - 1} }} }} y{i}: system {{ services {{ ...F{i - 1} }} }} }}"
        for i in range(1, 12)
    ]
    document = '{ service(name: "checkout") { ...F11 } }\n' + "\n".join(fragments)
    async for http in _http(store, api_settings(max_query_cost=10**15, max_query_depth=50)):
        refused = await beside_a_lookup(http, http.post("/graphql", json={"query": document}))
    assert settings_named(refused) == {"CATALOG_MAX_ALIASES"}
    assert messages(refused) == [
        "'anonymous' uses 8190 aliases, above the limit of 30 (CATALOG_MAX_ALIASES); send several smaller requests"
    ]


async def test_a_cost_bomb_of_pages_and_walks_is_refused_before_it_reads(store: GraphStore) -> None:
    document = (
        "{ services(first: 500) { edges { node { dependents(depth: 10) { nodes { service { "
        "dependents(depth: 10) { nodes { distance } } } } } } } } }"
    )
    async for http in _http(store):
        before = store.round_trips
        refused = await http.post("/graphql", json={"query": document})
        assert store.round_trips == before
    assert settings_named(refused) == {"CATALOG_MAX_QUERY_COST"}
    assert "estimated cost of 2576501, above the limit of 250000" in messages(refused)[0]


async def test_many_fragments_selecting_one_field_are_refused_before_the_quadratic_rule(store: GraphStore) -> None:
    # graphql-core's check that same-named fields merge compares them pairwise: 2.5 s for this one.
    spreads = " ".join(f"...F{i}" for i in range(400))
    document = f'{{ service(name: "checkout") {{ {spreads} }} }}\n' + "\n".join(f"fragment F{i} on Service {{ name }}" for i in range(400))
    async for http in _http(store):
        refused = await beside_a_lookup(http, http.post("/graphql", json={"query": document}))
    assert messages(refused) == [
        "'anonymous' selects `name` 400 times in one selection set, above the limit of 20 (CATALOG_MAX_REPEATED_FIELDS); "
        "select each field once"
    ]


async def test_a_huge_body_gets_413_naming_the_setting(store: GraphStore) -> None:
    expected = {
        "errors": [
            {
                "message": "the request body is larger than 4096 bytes, the limit (CATALOG_MAX_BODY_BYTES); send a smaller request",
                "extensions": {"code": "PAYLOAD_TOO_LARGE", "setting": "CATALOG_MAX_BODY_BYTES", "limit": 4096},
            }
        ]
    }
    body = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * 300_000 + b'"}}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    async for http in _http(store, api_settings(max_body_bytes=4096)):
        declared = await beside_a_lookup(http, http.post("/graphql", content=body, headers={"content-type": "application/json"}))
        streamed = await beside_a_lookup(http, http.post("/graphql", content=chunks(), headers={"content-type": "application/json"}))
        long_url = await http.get("/graphql", params={"query": "{ __typename }", "pad": "x" * 5000})
    for response in (declared, streamed):
        assert response.status_code == 413 and response.json() == expected
    assert long_url.status_code == 414 and "CATALOG_MAX_BODY_BYTES" in messages(long_url)[0]


async def test_huge_variable_lists_and_list_arguments_are_refused(store: GraphStore) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    async for http in _http(store, api_settings(max_body_bytes=10_000_000)):
        variables = await beside_a_lookup(http, http.post("/graphql", json={"query": query, "variables": {"ids": ["x"] * 200_000}}))
        nested = await http.post(
            "/graphql",
            json={"query": "query($f: ServiceFilter) { services(filter: $f) { totalCount } }", "variables": {"f": {"search": ["x"] * 501}}},
        )
        literal = await http.post("/graphql", json={"query": "{ nodes(ids: [" + ", ".join(['"x"'] * 501) + "]) { id } }"})
        within = await http.post("/graphql", json={"query": query, "variables": {"ids": []}})
    assert messages(variables) == [
        "`$ids` has 200000 items, above the limit of 500 (CATALOG_MAX_LIST_ITEMS); send several smaller requests"
    ]
    assert messages(nested) == ["`$f.search` has 501 items, above the limit of 500 (CATALOG_MAX_LIST_ITEMS); send several smaller requests"]
    assert messages(literal) == ["`ids` has 501 items, above the limit of 500 (CATALOG_MAX_LIST_ITEMS); send several smaller requests"]
    assert answer_of(within) == {"data": {"nodes": []}}


def _held(answer: Callable[..., Awaitable[Any]], release: asyncio.Event, seen: list[str]) -> Callable[..., Awaitable[Any]]:
    """The real answer, once ``release`` is set; records whether it finished or was cancelled."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            await release.wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        result = await answer(*args, **kwargs)
        seen.append("finished")
        return result

    return wrapper


async def test_a_request_past_its_time_is_stopped_with_504_and_its_work_cancelled(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalog.api.impact import queries

    seen: list[str] = []
    monkeypatch.setattr(queries.impact, "impact", _held(queries.impact.impact, asyncio.Event(), seen))
    async for http in _http(store, api_settings(request_timeout=0.5)):
        stopped = await beside_a_lookup(
            http, http.post("/graphql", json={"query": '{ blastRadius(service: "payments") { totalServices } }'})
        )
    assert stopped.status_code == 504
    assert stopped.json() == {
        "errors": [
            {
                "message": "the request took longer than 0.5 s, the limit (CATALOG_REQUEST_TIMEOUT), and was stopped; "
                "ask for less (smaller pages, shallower walks) or retry later",
                "extensions": {"code": "REQUEST_TIMEOUT", "setting": "CATALOG_REQUEST_TIMEOUT", "limit": 0.5},
            }
        ]
    }
    assert seen == ["cancelled"]


async def test_heavy_answers_past_the_waiting_limit_get_429_at_once(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from catalog.api.impact import queries

    release = asyncio.Event()
    seen: list[str] = []
    monkeypatch.setattr(queries.impact, "impact", _held(queries.impact.impact, release, seen))
    heavy = {"query": '{ blastRadius(service: "payments") { totalServices } }'}
    async for http in _http(store, api_settings(max_concurrent_walks=1, max_waiting_walks=1)):
        first = asyncio.create_task(http.post("/graphql", json=heavy))
        second = asyncio.create_task(http.post("/graphql", json=heavy))
        gate = http._transport.app.state.walks  # type: ignore[attr-defined]
        for _ in range(1000):  # until one answer runs and one waits for its turn
            if gate.running == 1 and gate.waiting == 1:
                break
            await asyncio.sleep(0.01)
        refused = await asyncio.gather(*(http.post("/graphql", json=heavy) for _ in range(3)))
        looked_up = await http.post("/graphql", json=LOOKUP)
        release.set()
        served = await asyncio.gather(first, second)
    for response in refused:
        assert response.status_code == 429
        assert response.headers["retry-after"].isdigit() and int(response.headers["retry-after"]) >= 1
        assert "(CATALOG_MAX_WAITING_WALKS=1, CATALOG_MAX_CONCURRENT_WALKS=1)" in messages(response)[0]
    assert answer_of(looked_up) == LOOKUP_ANSWER
    assert [r.status_code for r in served] == [200, 200] and seen == ["finished", "finished"]

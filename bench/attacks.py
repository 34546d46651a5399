"""``python -m bench.attacks URL``: the hostile requests of issue 11 against a running server, each
beside a few owner lookups, with how long the attack's answer and the slowest lookup took.

Run it against ``catalog demo`` (or any catalog) to see that every attack gets a quick, clear
refusal and that lookups sent at the same moment still answer. Each attack carries an
``X-Request-Id`` (``attack-...``), so the server's JSON log gives its server-side time too.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx

LOOKUP = {"query": '{ service(name: "checkout") { name ownershipClaims { owner { ... on Team { name } } } } }'}
HEAVY = {"query": '{ blastRadius(service: "identity", depth: 10) { totalServices teams { nodes { owner { ... on Team { name } } } } } }'}


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Service { name }"]
    fragments += [f"fragment F{i} on Service {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f'{{ service(name: "checkout") {{ ...F{levels} }} }}\n' + "\n".join(fragments)


def alias_bomb(levels: int) -> str:
    below = "x{1}: system {{ services {{ nodes {{ ...F{0} }} }} }} y{1}: system {{ services {{ nodes {{ ...F{0} }} }} }}"
    fragments = ["fragment F0 on Service { a: name b: title }"]
    fragments += [f"fragment F{i} on Service {{ {below.format(i - 1, i)} }}" for i in range(1, levels + 1)]
    return f'{{ service(name: "checkout") {{ ...F{levels} }} }}\n' + "\n".join(fragments)


def repeated_field(count: int) -> str:
    spreads = " ".join(f"...F{i}" for i in range(count))
    return f'{{ service(name: "checkout") {{ {spreads} }} }}\n' + "\n".join(f"fragment F{i} on Service {{ name }}" for i in range(count))


COST_BOMB = (
    "{ services(first: 500) { edges { node { dependents(depth: 10) { nodes { service { "
    "dependents(depth: 10) { nodes { distance } } } } } } } } }"
)


async def _timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await request
    return response, (time.perf_counter() - started) * 1000


async def _beside_lookups(http: httpx.AsyncClient, url: str, name: str, **request: Any) -> None:
    async def lookup() -> tuple[httpx.Response, float]:
        await asyncio.sleep(0.005)  # sent just after the attack
        return await _timed(http.post(url, json=LOOKUP))

    headers = {**request.pop("headers", {}), "x-request-id": f"attack-{name}"}
    attack, *lookups = await asyncio.gather(_timed(http.post(url, headers=headers, **request)), *(lookup() for _ in range(5)))
    response, ms = attack
    answered = all(r.status_code == 200 and r.json()["data"]["service"]["name"] == "checkout" for r, _ in lookups)
    first = response.json().get("errors", [{}])[0].get("message", "")[:110]
    slowest = max(m for _, m in lookups)
    print(f"{name}: HTTP {response.status_code} in {ms:.0f} ms; 5 lookups beside it answered={answered}, slowest {slowest:.0f} ms")
    print(f"    {first}")


async def _chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 1_000_000):
        yield b"x" * 1_000_000


async def run(url: str) -> None:
    async with httpx.AsyncClient(timeout=120) as http:
        for _ in range(3):  # warm the caches and the connection pool
            await http.post(url, json=LOOKUP)
        await _beside_lookups(http, url, "fragment-bomb-29", json={"query": fragment_bomb(29)})
        await _beside_lookups(http, url, "alias-bomb-11", json={"query": alias_bomb(11)})
        await _beside_lookups(http, url, "cost-bomb", json={"query": COST_BOMB})
        await _beside_lookups(http, url, "repeated-field-400", json={"query": repeated_field(400)})
        ids = ["U2VydmljZTpjb21wb25lbnQ6ZGVmYXVsdC9jaGVja291dA=="] * 200_000
        many = {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ids}}
        await _beside_lookups(http, url, "ids-200000", json=many)
        short = {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ["x"] * 170_000}}
        await _beside_lookups(http, url, "ids-170000-under-the-body-limit", json=short)
        await _beside_lookups(http, url, "body-30MB-chunked", content=_chunks(30_000_000), headers={"content-type": "application/json"})
        heavy = await asyncio.gather(*(_timed(http.post(url, json=HEAVY, headers={"x-request-id": "attack-heavy"})) for _ in range(50)))
        by_status: dict[int, list[float]] = {}
        for response, ms in heavy:
            by_status.setdefault(response.status_code, []).append(ms)
        retry = sorted({r.headers.get("retry-after", "") for r, _ in heavy if r.status_code == 429})
        summary = ", ".join(f"{len(v)} x HTTP {code} (slowest {max(v):.0f} ms)" for code, v in sorted(by_status.items()))
        print(f"50 concurrent blast radii: {summary}; Retry-After {retry}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attacks", description=__doc__)
    parser.add_argument("url", help="the server's GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql")
    asyncio.run(run(parser.parse_args(argv).url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m bench.inproc STORE [--only TEXT] [--calls N]``: each benchmark query in process, one call at a time.

STORE is an embedded store's path or a Neo4j URI (auth from CATALOG_NEO4J_USER/PASSWORD). For
each query of ``bench.queries`` (inputs found in the store as ``python -m bench`` finds them), it
prints the p50 of the GraphQL document run through ``schema.execute``, of the same answer
taken directly from the answers and read layers, and of the web page that shows it (a GET
through the ASGI app, rendering included, no socket): what a request costs before HTTP and
concurrency. Use it on a store a benchmark left behind (``--workdir``), to profile one query.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.queries import build_queries, find_targets
from catalog.answers.scorecard import build_run, build_run_company
from catalog.api.app import create_app
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.store import open_store
from catalog.store.base import GraphStore

Row = tuple[str, float | None, float | None, float | None]

BUILD_RUN = """query($t: String!) {
  buildRun(team: $t) {
    overall isFullyBuildRun
    build { verdict share reason repositories(first: 100) { nodes { repository { slug } state } } }
    run { verdict share reason services(first: 100) { nodes { service { name } state } } }
    support { verdict share reason services(first: 100) { nodes { service { name } state handedOffTo { name } } } }
    platformRole { owns onCall runsOnIt }
  }
}"""


SCORECARD_ROWS = ("buildRun(team)", "Build-Run scorecard, whole company")


async def _scorecard_rows(store: GraphStore, settings: Settings, team: str, calls: int) -> list[Row]:
    """The Build-Run scorecard: one team through GraphQL and directly, and every team of the company directly
    (one bulk read, scored in memory; what the company view and the audits build on)."""
    schema = build_schema(settings)
    reader = CatalogReader(store)
    graphql: list[float] = []
    one: list[float] = []
    company: list[float] = []
    teams = 0
    for _ in range(calls):
        started = time.perf_counter()
        result = await schema.execute(BUILD_RUN, variable_values={"t": team}, context_value=build_context(store, settings))
        graphql.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"buildRun: {result.errors[0].message}")
        started = time.perf_counter()
        await build_run(reader, team)
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        teams = len((await build_run_company(reader)).teams)
        company.append(time.perf_counter() - started)
    return [
        (f"buildRun(team) ({team})", statistics.median(graphql) * 1000, statistics.median(one) * 1000, None),
        (f"Build-Run scorecard, whole company ({teams} teams)", None, statistics.median(company) * 1000, None),
    ]


async def _get_page(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    # The search for a pod answers with a redirect to the service page; any other status is a broken page.
    if response.status_code not in (200, 303):
        raise RuntimeError(f"page {path}: HTTP {response.status_code}")


async def run(store_at: str, only: str, calls: int) -> list[Row]:
    """(query, GraphQL p50 ms, direct p50 ms or None, page p50 ms or None) for each query whose name contains ``only``."""
    if "://" in store_at:
        settings = Settings(store="neo4j", neo4j_uri=store_at)
    else:
        settings = Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None)
    store = await open_store(settings)
    results: list[Row] = []
    app = create_app(settings, store=store)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local")
    try:
        targets = await find_targets(store, seed=1)
        queries = build_queries(targets, max_depth=settings.max_depth)
        schema = build_schema(settings)
        for query in queries:
            if only.lower() not in query.name.lower():
                continue
            graphql: list[float] = []
            direct: list[float] = []
            page: list[float] = []
            for i in range(calls):
                variables = query.variables[i % len(query.variables)]
                started = time.perf_counter()
                result = await schema.execute(query.document, variable_values=variables, context_value=build_context(store, settings))
                graphql.append(time.perf_counter() - started)
                if result.errors:
                    raise RuntimeError(f"{query.name}: {result.errors[0].message}")
                if query.direct is not None:
                    started = time.perf_counter()
                    await query.direct(store, variables)
                    direct.append(time.perf_counter() - started)
                if query.page is not None:
                    started = time.perf_counter()
                    await _get_page(http, query.page(variables))
                    page.append(time.perf_counter() - started)
            row = (
                query.name,
                statistics.median(graphql) * 1000,
                statistics.median(direct) * 1000 if direct else None,
                statistics.median(page) * 1000 if page else None,
            )
            results.append(_shown(row))
        if any(only.lower() in name.lower() for name in SCORECARD_ROWS):
            results.extend(_shown(row) for row in await _scorecard_rows(store, settings, targets.team, calls))
    finally:
        await http.aclose()
        await store.close()
    return results


def _shown(row: Row) -> Row:
    def ms(value: float | None) -> str:
        return f"{value:9.1f} ms" if value is not None else "        —   "

    print(f"{row[0]:45s} GraphQL p50 {ms(row[1])}   direct p50 {ms(row[2])}   page p50 {ms(row[3])}", flush=True)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("store", help="embedded store path, or a Neo4j URI such as neo4j://127.0.0.1:7687")
    parser.add_argument("--only", default="", help="only the queries whose name contains this text")
    parser.add_argument("--calls", type=int, default=20, help="calls per query (default 20)")
    args = parser.parse_args(argv)
    asyncio.run(run(args.store, args.only, args.calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())

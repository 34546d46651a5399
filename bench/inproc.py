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

from bench.queries import ADOPTION, build_queries, find_targets
from catalog.answers.adoption import adoption
from catalog.api.app import create_app
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.read.snapshot import SnapshotReader, build_snapshot
from catalog.settings import Settings
from catalog.store import open_store
from catalog.store.base import GraphStore

Row = tuple[str, float, float | None, float | None]


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
        queries = build_queries(await find_targets(store, seed=1), max_depth=settings.max_depth)
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
            results.append(row)
            shown = f"{row[2]:9.1f} ms" if row[2] is not None else "        —   "
            paged = f"{row[3]:9.1f} ms" if row[3] is not None else "        —"
            print(f"{row[0]:45s} GraphQL p50 {row[1]:9.1f} ms   direct p50 {shown}   page p50 {paged}", flush=True)
        results += await _from_snapshot(store, settings, only, calls)
    finally:
        await http.aclose()
        await store.close()
    return results


SNAPSHOT_ADOPTION = "adoption (company, by team), snapshot"


async def _from_snapshot(store: GraphStore, settings: Settings, only: str, calls: int) -> list[Row]:
    """Answers the server serves from its snapshot (``catalog.read.snapshot``), over one snapshot built first."""
    if only.lower() not in SNAPSHOT_ADOPTION.lower():
        return []
    snapshot = await build_snapshot(store)
    print(f"{'snapshot build':45s} {snapshot.build_seconds * 1000:9.1f} ms", flush=True)
    schema = build_schema(settings)
    reader = SnapshotReader(store, snapshot)
    graphql: list[float] = []
    direct: list[float] = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await schema.execute(ADOPTION, context_value=build_context(store, settings, snapshot=snapshot))
        graphql.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"{SNAPSHOT_ADOPTION}: {result.errors[0].message}")
        started = time.perf_counter()
        await adoption(reader, "team")
        direct.append(time.perf_counter() - started)
    row = (SNAPSHOT_ADOPTION, statistics.median(graphql) * 1000, statistics.median(direct) * 1000, None)
    print(f"{row[0]:45s} GraphQL p50 {row[1]:9.1f} ms   direct p50 {row[2]:9.1f} ms   page p50         —", flush=True)
    return [row]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("store", help="embedded store path, or a Neo4j URI such as neo4j://127.0.0.1:7687")
    parser.add_argument("--only", default="", help="only the queries whose name contains this text")
    parser.add_argument("--calls", type=int, default=20, help="calls per query (default 20)")
    parser.add_argument(
        "--incident", action="store_true", help="instead: blast radius page and onCall now, snapshot vs Cypher (bench.incident)"
    )
    args = parser.parse_args(argv)
    asyncio.run(incident(args.store, args.calls) if args.incident else run(args.store, args.only, args.calls))
    return 0


async def incident(store_at: str, calls: int) -> None:
    """The incident rows (``bench.incident``) on the store at ``store_at``."""
    from bench.incident import incident_rows

    settings = _settings(store_at)
    store = await open_store(settings)
    try:
        await incident_rows(store, settings, calls)
    finally:
        await store.close()


def _settings(store_at: str) -> Settings:
    if "://" in store_at:
        return Settings(store="neo4j", neo4j_uri=store_at)
    return Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None)


if __name__ == "__main__":
    sys.exit(main())

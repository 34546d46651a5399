"""``python -m bench.inproc STORE [--only TEXT] [--calls N]``: each benchmark query in process, one call at a time.

STORE is an embedded store's path or a Neo4j URI (auth from CATALOG_NEO4J_USER/PASSWORD). For
each query of ``bench.queries`` (inputs found in the store as ``python -m bench`` finds them), it
prints the p50 of the GraphQL document run through ``schema.execute`` and of the same answer
taken directly from the answers and read layers: what a request costs before HTTP and
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

from bench.queries import build_queries, find_targets
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.settings import Settings
from catalog.store import open_store


async def run(store_at: str, only: str, calls: int) -> list[tuple[str, float, float | None]]:
    """(query, GraphQL p50 ms, direct p50 ms or None) for each query whose name contains ``only``."""
    if "://" in store_at:
        settings = Settings(store="neo4j", neo4j_uri=store_at)
    else:
        settings = Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None)
    store = await open_store(settings)
    results: list[tuple[str, float, float | None]] = []
    try:
        queries = build_queries(await find_targets(store, seed=1), max_depth=settings.max_depth)
        schema = build_schema(settings)
        for query in queries:
            if only.lower() not in query.name.lower():
                continue
            graphql: list[float] = []
            direct: list[float] = []
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
            row = (query.name, statistics.median(graphql) * 1000, statistics.median(direct) * 1000 if direct else None)
            results.append(row)
            shown = f"{row[2]:9.1f} ms" if row[2] is not None else "        —"
            print(f"{row[0]:45s} GraphQL p50 {row[1]:9.1f} ms   direct p50 {shown}", flush=True)
    finally:
        await store.close()
    return results


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

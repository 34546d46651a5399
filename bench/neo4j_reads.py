"""``python -m bench.neo4j_reads URI``: what each way of running a read costs the Neo4j driver.

The same small query (five rows) is run 1,000 times one after another and 3,200 times at
concurrency 16, as

- ``execute_query`` (a managed transaction, with the driver's default bookmark manager);
- ``execute_query`` without a bookmark manager;
- ``session.execute_read`` (a managed transaction in a READ session);
- an auto-commit ``session.run`` in a READ session, which ``Neo4jStore`` uses;

and the wall time, the client's CPU per query and the queries per second are printed. Client
CPU is what limits an API server on the same cores as its load.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

import neo4j
from neo4j import AsyncGraphDatabase, RoutingControl

QUERY = "UNWIND range(1, $n) AS x RETURN x, 'abc' AS y"
PARAMS = {"n": 5}
CONCURRENT = 3200
"""Queries run at concurrency 16, 200 per worker."""


async def main(uri: str, *, sequential: int = 1000, concurrent: int = CONCURRENT) -> list[tuple[str, float, float, float, float]]:
    """Prints the table and returns its rows: (way, wall ms, cpu ms, queries/s at c16, cpu ms at c16)."""
    driver = AsyncGraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF")

    async def rows(result: neo4j.AsyncResult) -> list[dict[str, object]]:
        return await result.data()

    async def execute_query() -> None:
        await driver.execute_query(QUERY, PARAMS, routing_=RoutingControl.READ, database_="neo4j")

    async def execute_query_no_bookmarks() -> None:
        await driver.execute_query(QUERY, PARAMS, routing_=RoutingControl.READ, database_="neo4j", bookmark_manager_=None)

    async def execute_read() -> None:
        async with driver.session(database="neo4j", default_access_mode=neo4j.READ_ACCESS) as session:

            async def work(tx: neo4j.AsyncManagedTransaction) -> list[dict[str, object]]:
                return await rows(await tx.run(QUERY, PARAMS))

            await session.execute_read(work)

    async def auto_commit() -> None:
        async with driver.session(database="neo4j", default_access_mode=neo4j.READ_ACCESS) as session:
            await rows(await session.run(QUERY, PARAMS))

    ways: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("execute_query", execute_query),
        ("execute_query, no bookmarks", execute_query_no_bookmarks),
        ("execute_read", execute_read),
        ("auto-commit (Neo4jStore)", auto_commit),
    ]
    table: list[tuple[str, float, float, float, float]] = []
    print(f"{'way':30s} {'wall ms':>8s} {'cpu ms':>7s} {'c16 q/s':>8s} {'c16 cpu ms':>10s}")
    for name, run in ways:
        for _ in range(sequential // 10):
            await run()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(sequential):
            await run()
        one_wall, one_cpu = (time.perf_counter() - wall) / sequential * 1000, (time.process_time() - cpu) / sequential * 1000
        cpu, wall = time.process_time(), time.perf_counter()

        async def worker(run: Callable[[], Awaitable[None]] = run) -> None:
            for _ in range(concurrent // 16):
                await run()

        await asyncio.gather(*(worker() for _ in range(16)))
        rate, many_cpu = concurrent / (time.perf_counter() - wall), (time.process_time() - cpu) / concurrent * 1000
        print(f"{name:30s} {one_wall:8.3f} {one_cpu:7.3f} {rate:8,.0f} {many_cpu:10.3f}", flush=True)
        table.append((name, one_wall, one_cpu, rate, many_cpu))
    await driver.close()
    return table


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m bench.neo4j_reads URI   (e.g. neo4j://127.0.0.1:7687, auth disabled)", file=sys.stderr)
        sys.exit(2)
    try:
        import uvloop

        uvloop.run(main(sys.argv[1]))
    except ImportError:
        asyncio.run(main(sys.argv[1]))

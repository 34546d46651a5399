"""The Neo4j store: the system of record for real deployments.

Cluster-ready: accepts ``neo4j://`` routing URIs, routes reads to readers and writes to the
leader, and runs writes as managed transactions, which the driver retries; every write the
catalog issues is an idempotent MERGE or SET, so a retry is harmless.

Reads are auto-commit queries in READ sessions: a managed transaction costs two more Bolt
messages and, through ``execute_query``, a shared bookmark manager; auto-commit reads answer
about a third more queries per second on the same cores (BENCHMARKS.md). The driver does not
retry auto-commit queries, so this store does, on the errors the driver marks retryable (a
leader switch, an unreachable member, a transient error); every read is read-only, so a retry is
harmless. Reads carry the bookmarks of this store's own writes, so a sync reads what it has just
written even from a follower; a store that never writes (an API server) reads without waiting.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, Bookmarks
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from catalog import cypher
from catalog.store.base import GraphStore, Row, StoreError, StoreUnavailable
from catalog.store.dialect import NEO4J

T = TypeVar("T")

READ_ATTEMPTS = 5
"""Attempts per read on retryable errors; with the delays below, about 6 s in all, as a cluster
needs to elect a new leader or refresh its routing table."""
FIRST_RETRY_DELAY = 0.2
"""Seconds before the second attempt; doubled for each further one, with jitter."""


class Neo4jStore(GraphStore):
    dialect = NEO4J

    def __init__(self, uri: str, *, user: str | None = None, password: str | None = None, database: str = "neo4j") -> None:
        super().__init__()
        self.uri = uri
        self.database = database
        auth = (user, password or "") if user else None
        try:
            # Reads project every declared property, including ones no import has written yet,
            # which Neo4j would otherwise warn about on every query.
            self._driver = AsyncGraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
        except ValueError as exc:
            raise StoreUnavailable(
                f"CATALOG_NEO4J_URI={uri!r} is not a Neo4j URI ({exc}); use neo4j://host:7687 or bolt://host:7687"
            ) from exc
        self._bookmarks = Bookmarks.from_raw_values(())
        """Bookmarks of this store's latest writes, which its reads wait for."""

    async def connect(self) -> None:
        try:
            await self._driver.verify_connectivity()
        except AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials; check CATALOG_NEO4J_USER and CATALOG_NEO4J_PASSWORD"
            ) from exc
        except (ServiceUnavailable, OSError) as exc:
            raise StoreUnavailable(f"cannot reach Neo4j at {self.uri}: {exc}; is it running, and is CATALOG_NEO4J_URI right?") from exc

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._read(query, params, lambda result: result.data())

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        # One record holding every row as a map: the driver spends tens of microseconds on each
        # record it receives, which made reading 100k rows take seconds where the query took 0.3 s.
        fields = ", ".join(f"{name}: {expr}" for name, expr in columns.items())
        record = await self._read(f"{match} RETURN collect({{{fields}}}) AS rows", params, lambda result: result.single())
        return list(record[0]) if record is not None else []

    async def _read(self, query: str, params: Mapping[str, Any] | None, take: Callable[[neo4j.AsyncResult], Awaitable[T]]) -> T:
        self.round_trips += 1
        parameters = dict(params or {})
        delay = FIRST_RETRY_DELAY
        attempt = 1
        while True:
            try:
                async with self._driver.session(
                    database=self.database, default_access_mode=neo4j.READ_ACCESS, bookmarks=self._bookmarks
                ) as session:
                    return await take(await session.run(query, parameters))
            except (Neo4jError, DriverError) as exc:
                if attempt == READ_ATTEMPTS or not exc.is_retryable():
                    message = exc.message if isinstance(exc, Neo4jError) else str(exc)
                    retried = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise StoreError(f"Neo4j read failed{retried}: {message}\n{query}") from exc
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay *= 2
            attempt += 1

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.round_trips += 1

        async def work(tx: neo4j.AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(query, dict(params or {}))
            return await result.data()

        used = self._bookmarks
        try:
            async with self._driver.session(database=self.database, bookmarks=used) as session:
                rows = await session.execute_write(work)
                written = await session.last_bookmarks()
        except Neo4jError as exc:
            raise StoreError(f"Neo4j write failed: {exc.message}\n{query}") from exc
        # As the driver's bookmark manager does: this write supersedes the bookmarks it started
        # from, and keeps those of writes that finished meanwhile.
        self._bookmarks = Bookmarks.from_raw_values((self._bookmarks.raw_values - used.raw_values) | written.raw_values)
        return rows

    async def ensure_schema(self) -> None:
        for statement in cypher.neo4j_schema():
            # Schema commands cannot share a transaction with data writes; each runs alone.
            await self._driver.execute_query(statement, database_=self.database)
        await self._driver.execute_query("CALL db.awaitIndexes(300)", database_=self.database)

    async def close(self) -> None:
        await self._driver.close()

    def describe(self) -> str:
        return f"neo4j {self.uri} (database {self.database})"

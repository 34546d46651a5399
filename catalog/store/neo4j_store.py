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

Every wait is bounded (``StoreTimeouts``): the driver's connection, pool-acquisition and retry
limits, a server-side timeout on each query, and a client-side deadline just past it. The
server-side one stops a slow query on a live server; only the client-side one helps when the
server is paused or unreachable mid-query (a stopped JVM accepts TCP and never answers), and
then the driver closes the connection it was waiting on rather than return it to the pool.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, Bookmarks
from neo4j.exceptions import AuthError, ConnectionAcquisitionTimeoutError, DriverError, Neo4jError, ServiceUnavailable

from catalog import cypher
from catalog.store.base import (
    Columns,
    GraphStore,
    QueryTimeout,
    Row,
    StoreError,
    StoreTimeout,
    StoreTimeouts,
    StoreUnavailable,
    shared_column,
    shared_row,
    text_table,
)
from catalog.store.dialect import NEO4J

T = TypeVar("T")

READ_ATTEMPTS = 5
"""Attempts per read on retryable errors; with the delays below, about 6 s in all, as a cluster
needs to elect a new leader or refresh its routing table."""
FIRST_RETRY_DELAY = 0.2
"""Seconds before the second attempt; doubled for each further one, with jitter."""
CLIENT_GRACE = 1.0
"""Seconds the client waits past a query's server-side timeout, so a live server's own error
(clearer, and the transaction is rolled back) arrives first."""
SCHEMA_TIMEOUT = 300.0
"""Seconds for creating constraints and waiting for indexes to come online."""

CHUNK_ROWS = 10_000
"""Rows per record of a table read (``read_table``, ``read_columns``): a few hundred kB to a few MB per message."""


class Neo4jStore(GraphStore):
    dialect = NEO4J
    snapshot_parts_at_once = 2
    """Two: while the client turns one part's table into arrays, the database runs the next part's read
    (its CPU, not this process's). Two reads in flight at most, on two of the driver's pooled connections."""

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str = "neo4j",
        timeouts: StoreTimeouts | None = None,
    ) -> None:
        super().__init__()
        self.uri = uri
        self.database = database
        self.timeouts = timeouts or StoreTimeouts()
        auth = (user, password or "") if user else None
        try:
            # Reads project every declared property, including ones no import has written yet,
            # which Neo4j would otherwise warn about on every query.
            self._driver = AsyncGraphDatabase.driver(
                uri,
                auth=auth,
                notifications_min_severity="OFF",
                connection_timeout=self.timeouts.connection,
                connection_acquisition_timeout=self.timeouts.acquisition,
                max_transaction_retry_time=self.timeouts.retry,
            )
        except ValueError as exc:
            raise StoreUnavailable(
                f"CATALOG_NEO4J_URI={uri!r} is not a Neo4j URI ({exc}); use neo4j://host:7687 or bolt://host:7687"
            ) from exc
        self._bookmarks = Bookmarks.from_raw_values(())
        """Bookmarks of this store's latest writes, which its reads wait for."""

    @asynccontextmanager
    async def _deadline(self, seconds: float, what: str, setting: str) -> AsyncIterator[None]:
        """Turn waiting past ``seconds`` (and the driver's own timeouts) into a ``StoreTimeout`` naming ``setting``."""
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            raise StoreTimeout(
                f"Neo4j at {self.uri} did not answer {what} within {seconds:g} s ({setting}); the database may be paused, "
                "overloaded or unreachable: check it, or raise the limit"
            ) from None

    def _unavailable(self, exc: DriverError, what: str) -> StoreUnavailable:
        """The domain error for a driver failure: the server gone, or no pooled connection in time."""
        if isinstance(exc, ConnectionAcquisitionTimeoutError):
            return StoreTimeout(
                f"Neo4j at {self.uri}: no connection free within {self.timeouts.acquisition:g} s "
                "(CATALOG_NEO4J_CONNECTION_ACQUISITION_TIMEOUT); the database may be paused or overloaded"
            )
        return StoreUnavailable(f"Neo4j at {self.uri} is unavailable; is it running, and is CATALOG_NEO4J_URI right? ({what})")

    async def connect(self) -> None:
        try:
            async with self._deadline(self.timeouts.connection + CLIENT_GRACE, "a connection check", "CATALOG_NEO4J_CONNECTION_TIMEOUT"):
                await self._driver.verify_connectivity()
        except AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials; check CATALOG_NEO4J_USER and CATALOG_NEO4J_PASSWORD"
            ) from exc
        except (ServiceUnavailable, OSError) as exc:
            cause = _one_line(str(exc))
            if "handshake" in cause or "timed out" in cause:
                # The port accepts connections and nothing answers on them: a paused or wedged server.
                raise StoreTimeout(
                    f"Neo4j at {self.uri} accepted a connection but did not answer within {self.timeouts.connection:g} s "
                    f"(CATALOG_NEO4J_CONNECTION_TIMEOUT); the database may be paused or overloaded ({cause})"
                ) from exc
            raise StoreUnavailable(f"cannot reach Neo4j at {self.uri}; is it running, and is CATALOG_NEO4J_URI right? ({cause})") from exc

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        rows = await self._read(query, params, lambda result: result.data())
        texts = text_table()
        return [shared_row(row, texts) for row in rows] if texts is not None else rows

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        # Every row as a map, in a few records of many rows each (``_in_chunks``): the driver spends tens of
        # microseconds on each record it receives, which made reading 100k rows take seconds where the query took 0.3 s.
        fields = ", ".join(f"`{name}`: {expr}" for name, expr in columns.items())
        rows = await self._read(_in_chunks(match, f"{{{fields}}}"), params, _chunked_rows)
        texts = text_table()
        if texts is None:
            return rows
        return await _off_the_loop(len(rows), lambda: [shared_row(row, texts) for row in rows])

    async def read_columns(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> Columns:
        # Every row as a list of its values (``collect`` of a list keeps nulls, where a ``collect`` per column
        # would drop them), in a few records of many rows each (``_in_chunks``), transposed here.
        rows = await self._read(_in_chunks(match, f"[{', '.join(columns.values())}]"), params, _chunked_rows)
        if not rows:
            return {name: [] for name in columns}
        texts = text_table()

        def transposed() -> Columns:
            values = zip(*rows, strict=True)
            if texts is None:
                return {name: list(column) for name, column in zip(columns, values, strict=True)}
            return {name: shared_column(column, texts) for name, column in zip(columns, values, strict=True)}

        return await _off_the_loop(len(rows), transposed)

    async def _read(self, query: str, params: Mapping[str, Any] | None, take: Callable[[neo4j.AsyncResult], Awaitable[T]]) -> T:
        self.round_trips += 1
        parameters = dict(params or {})
        delay = FIRST_RETRY_DELAY
        attempt = 1
        # One deadline over every attempt: retries exist for a leader switch, and must not multiply
        # the wait on a server that does not answer at all.
        async with self._deadline(self.timeouts.query + CLIENT_GRACE, "a read", "CATALOG_QUERY_TIMEOUT"):
            while True:
                try:
                    return await self._read_once(query, parameters, take)
                except (Neo4jError, DriverError) as exc:
                    if _timed_out(exc):
                        raise QueryTimeout(
                            f"Neo4j stopped a read that ran longer than {self.timeouts.query:g} s (CATALOG_QUERY_TIMEOUT); "
                            f"narrow the question, or raise the limit\n{query}"
                        ) from exc
                    if attempt == READ_ATTEMPTS or not exc.is_retryable():
                        message = _one_line(exc.message if isinstance(exc, Neo4jError) else str(exc))
                        retried = f" (after {attempt} attempts)" if attempt > 1 else ""
                        if isinstance(exc, DriverError):
                            raise self._unavailable(exc, f"a read failed{retried}: {message}") from exc
                        raise StoreError(f"Neo4j read failed{retried}: {message}\n{query}") from exc
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay *= 2
                attempt += 1

    async def _read_once(self, query: str, parameters: dict[str, Any], take: Callable[[neo4j.AsyncResult], Awaitable[T]]) -> T:
        async with self._driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS, bookmarks=self._bookmarks
        ) as session:
            return await take(await session.run(neo4j.Query(query, timeout=self.timeouts.query), parameters))

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.round_trips += 1

        async def work(tx: neo4j.AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(query, dict(params or {}))
            return await result.data()

        # The server-side limit goes on the transaction: a managed transaction's queries take none of their own.
        work_with_limit = neo4j.unit_of_work(timeout=self.timeouts.query)(work)
        used = self._bookmarks
        limit = self.timeouts.query + self.timeouts.retry + CLIENT_GRACE
        try:
            async with (
                self._deadline(limit, "a write", "CATALOG_QUERY_TIMEOUT and CATALOG_NEO4J_MAX_TRANSACTION_RETRY_TIME"),
                self._driver.session(database=self.database, bookmarks=used) as session,
            ):
                rows = await session.execute_write(work_with_limit)
                written = await session.last_bookmarks()
        except Neo4jError as exc:
            if _timed_out(exc):
                raise QueryTimeout(
                    f"Neo4j stopped a write that ran longer than {self.timeouts.query:g} s (CATALOG_QUERY_TIMEOUT); "
                    f"raise the limit\n{query}"
                ) from exc
            raise StoreError(f"Neo4j write failed: {exc.message}\n{query}") from exc
        except DriverError as exc:
            raise self._unavailable(exc, f"a write failed: {_one_line(str(exc))}") from exc
        # As the driver's bookmark manager does: this write supersedes the bookmarks it started
        # from, and keeps those of writes that finished meanwhile.
        self._bookmarks = Bookmarks.from_raw_values((self._bookmarks.raw_values - used.raw_values) | written.raw_values)
        return rows

    async def ensure_schema(self) -> None:
        try:
            async with self._deadline(SCHEMA_TIMEOUT, "while creating its schema", "a fixed limit of the schema step"):
                for statement in cypher.neo4j_schema():
                    # Schema commands cannot share a transaction with data writes; each runs alone.
                    await self._driver.execute_query(statement, database_=self.database)
                await self._driver.execute_query(f"CALL db.awaitIndexes({int(SCHEMA_TIMEOUT)})", database_=self.database)
        except (Neo4jError, DriverError) as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} could not create the catalog's constraints and indexes: {exc}") from exc

    async def close(self) -> None:
        await self._driver.close()

    def describe(self) -> str:
        return f"neo4j {self.uri} (database {self.database})"


LOOP_ROWS = 2_000
"""Up to this many rows a table read's rows are turned into columns or shared rows on the event loop; more, in a
thread. A snapshot build's large reads (87,000 identifiers at scale M) took up to half a second of the loop's
time each, which every request waited for."""


async def _off_the_loop(rows: int, work: Callable[[], T]) -> T:
    """``work()``, on the event loop for a few ``rows`` (a request's read: a thread costs more than the work), else in a
    thread, so the loop keeps answering (it still waits for the interpreter's lock in turns, never for the whole)."""
    if rows <= LOOP_ROWS:
        return work()
    return await asyncio.to_thread(work)


def _in_chunks(match: str, row: str) -> str:
    """A table read's query: ``row`` (an expression) for every match of ``match``, collected, and returned in records
    of at most ``CHUNK_ROWS`` rows each.

    One record per row costs the driver tens of microseconds each; one record of every row made the driver's
    receive buffer as large as the whole table (26 MB for the OWNS edges at scale M), and a pooled connection
    keeps its buffer at the largest message it has received for as long as it lives."""
    return (
        f"{match} WITH collect({row}) AS rows "
        f"UNWIND range(0, size(rows) - 1, {CHUNK_ROWS}) AS first RETURN rows[first..first + {CHUNK_ROWS}] AS rows"
    )


async def _chunked_rows(result: neo4j.AsyncResult) -> list[Any]:
    """The rows of an ``_in_chunks`` read, in order."""
    return [row async for record in result for row in record[0]]


def _timed_out(exc: Neo4jError | DriverError) -> bool:
    """The server stopped the transaction because it ran past its timeout."""
    code = getattr(exc, "code", None) or ""
    return "TransactionTimedOut" in code


def _one_line(text: str) -> str:
    """The driver's multi-line message on one line, so that a one-line error keeps its cause and its fix."""
    return " ".join(text.split())

"""The store interface: run Cypher reads and idempotent writes against a graph engine.

Both implementations (Neo4j and the embedded LadybugDB) pass the same contract suite. Code
above this layer writes dialect-neutral Cypher and asks ``store.dialect`` for the rest.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from catalog.store.dialect import Dialect

Row = dict[str, Any]
Columns = dict[str, list[Any]]
"""A table read as columns: each column's name and its values, one per row, every column as long as the others."""

SHORT_TEXT = 128
"""Texts up to this length in a read (``read`` or ``read_table``) made under ``shared_texts`` become one object
per value: keys, names, sources, evidence and timestamps repeat across tens of thousands of rows and
across the snapshot's parts. Longer texts (descriptions, JSON) are rarely repeated."""


@dataclass(slots=True)
class _Tables:
    """A ``shared_texts`` block's tables, emptied when it ends: the asyncio handles of a connection opened inside
    the block keep its context (so this object) for as long as the connection lives, and must not keep the tables."""

    texts: dict[str, str] | None
    values: dict[Any, Any] | None


_SHARED: ContextVar[_Tables | None] = ContextVar("shared_texts", default=None)
_UNSHARED: ContextVar[bool] = ContextVar("texts_unshared", default=False)

H = TypeVar("H", bound=Hashable)


@contextmanager
def shared_texts() -> Iterator[None]:
    """Within the block, reads (``read`` and ``read_table``) share equal short texts: one object per value.

    A snapshot's build runs in one: its parts hold what they read for as long as the snapshot is
    current, so every equal key, source or timestamp they hold is one string. The table of values
    is the block's own and is dropped with it (``sys.intern``'s table would keep its size for good),
    even where a context made inside the block lives on (measured at scale M on Neo4j: a pooled
    connection opened during a build kept that build's table of texts, 15 MB, alive)."""
    tables = _Tables({}, {})
    token = _SHARED.set(tables)
    try:
        yield
    finally:
        tables.texts = tables.values = None
        _SHARED.reset(token)


@contextmanager
def texts_unshared() -> Iterator[None]:
    """Within the block, reads share no texts, even inside a ``shared_texts`` block (``shared_value`` still shares).

    For the tables a build turns into numbers as soon as they are read (an edge's two keys, looked up
    as node numbers; its properties, numbered by distinct value): sharing each of their millions of
    texts first held nothing that outlives the build."""
    token = _UNSHARED.set(True)
    try:
        yield
    finally:
        _UNSHARED.reset(token)


def text_table() -> dict[str, str] | None:
    """The table of the enclosing ``shared_texts`` block; None outside one (requests: nothing is shared) or in
    ``texts_unshared``."""
    tables = _SHARED.get()
    return None if tables is None or _UNSHARED.get() else tables.texts


def shared_text(text: str) -> str:
    """Within a ``shared_texts`` block, the one object of all texts equal to ``text`` read or given so far (``text``
    itself outside one): for a key a build keeps from a table it read unshared."""
    table = text_table()
    return text if table is None else table.setdefault(text, text)


def shared_value(value: H) -> H:
    """Within a ``shared_texts`` block, the one object of all equal values given so far (``value`` itself outside one).

    For the small immutable values a build makes from what it reads, that repeat across thousands of keys (a
    service's owner keys, a person's teams): the same tuple of one team's key for each of its services."""
    tables = _SHARED.get()
    table = tables.values if tables is not None else None
    return value if table is None else table.setdefault(value, value)


def returning(match: str, columns: Mapping[str, str]) -> str:
    """A table read's query: ``match`` with a RETURN of ``columns`` (name: expression)."""
    return f"{match} RETURN {return_items(columns)}"


def return_items(columns: Mapping[str, str]) -> str:
    """``columns`` (name: expression) as the items of a RETURN: ``expression AS name, ...``."""
    return ", ".join(f"{expr} AS {name}" for name, expr in columns.items())


def shared_column(values: Iterable[Any], texts: dict[str, str]) -> list[Any]:
    """``values`` with their short texts, and those in list values, replaced by their shared object in ``texts`` (a new list)."""
    one, text, short, listed = texts.setdefault, str, SHORT_TEXT, list
    return [one(v, v) if type(v) is text and len(v) <= short else shared_list(v, texts) if type(v) is listed else v for v in values]


def shared_list(values: list[Any], texts: dict[str, str]) -> list[Any]:
    """A list value (a ``collect``, a list property) with its short texts replaced by their shared object in ``texts``
    (a new list): the same team, platform and owner keys fill thousands of them."""
    one, text, short = texts.setdefault, str, SHORT_TEXT
    return [one(v, v) if type(v) is text and len(v) <= short else v for v in values]


def columns_of(rows: list[Row], names: Iterable[str]) -> Columns:
    """``rows`` (each with every one of ``names``) as columns."""
    return {name: [row[name] for row in rows] for name in names}


def shared_row(row: Row, texts: dict[str, str]) -> Row:
    """``row`` with its short texts, and those in list values, replaced, in place, by their shared object in ``texts``."""
    one = texts.setdefault
    for name, value in row.items():
        if type(value) is str and len(value) <= SHORT_TEXT:
            row[name] = one(value, value)
        elif type(value) is list:
            row[name] = shared_list(value, texts)
    return row


class StoreError(RuntimeError):
    """A query failed in the store; the message names the store and the query."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened; the message says how to fix the setting."""


class StoreTimeout(StoreUnavailable):
    """The store did not answer within its time limit (a stalled, paused or overloaded database);
    the message names the store and the ``CATALOG_*`` setting that sets the limit."""


class QueryTimeout(StoreError):
    """The store stopped a query that ran past ``CATALOG_QUERY_TIMEOUT``; the store itself answers."""


@dataclass(frozen=True)
class StoreTimeouts:
    """How long the catalog waits for its store, in seconds (``CATALOG_*`` settings of the same names).

    Without limits a paused database hangs every request for as long as the client waits;
    with them, a request fails after ``query`` seconds with a ``StoreTimeout``."""

    query: float = 10.0
    """One query (both stores): the server stops it, and the client stops waiting shortly after."""
    connection: float = 5.0
    """Neo4j: establishing a connection, handshake included."""
    acquisition: float = 10.0
    """Neo4j: waiting for a connection from the driver's pool."""
    retry: float = 15.0
    """Neo4j: how long a write transaction is retried on transient errors."""


class GraphStore(abc.ABC):
    dialect: Dialect
    snapshot_parts_at_once: int = 1
    """How many snapshot parts a build loads at the same time (``build_snapshot``), so how many of its table
    reads are in flight at once. One here: an in-process engine's reads and the parts' building share this
    process's CPU, and two large reads at once need twice the buffer pool."""

    def __init__(self) -> None:
        self.round_trips = 0
        """Queries sent to the engine so far; tests count them to catch N+1 resolvers."""

    @abc.abstractmethod
    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a read-only query (a read transaction, routed to any cluster member)."""

    @abc.abstractmethod
    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one idempotent write transaction; it may be retried on transient errors."""

    @abc.abstractmethod
    async def ensure_schema(self) -> None:
        """Create constraints, indexes or tables from the model; safe to repeat."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def ping(self, within: float) -> None:
        """Raise ``StoreError`` unless the store answers a trivial query within ``within`` seconds
        (readiness checks; the limit is the caller's, shorter than a query's)."""
        try:
            async with asyncio.timeout(within):
                await self.read("RETURN 1 AS ok")
        except TimeoutError:
            raise StoreTimeout(f"the {self.kind} store did not answer within {within:g} s (CATALOG_READINESS_TIMEOUT)") from None

    @property
    def kind(self) -> str:
        """The engine's name for messages that must not reveal where the store is (health answers)."""
        return self.dialect.name

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the data lives, for logs and reports (no secrets)."""

    async def write_batches(
        self, query: str, rows: list[Any], params: Mapping[str, Any] | None = None, *, key: str = "rows", batch_size: int = 2000
    ) -> None:
        """Write ``rows`` as ``$key`` in transactions of ``batch_size``; nothing is sent for no rows."""
        for start in range(0, len(rows), batch_size):
            await self.write_rows(query, {**(params or {}), key: rows[start : start + batch_size]}, key)

    async def write_rows(self, query: str, params: Mapping[str, Any], key: str = "rows") -> None:
        """One write of the list ``params[key]`` by ``query``, an UNWIND that writes each row on its own
        (the catalog's upserts, touches and retirements): no row's result depends on another's, so a
        store may write the list in several transactions (``EmbeddedStore`` halves one its buffer pool
        cannot hold). One transaction here."""
        await self.write(query, params)

    async def read_batches(
        self, query: str, values: list[Any], params: Mapping[str, Any] | None = None, *, key: str = "ids", batch_size: int = 5000
    ) -> list[Row]:
        return await _in_slices(lambda p: self.read(query, p), values, params, key, batch_size)

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        """Rows of ``columns`` (name: expression) for every match of ``match`` (a query without its
        RETURN), for reads of many rows. A store may fetch them however it fetches rows fastest."""
        return await self.read(returning(match, columns), params)

    async def read_columns(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> Columns:
        """``read_table``'s rows as columns: ``columns``' names, each with its values in the order of the rows
        (the same rows, in an order both stores may choose). For the snapshot's bulk reads: no dict per row,
        and a builder works on whole columns. Under ``shared_texts`` short texts are shared as ``read_table`` shares them."""
        return columns_of(await self.read_table(match, columns, params), columns)

    async def read_table_batches(
        self,
        match: str,
        columns: Mapping[str, str],
        values: list[Any],
        params: Mapping[str, Any] | None = None,
        *,
        key: str = "ids",
        batch_size: int = 5000,
    ) -> list[Row]:
        """``read_table`` with ``values`` passed as ``$key`` in slices of ``batch_size``."""
        return await _in_slices(lambda p: self.read_table(match, columns, p), values, params, key, batch_size)

    async def __aenter__(self) -> GraphStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _in_slices(
    read: Callable[[dict[str, Any]], Awaitable[list[Row]]], values: list[Any], params: Mapping[str, Any] | None, key: str, batch_size: int
) -> list[Row]:
    """The rows of ``read`` for ``values`` passed as ``$key`` in slices of ``batch_size``; no read for no values."""
    out: list[Row] = []
    for start in range(0, len(values), batch_size):
        out.extend(await read({**(params or {}), key: values[start : start + batch_size]}))
    return out

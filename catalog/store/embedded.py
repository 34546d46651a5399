"""The embedded store: LadybugDB in-process, so the catalog runs with no server.

LadybugDB allows one writer and many readers: writes are serialised here, and queries run on
a small pool of connections in worker threads so the event loop never blocks on the engine.
Each connection stops a query that runs past ``CATALOG_QUERY_TIMEOUT`` (LadybugDB checks
between chunks of work, so a scan stops within a fraction of a second of the limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import re
import threading
import traceback
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import ladybug

from catalog import cypher
from catalog.settings import DEFAULT_EMBEDDED_BUFFER_POOL_MB
from catalog.store.base import (
    SHORT_TEXT,
    Columns,
    GraphStore,
    QueryTimeout,
    Row,
    StoreError,
    StoreTimeouts,
    StoreUnavailable,
    columns_of,
    returning,
    shared_column,
    shared_row,
    text_table,
)
from catalog.store.dialect import EMBEDDED
from catalog.store.scans import Scan, add_up, plan_scan

PIECE_ROWS_PER_MB = 256
"""The first piece size when a table read must be split: offsets per MiB of buffer pool (65,536 at 256 MiB)."""
MIN_PIECE = 1024
"""Pieces are halved while one still fills the pool, down to this many offsets."""


LADYBUG_CHECKPOINT_THRESHOLD = 16 << 20
"""LadybugDB checkpoints after a commit once its WAL holds this much (its own default)."""
CHECKPOINT_SHARE = 16
"""A pool smaller than 16 x that checkpoints after each 1/16 of its size of WAL instead."""


def checkpoint_threshold(buffer_pool_mb: int) -> int:
    """The WAL size after which the store checkpoints: LadybugDB's 16 MiB, or a sixteenth of a smaller pool.

    What a commit wrote stays in the pool, unevictable, until the next checkpoint, and the checkpoint
    needs memory of its own on top: at scale M on a 64 MiB pool, the checkpoint after 16 MiB of WAL
    found about 40 MiB held and failed (the writes were stored, the sync stopped). A pool of 256 MiB
    or more keeps LadybugDB's threshold."""
    return min(LADYBUG_CHECKPOINT_THRESHOLD, (buffer_pool_mb << 20) // CHECKPOINT_SHARE)


FULL = "buffer pool is full"
"""What LadybugDB says when a query or a checkpoint needs more than its buffer pool."""
CHECKPOINT_FAILED = "post-commit checkpoint failed"
"""What LadybugDB says when a write committed but the checkpoint after it did not fit the pool."""
_RETURNS = re.compile(r"\bRETURN\b", re.IGNORECASE)

log = logging.getLogger(__name__)

T = TypeVar("T")
Fetch = Callable[[ladybug.QueryResult, dict[str, str] | None], Any]
"""How a query's last result is taken: as rows (``_rows_of``) or as columns (``_columns_of``)."""


class BufferPoolFull(StoreError):
    """One query alone needed more than the embedded store's buffer pool.

    ``committed``: the query was a write that is stored; the checkpoint after it did not fit."""

    def __init__(self, message: str, *, committed: bool = False) -> None:
        super().__init__(message)
        self.committed = committed


class EmbeddedStore(GraphStore):
    dialect = EMBEDDED

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 4,
        read_only: bool = False,
        timeouts: StoreTimeouts | None = None,
        buffer_pool_mb: int = DEFAULT_EMBEDDED_BUFFER_POOL_MB,
    ) -> None:
        super().__init__()
        self.path = path
        self.timeouts = timeouts or StoreTimeouts()
        self.buffer_pool_mb = buffer_pool_mb
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Without a size LadybugDB's buffer pool grows to 80% of the machine's RAM.
            self._db = ladybug.Database(
                str(path),
                read_only=read_only,
                buffer_pool_size=buffer_pool_mb << 20,
                checkpoint_threshold=checkpoint_threshold(buffer_pool_mb),
            )
        except RuntimeError as exc:
            cause = " ".join(str(exc).split())
            raise StoreUnavailable(
                f"cannot open the embedded store at {path}. Another catalog process may hold it "
                "(the embedded store has a single writer), or the folder is not writable; "
                f"stop that process, or set CATALOG_EMBEDDED_PATH to another location ({cause})"
            ) from exc
        # Each idle connection with the generation it was opened in: when the buffer pool fills, the
        # generation advances and every connection opened before it is closed, idle ones at once and
        # busy ones when their query ends.
        self._connections: queue.SimpleQueue[tuple[ladybug.Connection, int]] = queue.SimpleQueue()
        self._generation = 0
        self._renewing = threading.Lock()
        for _ in range(threads):
            self._connections.put((self._connect(), 0))
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ladybug")
        self._write_lock = asyncio.Lock()
        # Per table read that did not fit the pool in one piece: the piece size that fitted, so the
        # next read of it goes straight to pieces.
        self._piece_sizes: dict[Scan, int] = {}
        # Per UNWIND write that did not fit in one transaction: the number of rows that did.
        self._write_sizes: dict[str, int] = {}

    def _connect(self) -> ladybug.Connection:
        conn = ladybug.Connection(self._db)
        conn.set_query_timeout(int(self.timeouts.query * 1000))
        return conn

    def _release_pool(self) -> None:
        """Close every idle connection, and mark busy ones to close when their query ends.

        LadybugDB keeps the buffer-pool memory a connection's queries took until the connection
        closes, so long-lived reading connections fill a bounded pool together: renewing only the
        connection that found it full frees too little when the others hold the rest.
        """
        with self._renewing:
            self._generation += 1
            idle: list[ladybug.Connection] = []
            while True:
                try:
                    conn, _ = self._connections.get_nowait()
                except queue.Empty:
                    break
                idle.append(conn)
            for conn in idle:
                conn.close()
                self._connections.put((self._connect(), self._generation))

    def _run(
        self, query: str, params: dict[str, Any], renew: bool = False, texts: dict[str, str] | None = None, fetch: Fetch | None = None
    ) -> Any:
        conn, generation = self._connections.get()
        try:
            attempt = 0
            while True:
                try:
                    result = conn.execute(query, params)
                    break
                except RuntimeError as exc:
                    committed = CHECKPOINT_FAILED in str(exc)
                    if FULL not in str(exc) or attempt == 2 or (attempt == 1 and not committed):
                        raise
                    _forget(exc)
                attempt += 1
                # A query that finds the pool full runs once more after every idle connection has given
                # back its memory; only a query that alone needs more than the pool fails. A write that
                # failed so was rolled back, and writes are idempotent, so running it again is safe.
                conn.close()
                self._release_pool()
                conn, generation = self._connect(), self._generation
                if committed:
                    # The write is stored; the checkpoint LadybugDB runs after a commit once its WAL is
                    # large did not fit beside the memory the writing connection still held. Given back,
                    # it runs now; the write runs again only when its caller needs the rows it returns.
                    self._checkpoint(conn)
                    if not _RETURNS.search(query):
                        return []
            results = result if isinstance(result, list) else [result]
            last = results[-1]
            rows = (fetch or _rows_of)(last, texts)
            for r in results:
                r.close()
            return rows
        except RuntimeError as exc:
            _forget(exc)
            if str(exc).startswith("Interrupted"):
                raise QueryTimeout(
                    f"the embedded store stopped a query that ran longer than {self.timeouts.query:g} s (CATALOG_QUERY_TIMEOUT); "
                    f"narrow the question, or raise the limit\n{query}"
                ) from exc
            if FULL in str(exc):
                raise BufferPoolFull(
                    f"the embedded store's buffer pool ({self.buffer_pool_mb} MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB) is full; "
                    f"raise CATALOG_EMBEDDED_BUFFER_POOL_MB ({exc})\n{query}",
                    committed=CHECKPOINT_FAILED in str(exc),
                ) from exc
            raise StoreError(f"embedded store query failed: {exc}\n{query}") from exc
        finally:
            if renew or generation < self._generation:
                # LadybugDB keeps buffer-pool memory a write took (about 2 MiB per UNWIND batch of the sync)
                # until its connection closes, and no checkpoint frees it: with a bounded pool, a second sync
                # of even the demo filled 256 MiB. A fresh connection costs well under a millisecond.
                conn.close()
                conn, generation = self._connect(), self._generation
            self._connections.put((conn, generation))

    def _checkpoint(self, conn: ladybug.Connection) -> None:
        """Checkpoint after a committed write whose own checkpoint found the pool full.

        Only a pool still too small fails the write (it is stored: the message says so, and which
        setting to raise). Any other reason the checkpoint cannot run now (a transaction still open on
        another connection) leaves it to the next commit's."""
        try:
            conn.execute("CHECKPOINT")
        except RuntimeError as exc:
            cause = _forget(exc)
            if FULL not in cause:
                log.warning("the embedded store could not checkpoint now; the next write will (%s)", cause)
                return
        else:
            log.info("the embedded store checkpointed after its pool filled (%s MiB)", self.buffer_pool_mb)
            return
        raise RuntimeError(
            f"{CHECKPOINT_FAILED}: the write is stored, but LadybugDB needs more memory than the pool has to checkpoint it ({cause})"
        )

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        # Under ``shared_texts`` (a snapshot's build) short texts are shared as rows are made.
        self.round_trips += 1
        texts = text_table()
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, query, dict(params or {}), False, texts)

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        """One read when the rows fit the buffer pool; otherwise several, each over a range of the
        scanned table's internal offsets (``catalog.store.scans``), so a large catalog reads on a
        small pool: at scale L a single read of every owner claim needed more than 256 MiB."""
        split, pieces = await self._whole_or_pieces(match, columns, params, self._table_rows)
        rows = [row for piece in pieces for row in piece]
        return add_up(rows, split.summed) if split is not None and split.summed else rows

    async def read_columns(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> Columns:
        """``read_table`` as columns, taken from the engine's rows without a dict per row; in pieces as
        ``read_table`` reads when the rows do not fit the buffer pool."""
        scan = plan_scan(match, columns)
        if scan is not None and scan.summed:
            # Pieces whose counts are added up per group: as rows (few: one per group).
            return columns_of(await self.read_table(match, columns, params), columns)
        split, pieces = await self._whole_or_pieces(match, columns, params, self._table_columns)
        if split is None:
            return pieces[0]
        whole: Columns = {name: [] for name in columns}
        for piece in pieces:
            for name, values in piece.items():
                whole[name] += values
        return whole

    async def _whole_or_pieces(
        self,
        match: str,
        columns: Mapping[str, str],
        params: Mapping[str, Any] | None,
        read: Callable[[str, Mapping[str, Any]], Awaitable[T]],
    ) -> tuple[Scan | None, list[T]]:
        """The table read by ``read``: whole when it fits the buffer pool (or cannot be split), as (None, [the read]); else
        (the scan, the reads of each range of its offsets), starting from the piece size that fitted last time."""
        scan = plan_scan(match, columns)
        if scan is None:
            return None, [await read(returning(match, columns), params or {})]
        size = self._piece_sizes.get(scan)
        if size is None:
            try:
                return None, [await read(returning(match, columns), params or {})]
            except BufferPoolFull:
                size = max(MIN_PIECE, self.buffer_pool_mb * PIECE_ROWS_PER_MB)
        return scan, await self._pieces(scan, match, columns, dict(params or {}), size, read)

    async def _pieces(
        self,
        scan: Scan,
        match: str,
        columns: Mapping[str, str],
        params: dict[str, Any],
        size: int,
        read: Callable[[str, Mapping[str, Any]], Awaitable[T]],
    ) -> list[T]:
        """What ``read`` returns for each range of ``scan``'s offsets, halving the ranges while one does not fit the pool."""
        top_rows = await self.read(scan.max_offset_query())
        top = top_rows[0]["top"] if top_rows else None
        if top is None:
            return []
        query = returning(scan.piece(match), columns)
        pieces: list[T] = []
        lo = 0
        while lo <= top:
            try:
                pieces.append(await read(query, {**params, "scan_lo": lo, "scan_hi": lo + size}))
            except BufferPoolFull:
                if size <= MIN_PIECE:
                    raise
                size = max(MIN_PIECE, size // 2)
                continue
            lo += size
        self._piece_sizes[scan] = size
        return pieces

    async def _table_rows(self, query: str, params: Mapping[str, Any] | None) -> list[Row]:
        # Under ``shared_texts`` (a snapshot's build) short texts are shared as rows are made.
        self.round_trips += 1
        texts = text_table()
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, query, dict(params or {}), False, texts)

    async def _table_columns(self, query: str, params: Mapping[str, Any] | None) -> Columns:
        self.round_trips += 1
        texts = text_table()
        columns: Columns = await asyncio.get_running_loop().run_in_executor(
            self._executor, self._run, query, dict(params or {}), False, texts, _columns_of
        )
        return columns

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.round_trips += 1
        async with self._write_lock:
            running = asyncio.get_running_loop().run_in_executor(self._executor, self._run, query, dict(params or {}), True)
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                # The engine finishes the write in its thread whatever the caller does; the next write
                # may only start after it (LadybugDB refuses a second write transaction).
                with contextlib.suppress(Exception):
                    await running
                raise

    async def write_rows(self, query: str, params: Mapping[str, Any], key: str = "rows") -> None:
        """``params[key]`` in one write when it fits the buffer pool; otherwise halved, each half its own
        transaction, down to a single row (``GraphStore.write_rows``: the rows are written independently,
        so the halves write what the whole would). A write that did not fit was rolled back, so nothing
        stored is lost when even one row does not fit. The size that fitted is kept for the next write
        of the same query, which goes straight to pieces of it."""
        rows = params[key]
        size = self._write_sizes.get(query, len(rows))
        if len(rows) > size:
            for start in range(0, len(rows), size):
                await self.write_rows(query, {**params, key: rows[start : start + size]}, key)
            return
        try:
            await self.write(query, params)
            return
        except BufferPoolFull as exc:
            if exc.committed or len(rows) < 2:
                raise
        half = (len(rows) + 1) // 2
        self._write_sizes[query] = min(half, self._write_sizes.get(query, half))
        log.info("a write of %d rows did not fit the embedded store's buffer pool; writing it in pieces of %d", len(rows), half)
        for start in range(0, len(rows), half):
            await self.write_rows(query, {**params, key: rows[start : start + half]}, key)

    async def ensure_schema(self) -> None:
        for statement in cypher.embedded_schema():
            await self.write(statement)
        await self._add_missing_columns()

    async def _add_missing_columns(self) -> None:
        """Tables created by an older model lack newer properties; add them in place."""
        from catalog.core.model import MODEL
        from catalog.store.dialect import column_type

        for table, props in [(n.label, n.all_props) for n in MODEL.nodes] + [(r.type, r.all_props) for r in MODEL.rels]:
            present = {row["name"] for row in await self.read(f"CALL table_info('{table}') RETURN *")}
            for prop in props:
                if prop.name not in present:
                    await self.write(f"ALTER TABLE {table} ADD {prop.name} {column_type(prop.type)}")

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        while not self._connections.empty():
            self._connections.get()[0].close()
        self._db.close()

    def describe(self) -> str:
        return f"embedded LadybugDB at {self.path}"


def _forget(exc: BaseException) -> str:
    """``exc``'s message, with the engine's frames in its traceback cleared.

    Those frames hold the failed query's prepared statement, with its parameters and the pool memory
    it took: while the error lived (a traceback, an executor's future, a reference cycle between
    them), a write that had just found the pool full left it full, and every smaller piece of it
    failed too."""
    traceback.clear_frames(exc.__traceback__)
    return str(exc)


def _rows_of(result: ladybug.QueryResult, texts: dict[str, str] | None = None) -> list[Row]:
    """Every row of ``result`` as a dict of its columns; with ``texts``, its short texts shared through it (``shared_texts``).

    ``QueryResult.get_all`` checks that the result, its connection and its database are open twice per
    row (``has_next`` and ``get_next`` each do): at a quarter of a million rows in a snapshot's build
    that bookkeeping was a third of the time spent fetching. The result is checked once here and its
    native iterator read in one loop; a result object without it (another LadybugDB release) takes
    the public path.
    """
    columns = result.get_column_names()
    native = getattr(result, "_query_result", None)
    has_next, get_next = getattr(native, "hasNext", None), getattr(native, "getNext", None)
    if has_next is None or get_next is None:
        rows = [dict(zip(columns, values, strict=True)) for values in result.get_all()]
        return [shared_row(row, texts) for row in rows] if texts is not None else rows
    out: list[Row] = []
    add = out.append
    if texts is None:
        while has_next():
            add(dict(zip(columns, get_next(), strict=True)))
        return out
    text, short, one = str, SHORT_TEXT, texts.setdefault
    while has_next():
        add(dict(zip(columns, [one(v, v) if type(v) is text and len(v) <= short else v for v in get_next()], strict=True)))
    return out


def _columns_of(result: ladybug.QueryResult, texts: dict[str, str] | None = None) -> Columns:
    """Every row of ``result`` as columns (name: values); with ``texts``, short texts shared through it.

    The native iterator's rows (lists) are transposed at C speed with ``zip``: no dict per row, and
    texts are shared one column at a time."""
    names = result.get_column_names()
    native = getattr(result, "_query_result", None)
    has_next, get_next = getattr(native, "hasNext", None), getattr(native, "getNext", None)
    if has_next is None or get_next is None:
        rows = result.get_all()
    else:
        rows = []
        add = rows.append
        while has_next():
            add(get_next())
    if not rows:
        return {name: [] for name in names}
    transposed = zip(*rows, strict=True)
    del rows
    if texts is None:
        return {name: list(values) for name, values in zip(names, transposed, strict=True)}
    return {name: shared_column(values, texts) for name, values in zip(names, transposed, strict=True)}

"""Neo4j reads: auto-commit queries this store retries itself, and bookmarks of its own writes.

A TCP proxy in front of the real Neo4j closes the first connections it accepts, as a cluster
member that goes away does; the store must retry a read on a new connection, give up with a clear
error when the member stays away, and never retry an error a retry cannot fix.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from catalog.store import neo4j_store
from catalog.store.base import StoreError, shared_texts
from catalog.store.neo4j_store import Neo4jStore

pytestmark = pytest.mark.neo4j


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class DroppingProxy:
    """Forwards to ``target``, except that it closes the first ``drop`` connections it accepts."""

    def __init__(self, target: tuple[str, int], drop: int) -> None:
        self.target, self.drop, self.accepted = target, drop, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted <= self.drop:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def target(neo4j_uri: str) -> tuple[str, int]:
    parts = urlsplit(neo4j_uri)
    return parts.hostname or "127.0.0.1", parts.port or 7687


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neo4j_store, "FIRST_RETRY_DELAY", 0.01)


@pytest.fixture
def proxy_factory(target: tuple[str, int]) -> Iterator[list[DroppingProxy]]:
    proxies: list[DroppingProxy] = []
    yield proxies
    for proxy in proxies:
        proxy.close()


async def _through(proxies: list[DroppingProxy], target: tuple[str, int], drop: int) -> tuple[DroppingProxy, Neo4jStore]:
    proxy = DroppingProxy(target, drop)
    proxies.append(proxy)
    # bolt://, not neo4j://: a routing table would send the driver past the proxy to the real port.
    return proxy, Neo4jStore(f"bolt://127.0.0.1:{proxy.port}")


async def test_a_read_is_retried_on_a_new_connection_when_the_member_drops_it(
    proxy_factory: list[DroppingProxy], target: tuple[str, int]
) -> None:
    proxy, store = await _through(proxy_factory, target, drop=2)
    try:
        rows = await store.read("UNWIND range(1, $n) AS x RETURN x", {"n": 3})
    finally:
        await store.close()
    assert rows == [{"x": 1}, {"x": 2}, {"x": 3}]
    assert proxy.accepted == 3


async def test_a_member_that_stays_away_fails_the_read_after_the_last_attempt(
    proxy_factory: list[DroppingProxy], target: tuple[str, int]
) -> None:
    proxy, store = await _through(proxy_factory, target, drop=100)
    try:
        with pytest.raises(StoreError, match=f"a read failed \\(after {neo4j_store.READ_ATTEMPTS} attempts\\)"):
            await store.read("RETURN 1 AS x")
    finally:
        await store.close()
    assert proxy.accepted == neo4j_store.READ_ATTEMPTS


async def test_an_error_a_retry_cannot_fix_is_not_retried(proxy_factory: list[DroppingProxy], target: tuple[str, int]) -> None:
    proxy, store = await _through(proxy_factory, target, drop=0)
    try:
        with pytest.raises(StoreError) as failure:
            await store.read("RETURN x AS")
        rows = await store.read_table("UNWIND [1, 2] AS x", {"x": "x"})
    finally:
        await store.close()
    assert "attempts" not in str(failure.value)
    assert "RETURN x AS" in str(failure.value)
    assert rows == [{"x": 1}, {"x": 2}]
    assert proxy.accepted == 1


@pytest.fixture
async def direct(neo4j_uri: str) -> AsyncIterator[Neo4jStore]:
    store = Neo4jStore(neo4j_uri)
    yield store
    await store.close()


async def test_reads_wait_for_this_stores_writes_and_the_bookmarks_do_not_pile_up(direct: Neo4jStore) -> None:
    await direct.write("MATCH (n:BookmarkProbe) DELETE n")
    for i in range(5):
        await direct.write("CREATE (:BookmarkProbe {i: $i})", {"i": i})
        assert await direct.read("MATCH (n:BookmarkProbe) RETURN count(n) AS n") == [{"n": i + 1}]
    # Each write supersedes the bookmark it started from: one bookmark stays, not one per write.
    assert len(direct._bookmarks.raw_values) == 1
    await direct.write("MATCH (n:BookmarkProbe) DELETE n")


async def test_table_reads_come_in_records_of_at_most_chunk_rows_each_and_in_full(
    direct: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await direct.write("MATCH (n:ChunkProbe) DELETE n")
    await direct.write("UNWIND range(1, 7) AS i CREATE (:ChunkProbe {i: i, name: 'n' + toString(i)})")
    monkeypatch.setattr(neo4j_store, "CHUNK_ROWS", 3)
    match, columns = "MATCH (n:ChunkProbe)", {"i": "n.i", "name": "n.name"}
    table = await direct.read_table(match, columns)
    assert sorted((row["i"], row["name"]) for row in table) == [(i, f"n{i}") for i in range(1, 8)]
    found = await direct.read_columns(match, columns)
    assert sorted(zip(found["i"], found["name"], strict=True)) == [(i, f"n{i}") for i in range(1, 8)]
    # Seven rows in records of three: three records, read as one table.
    query = neo4j_store._in_chunks(match, "[n.i]")
    async with direct._driver.session(database=direct.database) as session:
        chunks = [record[0] async for record in await session.run(query)]
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert await direct.read_columns("MATCH (n:ChunkProbe) WHERE n.i > 100", columns) == {"i": [], "name": []}
    assert await direct.read_table("MATCH (n:ChunkProbe) WHERE n.i > 100", columns) == []
    await direct.write("MATCH (n:ChunkProbe) DELETE n")


async def test_large_table_reads_are_shaped_off_the_event_loop(direct: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    await direct.write("MATCH (n:LoopProbe) DELETE n")
    await direct.write("UNWIND range(1, 7) AS i CREATE (:LoopProbe {i: i, name: 'n' + toString(i)})")
    where: list[int] = []
    share_column, share_row = neo4j_store.shared_column, neo4j_store.shared_row

    def column(values: Any, texts: dict[str, str]) -> list[Any]:
        where.append(threading.get_ident())
        return share_column(values, texts)

    def row(values: Any, texts: dict[str, str]) -> Any:
        where.append(threading.get_ident())
        return share_row(values, texts)

    monkeypatch.setattr(neo4j_store, "shared_column", column)
    monkeypatch.setattr(neo4j_store, "shared_row", row)
    match, columns = "MATCH (n:LoopProbe)", {"i": "n.i", "name": "n.name"}
    loop = threading.get_ident()
    try:
        with shared_texts():
            for most, off in ((7, False), (6, True)):
                monkeypatch.setattr(neo4j_store, "LOOP_ROWS", most)
                where.clear()
                found = await direct.read_columns(match, columns)
                assert sorted(zip(found["i"], found["name"], strict=True)) == [(i, f"n{i}") for i in range(1, 8)]
                rows = await direct.read_table(match, columns)
                assert sorted((r["i"], r["name"]) for r in rows) == [(i, f"n{i}") for i in range(1, 8)]
                # Seven rows: on the event loop up to LOOP_ROWS = 7, in another thread beyond it.
                assert where and all((ident != loop) is off for ident in where), (most, where, loop)
    finally:
        await direct.write("MATCH (n:LoopProbe) DELETE n")

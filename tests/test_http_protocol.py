"""The HTTP protocol ``catalog serve`` runs: uvicorn's, with the writes of one loop turn sent together.

A real uvicorn server on loopback, spoken to over raw sockets, so what is checked is the bytes on
the wire: answers whole and in order on a kept-alive connection, streamed answers, large bodies,
``Expect: 100-continue`` and ``Connection: close``; and the transport itself, that one turn's writes
reach the socket in one write and that nothing gathered is lost when the connection closes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from catalog.api.http_protocol import HTTP_PROTOCOL, GatheringHttpToolsProtocol, GatheringTransport

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

BIG = bytes(range(256)) * 8192  # 2 MiB: past the transport's high-water mark, so flow control runs


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for n in range(3):
            await send({"type": "http.response.body", "body": f"chunk {n};".encode(), "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"end"})
        return
    answer = BIG if path == "/big" else b"echo:" + body + b":" + path.encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


@asynccontextmanager
async def serving() -> AsyncIterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=HTTP_PROTOCOL, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for it)
            await asyncio.sleep(0.01)
    try:
        async with asyncio.timeout(20):  # a hang is a failure, not a stuck test run
            yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status = int((await reader.readline()).split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int((await reader.readline()).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return status, headers, body


def post(path: str, body: bytes, *extra: str) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_uvicorn_loads_the_protocol_from_its_import_string() -> None:
    config = uvicorn.Config(app, http=HTTP_PROTOCOL)
    config.load()
    assert config.http_protocol_class is GatheringHttpToolsProtocol


async def test_answers_arrive_whole_and_in_order_on_one_connection() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Three requests pipelined in one packet, then a streamed answer and a large one on the same connection.
        writer.write(post("/a", b"1") + post("/b", b"22") + post("/c", b""))
        answers = [await read_response(reader) for _ in range(3)]
        assert [(status, body) for status, _, body in answers] == [(200, b"echo:1:/a"), (200, b"echo:22:/b"), (200, b"echo::/c")]
        writer.write(post("/stream", b""))
        status, headers, body = await read_response(reader)
        assert (status, headers["transfer-encoding"], body) == (200, "chunked", b"chunk 0;chunk 1;chunk 2;end")
        writer.write(post("/big", b""))
        status, _, body = await read_response(reader)
        assert (status, len(body), body == BIG) == (200, len(BIG), True)
        writer.close()


async def test_expect_continue_and_connection_close() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert await reader.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert await reader.readline() == b"\r\n"
        writer.write(b"body")
        assert (await read_response(reader))[::2] == (200, b"echo:body:/late")
        writer.write(post("/last", b"x", "Connection: close"))
        status, headers, body = await read_response(reader)
        assert (status, headers.get("connection"), body) == (200, "close", b"echo:x:/last")
        assert await reader.read() == b""  # the server closed it, after sending everything it had gathered
        writer.close()


class Recording(asyncio.Protocol):
    """The client end of a socket pair: what arrived, and in how many reads (one per write here)."""

    def __init__(self) -> None:
        self.received = b""
        self.closed = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.received += data

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set_result(True)


async def test_one_turns_writes_reach_the_socket_in_one_write() -> None:
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    peer, recording = await loop.connect_accepted_socket(Recording, theirs)
    writes: list[bytes] = []
    real_write = transport.write

    def counted(data: Any) -> None:
        writes.append(bytes(data))
        real_write(data)

    transport.write = counted  # type: ignore[method-assign]
    gathering = GatheringTransport(transport, loop)  # type: ignore[arg-type]
    gathering.write(b"HTTP/1.1 200 OK\r\n\r\n")
    gathering.write(b"")
    gathering.write(memoryview(b"body"))
    assert writes == [] and gathering.get_write_buffer_size() == 23
    await asyncio.sleep(0)
    assert writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    gathering.write(b"last words")
    gathering.close()  # sends what is gathered before closing
    assert writes[-1] == b"last words" and gathering.is_closing()
    await asyncio.wait_for(recording.closed, 5)
    assert recording.received == b"HTTP/1.1 200 OK\r\n\r\nbodylast words"
    gathering.write(b"after close")
    await asyncio.sleep(0)
    assert len(writes) == 2  # dropped: the connection is gone
    peer.close()

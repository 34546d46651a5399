"""The load generator's HTTP connection: keep-alive reuse, and a connection the server closed while idle."""

from __future__ import annotations

import asyncio

import pytest

from bench.loadgen import Connection, post_request

RESPONSE = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"data":{}}'


async def _serve(answers_per_connection: int) -> tuple[asyncio.Server, int, list[int]]:
    """A server that answers ``answers_per_connection`` requests on each connection, then closes it
    without saying so (as uvicorn does when its keep-alive timeout fires); records requests per connection."""
    served: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(0)
        for _ in range(answers_per_connection):
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            served[-1] += 1
            writer.write(RESPONSE)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], served


def test_keep_alive_connection_is_reused() -> None:
    async def scenario() -> list[int]:
        server, port, served = await _serve(answers_per_connection=3)
        async with server:
            connection = Connection("127.0.0.1", port)
            request = post_request("127.0.0.1", port, "/graphql", b"{}")
            statuses = [(await connection.exchange(request))[0] for _ in range(3)]
            connection.close()
            assert statuses == [200, 200, 200]
            return served

    assert asyncio.run(scenario()) == [3]


def test_connection_closed_by_the_server_while_idle_is_reopened() -> None:
    async def scenario() -> tuple[list[tuple[int, bytes]], list[int]]:
        server, port, served = await _serve(answers_per_connection=1)
        async with server:
            connection = Connection("127.0.0.1", port)
            request = post_request("127.0.0.1", port, "/graphql", b"{}")
            first = await connection.exchange(request)
            await asyncio.sleep(0.05)  # the close reaches the client while the connection is idle
            second = await connection.exchange(request)
            third = await connection.exchange(request)  # closed as it was reused: sent again once
            connection.close()
            return [first, second, third], served

    answers, served = asyncio.run(scenario())
    assert answers == [(200, b'{"data":{}}')] * 3
    assert served == [1, 1, 1]


def test_a_server_that_never_answers_is_an_error() -> None:
    async def scenario() -> None:
        server, port, _ = await _serve(answers_per_connection=0)
        async with server:
            connection = Connection("127.0.0.1", port)
            # An empty answer or a reset, depending on timing; either way an error, not a retry loop.
            with pytest.raises(ConnectionError):
                await connection.exchange(post_request("127.0.0.1", port, "/graphql", b"{}"))

    asyncio.run(scenario())


def test_a_kept_answer_is_told_from_a_computed_one_by_its_header() -> None:
    kept = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Catalog-Answer: kept\r\nContent-Length: 11\r\n\r\n{"data":{}}'

    async def scenario() -> list[bool]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for answer in (RESPONSE, kept, RESPONSE):
                await reader.readuntil(b"\r\n\r\n{}")
                writer.write(answer)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            connection = Connection("127.0.0.1", port)
            request = post_request("127.0.0.1", port, "/graphql", b"{}")
            seen = []
            for _ in range(3):
                await connection.exchange(request)
                seen.append(connection.kept)
            connection.close()
            return seen

    assert asyncio.run(scenario()) == [False, True, False]

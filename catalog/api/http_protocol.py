"""uvicorn's HTTP/1.1 protocol (httptools), with each response sent in one write.

uvicorn writes a response's status line and headers when the app sends ``http.response.start``,
and the body in a second write when it sends ``http.response.body``: two ``write`` system calls
per answer. On loopback and in virtual machines each one runs the whole TCP path, about a tenth
of a small GraphQL answer's server time (profiled with py-spy at scale S). Here the transport
uvicorn writes to gathers the writes made in one turn of the event loop and hands them to the
socket together at the end of that turn: the head and body of an answer leave in one call, a
streamed answer's chunks still leave each turn, and nothing waits longer than the current turn.

Everything else is the real transport's: flow control (its buffer size and ``pause_writing``
reach the protocol as before, one turn later at most), ``close`` (which first sends what is
gathered), the peer's address, and the upgrade to a WebSocket, whose protocol gets this
transport too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatheringTransport:
    """A transport whose writes within one turn of the loop reach the socket in one write."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Send what was gathered (a no-op when nothing was, or when the connection is gone)."""
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(chunk) for chunk in self._pending)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        # is_closing, get_extra_info, pause_reading, resume_reading, set_protocol, ...
        return getattr(self._transport, name)


class GatheringHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's ``httptools`` protocol writing through a ``GatheringTransport`` (``uvicorn.Config(http=...)``)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(GatheringTransport(transport, self.loop))  # type: ignore[arg-type]


HTTP_PROTOCOL = f"{__name__}:{GatheringHttpToolsProtocol.__name__}"
"""The protocol as uvicorn's ``http`` option names it (an import string, so ``--workers`` processes load it too)."""

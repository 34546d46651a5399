"""A real HTTP server on loopback that replays API payloads, for testing the real clients.

Each route answers from a handler ``(query, headers) -> Reply``; ``script`` queues one-off
replies (a 429 with Retry-After, a 503, a truncated body) that are served first, in order.
Every request is recorded so tests can assert pagination parameters and auth headers.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, list[str]]


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    """JSON-encoded unless it is ``bytes``."""
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    """Send only this many bytes of the body, with the full Content-Length, then close: a truncated response."""


@dataclass
class Request:
    method: str
    path: str
    query: Query
    headers: dict[str, str]


Handler = Callable[[Query, dict[str, str]], Reply]


class FakeApi:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None

    # -- set-up -----------------------------------------------------------------------------

    def route(self, path: str, handler: Handler | Any) -> None:
        """Serve ``path``; a non-callable is served as a fixed JSON body."""
        if callable(handler):
            self.routes[path] = handler
            return

        def fixed(_query: Query, _headers: dict[str, str], body: Any = handler) -> Reply:
            return Reply(body=body)

        self.routes[path] = fixed

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path].extend(replies)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # -- serving ----------------------------------------------------------------------------

    def __enter__(self) -> FakeApi:
        api = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this each reply waits on a delayed ACK.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                headers = {k.lower(): v for k, v in self.headers.items()}
                api.requests.append(Request("GET", parts.path, query, headers))
                if api.scripts[parts.path]:
                    reply = api.scripts[parts.path].popleft()
                elif parts.path in api.routes:
                    reply = api.routes[parts.path](query, headers)
                else:
                    reply = Reply(404, {"message": "Not Found", "path": parts.path})
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.cut_after is not None:
                    self.wfile.write(body[: reply.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def paged(items: list[Any], page_size: int) -> list[list[Any]]:
    return [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]

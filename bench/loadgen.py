"""The load generator: GraphQL over HTTP at a fixed concurrency, in a process of its own.

``python -m bench.loadgen SPEC.json`` reads ``{"url", "concurrency", "duration", "warmup",
"requests", "persisted", "queries": [{"name", "document", "variables": [...]}, ...]}`` and prints one JSON
object: per query, in order, the requests made, the errors (HTTP status other than 200, transport
failures, or a GraphQL response with ``errors`` or without ``data``) with a few samples, the
latency percentiles in milliseconds, the requests per second and the client's CPU use.

Each query runs on its own: a warm-up of ``warmup`` seconds whose requests are not counted, then
``concurrency`` workers, each on its own keep-alive connection, send requests back to back, each
worker cycling through the variables from its own offset, for ``duration`` seconds (or, when
``requests`` is set, until that many requests are done).

With ``persisted`` true, each document is registered once as an automatic persisted query
(its SHA-256 with the document), and every request after that sends only the hash and variables.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (under uvloop), with each
request's bytes built once. The load generator shares the machine's cores with the server, so
every millisecond it spends is taken from the server: httpx spent about 1 ms of CPU per request,
which capped the trivial request near 800 req/s on two cores; this client spends a fraction of that.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # not on Windows
    uvloop = None  # type: ignore[assignment]

import orjson

from catalog.api.persisted import sha256_of

ERROR_SAMPLES = 3


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of sorted values, interpolated between ranks; NaN for none."""
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    p99_ms: float = math.nan
    mean_ms: float = math.nan
    rps: float = 0.0
    client_cpu: float = 0.0
    """Client CPU seconds over wall seconds while measuring (1.0 = one core busy)."""
    kept: int = 0
    """Responses the server sent from its kept answers (``X-Catalog-Answer: kept`` or ``joined``, ``catalog.api.responses``)."""


@dataclass
class _Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    issued: int = 0
    kept: int = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(text[:500])


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs prepared requests and reads whole responses."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.kept = False
        """Whether the last response was a kept answer (``X-Catalog-Answer: kept``)."""

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request``; the response's status and body. Raises OSError or
        asyncio.IncompleteReadError when the connection fails (it is then closed)."""
        try:
            if self._reader is not None and self._reader.at_eof():
                # The server closed it while idle (its keep-alive timeout, e.g. between phases).
                self.close()
            reused = self._reader is not None
            try:
                reader, writer = await self._open()
                writer.write(request)
                status_line = await reader.readline()
            except ConnectionResetError:
                if not reused:
                    raise
                status_line = b""
            if not status_line and reused:
                # Closed by the server as the request went out: like any HTTP client, send these
                # read-only queries again once, on a new connection.
                self.close()
                reader, writer = await self._open()
                writer.write(request)
                status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("the server closed the connection")
            status = int(status_line.split(b" ", 2)[1])
            length: int | None = None
            chunked = closing = self.kept = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif name == b"connection":
                    closing = b"close" in value.lower()
                elif name == b"x-catalog-answer":
                    self.kept = value.strip() in (b"kept", b"joined")
            if chunked:
                parts: list[bytes] = []
                while size := int((await reader.readline()).split(b";")[0], 16):
                    parts.append(await reader.readexactly(size))
                    await reader.readline()
                await reader.readline()
                body = b"".join(parts)
            elif length is not None:
                body = await reader.readexactly(length)
            else:
                body = await reader.read()
                closing = True
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            self.close()
            raise
        if closing:
            self.close()
        return status, body


def post_request(host: str, port: int, path: str, body: bytes) -> bytes:
    """The bytes of one JSON POST."""
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


def _check(status: int, content: bytes) -> str | None:
    """Why the response is an error, or None."""
    text = content[:300].decode("utf-8", "replace")
    if status != 200:
        return f"HTTP {status}: {text}"
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return f"not JSON: {text}"
    if not isinstance(body, dict):
        return f"not a GraphQL response: {text}"
    if body.get("errors"):
        return "GraphQL errors: " + "; ".join(str(e.get("message", e)) for e in body["errors"])
    if body.get("data") is None:
        return "GraphQL response without data"
    return None


async def _phase(
    connections: Sequence[Connection], requests_bytes: Sequence[bytes], seconds: float, requests: int | None
) -> tuple[_Phase, float]:
    phase = _Phase()
    deadline = time.perf_counter() + seconds
    concurrency = len(connections)

    async def worker(offset: int) -> None:
        connection = connections[offset]
        turn = offset
        while True:
            if requests is not None:
                if phase.issued >= requests:
                    return
            elif time.perf_counter() >= deadline:
                return
            phase.issued += 1
            request = requests_bytes[turn % len(requests_bytes)]
            turn += concurrency
            started = time.perf_counter()
            try:
                status, content = await connection.exchange(request)
                problem = _check(status, content)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            phase.latencies.append(time.perf_counter() - started)
            if problem is not None:
                phase.error(problem)
            elif connection.kept:
                phase.kept += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return phase, time.perf_counter() - began


async def run(spec: dict[str, Any]) -> list[Result]:
    url = str(spec["url"])
    concurrency = int(spec["concurrency"])
    duration = float(spec["duration"])
    warmup = float(spec.get("warmup", 0))
    requests = None if spec.get("requests") is None else int(spec["requests"])
    parsed = urlsplit(url)
    host, port, path = parsed.hostname or "127.0.0.1", parsed.port or 80, parsed.path or "/"
    connections = [Connection(host, port) for _ in range(concurrency)]
    results: list[Result] = []
    try:
        for query in spec["queries"]:
            variables: list[dict[str, Any]] = query.get("variables") or [{}]
            if spec.get("persisted"):
                extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(query["document"])}}
                body = orjson.dumps({"query": query["document"], "variables": variables[0], "extensions": extensions})
                # Through every connection: with several server workers, each keeps its own documents.
                for connection in connections:
                    status, content = await connection.exchange(post_request(host, port, path, body))
                    if (problem := _check(status, content)) is not None:
                        raise RuntimeError(f"{query['name']}: registering the persisted query failed: {problem}")
                bodies = [orjson.dumps({"variables": v, "extensions": extensions}) for v in variables]
            else:
                bodies = [orjson.dumps({"query": query["document"], "variables": v}) for v in variables]
            prepared = [post_request(host, port, path, body) for body in bodies]
            if warmup > 0:
                await _phase(connections, prepared, warmup, None)
            cpu = time.process_time()
            phase, seconds = await _phase(connections, prepared, duration, requests)
            cpu = time.process_time() - cpu
            ordered = sorted(phase.latencies)
            result = Result(query["name"], len(ordered), phase.errors, phase.samples, seconds, kept=phase.kept)
            if ordered:
                result.p50_ms, result.p95_ms, result.p99_ms = (percentile(ordered, q) * 1000 for q in (50, 95, 99))
                result.mean_ms = sum(ordered) / len(ordered) * 1000
            result.rps = len(ordered) / seconds if seconds > 0 else 0.0
            result.client_cpu = cpu / seconds if seconds > 0 else 0.0
            results.append(result)
            print(
                f"[loadgen] {result.name}: {result.requests:,} requests in {seconds:.1f} s, p50 {result.p50_ms:.1f} ms, "
                f"{result.rps:,.1f} req/s, {result.errors} errors, {result.kept:,} kept",
                file=sys.stderr,
                flush=True,
            )
    finally:
        for connection in connections:
            connection.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m bench.loadgen SPEC.json   (see the module docstring for the spec)", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    results = uvloop.run(run(spec)) if uvloop is not None else asyncio.run(run(spec))
    json.dump([_jsonable(asdict(r)) for r in results], sys.stdout)
    sys.stdout.write("\n")
    return 0


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


if __name__ == "__main__":
    sys.exit(main())

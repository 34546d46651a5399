"""The load generator: GraphQL over HTTP at a fixed concurrency, in a process of its own.

``python -m bench.loadgen SPEC.json`` reads ``{"url", "concurrency", "duration", "warmup",
"requests", "queries": [{"name", "document", "variables": [...]}, ...]}`` and prints one JSON
object: per query, in order, the requests made, the errors (HTTP status other than 200, transport
failures, or a GraphQL response with ``errors`` or without ``data``) with a few samples, the
latency percentiles in milliseconds, the requests per second and the client's CPU use.

Each query runs on its own: a warm-up of ``warmup`` seconds whose requests are not counted, then
``concurrency`` workers sharing one ``httpx.AsyncClient`` (keep-alive, one connection per worker)
send requests back to back, each worker cycling through the variables from its own offset, for
``duration`` seconds (or, when ``requests`` is set, until that many requests are done).
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

import httpx

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


@dataclass
class _Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    issued: int = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(text[:500])


def _check(response: httpx.Response) -> str | None:
    """Why the response is an error, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"not JSON: {response.text[:300]}"
    if not isinstance(body, dict):
        return f"not a GraphQL response: {response.text[:300]}"
    if body.get("errors"):
        return "GraphQL errors: " + "; ".join(str(e.get("message", e)) for e in body["errors"])
    if body.get("data") is None:
        return "GraphQL response without data"
    return None


async def _phase(
    client: httpx.AsyncClient, url: str, bodies: Sequence[bytes], concurrency: int, seconds: float, requests: int | None
) -> tuple[_Phase, float]:
    phase = _Phase()
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        turn = offset
        while True:
            if requests is not None:
                if phase.issued >= requests:
                    return
            elif time.perf_counter() >= deadline:
                return
            phase.issued += 1
            body = bodies[turn % len(bodies)]
            turn += concurrency
            started = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers={"content-type": "application/json"})
                problem = _check(response)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            phase.latencies.append(time.perf_counter() - started)
            if problem is not None:
                phase.error(problem)

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return phase, time.perf_counter() - began


async def run(spec: dict[str, Any]) -> list[Result]:
    url = str(spec["url"])
    concurrency = int(spec["concurrency"])
    duration = float(spec["duration"])
    warmup = float(spec.get("warmup", 0))
    requests = None if spec.get("requests") is None else int(spec["requests"])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results: list[Result] = []
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120.0)) as client:
        for query in spec["queries"]:
            variables: list[dict[str, Any]] = query.get("variables") or [{}]
            bodies = [json.dumps({"query": query["document"], "variables": v}).encode() for v in variables]
            if warmup > 0:
                await _phase(client, url, bodies, concurrency, warmup, None)
            cpu = time.process_time()
            phase, seconds = await _phase(client, url, bodies, concurrency, duration, requests)
            cpu = time.process_time() - cpu
            ordered = sorted(phase.latencies)
            result = Result(query["name"], len(ordered), phase.errors, phase.samples, seconds)
            if ordered:
                result.p50_ms, result.p95_ms, result.p99_ms = (percentile(ordered, q) * 1000 for q in (50, 95, 99))
                result.mean_ms = sum(ordered) / len(ordered) * 1000
            result.rps = len(ordered) / seconds if seconds > 0 else 0.0
            result.client_cpu = cpu / seconds if seconds > 0 else 0.0
            results.append(result)
            print(
                f"[loadgen] {result.name}: {result.requests:,} requests in {seconds:.1f} s, p50 {result.p50_ms:.1f} ms, "
                f"{result.rps:,.1f} req/s, {result.errors} errors",
                file=sys.stderr,
                flush=True,
            )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m bench.loadgen SPEC.json   (see the module docstring for the spec)", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    results = asyncio.run(run(spec))
    json.dump([_jsonable(asdict(r)) for r in results], sys.stdout)
    sys.stdout.write("\n")
    return 0


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


if __name__ == "__main__":
    sys.exit(main())

"""Signals for operators: ``/metrics`` in the Prometheus text format.

- ``catalog_http_requests_total`` and ``catalog_http_request_duration_seconds``, by route,
  GraphQL operation and status;
- ``catalog_refusals_total`` by the limit (its ``CATALOG_*`` setting) that refused a request;
- ``catalog_store_errors_total`` by error class (timeouts included), and
  ``catalog_request_timeouts_total`` for requests past ``CATALOG_REQUEST_TIMEOUT``;
- ``catalog_heavy_answers_waiting`` and ``catalog_heavy_answers_running``;
- ``catalog_kept_answers_total`` by outcome (``hit``: answered from a kept result; ``joined``: from the result a
  request asking the same question at the same time kept; ``miss``: computed), and
  ``catalog_kept_answers_count`` and ``catalog_kept_answers_bytes`` (``catalog.api.responses``);
- per source instance, the last sync's start time, duration, outcome and findings, read from
  the store's ImportRun records at scrape time, so every worker reports the same, current values.

Each app has its own registry: tests build many apps, and a process-wide registry would refuse
the second one's metrics as duplicates. With ``CATALOG_WORKERS`` above 1, each worker answers
for its own requests (the sync metrics are the store's, the same from every worker).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator

from graphql import GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from catalog.api.responses import ResponseCache
from catalog.api.walks import Busy, WalkGate
from catalog.read.runs import LastRun, last_runs
from catalog.read.snapshot import SnapshotHolder
from catalog.store.base import GraphStore, StoreError

logger = logging.getLogger(__name__)

MAX_OPERATIONS = 200
"""Distinct operation names given their own series; clients choose them, so they are bounded."""
_OPERATION = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_SETTING = re.compile(r"\((CATALOG_[A-Z_]+)[)=]")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self, walks: WalkGate | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "catalog_http_requests",
            "HTTP requests answered, by route, GraphQL operation and status.",
            ["route", "operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "catalog_http_request_duration_seconds",
            "Time to answer a request, by route and GraphQL operation.",
            ["route", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.refusals = Counter("catalog_refusals", "Requests refused by a limit, by its setting.", ["limit"], registry=self.registry)
        self.store_errors = Counter(
            "catalog_store_errors", "Store failures met while answering, by error class.", ["error"], registry=self.registry
        )
        self.timeouts = Counter("catalog_request_timeouts", "Requests stopped at CATALOG_REQUEST_TIMEOUT.", registry=self.registry)
        self._operations: set[str] = set()
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        if walks is not None:
            waiting = Gauge(
                "catalog_heavy_answers_waiting", "Blast-radius and adoption answers waiting for a turn.", registry=self.registry
            )
            waiting.set_function(lambda: walks.waiting)
            running = Gauge("catalog_heavy_answers_running", "Blast-radius and adoption answers being computed.", registry=self.registry)
            running.set_function(lambda: walks.running)

    def watch_snapshot(self, holder: Callable[[], SnapshotHolder | None]) -> None:
        """Gauges of the snapshot answers come from: its generation (-1 while answers come from the store),
        its last build's seconds (and its first stage's), whether it holds every part yet, and the builds failed
        since the last one that succeeded."""

        def value(read: Callable[[SnapshotHolder], float]) -> Callable[[], float]:
            return lambda: read(h) if (h := holder()) is not None else -1.0

        generation = Gauge(
            "catalog_snapshot_generation", "Sync generation of the snapshot answers come from; -1: none yet.", registry=self.registry
        )
        generation.set_function(value(lambda h: h.current.generation if h.current is not None else -1.0))
        built = Gauge("catalog_snapshot_build_seconds", "Seconds the current snapshot took to build.", registry=self.registry)
        built.set_function(value(lambda h: h.current.build_seconds if h.current is not None else -1.0))
        first = Gauge(
            "catalog_snapshot_first_stage_seconds",
            "Seconds until the current snapshot's first stage (the parts incident answers read) answered.",
            registry=self.registry,
        )
        first.set_function(value(lambda h: (h.current.first_seconds or -1.0) if h.current is not None else -1.0))
        complete = Gauge(
            "catalog_snapshot_complete",
            "1 when the current snapshot holds every part; 0 while its build loads the platform team's (scorecard, audits, adoption).",
            registry=self.registry,
        )
        complete.set_function(value(lambda h: float(h.current.complete) if h.current is not None else 0.0))
        failed = Gauge(
            "catalog_snapshot_build_failures", "Snapshot builds failed since the last one that succeeded.", registry=self.registry
        )
        failed.set_function(value(lambda h: float(h.failures)))

    def watch_responses(self, cache: ResponseCache) -> None:
        """The kept answers' hits and misses, and how many are kept in how many bytes."""
        self.registry.register(_KeptCollector(cache))

    def operation_label(self, name: object) -> str:
        """The operation name when it is sane and among the first ``MAX_OPERATIONS`` seen, else ``other`` (also for a
        request whose ``operationName`` is not a text, which execution refuses)."""
        if not name:
            return "anonymous"
        if not isinstance(name, str) or not _OPERATION.fullmatch(name):
            return "other"
        if name not in self._operations:
            if len(self._operations) >= MAX_OPERATIONS:
                return "other"
            self._operations.add(name)
        return name

    def observe_request(self, route: str, operation: str, status: int, seconds: float) -> None:
        # The labelled children, looked up once per (route, operation, status): ``labels()`` checks and
        # locks on every call. Bounded like the labels: four routes, MAX_OPERATIONS + 2 names, the statuses.
        key = (route, operation, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(route, operation, str(status)), self.latency.labels(route, operation))
        children[0].inc()
        children[1].observe(seconds)

    def refused(self, setting: str) -> None:
        self.refusals.labels(setting).inc()

    def observe_error(self, error: GraphQLError) -> None:
        """Count a GraphQL error: a refusal by the setting it names, or a store failure by class."""
        original = error.original_error
        if isinstance(original, StoreError):
            self.store_errors.labels(type(original).__name__).inc()
            return
        if isinstance(original, Busy):
            self.refused("CATALOG_MAX_WAITING_WALKS")
            return
        setting = (error.extensions or {}).get("setting")
        if not isinstance(setting, str):
            found = _SETTING.search(error.message)
            setting = found.group(1) if found else None
        if setting is not None:
            self.refused(setting)

    async def exposition(self, store: GraphStore | None) -> bytes:
        """The text format: this process's counters, then the sources' last syncs from the store."""
        body = generate_latest(self.registry)
        if store is None:
            return body
        try:
            runs = await last_runs(store)
        except Exception as exc:  # a failing store must not take the metrics down with it
            logger.warning("metrics: could not read the import runs: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self.store_errors.labels(type(exc).__name__).inc()
            return generate_latest(self.registry)
        scrape = CollectorRegistry()
        scrape.register(_SyncCollector(runs))
        return body + generate_latest(scrape)


class _SyncCollector(Collector):
    def __init__(self, runs: list[LastRun]) -> None:
        self.runs = runs

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["source", "instance"]
        started = GaugeMetricFamily(
            "catalog_sync_last_started_timestamp_seconds", "When the last sync of the source began (Unix time).", labels=labels
        )
        duration = GaugeMetricFamily(
            "catalog_sync_last_duration_seconds", "How long the last finished sync of the source took.", labels=labels
        )
        findings = GaugeMetricFamily("catalog_sync_last_findings", "Findings the last sync of the source reported.", labels=labels)
        outcome = GaugeMetricFamily(
            "catalog_sync_last_outcome",
            "1 for the outcome of the last sync of the source (complete, partial, unfinished).",
            labels=[*labels, "outcome"],
        )
        for run in self.runs:
            key = [run.source, run.instance]
            if run.started_at is not None:
                started.add_metric(key, run.started_at.timestamp())
            if run.duration_seconds is not None:
                duration.add_metric(key, run.duration_seconds)
            findings.add_metric(key, run.findings)
            for name in ("complete", "partial", "unfinished"):
                outcome.add_metric([*key, name], 1.0 if run.outcome == name else 0.0)
        yield from (started, duration, findings, outcome)


class _KeptCollector(Collector):
    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        asked = CounterMetricFamily(
            "catalog_kept_answers", "GraphQL requests that could be answered from a kept result, by outcome.", labels=["outcome"]
        )
        asked.add_metric(["hit"], self.cache.hits)
        asked.add_metric(["joined"], self.cache.joined)
        asked.add_metric(["miss"], self.cache.misses - self.cache.joined)
        yield asked
        yield GaugeMetricFamily("catalog_kept_answers_count", "Results kept for the current snapshot.", value=len(self.cache))
        yield GaugeMetricFamily("catalog_kept_answers_bytes", "Bytes of the results kept (as JSON).", value=self.cache.bytes)


def metrics_endpoint(metrics: Metrics, store: Callable[[], GraphStore | None]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return Response(await metrics.exposition(store()), media_type=CONTENT_TYPE_LATEST)

    return endpoint

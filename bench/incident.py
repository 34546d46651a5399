"""Incident-time answers in process, from the snapshot and from Cypher: ``python -m bench.inproc STORE --incident``.

Rows: the blast radius from the hub (depth 3, the first page of 25 teams with their on-call and
their first 20 services), as the answer and as the GraphQL document, and ``onCall`` now for a
spread of services; each from the Cypher reader and from a ``SnapshotReader`` over a snapshot
built once before (its build time and the process's memory growth are printed first).
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.queries import find_targets
from catalog.answers.blast_radius import blast_radius
from catalog.answers.oncall import on_call
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.core.clock import now_iso
from catalog.read import CatalogReader
from catalog.read.snapshot import SnapshotReader, build_snapshot
from catalog.settings import Settings
from catalog.store.base import GraphStore

PAGE = """
query BlastRadiusPage($s: String!) {
  blastRadius(service: $s, depth: 3) {
    identification { status } totalServices totalTeams byDistance { distance count }
    unowned { count affectedServices(first: 20) { nodes { service { ref name } distance } } }
    teams(first: 25) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes {
        owner { ... on Team { ref name } ... on Person { ref name } } count nearestDistance
        affectedServices(first: 20) {
          totalCount nodes { service { ref name } distance via { ... on Service { ref } ... on Resource { ref } } }
        }
        onCall { name email policies { level } }
        escalationPolicies { policy { ref name } }
      }
    }
  }
}
"""

Row = tuple[str, float, float]
"""(name, Cypher p50 ms, snapshot p50 ms)."""


async def _p50(call: Callable[[], Awaitable[object]], calls: int) -> tuple[float, float]:
    """p50 of the wall time and of this process's CPU time, in ms: on a machine shared with other work
    the CPU time says what a call costs when the wall time also counts the waits for a core."""
    await call()  # warm: plans cached, pools filled
    times, cpu = [], []
    for _ in range(calls):
        started, used = time.perf_counter(), time.process_time()
        await call()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def incident_rows(store: GraphStore, settings: Settings, calls: int) -> list[Row]:
    targets = await find_targets(store, seed=1)
    before = _rss_mb()
    snapshot = await build_snapshot(store)
    print(
        f"snapshot: generation {snapshot.generation}, built in {snapshot.build_seconds:.2f} s, peak RSS {before:.0f} → {_rss_mb():.0f} MB",
        flush=True,
    )
    cypher, snapped = CatalogReader(store), SnapshotReader(store, snapshot)
    schema = build_schema(settings)
    hub, depth = targets.hub, 3
    rows: list[Row] = []

    def page(reader: CatalogReader) -> Callable[[], Awaitable[object]]:
        return lambda: blast_radius(reader, hub, depth, max_depth=settings.max_depth, first=25, services_per_team=20, at=now_iso())

    def document(with_snapshot: bool) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            context = build_context(store, settings, snapshot=snapshot if with_snapshot else None)
            result = await schema.execute(PAGE, variable_values={"s": hub}, context_value=context)
            if result.errors:
                raise RuntimeError(result.errors[0].message)
            return result.data

        return run

    services = targets.services[:: max(1, len(targets.services) // 20)]
    turn = iter(range(1 << 30))

    def paging(reader: CatalogReader) -> Callable[[], Awaitable[object]]:
        return lambda: on_call(reader, services[next(turn) % len(services)])

    found = await page(snapped)()
    print(f"hub {hub}: {found.total_services} services within {depth} steps, {found.total_teams} owners", flush=True)  # type: ignore[attr-defined]
    for name, of_cypher, of_snapshot in (
        ("blastRadius hub, 25 teams + on-call (answer)", page(cypher), page(snapped)),
        ("blastRadius hub, 25 teams + on-call (GraphQL)", document(False), document(True)),
        ("onCall now (answer)", paging(cypher), paging(snapped)),
    ):
        (cypher_ms, cypher_cpu), (snapshot_ms, snapshot_cpu) = await _p50(of_cypher, calls), await _p50(of_snapshot, calls)
        row = (name, cypher_ms, snapshot_ms)
        rows.append(row)
        print(
            f"{row[0]:48s} Cypher p50 {row[1]:9.1f} ms (CPU {cypher_cpu:8.1f})   snapshot p50 {row[2]:9.1f} ms (CPU {snapshot_cpu:7.1f})",
            flush=True,
        )
    return rows

"""``python -m bench.inproc STORE [--only TEXT] [--calls N] [--no-snapshot]``: each benchmark query in process, one call at a time.

STORE is an embedded store's path or a Neo4j URI (auth from CATALOG_NEO4J_USER/PASSWORD). For
each query of ``bench.queries`` (inputs found in the store as ``python -m bench`` finds them), it
prints the p50 of the GraphQL document run through ``schema.execute``, of the same answer
taken directly from the answers and read layers, and of the web page that shows it (a GET
through the ASGI app, rendering included, no socket): what a request costs before HTTP and
concurrency. Use it on a store a benchmark left behind (``--workdir``), to profile one query.

Then the snapshot (``catalog.read.snapshot``): its build time, the memory it holds (traced by
``tracemalloc``: what stays allocated after the build, and the peak during it) and the growth of
the process's resident set, and the hot reads it serves, each from the snapshot and from Cypher
(GraphQL through ``schema.execute`` and the direct reads). ``--snapshot-parts`` instead prints the
snapshot's build part by part (``bench.snapshot_parts``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from strawberry import Schema

from bench.queries import (
    ADOPTION,
    BLAST_RADIUS,
    OWNER_LOOKUP,
    SERVICE_PAGE,
    TEAM_PAGE,
    WHO_OWNS,
    Targets,
    _breaks_page,
    _search_page,
    _service_page,
    _service_page_variables,
    _team_web_page,
    build_queries,
    find_targets,
    owner_lookup,
    team_page,
)
from catalog.answers.adoption import adoption
from catalog.answers.audits import AuditFilter, audits
from catalog.answers.build_run_company import company_report
from catalog.answers.ownership import who_owns
from catalog.answers.scorecard import build_run, build_run_company
from catalog.api.app import create_app
from catalog.api.context import build_context
from catalog.api.schema import build_schema
from catalog.read import CatalogReader
from catalog.read.snapshot import Snapshot, SnapshotReader, build_snapshot
from catalog.settings import Settings
from catalog.store import open_store
from catalog.store.base import GraphStore
from catalog.web.build_run import ANTIPATTERNS

Row = tuple[str, float | None, float | None, float | None]

BUILD_RUN = """query($t: String!) {
  buildRun(team: $t) {
    overall isFullyBuildRun
    build { verdict share reason repositories(first: 100) { nodes { repository { slug } state } } }
    run { verdict share reason services(first: 100) { nodes { service { name } state } } }
    support { verdict share reason services(first: 100) { nodes { service { name } state handedOffTo { name } } } }
    platformRole { owns onCall runsOnIt }
  }
}"""


SCORECARD_ROWS = ("buildRun(team)", "Build-Run scorecard, whole company")


async def _scorecard_rows(store: GraphStore, settings: Settings, team: str, calls: int) -> list[Row]:
    """The Build-Run scorecard: one team through GraphQL and directly, and every team of the company directly
    (one bulk read, scored in memory; what the company view and the audits build on)."""
    schema = build_schema(settings)
    reader = CatalogReader(store)
    graphql: list[float] = []
    one: list[float] = []
    company: list[float] = []
    teams = 0
    for _ in range(calls):
        started = time.perf_counter()
        result = await schema.execute(BUILD_RUN, variable_values={"t": team}, context_value=build_context(store, settings))
        graphql.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"buildRun: {result.errors[0].message}")
        started = time.perf_counter()
        await build_run(reader, team)
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        teams = len((await build_run_company(reader)).teams)
        company.append(time.perf_counter() - started)
    return [
        (f"buildRun(team) ({team})", statistics.median(graphql) * 1000, statistics.median(one) * 1000, None),
        (f"Build-Run scorecard, whole company ({teams} teams)", None, statistics.median(company) * 1000, None),
    ]


COMPANY_ROWS = ("Build-Run company view", "anti-pattern audits")


async def _company_rows(store: GraphStore, settings: Settings, calls: int) -> list[Row]:
    """The Build-Run company view (every team scored, grouped by org unit and domain) through GraphQL and directly, and the
    first page of the anti-pattern audits (their bulk reads, joined in memory)."""
    schema = build_schema(settings)
    reader = CatalogReader(store)
    graphql: list[float] = []
    direct: list[float] = []
    found: list[float] = []
    teams = 0
    for _ in range(calls):
        started = time.perf_counter()
        result = await schema.execute(COMPANY, context_value=build_context(store, settings))
        graphql.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"buildRunCompany: {result.errors[0].message}")
        started = time.perf_counter()
        teams = (await company_report(reader)).company.teams
        direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        await (await audits(reader, AuditFilter(kinds=ANTIPATTERNS))).page(50)
        found.append(time.perf_counter() - started)
    return [
        (f"Build-Run company view ({teams} teams)", statistics.median(graphql) * 1000, statistics.median(direct) * 1000, None),
        ("anti-pattern audits, first page of 50", None, statistics.median(found) * 1000, None),
    ]


SNAPSHOT_SCORECARD = "from the snapshot: Build-Run and pages"


async def _snapshot_scorecard_rows(store: GraphStore, settings: Settings, targets: Targets, calls: int) -> list[Row]:
    """The Build-Run answers and the team and platform pages served from one snapshot (as the server serves them), beside
    the GraphQL answers the pages show from the same snapshot. The first whole-company scoring of a snapshot is shown
    alone: later calls reuse it while the same on-call shifts hold."""
    from starlette.applications import Starlette

    from catalog.web import web_routes

    snapshot = await build_snapshot(store)
    print(f"{'snapshot build':45s} {snapshot.build_seconds * 1000:9.1f} ms", flush=True)
    schema = build_schema(settings)
    reader = SnapshotReader(store, snapshot)
    pages = Starlette(routes=list(web_routes(lambda: store, settings, lambda: snapshot)))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=pages), base_url="http://bench.local")
    team = {"t": targets.team, "ns": targets.team_namespace}
    pod: dict[str, Any] = {"id": targets.pods[0]}
    service = _service_page_variables(targets.services[:1])[0]
    hub: dict[str, Any] = {"s": targets.hub, "d": 3}
    rows: list[Row] = []

    async def timed(call: Callable[[], Awaitable[object]]) -> float:
        started = time.perf_counter()
        await call()
        return (time.perf_counter() - started) * 1000

    async def graphql(document: str, variables: dict[str, Any] | None = None) -> None:
        result = await schema.execute(document, variable_values=variables, context_value=build_context(store, settings, snapshot=snapshot))
        if result.errors:
            raise RuntimeError(result.errors[0].message)

    first = await timed(lambda: build_run_company(reader))
    rows.append(_shown((f"{SNAPSHOT_SCORECARD}: whole company, first scoring", None, first, None)))
    cases: list[tuple[str, Callable[[], Awaitable[object]] | None, Callable[[], Awaitable[object]] | None, str | None]] = [
        ("buildRun(team)", lambda: graphql(BUILD_RUN, {"t": targets.team}), lambda: build_run(reader, targets.team), None),
        ("whole-company scorecard", None, lambda: build_run_company(reader), None),
        ("company view", lambda: graphql(COMPANY), lambda: company_report(reader), None),
        ("anti-pattern audits, first page", None, lambda: _audit_page(reader), None),
        ("team services page of 100 / team page", lambda: graphql(TEAM_PAGE, team), None, _team_web_page(team)),
        ("adoption (company, by team) / platform page", lambda: graphql(ADOPTION), None, "/platform"),
        ("whoOwns(pod name) / search page", lambda: graphql(WHO_OWNS, pod), None, _search_page(pod)),
        ("service page (whoOwns+onCall+changes+deps)", lambda: graphql(SERVICE_PAGE, service), None, _service_page(service)),
        ("blastRadius depth 3 (hub), first 25 teams / what breaks", lambda: graphql(BLAST_RADIUS, hub), None, _breaks_page(hub)),
    ]
    try:
        for name, on_graphql, direct, path in cases:
            times: list[list[float]] = [[], [], []]
            for _ in range(calls):
                if on_graphql is not None:
                    times[0].append(await timed(on_graphql))
                if direct is not None:
                    times[1].append(await timed(direct))
                if path is not None:
                    started = time.perf_counter()
                    await _get_page(http, path)
                    times[2].append((time.perf_counter() - started) * 1000)
            p50 = [statistics.median(t) if t else None for t in times]
            rows.append(_shown((f"{SNAPSHOT_SCORECARD}: {name}", p50[0], p50[1], p50[2])))
    finally:
        await http.aclose()
    return rows


async def _audit_page(reader: CatalogReader) -> object:
    return await (await audits(reader, AuditFilter(kinds=ANTIPATTERNS))).page(50)


COMPANY = """{
  buildRunCompany {
    company { teams fullyBuildRun share knownShare }
    byOrgUnit { key name tally { teams fullyBuildRun share } }
    byDomain { key name tally { teams fullyBuildRun share } }
    teams(first: 50) { nodes { overall team { name } } }
  }
}"""


async def _get_page(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    # The search for a pod answers with a redirect to the service page; any other status is a broken page.
    if response.status_code not in (200, 303):
        raise RuntimeError(f"page {path}: HTTP {response.status_code}")


def _rss_bytes() -> int:
    """The process's resident set now (Linux), 0 where /proc is not there."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


async def measure_build(store: GraphStore) -> tuple[Snapshot, dict[str, float]]:
    """A snapshot, with its build time (untraced), the growth of RSS across that build, and, from a
    second build under ``tracemalloc``, the memory it keeps and the peak while it builds."""
    gc.collect()
    rss = _rss_bytes()
    started = time.perf_counter()
    snapshot = await build_snapshot(store)
    seconds = time.perf_counter() - started
    grown = _rss_bytes() - rss
    del snapshot
    gc.collect()
    tracemalloc.start()
    snapshot = await build_snapshot(store)
    # What the snapshot keeps, not the build's garbage that the next cyclic collection frees (tens of MB at M).
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return snapshot, {"seconds": seconds, "rss_mb": grown / 1e6, "kept_mb": kept / 1e6, "peak_mb": peak / 1e6}


async def _p50(call: Callable[[int], Awaitable[object]], calls: int) -> float:
    times = []
    for i in range(calls):
        started = time.perf_counter()
        await call(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def snapshot_rows(store: GraphStore, settings: Settings, schema: Schema, targets: Targets, calls: int) -> list[Row]:
    """(read, from the snapshot p50 ms, from Cypher p50 ms, None) for the hot reads, GraphQL and direct; prints the build first."""
    snapshot, built = await measure_build(store)
    print(
        f"{'snapshot: build':45s} {built['seconds'] * 1000:9.1f} ms   kept {built['kept_mb']:7.1f} MB (tracemalloc)   "
        f"peak {built['peak_mb']:7.1f} MB   RSS +{built['rss_mb']:7.1f} MB   generation {snapshot.generation}",
        flush=True,
    )
    rows: list[Row] = [("snapshot: build (ms)", built["seconds"] * 1000, None, None)]
    rows.append(("snapshot: kept / peak MB (tracemalloc)", built["kept_mb"], built["peak_mb"], None))
    pods = [{"id": p} for p in targets.pods]
    names = [{"n": n} for n in targets.services]
    team = [{"t": targets.team, "ns": targets.team_namespace}]

    def graphql(document: str, variables: list[dict[str, Any]], snap: Snapshot | None) -> Callable[[int], Awaitable[object]]:
        async def call(i: int) -> object:
            context = build_context(store, settings, snapshot=snap)
            result = await schema.execute(document, variable_values=variables[i % len(variables)], context_value=context)
            if result.errors:
                raise RuntimeError(result.errors[0].message)
            return result.data

        return call

    Direct = Callable[[CatalogReader, dict[str, Any]], Awaitable[object]]

    def direct(read: Direct, variables: list[dict[str, Any]], snap: Snapshot | None) -> Callable[[int], Awaitable[object]]:
        async def call(i: int) -> object:
            return await read(SnapshotReader(store, snap), variables[i % len(variables)])

        return call

    async def pod_owner(reader: CatalogReader, variables: dict[str, Any]) -> object:
        return await who_owns(reader, str(variables["id"]))

    cases = [
        ("owner lookup (service + owners)", OWNER_LOOKUP, names, owner_lookup),
        ("whoOwns(pod name)", WHO_OWNS, pods, pod_owner),
        ("team services page of 100 + owners", TEAM_PAGE, team, team_page),
    ]
    for name, document, variables, read in cases:
        for how, use in (("GraphQL", graphql(document, variables, snapshot)), ("direct", direct(read, variables, snapshot))):
            cypher = graphql(document, variables, None) if how == "GraphQL" else direct(read, variables, None)
            from_snapshot, from_cypher = await _p50(use, calls), await _p50(cypher, calls)
            label = f"snapshot vs Cypher: {name}, {how}"
            rows.append((label, from_snapshot, from_cypher, None))
            print(f"{label:60s} snapshot p50 {from_snapshot:8.2f} ms   Cypher p50 {from_cypher:8.2f} ms", flush=True)
    return rows


async def run(store_at: str, only: str, calls: int, *, snapshot: bool = True) -> list[Row]:
    """(query, GraphQL p50 ms, direct p50 ms or None, page p50 ms or None) for each query whose name contains ``only``."""
    if "://" in store_at:
        settings = Settings(store="neo4j", neo4j_uri=store_at)
    else:
        settings = Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None)
    store = await open_store(settings)
    results: list[Row] = []
    app = create_app(settings, store=store)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local")
    try:
        targets = await find_targets(store, seed=1)
        queries = build_queries(targets, max_depth=settings.max_depth)
        schema = build_schema(settings)
        for query in queries:
            if only.lower() not in query.name.lower():
                continue
            graphql: list[float] = []
            direct: list[float] = []
            page: list[float] = []
            for i in range(calls):
                variables = query.variables[i % len(query.variables)]
                started = time.perf_counter()
                result = await schema.execute(query.document, variable_values=variables, context_value=build_context(store, settings))
                graphql.append(time.perf_counter() - started)
                if result.errors:
                    raise RuntimeError(f"{query.name}: {result.errors[0].message}")
                if query.direct is not None:
                    started = time.perf_counter()
                    await query.direct(store, variables)
                    direct.append(time.perf_counter() - started)
                if query.page is not None:
                    started = time.perf_counter()
                    await _get_page(http, query.page(variables))
                    page.append(time.perf_counter() - started)
            row = (
                query.name,
                statistics.median(graphql) * 1000,
                statistics.median(direct) * 1000 if direct else None,
                statistics.median(page) * 1000 if page else None,
            )
            results.append(_shown(row))
        if snapshot:
            results += await snapshot_rows(store, settings, schema, targets, calls)
        results += await _from_snapshot(store, settings, only, calls)
        if any(only.lower() in name.lower() for name in SCORECARD_ROWS):
            results.extend(_shown(row) for row in await _scorecard_rows(store, settings, targets.team, calls))
        if any(only.lower() in name.lower() for name in COMPANY_ROWS):
            results.extend(_shown(row) for row in await _company_rows(store, settings, calls))
        if only.lower() in SNAPSHOT_SCORECARD.lower():
            results += await _snapshot_scorecard_rows(store, settings, targets, calls)
    finally:
        await http.aclose()
        await store.close()
    return results


SNAPSHOT_ADOPTION = "adoption (company, by team), snapshot"


async def _from_snapshot(store: GraphStore, settings: Settings, only: str, calls: int) -> list[Row]:
    """Answers the server serves from its snapshot (``catalog.read.snapshot``), over one snapshot built first."""
    if only.lower() not in SNAPSHOT_ADOPTION.lower():
        return []
    snapshot = await build_snapshot(store)
    print(f"{'snapshot build':45s} {snapshot.build_seconds * 1000:9.1f} ms", flush=True)
    schema = build_schema(settings)
    reader = SnapshotReader(store, snapshot)
    graphql: list[float] = []
    direct: list[float] = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await schema.execute(ADOPTION, context_value=build_context(store, settings, snapshot=snapshot))
        graphql.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"{SNAPSHOT_ADOPTION}: {result.errors[0].message}")
        started = time.perf_counter()
        await adoption(reader, "team")
        direct.append(time.perf_counter() - started)
    row = (SNAPSHOT_ADOPTION, statistics.median(graphql) * 1000, statistics.median(direct) * 1000, None)
    print(f"{row[0]:45s} GraphQL p50 {row[1]:9.1f} ms   direct p50 {row[2]:9.1f} ms   page p50         —", flush=True)
    return [row]


def _shown(row: Row) -> Row:
    def ms(value: float | None) -> str:
        return f"{value:9.1f} ms" if value is not None else "        —   "

    print(f"{row[0]:45s} GraphQL p50 {ms(row[1])}   direct p50 {ms(row[2])}   page p50 {ms(row[3])}", flush=True)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("store", help="embedded store path, or a Neo4j URI such as neo4j://127.0.0.1:7687")
    parser.add_argument("--only", default="", help="only the queries whose name contains this text")
    parser.add_argument("--calls", type=int, default=20, help="calls per query (default 20)")
    parser.add_argument("--no-snapshot", action="store_true", help="leave out the snapshot's build and the snapshot-vs-Cypher rows")
    parser.add_argument(
        "--snapshot-parts",
        action="store_true",
        help="instead: the snapshot's build part by part (seconds, tracemalloc kept and peak, RSS growth; bench.snapshot_parts)",
    )
    parser.add_argument(
        "--snapshot-build",
        action="store_true",
        help="instead: one whole snapshot build after a warm-up build, its parts' seconds and slowest reads (bench.snapshot_build)",
    )
    parser.add_argument(
        "--incident", action="store_true", help="instead: blast radius page and onCall now, snapshot vs Cypher (bench.incident)"
    )
    args = parser.parse_args(argv)
    if args.snapshot_parts:
        asyncio.run(snapshot_parts(args.store))
        return 0
    if args.snapshot_build:
        asyncio.run(snapshot_build(args.store))
        return 0
    asyncio.run(
        incident(args.store, args.calls) if args.incident else run(args.store, args.only, args.calls, snapshot=not args.no_snapshot)
    )
    return 0


async def incident(store_at: str, calls: int) -> None:
    """The incident rows (``bench.incident``) on the store at ``store_at``."""
    from bench.incident import incident_rows

    settings = _settings(store_at)
    store = await open_store(settings)
    try:
        await incident_rows(store, settings, calls)
    finally:
        await store.close()


async def snapshot_parts(store_at: str) -> None:
    """The snapshot's build part by part (``bench.snapshot_parts``) on the store at ``store_at``."""
    from bench.snapshot_parts import measure_parts, print_parts

    store = await open_store(_settings(store_at))
    try:
        print_parts(await measure_parts(store))
    finally:
        await store.close()


async def snapshot_build(store_at: str) -> None:
    """One whole snapshot build (``bench.snapshot_build``) on the store at ``store_at``."""
    from bench.snapshot_build import measure_build, print_build

    store = await open_store(_settings(store_at))
    try:
        print_build(await measure_build(store))
    finally:
        await store.close()


def _settings(store_at: str) -> Settings:
    if "://" in store_at:
        return Settings(store="neo4j", neo4j_uri=store_at)
    return Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None)


if __name__ == "__main__":
    sys.exit(main())

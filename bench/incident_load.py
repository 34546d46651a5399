"""``python -m bench.incident_load STORE [--concurrency 16] [--duration 10] [--warmup 3]``: incident pages under load.

The hub's blast radius (``bench.incident.PAGE``: depth 3, the first 25 teams with their on-call
and first 20 services) and the team page of 100 services with owners (``bench.queries.TEAM_PAGE``),
over HTTP against one uvicorn worker serving STORE (an embedded store's path or a Neo4j URI, auth
from CATALOG_NEO4J_USER/PASSWORD), sent by ``bench.loadgen`` at ``--concurrency`` from a process of
its own: requests per second and latency percentiles, as the issue's targets state them.

The inputs are found in the store first (``bench.queries.find_targets``; the embedded store admits
one process, so this one closes it before the server opens it). The server builds its snapshot
after it starts; the load begins once it answers from it (``extensions.catalog.source``), so the
figures are the snapshot's, not Cypher's while it builds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.incident import PAGE
from bench.queries import TEAM_PAGE, Targets, find_targets
from bench.run import REPO, _python_env, inherited_env, run_loadgen, server
from catalog.settings import Settings
from catalog.store import open_store


async def _targets(settings: Settings) -> Targets:
    store = await open_store(settings)
    try:
        return await find_targets(store, seed=1)
    finally:
        await store.close()


def _env(store_at: str) -> tuple[Settings, dict[str, str]]:
    env = inherited_env()
    env["CATALOG_GRAPHIQL"] = "false"
    if "://" in store_at:
        env.update(CATALOG_STORE="neo4j", CATALOG_NEO4J_URI=store_at)
        return Settings(store="neo4j", neo4j_uri=store_at), _python_env(env)
    env.update(CATALOG_STORE="embedded", CATALOG_EMBEDDED_PATH=store_at)
    return Settings(store="embedded", embedded_path=Path(store_at), neo4j_uri=None), _python_env(env)


def _check_page(base: str, document: str, variables: dict[str, Any]) -> None:
    """The page answers without errors, from the snapshot (``bench.run.server`` has waited for every worker's)."""
    answer = httpx.post(f"{base}/graphql", json={"query": document, "variables": variables}, timeout=120).json()
    if answer.get("errors"):
        raise RuntimeError(f"the page fails: {answer['errors'][0].get('message')}")
    source = answer.get("extensions", {}).get("catalog", {}).get("source")
    if source != "snapshot":
        raise RuntimeError(f"the page was answered from {source!r}, not from the snapshot")


def measure(store_at: str, concurrency: int, duration: float, warmup: float) -> list[dict[str, Any]]:
    settings, env = _env(store_at)
    targets = asyncio.run(_targets(settings))
    queries = [
        {"name": f"blastRadius hub ({targets.hub}), 25 teams + on-call", "document": PAGE, "variables": [{"s": targets.hub}]},
        {
            "name": f"team page of 100 + owners ({targets.team})",
            "document": TEAM_PAGE,
            "variables": [{"t": targets.team, "ns": targets.team_namespace}],
        },
    ]
    with tempfile.TemporaryDirectory(prefix="catalog-incident-load-") as work:
        workdir = Path(work)
        env["CATALOG_DATA_DIR"] = str(workdir)
        with server(env, 1, workdir / "server.log") as (_, base):
            _check_page(base, PAGE, {"s": targets.hub})
            spec = {"url": f"{base}/graphql", "concurrency": concurrency, "duration": duration, "warmup": warmup, "queries": queries}
            return run_loadgen(spec, workdir / "spec.json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incident_load", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("store", help="embedded store path, or a Neo4j URI such as neo4j://127.0.0.1:7687")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests (default 16)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per page (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load before each (default 3)")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    for row in measure(args.store, args.concurrency, args.duration, args.warmup):
        print(
            f"{row['name']:60s} c{args.concurrency}  {row['rps']:8.1f} req/s   p50 {row['p50_ms'] or float('nan'):8.1f} ms   "
            f"p99 {row['p99_ms'] or float('nan'):8.1f} ms   {row['requests']} requests, {row['errors']} errors",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

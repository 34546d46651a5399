"""``python -m bench``: import speed, GraphQL latency and throughput over HTTP, and memory, on either store.

One run, in this order:

1. **Import.** ``bench.generate`` writes the synthetic company at the scale asked; ``catalog.runner.
   sync_sources`` loads it into a fresh store (first load); then every 100th Backstage Component
   descriptor gets a new description (every other one of those also a new owner, another
   component's) and the sources are synced again (re-sync, 1% changed). Facts per second are the
   entities and relationships a sync read (created + updated + unchanged) over its wall time.
2. **Direct.** The inputs are found in the store (varying service names, pod names of real
   Deployments, the service with most dependents, a team whose services fill a page), and each
   answer is taken straight from the answers and read layers, in this process, one call after the
   other: p50 over ``--direct-calls`` calls (fewer when they take longer than ``--duration``).
3. **HTTP.** This process closes its store (the embedded store admits one process) and starts the
   API under uvicorn on loopback as a subprocess; ``bench.loadgen``, in a process of its own, sends
   each query at ``--concurrency`` for ``--duration`` seconds after a warm-up, the trivial
   ``{ __typename }`` first, and reports p50/p95/p99, requests per second and errors.
4. **Memory.** The server's peak RSS (``VmHWM`` of its processes, read before it stops) and the
   store's size on disk.

``--only TEXT`` (repeatable) keeps the queries whose name holds TEXT, beside the trivial one: one row
measured at a time, e.g. ``--skip-import --workdir DIR --only "owner lookup"``. The server runs as
``catalog serve`` runs it (``catalog.api.http_protocol``, no proxy headers, no uvicorn access log).

With ``--store neo4j`` and no ``--neo4j-uri``, the dev launcher in ``tests/neo4j`` starts a
throwaway Neo4j 5.26 (needs Java 17 and Maven, like the test suite) whose data directory is
measured; with a URI, the database must be empty (or pass ``--reset``) unless ``--skip-import``,
and its size on disk is reported as n/a.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.loadgen import percentile
from bench.queries import Query, Targets, build_queries, find_targets

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from catalog.runner import SourceOutcome
    from catalog.settings import Settings
    from catalog.store.base import GraphStore

REPO = Path(__file__).resolve().parent.parent
CHANGE_EVERY = 100
"""Every this-many-th Backstage Component is changed for the re-sync (1%)."""
READY_TIMEOUT = 180.0
"""Seconds the server may take to open the store and answer /healthz."""
SNAPSHOT_TIMEOUT = 900.0
"""Seconds every worker may take after that to build its first snapshot (tens of seconds at M, more at L)."""
NEO4J_HEAP = {"S": "1g", "M": "2g", "L": "4g"}
"""Heap of the dev launcher's Neo4j per scale."""
NEO4J_PAGECACHE_MB = {"S": 256, "M": 2048, "L": 8192}
"""Page cache of the dev launcher's Neo4j per scale: enough to hold the store, as in production."""


def server_app() -> Starlette:
    """The uvicorn factory the server process runs (``--factory bench.run:server_app``): the catalog
    API on the store ``CATALOG_*`` names, opened by the app's lifespan."""
    from catalog.api.app import create_app
    from catalog.settings import Settings

    return create_app(Settings())


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# -- the machine ----------------------------------------------------------------------------


def _proc_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def machine() -> dict[str, Any]:
    cpuinfo = _proc_lines("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.lower().startswith(("model name", "hardware"))), "")
    physical: set[tuple[str, str]] = set()
    package = core = ""
    for line in cpuinfo:
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            package = value
        elif key == "core id":
            core = value
            physical.add((package, core))
    mem = next((line for line in _proc_lines("/proc/meminfo") if line.startswith("MemTotal:")), "")
    ram = int(mem.split()[1]) * 1024 if mem else None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "logical_cores": os.cpu_count(),
        "physical_cores": len(physical) or None,
        "usable_cores": usable,
        "ram_bytes": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
    }


# -- sizes ----------------------------------------------------------------------------------


def disk_usage(paths: Sequence[Path]) -> int:
    """Bytes allocated on disk (like ``du``) for files and folders, each counted once."""
    seen: set[tuple[int, int]] = set()
    total = 0

    def add(path: Path) -> None:
        nonlocal total
        try:
            st = path.lstat()
        except OSError:
            return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        total += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size

    for root in paths:
        add(root)
        if root.is_dir() and not root.is_symlink():
            for folder, dirs, files in os.walk(root):
                for name in dirs + files:
                    add(Path(folder) / name)
    return total


def embedded_files(path: Path) -> list[Path]:
    """The embedded store and the files beside it that belong to it (``catalog.lbdb.wal``, ...)."""
    return [path, *sorted(p for p in path.parent.glob(path.name + ".*"))] if path.parent.exists() else [path]


def _status_kb(pid: int, field_name: str) -> int | None:
    for line in _proc_lines(f"/proc/{pid}/status"):
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's workers), from /proc."""
    found = [pid]
    for parent in found:
        for task in Path(f"/proc/{parent}/task").glob("*"):
            for line in _proc_lines(str(task / "children")):
                found.extend(int(p) for p in line.split())
    return list(dict.fromkeys(found))


def peak_rss(pid: int) -> tuple[int | None, int]:
    """Sum of ``VmHWM`` over the server's processes in bytes, and how many processes; None without /proc."""
    peaks = [kb for p in process_tree(pid) if (kb := _status_kb(p, "VmHWM")) is not None]
    return (sum(peaks) * 1024 if peaks else None), len(peaks)


# -- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    name: str
    seconds: float
    entities: int = 0
    relationships: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    findings: int = 0
    failed: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def facts(self) -> int:
        return self.entities + self.relationships

    @property
    def facts_per_second(self) -> float:
        return self.facts / self.seconds if self.seconds > 0 else 0.0


def summarise(name: str, seconds: float, outcomes: Sequence[SourceOutcome]) -> ImportResult:
    result = ImportResult(name, seconds)
    for outcome in outcomes:
        if outcome.failed:
            result.failed.append(f"{outcome.instance}: {outcome.error}")
        report = outcome.report
        if report is None:
            continue
        result.findings += len(report.findings)
        for counts, is_node in [(c, True) for c in report.nodes.values()] + [(c, False) for c in report.rels.values()]:
            read = counts.created + counts.updated + counts.unchanged
            if is_node:
                result.entities += read
            else:
                result.relationships += read
            result.created += counts.created
            result.updated += counts.updated
            result.unchanged += counts.unchanged
            result.retired += counts.retired
    return result


@dataclass
class Changed:
    components: int = 0
    owners: int = 0
    files: list[str] = field(default_factory=list)


def change_components(config_path: Path, every: int = CHANGE_EVERY) -> Changed:
    """Edit every ``every``-th Backstage Component found under the config's backstage paths, in
    file order: a new description, and for every other one a new owner (the previous component's
    owner, when that differs)."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    raw = yaml.load(config_path.read_text(encoding="utf-8"), Loader=loader) or {}
    base = config_path.resolve().parent
    files: list[Path] = []
    for source in raw.get("sources") or []:
        if source.get("type") != "backstage":
            continue
        for entry in source.get("paths") or []:
            root = (base / str(entry)).resolve()
            folder = root if root.is_dir() else root.parent
            files.extend(sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
    changed = Changed()
    index = 0
    last_owner: str | None = None
    for path in dict.fromkeys(files):
        docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))
        touched = False
        for doc in docs:
            if not (isinstance(doc, dict) and doc.get("kind") == "Component"):
                continue
            spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
            owner = spec.get("owner") if isinstance(spec, dict) else None
            if index % every == 0:
                metadata = doc.setdefault("metadata", {})
                metadata["description"] = f"{metadata.get('description') or ''} (changed by the benchmark re-sync)".strip()
                if changed.components % 2 == 1 and isinstance(spec, dict) and last_owner and last_owner != owner:
                    spec["owner"] = last_owner
                    changed.owners += 1
                changed.components += 1
                touched = True
            if isinstance(owner, str):
                last_owner = owner
            index += 1
        if touched:
            path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
            changed.files.append(str(path))
    return changed


async def sync_once(store: GraphStore, config_path: Path, name: str) -> ImportResult:
    from catalog.config import load_config
    from catalog.runner import sync_sources

    began = time.perf_counter()
    outcomes = await sync_sources(store, load_config(config_path))
    return summarise(name, time.perf_counter() - began, outcomes)


# -- direct ---------------------------------------------------------------------------------


@dataclass
class DirectResult:
    calls: int = 0
    p50_ms: float = math.nan
    mean_ms: float = math.nan
    error: str | None = None


async def measure_direct(store: GraphStore, query: Query, calls: int, budget: float) -> DirectResult:
    """Sequential in-process calls: one warm-up, then up to ``calls`` (at least 3) within ``budget`` seconds."""
    result = DirectResult()
    if query.direct is None:
        return result
    variables = query.variables
    try:
        await query.direct(store, variables[0])
        times: list[float] = []
        began = time.perf_counter()
        while len(times) < calls and (len(times) < 3 or time.perf_counter() - began < budget):
            started = time.perf_counter()
            await query.direct(store, variables[len(times) % len(variables)])
            times.append(time.perf_counter() - started)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    ordered = sorted(times)
    result.calls = len(ordered)
    result.p50_ms = percentile(ordered, 50) * 1000
    result.mean_ms = sum(ordered) / len(ordered) * 1000
    return result


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def server(env: dict[str, str], workers: int, log_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """uvicorn serving ``server_app`` on a free loopback port; yields the process and the base URL."""
    import httpx

    from catalog.api.http_protocol import HTTP_PROTOCOL

    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.run:server_app", "--host", "127.0.0.1", "--port", str(port)]
    # As ``catalog serve`` runs it: our HTTP protocol, no proxy headers, our access log instead of uvicorn's.
    command += ["--http", HTTP_PROTOCOL, "--no-proxy-headers", "--log-level", "warning", "--no-access-log"]
    if workers > 1:
        command += ["--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    # The load comes from one client, one principal: the per-principal rate limit would measure itself.
    env = {"CATALOG_RATE_LIMIT": "0", **env}
    with log_path.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the server exited with code {proc.returncode} before answering; its log ({log_path}):\n{_tail(log_path)}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not answer /healthz within {READY_TIMEOUT:.0f} s; its log ({log_path}):\n{_tail(log_path)}"
                )
            time.sleep(0.1)
        _wait_for_snapshot(proc, base, env, workers, log_path)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_snapshot(proc: subprocess.Popen[bytes], base: str, env: dict[str, str], workers: int, log_path: Path) -> None:
    """Until every worker answers from its whole in-memory snapshot (``catalog_snapshot_complete`` in ``/metrics``).

    A worker answers through Cypher while it builds its first snapshot (tens of seconds at M), and the
    scorecard and adoption while it loads its second stage: measuring then would mix the two readers.
    With ``CATALOG_SNAPSHOT=off`` there is nothing to wait for.
    """
    import httpx

    if env.get("CATALOG_SNAPSHOT", "on").lower() in ("off", "false", "0", "no"):
        return
    wanted = 4 * workers  # requests land on any worker: several answers in a row from snapshots
    in_a_row = 0
    deadline = time.monotonic() + SNAPSHOT_TIMEOUT
    while in_a_row < wanted:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server exited with code {proc.returncode} while building its snapshot; its log ({log_path}):\n{_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the server answered from no snapshot within {SNAPSHOT_TIMEOUT:.0f} s; its log ({log_path}):\n{_tail(log_path)}"
            )
        try:
            whole = "\ncatalog_snapshot_complete 1.0\n" in httpx.get(f"{base}/metrics", timeout=5).text
        except httpx.HTTPError:
            whole = False
        in_a_row = in_a_row + 1 if whole else 0
        if in_a_row < wanted:
            time.sleep(0.05 if whole else 0.5)
    log("every worker answers from its whole snapshot")


def run_loadgen(spec: dict[str, Any], spec_path: Path) -> list[dict[str, Any]]:
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    command = [sys.executable, "-m", "bench.loadgen", str(spec_path)]
    done = subprocess.run(command, cwd=REPO, env=_python_env(dict(os.environ)), stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed with exit code {done.returncode} (its stderr is above)")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def _python_env(env: dict[str, str]) -> dict[str, str]:
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


# -- options --------------------------------------------------------------------------------


@dataclass
class Options:
    scale: str
    store: str
    neo4j_uri: str | None
    workdir: Path | None
    duration: float
    warmup: float
    concurrency: int
    workers: int
    skip_import: bool
    json_out: Path | None
    seed: int
    direct_calls: int
    reset: bool
    command: str
    persisted: bool = False
    only: tuple[str, ...] = ()


def parse(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the catalog: import speed, GraphQL latency and throughput over HTTP, memory; prints one table.",
        epilog="Run from the repository root. See bench/run.py for what each row measures.",
    )
    parser.add_argument("--scale", choices=["S", "M", "L"], required=True, help="S: 1k services, M: 20k, L: 100k (bench/generate.py)")
    parser.add_argument("--store", choices=["embedded", "neo4j"], default="embedded", help="which store (default embedded)")
    parser.add_argument(
        "--neo4j-uri", help="an existing Neo4j (user and password from CATALOG_NEO4J_USER/PASSWORD); default: start the dev launcher"
    )
    parser.add_argument(
        "--workdir", type=Path, help="where sources and the embedded store go, kept afterwards (default: a temporary folder)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per query (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load before each query (default 2)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="concurrent requests, each worker on its own keep-alive connection (default 16)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1; Neo4j only above 1)")
    parser.add_argument(
        "--skip-import", action="store_true", help="measure the store already in --workdir or at --neo4j-uri; no import rows"
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--seed", type=int, default=1, help="generator and pod-name seed (default 1)")
    parser.add_argument("--direct-calls", type=int, default=50, help="in-process calls per answer for the direct p50 (default 50)")
    parser.add_argument("--reset", action="store_true", help="with --neo4j-uri: delete everything in that database before the first load")
    parser.add_argument(
        "--persisted", action="store_true", help="send persisted-query hashes (APQ) instead of documents, after registering each once"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="measure only the queries whose name contains TEXT (case-insensitive; repeat for several); the trivial row always runs",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.workers < 1 or args.direct_calls < 1:
        parser.error("--duration must be > 0, --warmup >= 0, --concurrency, --workers and --direct-calls >= 1")
    if args.store == "embedded" and args.workers > 1:
        parser.error("the embedded store admits one process: --workers above 1 needs --store neo4j")
    if args.store == "embedded" and args.neo4j_uri:
        parser.error("--neo4j-uri goes with --store neo4j")
    if args.skip_import and args.store == "embedded" and args.workdir is None:
        parser.error("--skip-import measures an existing store: give the --workdir of an earlier run")
    if args.skip_import and args.store == "neo4j" and not args.neo4j_uri:
        parser.error("--skip-import with --store neo4j needs --neo4j-uri (the dev launcher starts empty)")
    command = shlex.join(["python", "-m", "bench", *argv])
    return Options(
        args.scale,
        args.store,
        args.neo4j_uri,
        args.workdir,
        args.duration,
        args.warmup,
        args.concurrency,
        args.workers,
        args.skip_import,
        args.json_out,
        args.seed,
        args.direct_calls,
        args.reset,
        command,
        args.persisted,
        tuple(t.lower() for t in args.only),
    )


# -- the run --------------------------------------------------------------------------------


@dataclass
class Prepared:
    imports: list[ImportResult]
    targets: Targets
    queries: list[Query]
    direct: dict[str, DirectResult]
    generated_seconds: float | None = None


async def prepare(options: Options, settings: Settings, sources: Path) -> Prepared:
    """Import (unless skipped), find the inputs, take the direct measurements; closes the store."""
    from catalog.store import open_store

    store = await open_store(settings)
    try:
        imports: list[ImportResult] = []
        generated: float | None = None
        if not options.skip_import:
            if settings.uses_neo4j:
                rows = await store.read("MATCH (n) RETURN count(n) AS n")
                if rows and int(rows[0]["n"]) > 0:
                    if not options.reset:
                        raise RuntimeError(
                            f"the Neo4j database at {settings.neo4j_uri} is not empty; a first load needs an empty one "
                            "(pass --reset to delete everything in it, or --skip-import to measure it as it is)"
                        )
                    log("deleting everything in the Neo4j database (--reset)")
                    # In slices: one transaction deleting scale M exceeds Neo4j's transaction memory.
                    while (await store.write("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted"))[0]["deleted"]:
                        pass
                    await store.ensure_schema()
            from bench.generate import generate

            log(f"generating scale {options.scale} into {sources}")
            began = time.perf_counter()
            config = generate(options.scale, sources, seed=options.seed, now=datetime.now(UTC))
            generated = time.perf_counter() - began
            log(f"first load ({store.describe()})")
            imports.append(await sync_once(store, config, "import: first load"))
            changed = change_components(config)
            log(f"re-sync with {changed.components} components changed ({changed.owners} of them with a new owner)")
            resync = await sync_once(store, config, f"import: re-sync, 1% changed ({changed.components} components)")
            resync.note = f"{changed.components} components edited, {changed.owners} with a new owner"
            imports.append(resync)
        log("finding the inputs")
        targets = await find_targets(store, seed=options.seed)
        queries = selected(build_queries(targets, max_depth=settings.max_depth), options.only)
        direct: dict[str, DirectResult] = {}
        for query in queries:
            if query.direct is not None:
                log(f"direct: {query.name}")
                direct[query.name] = await measure_direct(store, query, options.direct_calls, options.duration)
        return Prepared(imports, targets, queries, direct, generated)
    finally:
        await store.close()


def selected(queries: list[Query], only: Sequence[str]) -> list[Query]:
    """The queries named by ``--only`` (any of the texts in the name, case-insensitive), after the
    trivial one, which every table keeps as the baseline its ``x trivial`` column divides by."""
    if not only:
        return queries
    chosen = [q for n, q in enumerate(queries) if n == 0 or any(text in q.name.lower() for text in only)]
    if len(chosen) == 1 and not any(text in queries[0].name.lower() for text in only):
        names = ", ".join(repr(q.name) for q in queries)
        raise RuntimeError(f"--only {', '.join(only)!s} names no query; the queries are {names}")
    return chosen


def _settings(options: Options, store_path: Path, data_dir: Path, neo4j_uri: str | None) -> tuple[Settings, dict[str, str]]:
    from catalog.settings import Settings

    env = inherited_env()
    env["CATALOG_DATA_DIR"] = str(data_dir)
    env["CATALOG_GRAPHIQL"] = "false"
    if neo4j_uri is not None:
        env["CATALOG_STORE"] = "neo4j"
        env["CATALOG_NEO4J_URI"] = neo4j_uri
        settings = Settings(store="neo4j", neo4j_uri=neo4j_uri, data_dir=data_dir)
    else:
        env["CATALOG_STORE"] = "embedded"
        env["CATALOG_EMBEDDED_PATH"] = str(store_path)
        settings = Settings(store="embedded", embedded_path=store_path, data_dir=data_dir, neo4j_uri=None)
    return settings, _python_env(env)


def inherited_env() -> dict[str, str]:
    """This process's environment for a benchmark's server, without the ``CATALOG_*`` settings but those in ``_KEEP``:
    the run sets the store and the rest itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_") or k in _KEEP}


_KEEP = frozenset(
    {
        "CATALOG_NEO4J_USER",
        "CATALOG_NEO4J_PASSWORD",
        "CATALOG_NEO4J_DATABASE",
        "CATALOG_MAX_DEPTH",
        "CATALOG_MAX_PAGE_SIZE",
        # What a run compares: answers kept per snapshot or computed per request, and the embedded store's pool.
        "CATALOG_RESPONSE_CACHE_MB",
        "CATALOG_EMBEDDED_BUFFER_POOL_MB",
    }
)


def run(options: Options) -> dict[str, Any]:
    info = machine()
    with contextlib.ExitStack() as stack:
        if options.workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
            stack.callback(shutil.rmtree, workdir, True)
        else:
            workdir = options.workdir.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        store_path = workdir / "catalog.lbdb"
        neo4j_uri = options.neo4j_uri
        neo4j_data: Path | None = None
        neo4j_pid: int | None = None
        if options.store == "neo4j" and neo4j_uri is None:
            sys.path.insert(0, str(REPO))
            from tests.neo4j.launcher import EmbeddedNeo4j

            log("starting Neo4j with the dev launcher (tests/neo4j/launcher.py)")
            launched = stack.enter_context(EmbeddedNeo4j(heap=NEO4J_HEAP[options.scale], pagecache_mb=NEO4J_PAGECACHE_MB[options.scale]))
            neo4j_uri, neo4j_data, neo4j_pid = launched.uri, launched.data_dir, launched.pid
        if options.store == "embedded":
            if options.skip_import and not store_path.exists():
                raise RuntimeError(f"--skip-import: there is no store at {store_path}; run once without --skip-import")
            if not options.skip_import:
                for path in embedded_files(store_path):
                    if path.is_dir():
                        shutil.rmtree(path)
                    elif path.exists():
                        path.unlink()
        settings, env = _settings(options, store_path, workdir, neo4j_uri)

        prepared = asyncio.run(prepare(options, settings, workdir / "sources"))
        queries = prepared.queries
        log(f"starting the server ({options.workers} worker{'s' if options.workers > 1 else ''})")
        with server(env, options.workers, workdir / "server.log") as (proc, base):
            spec = {
                "url": f"{base}/graphql",
                "concurrency": options.concurrency,
                "duration": options.duration,
                "warmup": options.warmup,
                "persisted": options.persisted,
                "queries": [q.spec() for q in queries],
            }
            log(
                f"load: {len(queries)} queries x ({options.warmup:g} s warm-up + {options.duration:g} s), concurrency {options.concurrency}"
            )
            loaded = run_loadgen(spec, workdir / "loadgen-spec.json")
            rss, processes = peak_rss(proc.pid)
        memory: dict[str, Any] = {"server_peak_rss_bytes": rss, "server_processes": processes}
        memory["neo4j_peak_rss_bytes"] = None if neo4j_pid is None else peak_rss(neo4j_pid)[0]
        if options.store == "embedded":
            size: int | None = disk_usage(embedded_files(store_path))
            size_where = str(store_path) + (" (temporary, removed after the run)" if options.workdir is None else "")
        elif neo4j_data is not None:
            size, size_where = disk_usage([neo4j_data]), f"{neo4j_data} (dev launcher data directory)"
        else:
            size, size_where = None, f"n/a: Neo4j at {neo4j_uri} is not local to the benchmark; measure its data directory there"
        memory.update(store_bytes=size, store_where=size_where)
        return assemble(options, info, prepared, loaded, memory)
    raise AssertionError("unreachable")


def assemble(
    options: Options,
    info: dict[str, Any],
    prepared: Prepared,
    loaded: list[dict[str, Any]],
    memory: dict[str, Any],
) -> dict[str, Any]:
    trivial = loaded[0]
    rows: list[dict[str, Any]] = []
    for query, result in zip(prepared.queries, loaded, strict=True):
        direct = prepared.direct.get(query.name)
        p50 = result["p50_ms"]
        row = {
            **result,
            "vs_trivial": p50 / trivial["p50_ms"] if p50 and trivial["p50_ms"] else None,
            "direct_p50_ms": None if direct is None or math.isnan(direct.p50_ms) else direct.p50_ms,
            "direct_calls": None if direct is None else direct.calls,
            "direct_error": None if direct is None else direct.error,
        }
        row["vs_direct"] = p50 / row["direct_p50_ms"] if p50 and row["direct_p50_ms"] else None
        rows.append(row)
    return {
        "machine": info,
        "scale": options.scale,
        "seed": options.seed,
        "command": options.command,
        "store": options.store,
        "load": {
            "concurrency": options.concurrency,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "workers": options.workers,
            "persisted": options.persisted,
        },
        "generated_seconds": prepared.generated_seconds,
        "targets": prepared.targets.describe(),
        "import": [{**asdict(i), "facts": i.facts, "facts_per_second": i.facts_per_second} for i in prepared.imports],
        "queries": rows,
        "memory": memory,
    }


# -- the table ------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}x"


def _bytes(value: int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value / 2**20:,.1f} MiB"


COLUMNS = ("measurement", "p50 ms", "p95 ms", "p99 ms", "req/s", "x trivial", "x direct", "detail")


def table_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for i in results["import"]:
        detail = (
            f"wall {i['seconds']:,.2f} s, {i['facts_per_second']:,.0f} facts/s ({i['entities']:,} entities + "
            f"{i['relationships']:,} relationships read); created {i['created']:,}, updated {i['updated']:,}, "
            f"retired {i['retired']:,}, unchanged {i['unchanged']:,}"
        )
        if i["failed"]:
            detail += "; FAILED: " + "; ".join(i["failed"])
        rows.append((i["name"], "", "", "", "", "", "", detail))
    for q in results["queries"]:
        detail = f"{q['requests']:,} requests, {q['errors']:,} errors"
        if q.get("kept"):
            detail += f", {q['kept'] / max(q['requests'], 1):.0%} kept answers"
        if q["direct_p50_ms"] is not None:
            detail += f"; direct p50 {_ms(q['direct_p50_ms'])} ms over {q['direct_calls']} calls"
        if q["direct_error"]:
            detail += f"; direct FAILED: {q['direct_error']}"
        if q["errors"]:
            detail += f"; e.g. {q['error_samples'][0][:160]}"
        rows.append(
            (
                "graphql: " + q["name"],
                _ms(q["p50_ms"]),
                _ms(q["p95_ms"]),
                _ms(q["p99_ms"]),
                _num(q["rps"], 1 if q["rps"] < 100 else 0),
                _ratio(q["vs_trivial"]),
                _ratio(q["vs_direct"]),
                detail,
            )
        )
    memory = results["memory"]
    processes = memory["server_processes"]
    rss = _bytes(memory["server_peak_rss_bytes"]) + (f" over {processes} processes" if processes > 1 else "")
    if memory.get("neo4j_peak_rss_bytes") is not None:
        rss += f" (the API server only; the dev launcher's Neo4j JVM peaked at {_bytes(memory['neo4j_peak_rss_bytes'])})"
    elif results["store"] == "neo4j":
        rss += " (the API server only, not Neo4j)"
    else:
        rss += " (the API server, with the embedded store inside it)"
    rows.append(("memory: server peak RSS (VmHWM)", "", "", "", "", "", "", rss))
    store = results["store"]
    size = memory["store_where"] if memory["store_bytes"] is None else f"{_bytes(memory['store_bytes'])}  {memory['store_where']}"
    rows.append((f"memory: store on disk ({store})", "", "", "", "", "", "", size))
    return rows


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    ram = f"{m['ram_bytes'] / 2**30:,.1f} GiB" if m["ram_bytes"] else "unknown"
    cores = f"{m['logical_cores']} logical" + (f", {m['physical_cores']} physical" if m["physical_cores"] else "")
    if m["usable_cores"] != m["logical_cores"]:
        cores += f", {m['usable_cores']} usable"
    load = results["load"]
    t = results["targets"]
    lines = [
        f"machine: {m['cpu']}; {cores} cores; {ram} RAM; {m['python']}; {m['os']}",
        f"scale: {results['scale']} (seed {results['seed']}); store: {results['store']}; "
        f"load: concurrency {load['concurrency']}, {load['duration_s']:g} s per query after {load['warmup_s']:g} s warm-up, "
        f"{load['workers']} server worker{'s' if load['workers'] > 1 else ''}"
        + ("; documents sent as persisted-query hashes" if load.get("persisted") else ""),
        f"inputs: {t['service_names']} service names, {t['pod_names']} pod names; hub {t['hub']} ({t['hub_direct_dependents']} direct "
        f"dependents); team {t['team']} ({t['team_services']} services)",
        f"command: {results['command']}",
        "",
    ]
    rows = [COLUMNS, *table_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, len(COLUMNS) - 1)]
        lines.append("  ".join(cells) + "  " + row[-1])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(COLUMNS[-1]))
    lines += [
        "",
        "x trivial: p50 over the p50 of `{ __typename }` on the same server and load; x direct: p50 over HTTP at this concurrency "
        "over the p50 of the same answer called in-process, one call at a time. Facts/s: entities and relationships a sync read "
        "(created + updated + unchanged) per second of wall time.",
    ]
    return "\n".join(lines)


def failures(results: dict[str, Any]) -> list[str]:
    problems = [f"{q['name']}: {q['errors']} errors" for q in results["queries"] if q["errors"]]
    problems += [f"{q['name']}: no requests completed" for q in results["queries"] if not q["requests"]]
    problems += [f"{q['name']} (direct): {q['direct_error']}" for q in results["queries"] if q["direct_error"]]
    problems += [f"{i['name']}: {f}" for i in results["import"] for f in i["failed"]]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(list(sys.argv[1:] if argv is None else argv))
    try:
        results = run(options)
    except (RuntimeError, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    text = render(results)
    results["table"] = text
    print(text, flush=True)
    if options.json_out is not None:
        options.json_out.parent.mkdir(parents=True, exist_ok=True)
        options.json_out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    problems = failures(results)
    for problem in problems:
        print(f"bench: {problem}", file=sys.stderr)
    return 1 if problems else 0

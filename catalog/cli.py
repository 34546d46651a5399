"""The ``catalog`` command: import sources, serve the API, run the demo.

Settings come from ``CATALOG_*`` environment variables; the flags below override them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.answers.oncall import BadInstant, parse_instant
from catalog.commands import adoption, audit, blast_radius, history, oncall, scorecard, token, who_owns
from catalog.config import ConfigError
from catalog.core.clock import iso, parse_iso
from catalog.core.records import ImportBatch
from catalog.progress import terminal_progress
from catalog.runner import SourceOutcome
from catalog.settings import Settings, settings_env
from catalog.store import GraphStore, StoreError, StoreUnavailable, open_store
from catalog.store.runs import SyncInProgress, SyncLockLost
from catalog.sync import ImportReport, sync

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_STORE, EXIT_BUSY = 0, 1, 2, 3, 4
ANSWER_COMMANDS = (who_owns, oncall, history, blast_radius, adoption, audit, scorecard)
"""The questions, in the order `catalog --help` lists them; each module registers its sub-command."""
RELATIVE_TIME_OR_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$|^-(?:\d+[wdhms])+$")
"""What argparse reads as a value rather than an option: negative numbers (its own rule) and relative times like -2h."""
DIFF_LINES = 50
"""Changes a dry run prints in its table; --json gives them all."""


def _store_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("store (override CATALOG_* environment variables)")
    group.add_argument("--store", choices=["auto", "neo4j", "embedded"], help="which store; auto = Neo4j if a URI is set (CATALOG_STORE)")
    group.add_argument("--neo4j-uri", help="e.g. neo4j://localhost:7687 (CATALOG_NEO4J_URI)")
    group.add_argument("--neo4j-user", help="(CATALOG_NEO4J_USER); the password comes only from CATALOG_NEO4J_PASSWORD")
    group.add_argument("--neo4j-database", help="(CATALOG_NEO4J_DATABASE, default neo4j)")
    group.add_argument("--embedded-path", type=Path, help="embedded store folder (CATALOG_EMBEDDED_PATH)")


def _serve_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (CATALOG_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (CATALOG_PORT, default 8000)")
    parser.add_argument(
        "--allow-anonymous", action="store_true", help="serve without authentication on a non-loopback address (CATALOG_ALLOW_ANONYMOUS)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="catalog",
        description="Service ownership catalog: who owns it, who is on call, what breaks, who runs on the platform.",
        epilog="Every flag has a CATALOG_* environment variable; see the README's configuration table.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser("import", help="import descriptors into the store", description="Import a source into the store.")
    sources = imp.add_subparsers(dest="source", required=True, metavar="SOURCE")
    backstage = sources.add_parser(
        "backstage",
        help="Backstage catalog-info.yaml files or folders",
        description=(
            "Read Backstage descriptors (multi-document YAML; folders are searched for *.yaml; Location targets are "
            "followed relative to their file, remote ones are recorded, not fetched) and sync them into the store. "
            "Entities that disappear from a completely read source are retired, never deleted."
        ),
    )
    backstage.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="catalog-info.yaml files or folders")
    backstage.add_argument("--instance", help="name of this descriptor root; default: the absolute paths given")
    backstage.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    backstage.add_argument("--force", action="store_true", help="retire even when more than CATALOG_MAX_RETIRE_FRACTION would go")
    backstage.add_argument("--json", action="store_true", help="print the report as JSON")
    backstage.add_argument("--strict", action="store_true", help="exit 1 when the import reports any error finding")
    _store_flags(backstage)

    sync_cmd = commands.add_parser(
        "sync",
        help="sync the sources listed in catalog.yaml",
        description=(
            "Read every source in catalog.yaml (descriptors first, then GitHub, PagerDuty and Kubernetes), sync each into "
            "the store, then resolve owners across sources. A source that fails is reported and skipped; its previous "
            "facts stay. Exit status 1 when a source failed."
        ),
    )
    sync_cmd.add_argument("--config", type=Path, help="the sources file (CATALOG_CONFIG, default ./catalog.yaml)")
    sync_cmd.add_argument("--source", help="sync only this source: a type (github) or an instance (github:acme)")
    sync_cmd.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    sync_cmd.add_argument("--force", action="store_true", help="retire even when more than CATALOG_MAX_RETIRE_FRACTION would go")
    sync_cmd.add_argument("--json", action="store_true", help="print the reports as JSON")
    sync_cmd.add_argument(
        "--at",
        metavar="INSTANT",
        help="run as of this ISO-8601 instant (e.g. 2026-11-20T12:00:00Z): it stamps every fact and centres the on-call window, "
        "for reproducible runs over offline exports (default: now)",
    )
    _store_flags(sync_cmd)

    serve = commands.add_parser(
        "serve",
        help="serve the pages and the GraphQL API",
        description="Serve the pages at http://HOST:PORT/ and the GraphQL API (and its query console) at http://HOST:PORT/graphql.",
    )
    _serve_flags(serve)
    serve.add_argument(
        "--sync-every",
        type=float,
        metavar="MINUTES",
        help="also sync catalog.yaml's sources in-process this often (default: its sync.interval_minutes; unset: never)",
    )
    serve.add_argument("--config", type=Path, help="the sources file for scheduled syncs (CATALOG_CONFIG)")
    serve.add_argument("--workers", type=int, help="server processes (CATALOG_WORKERS, default 1; above 1 needs Neo4j)")
    serve.add_argument("--no-graphiql", action="store_true", help="do not serve the query console at /graphql (CATALOG_GRAPHIQL=false)")
    serve.add_argument("--auth", choices=["token", "oidc", "proxy", "none"], help="how requests authenticate (CATALOG_AUTH, default none)")
    _store_flags(serve)

    for command in ANSWER_COMMANDS:
        command.register(commands)
        answer_parser = commands.choices[command.__name__.rsplit(".", 1)[1].replace("_", "-")]
        _store_flags(answer_parser)
        answer_parser.add_argument(
            "--server",
            metavar="URL",
            help="ask a running catalog server instead of the store, e.g. http://127.0.0.1:8000 (CATALOG_SERVER); "
            "needed while `catalog serve` holds the embedded store",
        )

    for sub in commands.choices.values():
        # argparse takes `--from -2h` for a flag followed by an option; these patterns are values (relative times).
        sub._negative_number_matcher = RELATIVE_TIME_OR_NUMBER
    token.register(commands, _store_flags)

    demo = commands.add_parser(
        "demo",
        help="load the bundled demo organisation into an embedded store and serve it",
        description=(
            "Load 'Acme Retail', a realistic demo organisation bundled with the catalog, into a fresh embedded store "
            "under CATALOG_DATA_DIR/demo.lbdb, print the import report, then serve it at http://HOST:PORT/graphql."
        ),
    )
    _serve_flags(demo)
    demo.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    demo.add_argument(
        "--write-sources",
        type=Path,
        metavar="DIR",
        help="only write the demo's sources and catalog.yaml into DIR (then `catalog sync --config DIR/catalog.yaml` loads any store)",
    )
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    names = ("store", "neo4j_uri", "neo4j_user", "neo4j_database", "embedded_path", "host", "port", "config", "workers", "auth")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    if getattr(args, "allow_anonymous", False):
        overrides["allow_anonymous"] = True
    if getattr(args, "no_graphiql", False):
        overrides["graphiql"] = False
    return Settings(**overrides, **extra)


def print_report(report: ImportReport, *, as_json: bool = False) -> None:
    if as_json:
        summary = report.summary()
        summary["findings"] = [{k: v for k, v in vars(f).items() if v is not None} for f in report.findings]
        print(json.dumps(summary, indent=2))
        return
    title = "DRY RUN: nothing was written" if report.dry_run else f"import run {report.run_id}"
    print(f"{title}\nsource {report.source}, instance {report.instance}")
    rows = [(f"node {k}", v) for k, v in sorted(report.nodes.items())] + [(f"rel  {k}", v) for k, v in sorted(report.rels.items())]
    width = max([len(name) for name, _ in rows] + [10])
    print(f"{'':{width}}  created  updated  unchanged  retired")
    for name, c in rows + [("total", report.totals())]:
        print(f"{name:{width}}  {c.created:7}  {c.updated:7}  {c.unchanged:9}  {c.retired:7}")
    if report.dry_run and report.changes:
        print(f"\nwould change {len(report.changes)} facts:")
        for change in report.changes[:DIFF_LINES]:
            print(f"  {change}")
        if len(report.changes) > DIFF_LINES:
            print(f"  ... and {len(report.changes) - DIFF_LINES} more (--json lists them all)")
    if report.retirement_note:
        print(f"\nretirement: {report.retirement_note}")
    if report.findings:
        order = {"error": 0, "warning": 1, "info": 2}
        print(f"\n{len(report.findings)} findings:")
        for finding in sorted(report.findings, key=lambda f: (order[f.severity], f.file or "", f.line or 0)):
            print(f"  {finding}")


async def _sync_into(settings: Settings, batch: ImportBatch, *, dry_run: bool = False, force: bool = False) -> ImportReport:
    from catalog.config import DEFAULT_PRECEDENCE
    from catalog.core.clock import now_iso
    from catalog.reconcile import reconcile
    from catalog.store.generation import advance_generation

    store = await open_store(settings)
    try:
        lock_seconds, lock_wait = settings.sync_lock_seconds, settings.sync_lock_wait
        report = await sync(
            store,
            batch,
            dry_run=dry_run,
            force=force,
            max_retire_fraction=settings.max_retire_fraction,
            lock_seconds=lock_seconds,
            lock_wait=lock_wait,
        )
        if not dry_run:
            # Owners resolved across everything the store holds, as after `catalog sync`.
            await sync(store, await reconcile(store, DEFAULT_PRECEDENCE), force=True, lock_seconds=lock_seconds, lock_wait=lock_wait)
            # Servers rebuild their snapshots from the new generation, as after `catalog sync`.
            await advance_generation(store, now_iso())
        return report
    finally:
        await store.close()


async def _import_backstage(args: argparse.Namespace, settings: Settings) -> int:
    from importers.registry import read_backstage

    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"catalog: no such file or folder: {', '.join(missing)}; nothing was imported", file=sys.stderr)
        return EXIT_USAGE
    batch = read_backstage(args.paths, instance=args.instance)
    report = await _sync_into(settings, batch, dry_run=args.dry_run, force=args.force)
    print_report(report, as_json=args.json)
    if args.strict and any(f.severity == "error" for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


async def _sync_command(args: argparse.Namespace, settings: Settings) -> int:
    from catalog.config import ConfigError, load_config
    from catalog.runner import sync_sources

    try:
        config = load_config(settings.config)
    except ConfigError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    at: str | None = None
    if args.at is not None:
        try:
            at = iso(parse_iso(args.at.strip()))
        except ValueError as exc:
            print(f"catalog: --at {args.at!r}: {exc}; write e.g. 2026-11-20T12:00:00Z", file=sys.stderr)
            return EXIT_USAGE
    store = await open_store(settings)
    try:
        outcomes = await sync_sources(
            store,
            config,
            only=args.source,
            dry_run=args.dry_run,
            force=args.force,
            max_retire_fraction=settings.max_retire_fraction,
            now=at,
            progress=terminal_progress(),
            lock_seconds=settings.sync_lock_seconds,
            lock_wait=settings.sync_lock_wait,
        )
    except ValueError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await store.close()
    if args.json:
        print(json.dumps([_outcome_json(o) for o in outcomes], indent=2))
    else:
        print_outcomes(outcomes)
    return EXIT_FINDINGS if any(o.failed for o in outcomes) else EXIT_OK


def print_outcomes(outcomes: list[SourceOutcome]) -> None:
    """Each source's report, then one line per source."""
    for outcome in outcomes:
        if outcome.report is not None:
            print_report(outcome.report)
            print()
    width = max(len(o.instance) for o in outcomes)
    print(f"{'source':{width}}  created  updated  unchanged  retired  findings  status")
    for o in outcomes:
        if o.report is None:
            print(f"{o.instance:{width}}  {'':7}  {'':7}  {'':9}  {'':7}  {'':8}  FAILED: {o.error}")
            continue
        c = o.report.totals()
        status = "dry run" if o.report.dry_run else ("partial: nothing retired" if not o.report.complete else "ok")
        print(f"{o.instance:{width}}  {c.created:7}  {c.updated:7}  {c.unchanged:9}  {c.retired:7}  {len(o.report.findings):8}  {status}")


def _outcome_json(outcome: SourceOutcome) -> dict[str, Any]:
    if outcome.report is None:
        return {"type": outcome.type, "instance": outcome.instance, "error": outcome.error}
    summary: dict[str, Any] = outcome.report.summary()
    summary["type"] = outcome.type
    summary["findings"] = [{k: v for k, v in vars(f).items() if v is not None} for f in outcome.report.findings]
    return summary


TIME_FLAGS = (("at", "--at"), ("start", "--from"), ("end", "--to"), ("since", "--from"), ("until", "--to"))
"""The answer commands' time flags (argparse destination, flag), checked before the store is opened."""


async def _answer(args: argparse.Namespace, settings: Settings) -> int:
    """Answer from the store; a missing, locked or empty embedded store is named, with the fix, instead of answering "no match"
    (except for commands that set ``needs_synced_store=False``: ``catalog token`` runs before any sync)."""
    from catalog.read.runs import ever_synced

    command = f"catalog {args.command}"
    # Unusable times are the caller's to fix whatever the store holds: refuse them before opening it.
    for dest, flag in TIME_FLAGS:
        value = getattr(args, dest, None)
        if isinstance(value, str):
            try:
                parse_instant(value)
            except BadInstant as exc:
                print(f"{command}: {flag}: {exc}", file=sys.stderr)
                return EXIT_USAGE
    path = settings.resolved_embedded_path
    needs_synced_store = getattr(args, "needs_synced_store", True)
    if needs_synced_store and not settings.uses_neo4j and not path.exists():
        print(
            f"{command}: there is no catalog store at {path}: nothing was synced there. Run `catalog sync` first; for the demo's "
            f"store set CATALOG_EMBEDDED_PATH={settings.data_dir / 'demo.lbdb'}; or ask a running server with --server URL "
            "(CATALOG_SERVER)",
            file=sys.stderr,
        )
        return EXIT_STORE
    try:
        store = await open_store(settings)
    except StoreUnavailable as exc:
        if settings.uses_neo4j or "lock" not in str(exc).lower():
            raise
        print(
            f"{command}: the embedded store at {path} is held by another process (a running `catalog serve` or `make demo`: the "
            f"embedded store admits one process). Ask that server instead: --server http://{settings.host}:{settings.port} "
            "(or CATALOG_SERVER), or stop it and run again",
            file=sys.stderr,
        )
        return EXIT_STORE
    try:
        if needs_synced_store and not await ever_synced(store):
            where = store.describe()
            print(
                f"{command}: the store ({where}) is empty: nothing was ever synced into it. Run `catalog sync` "
                "(or `make demo`), or point CATALOG_EMBEDDED_PATH / CATALOG_NEO4J_URI at the store you meant",
                file=sys.stderr,
            )
            return EXIT_STORE
        code: int = await args.answer(args, store)
        return code
    finally:
        await store.close()


def demo_root() -> Path:
    return Path(str(resources.files("catalog") / "demo" / "backstage"))


async def load_demo(settings: Settings, sources_dir: Path) -> list[SourceOutcome]:
    """Write Acme Retail's sources (Backstage, OpsLevel, and GitHub, PagerDuty and Kubernetes
    exports generated for today) under ``sources_dir`` and sync them all, as ``catalog sync`` would."""
    from datetime import UTC, datetime

    from catalog.config import load_config
    from catalog.demo.live import write_live_sources
    from catalog.runner import sync_sources

    config_path = await asyncio.to_thread(write_live_sources, demo_root(), sources_dir, datetime.now(UTC))
    store = await open_store(settings)
    try:
        return await sync_sources(
            store, load_config(config_path), max_retire_fraction=settings.max_retire_fraction, progress=terminal_progress()
        )
    finally:
        await store.close()


async def _check_store(settings: Settings) -> None:
    from catalog.auth.startup import notes

    store = await open_store(settings)
    try:
        for note in await notes(settings, store):
            print(f"catalog: {note}", file=sys.stderr, flush=True)
    finally:
        await store.close()


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (e.g. "address already in use"), or None when it can."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # uvicorn sets SO_REUSEADDR too, so a port in TIME_WAIT is not mistaken for a taken one.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def serve(settings: Settings, *, sync_every: float | None = None, config_required: bool = False, use_config: bool = True) -> int:
    import uvicorn

    from catalog.api.app import create_app
    from catalog.api.http_protocol import HTTP_PROTOCOL
    from catalog.config import ConfigError, load_config
    from catalog.logs import LOG_CONFIG
    from catalog.runner import sync_forever

    background = None
    if use_config and (sync_every is not None or config_required or settings.config.exists()):
        try:
            config = load_config(settings.config)
        except ConfigError as exc:
            print(f"catalog: {exc}", file=sys.stderr)
            return EXIT_USAGE
        minutes = sync_every if sync_every is not None else config.schedule.interval_minutes
        if minutes:
            seconds = minutes * 60

            async def background(store: GraphStore) -> None:
                await sync_forever(
                    store,
                    config,
                    seconds,
                    max_retire_fraction=settings.max_retire_fraction,
                    lock_seconds=settings.sync_lock_seconds,
                    lock_wait=settings.sync_lock_wait,
                )

            print(f"syncing the sources of {settings.config} every {minutes:g} minutes", flush=True)
    if settings.workers > 1:
        if not settings.uses_neo4j:
            print(
                f"catalog: CATALOG_WORKERS={settings.workers} needs the Neo4j store: the embedded store admits one process. "
                "Set CATALOG_NEO4J_URI, or serve with one worker.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if background is not None:
            print(
                f"catalog: a scheduled sync runs inside the server, and with CATALOG_WORKERS={settings.workers} every worker "
                "would run it. Run `catalog sync` on a schedule (cron, a Kubernetes CronJob) beside the workers, "
                "or serve with one worker.",
                file=sys.stderr,
            )
            return EXIT_USAGE
    from catalog.auth.startup import refusal

    if (refused := refusal(settings)) is not None:
        print(f"catalog: {refused}", file=sys.stderr)
        return EXIT_USAGE
    # Fail before uvicorn starts, so a wrong URI or a locked store gets one clear line, not a traceback.
    asyncio.run(_check_store(settings))
    print(
        f"serving the catalog at http://{settings.host}:{settings.port}/ (GraphQL at /graphql)  (Ctrl-C stops)",
        flush=True,
    )
    if settings.workers > 1:
        # Each worker is a fresh process that builds its app from the environment: hand it these settings.
        os.environ.update(settings_env(settings))
        uvicorn.run(
            "catalog.api.app:worker_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=LOG_CONFIG,
            proxy_headers=False,
            access_log=False,
            http=HTTP_PROTOCOL,
        )
    else:
        # The TCP peer, not X-Forwarded-For: proxy mode trusts headers by it. Our access log replaces uvicorn's.
        uvicorn.run(
            create_app(settings, background=background),
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=LOG_CONFIG,
            proxy_headers=False,
            access_log=False,
            http=HTTP_PROTOCOL,
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # The driver logs each failed routing attempt; the error we raise already says it all.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        if args.command == "demo" and args.write_sources is not None:
            from datetime import UTC, datetime

            from catalog.demo.live import write_live_sources

            print(write_live_sources(demo_root(), args.write_sources, datetime.now(UTC)))
            return EXIT_OK
        if args.command == "demo":
            base = Settings()
            path = base.data_dir / "demo.lbdb"
            if not args.no_serve:
                serving = _settings(args, store="embedded", embedded_path=path)
                busy = port_taken(serving.host, serving.port)
                if busy is not None:
                    # Before the load, not after it: the load takes a while and the port would still be taken.
                    print(
                        f"catalog demo: cannot serve on {serving.host}:{serving.port}: {busy}. Another `catalog serve` or demo may "
                        f"be running there; stop it, or pick another port: CATALOG_PORT={serving.port + 1} make demo "
                        f"(or catalog demo --port {serving.port + 1})",
                        file=sys.stderr,
                    )
                    return EXIT_USAGE
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():
                path.unlink()
            settings = _settings(args, store="embedded", embedded_path=path, graphiql=True)
            outcomes = asyncio.run(load_demo(settings, base.data_dir / "demo-sources"))
            print_outcomes(outcomes)
            print(f"\nthe demo's sources and catalog.yaml are in {base.data_dir / 'demo-sources'}")
            print(f"the demo's store is {path}; the CLI reads it with CATALOG_EMBEDDED_PATH={path}")
            if not args.no_serve:
                print(
                    f"while the demo serves, the CLI asks the server instead: "
                    f"CATALOG_SERVER=http://{settings.host}:{settings.port} catalog oncall checkout"
                )
            if not args.no_serve:
                return serve(settings, use_config=False)
            return EXIT_OK
        settings = _settings(args)
        if args.command == "import":
            return asyncio.run(_import_backstage(args, settings))
        if args.command == "sync":
            return asyncio.run(_sync_command(args, settings))
        server = getattr(args, "server", None) or os.environ.get("CATALOG_SERVER")
        if getattr(args, "answer", None) is not None and server:
            from catalog.commands import remote

            return remote.run(args, server)
        if getattr(args, "answer", None) is not None:
            args.settings = settings
            return asyncio.run(_answer(args, settings))
        return serve(settings, sync_every=args.sync_every, config_required=args.config is not None)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            print(f"catalog: bad setting {field} (CATALOG_{field.upper()} or --{field.replace('_', '-')}): {error['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except StoreUnavailable as exc:
        print(f"catalog: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_STORE
    except StoreError as exc:
        # The first line names the store and the cause; the rest is the query, for the log, not the terminal.
        print(
            f"catalog: {str(exc).splitlines()[0]}; nothing already stored was lost, run the command again once the store is healthy",
            file=sys.stderr,
        )
        return EXIT_STORE
    except (SyncInProgress, SyncLockLost) as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except ConfigError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

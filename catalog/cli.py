"""The ``catalog`` command: import sources, serve the API, run the demo.

Settings come from ``CATALOG_*`` environment variables; the flags below override them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.records import ImportBatch
from catalog.settings import Settings
from catalog.store import StoreUnavailable, open_store
from catalog.sync import ImportReport, sync

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3


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

    serve = commands.add_parser(
        "serve", help="serve the GraphQL API", description="Serve the GraphQL API (and GraphiQL) at http://HOST:PORT/graphql."
    )
    _serve_flags(serve)
    serve.add_argument("--no-graphiql", action="store_true", help="do not serve the GraphiQL IDE (CATALOG_GRAPHIQL=false)")
    _store_flags(serve)

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
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    names = ("store", "neo4j_uri", "neo4j_user", "neo4j_database", "embedded_path", "host", "port")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
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
    if report.retirement_note:
        print(f"\nretirement: {report.retirement_note}")
    if report.findings:
        order = {"error": 0, "warning": 1, "info": 2}
        print(f"\n{len(report.findings)} findings:")
        for finding in sorted(report.findings, key=lambda f: (order[f.severity], f.file or "", f.line or 0)):
            print(f"  {finding}")


async def _sync_into(settings: Settings, batch: ImportBatch, *, dry_run: bool = False, force: bool = False) -> ImportReport:
    store = await open_store(settings)
    try:
        return await sync(store, batch, dry_run=dry_run, force=force, max_retire_fraction=settings.max_retire_fraction)
    finally:
        await store.close()


async def _import_backstage(args: argparse.Namespace, settings: Settings) -> int:
    from importers.backstage import read_backstage

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


def demo_root() -> Path:
    return Path(str(resources.files("catalog") / "demo" / "backstage"))


async def load_demo(settings: Settings) -> ImportReport:
    from importers.backstage import read_backstage

    return await _sync_into(settings, read_backstage([demo_root() / "catalog-info.yaml"], instance="demo"))


async def _check_store(settings: Settings) -> None:
    store = await open_store(settings)
    await store.close()


def serve(settings: Settings) -> None:
    import uvicorn

    from catalog.api.app import create_app

    # Fail before uvicorn starts, so a wrong URI or a locked store gets one clear line, not a traceback.
    asyncio.run(_check_store(settings))
    print(f"serving GraphQL at http://{settings.host}:{settings.port}/graphql  (Ctrl-C stops)", flush=True)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # The driver logs each failed routing attempt; the error we raise already says it all.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        if args.command == "demo":
            base = Settings()
            path = base.data_dir / "demo.lbdb"
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():
                path.unlink()
            settings = _settings(args, store="embedded", embedded_path=path)
            report = asyncio.run(load_demo(settings))
            print_report(report)
            if not args.no_serve:
                serve(settings)
            return EXIT_OK
        settings = _settings(args)
        if args.command == "import":
            return asyncio.run(_import_backstage(args, settings))
        serve(settings)
        return EXIT_OK
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            print(f"catalog: bad setting {field} (CATALOG_{field.upper()} or --{field.replace('_', '-')}): {error['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except StoreUnavailable as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

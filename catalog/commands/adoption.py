"""``catalog adoption``: how many services run on the standard platform, per team, domain or org unit, and over time."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from catalog.answers.adoption import GROUPINGS, NONE_KEY, SCOPES, AdoptionReport, Grouping, Scope, adoption, adoption_trend
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table
from catalog.core.clock import iso, parse_iso
from catalog.core.refs import InvalidReference, parse_ref
from catalog.read import CatalogReader
from catalog.store.base import GraphStore

_KIND = {"team": "group", "org-unit": "group", "domain": "domain"}
_GROUP_HEADER = {"team": "team", "domain": "domain", "org-unit": "org unit"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "adoption",
        help="adoption of the standard platform per team, domain or org unit, and its trend",
        description=(
            "Count current services on the standard platform, on other platforms only, and on no known platform, for the "
            "company and per team (resolved owner), domain (top-level, subdomains rolled up) or org unit (top-level); list "
            "the other platforms in use and the teams that run platforms of their own. With --trend, print the snapshots "
            "taken after each sync for one scope instead."
        ),
    )
    parser.add_argument("--by", choices=GROUPINGS, default="team", help="how to group the services (default team)")
    parser.add_argument("--trend", action="store_true", help="print the series of snapshots for --scope/--key instead")
    parser.add_argument("--scope", choices=SCOPES, default="company", help="with --trend: whose series (default company)")
    parser.add_argument("--key", help="with --trend: the team, domain or org unit, e.g. payments-team; `none` for the services outside any")
    parser.add_argument("--from", dest="since", metavar="TIME", help="--trend: earliest snapshot, e.g. 2026-11-01 or 2026-11-01T08:00Z")
    parser.add_argument("--to", dest="until", metavar="TIME", help="with --trend: latest snapshot")
    parser.add_argument("--first", type=int, default=100, metavar="N", help="with --trend: at most N points, the latest (default 100)")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.set_defaults(answer=run)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _moment(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:  # a date: midnight UTC
            return iso(datetime.fromisoformat(value).replace(tzinfo=UTC))
        return iso(parse_iso(value))
    except ValueError as exc:
        raise ValueError(f"{flag} {text!r} is not a time ({exc}); write e.g. 2026-11-01 or 2026-11-01T08:00:00Z") from exc


def _scope_key(scope: Scope, key: str | None) -> str | None:
    if scope == "company":
        return None
    if key is None or not key.strip():
        raise ValueError(f"--scope {scope} needs --key naming the {scope}, e.g. --key payments-team")
    if key.strip().lower() == NONE_KEY:
        return NONE_KEY
    try:
        ref = parse_ref(key, default_kind=_KIND[scope])
    except InvalidReference as exc:
        raise ValueError(f"--key: {exc}") from exc
    if ref.kind != _KIND[scope]:
        raise ValueError(f"--key {key!r} is a {ref.kind} reference; a {scope} is a {_KIND[scope]}")
    return ref.key


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    if args.trend:
        return await _trend(args, store)
    report = await adoption(CatalogReader(store), args.by)
    if args.json:
        print_json(report)
    else:
        _print(report)
    return EXIT_OK


async def _trend(args: argparse.Namespace, store: GraphStore) -> int:
    try:
        if args.first < 1:
            raise ValueError(f"--first {args.first} is below 1")
        key = _scope_key(args.scope, args.key)
        since, until = _moment(args.since, "--from"), _moment(args.until, "--to")
    except ValueError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    points = await adoption_trend(CatalogReader(store), args.scope, key, since, until, args.first)
    if args.json:
        print_json([{**vars(p), "ratio": p.ratio, "known_ratio": p.known_ratio} for p in points])
    else:
        title = "company" if args.scope == "company" else f"{args.scope} {key}"
        print(f"adoption of {title}, oldest first")
        print_table(
            ["taken at", "total", "standard", "other", "unknown", "ratio"],
            [(p.taken_at, p.total, p.standard, p.other, p.unknown, _ratio(p.ratio)) for p in points],
            empty="(no snapshots: they are taken after each `catalog sync`)",
        )
    return EXIT_OK if points else EXIT_NOT_FOUND


def _print(report: AdoptionReport) -> None:
    c = report.company
    standard = ", ".join(p.name for p in report.standard_platforms) or "none declared (mark one standard)"
    print(f"standard platform: {standard}")
    print(
        f"company: {c.total} services, {c.standard} on the standard platform ({_ratio(c.ratio)}; {_ratio(c.known_ratio)} of those "
        f"whose platform is known), {c.other} elsewhere, {c.unknown} unknown"
    )
    print()
    by: Grouping = report.by
    print_table(
        [_GROUP_HEADER[by], "total", "standard", "other", "unknown", "ratio"],
        [(g.name, g.total, g.standard, g.other, g.unknown, _ratio(g.ratio)) for g in report.groups],
    )
    if report.other_platforms:
        print("\nother platforms in use:")
        print_table(
            ["platform", "owners", "services", "used by"],
            [
                (
                    p.platform.name,
                    ", ".join(t.name for t in p.owners) or "-",
                    p.services,
                    ", ".join(f"{u.team.name} ({u.services})" for u in p.used_by),
                )
                for p in report.other_platforms
            ],
        )
    if report.teams_with_own_platforms:
        print("\nteams running platforms of their own:")
        print_table(
            ["team", "platform", "role", "services"],
            [(t.team.name, t.platform.name, "owns" if t.owns else "runs on", t.services) for t in report.teams_with_own_platforms],
        )

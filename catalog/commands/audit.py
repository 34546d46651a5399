"""``catalog audit``: what is missing or wrong in the catalog, most severe first, with a summary per kind."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import Any

from catalog.answers import audits as answers
from catalog.commands import EXIT_OK, EXIT_USAGE, print_json, print_table, to_jsonable
from catalog.read import CatalogReader, UnknownEntity
from catalog.settings import Settings
from catalog.store.base import GraphStore

EXIT_ERRORS = 1
"""With --strict: some audit has severity error."""
PAGE = 500
"""Audits fetched per query while collecting --limit of them."""
DEFAULT_LIMIT = 50


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kinds = ", ".join(k.value for k in answers.AuditKind)
    parser = commands.add_parser(
        "audit",
        help="list unowned services, dangling owners, missing on-call, CODEOWNERS gaps, stale data and import problems",
        description=(
            "Audit the catalog: services with no owner or no on-call routing, owners that do not exist or that sources "
            "disagree on, services off the standard platform or on no known platform, repositories CODEOWNERS leaves "
            "uncovered, entities and sources not confirmed for a while, dangling references and other import problems. "
            "Most severe first, then by kind and subject, each with the fix. Exit status 0 (audits are information), "
            "or 1 with --strict when any audit has severity error."
        ),
    )
    parser.add_argument("--kind", action="append", metavar="KIND", help=f"only this kind (repeatable): {kinds}")
    parser.add_argument(
        "--severity", action="append", metavar="SEVERITY", help=f"only this severity (repeatable): {', '.join(answers.SEVERITIES)}"
    )
    parser.add_argument("--team", help="only audits about this team ([group:][namespace/]name), its sub-teams and what they own")
    parser.add_argument("--no-sub-teams", action="store_true", help="with --team: leave its sub-teams out")
    parser.add_argument("--label", metavar="LABEL", help="only audits about subjects of this kind of node, e.g. Service or Repository")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"list at most this many audits (default {DEFAULT_LIMIT})")
    parser.add_argument(
        "--stale-after-days",
        type=int,
        metavar="DAYS",
        help="entities and sources unconfirmed for longer are stale "
        f"(CATALOG_STALE_AFTER_DAYS, default {answers.DEFAULT_STALE_AFTER_DAYS})",
    )
    parser.add_argument("--json", action="store_true", help="print the audits and the summary as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any audit has severity error")
    parser.set_defaults(answer=run)


def _default_stale_days(args: argparse.Namespace) -> int:
    """CATALOG_STALE_AFTER_DAYS, as the ``catalog`` command resolved it."""
    given = getattr(args, "settings", None)
    return given.stale_after_days if isinstance(given, Settings) else answers.DEFAULT_STALE_AFTER_DAYS


def _filter(args: argparse.Namespace) -> answers.AuditFilter:
    return answers.AuditFilter(
        kinds=None if not args.kind else tuple(dict.fromkeys(answers.parse_kind(k) for k in args.kind)),
        severities=None if not args.severity else tuple(dict.fromkeys(answers.parse_severity(s) for s in args.severity)),
        team=None if args.team is None else answers.team_key(args.team),
        include_sub_teams=not args.no_sub_teams,
        subject_label=None if args.label is None else answers.parse_label(args.label),
    )


def _audit_json(audit: answers.Audit) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(audit)
    data.pop("cursor", None)
    return data


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    if args.limit < 1:
        print(f"catalog audit: --limit {args.limit} is below 1; list at least one audit, e.g. --limit 50", file=sys.stderr)
        return EXIT_USAGE
    stale_days = args.stale_after_days if args.stale_after_days is not None else _default_stale_days(args)
    try:
        given = getattr(args, "settings", None)
        min_teams = given.ops_handoff_min_teams if isinstance(given, Settings) else answers.DEFAULT_OPS_HANDOFF_MIN_TEAMS
        found = await answers.audits(CatalogReader(store), _filter(args), stale_after_days=stale_days, ops_handoff_min_teams=min_teams)
    except answers.AuditArgumentError as exc:
        print(f"catalog audit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownEntity as exc:
        print(f"catalog audit: --team: {exc}; check the name and namespace (teams are keyed group:<namespace>/<name>)", file=sys.stderr)
        return EXIT_USAGE

    listed: list[answers.Audit] = []
    after: str | None = None
    while len(listed) < args.limit:
        page = await found.page(min(PAGE, args.limit - len(listed)), after)
        listed.extend(page.audits)
        if not page.has_next or not page.audits:
            break
        after = page.audits[-1].cursor
    summary = await found.summary()
    total = sum(c.count for c in summary)
    errors = sum(c.count for c in summary if c.severity == "error")

    if args.json:
        print_json(
            {
                "total": total,
                "shown": len(listed),
                "summary": [{"kind": c.kind.value, "severity": c.severity, "count": c.count} for c in summary],
                "audits": [_audit_json(a) for a in listed],
            }
        )
    else:
        print_table(
            ["severity", "kind", "subject", "message"],
            [(a.severity, a.kind.value, a.subject.key, a.message) for a in listed],
            empty="no audits: nothing to fix for this selection",
        )
        _print_summary(summary, total, len(listed))
    return EXIT_ERRORS if args.strict and errors else EXIT_OK


def _print_summary(summary: list[answers.AuditCount], total: int, shown: int) -> None:
    if not total:
        return
    by_kind: dict[answers.AuditKind, dict[str, int]] = defaultdict(dict)
    for count in summary:
        by_kind[count.kind][count.severity] = count.count
    more = f", {shown} shown (raise --limit or filter to see more)" if shown < total else ""
    print(f"\n{total} audit{'s' if total != 1 else ''}{more}")
    width = max(len(k.value) for k in by_kind)
    for kind in answers.AuditKind:
        if kind in by_kind:
            counts = by_kind[kind]
            detail = ", ".join(f"{counts[s]} {s}" for s in answers.SEVERITIES if s in counts)
            print(f"  {kind.value:{width}}  {sum(counts.values()):5}  ({detail})")

"""``catalog history SERVICE (--at TIME | --from TIME --to TIME)``: who owned it and who was on call then; what changed.

With ``--at``: the resolved owners and each source's claim at that instant, then the on-call
chain at it (as ``catalog oncall --at``). With ``--from``/``--to``: ownership changes and
on-call handovers in the window, in time order, at most ``--limit`` of them (the message says
how many there are). ``--json`` prints the whole answer. Exit codes as ``catalog oncall``.
"""

from __future__ import annotations

import argparse
import sys

from catalog.answers.history import DEFAULT_LIMIT, HANDOVER, BadWindow, ChangesAnswer, OwnerAtAnswer, changes, owner_at
from catalog.answers.oncall import on_call_for
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table
from catalog.commands.oncall import TIME_HELP, checked_service, checked_time, print_candidates
from catalog.commands.oncall import print_answer as print_on_call
from catalog.read import CatalogReader
from catalog.store.base import GraphStore

MAX_LIMIT = 10_000


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "history",
        help="who owned a service and who was on call at a past time, or what changed over a window",
        description="With --at: who owned SERVICE at TIME (resolved, and what each source said) and who was on call then. "
        "With --from and --to: ownership changes and on-call handovers in that window, in time order.",
    )
    parser.add_argument("service", help="e.g. checkout, component:default/checkout, PCHKOUT")
    parser.add_argument("--at", metavar="TIME", help=f"the instant: {TIME_HELP}")
    parser.add_argument("--from", dest="start", metavar="TIME", help="start of the window (included)")
    parser.add_argument("--to", dest="end", metavar="TIME", help="end of the window (excluded); default now")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"most changes to print (default {DEFAULT_LIMIT})")
    parser.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    parser.set_defaults(answer=run)


def _usage(message: str) -> int:
    print(f"catalog history: {message}", file=sys.stderr)
    return EXIT_USAGE


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    service = checked_service(str(args.service), "history")
    if service is None:
        return EXIT_USAGE
    if (args.at is None) == (args.start is None):
        return _usage("give either --at TIME, or --from TIME [--to TIME]")
    if args.at is not None and args.end is not None:
        return _usage("--to goes with --from, not with --at")
    if not 1 <= args.limit <= MAX_LIMIT:
        return _usage(f"--limit {args.limit} is outside 1..{MAX_LIMIT}; narrow the window with --from/--to instead")
    if args.at is not None:
        at = checked_time(args.at, "history", "--at")
        if at is None:
            return EXIT_USAGE
        return await _at(store, service, at, as_json=args.json)
    start = checked_time(args.start, "history", "--from")
    end = checked_time(args.end or "now", "history", "--to")
    if start is None or end is None:
        return EXIT_USAGE
    try:
        answer = await changes(CatalogReader(store), service, start, end, first=args.limit)
    except BadWindow as exc:
        return _usage(str(exc))
    if args.json:
        print_json(answer)
    else:
        print_changes(answer)
    return EXIT_OK if answer.service is not None else EXIT_NOT_FOUND


async def _at(store: GraphStore, service: str, at: str, *, as_json: bool) -> int:
    owners = await owner_at(CatalogReader(store), service, at)
    if owners.service is None:
        if as_json:
            print_json({"owners": owners})
        else:
            print(owners.message)
            print_candidates(owners.identification)
        return EXIT_NOT_FOUND
    paging = await on_call_for(CatalogReader(store), owners.service, at, owners.identification)
    if as_json:
        print_json({"owners": owners, "on_call": paging})
        return EXIT_OK
    print_owners(owners)
    print()
    print_on_call(paging)
    return EXIT_OK


def print_owners(answer: OwnerAtAnswer) -> None:
    assert answer.service is not None
    gone = " (no longer in the catalog)" if answer.retired_service else ""
    print(f"{answer.service.name} ({answer.service.key}){gone} at {answer.at}")
    rows = [["resolved", e.owner.name, e.strength, e.why, e.interval.first_seen, e.interval.retired_at] for e in answer.owners]
    rows += [
        [e.source_instance or e.source, e.owner.name, e.strength, e.why, e.interval.first_seen, e.interval.retired_at]
        for e in answer.claims
    ]
    print_table(["said by", "owner", "strength", "why", "since", "until"], rows, empty="(no owner recorded then)")
    print(answer.message)


def print_changes(answer: ChangesAnswer) -> None:
    if answer.service is None:
        print(answer.message)
        print_candidates(answer.identification)
        return
    gone = " (no longer in the catalog)" if answer.retired_service else ""
    print(f"{answer.service.name} ({answer.service.key}){gone} from {answer.start} to {answer.end}")
    rows = [
        [e.at, "on-call" if e.kind == HANDOVER else e.kind, e.who.name, e.source_instance if e.kind != HANDOVER else None, e.text]
        for e in answer.events
    ]
    print_table(["time", "change", "who", "source", "what"], rows, empty="(no changes in the window)")
    print(answer.message)
    if answer.has_next:
        print(f"(showing the first {len(answer.events)}; raise --limit or narrow the window)")

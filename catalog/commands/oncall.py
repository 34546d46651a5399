"""``catalog oncall SERVICE [--at TIME]``: who is on call for a service, level by level, at an instant.

Prints one row per level and person (level, delay, person, email, until, schedule), marks
empty levels, then the answer in a sentence with when the data was refreshed. ``--json`` prints
the whole answer. Exit codes: 0 for an answer (including "no on-call routing"), 1 when the
service is ambiguous or unknown (the candidates are printed), 2 for unusable arguments.
"""

from __future__ import annotations

import argparse
import sys

from catalog.answers.identify import MAX_IDENTIFIER_LENGTH, Identification
from catalog.answers.oncall import BEFORE, BEYOND, COVERED, GAP, NO_DATA, BadInstant, Chain, Level, OnCallAnswer, on_call, parse_instant
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table
from catalog.read import CatalogReader
from catalog.store.base import GraphStore

TIME_HELP = (
    "`now` (the default), a relative time (-2h, +30m, -7d), a date (2026-11-20, UTC midnight) "
    "or ISO-8601 with a timezone (2026-11-20T03:12:00Z)"
)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "oncall",
        help="who is on call for a service, level by level, now or at another time",
        description="Who is on call for SERVICE at TIME: the escalation chain level by level, empty levels marked and the first "
        "level paged named, the owner team's policy when the service has none, and how current the data is. SERVICE may be a "
        "name, key or alias, a repository URL, a pod name, a PagerDuty service id or a hostname.",
    )
    parser.add_argument("service", help="e.g. checkout, component:default/checkout, PCHKOUT")
    parser.add_argument("--at", default="now", metavar="TIME", help=TIME_HELP)
    parser.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    parser.set_defaults(answer=run)


def checked_service(text: str, command: str) -> str | None:
    """The service argument, trimmed; None (after a message on stderr) when it is empty or too long."""
    value = text.strip()
    if not value:
        print(
            f"catalog {command}: the service is empty; give a name, key, alias, repository URL, pod name or PagerDuty id", file=sys.stderr
        )
        return None
    if len(value) > MAX_IDENTIFIER_LENGTH:
        print(
            f"catalog {command}: the service is longer than {MAX_IDENTIFIER_LENGTH} characters; give the name or id alone", file=sys.stderr
        )
        return None
    return value


def checked_time(text: str, command: str, flag: str) -> str | None:
    try:
        return parse_instant(text)
    except BadInstant as exc:
        print(f"catalog {command}: {flag}: {exc}", file=sys.stderr)
        return None


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    service = checked_service(str(args.service), "oncall")
    at = checked_time(str(args.at), "oncall", "--at")
    if service is None or at is None:
        return EXIT_USAGE
    answer = await on_call(CatalogReader(store), service, at)
    if args.json:
        print_json(answer)
    else:
        print_answer(answer)
    return EXIT_OK if answer.found else EXIT_NOT_FOUND


def print_candidates(ident: Identification) -> None:
    shown = ident.matches or ident.nearest
    if shown:
        print()
        print_table(["service" if ident.matches else "nearest", "key", "why"], [[c.name, c.key, c.why] for c in shown])


def _delay(level: Level) -> str:
    return "" if level.delay_minutes is None else f"{level.delay_minutes}m"


def _rows(chain: Chain) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    known = chain.data.coverage not in (BEFORE, BEYOND, GAP, NO_DATA)
    for level in chain.levels:
        mark = f"{level.level}" + (" *" if level.level == chain.first_paged_level else "")
        if not known or (not level.on_call and level.empty is None):
            pages = ", ".join(t.name or t.key or "?" for t in level.targets)
            rows.append([mark, _delay(level), "(not known)", None, None, f"pages {pages}" if pages else None])
            continue
        if not level.on_call:
            rows.append([mark, _delay(level), "(nobody: empty, falls through)", None, None, None])
            continue
        for person in level.on_call:
            until = person.ends_at or ("(permanent)" if person.permanent else None)
            schedule = person.schedule_name or person.schedule_key or ("(directly)" if person.direct else None)
            rows.append([mark, _delay(level), person.name, person.email, until, schedule])
            mark = ""
    return rows


def print_chain(chain: Chain) -> None:
    policy = chain.policy
    via = f"team {chain.team.name}'s policy" if chain.team is not None else "policy"
    link = f"; {chain.strength} link" + (f": {chain.evidence}" if chain.evidence else "") if chain.strength else ""
    print(f"{via} {policy.name or policy.key} ({policy.external_id or policy.key}{link})")
    print_table(["level", "delay", "on call", "email", "until", "schedule"], _rows(chain))
    data = chain.data
    if data.refreshed_at is not None:
        complete = "" if data.complete is not False else " (partial read)"
        window = f"on-call window {data.window_from} to {data.window_until}"
        print(f"data: {data.source_instance}, last refreshed {data.refreshed_at}{complete}; {window}")
    else:
        print(f"data: no read of {data.source_instance} is recorded")
    for note in chain.notes:
        print(f"note: {note}")


def print_answer(answer: OnCallAnswer) -> None:
    if answer.service is None:
        print(answer.message)
        print_candidates(answer.identification)
        return
    print(f"{answer.service.name} ({answer.service.key}) at {answer.at}")
    for chain in answer.chains:
        print()
        print_chain(chain)
    if not answer.chains and answer.owners:
        print()
        print_table(["owner", "email", "chat"], [[o.name, o.email, o.chat_channel] for o in answer.owners])
    print()
    print(answer.message)
    if answer.chains and answer.chains[0].data.coverage == COVERED and answer.chains[0].first_paged_level is not None:
        print("(* = the level paged first)")

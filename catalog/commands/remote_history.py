"""``catalog history`` and ``catalog adoption --trend`` against a running server (``--server URL``).

They print what the same commands print against a store: the same checks on the arguments, the
same columns, the same times (the API's ``DateTime`` is turned back into the catalog's stored
form), and the same sentences (the server's ``message``). ``--json`` prints the GraphQL ``data``,
as the other commands do over ``--server``. ``history --at`` prints the on-call chain as ``catalog
oncall --server`` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import httpx

from catalog.answers.adoption import Scope
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_table
from catalog.commands.adoption import _moment, _ratio, _scope_key
from catalog.commands.history import MAX_LIMIT
from catalog.commands.oncall import checked_service, checked_time
from catalog.commands.remote import ON_CALL, ask, candidates, print_on_call
from catalog.core.clock import iso, parse_iso

OWNER = """
fragment Named on Owner { ... on Team { name displayName } ... on Person { name displayName } }"""

CANDIDATES = """
fragment Candidates on Identification { matches { service { name ref } why } nearest { service { name ref } why } }"""

IDENTIFICATION = "identification { status message service { name ref } ...Candidates }"

CHANGES = (
    """query($service: String!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String) {
  changes(service: $service, from: $from, to: $to) {
    """
    + IDENTIFICATION
    + """
    startsAt endsAt message
    events(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { occurredAt kind who { name } text source sourceInstance strength why level endsAt }
    }
  }
}"""
    + CANDIDATES
)

OWNER_AT = (
    """query($service: String!, $at: DateTime!) {
  ownerAt(service: $service, at: $at) {
    """
    + IDENTIFICATION
    + """
    at message recordStartsAt
    owners { owner { ...Named } rule strength sources startedAt endedAt }
    ownershipClaims { owner { ...Named } source sourceInstance evidence strength startedAt endedAt }
  }
}"""
    + CANDIDATES
    + OWNER
)

TREND = """query($scope: AdoptionScope!, $key: String, $from: DateTime, $to: DateTime, $last: Int!) {
  adoptionTrend(scope: $scope, key: $key, from: $from, to: $to, last: $last) {
    nodes { takenAt total standard other unknown ratio knownRatio }
  }
}"""

PAGE = 500
"""Events asked for per request: the API's default largest page (CATALOG_MAX_PAGE_SIZE)."""


def stored(value: str | None) -> str | None:
    """An API ``DateTime`` (``2026-11-20T03:00:00+00:00``) in the catalog's stored form, as the local commands print it."""
    return iso(parse_iso(value)) if value else None


def _lower(value: str | None) -> str | None:
    return value.lower().replace("_", "-") if value else None


def _named(owner: dict[str, Any]) -> str:
    return str(owner.get("displayName") or owner.get("name") or "?")


def _usage(message: str) -> int:
    print(f"catalog history: {message}", file=sys.stderr)
    return EXIT_USAGE


def history(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
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
        return EXIT_USAGE if at is None else _owner_at(args, server, transport, service, at)
    start = checked_time(args.start, "history", "--from")
    end = checked_time(args.end or "now", "history", "--to")
    if start is None or end is None:
        return EXIT_USAGE
    answer: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        variables = {"service": service, "from": start, "to": end, "first": min(PAGE, args.limit - len(events)), "after": after}
        page = ask(server, CHANGES, variables, transport=transport)["changes"]
        answer = answer or page
        events += page["events"]["nodes"]
        more = page["events"]["pageInfo"]
        if not more["hasNextPage"] or len(events) >= args.limit:
            break
        after = more["endCursor"]
    answer["events"]["nodes"] = events
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        _print_changes(answer, has_next=bool(more["hasNextPage"]))
    return EXIT_OK if answer["identification"]["service"] else EXIT_NOT_FOUND


def _print_changes(answer: dict[str, Any], *, has_next: bool) -> None:
    identification = answer["identification"]
    service = identification["service"]
    if service is None:
        print(answer["message"])
        candidates(identification)
        return
    gone = " (no longer in the catalog)" if identification["status"] == "RETIRED" else ""
    print(f"{service['name']} ({service['ref']}){gone} from {stored(answer['startsAt'])} to {stored(answer['endsAt'])}")
    rows = []
    for e in answer["events"]["nodes"]:
        kind = _lower(e["kind"])
        handover = kind == "on-call-handover"
        source = None if handover else e["sourceInstance"]
        rows.append([stored(e["occurredAt"]), "on-call" if handover else kind, e["who"]["name"], source, e["text"]])
    print_table(["time", "change", "who", "source", "what"], rows, empty="(no changes in the window)")
    print(answer["message"])
    if has_next:
        print(f"(showing the first {len(rows)}; raise --limit or narrow the window)")


def _owner_at(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None, service: str, at: str) -> int:
    owners = ask_owner_at(server, service, at, transport)
    identification = owners["identification"]
    found = identification["service"]
    paging = ask_on_call(server, found["ref"], at, transport) if found else None
    if args.json:
        print(json.dumps({"owners": owners, "on_call": paging}, indent=2))
        return EXIT_OK if found else EXIT_NOT_FOUND
    if not found:
        print(owners["message"])
        candidates(identification)
        return EXIT_NOT_FOUND
    gone = " (no longer in the catalog)" if identification["status"] == "RETIRED" else ""
    print(f"{found['name']} ({found['ref']}){gone} at {stored(owners['at'])}")
    rows = [
        ["resolved", _named(e["owner"]), _lower(e["strength"]), e["rule"], stored(e["startedAt"]), stored(e["endedAt"])]
        for e in owners["owners"]
    ]
    rows += [
        [
            e["sourceInstance"] or e["source"],
            _named(e["owner"]),
            _lower(e["strength"]),
            e["evidence"],
            stored(e["startedAt"]),
            stored(e["endedAt"]),
        ]
        for e in owners["ownershipClaims"]
    ]
    print_table(["said by", "owner", "strength", "why", "since", "until"], rows, empty="(no owner recorded then)")
    print(owners["message"])
    print()
    assert paging is not None
    print_on_call(paging)
    return EXIT_OK


def ask_owner_at(server: str, service: str, at: str, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    answer: dict[str, Any] = ask(server, OWNER_AT, {"service": service, "at": at}, transport=transport)["ownerAt"]
    return answer


def ask_on_call(server: str, service: str, at: str, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    answer: dict[str, Any] = ask(server, ON_CALL, {"service": service, "at": at}, transport=transport)["onCall"]
    return answer


def adoption_trend(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    scope: Scope = args.scope
    try:
        if args.first < 1:
            raise ValueError(f"--first {args.first} is below 1")
        key = _scope_key(scope, args.key)
        since, until = _moment(args.since, "--from"), _moment(args.until, "--to")
    except ValueError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return EXIT_USAGE
    variables = {"scope": scope.replace("-", "_").upper(), "key": key, "from": since, "to": until, "last": args.first}
    points = ask(server, TREND, variables, transport=transport)["adoptionTrend"]["nodes"]
    if args.json:
        print(json.dumps(points, indent=2))
    else:
        title = "company" if scope == "company" else f"{scope} {key}"
        print(f"adoption of {title}, oldest first")
        print_table(
            ["taken at", "total", "standard", "other", "unknown", "ratio"],
            [(stored(p["takenAt"]), p["total"], p["standard"], p["other"], p["unknown"], _ratio(p["ratio"])) for p in points],
            empty="(no snapshots: they are taken after each `catalog sync`)",
        )
    return EXIT_OK if points else EXIT_NOT_FOUND

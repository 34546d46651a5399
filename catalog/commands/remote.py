"""The answer commands against a running catalog server: ``--server URL`` or ``CATALOG_SERVER``.

The embedded store admits one process, so while ``catalog serve`` (or ``make demo``) holds it the
CLI asks the server instead: it sends the GraphQL query that holds the command's answer and prints
the same columns as against a store (``--json`` prints the GraphQL ``data``). The documents are
kept here, in one place, and a test runs each of them against the app.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import httpx

from catalog.answers.adoption import Scope
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_table
from catalog.commands.adoption import _moment, _ratio, _scope_key
from catalog.commands.history import MAX_LIMIT
from catalog.commands.oncall import checked_service, checked_time
from catalog.core.clock import iso, parse_iso

EXIT_SERVER = 3
TOKEN_VARIABLE = "CATALOG_TOKEN"
TIMEOUT_SECONDS = 30.0

OWNER = """
fragment OwnerName on Owner { ... on Entity { ref name title } }"""

CANDIDATES = """
fragment Candidates on Identification { matches { service { name ref } why } nearest { service { name ref } why } }"""

WHO_OWNS = (
    """query($identifier: String!) {
  whoOwns(identifier: $identifier) {
    identification { message status kind ...Candidates }
    subjects {
      name why kind
      derivation { method description via { id } }
      file { path line codeownersPath rule { line pattern owners { text kind owner { ...OwnerName } } } services { name ref } }
      owners { owner { ...OwnerName } rule strength sources }
      ownershipClaims { owner { ...OwnerName } source evidence strength lastSeenAt }
      contacts { owner { ...OwnerName } chatChannel email }
      runbooks { title url }
      platforms { platform { name isStandard } }
    }
  }
}"""
    + CANDIDATES
    + OWNER
)

ON_CALL = (
    """query($service: String!, $at: DateTime) {
  onCall(service: $service, at: $at) {
    message at firstPagedLevel
    identification { service { ref } ...Candidates }
    levels { level isEmpty onCall { name email endsAt schedule { name ref } isDirect isPermanent } }
  }
}"""
    + CANDIDATES
)

BLAST_RADIUS = (
    """query($service: String!, $depth: Int!) {
  blastRadius(service: $service, depth: $depth) {
    totalServices totalTeams
    identification { message service { ref } ...Candidates }
    teams { nodes { owner { ...OwnerName } count nearestDistance onCall { name email } } }
    unowned { count }
  }
}"""
    + CANDIDATES
    + OWNER
)

ADOPTION = """query($by: AdoptionGrouping!) {
  adoption(by: $by) {
    company { total standard other unknown ratio }
    groups { nodes { name total standard other unknown ratio } }
  }
}"""

AUDITS = """query($filter: AuditFilter, $first: Int!) {
  audits(filter: $filter, first: $first) {
    totalCount
    nodes { kind severity subject { key name } message fix }
  }
}"""


BUILD_RUN = """query($team: String!) {
  buildRun(team: $team) {
    team { ref name displayName }
    subTeams { name displayName }
    serviceCount ownedDirectlyCount overall isFullyBuildRun
    build {
      verdict share passing counted reason
      repositories(first: 500) { nodes { repository { slug } state reason } }
      servicesWithoutRepository(first: 500) { nodes { name } }
    }
    run {
      verdict share passing counted reason
      services(first: 500) { nodes { service { name } state platforms { name } deployedBy { name } } }
    }
    support { verdict share passing counted reason services(first: 500) { nodes { service { name } state reason } } }
    platformRole { platform { name } foundFrom evidence owns onCall onCallReason runsOnIt }
    findings { kind severity message fix }
  }
}"""


class RemoteError(RuntimeError):
    """The server could not be asked, or refused; the message names the server and the fix."""

    def __init__(self, message: str, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes
        """The ``extensions.code`` of each error the server answered with."""


def _headers() -> dict[str, str]:
    """JSON, and the API token in ``CATALOG_TOKEN`` when the server's access control needs one."""
    headers = {"Accept": "application/json"}
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def ask(server: str, document: str, variables: dict[str, Any], *, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """The ``data`` of one GraphQL query to ``server`` (its base URL); raises ``RemoteError``."""
    url = server.rstrip("/") + "/graphql"
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport) as client:
            response = client.post(url, json={"query": document, "variables": variables}, headers=_headers())
    except httpx.HTTPError as exc:
        raise RemoteError(
            f"cannot reach the catalog server at {server}: {exc}. Is `catalog serve` running there? "
            "Check --server / CATALOG_SERVER, or unset it to read the store directly"
        ) from exc
    try:
        body = response.json()
    except ValueError as exc:
        raise RemoteError(f"{url} answered HTTP {response.status_code} without JSON: is {server} a catalog server?") from exc
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        codes = tuple(str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict))
        raise RemoteError("; ".join(str(e.get("message")) for e in errors), codes)
    if response.status_code != 200 or not isinstance(body.get("data"), dict):
        raise RemoteError(f"{url} answered HTTP {response.status_code}")
    data: dict[str, Any] = body["data"]
    return data


def _owner_name(item: dict[str, Any]) -> str:
    owner = item.get("owner") or {}
    return str(owner.get("title") or owner.get("name") or owner.get("ref") or "?")


def candidates(identification: dict[str, Any]) -> None:
    shown = identification.get("matches") or identification.get("nearest") or []
    if shown:
        print()
        print_table(
            ["service" if identification.get("matches") else "nearest", "key", "why"],
            [[c["service"]["name"], c["service"]["ref"], c["why"]] for c in shown],
        )


def _who_owns(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    answer = ask(server, WHO_OWNS, {"identifier": str(args.identifier).strip()}, transport=transport)["whoOwns"]
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK if answer["subjects"] else EXIT_NOT_FOUND
    print(answer["identification"]["message"])
    if not answer["subjects"]:
        candidates(answer["identification"])
        return EXIT_NOT_FOUND
    rows = []
    for m in answer["subjects"]:
        contacts = {_owner_name(c): c for c in m["contacts"]}
        named = (p["platform"]["name"] + (" (standard)" if p["platform"]["isStandard"] else "") for p in m["platforms"])
        platforms = ", ".join(dict.fromkeys(named)) or "unknown"
        runbook = m["runbooks"][0]["url"] if m["runbooks"] else None
        for r in m["owners"] or [{"owner": {"name": "(no owner)"}, "strength": None}]:
            contact = contacts.get(_owner_name(r), {})
            kind = "file" if m["file"] else str(m["kind"]).lower()
            subject = m["name"] if m["kind"] == "SERVICE" else f"{m['name']} ({kind})"
            rows.append([subject, _owner_name(r), r["strength"], contact.get("chatChannel") or contact.get("email"), platforms, runbook])
    print()
    first = "service" if all(m["kind"] == "SERVICE" for m in answer["subjects"]) else "subject"
    print_table([first, "owner", "strength", "channel", "platform", "runbook"], rows)
    evidence = [
        [m["name"], _owner_name(e), e["source"], e["strength"], e["evidence"], e["lastSeenAt"]]
        for m in answer["subjects"]
        for e in sorted(m["ownershipClaims"], key=lambda e: (_owner_name(e), e["source"] or ""))
    ]
    if evidence:
        print()
        print_table(["service", "owner", "source", "strength", "evidence", "last seen"], evidence)
    derived = [(m["name"], m["derivation"]["description"]) for m in answer["subjects"] if derived_shown(m["derivation"]["method"])]
    if derived:
        print()
        print_table(["subject", "how the owner was found"], derived)
    return EXIT_OK


def derived_shown(method: str | None) -> bool:
    """Whether a derivation says more than the owners table: anything but a subject's own owners."""
    return (method or "").lower().replace("_", "-") not in ("", "direct")


def _on_call(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    at = None if str(args.at).strip().lower() == "now" else _instant(str(args.at))
    answer = ask(server, ON_CALL, {"service": str(args.service).strip(), "at": at}, transport=transport)["onCall"]
    service = answer["identification"]["service"]
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK if service else EXIT_NOT_FOUND
    if not service:
        print(answer["message"])
        candidates(answer["identification"])
        return EXIT_NOT_FOUND
    print_on_call(answer)
    return EXIT_OK


def print_on_call(answer: dict[str, Any]) -> None:
    """An ``onCall`` answer of a found service, level by level, then its sentence."""
    service = answer["identification"]["service"]
    rows: list[list[Any]] = []
    for level in answer["levels"]:
        mark = f"{level['level']}" + (" *" if level["level"] == answer["firstPagedLevel"] else "")
        if not level["onCall"]:
            rows.append([mark, "(nobody: empty, falls through)" if level["isEmpty"] else "(not known)", None, None, None])
        for person in level["onCall"]:
            named = person["schedule"] and (person["schedule"]["name"] or person["schedule"]["ref"])
            schedule = named or ("(directly)" if person["isDirect"] else None)
            until = person["endsAt"] or ("(permanent)" if person["isPermanent"] else None)
            rows.append([mark, person["name"], person["email"], until, schedule])
            mark = ""
    print(f"{service['ref']} at {answer['at']}")
    print_table(["level", "on call", "email", "until", "schedule"], rows)
    print()
    print(answer["message"])


def _blast_radius(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    answer = ask(server, BLAST_RADIUS, {"service": str(args.service).strip(), "depth": args.depth}, transport=transport)["blastRadius"]
    identification = answer["identification"]
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK if identification["service"] else EXIT_NOT_FOUND
    print(identification["message"])
    if not identification["service"]:
        candidates(identification)
        return EXIT_NOT_FOUND
    print(f"{answer['totalServices']} services depend on it within {args.depth} steps, owned by {answer['totalTeams']} teams")
    print()
    rows = [
        [t["owner"]["name"], t["count"], t["nearestDistance"], ", ".join(p["name"] or "?" for p in t["onCall"]) or "(nobody on call)"]
        for t in answer["teams"]["nodes"]
    ]
    print_table(["team", "services", "nearest", "on call now"], rows)
    return EXIT_OK


def _adoption(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    if getattr(args, "trend", False):
        return adoption_trend(args, server, transport)
    by = str(getattr(args, "by", "team")).replace("-", "_").upper()
    answer = ask(server, ADOPTION, {"by": by}, transport=transport)["adoption"]
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK
    c = answer["company"]
    ratio = "n/a" if c["ratio"] is None else f"{c['ratio'] * 100:.0f}%"
    print(f"company: {c['standard']} of {c['total']} on the standard platform ({ratio}); {c['other']} other, {c['unknown']} unknown")
    print()
    print_table(
        [args.by, "services", "standard", "other", "unknown", "ratio"],
        [
            [g["name"], g["total"], g["standard"], g["other"], g["unknown"], "" if g["ratio"] is None else f"{g['ratio'] * 100:.0f}%"]
            for g in answer["groups"]["nodes"]
        ],
    )
    return EXIT_OK


def _audit(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    audit_filter = {
        "severities": [s.upper() for s in (getattr(args, "severity", None) or [])] or None,
        "kinds": [k.replace("-", "_").upper() for k in (getattr(args, "kind", None) or [])] or None,
        "team": getattr(args, "team", None),
    }
    variables = {"filter": audit_filter, "first": getattr(args, "limit", None) or 50}
    answer = ask(server, AUDITS, variables, transport=transport)["audits"]
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK
    nodes = answer["nodes"]
    print_table(
        ["severity", "kind", "subject", "message", "fix"],
        [[n["severity"], n["kind"], n["subject"]["name"] or n["subject"]["key"], n["message"], n["fix"]] for n in nodes],
    )
    print(f"\n{answer['totalCount']} audits" + (f" (showing {len(nodes)})" if len(nodes) < answer["totalCount"] else ""))
    return EXIT_OK


def _scorecard(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    from catalog.commands.scorecard import print_card, view_of_answer

    if getattr(args, "team", None) is None:
        print("catalog scorecard: the company view is not available with --server yet; give a TEAM, or ask the store", file=sys.stderr)
        return EXIT_USAGE
    try:
        answer = ask(server, BUILD_RUN, {"team": str(args.team).strip()}, transport=transport)["buildRun"]
    except RemoteError as exc:
        if "NOT_FOUND" not in exc.codes:
            raise
        print(f"catalog scorecard: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK
    print_card(view_of_answer(answer))
    return EXIT_OK


def _instant(text: str) -> str:
    from catalog.core.clock import iso, parse_moment

    return iso(parse_moment(text))


def _history(args: argparse.Namespace, server: str, transport: httpx.BaseTransport | None) -> int:
    return history(args, server, transport)


# -- history and the adoption trend (formerly catalog.commands.remote_history) --

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


RUNNERS: dict[str, Callable[[argparse.Namespace, str, httpx.BaseTransport | None], int]] = {
    "who-owns": _who_owns,
    "oncall": _on_call,
    "blast-radius": _blast_radius,
    "adoption": _adoption,
    "audit": _audit,
    "history": _history,
    "scorecard": _scorecard,
}


def run(args: argparse.Namespace, server: str, *, transport: httpx.BaseTransport | None = None) -> int:
    """Answer ``args.command`` by asking ``server``; an exit code, as the command against a store."""
    runner = RUNNERS.get(str(args.command))
    if runner is None:
        print(
            f"catalog {args.command}: not available with --server yet; run it against the store "
            "(stop the server, or use Neo4j, which admits many processes)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # httpx logs every request at INFO; the answer is the output here.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return runner(args, server, transport)
    except RemoteError as exc:
        print(f"catalog {args.command}: {exc}", file=sys.stderr)
        return EXIT_SERVER
    except ValueError as exc:
        print(f"catalog {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE

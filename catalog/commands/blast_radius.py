"""``catalog blast-radius SERVICE``: what breaks if it goes down, who owns it, and who is on call."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from catalog.answers.blast_radius import (
    DEFAULT_DEPTH,
    DEFAULT_SERVICES_PER_TEAM,
    DEFAULT_TEAMS,
    BlastRadius,
    DepthRefused,
    UnknownCursor,
    blast_radius,
)
from catalog.answers.identify import MAX_IDENTIFIER_LENGTH
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table
from catalog.read import CatalogReader
from catalog.settings import Settings
from catalog.store.base import GraphStore


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "blast-radius",
        help="what breaks if a service goes down, by owning team, with who is on call",
        description=(
            "List every service that depends on SERVICE, directly or through other services and resources, within --depth "
            "steps, grouped by owning team with who is on call now for each, and how far away each service is. Exit status 1 "
            "when SERVICE names no service or several (the candidates are printed)."
        ),
    )
    parser.add_argument(
        "service", metavar="SERVICE", help="the service: a name, key, alias, repository URL, pod, PagerDuty service id or hostname"
    )
    parser.add_argument(
        "--depth", type=int, default=DEFAULT_DEPTH, help=f"dependency steps to follow (default {DEFAULT_DEPTH}; at most CATALOG_MAX_DEPTH)"
    )
    parser.add_argument(
        "--per-team",
        type=int,
        default=DEFAULT_SERVICES_PER_TEAM,
        metavar="N",
        help=f"services listed per team, nearest first; counts stay complete (default {DEFAULT_SERVICES_PER_TEAM})",
    )
    parser.add_argument(
        "--teams",
        type=int,
        default=DEFAULT_TEAMS,
        metavar="N",
        help=f"owners listed, nearest impact first, then most services; counts stay complete (default {DEFAULT_TEAMS})",
    )
    parser.add_argument("--after", metavar="OWNER", help="list the owners after this one (the key the previous page ends with)")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.set_defaults(answer=run)


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    if not args.service.strip() or len(args.service) > MAX_IDENTIFIER_LENGTH:
        print(f"catalog: SERVICE must be 1 to {MAX_IDENTIFIER_LENGTH} characters: a name, alias, repository or pod", file=sys.stderr)
        return EXIT_USAGE
    if args.per_team < 0:
        print(f"catalog: --per-team {args.per_team} is negative; give 0 (counts only) or more", file=sys.stderr)
        return EXIT_USAGE
    if args.teams < 0:
        print(f"catalog: --teams {args.teams} is negative; give 0 (counts only) or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        answer = await blast_radius(
            CatalogReader(store),
            args.service,
            args.depth,
            max_depth=_settings(args).max_depth,
            first=args.teams,
            after=args.after,
            services_per_team=args.per_team,
        )
    except DepthRefused as exc:
        print(f"catalog: --depth: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownCursor as exc:
        print(f"catalog: --{exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print_json(answer)
        return EXIT_OK if answer.service is not None else EXIT_NOT_FOUND
    if answer.service is None:
        _print_candidates(answer)
        return EXIT_NOT_FOUND
    _print(answer)
    return EXIT_OK


def _settings(args: argparse.Namespace) -> Settings:
    """The settings the ``catalog`` command resolved (flags over environment), if it passed them on."""
    given = getattr(args, "settings", None)
    return given if isinstance(given, Settings) else Settings()


def _print_candidates(answer: BlastRadius) -> None:
    print(answer.message)
    candidates = answer.matches or answer.nearest
    if candidates:
        print("ask again with one of these keys:" if answer.matches else "the closest services:")
        print_table(["service", "key", "why"], [(c.name, c.key, c.why) for c in candidates])


def _print(answer: BlastRadius) -> None:
    assert answer.service is not None
    owners = answer.total_teams
    print(
        f"if {answer.service.name} goes down: {answer.total_services} services within {answer.depth} steps, "
        f"{owners} owner{'s' if owners != 1 else ''}, {answer.unowned.count} unowned"
    )
    if answer.by_distance:
        print("by distance: " + ", ".join(f"{d.distance}: {d.count}" for d in answer.by_distance))
    print()
    print_table(["team", "on call", "service", "distance", "via"], _rows(answer), empty="nothing depends on it")
    if answer.has_more_teams and answer.teams:
        shown = len(answer.teams)
        print(f"\n{shown} of {answer.total_teams} owners shown; the next ones: --after {answer.teams[-1].key}")


def _rows(answer: BlastRadius) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for team in answer.teams:
        on_call = ", ".join(p.name or p.key for p in team.on_call) or ("nobody on call now" if team.policies else "no escalation policy")
        label = team.name if team.label == "Team" else f"{team.name} (person)"
        for service in team.services:
            rows.append((label, on_call, service.name, service.distance, service.via_name))
        if team.count > len(team.services):
            rows.append((label, on_call, f"... and {team.count - len(team.services)} more", "", ""))
    for service in answer.unowned.services:
        rows.append(("(no owner)", "", service.name, service.distance, service.via_name))
    if answer.unowned.count > len(answer.unowned.services):
        rows.append(("(no owner)", "", f"... and {answer.unowned.count - len(answer.unowned.services)} more", "", ""))
    return rows

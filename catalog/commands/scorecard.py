"""``catalog scorecard [TEAM]``: does a team build, run and support what it owns, on the standard platform?

With a team: its Build-Run scorecard, each dimension's verdict and reason, and the repositories or
services that do not pass (or are unknown), with why. Without one: every team's verdicts in a
table, the Platform Team and the scorecard findings. The text is rendered from ``CardView``, which
both the store's answer and the server's (``catalog.commands.remote``) fill, so they print alike.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

from catalog.answers.scorecard import CompanyScorecard, TeamNotFound, TeamScorecard, build_run, build_run_company
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, print_json, print_table
from catalog.read.reader import CatalogReader
from catalog.store.base import GraphStore

STATE_WORDS = {
    "named": "names the team",
    "others": "names others",
    "no-codeowners": "no CODEOWNERS",
    "unknown": "unknown",
    "standard": "standard",
    "other-platform": "other platform",
    "no-platform": "no known platform",
    "deployed-by-other": "deployed by another team",
    "supported": "supported",
    "handed-off": "handed off",
    "no-policy": "no escalation policy",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "scorecard",
        help="the Build-Run scorecard: does a team build, run and support what it owns, on the standard platform?",
        description=(
            "With TEAM: whether CODEOWNERS on its services' repositories names the team (build), its services run on the "
            "standard platform deployed by the team (run), and page escalation policies staffed by the team (support), each "
            "yes, partly (with the share), no, or unknown (with the missing input), and what does not pass. Without TEAM: "
            "every team's verdicts, the Platform Team and the scorecard findings."
        ),
    )
    parser.add_argument("team", nargs="?", help="a team name (payments), display name or reference (group:default/payments)")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.set_defaults(answer=run)


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    reader = CatalogReader(store)
    if args.team is None:
        company = await build_run_company(reader)
        if args.json:
            print_json(company)
        else:
            print_company(company)
        return EXIT_OK
    try:
        card = await build_run(reader, str(args.team))
    except TeamNotFound as exc:
        print(f"catalog scorecard: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        print_json(card)
    else:
        print_card(view_of(card))
    return EXIT_OK


# -- what is printed ------------------------------------------------------------------------------


@dataclass
class Item:
    name: str
    state: str
    detail: str


@dataclass
class DimensionView:
    name: str
    verdict: str
    share: float | None
    reason: str
    items: list[Item] = field(default_factory=list)
    """What does not pass, or is unknown."""


@dataclass
class CardView:
    team: str
    overall: str
    fully: bool
    services: int
    direct: int
    sub_teams: list[str]
    dimensions: list[DimensionView]
    platform: str | None
    findings: list[tuple[str, str, str, str]]
    """(severity, kind, message, fix)."""


def view_of(card: TeamScorecard) -> CardView:
    build = DimensionView("build", card.build.verdict.value, card.build.share, card.build.reason)
    for r in card.build.repositories:
        if r.state != "named":
            build.items.append(Item(r.repository.name, r.state, r.reason))
    for ref in card.build.without_repository:
        build.items.append(Item(ref.name, "unknown", "no repository is linked to it"))
    run = DimensionView("run", card.run.verdict.value, card.run.share, card.run.reason)
    for s in card.run.services:
        if s.state != "standard":
            run.items.append(Item(s.service.name, s.state, _where([p.name for p in s.platforms], [t.name for t in s.deployed_by])))
    support = DimensionView("support", card.support.verdict.value, card.support.share, card.support.reason)
    for paged in card.support.services:
        if paged.state != "supported":
            support.items.append(Item(paged.service.name, paged.state, paged.reason))
    role = card.platform_role
    platform = None
    if role is not None:
        platform = (
            f"Platform Team of {role.platform.name} (from {role.found_from}: {role.evidence}): owns it {role.owns.value}; "
            f"on-call {role.on_call.value} ({role.on_call_reason}); runs on it {role.runs_on_it.value}"
        )
    return CardView(
        team=f"{card.team.name} ({card.team.key})",
        overall=card.overall.value,
        fully=card.fully_build_run,
        services=len(card.services),
        direct=card.owns_directly,
        sub_teams=[t.name for t in card.sub_teams],
        dimensions=[build, run, support],
        platform=platform,
        findings=[(f.severity, f.kind, f.message, f.fix) for f in card.findings],
    )


def view_of_answer(data: dict[str, Any]) -> CardView:
    """The view of a ``buildRun`` answer from the server (``catalog.commands.remote.BUILD_RUN``)."""
    build, run, support = data["build"], data["run"], data["support"]
    dims = [
        DimensionView("build", build["verdict"].lower(), build["share"], build["reason"]),
        DimensionView("run", run["verdict"].lower(), run["share"], run["reason"]),
        DimensionView("support", support["verdict"].lower(), support["share"], support["reason"]),
    ]
    for r in build["repositories"]["nodes"]:
        if r["state"] != "NAMES_TEAM":
            dims[0].items.append(Item(r["repository"]["slug"] or "?", _STATE_OF_ENUM.get(r["state"], r["state"]), r["reason"]))
    for s in build["servicesWithoutRepository"]["nodes"]:
        dims[0].items.append(Item(s["name"], "unknown", "no repository is linked to it"))
    for s in run["services"]["nodes"]:
        if s["state"] != "STANDARD":
            detail = _where([p["name"] for p in s["platforms"]], [t["name"] for t in s["deployedBy"]])
            dims[1].items.append(Item(s["service"]["name"], s["state"].lower().replace("_", "-"), detail))
    for s in support["services"]["nodes"]:
        if s["state"] != "SUPPORTED":
            dims[2].items.append(Item(s["service"]["name"], s["state"].lower().replace("_", "-"), s["reason"]))
    role = data["platformRole"]
    platform = None
    if role is not None:
        platform = (
            f"Platform Team of {role['platform']['name']} (from {role['foundFrom'].lower()}: {role['evidence']}): owns it "
            f"{role['owns'].lower()}; on-call {role['onCall'].lower()} ({role['onCallReason']}); runs on it {role['runsOnIt'].lower()}"
        )
    team = data["team"]
    return CardView(
        team=f"{team['displayName'] or team['name']} ({team['ref']})",
        overall=data["overall"].lower(),
        fully=data["isFullyBuildRun"],
        services=data["serviceCount"],
        direct=data["ownedDirectlyCount"],
        sub_teams=[t["displayName"] or t["name"] for t in data["subTeams"]],
        dimensions=dims,
        platform=platform,
        findings=[(f["severity"].lower(), f["kind"], f["message"], f["fix"]) for f in data["findings"]],
    )


_STATE_OF_ENUM = {"NAMES_OTHERS": "others", "NO_CODEOWNERS": "no-codeowners", "UNKNOWN": "unknown"}


def _where(platforms: list[str], deployed_by: list[str]) -> str:
    if not platforms:
        return "no runs-on fact and no workload says where it runs"
    return f"on {', '.join(platforms)}" + (f"; its workloads are labelled {', '.join(deployed_by)}" if deployed_by else "")


def _verdict(verdict: str, share: float | None) -> str:
    if verdict == "partly" and share is not None:
        return f"PARTLY {share:.0%}"
    return verdict.upper()


def print_card(view: CardView) -> None:
    headline = "fully Build-Run" if view.fully else f"overall {view.overall.upper()}"
    print(f"{view.team}: {headline}")
    subs = f"; sub-teams: {', '.join(view.sub_teams)}" if view.sub_teams else ""
    print(f"{view.services} services ({view.direct} owned directly){subs}")
    print()
    print_table(["dimension", "verdict", "why"], [(d.name, _verdict(d.verdict, d.share), d.reason) for d in view.dimensions])
    for d in view.dimensions:
        if d.items:
            print(f"\n{d.name}: not passing or unknown")
            print_table(["", "state", "why"], [(i.name, STATE_WORDS.get(i.state, i.state), i.detail) for i in d.items])
    if view.platform:
        print(f"\n{view.platform}")
    if view.findings:
        print("\nfindings:")
        for severity, kind, message, fix in view.findings:
            print(f"  {severity.upper()} {kind}: {message}\n    fix: {fix}")


def print_company(company: CompanyScorecard) -> None:
    standard = ", ".join(p.name for p in company.standard_platforms) or "none marked standard"
    print(f"standard platform: {standard}")
    for pt in company.platform_teams:
        who = f"{pt.team.name} (from {pt.found_from}: {pt.evidence})" if pt.team else "nobody (no owner)"
        print(f"Platform Team of {pt.platform.name}: {who}")
    with_services = [c for c in company.teams if c.services]
    fully = sum(1 for c in with_services if c.fully_build_run)
    print(f"{fully} of {len(with_services)} teams with services are fully Build-Run")
    print()
    print_table(
        ["team", "services", "build", "run", "support", "overall"],
        [
            (
                c.team.name,
                len(c.services),
                _verdict(c.build.verdict.value, c.build.share),
                _verdict(c.run.verdict.value, c.run.share),
                _verdict(c.support.verdict.value, c.support.share),
                c.overall.value.upper(),
            )
            for c in company.teams
        ],
    )
    if company.findings:
        print("\nfindings:")
        for f in company.findings:
            print(f"  {f.severity.upper()} {f.kind}: {f.message}\n    fix: {f.fix}")


__all__ = ["CardView", "DimensionView", "Item", "print_card", "print_company", "register", "run", "view_of", "view_of_answer"]

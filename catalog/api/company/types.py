"""The Build-Run company view as GraphQL types (see ``catalog.answers.build_run_company``)."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import strawberry

from catalog.answers import build_run_company as brc
from catalog.answers.scorecard import PlatformTeam, Ref, Verdict
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.errors import BadArgument
from catalog.api.limits import checked_first
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor
from catalog.api.platforms.types import Platform, platform_object
from catalog.api.scorecard.types import BuildRunScorecard, BuildRunVerdict, PlatformTeamSource, ScorecardFinding, team_object
from catalog.api.systems.types import Domain
from catalog.api.teams.types import Team
from catalog.read import GraphNode
from catalog.read import Provenance as ProvenanceRow


async def domain_object(info: Info, ref: Ref) -> Domain:
    row = await info.context.loaders.node_with_retired("Domain").load(ref.key)
    if row is None:
        row = GraphNode("Domain", ref.key, MappingProxyType({"name": ref.name}), ProvenanceRow(None, None, None, None, None))
    return Domain(row=row)


@strawberry.type(description="How many teams got each verdict in one dimension.")
class BuildRunVerdictCounts:
    yes: int = strawberry.field(description="Teams whose verdict is YES.")
    partly: int = strawberry.field(description="Teams whose verdict is PARTLY.")
    no: int = strawberry.field(description="Teams whose verdict is NO.")
    unknown: int = strawberry.field(description="Teams whose verdict is UNKNOWN (an input is missing).")


def _counts(values: dict[Verdict, int]) -> BuildRunVerdictCounts:
    return BuildRunVerdictCounts(
        yes=values[Verdict.YES], partly=values[Verdict.PARTLY], no=values[Verdict.NO], unknown=values[Verdict.UNKNOWN]
    )


@strawberry.type(description="Teams that own services themselves, by verdict: how many are fully Build-Run.")
class BuildRunTally:
    row: strawberry.Private[brc.Tally]

    @strawberry.field(description="Teams counted: those that own services themselves (not only through sub-teams).")
    def teams(self) -> int:
        return self.row.teams

    @strawberry.field(description="Teams fully Build-Run: build, run and support all YES.")
    def fully_build_run(self) -> int:
        return self.row.fully

    @strawberry.field(description="Teams by overall verdict.")
    def overall(self) -> BuildRunVerdictCounts:
        return _counts(self.row.verdicts)

    @strawberry.field(description="Share of the teams fully Build-Run, from 0 to 1; null for no teams.")
    def share(self) -> float | None:
        return self.row.share

    @strawberry.field(description="Share fully Build-Run among the teams whose overall verdict is known (UNKNOWN left out).")
    def known_share(self) -> float | None:
        return self.row.known_share

    @strawberry.field(description="Teams by Build verdict.")
    def build(self) -> BuildRunVerdictCounts:
        return _counts(self.row.dimensions["build"])

    @strawberry.field(description="Teams by Run verdict.")
    def run(self) -> BuildRunVerdictCounts:
        return _counts(self.row.dimensions["run"])

    @strawberry.field(description="Teams by Support verdict.")
    def support(self) -> BuildRunVerdictCounts:
        return _counts(self.row.dimensions["support"])


@strawberry.type(description="The teams of one top-level org unit or domain, and how many are fully Build-Run.")
class BuildRunGroup:
    row: strawberry.Private[brc.Group]

    @strawberry.field(description="The org unit's team key or the domain's key; null for the teams outside any.")
    def key(self) -> str | None:
        return self.row.key

    @strawberry.field(description="Its name; `(no org unit)` or `(no domain)` for the teams outside any.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Its teams by verdict.")
    def tally(self) -> BuildRunTally:
        return BuildRunTally(row=self.row.tally)


@strawberry.type(description="One team in the company view: where it sits, and its scorecard.")
class BuildRunCompanyTeam:
    row: strawberry.Private[brc.CompanyTeam]

    @strawberry.field(description="The team.")
    async def team(self, info: Info) -> Team:
        return await team_object(info, self.row.card.team)

    @strawberry.field(description="Its overall verdict: YES when it is fully Build-Run.")
    def overall(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.card.overall.value)

    @strawberry.field(description="Its top-level org unit; null when it has none.")
    async def org_unit(self, info: Info) -> Team | None:
        return None if self.row.org_unit is None else await team_object(info, self.row.org_unit)

    @strawberry.field(description="The top-level domains of its services.")
    async def domains(self, info: Info) -> list[Domain]:
        return [await domain_object(info, d) for d in self.row.domains]

    @strawberry.field(description="Its scorecard, with the evidence of each verdict.")
    def scorecard(self) -> BuildRunScorecard:
        return BuildRunScorecard(row=self.row.card)


@strawberry.type(description="The Platform Team of one standard platform, and where the catalog learnt it.")
class BuildRunPlatformTeam:
    row: strawberry.Private[PlatformTeam]

    @strawberry.field(description="The standard platform.")
    async def platform(self, info: Info) -> Platform:
        return await platform_object(info, self.row.platform.key, self.row.platform.name)

    @strawberry.field(description="The team that owns it; null when nobody does.")
    async def team(self, info: Info) -> Team | None:
        return None if self.row.team is None else await team_object(info, self.row.team)

    @strawberry.field(description="Configuration or the platform's owner; null when nobody owns it.")
    def found_from(self) -> PlatformTeamSource | None:
        return None if self.row.found_from is None else PlatformTeamSource(self.row.found_from)

    @strawberry.field(description="The fact it rests on.")
    def evidence(self) -> str:
        return self.row.evidence


@strawberry.type(description="The Build-Run company view: how many teams are fully Build-Run, by org unit and domain.")
class BuildRunCompany:
    row: strawberry.Private[brc.CompanyReport]

    @strawberry.field(description="The instant it was computed for.")
    def computed_at(self) -> datetime | None:
        return as_time(self.row.computed_at)

    @strawberry.field(description="Every team the org unit and domain filters keep, by verdict.")
    def company(self) -> BuildRunTally:
        return BuildRunTally(row=self.row.company)

    @strawberry.field(description="By top-level org unit, by name; the teams outside any last.")
    def by_org_unit(self) -> list[BuildRunGroup]:
        return [BuildRunGroup(row=g) for g in self.row.by_org_unit]

    @strawberry.field(description="By top-level domain of the teams' services (a team in two domains counts in each), by name.")
    def by_domain(self) -> list[BuildRunGroup]:
        return [BuildRunGroup(row=g) for g in self.row.by_domain]

    @strawberry.field(description="The teams every filter keeps, by name, one page at a time.")
    def teams(self, info: Info, first: First = 50, after: After = None) -> Connection[BuildRunCompanyTeam]:
        checked_first(first, info.context.settings)
        return _teams_page(self.row, first, after)

    @strawberry.field(description="The platforms marked standard.")
    async def standard_platforms(self, info: Info) -> list[Platform]:
        return [await platform_object(info, p.key, p.name) for p in self.row.scorecard.standard_platforms]

    @strawberry.field(description="Who the Platform Team of each standard platform is.")
    def platform_teams(self) -> list[BuildRunPlatformTeam]:
        return [BuildRunPlatformTeam(row=p) for p in self.row.scorecard.platform_teams]

    @strawberry.field(description="Problems with the standard platform: none, several, no owner, no on-call.")
    def findings(self) -> list[ScorecardFinding]:
        return [ScorecardFinding(row=f) for f in self.row.scorecard.findings]


def _teams_page(report: brc.CompanyReport, first: int, after: str | None) -> Connection[BuildRunCompanyTeam]:
    key = decode_cursor(after)
    try:
        rows, has_next = brc.page_teams(report, first, key)
    except brc.CompanyArgumentError as exc:
        raise BadArgument(str(exc)) from exc

    async def count() -> int:
        return len(report.teams)

    return build_connection(
        [BuildRunCompanyTeam(row=r) for r in rows], [r.cursor for r in rows], has_next=has_next, after=key, counter=count
    )


@strawberry.type(description="The Build-Run counts after one sync.")
class BuildRunPoint:
    row: strawberry.Private[brc.BuildRunPoint]

    @strawberry.field(description="When the sync that counted it finished.")
    def taken_at(self) -> datetime | None:
        return as_time(self.row.taken_at)

    @strawberry.field(description="The teams then, by verdict.")
    def tally(self) -> BuildRunTally:
        return BuildRunTally(row=self.row.tally)

    @strawberry.field(description="Share of the teams fully Build-Run then; null for no teams.")
    def share(self) -> float | None:
        return self.row.tally.share

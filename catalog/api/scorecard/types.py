"""The Build-Run scorecard as GraphQL types: verdicts as enums, evidence as the nodes it names."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Annotated

import strawberry

from catalog.answers import scorecard as sc
from catalog.api.audits.types import Severity
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.identification import service_object
from catalog.api.oncall.nodes import EscalationPolicy, policy_object
from catalog.api.owners import OwnerKey, owner_object, person_object
from catalog.api.pagination import After, Connection, Edge, First, rows_connection
from catalog.api.platforms.types import Platform, Repository, Workload, platform_object
from catalog.api.services.types import Service
from catalog.api.teams.types import Owner, Person, Team
from catalog.read import GraphNode
from catalog.read import Provenance as ProvenanceRow


@strawberry.enum(description="A Build-Run verdict. A missing input makes a dimension UNKNOWN (with its reason), never NO.")
class BuildRunVerdict(Enum):
    YES = strawberry.enum_value("yes", description="Everything that counts passes.")
    PARTLY = strawberry.enum_value("partly", description="Some of it passes: `share` says how much.")
    NO = strawberry.enum_value("no", description="Nothing that counts passes.")
    UNKNOWN = strawberry.enum_value("unknown", description="Nothing counts: an input is missing; `reason` says which.")


@strawberry.enum(description="What CODEOWNERS says about a repository the team's services are built from.")
class CodeownersState(Enum):
    NAMES_TEAM = strawberry.enum_value("named", description="CODEOWNERS names the team, a sub-team or one of their members.")
    NAMES_OTHERS = strawberry.enum_value("others", description="CODEOWNERS names only owners outside the team.")
    NO_CODEOWNERS = strawberry.enum_value("no-codeowners", description="GitHub read the repository; it has no CODEOWNERS file.")
    UNKNOWN = strawberry.enum_value("unknown", description="The catalog has not read its CODEOWNERS; it does not count.")


@strawberry.enum(description="Where a service runs, and who deploys it.")
class ServiceRunState(Enum):
    STANDARD = strawberry.enum_value("standard", description="On the standard platform, deployed by the team.")
    OTHER_PLATFORM = strawberry.enum_value("other-platform", description="Only on platforms other than the standard one.")
    NO_PLATFORM = strawberry.enum_value("no-platform", description="No source says where it runs; it does not count.")
    DEPLOYED_BY_OTHER = strawberry.enum_value(
        "deployed-by-other", description="On the standard platform, but workload labels name another team as its owner."
    )


@strawberry.enum(description="Who answers a service's pages.")
class ServiceSupportState(Enum):
    SUPPORTED = strawberry.enum_value("supported", description="Level 1 and the on-call now include the team's own people.")
    HANDED_OFF = strawberry.enum_value("handed-off", description="Level 1, or the on-call now, is staffed by another team only.")
    NO_POLICY = strawberry.enum_value("no-policy", description="It pages no escalation policy, neither its own nor its team's.")
    UNKNOWN = strawberry.enum_value("unknown", description="Its policy's levels, or their people, are unknown; it does not count.")


@strawberry.enum(description="Where the catalog learnt who the Platform Team is.")
class PlatformTeamSource(Enum):
    CONFIGURATION = strawberry.enum_value("configuration", description="catalog.yaml `platforms[].owner`.")
    OWNER = strawberry.enum_value("owner", description="The standard platform's resolved owner.")


def _stub(label: str, key: str, name: str) -> GraphNode:
    return GraphNode(label, key, MappingProxyType({"name": name}), ProvenanceRow(None, None, None, None, None))


async def team_object(info: Info, ref: sc.Ref) -> Team:
    found = await owner_object(info, OwnerKey("Team", ref.key, ref.name))
    return found if isinstance(found, Team) else Team(row=_stub("Team", ref.key, ref.name))


async def _owner(info: Info, ref: sc.Ref) -> Team | Person:
    label = "Team" if ref.key.startswith("group:") else "Person"
    return await owner_object(info, OwnerKey(label, ref.key, ref.name))


async def repository_object(info: Info, ref: sc.Ref) -> Repository:
    row = await info.context.loaders.node_with_retired("Repository").load(ref.key)
    return Repository(row=row or _stub("Repository", ref.key, ref.name))


_Share = strawberry.field(description="Passing / counted, from 0 to 1; null when nothing counts (UNKNOWN).")
_Reason = strawberry.field(description="Why this verdict, in a line; for UNKNOWN, which input is missing.")


@strawberry.type(description="A repository the team's services are built from, and what its CODEOWNERS says.")
class RepositoryCodeowners:
    row: strawberry.Private[sc.RepositoryEvidence]

    @strawberry.field(description="The repository.")
    async def repository(self, info: Info) -> Repository:
        return await repository_object(info, self.row.repository)

    @strawberry.field(description="The team's services built from it.")
    async def services(self, info: Info) -> list[Service]:
        return [await service_object(info, s.key, s.name) for s in self.row.services]

    @strawberry.field(description="What CODEOWNERS says.")
    def state(self) -> CodeownersState:
        return CodeownersState(self.row.state)

    @strawberry.field(description="Owners CODEOWNERS names that are the team, a sub-team or one of their members.")
    async def named_owners(self, info: Info) -> list[Owner]:
        return [await _owner(info, r) for r in self.row.named]

    @strawberry.field(description="Owners CODEOWNERS names from outside the team.")
    async def other_owners(self, info: Info) -> list[Owner]:
        return [await _owner(info, r) for r in self.row.others]

    @strawberry.field(description="The CODEOWNERS lines that name the team's owners, as the GitHub source recorded them.")
    def evidence(self) -> list[str]:
        return list(self.row.evidence)

    @strawberry.field(
        description="Percent of the repository's files CODEOWNERS gives any owner (the catalog does not know each owner's own "
        "share); null when unknown."
    )
    def owned_share(self) -> int | None:
        return self.row.owned_share

    @strawberry.field(description="Owners of the catch-all rule, as written (`@org/team`, `@user`).")
    def catch_all_owners(self) -> list[str]:
        return list(self.row.catch_all)

    @strawberry.field(description="Where CODEOWNERS is: `.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS`.")
    def codeowners_path(self) -> str | None:
        return self.row.codeowners_path

    @strawberry.field(description="Why this state, in a line.")
    def reason(self) -> str:
        return self.row.reason


@strawberry.type(description="Build: does CODEOWNERS on the repositories of the team's services name the team or its members?")
class BuildDimension:
    row: strawberry.Private[sc.Build]

    @strawberry.field(description="The verdict over the repositories whose CODEOWNERS is known.")
    def verdict(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.verdict.value)

    share: float | None = _Share
    passing: int = strawberry.field(description="Repositories whose CODEOWNERS names the team.")
    counted: int = strawberry.field(description="Repositories whose CODEOWNERS is known (unknown ones do not count).")
    reason: str = _Reason

    @strawberry.field(description="Each repository with its evidence, by slug.")
    def repositories(self, info: Info, first: First = 50, after: After = None) -> Connection[RepositoryCodeowners]:
        rows = self.row.repositories
        return rows_connection(info, rows, lambda r: RepositoryCodeowners(row=r), lambda r: r.repository.name, first, after)

    @strawberry.field(description="The team's services no repository is linked to (they do not count).")
    async def services_without_repository(self, info: Info, first: First = 50, after: After = None) -> Connection[Service]:
        page = rows_connection(info, self.row.without_repository, lambda r: r, lambda r: r.key, first, after)
        edges = [Edge(key=e.key, node=await service_object(info, e.node.key, e.node.name)) for e in page.edges]
        return Connection(edges=edges, page_info=page.page_info, counter=page.counter)


@strawberry.type(description="Where one of the team's services runs, and the facts that say so.")
class ServiceRun:
    row: strawberry.Private[sc.ServiceRun]

    @strawberry.field(description="The service.")
    async def service(self, info: Info) -> Service:
        return await service_object(info, self.row.service.key, self.row.service.name)

    @strawberry.field(description="Where it runs, and who deploys it.")
    def state(self) -> ServiceRunState:
        return ServiceRunState(self.row.state)

    @strawberry.field(description="The platforms it runs on (runs-on facts and its workloads' clusters).")
    async def platforms(self, info: Info) -> list[Platform]:
        return [await platform_object(info, p.key, p.name) for p in self.row.platforms]

    @strawberry.field(description="True when one of its platforms is the standard one.")
    def is_on_standard(self) -> bool:
        return self.row.on_standard

    @strawberry.field(description="The runs-on facts: `source: evidence` (an annotation, a cluster and namespace).")
    def evidence(self) -> list[str]:
        return list(self.row.evidence)

    @strawberry.field(description="The workloads that run it.")
    async def workloads(self, info: Info) -> list[Workload]:
        out: list[Workload] = []
        for w in self.row.workloads:
            row = await info.context.loaders.node_with_retired("Workload").load(w.key)
            out.append(Workload(row=row or _stub("Workload", w.key, w.name or w.key)))
        return out

    @strawberry.field(description="Teams outside this one that its workloads' labels name as their owner.")
    async def deployed_by(self, info: Info) -> list[Team]:
        return [await team_object(info, t) for t in self.row.deployed_by]


@strawberry.type(description="Run: do the team's services run on the standard platform, deployed by the team?")
class RunDimension:
    row: strawberry.Private[sc.Run]

    @strawberry.field(description="The verdict over the services whose platform is known.")
    def verdict(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.verdict.value)

    share: float | None = _Share
    passing: int = strawberry.field(description="Services on the standard platform, deployed by the team.")
    counted: int = strawberry.field(description="Services whose platform is known.")
    reason: str = _Reason

    @strawberry.field(description="Each service with its evidence, by key; `state` keeps only those in that state.")
    def services(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        state: Annotated[ServiceRunState | None, strawberry.argument(description="Only services in this state.")] = None,
    ) -> Connection[ServiceRun]:
        rows = [r for r in self.row.services if state is None or ServiceRunState(r.state) is state]
        return rows_connection(info, rows, lambda r: ServiceRun(row=r), lambda r: r.service.key, first, after)


@strawberry.type(description="Who answers one of the team's services' pages.")
class ServiceSupport:
    row: strawberry.Private[sc.ServiceSupport]

    @strawberry.field(description="The service.")
    async def service(self, info: Info) -> Service:
        return await service_object(info, self.row.service.key, self.row.service.name)

    @strawberry.field(description="Who answers its pages.")
    def state(self) -> ServiceSupportState:
        return ServiceSupportState(self.row.state)

    @strawberry.field(description="The escalation policies it pages.")
    async def policies(self, info: Info) -> list[EscalationPolicy]:
        return [await policy_object(info, p.key, p.name) for p in self.row.policies]

    @strawberry.field(description="True when it has no policy of its own and pages its owner team's.")
    def is_team_policy(self) -> bool:
        return self.row.team_policy

    @strawberry.field(description="Level 1's responders: people it targets, people in its schedules' rotations, on call there now.")
    async def first_level(self, info: Info) -> list[Person]:
        return [await person_object(info, p.key, p.name) for p in self.row.first_level]

    @strawberry.field(description="Who is on call now, at the first level with someone on call.")
    async def on_call_now(self, info: Info) -> list[Person]:
        return [await person_object(info, p.key, p.name) for p in self.row.on_call_now]

    @strawberry.field(description="For a hand-off: the teams the responders belong to, most of them first.")
    async def handed_off_to(self, info: Info) -> list[Team]:
        return [await team_object(info, t) for t in self.row.handed_to]

    @strawberry.field(description="Why this state, in a line.")
    def reason(self) -> str:
        return self.row.reason


@strawberry.type(description="Support: do the team's services page escalation policies staffed by the team and its sub-teams?")
class SupportDimension:
    row: strawberry.Private[sc.Support]

    @strawberry.field(description="The verdict over the services whose on-call is known.")
    def verdict(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.verdict.value)

    share: float | None = _Share
    passing: int = strawberry.field(description="Services whose level 1 and on-call now include the team's people.")
    counted: int = strawberry.field(description="Services whose on-call is known.")
    reason: str = _Reason

    @strawberry.field(description="Each service with its evidence, by key; `state` keeps only those in that state.")
    def services(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        state: Annotated[ServiceSupportState | None, strawberry.argument(description="Only services in this state.")] = None,
    ) -> Connection[ServiceSupport]:
        rows = [r for r in self.row.services if state is None or ServiceSupportState(r.state) is state]
        return rows_connection(info, rows, lambda r: ServiceSupport(row=r), lambda r: r.service.key, first, after)


@strawberry.type(description="What the Platform Team owes the standard platform.")
class PlatformTeamRole:
    row: strawberry.Private[sc.PlatformRole]

    @strawberry.field(description="The standard platform it is the Platform Team of.")
    async def platform(self, info: Info) -> Platform:
        return await platform_object(info, self.row.platform.key, self.row.platform.name)

    @strawberry.field(description="Where the catalog learnt that it is the Platform Team.")
    def found_from(self) -> PlatformTeamSource:
        return PlatformTeamSource(self.row.found_from)

    @strawberry.field(description="The fact it rests on, e.g. `catalog.yaml platforms[0].owner`.")
    def evidence(self) -> str:
        return self.row.evidence

    @strawberry.field(description="YES when it owns the platform (configured, or the platform's resolved owner).")
    def owns(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.owns.value)

    @strawberry.field(description="YES when an escalation policy of the team or its services has a team member at level 1.")
    def on_call(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.on_call.value)

    @strawberry.field(description="Why `onCall` is what it is.")
    def on_call_reason(self) -> str:
        return self.row.on_call_reason

    @strawberry.field(description="The policies that staff its on-call (or, when none does, those it has).")
    async def on_call_policies(self, info: Info) -> list[EscalationPolicy]:
        return [await policy_object(info, p.key, p.name) for p in self.row.on_call_policies]

    @strawberry.field(description="Whether it runs on what it builds: its own Run verdict.")
    def runs_on_it(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.runs_on_it.value)


@strawberry.type(description="A problem the scorecard found with the standard platform: none, several, no owner, no on-call.")
class ScorecardFinding:
    row: strawberry.Private[sc.ScorecardFinding]

    @strawberry.field(
        description="`no-standard-platform`, `several-standard-platforms`, `platform-without-owner` or `platform-without-on-call`."
    )
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="How much it matters.")
    def severity(self) -> Severity:
        return Severity(self.row.severity)

    @strawberry.field(description="The platform it is about; null when it is about the company.")
    async def platform(self, info: Info) -> Platform | None:
        subject = self.row.subject
        return None if subject is None else await platform_object(info, subject.key, subject.name)

    @strawberry.field(description="What is wrong.")
    def message(self) -> str:
        return self.row.message

    @strawberry.field(description="What to do about it.")
    def fix(self) -> str:
        return self.row.fix


@strawberry.type(
    description="Does the team build, run and support what it owns, on the one standard platform? Covers the services the "
    "team and its sub-teams own; each dimension comes with its evidence."
)
class BuildRunScorecard:
    row: strawberry.Private[sc.TeamScorecard]

    @strawberry.field(description="The team.")
    async def team(self, info: Info) -> Team:
        return await team_object(info, self.row.team)

    @strawberry.field(description="Its sub-teams at any depth, whose services and members count as its own.")
    async def sub_teams(self, info: Info) -> list[Team]:
        return [await team_object(info, t) for t in self.row.sub_teams]

    @strawberry.field(description="Services the team and its sub-teams own.")
    def service_count(self) -> int:
        return len(self.row.services)

    @strawberry.field(description="Of them, those the team owns itself, not through a sub-team.")
    def owned_directly_count(self) -> int:
        return self.row.owns_directly

    @strawberry.field(description="YES when all three are YES; NO when every known one is NO; UNKNOWN when the known ones are YES.")
    def overall(self) -> BuildRunVerdict:
        return BuildRunVerdict(self.row.overall.value)

    @strawberry.field(description="True when build, run and support are all YES.")
    def is_fully_build_run(self) -> bool:
        return self.row.fully_build_run

    @strawberry.field(description="Build: CODEOWNERS on its services' repositories.")
    def build(self) -> BuildDimension:
        b = self.row.build
        return BuildDimension(row=b, share=b.share, passing=b.passing, counted=b.counted, reason=b.reason)

    @strawberry.field(description="Run: its services on the standard platform, deployed by the team.")
    def run(self) -> RunDimension:
        r = self.row.run
        return RunDimension(row=r, share=r.share, passing=r.passing, counted=r.counted, reason=r.reason)

    @strawberry.field(description="Support: its services paging the team's own people.")
    def support(self) -> SupportDimension:
        s = self.row.support
        return SupportDimension(row=s, share=s.share, passing=s.passing, counted=s.counted, reason=s.reason)

    @strawberry.field(description="When the team is a Platform Team: what it owes the standard platform; null otherwise.")
    def platform_role(self) -> PlatformTeamRole | None:
        return None if self.row.platform_role is None else PlatformTeamRole(row=self.row.platform_role)

    @strawberry.field(description="Problems with the standard platform that bear on this scorecard.")
    def findings(self) -> list[ScorecardFinding]:
        return [ScorecardFinding(row=f) for f in self.row.findings]

    @strawberry.field(description="The instant the scorecard was computed for (who is on call now).")
    def computed_at(self) -> datetime | None:
        return as_time(self.row.computed_at)

"""The Build-Run scorecard: does each team build, run and support what it owns, on the one standard platform?

A team's scorecard covers the services the team and its sub-teams own (resolved owners), and
answers three questions, each with its evidence:

- **Build**: for each repository its services are built from (``BUILT_FROM``), does CODEOWNERS
  name the team, a sub-team or one of their members? The catalog knows which owners CODEOWNERS
  makes the owner of at least one file (the GitHub importer's ``declared`` ``OWNS`` edges), and
  the share of the repository's files that CODEOWNERS gives *any* owner (``owned_share``); it
  does not know each owner's own share of the files, so a repository counts when CODEOWNERS
  names the team at all, and its ``owned_share`` and catch-all owners are shown beside it.
  A repository GitHub has not read, or whose CODEOWNERS was not read, is unknown, not a no.
- **Run**: does each service run on the standard platform (``RUNS_ON``), and do the deployments
  belong to the team? A workload of the service whose owner label names a team outside the
  team's tree is deployed by that team. Services on another platform, or on none known, are listed;
  services on none known do not count either way.
- **Support**: does each service page an escalation policy (its own, or its owner team's as the
  fallback) whose responders are members of the team or its sub-teams? Level 1's responders are
  the people it targets directly, the people in the rotations of the schedules it targets, and
  whoever is on call at level 1 now. A service whose level 1, or whose on-call now (at the first
  level with someone on call), has nobody from the team is **handed off**, naming the teams the
  responders belong to. A policy whose levels are unknown makes the service unknown.

Each dimension is ``yes`` (every service or repository that counts passes), ``partly`` (with the
share that passes), ``no`` (none passes) or ``unknown`` (nothing counts: the reason says which
input is missing). A team is fully Build-Run when all three are ``yes``.

The **Platform Team** is the owner of the standard platform: the team catalog.yaml names
(``platforms[].owner``), else the platform's resolved owner. Its scorecard adds whether it owns
the platform, whether it staffs an on-call (an escalation policy of its own or of its services
with a member of the team at level 1), and whether it runs on what it builds (its Run).
Scorecard findings say when there is no standard platform, several, or one without an owner or
without an on-call.

Scoring is pure over ``ScorecardFacts`` (``score_team``, ``score_company``): the company view
reads once and scores every team in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from catalog.core.clock import now_iso
from catalog.read.reader import CatalogReader
from catalog.read.scorecard import CONFIG_SOURCE, ClaimRow, RepositoryRow, ScorecardFacts, find_team

HIERARCHY_LIMIT = 32
"""Most levels below a team its scorecard rolls up; real hierarchies are far shallower."""


class Verdict(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    UNKNOWN = "unknown"


class TeamNotFound(LookupError):
    """No current team has that key or name."""


@dataclass(frozen=True)
class Ref:
    """A node the evidence names: its key and a name to show."""

    key: str
    name: str


RepositoryState = Literal["named", "others", "no-codeowners", "unknown"]
RunState = Literal["standard", "other-platform", "no-platform", "deployed-by-other"]
SupportState = Literal["supported", "handed-off", "no-policy", "unknown"]


@dataclass(frozen=True)
class RepositoryEvidence:
    repository: Ref
    services: tuple[Ref, ...]
    state: RepositoryState
    named: tuple[Ref, ...]
    """Owners CODEOWNERS names that are the team, a sub-team or a member (``declared`` evidence)."""
    others: tuple[Ref, ...]
    """Owners CODEOWNERS names from outside the team."""
    evidence: tuple[str, ...]
    """The CODEOWNERS lines that name the team's owners, as the GitHub importer recorded them."""
    owned_share: int | None
    """Percent of the repository's files CODEOWNERS gives any owner; None when unknown."""
    catch_all: tuple[str, ...]
    """Owners of the catch-all rule, as written."""
    codeowners_path: str | None
    reason: str


@dataclass(frozen=True)
class WorkloadEvidence:
    key: str
    cluster: str | None
    namespace: str | None
    name: str | None
    platforms: tuple[Ref, ...]
    owner_teams: tuple[Ref, ...]


@dataclass(frozen=True)
class ServiceRun:
    service: Ref
    state: RunState
    platforms: tuple[Ref, ...]
    on_standard: bool
    evidence: tuple[str, ...]
    """The RUNS_ON facts: ``source: evidence``."""
    workloads: tuple[WorkloadEvidence, ...]
    deployed_by: tuple[Ref, ...]
    """Teams outside this one that workload labels name as owner."""


@dataclass(frozen=True)
class ServiceSupport:
    service: Ref
    state: SupportState
    policies: tuple[Ref, ...]
    team_policy: bool
    """True when the service has no policy of its own and pages its owner team's."""
    first_level: tuple[Ref, ...]
    """Level 1's responders (direct targets, schedule rotations, on call at level 1 now)."""
    on_call_now: tuple[Ref, ...]
    """Who is on call now at the first level with someone on call."""
    handed_to: tuple[Ref, ...]
    """For a hand-off: the teams the responders belong to (none known: empty)."""
    reason: str


@dataclass(frozen=True)
class Dimension:
    verdict: Verdict
    share: float | None
    """Passing / counted; None when nothing counted."""
    passing: int
    counted: int
    reason: str
    """One line: why this verdict (for ``unknown``: which input is missing)."""


@dataclass(frozen=True)
class Build(Dimension):
    repositories: tuple[RepositoryEvidence, ...] = ()
    without_repository: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Run(Dimension):
    services: tuple[ServiceRun, ...] = ()

    @property
    def elsewhere(self) -> tuple[ServiceRun, ...]:
        """Services that run on another platform only, or on none known."""
        return tuple(s for s in self.services if s.state in ("other-platform", "no-platform"))


@dataclass(frozen=True)
class Support(Dimension):
    services: tuple[ServiceSupport, ...] = ()

    @property
    def handed_off(self) -> tuple[ServiceSupport, ...]:
        return tuple(s for s in self.services if s.state == "handed-off")


@dataclass(frozen=True)
class ScorecardFinding:
    kind: str
    """``no-standard-platform``, ``several-standard-platforms``, ``platform-without-owner``, ``platform-without-on-call``."""
    severity: Literal["error", "warning", "info"]
    subject: Ref | None
    message: str
    fix: str


@dataclass(frozen=True)
class PlatformRole:
    """What a Platform Team owes its platform."""

    platform: Ref
    found_from: Literal["configuration", "owner"]
    evidence: str
    owns: Verdict
    on_call: Verdict
    on_call_reason: str
    on_call_policies: tuple[Ref, ...]
    runs_on_it: Verdict
    """Its own Run verdict: whether it runs on what it builds."""


@dataclass(frozen=True)
class TeamScorecard:
    team: Ref
    sub_teams: tuple[Ref, ...]
    services: tuple[Ref, ...]
    """Services the team and its sub-teams own."""
    owns_directly: int
    """Of them, how many the team owns itself (not through a sub-team)."""
    build: Build
    run: Run
    support: Support
    overall: Verdict
    platform_role: PlatformRole | None
    findings: tuple[ScorecardFinding, ...]
    computed_at: str

    @property
    def fully_build_run(self) -> bool:
        return self.overall is Verdict.YES


@dataclass(frozen=True)
class PlatformTeam:
    platform: Ref
    team: Ref | None
    found_from: Literal["configuration", "owner"] | None
    evidence: str


@dataclass(frozen=True)
class CompanyScorecard:
    teams: tuple[TeamScorecard, ...]
    """Every current team's scorecard, by team name."""
    standard_platforms: tuple[Ref, ...]
    platform_teams: tuple[PlatformTeam, ...]
    findings: tuple[ScorecardFinding, ...]
    computed_at: str


# -- reading and entry points -----------------------------------------------------------------------


async def build_run(reader: CatalogReader, team: str, *, now: str | None = None) -> TeamScorecard:
    """The scorecard of ``team`` (a key such as ``group:default/payments`` or a name), at ``now``."""
    facts = await reader.scorecard_facts(now or now_iso(), [team])
    key = find_team(facts.teams, team)
    if key is None:
        raise TeamNotFound(f"no team {team!r} in the catalog; give a team name (e.g. payments) or key (group:default/payments)")
    return score_team(facts, key)


async def build_run_company(reader: CatalogReader, *, now: str | None = None) -> CompanyScorecard:
    """Every team's scorecard, from one bulk read of the whole catalog."""
    return score_company(await reader.scorecard_facts(now or now_iso()))


# -- scoring --------------------------------------------------------------------------------------


@dataclass
class _Context:
    """The facts, indexed once, and what each service's evidence is regardless of the team asking (memoised):
    the company view scores every team, and a service counts for its team and each team above it."""

    facts: ScorecardFacts
    standard: set[str] = field(default_factory=set)
    members_of: dict[str, set[str]] = field(default_factory=dict)
    """Team → people who are members of it directly."""
    children: dict[str, set[str]] = field(default_factory=dict)
    services_of: dict[str, list[str]] = field(default_factory=dict)
    """Team → the services it owns directly (resolved owners)."""
    refs: dict[str, Ref] = field(default_factory=dict)
    runs: dict[str, _RunFacts] = field(default_factory=dict)
    paging: dict[str, _Paging] = field(default_factory=dict)
    claims: dict[str, tuple[ClaimRow, ...]] = field(default_factory=dict)
    # The same evidence for a service seen from its team and from each team above it, unless what the team
    # covers changes the verdict: each is built once per distinct outcome, not once per team.
    repo_results: dict[tuple[str, tuple[str, ...], tuple[str, ...]], RepositoryEvidence] = field(default_factory=dict)
    run_results: dict[tuple[str, frozenset[str]], ServiceRun] = field(default_factory=dict)
    support_results: dict[tuple[str, bool, bool], ServiceSupport] = field(default_factory=dict)
    bases: dict[str, _TeamBasis] = field(default_factory=dict)
    """Team → what its scorecard is regardless of who is on call (its tree, services, Build and Run)."""

    @classmethod
    def of(cls, facts: ScorecardFacts, previous: _Context | None = None) -> _Context:
        """The facts indexed; ``previous``, a context over the same facts at another instant, lends everything that does
        not depend on who is on call (only Support, and the Platform Team's on-call, are scored again)."""
        if previous is not None:
            p = previous
            return cls(
                facts, p.standard, p.members_of, p.children, p.services_of, p.refs, p.runs, {}, p.claims, p.repo_results, p.run_results,
                {}, p.bases
            )  # fmt: skip
        ctx = cls(facts)
        ctx.standard = {key for key, p in facts.platforms.items() if p.standard}
        for person, teams in facts.memberships.items():
            for team in teams:
                ctx.members_of.setdefault(team, set()).add(person)
        for child, parents in facts.parents.items():
            for parent in parents:
                ctx.children.setdefault(parent, set()).add(child)
        for key, service in facts.services.items():
            for owner in service.owners:
                ctx.services_of.setdefault(owner, []).append(key)
        return ctx

    def tree(self, key: str) -> set[str]:
        """The team and its sub-teams at any depth (a cycle in bad data ends the walk)."""
        seen = {key}
        frontier = {key}
        for _ in range(HIERARCHY_LIMIT):
            frontier = {c for t in frontier for c in self.children.get(t, ())} - seen
            if not frontier:
                break
            seen |= frontier
        return seen

    def _ref(self, key: str, name: str) -> Ref:
        found = self.refs.get(key)
        if found is None:
            found = self.refs[key] = Ref(key, name)
        return found

    def team(self, key: str) -> Ref:
        row = self.facts.teams.get(key)
        return self._ref(key, (row.display_name or row.name) if row else key)

    def person(self, key: str) -> Ref:
        return self._ref(key, self.facts.person_names.get(key, key))

    def service(self, key: str) -> Ref:
        row = self.facts.services.get(key)
        return self._ref(key, row.name if row else key)

    def platform(self, key: str) -> Ref:
        row = self.facts.platforms.get(key)
        return self._ref(key, row.name if row else key)

    def owner(self, key: str) -> Ref:
        return self.team(key) if key in self.facts.teams else self.person(key)


def _verdict(passing: int, counted: int) -> tuple[Verdict, float | None]:
    if counted == 0:
        return Verdict.UNKNOWN, None
    share = passing / counted
    if passing == counted:
        return Verdict.YES, share
    return (Verdict.NO, share) if passing == 0 else (Verdict.PARTLY, share)


def _overall(verdicts: Sequence[Verdict]) -> Verdict:
    """Yes when every dimension is yes; no when every known one is no; unknown when the known ones are all
    yes but some are unknown; partly otherwise."""
    known = [v for v in verdicts if v is not Verdict.UNKNOWN]
    if not known:
        return Verdict.UNKNOWN
    if all(v is Verdict.YES for v in known):
        return Verdict.YES if len(known) == len(verdicts) else Verdict.UNKNOWN
    if all(v is Verdict.NO for v in known):
        return Verdict.NO
    return Verdict.PARTLY


def score_team(facts: ScorecardFacts, team: str) -> TeamScorecard:
    """The scorecard of ``team`` from ``facts`` (which must hold its services)."""
    return _at(_scoring(facts).card(team), facts.now)


def score_company(facts: ScorecardFacts) -> CompanyScorecard:
    """Every current team's scorecard, and the company's scorecard findings."""
    company = _scoring(facts).whole()
    if company.computed_at == facts.now:
        return company
    return replace(company, teams=tuple(_at(c, facts.now) for c in company.teams), computed_at=facts.now)


@dataclass
class _Scoring:
    """Scoring over one set of facts: the facts indexed, the Platform Teams, and each team's card once it is scored."""

    ctx: _Context
    platform_teams: list[PlatformTeam]
    platform_level: list[ScorecardFinding]
    cards: dict[str, TeamScorecard] = field(default_factory=dict)
    company: CompanyScorecard | None = None

    @classmethod
    def of(cls, facts: ScorecardFacts, previous: _Scoring | None = None) -> _Scoring:
        if previous is not None:
            return cls(_Context.of(facts, previous.ctx), previous.platform_teams, previous.platform_level)
        ctx = _Context.of(facts)
        platform_teams = _platform_teams(facts)
        return cls(ctx, platform_teams, _platform_findings(ctx, platform_teams))

    def card(self, key: str) -> TeamScorecard:
        found = self.cards.get(key)
        if found is None:
            found = self.cards[key] = _score(self.ctx, key, self.platform_teams, self.platform_level)
        return found

    def whole(self) -> CompanyScorecard:
        if self.company is None:
            facts = self.ctx.facts
            cards = [self.card(key) for key in facts.teams]
            cards.sort(key=lambda c: (c.team.name.lower(), c.team.key))
            findings = self.platform_level + [f for card in cards for f in card.findings if f.kind == "platform-without-on-call"]
            standard = tuple(sorted((self.ctx.platform(k) for k in self.ctx.standard), key=lambda r: r.key))
            self.company = CompanyScorecard(tuple(cards), standard, tuple(self.platform_teams), tuple(findings), facts.now)
        return self.company


def _scoring(facts: ScorecardFacts) -> _Scoring:
    """The scoring of ``facts``; kept with them when their reader keeps derived values (a snapshot's facts, per epoch
    of on-call shifts): every request of the snapshot's life then reuses the cards already scored."""
    if facts.derived is None:
        return _Scoring.of(facts)
    key = ("scoring", facts.epoch)
    found = facts.derived.get(key)
    if not isinstance(found, _Scoring):
        # Another epoch's scoring of the same facts lends what does not depend on the shifts.
        latest = facts.derived.get(("scoring", "latest"))
        found = _Scoring.of(facts, latest if isinstance(latest, _Scoring) else None)
        facts.derived.put(key, found)
        facts.derived.put(("scoring", "latest"), found)
    return found


def _at(card: TeamScorecard, now: str) -> TeamScorecard:
    """``card`` as computed at ``now`` (a kept card was scored at an earlier instant of the same epoch: same verdicts)."""
    return card if card.computed_at == now else replace(card, computed_at=now)


def _services_of(ctx: _Context, tree: set[str]) -> list[str]:
    return sorted({service for team in tree for service in ctx.services_of.get(team, ())})


@dataclass(frozen=True)
class _TeamBasis:
    """A team's scorecard but for who is on call."""

    tree: set[str]
    members: set[str]
    services: list[str]
    direct: int
    build: Build
    run: Run
    sub_teams: tuple[Ref, ...]
    service_refs: tuple[Ref, ...]


def _basis(ctx: _Context, key: str) -> _TeamBasis:
    known = ctx.bases.get(key)
    if known is not None:
        return known
    facts = ctx.facts
    tree = ctx.tree(key)
    members = {person for team in tree for person in ctx.members_of.get(team, ())}
    services = _services_of(ctx, tree)
    found = ctx.bases[key] = _TeamBasis(
        tree,
        members,
        services,
        sum(1 for s in services if key in facts.services[s].owners),
        _build(ctx, services, tree | members),
        _run(ctx, services, tree),
        tuple(sorted((ctx.team(t) for t in tree - {key}), key=lambda r: r.name.lower())),
        tuple(ctx.service(s) for s in services),
    )
    return found


def _score(ctx: _Context, key: str, platform_teams: Sequence[PlatformTeam], platform_level: Sequence[ScorecardFinding]) -> TeamScorecard:
    basis = _basis(ctx, key)
    build, run = basis.build, basis.run
    support = _support(ctx, basis.services, basis.tree, basis.members)
    role, findings = _platform_role(ctx, key, basis.members, run, platform_teams)
    return TeamScorecard(
        team=ctx.team(key),
        sub_teams=basis.sub_teams,
        services=basis.service_refs,
        owns_directly=basis.direct,
        build=build,
        run=run,
        support=support,
        overall=_overall([build.verdict, run.verdict, support.verdict]),
        platform_role=role,
        findings=(*platform_level, *findings),
        computed_at=ctx.facts.now,
    )


# -- build ----------------------------------------------------------------------------------------


def _repository(ctx: _Context, repo: RepositoryRow, services: Sequence[str], own: set[str]) -> RepositoryEvidence:
    facts = ctx.facts
    claims = ctx.claims.get(repo.key)
    if claims is None:
        stated = facts.repository_claims.get(repo.key, ())
        claims = ctx.claims[repo.key] = tuple(c for c in stated if c.source == "github" and "CODEOWNERS " in (c.evidence or ""))
    named = sorted({c.owner for c in claims if c.owner in own})
    memo = (repo.key, tuple(named), tuple(services))
    known = ctx.repo_results.get(memo)
    if known is not None:
        return known
    others = sorted({c.owner for c in claims if c.owner not in own})
    lines = tuple(sorted({f"{c.evidence}" for c in claims if c.owner in own}))
    state: RepositoryState
    if repo.codeowners_path is not None or claims:
        state = "named" if named else "others"
        reason = (
            f"CODEOWNERS ({repo.codeowners_path or 'CODEOWNERS'}) names {', '.join(ctx.owner(o).name for o in named)}"
            if named
            else (
                f"CODEOWNERS names only {', '.join(ctx.owner(o).name for o in others)}"
                if others
                else "CODEOWNERS names no owner the catalog knows"
            )
        )
    elif repo.key in facts.without_codeowners or (repo.source == "github" and repo.owned_share == 0):
        state, reason = "no-codeowners", f"{repo.slug} has no CODEOWNERS file"
    elif repo.source != "github":
        state, reason = "unknown", f"GitHub has not read {repo.slug} (no github source lists it), so its CODEOWNERS is unknown"
    else:
        state, reason = "unknown", f"the CODEOWNERS of {repo.slug} was not read (codeowners: false, or the read failed)"
    found = ctx.repo_results[memo] = RepositoryEvidence(
        repository=Ref(repo.key, repo.slug),
        services=tuple(ctx.service(s) for s in services),
        state=state,
        named=tuple(ctx.owner(o) for o in named),
        others=tuple(ctx.owner(o) for o in others),
        evidence=lines,
        owned_share=repo.owned_share,
        catch_all=repo.default_owners or (),
        codeowners_path=repo.codeowners_path,
        reason=reason,
    )
    return found


def _build(ctx: _Context, services: Sequence[str], own: set[str]) -> Build:
    facts = ctx.facts
    by_repo: dict[str, list[str]] = {}
    without: list[Ref] = []
    for service in services:
        repos = [r for r in facts.built_from.get(service, ()) if r in facts.repositories]
        if not repos:
            without.append(ctx.service(service))
        for repo in repos:
            by_repo.setdefault(repo, []).append(service)
    evidence = tuple(
        _repository(ctx, facts.repositories[r], by_repo[r], own) for r in sorted(by_repo, key=lambda k: facts.repositories[k].slug)
    )
    counted = [e for e in evidence if e.state != "unknown"]
    passing = sum(1 for e in counted if e.state == "named")
    verdict, share = _verdict(passing, len(counted))
    if not services:
        reason = "the team owns no services"
    elif not evidence:
        reason = "no repository is linked to its services (github.com/project-slug or backstage.io/source-location)"
    elif not counted:
        reason = "the CODEOWNERS of none of its repositories is known: " + "; ".join(e.reason for e in evidence[:3])
    else:
        reason = f"CODEOWNERS names the team in {passing} of {len(counted)} repositories" + (
            f" ({len(evidence) - len(counted)} more unknown)" if len(evidence) > len(counted) else ""
        )
    return Build(verdict, share, passing, len(counted), reason, repositories=evidence, without_repository=tuple(without))


# -- run ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RunFacts:
    platforms: tuple[Ref, ...]
    on_standard: bool
    evidence: tuple[str, ...]
    workloads: tuple[WorkloadEvidence, ...]
    owner_teams: frozenset[str]
    """Teams the workloads' labels name as owner."""


def _run_facts(ctx: _Context, service: str) -> _RunFacts:
    known = ctx.runs.get(service)
    if known is not None:
        return known
    facts = ctx.facts
    runs = [r for r in facts.runs_on.get(service, ()) if r.platform in facts.platforms]
    workloads = facts.workloads.get(service, ())
    platforms = sorted({r.platform for r in runs} | {p for w in workloads for p in w.platforms if p in facts.platforms})
    evidence = [f"{r.source or '?'}: {r.evidence or 'runs on ' + ctx.platform(r.platform).name}" for r in runs]
    evidence += [
        f"workload {w.cluster}/{w.namespace}/{w.name} runs on {', '.join(ctx.platform(p).name for p in w.platforms)}"
        for w in workloads
        if w.platforms
    ]
    found = ctx.runs[service] = _RunFacts(
        platforms=tuple(ctx.platform(p) for p in platforms),
        on_standard=any(p in ctx.standard for p in platforms),
        evidence=tuple(evidence),
        workloads=tuple(
            WorkloadEvidence(
                w.key,
                w.cluster,
                w.namespace,
                w.name,
                tuple(ctx.platform(p) for p in w.platforms),
                tuple(ctx.team(t) for t in w.owner_teams),
            )
            for w in workloads
        ),
        owner_teams=frozenset(t for w in workloads for t in w.owner_teams),
    )
    return found


def _service_run(ctx: _Context, service: str, tree: set[str]) -> ServiceRun:
    run = _run_facts(ctx, service)
    outside = run.owner_teams - tree if run.owner_teams else run.owner_teams
    known = ctx.run_results.get((service, outside))
    if known is not None:
        return known
    outsiders = sorted(outside)
    state: RunState
    if not run.platforms:
        state = "no-platform"
    elif not run.on_standard:
        state = "other-platform"
    elif outsiders:
        state = "deployed-by-other"
    else:
        state = "standard"
    found = ctx.run_results[(service, outside)] = ServiceRun(
        service=ctx.service(service),
        state=state,
        platforms=run.platforms,
        on_standard=run.on_standard,
        evidence=run.evidence,
        workloads=run.workloads,
        deployed_by=tuple(ctx.team(t) for t in outsiders),
    )
    return found


def _run(ctx: _Context, services: Sequence[str], tree: set[str]) -> Run:
    runs = tuple(_service_run(ctx, s, tree) for s in services)
    counted = [r for r in runs if r.state != "no-platform"]
    passing = sum(1 for r in counted if r.state == "standard")
    verdict, share = _verdict(passing, len(counted))
    if not ctx.standard and services:
        verdict, share = Verdict.UNKNOWN, None
        reason = "no platform is marked standard (catalog.yaml platforms[].standard, or a descriptor's spec)"
    elif not services:
        reason = "the team owns no services"
    elif not counted:
        reason = "no source says where its services run (no runs-on fact and no workload)"
    else:
        parts = [f"{passing} of {len(counted)} services run on the standard platform, deployed by the team"]
        elsewhere = [r.service.name for r in runs if r.state == "other-platform"]
        others = [f"{r.service.name} ({', '.join(t.name for t in r.deployed_by)})" for r in runs if r.state == "deployed-by-other"]
        nowhere = [r.service.name for r in runs if r.state == "no-platform"]
        if elsewhere:
            parts.append("on another platform: " + ", ".join(elsewhere))
        if others:
            parts.append("deployed by another team: " + ", ".join(others))
        if nowhere:
            parts.append("on no known platform: " + ", ".join(nowhere))
        reason = "; ".join(parts)
    return Run(verdict, share, passing, len(counted), reason, services=runs)


# -- support --------------------------------------------------------------------------------------


def _handed_to(ctx: _Context, people: Iterable[str]) -> tuple[Ref, ...]:
    """The teams ``people`` belong to, most of them first."""
    counts = Counter(team for person in people for team in ctx.facts.memberships.get(person, ()))
    return tuple(ctx.team(t) for t, _ in sorted(counts.items(), key=lambda item: (-item[1], ctx.team(item[0]).name.lower())))


@dataclass(frozen=True)
class _Paging:
    """Who a service's pages reach, whoever asks: its policies, level 1's people and who is on call now."""

    policies: tuple[Ref, ...]
    team_policy: bool
    first: frozenset[str]
    now: tuple[str, ...]
    level_now: int | None
    unknown: str | None
    """Why who it pages is not known (no policy: the empty string)."""


def _paging(ctx: _Context, service: str) -> _Paging:
    known = ctx.paging.get(service)
    if known is not None:
        return known
    facts = ctx.facts
    own = [p for p in facts.service_policies.get(service, ()) if p in facts.policies]
    team_policy = False
    if not own:
        owners = [t for t in facts.services[service].owners if t in facts.teams]
        own = sorted({p for t in owners for p in facts.team_policies.get(t, ()) if p in facts.policies})
        team_policy = bool(own)
    policies = tuple(Ref(p, facts.policies[p].name or p) for p in own)
    unknown = [facts.policies[p] for p in own if facts.policies[p].levels is None]
    first: set[str] = set()
    now: list[str] = []
    level_now: int | None = None
    reason: str | None = "" if not own else None
    if unknown:
        reason = f"the levels of policy {', '.join(p.name or p.key for p in unknown)} are unknown (PagerDuty listed no rules)"
    elif own:
        for p in own:
            first |= facts.responders.first_level(p)
        shifts = [s for p in own for s in facts.responders.shifts_of(p)]
        if shifts:
            level_now = min(s.level for s in shifts)
            now = sorted({s.person for s in shifts if s.level == level_now})
        if not first and not now:
            reason = "its policy's level 1 names nobody the catalog knows, and nobody is on call now"
    found = ctx.paging[service] = _Paging(policies, team_policy, frozenset(first), tuple(now), level_now, reason)
    return found


def _service_support(ctx: _Context, service: str, tree: set[str], members: set[str]) -> ServiceSupport:
    paging = _paging(ctx, service)
    first, now = paging.first, paging.now
    outside_first = bool(first) and first.isdisjoint(members)
    outside_now = bool(now) and members.isdisjoint(now)
    memo = (service, outside_first, outside_now)
    known = ctx.support_results.get(memo)
    if known is None:
        known = ctx.support_results[memo] = _support_of(ctx, service, paging, outside_first, outside_now)
    return known


def _support_of(ctx: _Context, service: str, paging: _Paging, outside_first: bool, outside_now: bool) -> ServiceSupport:
    ref = ctx.service(service)
    if paging.unknown == "":
        return ServiceSupport(ref, "no-policy", (), False, (), (), (), "pages no escalation policy (neither its own nor its owner team's)")
    if paging.unknown is not None:
        return ServiceSupport(ref, "unknown", paging.policies, paging.team_policy, (), (), (), paging.unknown)
    first_refs = tuple(sorted((ctx.person(p) for p in paging.first), key=lambda r: r.name.lower()))
    now_refs = tuple(ctx.person(p) for p in paging.now)
    if outside_first or outside_now:
        handed = _handed_to(ctx, paging.first if outside_first else paging.now)
        who = ", ".join(t.name for t in handed) or "people in no team the catalog knows"
        where = "level 1" if outside_first else f"the on-call now (level {paging.level_now})"
        return ServiceSupport(
            ref, "handed-off", paging.policies, paging.team_policy, first_refs, now_refs, handed, f"{where} is staffed by {who}"
        )
    return ServiceSupport(
        ref, "supported", paging.policies, paging.team_policy, first_refs, now_refs, (), "level 1 and the on-call now are the team's"
    )


def _support(ctx: _Context, services: Sequence[str], tree: set[str], members: set[str]) -> Support:
    if not ctx.facts.on_call_data:
        reason = "the catalog holds no escalation policy (no PagerDuty source has been read)"
        return Support(Verdict.UNKNOWN, None, 0, 0, reason if services else "the team owns no services")
    found = tuple(_service_support(ctx, s, tree, members) for s in services)
    counted = [s for s in found if s.state != "unknown"]
    passing = sum(1 for s in counted if s.state == "supported")
    verdict, share = _verdict(passing, len(counted))
    if not services:
        reason = "the team owns no services"
    elif not counted:
        reason = "the on-call of none of its services is known: " + found[0].reason
    else:
        handed = Counter(t.name for s in found if s.state == "handed-off" for t in s.handed_to[:1])
        reason = f"{passing} of {len(counted)} services page the team's own people" + (
            "; support handed off to " + ", ".join(f"{name} ({n})" for name, n in handed.most_common()) if handed else ""
        )
    return Support(verdict, share, passing, len(counted), reason, services=found)


# -- the Platform Team ----------------------------------------------------------------------------


def _platform_teams(facts: ScorecardFacts) -> list[PlatformTeam]:
    """The Platform Team of each standard platform: the team catalog.yaml names, else the platform's owner team."""
    out: list[PlatformTeam] = []
    for key in sorted(k for k, p in facts.platforms.items() if p.standard):
        platform = facts.platforms[key]
        ref = Ref(key, platform.name)
        configured = [c for c in facts.configured_platform_owners.get(key, ()) if c.owner in facts.teams]
        owners = [o for o in platform.owners if o in facts.teams]
        if configured:
            team = configured[0].owner
            row = facts.teams[team]
            out.append(
                PlatformTeam(
                    ref,
                    Ref(team, row.display_name or row.name),
                    "configuration",
                    configured[0].evidence or "catalog.yaml platforms[].owner",
                )
            )
        elif owners:
            row = facts.teams[owners[0]]
            out.append(PlatformTeam(ref, Ref(owners[0], row.display_name or row.name), "owner", f"the owner of {platform.name}"))
        else:
            out.append(PlatformTeam(ref, None, None, f"{platform.name} has no owner team"))
    return out


def _platform_role(
    ctx: _Context, key: str, members: set[str], run: Run, platform_teams: Sequence[PlatformTeam]
) -> tuple[PlatformRole | None, list[ScorecardFinding]]:
    mine = [p for p in platform_teams if p.team is not None and p.team.key == key]
    if not mine:
        return None, []
    pt = mine[0]
    assert pt.found_from is not None
    facts = ctx.facts
    owns = Verdict.YES if key in facts.platforms[pt.platform.key].owners or pt.found_from == "configuration" else Verdict.NO
    policies = set(facts.team_policies.get(key, ()))
    for service in ctx.services_of.get(key, ()):
        policies.update(facts.service_policies.get(service, ()))
    known = sorted(p for p in policies if p in facts.policies)
    staffed: list[str] = []
    for p in known:
        if facts.responders.first_level(p) & members:
            staffed.append(p)
    findings: list[ScorecardFinding] = []
    if not facts.on_call_data:
        on_call, reason = Verdict.UNKNOWN, "the catalog holds no escalation policy (no PagerDuty source has been read)"
    elif staffed:
        on_call, reason = Verdict.YES, f"{len(staffed)} escalation polic{'y' if len(staffed) == 1 else 'ies'} with the team at level 1"
    else:
        on_call = Verdict.NO
        reason = (
            "no escalation policy of the team or its services has a team member at level 1"
            if not known
            else "its policies page other people at level 1"
        )
        findings.append(
            ScorecardFinding(
                "platform-without-on-call",
                "error",
                pt.platform,
                f"the standard platform {pt.platform.name} has no on-call staffed by its Platform Team {ctx.team(key).name}: {reason}",
                f"give {ctx.team(key).name} an escalation policy (PagerDuty team or service) with its members at level 1",
            )
        )
    role = PlatformRole(
        platform=pt.platform,
        found_from=pt.found_from,
        evidence=pt.evidence,
        owns=owns,
        on_call=on_call,
        on_call_reason=reason,
        on_call_policies=tuple(Ref(p, facts.policies[p].name or p) for p in (staffed or known)),
        runs_on_it=run.verdict,
    )
    return role, findings


def _platform_findings(ctx: _Context, platform_teams: Sequence[PlatformTeam]) -> list[ScorecardFinding]:
    """Findings about the standard platform itself: none, several, or one without an owner."""
    out: list[ScorecardFinding] = []
    if not ctx.standard:
        out.append(
            ScorecardFinding(
                "no-standard-platform",
                "warning",
                None,
                "no platform is marked standard, so no team can be said to run on the standard platform",
                "mark the standard platform in catalog.yaml (platforms: - name: ..., standard: true)",
            )
        )
    elif len(ctx.standard) > 1:
        names = ", ".join(sorted(ctx.platform(k).name for k in ctx.standard))
        out.append(
            ScorecardFinding(
                "several-standard-platforms",
                "warning",
                None,
                f"{len(ctx.standard)} platforms are each marked standard: {names}",
                "keep one standard platform; mark the others standard: false",
            )
        )
    for pt in platform_teams:
        if pt.team is None:
            out.append(
                ScorecardFinding(
                    "platform-without-owner",
                    "error",
                    pt.platform,
                    f"the standard platform {pt.platform.name} has no owner team, so nobody is its Platform Team",
                    f"name its team in catalog.yaml (platforms: - name: {pt.platform.name}, owner: <team>) "
                    "or in its descriptor's spec.owner",
                )
            )
    return out


__all__ = [
    "CONFIG_SOURCE",
    "Build",
    "CompanyScorecard",
    "Dimension",
    "PlatformRole",
    "PlatformTeam",
    "Ref",
    "RepositoryEvidence",
    "Run",
    "ScorecardFinding",
    "ServiceRun",
    "ServiceSupport",
    "Support",
    "TeamNotFound",
    "TeamScorecard",
    "Verdict",
    "WorkloadEvidence",
    "build_run",
    "build_run_company",
    "find_team",
    "score_company",
    "score_team",
]

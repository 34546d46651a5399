"""The Build-Run company view: how many teams are fully Build-Run, by org unit and domain, and how that moves.

Built on the scorecard engine's pure scoring over one bulk read (``score_company``): no query per
team. The teams counted are those that own services themselves (``owns_directly``): a department
whose scorecard only rolls up its sub-teams' services would count them twice.

- **Fully Build-Run**: build, run and support all ``yes`` (the overall verdict ``yes``).
- ``share``: fully Build-Run teams / teams counted. ``known_share`` leaves out the teams whose
  overall verdict is ``unknown`` (an input is missing; it never counts as ``no``).
- **Org unit**: the team's top-level org unit, as adoption has it (``catalog.answers.adoption.org_units``).
- **Domain**: the top-level domains of the team's services (Service → System → Domain, subdomains
  rolled up); a team whose services span two domains counts in each; one with none in "no domain".

Filters (org unit, domain) narrow everything counted; the verdict filter narrows only the list of teams.

Trend: ``snapshot_batch`` writes ``BuildRunSnapshot`` nodes after a sync, one import instance per
snapshot so no later sync retires them: the company every time, an org unit or domain when its counts
change (and a zero snapshot when it has no teams any more), as the adoption trend does;
``build_run_trend`` pages the series backwards.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from catalog.answers.adoption import org_units
from catalog.answers.scorecard import CompanyScorecard, Dimension, Ref, TeamScorecard, Verdict, score_company
from catalog.core.clock import now_iso
from catalog.core.model import BUILD_RUN_SNAPSHOT
from catalog.core.records import ImportBatch, NodeRecord
from catalog.read.company import DomainFacts, snapshot_key
from catalog.read.nodes import GraphNode
from catalog.read.reader import CatalogReader
from catalog.read.scorecard import ScorecardFacts

SNAPSHOT_SOURCE = "catalog"
COMPANY_KEY = "company"
NONE_KEY = "none"
"""The group key of teams outside any org unit or domain."""
_NO_GROUP = {"org-unit": "(no org unit)", "domain": "(no domain)"}
_HIERARCHY_LIMIT = 64
DIMENSIONS: tuple[str, ...] = ("build", "run", "support")
VERDICTS: tuple[Verdict, ...] = (Verdict.YES, Verdict.PARTLY, Verdict.NO, Verdict.UNKNOWN)


class CompanyArgumentError(ValueError):
    """A filter or cursor that cannot be used; the message names the argument and the fix."""


@dataclass
class Tally:
    """Teams by overall verdict, and each dimension's verdicts."""

    teams: int = 0
    verdicts: dict[Verdict, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    dimensions: dict[str, dict[Verdict, int]] = field(default_factory=lambda: {d: dict.fromkeys(VERDICTS, 0) for d in DIMENSIONS})

    @property
    def fully(self) -> int:
        return self.verdicts[Verdict.YES]

    @property
    def share(self) -> float | None:
        """Share of the teams fully Build-Run; None for no teams."""
        return None if self.teams == 0 else self.fully / self.teams

    @property
    def known_share(self) -> float | None:
        """Share fully Build-Run among the teams whose overall verdict is known."""
        known = self.teams - self.verdicts[Verdict.UNKNOWN]
        return None if known == 0 else self.fully / known

    def add(self, card: TeamScorecard) -> None:
        self.teams += 1
        self.verdicts[card.overall] += 1
        for name in DIMENSIONS:
            self.dimensions[name][_dimension(card, name).verdict] += 1

    def values(self) -> tuple[int, ...]:
        """Every count, in a fixed order: tells a changed group from an unchanged one."""
        return (self.teams, *(self.verdicts[v] for v in VERDICTS), *(self.dimensions[d][v] for d in DIMENSIONS for v in VERDICTS))


def _dimension(card: TeamScorecard, name: str) -> Dimension:
    return {"build": card.build, "run": card.run, "support": card.support}[name]


@dataclass(frozen=True)
class Group:
    key: str | None
    """The org unit's or domain's key; None for the teams outside any."""
    name: str
    tally: Tally


@dataclass(frozen=True)
class CompanyTeam:
    card: TeamScorecard
    org_unit: Ref | None
    domains: tuple[Ref, ...]

    @property
    def cursor(self) -> str:
        return json.dumps([self.card.team.name.lower(), self.card.team.key], separators=(",", ":"))


@dataclass(frozen=True)
class CompanyFilter:
    org_unit: str | None = None
    """A team key: only teams in this top-level org unit."""
    domain: str | None = None
    """A domain key: only teams with services in this top-level domain (or one of its subdomains)."""
    verdicts: tuple[Verdict, ...] | None = None
    """Only teams whose overall verdict is one of these (the list of teams only; the counts keep every verdict)."""


@dataclass(frozen=True)
class CompanyReport:
    computed_at: str
    company: Tally
    """Over the teams the org unit and domain filters keep."""
    by_org_unit: tuple[Group, ...]
    by_domain: tuple[Group, ...]
    teams: tuple[CompanyTeam, ...]
    """The teams every filter keeps, by name."""
    scorecard: CompanyScorecard
    """The engine's answer: every team's scorecard, the standard platforms, the Platform Teams, the findings."""


# -- the view --------------------------------------------------------------------------------------


def _top(key: str, parents: Mapping[str, Sequence[str]]) -> str:
    seen = {key}
    for _ in range(_HIERARCHY_LIMIT):
        above = parents.get(key)
        if not above or above[0] in seen:
            return key
        key = above[0]
        seen.add(key)
    return key


def _groups(kind: str, members: Mapping[str | None, list[TeamScorecard]], names: Mapping[str, str]) -> tuple[Group, ...]:
    groups = []
    for key, cards in members.items():
        tally = Tally()
        for card in cards:
            tally.add(card)
        groups.append(Group(key, names.get(key, key) if key else _NO_GROUP[kind], tally))
    return tuple(sorted(groups, key=lambda g: (g.key is None, g.name.lower(), g.key or "")))


def company_view(
    scorecard: CompanyScorecard,
    team_parents: Mapping[str, Sequence[str]],
    domains: DomainFacts,
    company_filter: CompanyFilter | None = None,
) -> CompanyReport:
    """The company view of ``scorecard`` (pure): counts by org unit and domain, and the teams ``company_filter`` keeps."""
    f = company_filter or CompanyFilter()
    cards = [c for c in scorecard.teams if c.owns_directly > 0]
    names = {c.team.key: c.team.name for c in scorecard.teams}
    parents = {k: sorted(v) for k, v in team_parents.items()}
    units = org_units([c.team.key for c in scorecard.teams], parents)
    rows: list[CompanyTeam] = []
    for card in cards:
        unit = units.get(card.team.key)
        tops = sorted({_top(d, domains.parents) for s in card.services for d in domains.service_domains.get(s.key, ())})
        rows.append(
            CompanyTeam(
                card,
                Ref(unit, names.get(unit, unit)) if unit else None,
                tuple(Ref(d, domains.names.get(d, d)) for d in tops),
            )
        )
    if f.org_unit is not None:
        rows = [r for r in rows if r.org_unit is not None and r.org_unit.key == f.org_unit]
    if f.domain is not None:
        wanted = _top(f.domain, domains.parents)
        rows = [r for r in rows if any(d.key == wanted for d in r.domains)]
    company = Tally()
    by_unit: dict[str | None, list[TeamScorecard]] = defaultdict(list)
    by_domain: dict[str | None, list[TeamScorecard]] = defaultdict(list)
    for row in rows:
        company.add(row.card)
        by_unit[row.org_unit.key if row.org_unit else None].append(row.card)
        for d in row.domains or (None,):
            by_domain[d.key if d else None].append(row.card)
    listed = [r for r in rows if f.verdicts is None or r.card.overall in f.verdicts]
    listed.sort(key=lambda r: (r.card.team.name.lower(), r.card.team.key))
    return CompanyReport(
        scorecard.computed_at,
        company,
        _groups("org-unit", by_unit, names),
        _groups("domain", by_domain, domains.names),
        tuple(listed),
        scorecard,
    )


async def company_report(reader: CatalogReader, company_filter: CompanyFilter | None = None, *, now: str | None = None) -> CompanyReport:
    """The company view at ``now``: one bulk read of the scorecard facts and two of the domains, scored in memory.

    Raises ``CompanyArgumentError`` for an org unit or domain the catalog does not hold.
    """
    facts = await reader.scorecard_facts(now or now_iso())
    domains = await reader.domain_facts()
    f = company_filter or CompanyFilter()
    if f.org_unit is not None and f.org_unit not in facts.teams:
        raise CompanyArgumentError(f"orgUnit: no current team {f.org_unit!r}; give an org unit's team key, e.g. group:default/engineering")
    if f.domain is not None and f.domain not in domains.names:
        raise CompanyArgumentError(f"domain: no current domain {f.domain!r}; give a domain key, e.g. domain:default/commerce")
    return _kept_view(facts, domains, f)


def _kept_view(facts: ScorecardFacts, domains: DomainFacts, f: CompanyFilter) -> CompanyReport:
    """``company_view`` of the scored company; the unfiltered one kept with the facts when their reader keeps derived
    values (a snapshot's, per epoch of on-call shifts), then given the instant asked about."""
    # Only the whole company's view is kept (the platform page's): views per filter would crowd the scoring out.
    if facts.derived is None or f != CompanyFilter():
        return company_view(score_company(facts), facts.parents, domains, f)
    key = ("company-view", facts.epoch)
    kept = facts.derived.get(key)
    if not isinstance(kept, CompanyReport):
        kept = company_view(score_company(facts), facts.parents, domains, f)
        facts.derived.put(key, kept)
    if kept.computed_at == facts.now:
        return kept
    scorecard = score_company(facts)
    cards = {c.team.key: c for c in scorecard.teams}
    teams = tuple(replace(t, card=cards[t.card.team.key]) for t in kept.teams)
    return replace(kept, computed_at=facts.now, teams=teams, scorecard=scorecard)


def page_teams(report: CompanyReport, first: int, after: str | None = None) -> tuple[list[CompanyTeam], bool]:
    """The first ``first`` teams after the cursor key ``after`` (a ``CompanyTeam.cursor``), and whether more follow."""
    if first < 0:
        raise CompanyArgumentError(f"first {first} is negative; ask for 0 or more teams")
    rows = list(report.teams)
    if after is not None:
        try:
            position = json.loads(after)
        except ValueError:
            position = None
        if not (isinstance(position, list) and len(position) == 2 and all(isinstance(p, str) for p in position)):
            raise CompanyArgumentError(f"after: {after!r} is not a team cursor; pass `pageInfo.endCursor` of the previous page")
        rows = [r for r in rows if (r.card.team.name.lower(), r.card.team.key) > (position[0], position[1])]
    return rows[:first], len(rows) > first


# -- the trend -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildRunPoint:
    taken_at: str
    scope: str
    key: str
    name: str | None
    tally: Tally


def snapshot_instance(taken_at: str) -> str:
    return f"catalog:build-run:{taken_at}"


def _props(taken_at: str, scope: str, key: str, name: str, tally: Tally) -> dict[str, object]:
    props: dict[str, object] = {
        "taken_at": taken_at,
        "scope": scope,
        "scope_key": key,
        "scope_name": name,
        "teams": tally.teams,
        "fully": tally.verdicts[Verdict.YES],
        "partly": tally.verdicts[Verdict.PARTLY],
        "no": tally.verdicts[Verdict.NO],
        "unknown": tally.verdicts[Verdict.UNKNOWN],
    }
    for d in DIMENSIONS:
        for v in VERDICTS:
            props[f"{d}_{v.value}"] = tally.dimensions[d][v]
    return props


def tally_of(node: GraphNode) -> Tally:
    tally = Tally(teams=node.number("teams") or 0)
    for v, prop in zip(VERDICTS, ("fully", "partly", "no", "unknown"), strict=True):
        tally.verdicts[v] = node.number(prop) or 0
    for d in DIMENSIONS:
        for v in VERDICTS:
            tally.dimensions[d][v] = node.number(f"{d}_{v.value}") or 0
    return tally


async def snapshot_batch(reader: CatalogReader, taken_at: str) -> ImportBatch:
    """The Build-Run counts at ``taken_at`` for the company, every top-level org unit and domain, as ``BuildRunSnapshot``
    nodes in an instance of its own (a group only when its counts changed since its latest snapshot)."""
    report = await company_report(reader, now=taken_at)
    batch = ImportBatch(SNAPSHOT_SOURCE, snapshot_instance(taken_at))
    origin = f"build-run snapshot {taken_at}"

    def record(scope: str, key: str, name: str, tally: Tally) -> NodeRecord:
        return NodeRecord(BUILD_RUN_SNAPSHOT.label, snapshot_key(taken_at, scope, key), _props(taken_at, scope, key, name, tally), origin)

    batch.nodes.append(record("company", COMPANY_KEY, "company", report.company))
    latest = {(n.text("scope") or "", n.text("scope_key") or ""): n for n in await reader.latest_build_run_snapshots(taken_at)}
    for scope, groups in (("org-unit", report.by_org_unit), ("domain", report.by_domain)):
        present: set[str] = set()
        for group in groups:
            key = group.key or NONE_KEY
            present.add(key)
            was = latest.get((scope, key))
            if was is None or was.text("scope_name") != group.name or tally_of(was).values() != group.tally.values():
                batch.nodes.append(record(scope, key, group.name, group.tally))
        for (was_scope, key), node in sorted(latest.items()):
            if was_scope == scope and key not in present and (node.number("teams") or 0) > 0:
                batch.nodes.append(record(scope, key, node.text("scope_name") or key, Tally()))
    return batch


async def build_run_trend(reader: CatalogReader, last: int, before: str | None = None) -> list[BuildRunPoint]:
    """The company's series, oldest first: its ``last`` most recent snapshots taken before ``before`` (all when None)."""
    if last < 1:
        raise CompanyArgumentError(f"last {last} is below 1; ask for 1 point or more")
    nodes = await reader.build_run_points("company", COMPANY_KEY, before, last)
    return [BuildRunPoint(n.text("taken_at") or "", "company", COMPANY_KEY, n.text("scope_name"), tally_of(n)) for n in reversed(nodes)]


def describe(points: Iterable[BuildRunPoint]) -> list[tuple[str, float | None]]:
    """(taken_at, share fully Build-Run) per point, for charts."""
    return [(p.taken_at, p.tally.share) for p in points]

"""The Build-Run scorecard's reads: the facts every verdict rests on, in a few bulk queries.

``scorecard_facts`` returns plain rows (``ScorecardFacts``) that ``catalog.answers.scorecard``
scores in memory, so scoring the whole company costs the same dozen round trips as scoring one
team. Read for one team (``team_keys``), the service-level reads are scoped to the services the
team and its sub-teams own; the team hierarchy and memberships are always read whole, because a
support hand-off names the team the responders belong to, wherever it is.

Every read keeps current facts only: active edges between nodes that are not retired.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.core.model import (
    ACCOUNTABLE_FOR,
    BUILT_FROM,
    CHILD_OF,
    ESCALATES_VIA,
    INSTANCE_OF,
    MEMBER_OF,
    OWNS,
    RUNS_ON,
)
from catalog.read.responders import PolicyRow, ResponderReads, Responders, ShiftRow
from catalog.store.base import shared_value

CONFIG_SOURCE = "config"
"""The source of facts catalog.yaml states (``catalog.runner``): a platform owner from configuration."""
NO_CODEOWNERS = "no-codeowners"
"""The GitHub importer's finding kind for a repository it read that has no CODEOWNERS file."""


@dataclass(frozen=True, slots=True)
class TeamRow:
    key: str
    name: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    key: str
    name: str
    owners: tuple[str, ...]
    """Keys of its resolved owners (``ACCOUNTABLE_FOR``, else ``OWNS``): teams and people."""


@dataclass(frozen=True, slots=True)
class RepositoryRow:
    key: str
    slug: str
    source: str | None
    """The importer that holds the node: ``github`` when GitHub read it; a descriptor source when only named by one."""
    codeowners_path: str | None
    owned_share: int | None
    default_owners: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """An ``OWNS`` edge to a repository or platform: who, from which source, on what evidence."""

    target: str
    owner: str
    owner_label: str
    source: str | None
    strength: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class RunsOnRow:
    service: str
    platform: str
    source: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class PlatformRow:
    key: str
    name: str
    standard: bool
    owners: tuple[str, ...]
    """Resolved owners (``ACCOUNTABLE_FOR``, else ``OWNS``)."""


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    key: str
    service: str
    cluster: str | None
    namespace: str | None
    name: str | None
    platforms: tuple[str, ...]
    owner_teams: tuple[str, ...]
    """Teams its labels name as owner (the Kubernetes importer's ``OWNS`` to the workload)."""


@dataclass
class ScorecardFacts:
    """Everything a scorecard is computed from, as read at ``now``."""

    now: str
    teams: dict[str, TeamRow] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Team → its parent teams (``CHILD_OF``)."""
    memberships: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Person → the teams they are a member of."""
    person_names: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceRow] = field(default_factory=dict)
    built_from: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Service → its repositories."""
    repositories: dict[str, RepositoryRow] = field(default_factory=dict)
    repository_claims: dict[str, tuple[ClaimRow, ...]] = field(default_factory=dict)
    without_codeowners: frozenset[str] = frozenset()
    """Repositories GitHub read and found no CODEOWNERS in (a current ``no-codeowners`` finding)."""
    runs_on: dict[str, tuple[RunsOnRow, ...]] = field(default_factory=dict)
    platforms: dict[str, PlatformRow] = field(default_factory=dict)
    configured_platform_owners: dict[str, tuple[ClaimRow, ...]] = field(default_factory=dict)
    """Platform → owners catalog.yaml names (``platforms[].owner``)."""
    workloads: dict[str, tuple[WorkloadRow, ...]] = field(default_factory=dict)
    """Service → the workloads that run it."""
    service_policies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    team_policies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    responders: Responders = field(default_factory=Responders)
    """The policies services and teams page, their schedules' people and the shifts covering ``now``
    (``ResponderReads.responders``: the read the Ops hand-off audit shares)."""
    on_call_data: bool = False
    """True when the catalog holds any escalation policy at all (a PagerDuty source has been read)."""
    derived: DerivedCache | None = field(default=None, compare=False, repr=False)
    """Set by a reader whose facts stay the same while its snapshot is current: answers derived from them
    (the scored company) are kept there, under ``epoch``. None (the Cypher reader): nothing is kept."""
    epoch: Hashable = field(default=None, compare=False, repr=False)
    """Tells facts of one snapshot apart that differ only by the shifts covering ``now``."""

    @property
    def policies(self) -> Mapping[str, PolicyRow]:
        return self.responders.policies

    @property
    def schedule_people(self) -> Mapping[str, tuple[str, ...]]:
        """Schedule → the people in its layers' rotations; absent when its layers are unknown."""
        return self.responders.schedule_people

    @property
    def shifts_now(self) -> tuple[ShiftRow, ...]:
        return self.responders.shifts_now


class DerivedCache:
    """Values derived from one snapshot's facts, kept while that snapshot is current (a few, newest last).

    The snapshot's scorecard part owns one; the answers layer fills it (``catalog.answers.scorecard``),
    so the whole company is scored once per snapshot and shift change, not once per request."""

    def __init__(self, limit: int = 10) -> None:
        self._limit = limit
        self._values: dict[Hashable, object] = {}

    def get(self, key: Hashable) -> object | None:
        return self._values.get(key)

    def put(self, key: Hashable, value: object) -> None:
        self._values.pop(key, None)
        self._values[key] = value
        while len(self._values) > self._limit:
            del self._values[next(iter(self._values))]


def _current(*names: str) -> str:
    return " AND ".join(f"{n}.retired_at IS NULL" for n in names)


_TEAMS = f"MATCH (t:Team) WHERE {_current('t')}"
_TEAM_EDGES = f"MATCH (c:Team)-[r:{CHILD_OF.type}]->(p:Team) WHERE r.active = true AND {_current('c', 'p')}"
_MEMBERS = f"MATCH (m:Person)-[r:{MEMBER_OF.type}]->(t:Team) WHERE r.active = true AND {_current('m', 't')}"


def _resolved_owners(var: str) -> str:
    """Cypher that binds ``owners`` for ``var``: its current ``ACCOUNTABLE_FOR`` owners, or its ``OWNS`` owners
    where the reconcile step has resolved none (as the adoption counts do)."""
    return (
        f"OPTIONAL MATCH (acc:Team|Person)-[af:{ACCOUNTABLE_FOR.type}]->({var}) WHERE af.active = true AND acc.retired_at IS NULL\n"
        f"WITH {var}, collect(DISTINCT acc.id) AS accountable\n"
        f"OPTIONAL MATCH (own:Team|Person)-[ow:{OWNS.type}]->({var}) "
        "WHERE size(accountable) = 0 AND ow.active = true AND own.retired_at IS NULL\n"
        f"WITH {var}, accountable, collect(DISTINCT own.id) AS owning\n"
        f"WITH {var}, CASE WHEN size(accountable) > 0 THEN accountable ELSE owning END AS owners"
    )


_OWNED_BY_TEAMS = (
    f"UNWIND $teams AS key MATCH (t:Team {{id: key}})-[r:{ACCOUNTABLE_FOR.type}|{OWNS.type}]->(s:Service) "
    f"WHERE r.active = true AND {_current('s')} RETURN DISTINCT s.id AS id"
)


def _services(scoped: bool) -> str:
    if scoped:
        # One team's services, tens at most: an IN filter (an UNWIND start confuses LadybugDB's
        # aggregation over the owners that follows: "Cannot evaluate expression with type VARIABLE").
        return f"MATCH (s:Service) WHERE s.id IN $ids AND {_current('s')}\n"
    return f"MATCH (s:Service) WHERE {_current('s')}\n"


def _texts(value: Any) -> tuple[str, ...]:
    return shared_value(tuple(sorted({str(v) for v in value or () if v is not None})))


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for key, value in pairs:
        out.setdefault(key, set()).add(value)
    return {key: shared_value(tuple(sorted(values))) for key, values in out.items()}


class ScorecardReads(ResponderReads):
    """The Build-Run scorecard's facts, read in bulk (see the module docs)."""

    async def scorecard_facts(self, now: str, team_keys: Sequence[str] | None = None) -> ScorecardFacts:
        """The facts for the teams ``team_keys`` (keys or names) and their sub-teams (None: the whole company), at ``now``."""
        facts = ScorecardFacts(now)
        await self._scorecard_teams(facts)
        if team_keys is None:
            await self._scorecard_members(facts, None, ())
            await self._scorecard_services(facts, None)
            await self._scorecard_repositories(facts, None)
            await self._scorecard_platforms(facts, None)
            await self._scorecard_on_call(facts, None)
        else:
            roots = [find_team(facts.teams, text) or text for text in team_keys]
            tree = sorted(subteams(facts.parents, roots, self.hierarchy_limit))
            rows = await self.store.read(_OWNED_BY_TEAMS, {"teams": tree})
            await self._scorecard_services(facts, sorted({str(r["id"]) for r in rows}))
            scoped = sorted(facts.services)
            await self._scorecard_repositories(facts, scoped)
            await self._scorecard_platforms(facts, scoped)
            await self._scorecard_on_call(facts, scoped)
            # One team's memberships: its tree's members, and the teams of everyone its evidence names
            # (responders, CODEOWNERS people), to name whom support is handed off to.
            await self._scorecard_members(facts, tree, sorted(_people_named(facts)))
        await self._scorecard_person_names(facts)
        return facts

    async def _scorecard_teams(self, facts: ScorecardFacts) -> None:
        rows = await self.store.read_table(_TEAMS, {"key": "t.id", "name": "t.name", "display": "t.display_name"})
        facts.teams = {str(r["key"]): TeamRow(str(r["key"]), str(r["name"] or r["key"]), r["display"]) for r in rows}
        edges = await self.store.read_table(_TEAM_EDGES, {"child": "c.id", "parent": "p.id"})
        facts.parents = _grouped([(str(r["child"]), str(r["parent"])) for r in edges])

    async def _scorecard_members(self, facts: ScorecardFacts, teams: Sequence[str] | None, people: Sequence[str]) -> None:
        """Memberships: all of them (``teams`` None), or those into ``teams`` and those of ``people``."""
        columns = {"person": "m.id", "team": "t.id", "name": "coalesce(m.display_name, m.name)"}
        if teams is None:
            members = await self.store.read_table(_MEMBERS, columns)
        else:
            members = await self.store.read_table(
                _MEMBERS + " AND (t.id IN $teams OR m.id IN $people)", columns, {"teams": teams, "people": people}
            )
        facts.memberships = _grouped([(str(r["person"]), str(r["team"])) for r in members])
        facts.person_names = {str(r["person"]): str(r["name"] or r["person"]) for r in members}

    async def _scorecard_services(self, facts: ScorecardFacts, keys: list[str] | None) -> None:
        if keys is not None and not keys:
            return
        match = _services(keys is not None) + _resolved_owners("s")
        rows = await self.store.read_table(match, {"key": "s.id", "name": "s.name", "owners": "owners"}, {"ids": keys or []})
        facts.services = {str(r["key"]): ServiceRow(str(r["key"]), str(r["name"] or r["key"]), _texts(r["owners"])) for r in rows}

    async def _scorecard_repositories(self, facts: ScorecardFacts, keys: list[str] | None) -> None:
        if keys is not None and not keys:
            return
        match = _services(keys is not None) + (f"MATCH (s)-[b:{BUILT_FROM.type}]->(g:Repository) WHERE b.active = true AND {_current('g')}")
        columns = {
            "service": "s.id",
            "key": "g.id",
            "slug": "g.slug",
            "source": "g.source",
            "path": "g.codeowners_path",
            "share": "g.owned_share",
            "defaults": "g.default_owners",
        }
        rows = await self.store.read_table(match, columns, {"ids": keys or []})
        facts.built_from = _grouped([(str(r["service"]), str(r["key"])) for r in rows])
        facts.repositories = {
            str(r["key"]): RepositoryRow(
                str(r["key"]),
                str(r["slug"] or r["key"]),
                r["source"],
                r["path"],
                None if r["share"] is None else int(r["share"]),
                None if r["defaults"] is None else tuple(str(v) for v in r["defaults"]),
            )
            for r in rows
        }
        repos = sorted(facts.repositories)
        if not repos:
            return
        d = self.store.dialect
        claims = await self.store.read_table(
            f"UNWIND $ids AS key MATCH (o:Team|Person)-[r:{OWNS.type}]->(g:Repository {{id: key}}) "
            f"WHERE r.active = true AND {_current('o')}",
            {
                "target": "g.id",
                "owner": "o.id",
                "label": d.label_of("o"),
                "source": "r.source",
                "strength": "r.strength",
                "evidence": "r.evidence",
            },
            {"ids": repos},
        )
        by_repo: dict[str, list[ClaimRow]] = {}
        for r in claims:
            claim = ClaimRow(str(r["target"]), str(r["owner"]), str(r["label"]), r["source"], r["strength"], r["evidence"])
            by_repo.setdefault(claim.target, []).append(claim)
        facts.repository_claims = {k: tuple(sorted(v, key=lambda c: (c.owner, c.source or ""))) for k, v in by_repo.items()}
        missing = await self.store.read(
            "UNWIND $ids AS key MATCH (f:Finding) WHERE f.subject = key AND f.kind = $kind AND f.retired_at IS NULL "
            "RETURN collect(DISTINCT f.subject) AS subjects",
            {"ids": repos, "kind": NO_CODEOWNERS},
        )
        facts.without_codeowners = frozenset(str(s) for row in missing for s in row["subjects"] or ())

    async def _scorecard_platforms(self, facts: ScorecardFacts, keys: list[str] | None) -> None:
        match = f"MATCH (p:Platform) WHERE {_current('p')}\n" + _resolved_owners("p")
        rows = await self.store.read_table(match, {"key": "p.id", "name": "p.name", "standard": "p.standard", "owners": "owners"})
        facts.platforms = {
            str(r["key"]): PlatformRow(str(r["key"]), str(r["name"] or r["key"]), r["standard"] is True, _texts(r["owners"])) for r in rows
        }
        configured = await self.store.read_table(
            f"MATCH (o:Team)-[r:{OWNS.type}]->(p:Platform) WHERE r.active = true AND r.source = $source AND {_current('o', 'p')}",
            {"target": "p.id", "owner": "o.id", "strength": "r.strength", "evidence": "r.evidence"},
            {"source": CONFIG_SOURCE},
        )
        by_platform: dict[str, list[ClaimRow]] = {}
        for r in configured:
            claim = ClaimRow(str(r["target"]), str(r["owner"]), "Team", CONFIG_SOURCE, r["strength"], r["evidence"])
            by_platform.setdefault(claim.target, []).append(claim)
        facts.configured_platform_owners = {k: tuple(sorted(v, key=lambda c: c.owner)) for k, v in by_platform.items()}
        if keys is not None and not keys:
            return
        params = {"ids": keys or []}
        runs = await self.store.read_table(
            _services(keys is not None) + f"MATCH (s)-[r:{RUNS_ON.type}]->(p:Platform) WHERE r.active = true AND {_current('p')}",
            {"service": "s.id", "platform": "p.id", "source": "r.source", "evidence": "r.evidence"},
            params,
        )
        by_service: dict[str, list[RunsOnRow]] = {}
        for r in runs:
            row = RunsOnRow(str(r["service"]), str(r["platform"]), r["source"], r["evidence"])
            by_service.setdefault(row.service, []).append(row)
        facts.runs_on = {k: tuple(sorted(v, key=lambda x: (x.platform, x.source or ""))) for k, v in by_service.items()}
        workloads = await self.store.read_table(
            _services(keys is not None) + f"MATCH (w:Workload)-[i:{INSTANCE_OF.type}]->(s) WHERE i.active = true AND {_current('w')}\n"
            f"OPTIONAL MATCH (w)-[r:{RUNS_ON.type}]->(p:Platform) WHERE r.active = true AND p.retired_at IS NULL\n"
            "WITH s, w, collect(DISTINCT p.id) AS platforms\n"
            f"OPTIONAL MATCH (t:Team)-[o:{OWNS.type}]->(w) WHERE o.active = true AND t.retired_at IS NULL\n"
            "WITH s, w, platforms, collect(DISTINCT t.id) AS teams",
            {
                "service": "s.id",
                "key": "w.id",
                "cluster": "w.cluster",
                "namespace": "w.namespace",
                "name": "w.name",
                "platforms": "platforms",
                "teams": "teams",
            },
            params,
        )
        by_workload: dict[str, list[WorkloadRow]] = {}
        for r in workloads:
            w = WorkloadRow(
                str(r["key"]), str(r["service"]), r["cluster"], r["namespace"], r["name"], _texts(r["platforms"]), _texts(r["teams"])
            )
            by_workload.setdefault(w.service, []).append(w)
        facts.workloads = {k: tuple(sorted(v, key=lambda x: x.key)) for k, v in by_workload.items()}

    async def _scorecard_on_call(self, facts: ScorecardFacts, keys: list[str] | None) -> None:
        present = await self.store.read("MATCH (e:EscalationPolicy) WHERE e.retired_at IS NULL RETURN e.id AS id LIMIT 1")
        facts.on_call_data = bool(present)
        if not present:
            return
        if keys is None or keys:
            via = await self.store.read_table(
                _services(keys is not None)
                + f"MATCH (s)-[r:{ESCALATES_VIA.type}]->(e:EscalationPolicy) WHERE r.active = true AND {_current('e')}",
                {"service": "s.id", "policy": "e.id"},
                {"ids": keys or []},
            )
            facts.service_policies = _grouped([(str(r["service"]), str(r["policy"])) for r in via])
        team_via = await self.store.read_table(
            f"MATCH (t:Team)-[r:{ESCALATES_VIA.type}]->(e:EscalationPolicy) WHERE r.active = true AND {_current('t', 'e')}",
            {"team": "t.id", "policy": "e.id"},
        )
        facts.team_policies = _grouped([(str(r["team"]), str(r["policy"])) for r in team_via])
        wanted = sorted(
            {p for ps in facts.service_policies.values() for p in ps} | ({p for ps in facts.team_policies.values() for p in ps})
        )
        facts.responders = await self.responders(facts.now, wanted)

    async def _scorecard_person_names(self, facts: ScorecardFacts) -> None:
        """Names of the people the evidence names who are in no team (so not read with the memberships)."""
        unnamed = sorted(_people_named(facts) - set(facts.person_names))
        if unnamed:
            names = await self.store.read_table(
                f"UNWIND $ids AS key MATCH (m:Person {{id: key}}) WHERE {_current('m')}",
                {"key": "m.id", "name": "coalesce(m.display_name, m.name)"},
                {"ids": unnamed},
            )
            facts.person_names.update({str(r["key"]): str(r["name"] or r["key"]) for r in names})


def _people_named(facts: ScorecardFacts) -> set[str]:
    """People the evidence names: on call now, targeted by a policy, in a schedule's rotation, named by CODEOWNERS."""
    policies = {key for p in facts.policies.values() for _, targets in p.levels or () for kind, key in targets if kind == "user"}
    schedules = {key for people in facts.schedule_people.values() for key in people}
    codeowners = {c.owner for claims in facts.repository_claims.values() for c in claims if c.owner_label == "Person"}
    return {s.person for s in facts.shifts_now} | policies | schedules | codeowners


def subteams(parents: Mapping[str, Sequence[str]], roots: Sequence[str], limit: int) -> set[str]:
    """``roots`` and every team below them over ``CHILD_OF``, at most ``limit`` levels down (a cycle in bad data ends the walk)."""
    children: dict[str, set[str]] = {}
    for child, above in parents.items():
        for parent in above:
            children.setdefault(parent, set()).add(child)
    seen = set(roots)
    frontier = set(roots)
    for _ in range(limit):
        frontier = {c for key in frontier for c in children.get(key, ())} - seen
        if not frontier:
            break
        seen |= frontier
    return seen


def find_team(teams: Mapping[str, TeamRow], text: str) -> str | None:
    """The key of the team ``text`` names: its key (``group:default/payments``, ``default/payments``) or its
    name, case-insensitive; None when it names none, or several."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    for candidate in (wanted, f"group:{wanted}", f"group:default/{wanted}"):
        if candidate in teams:
            return candidate
    matches = [key for key, row in teams.items() if row.name.lower() == wanted or (row.display_name or "").lower() == wanted]
    return matches[0] if len(matches) == 1 else None

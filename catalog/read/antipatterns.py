"""Bulk reads behind the Build-Run anti-pattern audits (``catalog.answers.antipatterns``).

Each method is one table read over the whole company (rows, never one query per team or
service): who owns each running service, which escalation policies page for it, who belongs to
which team, and which platforms are standard or owned by a team. Who answers the first level of
each policy (by rule and by current shift) is ``ResponderReads.responders``, the read the
scorecard's Support uses too. The answers join them in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from catalog.read.responders import ResponderReads, Responders
from catalog.read.scorecard import DerivedCache
from catalog.store.base import Row, shared_value

_NOT_RUNNING = ["library"]
"""Service types that do not run anywhere: nobody is expected to carry a pager for them."""


def _resolved_owner_teams(var: str, keep: str) -> str:
    """Cypher adding ``owners``: the current teams accountable for ``var`` (``ACCOUNTABLE_FOR``), or its
    ``OWNS`` teams when the reconcile step has not resolved any."""
    return (
        f"OPTIONAL MATCH (acc:Team)-[af:ACCOUNTABLE_FOR]->({var}) WHERE af.active = true AND acc.retired_at IS NULL\n"
        f"WITH {keep}, collect(DISTINCT acc.id) AS accountable\n"
        f"OPTIONAL MATCH (own:Team)-[ow:OWNS]->({var}) WHERE size(accountable) = 0 AND ow.active = true AND own.retired_at IS NULL\n"
        f"WITH {keep}, accountable, collect(DISTINCT own.id) AS owning\n"
        f"WITH {keep}, CASE WHEN size(accountable) > 0 THEN accountable ELSE owning END AS owners\n"
    )


@dataclass(frozen=True)
class SupportFacts:
    """Everything the Ops hand-off audit joins."""

    service_owners: dict[str, tuple[str, ...]]
    """Running service → its owner teams (services without an owner team are left out)."""
    service_names: dict[str, str]
    service_policies: dict[str, tuple[str, ...]]
    """Service → the escalation policies it pages through itself."""
    team_policies: dict[str, tuple[str, ...]]
    """Team → the escalation policies its services fall back on."""
    first_level: dict[str, frozenset[str]]
    """Policy → the people who answer its first level: targeted directly, in a level-1 schedule, or on a current level-1 shift."""
    teams_of: dict[str, frozenset[str]]
    """Person → the teams they are a member of."""
    parents: dict[str, tuple[str, ...]]
    """Team → its parent teams."""
    team_names: dict[str, str]
    derived: DerivedCache | None = field(default=None, compare=False, repr=False)
    """Set by a snapshot's reader: answers derived from these facts (the hand-offs) are kept there, under ``epoch``."""
    epoch: Hashable = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PlatformFacts:
    key: str
    name: str
    standard: bool
    owners: tuple[str, ...]
    """Its owner teams (resolved)."""
    source_instance: str | None
    origin: str | None
    services: int
    """Current services that run on it."""
    service_owners: dict[str, int]
    """Owner team → how many of those services it owns (a service with several owner teams counts for each)."""


@dataclass(frozen=True)
class SupportBasis:
    """What the Ops hand-off audit joins that does not depend on the instant: everything but who is on call."""

    service_owners: dict[str, tuple[str, ...]]
    service_names: dict[str, str]
    service_policies: dict[str, tuple[str, ...]]
    team_policies: dict[str, tuple[str, ...]]
    teams_of: dict[str, frozenset[str]]
    parents: dict[str, tuple[str, ...]]
    team_names: dict[str, str]

    def at(self, responders: Responders) -> SupportFacts:
        """The facts with the first levels of ``responders`` (read at the instant the audit is for)."""
        return SupportFacts(
            service_owners=self.service_owners,
            service_names=self.service_names,
            service_policies=self.service_policies,
            team_policies=self.team_policies,
            first_level={key: responders.first_level(key) for key in responders.policies},
            teams_of=self.teams_of,
            parents=self.parents,
            team_names=self.team_names,
        )


class AntipatternReads(ResponderReads):
    async def support_facts(self, now: str) -> SupportFacts:
        """Who owns, and who answers the first page for, every running service, as of ``now``.

        Level 1's people come from ``responders`` (the read the scorecard's Support uses), for every current policy."""
        basis = await self.support_basis()
        return basis.at(await self.responders(now))

    async def support_basis(self) -> SupportBasis:
        """Running services with their owner teams and policies, teams' policies, memberships and the team hierarchy: four table reads."""
        services = await self.store.read_table(
            "MATCH (s:Service) WHERE s.retired_at IS NULL AND (s.type IS NULL OR NOT (toLower(s.type) IN $not_running))\n"
            + _resolved_owner_teams("s", "s")
            + "OPTIONAL MATCH (s)-[e:ESCALATES_VIA]->(p:EscalationPolicy) WHERE e.active = true AND p.retired_at IS NULL\n"
            "WITH s, owners, collect(DISTINCT p.id) AS policies",
            {"id": "s.id", "name": "s.name", "owners": "owners", "policies": "policies"},
            {"not_running": _NOT_RUNNING},
        )
        team_via = await self.store.read_table(
            "MATCH (t:Team)-[e:ESCALATES_VIA]->(p:EscalationPolicy) "
            "WHERE e.active = true AND t.retired_at IS NULL AND p.retired_at IS NULL",
            {"team": "t.id", "policy": "p.id"},
        )
        members = await self.store.read_table(
            "MATCH (x:Person)-[m:MEMBER_OF]->(t:Team) WHERE m.active = true AND x.retired_at IS NULL AND t.retired_at IS NULL",
            {"person": "x.id", "team": "t.id"},
        )
        teams = await self.store.read_table(
            "MATCH (t:Team) WHERE t.retired_at IS NULL OPTIONAL MATCH (t)-[c:CHILD_OF]->(p:Team) "
            "WHERE c.active = true AND p.retired_at IS NULL",
            {"id": "t.id", "name": "t.name", "parent": "p.id"},
        )
        team_policies: dict[str, set[str]] = defaultdict(set)
        for r in team_via:
            team_policies[str(r["team"])].add(str(r["policy"]))
        teams_of: dict[str, set[str]] = defaultdict(set)
        for r in members:
            teams_of[str(r["person"])].add(str(r["team"]))
        parents: dict[str, set[str]] = defaultdict(set)
        names: dict[str, str] = {}
        for r in teams:
            names[str(r["id"])] = str(r["name"] or r["id"])
            if r["parent"]:
                parents[str(r["id"])].add(str(r["parent"]))
        return SupportBasis(
            service_owners={str(r["id"]): shared_value(tuple(sorted(str(o) for o in r["owners"]))) for r in services if r["owners"]},
            service_names={str(r["id"]): str(r["name"] or r["id"]) for r in services},
            service_policies={str(r["id"]): shared_value(tuple(sorted(str(p) for p in r["policies"]))) for r in services if r["policies"]},
            team_policies={k: shared_value(tuple(sorted(v))) for k, v in team_policies.items()},
            teams_of={k: shared_value(frozenset(v)) for k, v in teams_of.items()},
            parents={k: shared_value(tuple(sorted(v))) for k, v in parents.items()},
            team_names=names,
        )

    async def platform_facts(self) -> list[PlatformFacts]:
        """Every current platform: whether it is standard, who owns it, where it is declared, and whose services run on it.

        Two table reads: the platforms with their owners, and a row per service and platform it runs
        on with the service's owners. (One read joining both held every platform's properties on each
        of its services' rows; at scale L it did not fit the embedded store's 256 MiB pool.)
        """
        platforms = await self.store.read_table(
            "MATCH (p:Platform) WHERE p.retired_at IS NULL\n" + _resolved_owner_teams("p", "p"),
            {
                "id": "p.id",
                "name": "p.name",
                "standard": "p.standard",
                "platform_owners": "owners",
                "instance": "p.source_instance",
                "origin": "p.origin",
            },
        )
        running = await self.store.read_table(
            "MATCH (s:Service)-[r:RUNS_ON]->(p:Platform) WHERE r.active = true AND s.retired_at IS NULL AND p.retired_at IS NULL\n"
            # Once per service and platform: a service runs on a platform by an edge of each source that says so (34,000
            # edges for 18,000 pairs at scale M), and its owners were walked once per edge.
            "WITH DISTINCT s, p\n" + _resolved_owner_teams("s", "s, p"),
            {"service": "s.id", "platform": "p.id", "owners": "owners"},
        )
        on_platform: dict[str, list[Row]] = defaultdict(list)
        for r in running:
            on_platform[str(r["platform"])].append(r)
        rows = [{**p, **r} for p in platforms for r in on_platform.get(str(p["id"]), [{"service": None, "owners": None}])]
        first: dict[str, Row] = {}
        services: dict[str, set[str]] = defaultdict(set)
        by_owner: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in rows:
            key = str(r["id"])
            first.setdefault(key, r)
            if r["service"] is None or str(r["service"]) in services[key]:
                continue
            services[key].add(str(r["service"]))
            for owner in r["owners"] or ():
                by_owner[key][str(owner)] += 1
        return [
            PlatformFacts(
                key=key,
                name=str(r["name"] or key),
                standard=r["standard"] is True,
                owners=tuple(sorted(str(o) for o in r["platform_owners"] or ())),
                source_instance=r["instance"],
                origin=r["origin"],
                services=len(services.get(key, ())),
                service_owners=dict(by_owner.get(key, {})),
            )
            for key, r in sorted(first.items())
        ]

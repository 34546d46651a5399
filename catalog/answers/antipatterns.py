"""The Build-Run anti-patterns, as typed audits (``catalog.answers.audits`` lists them with the others).

The pattern fails in two ways (issue 15), and each becomes an audit kind:

- **Ops hand-off** (``OPS_HAND_OFF``): one team answers the first page for the services of many
  other teams. A service is handed off when none of the people who answer the first level of its
  escalation policies (targeted directly, in a level-1 schedule, or on a level-1 shift now) is a
  member of its owner team or of that team's sub-teams; the teams those people belong to support
  it instead. A team that supports the services of at least ``ops_handoff_min_teams`` other teams
  (``CATALOG_OPS_HANDOFF_MIN_TEAMS``) is reported, naming the teams and services handed off.
  A service with no known first-level responder is left out: a missing input is not a hand-off.
- **A team operating a platform of its own** (``OWN_PLATFORM``): a team owns a platform that is
  not standard and services run on it; one audit per team and platform. The Platform Team (the
  owners of the standard platform) is left out: what else it runs is legacy on its way out.
- **Several platforms each presented as standard** (``SEVERAL_STANDARD_PLATFORMS``): more than one
  current platform has ``standard = true`` (catalog.yaml allows one; a Backstage Resource's
  annotation can mark another); one audit per standard platform, naming the others.

The facts come from a few table reads over the whole company (``catalog.read.antipatterns``); the
joining is pure and done here, and the audits are ordered and paged in memory (there are at most a
few per team).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from catalog.answers.audits import AuditKind, Subject, _Computed, _Context, _Row, register_producer
from catalog.read.antipatterns import PlatformFacts, SupportFacts

_HIERARCHY_LIMIT = 64
"""Most levels a team hierarchy is walked down; guards against a cycle the importers missed."""
_LISTED = 5
"""Most teams or services a message names before it says how many more."""


@dataclass(frozen=True)
class HandedOff:
    team: str
    team_name: str
    services: tuple[str, ...]
    """Its services whose first level the supporting team staffs."""


@dataclass(frozen=True)
class HandOff:
    """A team that answers the first page for other teams' services."""

    team: str
    team_name: str
    handed_off: tuple[HandedOff, ...]
    """The owner teams whose services it supports, by key."""

    @property
    def services(self) -> int:
        return len({s for h in self.handed_off for s in h.services})


def _below(teams: Iterable[str], children: Mapping[str, Sequence[str]]) -> set[str]:
    """``teams`` and all their sub-teams, breadth first with a visited set."""
    seen = set(teams)
    level = list(seen)
    for _ in range(_HIERARCHY_LIMIT):
        level = [c for t in level for c in children.get(t, ()) if c not in seen]
        if not level:
            break
        seen.update(level)
    return seen


def hand_offs(facts: SupportFacts, min_teams: int) -> list[HandOff]:
    """The teams that support the services of at least ``min_teams`` other teams, by key."""
    children: dict[str, list[str]] = defaultdict(list)
    for child, parents in facts.parents.items():
        for parent in parents:
            children[parent].append(child)
    supported: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for service, owners in facts.service_owners.items():
        policies = facts.service_policies.get(service) or tuple(p for o in owners for p in facts.team_policies.get(o, ()))
        responders = {person for p in policies for person in facts.first_level.get(p, ())}
        if not responders:
            continue  # unknown, not handed off
        own = _below(owners, children)
        teams = {t for person in responders for t in facts.teams_of.get(person, ())}
        if teams & own:
            continue
        for supporter in teams:
            for owner in owners:
                supported[supporter][owner].add(service)
    found: list[HandOff] = []
    for team, by_owner in sorted(supported.items()):
        if len(by_owner) < min_teams:
            continue
        handed = tuple(HandedOff(o, facts.team_names.get(o, o), tuple(sorted(s))) for o, s in sorted(by_owner.items()))
        found.append(HandOff(team, facts.team_names.get(team, team), handed))
    return found


def kept_hand_offs(facts: SupportFacts, min_teams: int) -> list[HandOff]:
    """``hand_offs``, kept with the facts when their reader keeps derived values (a snapshot's, per epoch of shifts)."""
    if facts.derived is None:
        return hand_offs(facts, min_teams)
    key = ("hand-offs", min_teams, facts.epoch)
    found = facts.derived.get(key)
    if not isinstance(found, list):
        found = hand_offs(facts, min_teams)
        facts.derived.put(key, found)
    return found


@dataclass(frozen=True)
class OwnPlatform:
    team: str
    platform: PlatformFacts
    own_services: int
    """Of the services on it, how many the team owns itself."""


def own_platforms(platforms: Sequence[PlatformFacts]) -> list[OwnPlatform]:
    """Teams that own a non-standard platform that services run on, by team and platform.

    The owners of the standard platform (the Platform Team) are left out: another platform they still
    run is the company's legacy on its way out, and each service on it is already an OFF_STANDARD_PLATFORM audit.
    """
    platform_team = {team for p in platforms if p.standard for team in p.owners}
    found = [
        OwnPlatform(team, p, p.service_owners.get(team, 0))
        for p in platforms
        if not p.standard and p.services > 0
        for team in p.owners
        if team not in platform_team
    ]
    return sorted(found, key=lambda o: (o.team, o.platform.key))


def several_standard(platforms: Sequence[PlatformFacts]) -> list[PlatformFacts]:
    """The standard platforms, when there is more than one; none otherwise."""
    standard = [p for p in platforms if p.standard]
    return standard if len(standard) > 1 else []


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown if len(items) <= _LISTED else f"{shown} and {len(items) - _LISTED} more"


def _declared(p: PlatformFacts) -> str:
    if p.source_instance and p.origin:
        return f"declared by {p.source_instance} at {p.origin}"
    return f"declared by {p.source_instance}" if p.source_instance else "declared by an unknown source"


class _InMemory(_Computed):
    """Computed over bulk reads in Python, then filtered, ordered and paged in memory."""

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        raise NotImplementedError

    async def _rows(self, ctx: _Context) -> list[_Row]:
        """``all_rows``, once per set of audits: a page and its total share them."""
        key = f"rows:{self.kind.value}"
        if key not in ctx.memo:
            ctx.memo[key] = await self.all_rows(ctx)
        rows: list[_Row] = ctx.memo[key]
        return rows

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await self._rows(ctx)
        return [r for r in rows if after is None or r.position[2:] > after][:limit]

    async def count(self, ctx: _Context) -> int:
        return len(await self._rows(ctx))


def _in_scope(ctx: _Context, keys: Iterable[str]) -> bool:
    """Whether the team filter (if any) allows an audit about ``keys`` (its subject and the teams or platform it names)."""
    if ctx.scope is None:
        return True
    if "scope" not in ctx.memo:
        ctx.memo["scope"] = frozenset(ctx.scope)
    scope: frozenset[str] = ctx.memo["scope"]
    return any(k in scope for k in keys)


class OpsHandOff(_InMemory):
    kind = AuditKind.OPS_HAND_OFF
    severity = "warning"
    labels = ("Team",)

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        facts = await _support(ctx)
        out: list[_Row] = []
        for found in kept_hand_offs(facts, ctx.ops_handoff_min_teams):
            if not _in_scope(ctx, [found.team, *(h.team for h in found.handed_off)]):
                continue
            teams = [f"{h.team} ({len(h.services)})" for h in found.handed_off]
            services = sorted({s for h in found.handed_off for s in h.services})
            out.append(
                self.audit(
                    Subject(found.team, "Team", found.team_name),
                    f"{found.team} answers the first page for {found.services} services of {len(found.handed_off)} other teams: "
                    f"{_listed(teams)}; their own members are not on the first level (services: {_listed(services)})",
                    "hand the pager back: give each owning team an escalation policy whose first level is its own schedule or "
                    f"members, and keep {found.team} on a later level if it is to back them up",
                    ctx,
                )
            )
        return sorted(out, key=lambda r: r.position)


class OwnPlatformAudit(_InMemory):
    kind = AuditKind.OWN_PLATFORM
    severity = "warning"
    labels = ("Team",)

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        platforms = await _platforms(ctx)
        standard = [p.key for p in platforms if p.standard]
        out: list[_Row] = []
        for found in own_platforms(platforms):
            p = found.platform
            if not _in_scope(ctx, [found.team, p.key]):
                continue
            others = sorted(t for t in p.service_owners if t != found.team)
            whose = f"{found.own_services} of its own" + (f", and services of {_listed(others)}" if others else "")
            where = f"not the standard platform {_listed(standard)}" if standard else "and no platform is marked standard"
            fix = (
                f"move its services to {_listed(standard)} and retire {p.key}; if {p.key} is to become the standard platform, "
                "make that one decision for the company and mark it standard instead"
                if standard
                else "mark the company's one standard platform (`standard: true` under platforms in catalog.yaml), then move "
                "the services off the others"
            )
            out.append(
                self.audit(
                    Subject(found.team, "Team", None),
                    f"{found.team} operates a platform of its own, {p.key} ({where}): {p.services} services run on it, {whose}",
                    fix,
                    ctx,
                    tie=p.key,
                )
            )
        return sorted(out, key=lambda r: r.position)


class SeveralStandardPlatforms(_InMemory):
    kind = AuditKind.SEVERAL_STANDARD_PLATFORMS
    severity = "error"
    labels = ("Platform",)

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        standard = several_standard(await _platforms(ctx))
        out: list[_Row] = []
        for p in standard:
            if not _in_scope(ctx, [p.key]):
                continue
            others = [f"{o.key} ({_declared(o)})" for o in standard if o.key != p.key]
            out.append(
                self.audit(
                    Subject(p.key, "Platform", p.name),
                    f"{p.key} is presented as the standard platform ({_declared(p)}), and so {'is' if len(others) == 1 else 'are'} "
                    f"{_listed(others)}: {len(standard)} standard platforms, so adoption counts services on any of them as standard; "
                    f"{p.services} services run on this one",
                    "keep one standard platform: remove `standard: true` from the others in catalog.yaml, or the annotation "
                    "ownership-catalog.io/standard-platform on their Backstage Resource, and plan their services' moves",
                    ctx,
                )
            )
        return sorted(out, key=lambda r: r.position)


async def _support(ctx: _Context) -> SupportFacts:
    """Read once per set of audits: its pages and counts share it."""
    if "support" not in ctx.memo:
        ctx.memo["support"] = await ctx.reader.support_facts(ctx.now)
    facts: SupportFacts = ctx.memo["support"]
    return facts


async def _platforms(ctx: _Context) -> list[PlatformFacts]:
    if "platforms" not in ctx.memo:
        ctx.memo["platforms"] = await ctx.reader.platform_facts()
    platforms: list[PlatformFacts] = ctx.memo["platforms"]
    return platforms


PRODUCERS: tuple[_Computed, ...] = (OpsHandOff(), OwnPlatformAudit(), SeveralStandardPlatforms())
"""Registered in ``catalog.answers.audits``."""

for _producer in PRODUCERS:
    register_producer(_producer)

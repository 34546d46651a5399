"""Who is on call for a service at an instant: the escalation chain level by level, and how far the data reaches.

``on_call(reader, service, at)`` answers for any instant, past or future, with the rules below.

Which policy
    The service's own escalation policies (``Service -ESCALATES_VIA-> EscalationPolicy``), the
    strongest link first (declared, configured, then a name match). A service with none falls
    back to the policies of its owner teams (``ACCOUNTABLE_FOR``, else the sources' ``OWNS``),
    and the answer says so. With neither, the answer says there is no on-call routing and names
    the owners' contacts.

Relationships at an instant
    A relationship (service → policy, team → policy, policy → person, owner) counts at T when its
    interval ``[first_seen, retired_at)`` contains T. When T is earlier than every version the
    catalog holds (it began syncing after T), the earliest version stands in and the answer says
    it was assumed.

Shifts at an instant
    PagerDuty dates shifts itself, so a shift counts at T when ``starts_at <= T < ends_at`` (a
    null bound is open: a permanent on-call). A current shift always counts. A retired shift
    counts only when the read that retired it did not look at T, i.e. T is before that read's
    on-call window (its ImportRun's ``shifts_since``): a later read that covered T and no longer
    listed the shift replaced it (an override, a swap), while one that did not reach back to T
    said nothing about it. The read that retired a shift is the ImportRun of the shift's source
    instance that started at the shift's ``retired_at``.

Levels and targets
    Levels, delays and targets are the policy as last read (``rules``), plus any level a shift
    names. A user the policy targets directly is paged at that level whenever the policy targets
    them at T (``ESCALATES_TO`` held), shift or not. A level with nobody on call is ``empty``;
    PagerDuty moves straight on to the next level, so the first level with someone is the first
    paged.

How far the data reaches
    Every chain states when its source instance was last read (the ``finished_at`` of its
    latest ImportRun) and the window its on-call data covers (the oldest read's ``since`` to the
    latest read's ``until``). T inside some read's window is ``covered``. Outside every window
    (``before``, ``beyond``, or a ``gap`` between reads) nobody is named, not an empty chain,
    unless shifts read then still reach T (``partial``: levels they do not reach are unknown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.answers.identify import Candidate, Identification, identify
from catalog.clock import instant, now_iso, parse_moment
from catalog.identity import STRENGTH_ORDER
from catalog.read import CatalogReader
from catalog.read.intervals import Dated, Interval, held
from catalog.read.oncall import Contact, OwnerEdge, Policy, PolicyLink, Runs, Shift, TargetEdge
from catalog.read.oncall import text as _text

__all__ = ["Contact", "Dated", "Interval", "OwnerEdge", "Policy", "PolicyLink", "Shift", "held"]  # (history builds on them)

COVERED, PARTIAL, BEFORE, BEYOND, GAP, NO_DATA = "covered", "partial", "before", "beyond", "gap", "no-data"
COVERAGES = (COVERED, PARTIAL, BEFORE, BEYOND, GAP, NO_DATA)
"""How the on-call data relates to the instant asked about (see the module docs)."""


class BadInstant(ValueError):
    """A time argument that is not ``now`` or an ISO-8601 time with a timezone."""


def parse_instant(text: str | None) -> str:
    """``None``, ``now``, a relative time (``-2h``), a plain date or an ISO-8601 time with a timezone → the stored form."""
    if text is None:
        return now_iso()
    try:
        return instant(parse_moment(text))
    except ValueError as exc:  # InstantError too: the message says what was wrong and how to write a time
        raise BadInstant(str(exc)) from exc


# -- the answer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OnCallPerson:
    key: str
    name: str
    email: str | None
    starts_at: str | None
    """Start of the shift; null when open-ended (a permanent on-call) or when the policy targets the person directly."""
    ends_at: str | None
    schedule_key: str | None
    schedule_name: str | None
    direct: bool
    """The policy targets the person directly (no schedule)."""
    permanent: bool
    """Neither start nor end: on call until the policy changes."""
    shift_key: str | None = None
    """The shift this comes from; null for a direct target without a shift."""


@dataclass(frozen=True)
class Target:
    """Whom a level pages: a schedule's on-call, or a user directly."""

    type: str
    """``schedule`` or ``user``."""
    key: str | None
    external_id: str | None
    name: str | None


@dataclass
class Level:
    level: int
    delay_minutes: int | None
    """Minutes before the next level is paged."""
    targets: list[Target] = field(default_factory=list)
    on_call: list[OnCallPerson] = field(default_factory=list)
    empty: bool | None = None
    """True when nobody is on call at this level at the instant; null when the data does not say."""


@dataclass(frozen=True)
class DataWindow:
    """How current and how far-reaching the on-call data of one source instance is."""

    source_instance: str | None
    refreshed_at: str | None
    """When the latest read of the source instance finished."""
    complete: bool | None
    """Whether that read was complete; a partial read keeps older shifts."""
    window_from: str | None
    """The oldest read's on-call window start."""
    window_until: str | None
    """The latest read's on-call window end."""
    coverage: str
    """covered, partial, before, beyond, gap or no-data (module docs)."""


@dataclass
class Chain:
    """One escalation policy that pages for the service, level by level at the instant."""

    policy: Policy
    team: Contact | None
    """Set when this is the owner team's policy, used because the service has none of its own."""
    strength: str | None
    evidence: str | None
    external_service: str | None
    levels: list[Level]
    first_paged_level: int | None
    data: DataWindow
    summary: str
    notes: list[str] = field(default_factory=list)


@dataclass
class OnCallAnswer:
    query: str
    at: str
    identification: Identification
    service: Candidate | None = None
    chains: list[Chain] = field(default_factory=list)
    """Every policy that pages for the service, the strongest link first."""
    used_team_policy: bool = False
    owners: list[Contact] = field(default_factory=list)
    """The service's owners at the instant, with their contacts."""
    sources: list[DataWindow] = field(default_factory=list)
    """With no routing: each on-call source instance, when it was last read and what it covers."""
    message: str = ""

    @property
    def primary(self) -> Chain | None:
        return self.chains[0] if self.chains else None

    @property
    def found(self) -> bool:
        return self.service is not None


# -- ownership and routing ------------------------------------------------------------------


async def ownership_edges(reader: CatalogReader, key: str) -> list[OwnerEdge]:
    """Every ownership relationship of the service, current and retired: resolved owners and sources' claims."""
    return await reader.ownership_edges(key)


def owners_at(
    edges: Sequence[OwnerEdge], start: str, end: str | None = None, *, assume_earliest: bool = True
) -> tuple[list[Contact], str | None]:
    """The resolved owners held at the instant (or during the window); the sources' claims when nothing was resolved."""
    for rel in ("ACCOUNTABLE_FOR", "OWNS"):
        found, assumed = held([e for e in edges if e.rel == rel], start, end, assume_earliest=assume_earliest)
        if found:
            return _unique(e.owner for e in found), assumed
    return [], None


def _unique(contacts: Any) -> list[Contact]:
    seen: dict[str, Contact] = {}
    for contact in contacts:
        seen.setdefault(contact.key, contact)
    return sorted(seen.values(), key=lambda c: (c.kind != "Team", c.name.lower(), c.key))


def _strongest_first(links: Sequence[PolicyLink]) -> list[PolicyLink]:
    best: dict[tuple[str, str | None], PolicyLink] = {}
    order = sorted(links, key=lambda lk: (STRENGTH_ORDER.get(lk.strength or "", 9), lk.team or "", lk.policy))
    for link in order:
        best.setdefault((link.policy, link.team), link)
    return list(best.values())


@dataclass
class Routing:
    """The policies that page for a service at an instant or over a window, and why."""

    links: list[PolicyLink]
    used_team_policy: bool
    owners: list[Contact]
    notes: list[str]


async def routing(reader: CatalogReader, key: str, start: str, end: str | None = None) -> Routing:
    """The service's own policies held at ``start`` (or during ``[start, end)``), else its owner teams'."""
    # Both reads at once: the links cover every team that ever owned the service, so they need not wait for the owners.
    links, edges = await asyncio.gather(reader.escalation_links(key), reader.ownership_edges(key))
    notes: list[str] = []
    own, assumed = held([lk for lk in links if lk.team is None], start, end)
    if assumed:
        notes.append(
            f"the catalog first saw the service's escalation policy link at {assumed}, after the time asked about; assumed it held"
        )
    owners, owners_assumed = owners_at(edges, start, end)
    if own:
        return Routing(_strongest_first(own), False, owners, notes)
    teams = {o.key for o in owners if o.kind == "Team"}
    team_links, team_assumed = held([lk for lk in links if lk.team in teams], start, end)
    if team_links:
        if owners_assumed:
            notes.append(f"the catalog's ownership record starts at {owners_assumed}, after the time asked about; assumed that owner")
        if team_assumed:
            notes.append(
                f"the catalog first saw the team's escalation policy at {team_assumed}, after the time asked about; assumed it held"
            )
    return Routing(_strongest_first(team_links), bool(team_links), owners, notes)


# -- shifts ---------------------------------------------------------------------------------


def counts_at(shift: Shift, t: str) -> bool:
    """The shift rule (module docs): current shifts count; a retired one only before the window of the read that retired it."""
    if shift.retired_at is None:
        return True
    return shift.retired_by_since is not None and t < shift.retired_by_since


async def shifts_starting(reader: CatalogReader, policies: Sequence[str], start: str, end: str) -> list[Shift]:
    """Shifts of the policies that start in ``[start, end)`` and held at their start (the shift rule), by start time."""
    shifts = await reader.shifts_starting(policies, start, end)
    kept = [s for s in shifts if s.starts_at is not None and counts_at(s, s.starts_at)]
    kept.sort(key=lambda s: (s.starts_at or "", s.policy, s.level, s.person))
    return kept


# -- how far the data reaches -------------------------------------------------------------


def data_window(runs: Runs | None, instance: str | None, t: str) -> DataWindow:
    """When ``instance`` was last read, the window its on-call data covers, and where ``t`` falls (before the shift check)."""
    if instance is None or runs is None:
        return DataWindow(instance, None, None, None, None, NO_DATA)
    latest, earliest = runs.latest, runs.earliest

    def window(coverage: str) -> DataWindow:
        return DataWindow(instance, latest.finished_at, latest.complete, earliest.since, latest.until, coverage)

    if latest.covers(t) or earliest.covers(t):
        return window(COVERED)
    if latest.until is not None and t >= latest.until:
        return window(BEYOND)
    if earliest.since is None or t < earliest.since:
        return window(BEFORE)
    return window(COVERED if any(r is not None and r.covers(t) for r in (runs.before, runs.after)) else GAP)


async def on_call_sources(reader: CatalogReader, t: str) -> list[DataWindow]:
    """Every instance of an on-call source that has been read, with its data window against ``t``."""
    runs = await reader.on_call_runs(t)
    return [data_window(runs[instance], instance, t) for instance in sorted(runs)]


# -- building the chain -------------------------------------------------------------------


async def people_and_schedules(
    reader: CatalogReader, people: set[str], schedules: set[str]
) -> tuple[dict[str, Contact], dict[str, tuple[str | None, str | None]]]:
    """People by key (as contacts) and schedules by key (name, PagerDuty id), retired or not: history needs both."""
    return await reader.people_and_schedules(people, schedules)


def _levels(rules: Sequence[dict[str, Any]] | None, edges: Sequence[TargetEdge], t: str) -> dict[int, Level]:
    levels: dict[int, Level] = {}
    if rules is not None:
        for rule in rules:
            delay = rule.get("delay_minutes")
            level = levels.setdefault(rule["level"], Level(rule["level"], delay if isinstance(delay, int) else None))
            for target in rule.get("targets") or ():
                if isinstance(target, dict):
                    level.targets.append(Target(str(target.get("type") or "?"), _text(target.get("key")), _text(target.get("id")), None))
        return levels
    # No rules stored: the targets held at t, by level.
    current, _ = held(edges, t)
    for edge in current:
        for number in edge.levels:
            kind = "schedule" if edge.label == "Schedule" else "user"
            levels.setdefault(number, Level(number, None)).targets.append(Target(kind, edge.target, None, None))
    return levels


def _describe_people(people: Sequence[OnCallPerson]) -> str:
    parts = []
    for p in people:
        if p.direct:
            parts.append(f"{p.name} (directly)")
        elif p.permanent:
            parts.append(f"{p.name} (permanently)")
        else:
            where = f"{p.schedule_name or 'a schedule'}" + (f", until {p.ends_at}" if p.ends_at else "")
            parts.append(f"{p.name} ({where})")
    return ", ".join(parts)


def _levels_text(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"level {numbers[0]} is"
    return f"levels {', '.join(str(n) for n in numbers[:-1])} and {numbers[-1]} are"


def _targets_text(levels: Sequence[Level]) -> str:
    parts = []
    for level in levels:
        names = [t.name or t.key or t.external_id or "?" for t in level.targets]
        parts.append(f"level {level.level}: {', '.join(names) or 'no targets'}")
    return "; ".join(parts)


def _summary(policy: Policy, levels: Sequence[Level], first: int | None, data: DataWindow, t: str) -> str:
    name = policy.name or policy.key
    source = data.source_instance or "its source"
    if policy.referenced_only and not any(lv.on_call for lv in levels):
        return (
            f"it escalates via policy {name} ({policy.external_id or policy.key}), which is not in the export of {source}: "
            "its levels and who it pages are not known (no other policy stands in for it)"
        )
    if data.coverage == NO_DATA:
        return f"no read of {source} is recorded, so who is on call for {name} at {t} is not known; it pages {_targets_text(levels)}"
    if data.coverage == BEYOND:
        return (
            f"the on-call data of {source} reaches only until {data.window_until}; {t} is beyond it, so who is on call then is not "
            f"known yet (policy {name} pages {_targets_text(levels)})"
        )
    if data.coverage == BEFORE:
        return (
            f"the on-call data of {source} starts at {data.window_from}; {t} is before it, so who was on call then is not known "
            f"(policy {name} pages {_targets_text(levels)})"
        )
    if data.coverage == GAP:
        return (
            f"{t} falls between the on-call windows of two reads of {source} (syncs stopped for a while); who was on call then is not known"
        )
    known = [lv for lv in levels if lv.empty is not None]
    if not any(lv.on_call for lv in levels):
        if data.coverage == PARTIAL:
            return f"{t} is outside the on-call windows of {source} and no shift read then reaches it"
        return f"nobody is on call at any level of {name} at {t}: an incident would page no one"
    prefix = ""
    if data.coverage == PARTIAL:
        unknown = [lv.level for lv in levels if lv.empty is None]
        who = f"; who held level {', '.join(str(n) for n in unknown)} is unknown" if unknown else ""
        prefix = f"{t} is outside the on-call windows of {source}, but shifts read then reach it{who}; "
    if first is None:
        holders = [lv for lv in levels if lv.on_call]
        return prefix + "; ".join(f"level {lv.level}: {_describe_people(lv.on_call)}" for lv in holders)
    level = next(lv for lv in levels if lv.level == first)
    empty = [lv.level for lv in known if lv.empty and lv.level < first]
    if empty:
        return prefix + f"{_levels_text(empty)} empty at {t}; level {first} is paged first: {_describe_people(level.on_call)}"
    return prefix + f"level {first} is paged first: {_describe_people(level.on_call)}"


async def _chains(reader: CatalogReader, links: Sequence[PolicyLink], t: str, owners: Sequence[Contact]) -> list[Chain]:
    keys = sorted({lk.policy for lk in links})
    # Independent reads, awaited together: one wait on the store, then one for the people they name.
    policies, edges, covering, runs = await asyncio.gather(
        reader.policy_facts(keys), reader.target_edges(keys), reader.shifts_covering(keys, t), reader.on_call_runs(t)
    )
    missing = sorted({f.policy.source_instance for f in policies.values() if f.policy.source_instance} - runs.keys())
    if missing:  # a policy read by a source not among ON_CALL_SOURCES
        runs = {**runs, **await reader.on_call_runs(t, missing)}
    shifts = [s for s in covering if counts_at(s, t)]
    people = {s.person for s in shifts} | {e.target for e in edges if e.label == "Person"}
    schedules = {s.schedule for s in shifts if s.schedule} | {e.target for e in edges if e.label == "Schedule"}
    for facts in policies.values():
        for rule in facts.rules or ():
            for target in rule.get("targets") or ():
                key = _text(target.get("key")) if isinstance(target, dict) else None
                if key:
                    (schedules if target.get("type") == "schedule" else people).add(key)
    persons, schedule_names = await reader.people_and_schedules(people, schedules)
    windows: dict[str | None, DataWindow] = {}
    teams = {o.key: o for o in owners}
    chains: list[Chain] = []
    for link in links:
        found = policies.get(link.policy)
        if found is None:
            continue
        policy, rules = found.policy, found.rules
        policy_edges = [e for e in edges if e.policy == policy.key]
        levels = _levels(rules, policy_edges, t)
        for level in levels.values():
            level.targets = [_named_target(tg, persons, schedule_names) for tg in level.targets]
        own_shifts = sorted((s for s in shifts if s.policy == policy.key), key=lambda s: (s.level, s.starts_at or "", s.person))
        for s in own_shifts:
            level = levels.setdefault(s.level, Level(s.level, None))
            contact = persons.get(s.person) or Contact(s.person, "Person", s.person.rpartition("/")[2])
            sched_name = schedule_names.get(s.schedule, (None, None))[0] if s.schedule else None
            level.on_call.append(
                OnCallPerson(
                    contact.key,
                    contact.name,
                    contact.email,
                    s.starts_at,
                    s.ends_at,
                    s.schedule,
                    sched_name,
                    direct=s.schedule is None,
                    permanent=s.starts_at is None and s.ends_at is None,
                    shift_key=s.key,
                )
            )
        _add_direct_targets(levels, policy_edges, persons, t)
        if policy.source_instance not in windows:
            instance = policy.source_instance
            windows[instance] = data_window(runs.get(instance) if instance else None, instance, t)
        data = windows[policy.source_instance]
        if data.coverage in (BEFORE, BEYOND, GAP, NO_DATA) and any(s.starts_at is not None or s.ends_at is not None for s in own_shifts):
            data = DataWindow(data.source_instance, data.refreshed_at, data.complete, data.window_from, data.window_until, PARTIAL)
        ordered = [levels[n] for n in sorted(levels)]
        for level in ordered:
            if data.coverage == COVERED:
                level.empty = not level.on_call
            elif data.coverage == PARTIAL:
                level.empty = False if level.on_call else None
            else:
                level.on_call = []
                level.empty = None
        first = _first_paged(ordered)
        notes = []
        if policy.referenced_only:
            notes.append(
                f"policy {policy.name or policy.key} is not in the export: the service names it, but the policies listing "
                "lacked it, so its levels are unknown"
            )
        if policy.retired:
            notes.append(f"policy {policy.name or policy.key} is no longer in PagerDuty; this is what it said before")
        if data.complete is False:
            notes.append(f"the latest read of {data.source_instance} was partial: shifts it could not read are kept from earlier reads")
        if policy.num_loops:
            notes.append(f"after the last level the policy repeats {policy.num_loops} more time(s)")
        team = teams.get(link.team) if link.team else None
        if link.team and team is None:
            team = Contact(link.team, "Team", link.team.rpartition("/")[2])
        chains.append(
            Chain(
                policy,
                team,
                link.strength,
                link.evidence,
                link.external_service,
                ordered,
                first,
                data,
                _summary(policy, ordered, first, data, t),
                notes,
            )
        )
    return chains


def _named_target(target: Target, persons: dict[str, Contact], schedules: dict[str, tuple[str | None, str | None]]) -> Target:
    if target.key is None:
        return target
    if target.type == "schedule":
        return Target(
            target.type,
            target.key,
            target.external_id or schedules.get(target.key, (None, None))[1],
            schedules.get(target.key, (None, None))[0],
        )
    contact = persons.get(target.key)
    return Target(target.type, target.key, target.external_id, contact.name if contact else None)


def _add_direct_targets(levels: dict[int, Level], edges: Sequence[TargetEdge], persons: dict[str, Contact], t: str) -> None:
    """A user the policy targets directly is paged at that level, whether or not a shift says so."""
    for level in levels.values():
        for target in level.targets:
            if target.type != "user" or target.key is None or any(p.key == target.key for p in level.on_call):
                continue
            versions = [e for e in edges if e.target == target.key and level.level in e.levels]
            if not held(versions, t)[0]:
                continue
            contact = persons.get(target.key) or Contact(target.key, "Person", target.name or target.key.rpartition("/")[2])
            level.on_call.append(
                OnCallPerson(contact.key, contact.name, contact.email, None, None, None, None, direct=True, permanent=True)
            )


def _first_paged(levels: Sequence[Level]) -> int | None:
    """The first level with someone on call, when every level before it is known to be empty."""
    for level in levels:
        if level.on_call:
            return level.level
        if level.empty is None:
            return None
    return None


# -- the question -------------------------------------------------------------------------


def contacts_text(owners: Sequence[Contact]) -> str:
    """``Data (data@acme.example, #data-help); ...``, or a sentence saying there is no owner."""
    if not owners:
        return "the catalog knows no owner for it"
    parts = []
    for o in owners:
        ways = [w for w in (o.email, o.chat_channel) if w]
        parts.append(f"{o.name} ({', '.join(ways)})" if ways else o.name)
    return "contact its owner: " + "; ".join(parts)


def _refresh_text(chain: Chain) -> str:
    data = chain.data
    if data.refreshed_at is None:
        return ""
    reach = f"; on-call data covers {data.window_from} to {data.window_until}" if data.window_from or data.window_until else ""
    return f" (data from {data.source_instance}, last refreshed {data.refreshed_at}{reach})"


async def on_call(reader: CatalogReader, service: str, at: str | None = None) -> OnCallAnswer:
    """Who is on call for ``service`` at ``at`` (ISO-8601 or ``now``; default now), level by level."""
    t = parse_instant(at)
    ident = await identify(reader, service)
    chosen = ident.unique
    if chosen is None:
        return OnCallAnswer(service, t, ident, message=ident.message)
    return await on_call_for(reader, chosen, t, ident)


async def on_call_for(reader: CatalogReader, service: Candidate, t: str, ident: Identification | None = None) -> OnCallAnswer:
    """The on-call answer for an identified service at the stored-form instant ``t``."""
    ident = ident or Identification(service.key, [service])
    route = await routing(reader, service.key, t)
    answer = OnCallAnswer(ident.query, t, ident, service, used_team_policy=route.used_team_policy, owners=route.owners)
    if not route.links:
        answer.sources = await on_call_sources(reader, t)
        read = "; ".join(f"{d.source_instance} last refreshed {d.refreshed_at}" for d in answer.sources) or "no on-call source was synced"
        answer.message = (
            f"{service.name} has no on-call routing at {t}: no escalation policy of its own or of its owner team; "
            f"{contacts_text(route.owners)} ({read})"
        )
        return answer
    answer.chains = await _chains(reader, route.links, t, route.owners)
    for chain in answer.chains:
        chain.notes[:0] = route.notes
    primary = answer.chains[0]
    lead = ""
    policy = primary.policy.name or primary.policy.key
    if route.used_team_policy and primary.team is not None:
        lead = f"{service.name} has no escalation policy of its own; using team {primary.team.name}'s policy {policy}. "
    elif primary.strength == "inferred":
        lead = f"{service.name} is linked to policy {policy} only by name ({primary.evidence}). "
    more = f" {len(answer.chains) - 1} more policies page for it too." if len(answer.chains) > 1 else ""
    answer.message = lead + primary.summary + _refresh_text(primary) + "." + more
    return answer


async def team_chains(reader: CatalogReader, team: str, at: str | None = None) -> list[Chain]:
    """The escalation policies of team ``team`` (a key), level by level at ``at`` (default now), strongest link first."""
    t = parse_instant(at)
    links, _ = held(await reader.team_escalation_links([team]), t, assume_earliest=False)
    return await _chains(reader, _strongest_first(links), t, [])

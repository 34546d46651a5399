"""What held at a past instant, and what changed over a window: owners, sources' claims, on-call handovers.

Nothing in the catalog is deleted: a relationship keeps ``first_seen`` and ``retired_at`` (null
while current), and one that comes back after it was retired is a new relationship with a new
interval. So:

- ``owner_at(reader, service, at)``: the resolved owners (``ACCOUNTABLE_FOR``) and each source's
  claim (``OWNS``) whose interval ``[first_seen, retired_at)`` contains ``at``. Before the first
  sync that saw any owner the answer says when the record starts, rather than guess.
- on call at a past instant is ``catalog.answers.oncall.on_call`` with ``at`` in the past (its
  module docs give the rule for shifts that later reads replaced).
- ``changes(reader, service, start, end)``: ownership relationships that began or ended in
  ``[start, end)`` (who, which source, when) and on-call handovers (shift starts, by the same
  shift rule as ``on_call``) of the policies that paged for the service then, ordered by time,
  one page at a time.

A service that is gone from the catalog still has history: the service argument is looked up
among retired services too when ``identify`` finds no current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.answers.identify import Candidate, Identification, identify
from catalog.answers.oncall import contacts_text, parse_instant, people_and_schedules, routing, shifts_starting
from catalog.read import CatalogReader
from catalog.read.intervals import held
from catalog.read.oncall import Contact, OwnerEdge
from catalog.refs import InvalidReference, parse_ref

OWNER_ADDED, OWNER_REMOVED = "owner-added", "owner-removed"
CLAIM_ADDED, CLAIM_REMOVED = "claim-added", "claim-removed"
HANDOVER = "on-call-handover"
EVENT_KINDS = (OWNER_ADDED, OWNER_REMOVED, CLAIM_ADDED, CLAIM_REMOVED, HANDOVER)
_ORDER = {OWNER_REMOVED: 0, CLAIM_REMOVED: 1, OWNER_ADDED: 2, CLAIM_ADDED: 3, HANDOVER: 4}
"""At one instant, what ended is listed before what began."""

DEFAULT_LIMIT = 50


class BadWindow(ValueError):
    """A window whose end is not after its start."""


async def identify_any(reader: CatalogReader, text: str) -> tuple[Identification, bool]:
    """``identify``, then a service key or ``[namespace/]name`` among retired services; True when it is retired."""
    ident = await identify(reader, text)
    if ident.matches:
        return ident, False
    try:
        key = parse_ref(text.strip(), default_kind="component").key
    except InvalidReference:
        return ident, False
    if not key.startswith("component:"):
        return ident, False
    service = await reader.any_service(key)
    if service is None:
        return ident, False
    found = Candidate(service.key, service.name or key, "key of a retired service")
    return Identification(text, [found], interpreted_as="key of a service no longer in the catalog"), True


# -- owner at an instant -------------------------------------------------------------------


@dataclass
class OwnerAtAnswer:
    query: str
    at: str
    identification: Identification
    service: Candidate | None = None
    retired_service: bool = False
    """The service is no longer in the catalog; its history still answers."""
    owners: list[OwnerEdge] = field(default_factory=list)
    """Resolved owners (``ACCOUNTABLE_FOR``) at the instant, with their intervals."""
    claims: list[OwnerEdge] = field(default_factory=list)
    """What each source said (``OWNS``) at the instant, with their intervals."""
    record_starts: str | None = None
    """When the catalog first saw any owner of the service; earlier instants have no answer."""
    message: str = ""


async def owner_at(reader: CatalogReader, service: str, at: str | None) -> OwnerAtAnswer:
    """Who owned ``service`` at ``at`` (ISO-8601 or ``now``), resolved and per source."""
    t = parse_instant(at)
    ident, retired = await identify_any(reader, service)
    chosen = ident.unique
    if chosen is None:
        return OwnerAtAnswer(service, t, ident, message=ident.message)
    edges = await reader.ownership_edges(chosen.key)
    owners, _ = held([e for e in edges if e.rel == "ACCOUNTABLE_FOR"], t, assume_earliest=False)
    claims, _ = held([e for e in edges if e.rel == "OWNS"], t, assume_earliest=False)
    starts = min((e.interval.first_seen for e in edges if e.interval.first_seen), default=None)
    answer = OwnerAtAnswer(service, t, ident, chosen, retired, _sorted(owners), _sorted(claims), starts)
    answer.message = _owner_message(chosen, t, answer)
    return answer


def _sorted(edges: list[OwnerEdge]) -> list[OwnerEdge]:
    return sorted(edges, key=lambda e: (e.owner.name.lower(), e.owner.key, e.source or "", e.source_instance or ""))


def _owner_message(service: Candidate, t: str, answer: OwnerAtAnswer) -> str:
    if answer.record_starts is None:
        return f"the catalog has no ownership record for {service.name}"
    if t < answer.record_starts:
        return f"the catalog's ownership record for {service.name} starts at {answer.record_starts}; {t} is before it"
    if answer.owners:
        names = ", ".join(e.owner.name for e in answer.owners)
        rule = answer.owners[0].why
        return f"at {t} {service.name} was owned by {names}" + (f" ({rule})" if rule else "")
    if answer.claims:
        said = "; ".join(f"{e.source} said {e.owner.name}" for e in answer.claims)
        return f"at {t} no owner of {service.name} was resolved yet; {said}"
    return f"at {t} {service.name} had no owner"


# -- changes over a window ------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEvent:
    at: str
    kind: str
    """owner-added, owner-removed, claim-added, claim-removed or on-call-handover."""
    who: Contact
    """The owner, or the person taking the on-call."""
    text: str
    """One line for people."""
    source: str | None = None
    source_instance: str | None = None
    strength: str | None = None
    why: str | None = None
    """The reconcile rule or the source's evidence, for ownership events."""
    policy_key: str | None = None
    policy_name: str | None = None
    level: int | None = None
    schedule_key: str | None = None
    schedule_name: str | None = None
    until: str | None = None
    """For a handover: when the shift ends (null: open-ended)."""

    @property
    def key(self) -> str:
        """Position in the ordered list; cursors carry it."""
        extra = self.policy_key or self.source_instance or ""
        return "\x1f".join((self.at, f"{_ORDER[self.kind]:02d}", self.who.key, extra, f"{self.level or 0:04d}", self.schedule_key or ""))


@dataclass
class ChangesAnswer:
    query: str
    start: str
    end: str
    identification: Identification
    service: Candidate | None = None
    retired_service: bool = False
    events: list[HistoryEvent] = field(default_factory=list)
    """This page of events, in time order."""
    total: int = 0
    """Events in the whole window."""
    has_next: bool = False
    after: str | None = None
    message: str = ""


def _ownership_events(edges: list[OwnerEdge], start: str, end: str) -> list[HistoryEvent]:
    events: list[HistoryEvent] = []
    for e in edges:
        resolved = e.rel == "ACCOUNTABLE_FOR"
        for at, began in ((e.interval.first_seen, True), (e.interval.retired_at, False)):
            if at is None or not start <= at < end:
                continue
            if resolved:
                kind = OWNER_ADDED if began else OWNER_REMOVED
                text = (
                    f"{e.owner.name} "
                    + ("became the owner" if began else "stopped being the owner")
                    + (f" ({e.why})" if e.why and began else "")
                )
            else:
                kind = CLAIM_ADDED if began else CLAIM_REMOVED
                verb = "began to name" if began else "stopped naming"
                text = f"{e.source_instance or e.source} {verb} {e.owner.name} as owner" + (
                    f" ({e.strength}: {e.why})" if began and e.why else ""
                )
            events.append(HistoryEvent(at, kind, e.owner, text, e.source, e.source_instance, e.strength, e.why))
    return events


async def changes(
    reader: CatalogReader, service: str, start: str, end: str, *, first: int = DEFAULT_LIMIT, after: str | None = None
) -> ChangesAnswer:
    """Ownership changes and on-call handovers of ``service`` in ``[start, end)``, in time order, ``first`` after ``after``.

    ``start`` and ``end`` are ISO-8601 (or ``now``); ``after`` is the ``key`` of the last event of
    the previous page.
    """
    t0, t1 = parse_instant(start), parse_instant(end)
    if t1 <= t0:
        raise BadWindow(f"the window ends ({t1}) before or when it starts ({t0}); give `to` after `from`")
    if first < 0:
        raise ValueError(f"first {first} is negative; ask for 0 or more events")
    ident, retired = await identify_any(reader, service)
    chosen = ident.unique
    if chosen is None:
        return ChangesAnswer(service, t0, t1, ident, message=ident.message)
    events = _ownership_events(await reader.ownership_edges(chosen.key), t0, t1)
    route = await routing(reader, chosen.key, t0, t1)
    policies = sorted({lk.policy for lk in route.links})
    names = await reader.names_any("EscalationPolicy", policies)
    shifts = await shifts_starting(reader, policies, t0, t1)
    people, schedules = await people_and_schedules(reader, {s.person for s in shifts}, {s.schedule for s in shifts if s.schedule})
    for s in shifts:
        who = people.get(s.person) or Contact(s.person, "Person", s.person.rpartition("/")[2])
        schedule = schedules.get(s.schedule, (None, None))[0] if s.schedule else None
        policy = names.get(s.policy) or s.policy
        where = f" ({schedule})" if schedule else " (directly)"
        text = f"{who.name} takes level {s.level} of {policy}{where}" + (f" until {s.ends_at}" if s.ends_at else "")
        events.append(
            HistoryEvent(
                s.starts_at or t0,
                HANDOVER,
                who,
                text,
                source_instance=s.source_instance,
                policy_key=s.policy,
                policy_name=names.get(s.policy),
                level=s.level,
                schedule_key=s.schedule,
                schedule_name=schedule,
                until=s.ends_at,
            )
        )
    events.sort(key=lambda ev: ev.key)
    remaining = [ev for ev in events if after is None or ev.key > after]
    page = remaining[:first]
    answer = ChangesAnswer(service, t0, t1, ident, chosen, retired, page, len(events), len(remaining) > first, after)
    owners = sum(1 for ev in events if ev.kind != HANDOVER)
    via = ""
    if route.used_team_policy:
        via = " (through its owner team's policy: it has none of its own)"
    elif not route.links:
        via = f"; it had no on-call routing then ({contacts_text(route.owners)})"
    answer.message = (
        f"{len(events)} changes to {chosen.name} from {t0} to {t1}: {owners} in ownership, {len(events) - owners} on-call handovers{via}"
    )
    return answer

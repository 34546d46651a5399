"""Who is on call, level by level, at an instant; who owned a service then; what changed over a window.

The rules (which policy, which shifts count at an instant, how far the data reaches) are in
``catalog.answers.oncall`` and ``catalog.answers.history``; these types present their answers.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from catalog.answers import history as hist
from catalog.answers import oncall as oc
from catalog.api.context import Info
from catalog.api.entity import as_time
from catalog.api.identification import Identification, identification_of
from catalog.api.limits import checked_first
from catalog.api.oncall.nodes import EscalationPolicy, Schedule, policy_object, schedule_object
from catalog.api.owners import (
    Contact,
    EvidenceStrength,
    OwnershipClaim,
    ResolvedOwnership,
    claim_of_edge,
    contact_of_card,
    contacts,
    person_object,
    resolution_of_edge,
    strength_of,
)
from catalog.api.pagination import After, Connection, First, build_connection, decode_cursor, known_count
from catalog.api.teams.types import Person


@strawberry.enum(description="Where the instant asked about falls against the on-call data the catalog holds.")
class OnCallCoverage(Enum):
    COVERED = strawberry.enum_value(oc.COVERED, description="Inside the window of some read: nobody on call means nobody.")
    PARTIAL = strawberry.enum_value(
        oc.PARTIAL, description="Outside every read's window, but shifts read then reach it; levels they do not reach are unknown."
    )
    BEFORE = strawberry.enum_value(oc.BEFORE, description="Before the oldest on-call data: not known.")
    BEYOND = strawberry.enum_value(oc.BEYOND, description="After the newest on-call data reaches (`windowEndsAt`): not known yet.")
    GAP = strawberry.enum_value(oc.GAP, description="Between the windows of two reads (syncs stopped for a while): not known.")
    NO_DATA = strawberry.enum_value(oc.NO_DATA, description="No read of the policy's source is recorded.")


@strawberry.type(description="Someone on call at a level at the instant: from a shift, or targeted by the policy directly.")
class OnCallPerson:
    row: strawberry.Private[oc.OnCallPerson]

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Email address.")
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field(description="Start of the shift; null when open-ended or when the policy targets the person directly.")
    def starts_at(self) -> datetime | None:
        return as_time(self.row.starts_at)

    @strawberry.field(description="End of the shift (the next handover); null when open-ended or a direct target.")
    def ends_at(self) -> datetime | None:
        return as_time(self.row.ends_at)

    @strawberry.field(description="The schedule the shift comes from; null when the policy targets the person directly.")
    async def schedule(self, info: Info) -> Schedule | None:
        return await schedule_object(info, self.row.schedule_key, self.row.schedule_name)

    @strawberry.field(description="True when the policy targets the person directly rather than through a schedule.")
    def is_direct(self) -> bool:
        return self.row.direct

    @strawberry.field(description="True when on call with no start or end: until the policy or schedule changes.")
    def is_permanent(self) -> bool:
        return self.row.permanent

    @strawberry.field(description="The person (marked `isRetired` if gone from the catalog since).")
    async def person(self, info: Info) -> Person:
        return await person_object(info, self.row.key, self.row.name)


@strawberry.enum(description="What an escalation level pages.")
class EscalationTargetType(Enum):
    SCHEDULE = strawberry.enum_value("schedule", description="Whoever is on call on a schedule.")
    USER = strawberry.enum_value("user", description="A person, directly.")


EscalationTargetObject = Annotated[
    Person | Schedule, strawberry.union("EscalationTargetObject", description="A person or a schedule an escalation level pages.")
]


@strawberry.type(description="Whom a level pages: a schedule's on-call, or a user directly.")
class EscalationTarget:
    row: strawberry.Private[oc.Target]

    @strawberry.field(description="Whether the level pages a schedule's on-call or a person directly.")
    def type(self) -> EscalationTargetType:
        return EscalationTargetType(self.row.type)

    @strawberry.field(description="The schedule or person; null when the catalog does not hold it (the policy names an unknown id).")
    async def target(self, info: Info) -> EscalationTargetObject | None:
        if self.row.key is None:
            return None
        if self.row.type == "schedule":
            return await schedule_object(info, self.row.key, self.row.name)
        return await person_object(info, self.row.key, self.row.name)

    @strawberry.field(description="The PagerDuty id.")
    def external_id(self) -> str | None:
        return self.row.external_id

    @strawberry.field(description="The schedule's or person's name.")
    def name(self) -> str | None:
        return self.row.name


@strawberry.type(description="One level of an escalation policy and who is on call at it at the instant.")
class EscalationLevel:
    row: strawberry.Private[oc.Level]

    @strawberry.field(description="The level, from 1: level 1 is paged first unless it is empty.")
    def level(self) -> int:
        return self.row.level

    @strawberry.field(description="Minutes before the next level is paged when nobody acknowledges.")
    def delay_minutes(self) -> int | None:
        return self.row.delay_minutes

    @strawberry.field(description="Whom the level pages: schedules and users targeted directly.")
    def targets(self) -> list[EscalationTarget]:
        return [EscalationTarget(row=t) for t in self.row.targets]

    @strawberry.field(description="Who is on call at the level at the instant; several with several schedules (follow-the-sun).")
    def on_call(self) -> list[OnCallPerson]:
        return [OnCallPerson(row=p) for p in self.row.on_call]

    @strawberry.field(
        description="True when nobody is on call at the level then (PagerDuty moves straight on to the next level); "
        "null when the data does not reach the instant."
    )
    def is_empty(self) -> bool | None:
        return self.row.empty


@strawberry.type(description="One escalation policy paging for the service, level by level at the instant, and how current its data is.")
class OnCallChain:
    row: strawberry.Private[oc.Chain]

    @strawberry.field(description="The escalation policy.")
    async def policy(self, info: Info) -> EscalationPolicy:
        return await policy_object(info, self.row.policy.key, self.row.policy.name)

    @strawberry.field(description="The owner team whose policy this is, when the service has none of its own; null otherwise.")
    def team(self) -> Contact | None:
        return None if self.row.team is None else Contact(row=contact_of_card(self.row.team))

    @strawberry.field(description="How strong the link to the policy is: declared, configured or inferred (a name match).")
    def link_strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)

    @strawberry.field(description="What links them, e.g. `identifier pagerduty-service PABC123`.")
    def link_evidence(self) -> str | None:
        return self.row.evidence

    @strawberry.field(description="The PagerDuty service id(s) through which the service pages via this policy.")
    def pagerduty_services(self) -> list[str]:
        return [s for s in (self.row.external_service or "").split(",") if s]

    @strawberry.field(description="The levels in order, each with who is on call at the instant.")
    def levels(self) -> list[EscalationLevel]:
        return [EscalationLevel(row=lv) for lv in self.row.levels]

    @strawberry.field(description="The first level with someone on call, when every level before it is empty: who gets paged first.")
    def first_paged_level(self) -> int | None:
        return self.row.first_paged_level

    @strawberry.field(description="When the policy's PagerDuty instance was last read (the latest import run finished).")
    def data_refreshed_at(self) -> datetime | None:
        return as_time(self.row.data.refreshed_at)

    @strawberry.field(description="False when that read was partial (shifts it could not read are kept from earlier reads).")
    def is_last_read_complete(self) -> bool | None:
        return self.row.data.complete

    @strawberry.field(description="Start of the on-call data: the oldest read's window start.")
    def window_starts_at(self) -> datetime | None:
        return as_time(self.row.data.window_from)

    @strawberry.field(description="End of the on-call data: the latest read's window end; later instants are not known yet.")
    def window_ends_at(self) -> datetime | None:
        return as_time(self.row.data.window_until)

    @strawberry.field(description="Where the instant falls against that data.")
    def coverage(self) -> OnCallCoverage:
        return OnCallCoverage(self.row.data.coverage)

    @strawberry.field(description="One line: which level is paged first and who is on it, or why that is not known.")
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field(description="Caveats: assumptions about the past, a retired policy, a partial read, loops.")
    def notes(self) -> list[str]:
        return list(self.row.notes)


@strawberry.type(
    description="Who is on call for a service at an instant. The top-level policy, levels and data fields are those of the "
    "first chain (the strongest link); `chains` lists every policy that pages for the service."
)
class OnCallAnswer:
    row: strawberry.Private[oc.OnCallAnswer]

    def _primary(self) -> oc.Chain | None:
        return self.row.primary

    @strawberry.field(description="What the service argument named, or the candidates when it named several services or none.")
    def identification(self) -> Identification:
        service = self.row.service
        return identification_of(self.row.identification, service_key=None if service is None else service.key)

    @strawberry.field(description="The instant answered for.")
    def at(self) -> datetime:
        moment = as_time(self.row.at)
        assert moment is not None
        return moment

    @strawberry.field(description="The policy of the first chain; null when no policy pages for the service.")
    async def policy(self, info: Info) -> EscalationPolicy | None:
        primary = self._primary()
        return None if primary is None else await policy_object(info, primary.policy.key, primary.policy.name)

    @strawberry.field(description="True when the service has no policy of its own and its owner team's policy is used.")
    def is_team_policy(self) -> bool:
        return self.row.used_team_policy

    @strawberry.field(description="Why the answer uses another policy than the service's own, e.g. its team's; null otherwise.")
    def note(self) -> str | None:
        primary = self._primary()
        if primary is None or not self.row.used_team_policy or primary.team is None:
            return None
        return f"service has no escalation policy; using team {primary.team.name}'s policy {primary.policy.name or primary.policy.key}"

    @strawberry.field(description="The first chain's levels in order, each with who is on call at the instant.")
    def levels(self) -> list[EscalationLevel]:
        primary = self._primary()
        return [] if primary is None else [EscalationLevel(row=lv) for lv in primary.levels]

    @strawberry.field(description="The first chain's first paged level (level 1 unless it is empty at the instant).")
    def first_paged_level(self) -> int | None:
        primary = self._primary()
        return None if primary is None else primary.first_paged_level

    @strawberry.field(
        description="When the first chain's PagerDuty instance was last read; with no routing, the latest read of any on-call source."
    )
    def data_refreshed_at(self) -> datetime | None:
        primary = self._primary()
        if primary is not None:
            return as_time(primary.data.refreshed_at)
        return as_time(max((d.refreshed_at for d in self.row.sources if d.refreshed_at), default=None))

    @strawberry.field(description="Start of the first chain's on-call data.")
    def window_starts_at(self) -> datetime | None:
        primary = self._primary()
        return None if primary is None else as_time(primary.data.window_from)

    @strawberry.field(description="End of the first chain's on-call data; later instants are not known yet.")
    def window_ends_at(self) -> datetime | None:
        primary = self._primary()
        return None if primary is None else as_time(primary.data.window_until)

    @strawberry.field(description="Where the instant falls against the first chain's data; null when no policy pages for the service.")
    def coverage(self) -> OnCallCoverage | None:
        primary = self._primary()
        return None if primary is None else OnCallCoverage(primary.data.coverage)

    @strawberry.field(description="Every policy that pages for the service, the strongest link first.")
    def chains(self) -> list[OnCallChain]:
        return [OnCallChain(row=c) for c in self.row.chains]

    @strawberry.field(description="How to reach the service's owners at the instant (the fallback when nobody can be paged).")
    def owner_contacts(self) -> list[Contact]:
        return contacts([contact_of_card(row) for row in self.row.owners])

    @strawberry.field(description="The answer in a sentence or two, with when the data was refreshed.")
    def message(self) -> str:
        return self.row.message


# -- history ----------------------------------------------------------------------------------


@strawberry.type(description="Who owned a service at an instant: the resolved owners and what each source said.")
class OwnerAtAnswer:
    row: strawberry.Private[hist.OwnerAtAnswer]

    @strawberry.field(
        description="What the service argument named (RETIRED when the service is no longer in the catalog: its history still answers)."
    )
    def identification(self) -> Identification:
        service = self.row.service
        key = None if service is None else service.key
        return identification_of(self.row.identification, service_key=key, retired=self.row.retired_service)

    @strawberry.field(description="The instant answered for.")
    def at(self) -> datetime:
        moment = as_time(self.row.at)
        assert moment is not None
        return moment

    @strawberry.field(description="The owners the catalog answered with at the instant, with their intervals.")
    def owners(self) -> list[ResolvedOwnership]:
        return [ResolvedOwnership(row=resolution_of_edge(e)) for e in self.row.owners]

    @strawberry.field(description="What each source claimed at the instant, with their intervals.")
    def ownership_claims(self) -> list[OwnershipClaim]:
        return [OwnershipClaim(row=claim_of_edge(e)) for e in self.row.claims]

    @strawberry.field(description="When the catalog first saw any owner of the service; earlier instants are not known.")
    def record_starts_at(self) -> datetime | None:
        return as_time(self.row.record_starts)

    @strawberry.field(description="The answer in a sentence.")
    def message(self) -> str:
        return self.row.message


@strawberry.enum(description="What changed.")
class HistoryEventKind(Enum):
    OWNER_ADDED = strawberry.enum_value(hist.OWNER_ADDED, description="The catalog began answering with this owner.")
    OWNER_REMOVED = strawberry.enum_value(hist.OWNER_REMOVED, description="The catalog stopped answering with this owner.")
    CLAIM_ADDED = strawberry.enum_value(hist.CLAIM_ADDED, description="A source began naming this owner.")
    CLAIM_REMOVED = strawberry.enum_value(hist.CLAIM_REMOVED, description="A source stopped naming this owner.")
    ON_CALL_HANDOVER = strawberry.enum_value(hist.HANDOVER, description="A shift began: this person took a level of the policy.")


@strawberry.type(description="One change to a service's ownership or on-call.")
class HistoryEvent:
    row: strawberry.Private[hist.HistoryEvent]

    @strawberry.field(description="When it happened.")
    def occurred_at(self) -> datetime:
        moment = as_time(self.row.at)
        assert moment is not None
        return moment

    @strawberry.field(description="What changed.")
    def kind(self) -> HistoryEventKind:
        return HistoryEventKind(self.row.kind)

    @strawberry.field(description="The owner, or the person taking the on-call, and how to reach them.")
    def who(self) -> Contact:
        return Contact(row=contact_of_card(self.row.who))

    @strawberry.field(description="The change in a sentence.")
    def text(self) -> str:
        return self.row.text

    @strawberry.field(description="The source that said so (ownership changes).")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="Strength of the ownership evidence.")
    def strength(self) -> EvidenceStrength | None:
        return strength_of(self.row.strength)

    @strawberry.field(description="The reconcile rule or the source's evidence (ownership changes).")
    def why(self) -> str | None:
        return self.row.why

    @strawberry.field(description="The escalation policy (handovers).")
    async def policy(self, info: Info) -> EscalationPolicy | None:
        key = self.row.policy_key
        return None if key is None else await policy_object(info, key, self.row.policy_name)

    @strawberry.field(description="The escalation level taken (handovers).")
    def level(self) -> int | None:
        return self.row.level

    @strawberry.field(description="The schedule the shift comes from; null when the policy targets the person directly (handovers).")
    async def schedule(self, info: Info) -> Schedule | None:
        return await schedule_object(info, self.row.schedule_key, self.row.schedule_name)

    @strawberry.field(description="When the shift ends; null when open-ended (handovers).")
    def ends_at(self) -> datetime | None:
        return as_time(self.row.until)


ChangesReader = Callable[[Info, int, str | None], Awaitable[hist.ChangesAnswer]]
"""``(info, first, after)`` → that page of a ``changes`` answer."""


@strawberry.type(description="Ownership changes and on-call handovers of a service in a window, in time order, one page at a time.")
class ChangesAnswer:
    row: strawberry.Private[hist.ChangesAnswer]
    text: strawberry.Private[str]
    window: strawberry.Private[tuple[str, str]]
    more: strawberry.Private[ChangesReader]
    """Reads another page of the same service and window (the query that answered knows how)."""

    @strawberry.field(
        description="What the service argument named (RETIRED when the service is no longer in the catalog: its history still answers)."
    )
    def identification(self) -> Identification:
        service = self.row.service
        key = None if service is None else service.key
        return identification_of(self.row.identification, service_key=key, retired=self.row.retired_service)

    @strawberry.field(description="Start of the window (included).")
    def starts_at(self) -> datetime:
        moment = as_time(self.row.start)
        assert moment is not None
        return moment

    @strawberry.field(description="End of the window (excluded).")
    def ends_at(self) -> datetime:
        moment = as_time(self.row.end)
        assert moment is not None
        return moment

    @strawberry.field(description="The changes, in time order (what ended before what began at one instant), one page at a time.")
    async def events(self, info: Info, first: First = hist.DEFAULT_LIMIT, after: After = None) -> Connection[HistoryEvent]:
        """One page of the events; the first page is the one the answer was read with."""
        checked_first(first, info.context.settings)
        after_key = decode_cursor(after)
        page = self.row if first == hist.DEFAULT_LIMIT and after_key is None else await self.more(info, first, after_key)
        return build_connection(
            [HistoryEvent(row=e) for e in page.events],
            [e.key for e in page.events],
            has_next=page.has_next,
            after=after_key,
            counter=known_count(page.total),
        )

    @strawberry.field(description="The answer in a sentence: how many changes of each kind.")
    def message(self) -> str:
        return self.row.message

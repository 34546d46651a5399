"""The Build-Run scorecard, its company view and the anti-pattern audits from memory.

``ScorecardPart`` holds what those answers read about current state, for the whole company, read
by the Cypher reader's own bulk reads when the snapshot is built (so what the snapshot answers is
what Cypher answers): the scorecard facts (teams, the hierarchy, memberships, services with their
resolved owners, repositories and CODEOWNERS claims, runs-on facts, workloads, platforms and their
owners, escalation links), the escalation policies with their schedules' people and every current
on-call shift with its dates. ``AuditPart``, loaded beside it, holds the facts of the Ops hand-off
audit, the platforms of the platform audits, where services sit among the domains, and the current
teams' names.

Only who is on call depends on the instant asked about. The shifts' start and end dates cut time
into intervals within which the same shifts hold (an *epoch*); ``responders`` for an instant
is computed once per epoch and kept, and so is the scored company (``ScorecardFacts.derived``,
filled by ``catalog.answers.scorecard``): a request scores nothing the snapshot has scored already.

``ScorecardFromSnapshot`` overrides ``scorecard_facts`` (the whole company's facts, whatever team
is asked about: scoring one team reads only what it needs), ``responders``, ``support_facts`` (kept
per epoch, with the hand-offs found in them), ``support_basis``, ``platform_facts``,
``domain_facts`` and, for current teams, ``subject_names``. The trend (stored Build-Run snapshots),
the scorecard "as of" a past instant and audits filtered by team stay on the store.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import ClassVar, Self

from catalog.read.antipatterns import PlatformFacts, SupportBasis, SupportFacts
from catalog.read.company import DomainFacts
from catalog.read.reader import CatalogReader
from catalog.read.responders import PolicyRow, Responders, ShiftRow, scheduled
from catalog.read.scorecard import DerivedCache, ScorecardFacts
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.read.snapshot.current import CurrentGraph
from catalog.store.base import Columns, GraphStore, Row

Dated = tuple[str | None, str | None, ShiftRow]
"""A shift with its dates: (starts_at, ends_at, shift)."""


@dataclass(frozen=True)
class ScorecardPart:
    facts: ScorecardFacts
    """The whole company's scorecard facts; their ``responders`` are taken per instant. Never mutated."""
    wanted: tuple[str, ...]
    """The policies services and teams page (the scorecard's responders are theirs)."""
    policies: Mapping[str, PolicyRow]
    """Every current escalation policy."""
    schedule_people: Mapping[str, tuple[str, ...]]
    shifts: Mapping[str, tuple[Dated, ...]]
    """Policy → its current shifts held by someone, with their dates."""
    boundaries: tuple[str, ...]
    """Every shift's start and end, sorted: between two neighbours the same shifts hold."""
    derived: DerivedCache = field(default_factory=DerivedCache, compare=False, repr=False)
    """Values derived from this part per epoch (the responders here, the scored company in the answers)."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        everyone = await CatalogReader(store).responders(at)
        # The facts' own responders (the policies services and teams page) are a subset of everyone's at ``at``:
        # taken from them, not read and decoded a second time.
        reader = _RespondersAt(store, at, everyone)
        facts = await reader.scorecard_facts(at)
        shifts = await store.read_columns(
            "MATCH (x:OnCallShift) WHERE x.retired_at IS NULL AND x.policy IS NOT NULL",
            {"policy": "x.policy", "level": "x.level", "person": "x.person", "starts_at": "x.starts_at", "ends_at": "x.ends_at"},
        )
        # Anyone on a shift at some instant may be named by a scorecard asked at that instant.
        unnamed = sorted({str(person) for person in shifts["person"] if person} - set(facts.person_names))
        names = (
            await store.read_table(
                "UNWIND $ids AS key MATCH (m:Person {id: key}) WHERE m.retired_at IS NULL",
                {"key": "m.id", "name": "coalesce(m.display_name, m.name)"},
                {"ids": unnamed},
            )
            if unnamed
            else []
        )
        return await asyncio.to_thread(cls._build, facts, everyone, shifts, names)

    @classmethod
    def _build(
        cls,
        facts: ScorecardFacts,
        everyone: Responders,
        shifts: Columns,
        names: list[Row],
    ) -> Self:
        person_names = {**facts.person_names, **{str(r["key"]): str(r["name"] or r["key"]) for r in names}}
        wanted = sorted({p for ps in (*facts.service_policies.values(), *facts.team_policies.values()) for p in ps})
        dated: dict[str, set[Dated]] = {}
        bounds: set[str] = set()
        held = everyone.policies
        for key, level, person, starts_at, ends_at in zip(
            shifts["policy"], shifts["level"], shifts["person"], shifts["starts_at"], shifts["ends_at"], strict=True
        ):
            policy = str(key)
            if policy not in held or not person:
                continue
            dated.setdefault(policy, set()).add((starts_at, ends_at, ShiftRow(policy, int(level or 0), str(person))))
            bounds.update(str(t) for t in (starts_at, ends_at) if t is not None)
        return cls(
            replace(facts, person_names=person_names, responders=Responders()),
            tuple(wanted),
            everyone.policies,
            everyone.schedule_people,
            {key: tuple(sorted(found, key=lambda d: (d[0] or "", d[1] or "", d[2].level, d[2].person))) for key, found in dated.items()},
            tuple(sorted(bounds)),
        )

    def epoch(self, now: str) -> int:
        """The interval between shift boundaries ``now`` falls in: the same shifts hold at every instant of it."""
        return bisect_right(self.boundaries, now)

    def responders(self, now: str, policies: Sequence[str] | None) -> Responders:
        """What ``ResponderReads.responders`` answers, from memory (kept per epoch for the whole company and the scorecard's policies)."""
        if policies is None:
            return self._kept(("responders", None), now, sorted(self.policies))
        if tuple(policies) == self.wanted:
            return self._kept(("responders", "wanted"), now, self.wanted)
        return self._responders(now, sorted({p for p in policies if p in self.policies}))

    def _kept(self, name: tuple[str, str | None], now: str, keys: Sequence[str]) -> Responders:
        key = (name, self.epoch(now))
        found = self.derived.get(key)
        if not isinstance(found, Responders):
            found = self._responders(now, keys)
            self.derived.put(key, found)
        return found

    def _responders(self, now: str, keys: Sequence[str]) -> Responders:
        if not keys:
            return Responders()
        policies = {key: self.policies[key] for key in keys}
        people = {key: self.schedule_people[key] for key in scheduled(policies) if key in self.schedule_people}
        on_shift = {
            shift
            for key in keys
            for start, end, shift in self.shifts.get(key, ())
            if (start is None or start <= now) and (end is None or end > now)
        }
        return Responders(policies, people, tuple(sorted(on_shift, key=lambda s: (s.policy, s.level, s.person))))


@dataclass(frozen=True)
class AuditPart:
    """The facts of the Ops hand-off audit, the platforms of the platform audits, where services sit among the domains,
    and every current team's name (``CurrentGraph``'s): a part of its own beside ``ScorecardPart``, so that the two
    load at once."""

    support: SupportBasis
    platforms: tuple[PlatformFacts, ...]
    domains: DomainFacts
    team_names: Mapping[str, str | None]
    """Every current team's ``name`` as stored (the audits name their team subjects from it)."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = (CurrentGraph,)

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        reader = CatalogReader(store)
        support = await reader.support_basis()
        platforms = tuple(await reader.platform_facts())
        domains = await reader.domain_facts()
        # The current teams' names as ``CurrentGraph`` read them: in a build's second stage it is loaded already.
        teams = earlier.part(CurrentGraph).nodes["Team"]
        return cls(support, platforms, domains, MappingProxyType({key: node.props.get("name") for key, node in teams.items()}))


class _RespondersAt(CatalogReader):
    """The Cypher reader, but ``responders`` at ``at`` answered from ``everyone`` (every current policy's at ``at``)."""

    def __init__(self, store: GraphStore, at: str, everyone: Responders) -> None:
        super().__init__(store)
        self._at = at
        self._everyone = everyone

    async def responders(self, now: str, policies: Sequence[str] | None = None) -> Responders:
        if now != self._at:
            return await super().responders(now, policies)
        return responders_among(self._everyone, policies)


def responders_among(everyone: Responders, policies: Sequence[str] | None) -> Responders:
    """What ``ResponderReads.responders(now, policies)`` answers, from what it answers for every policy at ``now``."""
    if policies is None:
        return everyone
    found = {key: everyone.policies[key] for key in sorted(set(policies)) if key in everyone.policies}
    if not found:
        return Responders()
    people = {key: everyone.schedule_people[key] for key in scheduled(found) if key in everyone.schedule_people}
    return Responders(found, people, tuple(shift for shift in everyone.shifts_now if shift.policy in found))


class ScorecardFromSnapshot(SnapshotReads):
    """The scorecard's, the company view's and the anti-pattern audits' reads from ``ScorecardPart``; Cypher without it."""

    def _scorecard(self) -> ScorecardPart | None:
        snap = self.snapshot
        return snap.part(ScorecardPart) if snap is not None and snap.has(ScorecardPart) else None

    async def scorecard_facts(self, now: str, team_keys: Sequence[str] | None = None) -> ScorecardFacts:
        if (part := self._scorecard()) is None:
            return await super().scorecard_facts(now, team_keys)
        # The whole company for one team too: scoring reads only that team's tree, and what it scores is kept.
        return replace(part.facts, now=now, responders=part.responders(now, part.wanted), derived=part.derived, epoch=part.epoch(now))

    async def responders(self, now: str, policies: Sequence[str] | None = None) -> Responders:
        if (part := self._scorecard()) is None:
            return await super().responders(now, policies)
        return part.responders(now, policies)

    def _audits(self) -> AuditPart | None:
        snap = self.snapshot
        return snap.part(AuditPart) if snap is not None and snap.has(AuditPart) else None

    async def support_facts(self, now: str) -> SupportFacts:
        if (part := self._scorecard()) is None or (audits := self._audits()) is None:
            return await super().support_facts(now)
        key = ("support", part.epoch(now))
        found = part.derived.get(key)
        if not isinstance(found, SupportFacts):
            found = replace(audits.support.at(part.responders(now, None)), derived=part.derived, epoch=part.epoch(now))
            part.derived.put(key, found)
        return found

    async def support_basis(self) -> SupportBasis:
        if (audits := self._audits()) is None:
            return await super().support_basis()
        return audits.support

    async def platform_facts(self) -> list[PlatformFacts]:
        if (audits := self._audits()) is None:
            return await super().platform_facts()
        return list(audits.platforms)

    async def subject_names(self, label: str, keys: Sequence[str]) -> tuple[dict[str, str], dict[str, int]]:
        """Current teams' names from memory (the anti-pattern audits' subjects); anything else from the store."""
        audits = self._audits()
        if audits is None or label != "Team" or not all(key in audits.team_names for key in keys):
            return await super().subject_names(label, keys)
        return {key: name for key in keys if (name := audits.team_names[key])}, {}

    async def domain_facts(self) -> DomainFacts:
        if (audits := self._audits()) is None:
            return await super().domain_facts()
        return audits.domains

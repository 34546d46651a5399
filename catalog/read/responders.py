"""Who answers escalation policies' pages at an instant: the one read behind the scorecard's Support and the Ops hand-off audit.

``Responders`` holds, for a set of current escalation policies, their levels and targets (from the
policy's stored ``rules``), the people in the rotations of the schedules they target, and the
on-call shifts that cover the instant. ``Responders.first_level`` is the rule both answers use:
the people a policy's first level reaches are the people it targets directly at level 1, the
people in the rotations of its level-1 schedules, and whoever holds a level-1 shift now.

``ResponderReads.responders`` reads them in three table reads (policies, their schedules, the
shifts covering ``now``); the snapshot serves the same method from memory
(``catalog.read.snapshot.scorecard``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.read.base import ReadBase
from catalog.read.history import shift_at


@dataclass(frozen=True, slots=True)
class PolicyRow:
    key: str
    name: str | None
    state: str | None
    levels: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] | None
    """Per level (from 1): its targets as (type, key), ``user`` or ``schedule``; None when the levels are unknown."""


@dataclass(frozen=True, slots=True)
class ShiftRow:
    policy: str
    level: int
    person: str


@dataclass(frozen=True)
class Responders:
    """Escalation policies, their schedules' people and the shifts covering one instant."""

    policies: Mapping[str, PolicyRow] = field(default_factory=dict)
    schedule_people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Schedule → the people in its layers' rotations; absent when its layers are unknown."""
    shifts_now: tuple[ShiftRow, ...] = ()
    """Shifts of those policies covering the instant, by policy, level and person."""
    _on_shift: Mapping[str, tuple[ShiftRow, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_policy: dict[str, list[ShiftRow]] = {}
        for shift in self.shifts_now:
            by_policy.setdefault(shift.policy, []).append(shift)
        object.__setattr__(self, "_on_shift", {key: tuple(found) for key, found in by_policy.items()})

    def shifts_of(self, policy: str) -> tuple[ShiftRow, ...]:
        """The policy's shifts covering the instant."""
        return self._on_shift.get(policy, ())

    def targeted_first(self, policy: str) -> frozenset[str]:
        """The people the policy's level 1 targets: directly, or in the rotation of a level-1 schedule."""
        row = self.policies.get(policy)
        people: set[str] = set()
        for level, targets in (row.levels or ()) if row is not None else ():
            if level == 1:
                for kind, key in targets:
                    people.update([key] if kind == "user" else self.schedule_people.get(key, ()))
        return frozenset(people)

    def first_level(self, policy: str) -> frozenset[str]:
        """Who answers the policy's first page: whom level 1 targets, and whoever holds a level-1 shift now."""
        return self.targeted_first(policy) | {s.person for s in self.shifts_of(policy) if s.level == 1}


def _current(*names: str) -> str:
    return " AND ".join(f"{n}.retired_at IS NULL" for n in names)


def levels_of(rules: Any) -> tuple[tuple[int, tuple[tuple[str, str], ...]], ...] | None:
    """A policy's stored ``rules`` JSON as (level, targets); None when absent or unreadable."""
    try:
        decoded = json.loads(rules) if isinstance(rules, str) else rules
    except ValueError:
        return None
    if not isinstance(decoded, list):
        return None
    out: list[tuple[int, tuple[tuple[str, str], ...]]] = []
    for rule in decoded:
        if not isinstance(rule, dict) or not isinstance(rule.get("level"), int):
            continue
        targets = tuple(
            (str(t.get("type")), str(t.get("key")))
            for t in rule.get("targets") or ()
            if isinstance(t, dict) and t.get("key") and t.get("type") in ("user", "schedule")
        )
        out.append((int(rule["level"]), targets))
    return tuple(sorted(out))


def layer_people(layers: Any) -> tuple[str, ...] | None:
    """The people of a schedule's stored ``layers`` JSON; None when absent or unreadable."""
    try:
        decoded = json.loads(layers) if isinstance(layers, str) else layers
    except ValueError:
        return None
    if not isinstance(decoded, list):
        return None
    people = {
        str(user["key"])
        for layer in decoded
        if isinstance(layer, dict)
        for user in layer.get("users") or ()
        if isinstance(user, dict) and user.get("key")
    }
    return tuple(sorted(people))


def policy_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, PolicyRow]:
    """Rows of ``key``, ``name``, ``state``, ``rules`` as policies (a policy only referenced has unknown levels)."""
    return {
        str(r["key"]): PolicyRow(str(r["key"]), r["name"], r["state"], None if r["state"] == "referenced" else levels_of(r["rules"]))
        for r in rows
    }


def scheduled(policies: Mapping[str, PolicyRow]) -> list[str]:
    """The schedules the policies' levels target, sorted."""
    return sorted({key for p in policies.values() for _, targets in p.levels or () for kind, key in targets if kind == "schedule"})


def shift_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[ShiftRow, ...]:
    """Rows of ``policy``, ``level``, ``person`` as distinct shifts, sorted (a shift held by nobody is left out)."""
    return tuple(
        sorted(
            {ShiftRow(str(r["policy"]), int(r["level"] or 0), str(r["person"])) for r in rows if r["person"]},
            key=lambda s: (s.policy, s.level, s.person),
        )
    )


POLICY_COLUMNS = {"key": "e.id", "name": "e.name", "state": "e.state", "rules": "e.rules"}
SCHEDULE_COLUMNS = {"key": "x.id", "layers": "x.layers"}
SHIFT_COLUMNS = {"policy": "x.policy", "level": "x.level", "person": "x.person"}


class ResponderReads(ReadBase):
    async def responders(self, now: str, policies: Sequence[str] | None = None) -> Responders:
        """The current escalation policies ``policies`` (None: all of them), with their schedules' people and the
        shifts covering ``now``: three table reads."""
        if policies is None:
            rows = await self.store.read_table(f"MATCH (e:EscalationPolicy) WHERE {_current('e')}", POLICY_COLUMNS)
        elif policies:
            rows = await self.store.read_table(
                f"UNWIND $ids AS key MATCH (e:EscalationPolicy {{id: key}}) WHERE {_current('e')}",
                POLICY_COLUMNS,
                {"ids": sorted(set(policies))},
            )
        else:
            return Responders()
        found = policy_rows(rows)
        if not found:
            return Responders()
        people: dict[str, tuple[str, ...]] = {}
        if schedules := scheduled(found):
            layers = await self.store.read_table(
                f"UNWIND $ids AS key MATCH (x:Schedule {{id: key}}) WHERE {_current('x')}", SCHEDULE_COLUMNS, {"ids": schedules}
            )
            people = {str(r["key"]): p for r in layers if (p := layer_people(r["layers"])) is not None}
        shifts = await self.store.read_table(
            f"UNWIND $ids AS key MATCH (x:OnCallShift) WHERE x.policy = key AND x.retired_at IS NULL AND {shift_at('x', '$now')}",
            SHIFT_COLUMNS,
            {"ids": sorted(found), "now": now},
        )
        return Responders(found, people, shift_rows(shifts))

"""Reads behind the on-call answers: escalation links, ownership, policies, shifts and import runs, with their intervals.

These are history reads: every relationship comes with its interval ``[first_seen, retired_at)``,
current or retired, and the answers decide what held at an instant (``catalog.read.history``).
Reads that do not depend on each other's results are meant to be awaited together
(``asyncio.gather``): an on-call answer costs three waits on the store after identification.

The read window of an on-call import is the run's typed ``shifts_since``/``shifts_until``; runs
recorded before those properties existed still carry it only in their JSON report, which is
read as a fallback.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.core.model import ON_CALL_SHIFT
from catalog.read.base import ReadBase
from catalog.read.history import Contact, Interval, OwnerEdge, shift_at, shift_starting
from catalog.read.history import contact_of as contact
from catalog.read.history import text_or_none as text
from catalog.store.base import return_items, returning
from catalog.store.dialect import Dialect

ON_CALL_SOURCES = ("pagerduty",)
"""Importers that read on-call data; a service with no routing says when each of their instances was last read."""


@dataclass(frozen=True, slots=True)
class PolicyLink:
    policy: str
    interval: Interval
    strength: str | None
    evidence: str | None
    external_service: str | None = None
    team: str | None = None
    """The team whose policy it is (a team's link); null for the service's own."""


@dataclass(frozen=True, slots=True)
class Shift:
    key: str
    policy: str
    level: int
    person: str
    schedule: str | None
    starts_at: str | None
    ends_at: str | None
    retired_at: str | None
    source_instance: str | None
    retired_by_since: str | None = None
    """For a retired shift: the start of the on-call window of the read that retired it (null when unknown)."""


@dataclass(frozen=True, slots=True)
class TargetEdge:
    policy: str
    target: str
    label: str
    levels: tuple[int, ...]
    interval: Interval


@dataclass(frozen=True)
class Policy:
    key: str
    external_id: str | None
    name: str | None
    url: str | None
    num_loops: int | None
    source_instance: str | None
    retired: bool
    """The policy is gone from PagerDuty (retired in the catalog); the answer is history."""
    referenced_only: bool = False
    """A service names the policy but the source's policies listing lacked it: its levels are not known."""


@dataclass(frozen=True)
class PolicyFacts:
    policy: Policy
    rules: tuple[dict[str, Any], ...] | None
    """The levels as last read (``level``, ``delay_minutes``, ``targets``); None when not stored."""


@dataclass(frozen=True)
class Run:
    """One finished read of an on-call source instance and the window its shifts cover."""

    started_at: str
    finished_at: str | None
    complete: bool | None
    since: str | None
    until: str | None

    def covers(self, t: str) -> bool:
        return self.since is not None and self.until is not None and self.since <= t < self.until


@dataclass(frozen=True)
class Runs:
    """The reads of one source instance that place an instant: the first, the latest, and the two around it."""

    instance: str
    earliest: Run
    latest: Run
    before: Run | None
    """The latest read that started at or before the instant."""
    after: Run | None
    """The first read that started after it."""


def report_window(report: Any) -> tuple[str | None, str | None]:
    """The shifts' window from a run's JSON report: for runs recorded before ``shifts_since``/``shifts_until``."""
    try:
        decoded = json.loads(report) if isinstance(report, str) else None
    except ValueError:
        return None, None
    windows = decoded.get("windows") if isinstance(decoded, dict) else None
    window = windows.get(ON_CALL_SHIFT.label) if isinstance(windows, dict) else None
    if not isinstance(window, dict):
        return None, None
    return text(window.get("since")), text(window.get("until"))


def _window(row: dict[str, Any]) -> tuple[str | None, str | None]:
    if row.get("since") is not None or row.get("until") is not None:
        return row.get("since"), row.get("until")
    return report_window(row.get("report"))


_OWNER = {"id": "o.id", "name": "o.name", "display_name": "o.display_name", "email": "o.email", "chat": "o.chat_channel"}
_SHIFT_FIELDS = {
    "id": "s.id",
    "policy": "s.policy",
    "level": "s.level",
    "person": "s.person",
    "schedule": "s.schedule",
    "starts_at": "s.starts_at",
    "ends_at": "s.ends_at",
    "retired_at": "s.retired_at",
    "instance": "s.source_instance",
}
# The read that retired a shift is the run of its source instance that started at its retired_at; its
# window says whether the shift still counts before it. The JSON report only for runs without the typed window.
RETIRING_MATCH = (
    "OPTIONAL MATCH (run:ImportRun) WHERE s.retired_at IS NOT NULL AND run.source_instance = s.source_instance "
    "AND run.started_at = s.retired_at"
)
RETIRING_COLUMNS: Mapping[str, str] = {
    **_SHIFT_FIELDS,
    "since": "run.shifts_since",
    "until": "run.shifts_until",
    "report": "CASE WHEN run.shifts_since IS NULL THEN run.report ELSE NULL END",
}
"""The columns of a shift read: the shift (``s``), and the window of the read that retired it (``RETIRING_MATCH``)."""
RETIRING = f"{RETIRING_MATCH}\nRETURN {return_items(RETIRING_COLUMNS)}"


def _shift(r: dict[str, Any]) -> Shift:
    retired_by = _window(r)[0] if r["retired_at"] is not None else None
    return Shift(
        r["id"],
        r["policy"],
        int(r["level"] or 0),
        r["person"],
        r["schedule"],
        r["starts_at"],
        r["ends_at"],
        r["retired_at"],
        r["instance"],
        retired_by,
    )


def _rules(value: Any) -> tuple[dict[str, Any], ...] | None:
    if not value:
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    if not isinstance(decoded, list):
        return None
    return tuple(rule for rule in decoded if isinstance(rule, dict) and isinstance(rule.get("level"), int))


_LINK = {"first_seen": "r.first_seen", "retired_at": "r.retired_at", "strength": "r.strength", "evidence": "r.evidence"}
_LINK_TEXT = return_items(_LINK)

Table = tuple[str, dict[str, str]]
"""A read as ``GraphStore.read_table`` takes it: a query without its RETURN, and its columns (name: expression).
The snapshot reads each whole with ``read_table`` (on Neo4j, tens of times cheaper than ``read`` for large
results); the Cypher reader's per-key reads use the same text through ``returning``."""


def ownership_table(dialect: Dialect, service: str = "") -> Table:
    """Ownership edges into services (``service``: a property map that picks one), with the owner's contact."""
    rel = "type(r)" if dialect.name == "neo4j" else "label(r)"
    return f"MATCH (o)-[r:ACCOUNTABLE_FOR|OWNS]->(s:Service {service})", {
        "service": "s.id",
        "rel": rel,
        "label": dialect.label_of("o"),
        **_OWNER,
        "first_seen": "r.first_seen",
        "retired_at": "r.retired_at",
        "source": "r.source",
        "instance": "r.source_instance",
        "strength": "r.strength",
        "rule": "r.rule",
        "evidence": "r.evidence",
        "sources": "r.sources",
    }


def ownership_query(dialect: Dialect, service: str = "") -> str:
    return returning(*ownership_table(dialect, service))


def escalation_table(label: str, anchor: str = "") -> Table:
    """Links of services or teams (``label``) to escalation policies, current and retired."""
    extra = "r.external_service" if label == "Service" else "''"
    return f"MATCH (x:{label} {anchor})-[r:ESCALATES_VIA]->(p:EscalationPolicy)", {
        "key": "x.id",
        "policy": "p.id",
        **_LINK,
        "external_service": extra,
    }


def escalation_query(label: str, anchor: str = "") -> str:
    return returning(*escalation_table(label, anchor))


POLICY_COLUMNS: Mapping[str, str] = {
    "id": "p.id",
    "ext": "p.external_id",
    "name": "p.name",
    "url": "p.url",
    "loops": "p.num_loops",
    "rules": "p.rules",
    "instance": "p.source_instance",
    "retired_at": "p.retired_at",
    "state": "p.state",
}
"""An escalation policy (``p``) as ``policy_facts`` reads it."""
POLICY_FIELDS = return_items(POLICY_COLUMNS)


def target_table(dialect: Dialect, anchor: str = "") -> Table:
    return f"MATCH (p:EscalationPolicy {anchor})-[r:ESCALATES_TO]->(t)", {
        "policy": "p.id",
        "target": "t.id",
        "label": dialect.label_of("t"),
        "levels": "r.levels",
        "first_seen": "r.first_seen",
        "retired_at": "r.retired_at",
    }


def target_query(dialect: Dialect, anchor: str = "") -> str:
    return returning(*target_table(dialect, anchor))


def people_table(dialect: Dialect, anchor: str = "") -> Table:
    return f"MATCH (n:Person|Schedule {anchor})", {
        "id": "n.id",
        "label": dialect.label_of("n"),
        "name": "n.name",
        "display_name": "n.display_name",
        "email": "n.email",
        "ext": "n.external_id",
    }


def people_query(dialect: Dialect, anchor: str = "") -> str:
    return returning(*people_table(dialect, anchor))


RUN_COLUMNS: Mapping[str, str] = {
    "instance": "x.source_instance",
    "started_at": "x.started_at",
    "finished_at": "x.finished_at",
    "complete": "x.complete",
    "since": "x.shifts_since",
    "until": "x.shifts_until",
    "report": "CASE WHEN x.shifts_since IS NULL AND x.shifts_until IS NULL THEN x.report ELSE NULL END",
}
"""An on-call source's import run (``x``) as ``runs_around`` reads it."""
RUN_FIELDS = return_items(RUN_COLUMNS)


class OnCallReads(ReadBase):
    """The on-call answers' reads (current and retired facts alike)."""

    async def ownership_edges(self, key: str) -> list[OwnerEdge]:
        """Every ownership relationship of the service, current and retired: resolved owners and sources' claims; one read."""
        return owner_edges(await self.store.read(ownership_query(self.store.dialect, "{id: $key}"), {"key": key}))

    async def escalation_links(self, key: str) -> list[PolicyLink]:
        """The service's own links to escalation policies, and those of every team that ever owned it
        (resolved or claimed), current and retired; one read. The caller keeps the teams that owned it then."""
        rows = await self.store.read(
            "MATCH (s:Service {id: $key})-[r:ESCALATES_VIA]->(p:EscalationPolicy)\n"
            f"RETURN '' AS team, p.id AS policy, {_LINK_TEXT}, r.external_service AS external_service\n"
            "UNION ALL\n"
            "MATCH (t:Team)-[:ACCOUNTABLE_FOR|OWNS]->(s:Service {id: $key}) WITH DISTINCT t\n"
            "MATCH (t)-[r:ESCALATES_VIA]->(p:EscalationPolicy)\n"
            f"RETURN t.id AS team, p.id AS policy, {_LINK_TEXT}, '' AS external_service",
            {"key": key},
        )
        return policy_links(rows)

    async def team_escalation_links(self, teams: Sequence[str]) -> list[PolicyLink]:
        """The teams' links to escalation policies, current and retired."""
        if not teams:
            return []
        rows = await self.store.read("UNWIND $ids AS k " + escalation_query("Team", "{id: k}"), {"ids": sorted(set(teams))})
        return policy_links([{**r, "team": r["key"], "external_service": None} for r in rows])

    async def policy_facts(self, keys: Sequence[str]) -> dict[str, PolicyFacts]:
        """The escalation policies among ``keys``, current or retired, with their levels as last read."""
        if not keys:
            return {}
        rows = await self.store.read(
            f"UNWIND $ids AS k MATCH (p:EscalationPolicy {{id: k}}) RETURN {POLICY_FIELDS}", {"ids": sorted(set(keys))}
        )
        return {r["id"]: policy_facts(r) for r in rows}

    async def target_edges(self, keys: Sequence[str]) -> list[TargetEdge]:
        """Whom the policies target directly (schedules, users) per level, current and retired."""
        if not keys:
            return []
        rows = await self.store.read("UNWIND $ids AS k " + target_query(self.store.dialect, "{id: k}"), {"ids": sorted(set(keys))})
        return target_edges(rows)

    async def shifts_covering(self, policies: Sequence[str], t: str) -> list[Shift]:
        """Shifts of the policies whose dates contain ``t`` (open bounds count), current or retired, with the
        window of the read that retired each retired one."""
        if not policies:
            return []
        rows = await self.store.read(
            f"UNWIND $ids AS k MATCH (s:OnCallShift) WHERE s.policy = k AND {shift_at('s', '$t')}\n" + RETIRING,
            {"ids": sorted(set(policies)), "t": t},
        )
        return shifts_of(rows)

    async def shifts_starting(self, policies: Sequence[str], start: str, end: str) -> list[Shift]:
        """Shifts of the policies that start in ``[start, end)``, current or retired, as ``shifts_covering``."""
        if not policies:
            return []
        rows = await self.store.read(
            f"UNWIND $ids AS k MATCH (s:OnCallShift) WHERE s.policy = k AND {shift_starting('s', '$t0', '$t1')}\n" + RETIRING,
            {"ids": sorted(set(policies)), "t0": start, "t1": end},
        )
        return shifts_of(rows)

    async def on_call_runs(self, t: str, instances: Sequence[str] = ()) -> dict[str, Runs]:
        """For every instance of an on-call source (and every one of ``instances``) that finished a read:
        its first and latest reads and the two around ``t``; one read."""
        rows = await self.store.read(
            # Only finished runs: one that is running, or stopped half-way, has not refreshed the data.
            "MATCH (r:ImportRun) WHERE (r.source IN $sources OR r.source_instance IN $instances) "
            "AND coalesce(r.status, 'finished') = 'finished'\n"
            "WITH r.source_instance AS instance, min(r.started_at) AS first, max(r.started_at) AS last, "
            "max(CASE WHEN r.started_at <= $t THEN r.started_at ELSE NULL END) AS before, "
            "min(CASE WHEN r.started_at > $t THEN r.started_at ELSE NULL END) AS after\n"
            "MATCH (x:ImportRun) WHERE x.source_instance = instance AND x.started_at IN [first, last, before, after] "
            "AND coalesce(x.status, 'finished') = 'finished'\n"
            f"RETURN {RUN_FIELDS}",
            {"sources": list(ON_CALL_SOURCES), "instances": sorted(set(instances)), "t": t},
        )
        return runs_around(rows, t)

    async def people_and_schedules(
        self, people: set[str], schedules: set[str]
    ) -> tuple[dict[str, Contact], dict[str, tuple[str | None, str | None]]]:
        """People by key (as contacts) and schedules by key (name, PagerDuty id), retired or not: history needs both. One read."""
        keys = sorted(people | schedules)
        if not keys:
            return {}, {}
        rows = await self.store.read("UNWIND $ids AS k " + people_query(self.store.dialect, "{id: k}"), {"ids": keys})
        return people_of(rows, people, schedules)


def owner_edges(rows: Sequence[dict[str, Any]]) -> list[OwnerEdge]:
    """Rows of ``ownership_query`` as edges, in one total order (every reader lists them alike)."""
    edges = [
        OwnerEdge(
            str(row["rel"]),
            contact(row),
            Interval(row["first_seen"], row["retired_at"]),
            row["source"],
            row["instance"],
            row["strength"],
            row["rule"] if row["rel"] == "ACCOUNTABLE_FOR" else row["evidence"],
            tuple(row["sources"] or ()) if row["rel"] == "ACCOUNTABLE_FOR" else (),
        )
        for row in rows
    ]
    edges.sort(key=lambda e: (e.interval.first_seen or "", e.rel, e.owner.key, e.source_instance or "", repr(e)))
    return edges


def policy_links(rows: Sequence[dict[str, Any]]) -> list[PolicyLink]:
    links = [
        PolicyLink(
            r["policy"],
            Interval(r["first_seen"], r["retired_at"]),
            r["strength"],
            r["evidence"],
            text(r.get("external_service")),
            text(r.get("team")),
        )
        for r in rows
    ]
    return sorted(links, key=lambda lk: (lk.team or "", lk.policy, lk.interval.first_seen or "", lk.interval.retired_at or "", repr(lk)))


def policy_facts(r: dict[str, Any]) -> PolicyFacts:
    return PolicyFacts(
        Policy(r["id"], r["ext"], r["name"], r["url"], r["loops"], r["instance"], r["retired_at"] is not None, r["state"] == "referenced"),
        _rules(r["rules"]),
    )


def target_edges(rows: Sequence[dict[str, Any]]) -> list[TargetEdge]:
    edges = [
        TargetEdge(r["policy"], r["target"], r["label"], tuple(r["levels"] or ()), Interval(r["first_seen"], r["retired_at"])) for r in rows
    ]
    return sorted(edges, key=lambda e: (e.policy, e.target, e.interval.first_seen or "", e.levels, repr(e)))


def shifts_of(rows: Sequence[dict[str, Any]]) -> list[Shift]:
    return sorted((_shift(r) for r in rows), key=lambda s: (s.key, repr(s)))


def runs_around(rows: Sequence[dict[str, Any]], t: str) -> dict[str, Runs]:
    """Per instance, from rows of finished runs (``RUN_FIELDS``; at least its first, latest and the two around ``t``)."""
    by_instance: dict[str, dict[str, Run]] = defaultdict(dict)
    for r in sorted(rows, key=lambda r: (str(r["instance"]), str(r["started_at"]), str(r["finished_at"]))):
        since, until = _window(r)
        # Two runs may share a start time; the first (by the order above) stands for it.
        by_instance[r["instance"]].setdefault(r["started_at"], Run(r["started_at"], r["finished_at"], r["complete"], since, until))
    found: dict[str, Runs] = {}
    for instance, by_start in by_instance.items():
        starts = sorted(by_start)
        before = [s for s in starts if s <= t]
        after = [s for s in starts if s > t]
        found[instance] = Runs(
            instance,
            by_start[starts[0]],
            by_start[starts[-1]],
            by_start[before[-1]] if before else None,
            by_start[after[0]] if after else None,
        )
    return found


def people_of(
    rows: Sequence[dict[str, Any]], people: set[str], schedules: set[str]
) -> tuple[dict[str, Contact], dict[str, tuple[str | None, str | None]]]:
    persons = {r["id"]: contact({**r, "label": "Person"}) for r in rows if r["label"] == "Person" and r["id"] in people}
    named = {r["id"]: (r["name"], r["ext"]) for r in rows if r["label"] == "Schedule" and r["id"] in schedules}
    return persons, named

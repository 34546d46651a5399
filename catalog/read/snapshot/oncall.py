"""``onCall`` from memory: the facts an on-call answer reads, for instants inside the snapshot's on-call window.

``OnCallFacts`` holds, by key, what ``OnCallReads`` returns: every ownership edge into a service
and every escalation link of services and teams (current and retired: the answer picks what held
at the instant), every escalation policy with its levels and targets, the people and schedules,
every finished read of the on-call sources, and the on-call shifts that overlap the window
``at - SHIFTS_BEFORE`` .. ``at + SHIFTS_AFTER`` (PagerDuty's default read window is 7 days back
and 14 ahead). An instant outside that window, or a source instance it does not hold, falls
back to Cypher; so do the windowed history reads (``shifts_starting``).

Rows go through the same conversions as the Cypher reader's (``catalog.read.oncall``), so both
readers return equal lists in the same order.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any, ClassVar, Self

from catalog.core.clock import iso, parse_iso
from catalog.read.history import Contact, Interval, OwnerEdge
from catalog.read.history import contact_of as contact
from catalog.read.oncall import (
    ON_CALL_SOURCES,
    POLICY_COLUMNS,
    RETIRING_COLUMNS,
    RETIRING_MATCH,
    RUN_COLUMNS,
    PolicyFacts,
    PolicyLink,
    Runs,
    Shift,
    TargetEdge,
    escalation_table,
    ownership_table,
    people_of,
    people_table,
    policy_facts,
    policy_links,
    runs_around,
    shifts_of,
    target_edges,
    target_table,
)
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads, read_tables
from catalog.read.snapshot.interning import PackedRows
from catalog.store.base import Columns, GraphStore, Row, shared_value

SHIFTS_BEFORE = timedelta(days=7)
SHIFTS_AFTER = timedelta(days=14)


def _grouped(rows: Sequence[Row], key: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[str(row[key])].append(row)
    return grouped


@dataclass(frozen=True)
class OnCallFacts:
    """What on-call answers read, by key, with shifts for instants in ``[shifts_from, shifts_until)``."""

    shifts_from: str
    shifts_until: str
    ownership: Mapping[str, tuple[OwnerEdge, ...]]
    """Service key → every ownership edge into it, current and retired."""
    owner_teams: Mapping[str, tuple[str, ...]]
    """Service key → every team that ever owned or claimed it."""
    links: Mapping[str, PackedRows]
    """Service or team key → its escalation link rows, current and retired."""
    policies: Mapping[str, PolicyFacts]
    targets: Mapping[str, tuple[TargetEdge, ...]]
    shifts: Mapping[str, PackedRows]
    """Policy key → rows of the shifts overlapping the window, current and retired."""
    runs: tuple[Row, ...]
    """Every finished read of an on-call source."""
    run_instances: frozenset[str]
    people: Mapping[str, PackedRows]

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        start, end = iso(parse_iso(at) - SHIFTS_BEFORE), iso(parse_iso(at) + SHIFTS_AFTER)
        dialect = store.dialect
        # Whole tables, read as tables: on Neo4j ``read`` costs about a tenth of a millisecond of the driver's
        # per record, so the 74,000 ownership edges of scale M took 10-15 s, past CATALOG_QUERY_TIMEOUT on a busy machine.
        # The ownership edges as columns: no dict per row for the largest of them.
        ownership = await store.read_columns(*ownership_table(dialect))
        service_links, team_links, policies, targets, shifts, runs, people = await read_tables(
            store,
            escalation_table("Service"),
            escalation_table("Team"),
            ("MATCH (p:EscalationPolicy)", POLICY_COLUMNS),
            target_table(dialect),
            (
                "MATCH (s:OnCallShift) WHERE (s.ends_at IS NULL OR s.ends_at > $from) AND (s.starts_at IS NULL OR s.starts_at < $until)\n"
                + RETIRING_MATCH,
                RETIRING_COLUMNS,
                {"from": start, "until": end},
            ),
            (
                "MATCH (x:ImportRun) WHERE x.source IN $sources AND coalesce(x.status, 'finished') = 'finished'",
                {"source": "x.source", **RUN_COLUMNS},
                {"sources": list(ON_CALL_SOURCES)},
            ),
            people_table(dialect),
        )
        # Their short texts are shared as the store reads them (``shared_texts``), as every read of a build's is.
        tables = (ownership, service_links, team_links, policies, targets, shifts, runs, people)
        return await asyncio.to_thread(cls._build, start, end, *tables)

    @classmethod
    def _build(cls, start: str, end: str, ownership: Columns, *tables: list[Row]) -> Self:
        service_links, team_links, policies, targets, shifts, runs, people = tables
        # Each ownership row's number, by service.
        by_service: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(ownership["service"]):
            by_service[str(key)].append(i)
        labels, ids = ownership["label"], ownership["id"]
        teams = {key: shared_value(tuple(sorted({str(ids[i]) for i in rows if labels[i] == "Team"}))) for key, rows in by_service.items()}
        links: dict[str, list[Row]] = defaultdict(list)
        for row in service_links:
            links[str(row["key"])].append({**row, "team": ""})
        for row in team_links:
            links[str(row["key"])].append({**row, "team": row["key"], "external_service": ""})
        # Owners, intervals and contacts repeat across thousands of edges: one object each.
        shared: dict[object, object] = {}
        edges = _owner_edges(ownership, shared)
        return cls(
            start,
            end,
            MappingProxyType({key: _in_order([edges[i] for i in rows]) for key, rows in by_service.items()}),
            MappingProxyType(teams),
            MappingProxyType({key: PackedRows.of(rows, _LINK_COLUMNS, shared) for key, rows in links.items()}),
            MappingProxyType({str(r["id"]): policy_facts(r) for r in policies}),
            MappingProxyType({key: tuple(target_edges(rows)) for key, rows in _grouped(targets, "policy").items()}),
            MappingProxyType({key: PackedRows.of(rows, None, shared) for key, rows in _grouped(shifts, "policy").items()}),
            tuple(runs),
            frozenset(str(r["instance"]) for r in runs),
            MappingProxyType({str(r["id"]): PackedRows.of([r], None, shared) for r in people}),
        )


_LINK_COLUMNS = ("key", "policy", "first_seen", "retired_at", "strength", "evidence", "external_service", "team")
"""The columns of ``escalation_query`` and the link's ``team``: service and team links alike."""


def _owner_edges(table: Columns, shared: dict[Any, Any]) -> list[OwnerEdge]:
    """``owner_edges``' edge of each row of ``table`` (a column read of ``ownership_table``), its owner, interval and texts shared.

    Seventy thousand edges at scale M name a few thousand owners: each contact and interval is built
    once (a frozen dataclass costs microseconds to build and to hash)."""
    one = shared.setdefault
    edges: list[OwnerEdge] = []
    add = edges.append
    for said, dates, rel, source, instance, strength, rule, evidence, sources in zip(
        zip(*(table[name] for name in _CONTACT_COLUMNS), strict=True),
        zip(table["first_seen"], table["retired_at"], strict=True),
        table["rel"],
        table["source"],
        table["instance"],
        table["strength"],
        table["rule"],
        table["evidence"],
        table["sources"],
        strict=True,
    ):
        owner = shared.get(("contact", said))
        if owner is None:
            owner = shared[("contact", said)] = contact(dict(zip(_CONTACT_COLUMNS, said, strict=True)))
        interval = shared.get(("interval", dates))
        if interval is None:
            interval = shared[("interval", dates)] = Interval(*dates)
        rel = one(str(rel), str(rel))
        resolved = rel == "ACCOUNTABLE_FOR"
        edge = OwnerEdge(
            rel,
            owner,
            interval,
            one(source, source),
            one(instance, instance),
            one(strength, strength),
            one(rule, rule) if resolved else one(evidence, evidence),
            one(tuple(sources or ()), tuple(sources or ())) if resolved else (),
        )
        # Equal edges (resolved owners by the same rule, from the same sync) are one object.
        add(one(edge, edge))
    return edges


_CONTACT_COLUMNS = ("id", "label", "name", "display_name", "email", "chat")


def _in_order(edges: list[OwnerEdge]) -> tuple[OwnerEdge, ...]:
    """``edges`` (one service's) in ``owner_edges``' total order: sorted by a cheap key, and ``repr`` breaks only its
    ties, not every edge's (equal to ``owner_edges``' order, at a fraction of its cost)."""
    edges.sort(key=_edge_order)
    # Ties of the cheap key are put in the order ``owner_edges`` gives them (its key ends with ``repr``).
    start = 0
    while start < len(edges):
        end = start + 1
        while end < len(edges) and _edge_order(edges[end]) == _edge_order(edges[start]):
            end += 1
        if end - start > 1:
            edges[start:end] = sorted(edges[start:end], key=repr)
        start = end
    return tuple(edges)


def _edge_order(e: OwnerEdge) -> tuple[str, str, str, str]:
    return (e.interval.first_seen or "", e.rel, e.owner.key, e.source_instance or "")


class OnCallFromSnapshot(SnapshotReads):
    """``OnCallReads`` from ``OnCallFacts``; Cypher without a snapshot, or for what it does not hold."""

    def _facts(self) -> OnCallFacts | None:
        snap = self.snapshot
        return snap.part(OnCallFacts) if snap is not None and snap.has(OnCallFacts) else None

    async def ownership_edges(self, key: str) -> list[OwnerEdge]:
        if (facts := self._facts()) is None:
            return await super().ownership_edges(key)
        return list(facts.ownership.get(key, ()))

    async def escalation_links(self, key: str) -> list[PolicyLink]:
        if (facts := self._facts()) is None:
            return await super().escalation_links(key)
        rows = [r for r in _rows(facts.links.get(key)) if r["team"] == ""]
        for team in facts.owner_teams.get(key, ()):
            rows += [r for r in _rows(facts.links.get(team)) if r["team"] != ""]
        return policy_links(rows)

    async def team_escalation_links(self, teams: Sequence[str]) -> list[PolicyLink]:
        if (facts := self._facts()) is None:
            return await super().team_escalation_links(teams)
        return policy_links(
            [{**r, "external_service": None} for team in sorted(set(teams)) for r in _rows(facts.links.get(team)) if r["team"]]
        )

    async def policy_facts(self, keys: Sequence[str]) -> dict[str, PolicyFacts]:
        if (facts := self._facts()) is None:
            return await super().policy_facts(keys)
        return {key: facts.policies[key] for key in sorted(set(keys)) if key in facts.policies}

    async def target_edges(self, keys: Sequence[str]) -> list[TargetEdge]:
        if (facts := self._facts()) is None:
            return await super().target_edges(keys)
        return target_edges_of([e for key in sorted(set(keys)) for e in facts.targets.get(key, ())])

    async def shifts_covering(self, policies: Sequence[str], t: str) -> list[Shift]:
        facts = self._facts()
        if facts is None or not facts.shifts_from <= t < facts.shifts_until:
            return await super().shifts_covering(policies, t)
        rows = [
            r
            for policy in sorted(set(policies))
            for r in _rows(facts.shifts.get(policy))
            if (r["starts_at"] is None or r["starts_at"] <= t) and (r["ends_at"] is None or r["ends_at"] > t)
        ]
        return shifts_of(rows)

    async def on_call_runs(self, t: str, instances: Sequence[str] = ()) -> dict[str, Runs]:
        facts = self._facts()
        if facts is None or not set(instances) <= facts.run_instances:
            return await super().on_call_runs(t, instances)
        return runs_around(facts.runs, t)

    async def people_and_schedules(
        self, people: set[str], schedules: set[str]
    ) -> tuple[dict[str, Contact], dict[str, tuple[str | None, str | None]]]:
        if (facts := self._facts()) is None:
            return await super().people_and_schedules(people, schedules)
        rows: list[Any] = [facts.people[key].rows()[0] for key in sorted(people | schedules) if key in facts.people]
        return people_of(rows, people, schedules)


def _rows(packed: PackedRows | None) -> list[Row]:
    return packed.rows() if packed is not None else []


def target_edges_of(edges: Sequence[TargetEdge]) -> list[TargetEdge]:
    return sorted(edges, key=lambda e: (e.policy, e.target, e.interval.first_seen or "", e.levels, repr(e)))

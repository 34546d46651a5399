"""The reads behind audits (``catalog.answers.audits``): each computed audit's page and count, and the findings.

Every read takes the same ``AuditScope`` (the team filter's subject keys and a subject label's
key prefix) and pages by keyset on the subject key, so a page costs one query wherever it
starts. Rows come back as the store gives them (``Row``); the answer turns them into audits
with their wording. Nothing here knows audit kinds: the findings' classification is given as
ranks by the caller (``FindingClasses``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.core.model import OWNS
from catalog.read.base import ReadBase
from catalog.read.hops import CHILD_TEAMS
from catalog.read.traversal import reach_keys
from catalog.store.base import Row as Row
from catalog.store.runs import UnfinishedRun, unfinished_runs

OWNABLE: tuple[str, ...] = OWNS.to_labels


@dataclass(frozen=True)
class AuditScope:
    """Which subjects an audit read may return: those among ``keys`` (the team filter; None: any) whose key
    starts with ``prefix`` (a subject label's key prefix; None: any)."""

    keys: Sequence[str] | None = None
    prefix: str | None = None

    def conditions(self, var: str, params: dict[str, Any]) -> list[str]:
        """Cypher conditions on the expression ``var`` holding the subject key; values go into ``params``."""
        conditions: list[str] = []
        if self.keys is not None:
            params["scope"] = list(self.keys)
            conditions.append(f"{var} IN $scope")
        if self.prefix is not None:
            params["prefix"] = self.prefix
            conditions.append(f"{var} STARTS WITH $prefix")
        return conditions


def _where(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions)


# -- services ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceCheck:
    """Current services meeting ``conditions`` on ``n`` (code-written Cypher), and what a page returns about each
    (``details``: Cypher from the page's services ``n``, returning at least ``subject`` and ``name``)."""

    name: str
    conditions: tuple[str, ...]
    running_only: bool = False
    """Leave out services whose type does not run anywhere (``not_running`` of the read)."""
    details: str = "RETURN n.id AS subject, n.name AS name, n.source_instance AS instance, n.origin AS origin"


_CURRENT_OWNER = "(o:Team|Person)-[r:OWNS|ACCOUNTABLE_FOR]->(n)"
_RUNS_ON = "(n)-[rp:RUNS_ON]->(p:Platform)"
_CURRENT_RUNS_ON = "rp.active = true AND p.retired_at IS NULL"

UNOWNED = ServiceCheck("unowned", (f"NOT EXISTS {{ MATCH {_CURRENT_OWNER} WHERE r.active = true AND o.retired_at IS NULL }}",))
"""No current team or person owns it (``OWNS`` or ``ACCOUNTABLE_FOR``)."""

NO_ON_CALL = ServiceCheck(
    "no on-call routing",
    (
        "NOT EXISTS { MATCH (n)-[e:ESCALATES_VIA]->(p:EscalationPolicy) WHERE e.active = true AND p.retired_at IS NULL }",
        "NOT EXISTS { MATCH (p:EscalationPolicy)<-[e:ESCALATES_VIA]-(t:Team)-[r:OWNS|ACCOUNTABLE_FOR]->(n) "
        "WHERE e.active = true AND p.retired_at IS NULL AND r.active = true AND t.retired_at IS NULL }",
    ),
    running_only=True,
    details=(
        "OPTIONAL MATCH (t:Team)-[r:OWNS|ACCOUNTABLE_FOR]->(n) WHERE r.active = true AND t.retired_at IS NULL\n"
        "RETURN n.id AS subject, n.name AS name, collect(DISTINCT t.id) AS teams"
    ),
)
"""No escalation policy of its own, and none through a current owner team; ``teams``: its owner teams."""

OFF_STANDARD = ServiceCheck(
    "off the standard platform",
    (
        f"EXISTS {{ MATCH {_RUNS_ON} WHERE {_CURRENT_RUNS_ON} }}",
        f"NOT EXISTS {{ MATCH {_RUNS_ON} WHERE {_CURRENT_RUNS_ON} AND p.standard = true }}",
    ),
    details=f"MATCH {_RUNS_ON} WHERE {_CURRENT_RUNS_ON}\nRETURN n.id AS subject, n.name AS name, collect(DISTINCT p.id) AS platforms",
)
"""Runs on platforms, none of them standard; ``platforms``: the ones it runs on."""

UNKNOWN_PLATFORM = ServiceCheck("on no known platform", (f"NOT EXISTS {{ MATCH {_RUNS_ON} WHERE {_CURRENT_RUNS_ON} }}",), running_only=True)
"""No source says where it runs."""


@dataclass(frozen=True)
class FindingClasses:
    """How findings are classified into ranked classes: a finding of ``conflict_kinds`` is ``conflict``; of ``owner_kinds``,
    or of ``dangling_kinds`` on an owner field, ``owner``; of ``codeowners_kinds``, ``codeowners``; of other
    ``dangling_kinds``, ``dangling``; anything else ``other``. The ranks are the caller's order of classes."""

    conflict_kinds: tuple[str, ...]
    owner_kinds: tuple[str, ...]
    codeowners_kinds: tuple[str, ...]
    dangling_kinds: tuple[str, ...]
    conflict: int
    owner: int
    codeowners: int
    dangling: int
    other: int
    severities: tuple[str, ...] = ("error", "warning", "info")
    """Severity ranks, most severe first; a severity not listed ranks last."""


@dataclass(frozen=True)
class FindingSelection:
    """Current findings of the wanted class and severity ranks, about subjects in ``scope``."""

    classes: FindingClasses
    class_ranks: Sequence[int]
    severity_ranks: Sequence[int]
    scope: AuditScope = field(default_factory=AuditScope)


def _findings_match(selection: FindingSelection, params: dict[str, Any]) -> str:
    c = selection.classes
    params.update(
        conflict_kinds=list(c.conflict_kinds),
        owner_kinds=list(c.owner_kinds),
        codeowners_kinds=list(c.codeowners_kinds),
        dangling_kinds=list(c.dangling_kinds),
        kind_ranks=list(selection.class_ranks),
        severity_ranks=list(selection.severity_ranks),
    )
    ranks = (
        f"CASE WHEN f.kind IN $conflict_kinds THEN {c.conflict} "
        "WHEN f.kind IN $owner_kinds OR (f.kind IN $dangling_kinds AND toLower(coalesce(f.field, '')) CONTAINS 'owner') "
        f"THEN {c.owner} "
        f"WHEN f.kind IN $codeowners_kinds THEN {c.codeowners} "
        f"WHEN f.kind IN $dangling_kinds THEN {c.dangling} "
        f"ELSE {c.other} END"
    )
    severity = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(c.severities[:-1]))
    where = ["f.retired_at IS NULL", *selection.scope.conditions("f.subject", params)]
    return (
        f"MATCH (f:Finding) WHERE {_where(where)}\n"
        f"WITH f, CASE f.severity {severity} ELSE {len(c.severities) - 1} END AS sr, "
        f"{ranks} AS kr, coalesce(f.subject, f.file, f.source_instance, '') AS subject\n"
        "WHERE sr IN $severity_ranks AND kr IN $kind_ranks"
    )


class AuditReads(ReadBase):
    """The reads of every computed audit and of findings as audits."""

    async def _count(self, match: str, params: dict[str, Any]) -> int:
        rows = await self.store.read(f"{match}\nRETURN count(*) AS total", params)
        return int(rows[0]["total"]) if rows else 0

    # -- services

    def _service_match(self, check: ServiceCheck, scope: AuditScope, not_running: Sequence[str], params: dict[str, Any]) -> str:
        where = ["n.retired_at IS NULL", *check.conditions, *scope.conditions("n.id", params)]
        if check.running_only:
            params["not_running"] = list(not_running)
            where.append("(n.type IS NULL OR NOT (toLower(n.type) IN $not_running))")
        return f"MATCH (n:Service) WHERE {_where(where)}"

    async def services_failing(
        self, check: ServiceCheck, scope: AuditScope, after: str | None, limit: int, *, not_running: Sequence[str] = ()
    ) -> list[Row]:
        """The first ``limit`` current services (by key, after ``after``) that ``check`` finds, with its ``details``."""
        params: dict[str, Any] = {"limit": limit}
        query = self._service_match(check, scope, not_running, params)
        if after is not None:
            params["after"] = after
            query += " AND n.id > $after"
        rows = await self.store.read(f"{query}\nWITH n ORDER BY n.id LIMIT $limit\n{check.details}", params)
        return sorted(rows, key=lambda r: str(r["subject"]))

    async def count_services_failing(self, check: ServiceCheck, scope: AuditScope, *, not_running: Sequence[str] = ()) -> int:
        params: dict[str, Any] = {}
        return await self._count(self._service_match(check, scope, not_running, params), params)

    async def standard_platform_keys(self) -> list[str]:
        """Keys of the current platforms marked standard, by key."""
        rows = await self.store.read("MATCH (p:Platform) WHERE p.retired_at IS NULL AND p.standard = true RETURN p.id AS id ORDER BY id")
        return [str(r["id"]) for r in rows]

    # -- repositories

    def _codeowners_match(self, scope: AuditScope, params: dict[str, Any]) -> str:
        where = [
            "n.retired_at IS NULL",
            "n.codeowners_path IS NOT NULL",
            "n.owned_share < 100",
            "(n.archived IS NULL OR n.archived = false)",
            *scope.conditions("n.id", params),
        ]
        return f"MATCH (n:Repository) WHERE {_where(where)}"

    async def partly_owned_repositories(self, scope: AuditScope, after: str | None, limit: int) -> list[Row]:
        """Current, unarchived repositories whose CODEOWNERS owns less than all files: ``subject``, ``name``, ``slug``,
        ``share`` (percent owned) and ``path`` (of the CODEOWNERS file), by key after ``after``."""
        params: dict[str, Any] = {"limit": limit}
        query = self._codeowners_match(scope, params)
        if after is not None:
            params["after"] = after
            query += " AND n.id > $after"
        return await self.store.read(
            f"{query}\nRETURN n.id AS subject, n.name AS name, n.slug AS slug, n.owned_share AS share, n.codeowners_path AS path "
            "ORDER BY subject LIMIT $limit",
            params,
        )

    async def count_partly_owned_repositories(self, scope: AuditScope) -> int:
        params: dict[str, Any] = {}
        return await self._count(self._codeowners_match(scope, params), params)

    # -- owners that were retired

    def _retired_owner_match(self, scope: AuditScope, params: dict[str, Any]) -> str:
        where = ["r.active = true", "o.retired_at IS NOT NULL", "n.retired_at IS NULL", *scope.conditions("n.id", params)]
        return (
            f"MATCH (o:Team|Person)-[r:OWNS]->(n:{'|'.join(OWNABLE)}) WHERE {_where(where)}\n"
            f"WITH n.id AS subject, {self.store.dialect.label_of('n')} AS label, n.name AS name, o.id AS owner, "
            "o.retired_at AS retired_at, collect(DISTINCT r.source_instance) AS instances"
        )

    async def retired_owners(self, scope: AuditScope, after: tuple[str, str] | None, limit: int) -> list[Row]:
        """Current entities a source still says a retired team or person owns: one row per (``subject``, ``owner``),
        with ``label``, ``name``, the owner's ``retired_at`` and the ``instances`` that name it, after ``after``."""
        params: dict[str, Any] = {"limit": limit}
        query = self._retired_owner_match(scope, params)
        if after is not None:
            params["after_subject"], params["after_tie"] = after
            query += "\nWHERE subject > $after_subject OR (subject = $after_subject AND owner > $after_tie)"
        return await self.store.read(
            f"{query}\nRETURN subject, label, name, owner, retired_at, instances ORDER BY subject, owner LIMIT $limit", params
        )

    async def count_retired_owners(self, scope: AuditScope) -> int:
        params: dict[str, Any] = {}
        return await self._count(self._retired_owner_match(scope, params), params)

    # -- stale entities and sources

    def _stale_match(self, labels: Sequence[str], cutoff: str, scope: AuditScope, params: dict[str, Any]) -> str:
        params["cutoff"] = cutoff
        where = ["n.retired_at IS NULL", "n.last_seen < $cutoff", *scope.conditions("n.id", params)]
        return f"MATCH (n:{'|'.join(labels)}) WHERE {_where(where)}"

    async def unconfirmed_since(self, labels: Sequence[str], cutoff: str, scope: AuditScope, after: str | None, limit: int) -> list[Row]:
        """Current entities of ``labels`` last confirmed (``last_seen``) before ``cutoff``: ``subject``, ``label``,
        ``name``, ``last_seen`` and ``instance``, by key after ``after``."""
        params: dict[str, Any] = {"limit": limit}
        query = self._stale_match(labels, cutoff, scope, params)
        if after is not None:
            params["after"] = after
            query += " AND n.id > $after"
        return await self.store.read(
            f"{query}\nRETURN n.id AS subject, {self.store.dialect.label_of('n')} AS label, n.name AS name, n.last_seen AS last_seen, "
            "n.source_instance AS instance ORDER BY subject LIMIT $limit",
            params,
        )

    async def count_unconfirmed_since(self, labels: Sequence[str], cutoff: str, scope: AuditScope) -> int:
        params: dict[str, Any] = {}
        return await self._count(self._stale_match(labels, cutoff, scope, params), params)

    async def import_runs_by_instance(self) -> list[Row]:
        """Per source instance: ``instance``, ``source``, its latest run's start (``last_run``) and its latest complete
        run's (``last_complete``, null when none was complete)."""
        return await self.store.read(
            "MATCH (r:ImportRun) RETURN r.source_instance AS instance, r.source AS source, max(r.started_at) AS last_run, "
            "max(CASE WHEN r.complete = true THEN r.started_at ELSE NULL END) AS last_complete"
        )

    async def current_entities_of_instances(self, labels: Sequence[str], instances: Sequence[str]) -> dict[str, int]:
        """How many current entities of ``labels`` each source instance holds (instances holding none are left out)."""
        if not instances:
            return {}
        rows = await self.store.read(
            f"UNWIND $instances AS i MATCH (n:{'|'.join(labels)}) WHERE n.source_instance = i AND n.retired_at IS NULL "
            "RETURN i AS instance, count(n) AS total",
            {"instances": sorted(instances)},
        )
        return {str(r["instance"]): int(r["total"]) for r in rows if int(r["total"])}

    async def unfinished_runs(self) -> list[UnfinishedRun]:
        """Syncs that stopped before they finished and that no later sync of their source made good (``catalog.store.runs``)."""
        return await unfinished_runs(self.store)

    # -- findings

    async def findings_page(self, selection: FindingSelection, after: tuple[int, int, str, str] | None, limit: int) -> list[Row]:
        """The first ``limit`` findings of ``selection`` in (severity rank ``sr``, class rank ``kr``, ``subject``, ``id``)
        order after ``after``, with their ``kind``, ``severity``, ``message``, ``fix``, ``field``, ``reference``, ``file``,
        ``line``, ``first_seen``, ``source`` and ``instance``."""
        params: dict[str, Any] = {"limit": limit}
        query = _findings_match(selection, params)
        if after is not None:
            params.update(a_sr=after[0], a_kr=after[1], a_subject=after[2], a_id=after[3])
            query += (
                " AND (sr > $a_sr OR (sr = $a_sr AND kr > $a_kr) OR (sr = $a_sr AND kr = $a_kr AND subject > $a_subject) "
                "OR (sr = $a_sr AND kr = $a_kr AND subject = $a_subject AND f.id > $a_id))"
            )
        return await self.store.read(
            f"{query}\nRETURN sr, kr, subject, f.id AS id, f.kind AS kind, f.severity AS severity, f.message AS message, f.fix AS fix, "
            "f.field AS field, f.reference AS reference, f.file AS file, f.line AS line, f.first_seen AS first_seen, "
            "f.source AS source, f.source_instance AS instance\nORDER BY sr, kr, subject, id LIMIT $limit",
            params,
        )

    async def findings_counts(self, selection: FindingSelection) -> dict[tuple[int, int], int]:
        """How many findings of ``selection`` there are per (severity rank, class rank), leaving out zeros."""
        params: dict[str, Any] = {}
        rows = await self.store.read(f"{_findings_match(selection, params)}\nRETURN sr, kr, count(*) AS total", params)
        return {(int(r["sr"]), int(r["kr"])): int(r["total"]) for r in rows if r["total"]}

    # -- subjects

    async def subject_names(self, label: str, keys: Sequence[str]) -> tuple[dict[str, str], dict[str, int]]:
        """Names of the ``label`` nodes among ``keys`` (current or retired), and for repositories their owned share."""
        if not keys:
            return {}, {}
        share = ", n.owned_share AS share" if label == "Repository" else ""
        rows = await self.store.read(
            f"UNWIND $ids AS key MATCH (n:{label} {{id: key}}) RETURN n.id AS id, n.name AS name{share}", {"ids": sorted(set(keys))}
        )
        names = {str(r["id"]): str(r["name"]) for r in rows if r["name"]}
        shares = {str(r["id"]): int(r["share"]) for r in rows if r.get("share") is not None}
        return names, shares

    async def team_scope(self, team: str, include_sub_teams: bool, hierarchy_limit: int | None = None) -> list[str] | None:
        """The current team ``team``, its sub-teams when asked (down ``hierarchy_limit`` levels, by default the reader's),
        and every current entity they own (``OWNS`` or ``ACCOUNTABLE_FOR``), by key; None when there is no such team."""
        rows = await self.store.read("MATCH (t:Team {id: $id}) WHERE t.retired_at IS NULL RETURN t.id AS id", {"id": team})
        if not rows:
            return None
        teams = [team]
        if include_sub_teams:
            limit = self.hierarchy_limit if hierarchy_limit is None else hierarchy_limit
            teams += (await reach_keys(self.store, CHILD_TEAMS, [team], limit))[0]
        owned = await self.store.read(
            f"MATCH (t:Team)-[r:OWNS|ACCOUNTABLE_FOR]->(n:{'|'.join(OWNABLE)}) "
            "WHERE t.id IN $teams AND r.active = true AND n.retired_at IS NULL RETURN DISTINCT n.id AS id",
            {"teams": teams},
        )
        return sorted({*teams, *(str(r["id"]) for r in owned)})

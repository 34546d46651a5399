"""Audits: what is missing or wrong in the catalog's picture of ownership, on-call and platforms, with the fix.

One typed result, ``Audit``, from two kinds of evidence:

- computed on demand in the store (nothing is stored): services with no owner, no on-call
  routing, off the standard platform or on no known platform; owners that were retired;
  repositories that CODEOWNERS covers only in part; entities not confirmed for
  ``stale_after_days`` (an old ``last_seen``), and source instances without a complete import
  for as long (``ImportRun``), whose lost facts are therefore not retired; syncs that stopped
  before they finished and were not made good since (``catalog.store.runs``). Libraries
  (``NOT_RUNNING_TYPES``) are not expected to have on-call routing or a platform;
- the importers' own findings (current ``Finding`` nodes), passed through with their file,
  line, field and fix, and classified: dangling owners, other dangling references, owner
  conflicts (written by ``catalog.reconcile``), repositories without CODEOWNERS, and every
  other import problem.

Audits are listed in one stable order, (severity, kind, subject key, tie-breaker), and paged
by keyset on that position: each producer (one computed audit, or all findings) is asked for
the first ``first + 1`` audits after the cursor in that order, one query each, and the
answers are merged, so a page costs the same few queries wherever it starts. Counts per kind
and severity come from one count query per producer.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from catalog.core.clock import iso, now_iso, parse_iso
from catalog.core.model import NODES_BY_LABEL, OWNS
from catalog.core.refs import InvalidReference, parse_ref
from catalog.read import CatalogReader
from catalog.read.audits import (
    NO_ON_CALL,
    OFF_STANDARD,
    UNKNOWN_PLATFORM,
    UNOWNED,
    AuditScope,
    FindingClasses,
    FindingSelection,
    Row,
    ServiceCheck,
)
from catalog.read.base import DEFAULT_HIERARCHY_LIMIT
from catalog.read.entities import UnknownEntity


class AuditKind(StrEnum):
    """What an audit is about; the order here is the order audits of one severity are listed in."""

    INTERRUPTED_SYNC = "INTERRUPTED_SYNC"
    UNOWNED_SERVICE = "UNOWNED_SERVICE"
    UNKNOWN_OWNER = "UNKNOWN_OWNER"
    NO_ON_CALL_ROUTING = "NO_ON_CALL_ROUTING"
    OWNER_CONFLICT = "OWNER_CONFLICT"
    CODEOWNERS_GAP = "CODEOWNERS_GAP"
    STALE_ENTITY = "STALE_ENTITY"
    STALE_SOURCE = "STALE_SOURCE"
    DANGLING_REFERENCE = "DANGLING_REFERENCE"
    OFF_STANDARD_PLATFORM = "OFF_STANDARD_PLATFORM"
    UNKNOWN_PLATFORM = "UNKNOWN_PLATFORM"
    SEVERAL_STANDARD_PLATFORMS = "SEVERAL_STANDARD_PLATFORMS"
    OPS_HAND_OFF = "OPS_HAND_OFF"
    OWN_PLATFORM = "OWN_PLATFORM"
    IMPORT_PROBLEM = "IMPORT_PROBLEM"


KIND_DOCS: dict[AuditKind, str] = {
    AuditKind.INTERRUPTED_SYNC: "A sync that stopped before it finished (its process or the store went away, or it failed) and that "
    "no later sync of its source has made good: what it wrote may be half of a picture, e.g. people without their teams.",
    AuditKind.UNOWNED_SERVICE: "A current service that no source gives a current owner (no active OWNS or ACCOUNTABLE_FOR).",
    AuditKind.UNKNOWN_OWNER: "An owner that does not exist: a dangling owner reference an importer found, or an owner that was retired.",
    AuditKind.NO_ON_CALL_ROUTING: "A running service with no escalation policy of its own and none through its owning teams.",
    AuditKind.OWNER_CONFLICT: "Sources name different owners for the same entity (found when owners are reconciled after a sync).",
    AuditKind.CODEOWNERS_GAP: "A repository whose CODEOWNERS leaves files without a code owner, or that has no CODEOWNERS at all.",
    AuditKind.STALE_ENTITY: "A current entity no import has confirmed for longer than the stale threshold.",
    AuditKind.STALE_SOURCE: "A source instance with no complete import for longer than the stale threshold: what it lost is not retired.",
    AuditKind.DANGLING_REFERENCE: "A reference an importer could not resolve: an unknown entity, a wrong kind, an unknown repository.",
    AuditKind.OFF_STANDARD_PLATFORM: "A service that runs only on platforms other than the standard one.",
    AuditKind.UNKNOWN_PLATFORM: "A running service no source places on any platform.",
    AuditKind.SEVERAL_STANDARD_PLATFORMS: "More than one platform is presented as the standard one (catalog.yaml, a Backstage "
    "annotation): the company runs several platforms, and adoption counts services on any of them as standard.",
    AuditKind.OPS_HAND_OFF: "One team answers the first page for the services of many other teams (at least "
    "CATALOG_OPS_HANDOFF_MIN_TEAMS): their own members are not on the first level of the services' escalation policies.",
    AuditKind.OWN_PLATFORM: "A team operates a platform of its own: it owns a platform that is not the standard one, and services "
    "run on it.",
    AuditKind.IMPORT_PROBLEM: "Any other problem an import found in its source, with the file, line and fix.",
}

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
"""Most severe first; audits are listed in this order."""

DEFAULT_STALE_AFTER_DAYS = 30
"""Used when the settings have no ``stale_after_days`` (``CATALOG_STALE_AFTER_DAYS``)."""

DEFAULT_OPS_HANDOFF_MIN_TEAMS = 2
"""Used when the settings have no ``ops_handoff_min_teams`` (``CATALOG_OPS_HANDOFF_MIN_TEAMS``)."""

NOT_RUNNING_TYPES: tuple[str, ...] = ("library",)
"""Service types that do not run anywhere: no on-call routing or platform is expected of them."""

OWNER_FINDING_KINDS: tuple[str, ...] = ("unknown-owner",)
"""Finding kinds that always mean an owner that does not exist (CODEOWNERS, Kubernetes owner labels)."""

DANGLING_FINDING_KINDS: tuple[str, ...] = (
    "unknown-reference",
    "wrong-kind",
    "missing-kind",
    "unknown-repository",
    "unknown-platform",
    "unknown-user",
    "missing-location-target",
)
"""Finding kinds that mean a reference that could not be resolved; on an owner field they are UNKNOWN_OWNER."""

CONFLICT_FINDING_KINDS: tuple[str, ...] = ("owner-conflict",)
CODEOWNERS_FINDING_KINDS: tuple[str, ...] = ("no-codeowners",)

STALE_LABELS: tuple[str, ...] = (
    "Service",
    "API",
    "Resource",
    "System",
    "Domain",
    "Team",
    "Person",
    "Repository",
    "Platform",
    "Workload",
    "EscalationPolicy",
    "Schedule",
)
"""Entities an import confirms on every complete read, so an old ``last_seen`` means nobody confirms them any more."""

KEY_PREFIXES: dict[str, str] = {
    "component:": "Service",
    "api:": "API",
    "resource:": "Resource",
    "system:": "System",
    "domain:": "Domain",
    "group:": "Team",
    "user:": "Person",
    "repository:": "Repository",
    "platform:": "Platform",
    "workload:": "Workload",
    "escalation-policy:": "EscalationPolicy",
    "schedule:": "Schedule",
}
"""How node keys start, per label (``catalog.core.refs``): tells a finding's subject label from its key."""

LABEL_PREFIXES: dict[str, str] = {label: prefix for prefix, label in KEY_PREFIXES.items()}

_OWNABLE = OWNS.to_labels
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_KIND_RANK = {k: i for i, k in enumerate(AuditKind)}

Position = tuple[int, int, str, str]
"""Where an audit sits in the one order: severity rank, kind rank, subject key, tie-breaker."""


class AuditArgumentError(ValueError):
    """A filter or cursor that cannot be used; the message names the argument and the fix."""


@dataclass(frozen=True)
class Subject:
    key: str
    """The node key the audit is about (for a stale source: the source instance)."""
    label: str | None
    """Its label, e.g. ``Service``; null when the subject is not a catalog node (a source instance)."""
    name: str | None


@dataclass(frozen=True)
class Audit:
    id: str
    """Stable for the same problem: the finding's key, or ``<kind>:<subject>[:<detail>]``."""
    kind: AuditKind
    severity: str
    subject: Subject
    message: str
    fix: str
    detected_at: str | None
    """When the problem was first found: the finding's ``first_seen``; for computed audits, the time they were computed at."""
    finding_kind: str | None = None
    """The importer's own kind (``unknown-reference``, ``owner-conflict``, ...), for audits that pass a finding through."""
    source: str | None = None
    source_instance: str | None = None
    field: str | None = None
    reference: str | None = None
    file: str | None = None
    line: int | None = None
    cursor: str = ""
    """This audit's position, as the key a page cursor carries."""


@dataclass(frozen=True)
class AuditCount:
    kind: AuditKind
    severity: str
    count: int


@dataclass(frozen=True)
class AuditFilter:
    kinds: tuple[AuditKind, ...] | None = None
    severities: tuple[str, ...] | None = None
    team: str | None = None
    """A team key: only audits about the team, its sub-teams (``include_sub_teams``) and what they own."""
    include_sub_teams: bool = True
    subject_label: str | None = None
    """Only audits about subjects of this label, e.g. ``Service`` or ``Repository``."""


@dataclass(frozen=True)
class AuditPage:
    audits: tuple[Audit, ...]
    has_next: bool


# -- arguments ----------------------------------------------------------------------------------


def parse_kind(text: str) -> AuditKind:
    """``UNOWNED_SERVICE``, ``unowned-service`` or ``unowned_service``."""
    name = text.strip().upper().replace("-", "_")
    try:
        return AuditKind[name]
    except KeyError:
        known = ", ".join(k.value for k in AuditKind)
        raise AuditArgumentError(f"kind {text!r} is not an audit kind; use one of {known}") from None


def parse_severity(text: str) -> str:
    severity = text.strip().lower()
    if severity not in _SEVERITY_RANK:
        raise AuditArgumentError(f"severity {text!r} is not a severity; use one of {', '.join(SEVERITIES)}")
    return severity


def parse_label(text: str) -> str:
    """A subject label, case-insensitively (``service`` → ``Service``)."""
    for label in LABEL_PREFIXES:
        if label.lower() == text.strip().lower():
            return label
    raise AuditArgumentError(f"subject label {text!r} is not one audits are about; use one of {', '.join(sorted(LABEL_PREFIXES))}")


def team_key(text: str) -> str:
    """The key of a team written ``[group:][namespace/]name``."""
    try:
        ref = parse_ref(text, default_kind="group")
    except InvalidReference as exc:
        raise AuditArgumentError(f"team: {exc}") from exc
    if ref.kind != "group":
        raise AuditArgumentError(f"team: {text!r} is a {ref.kind} reference; give a team, e.g. group:default/{ref.name}")
    return ref.key


def cursor_key(position: Position) -> str:
    return json.dumps(list(position), separators=(",", ":"))


def parse_cursor_key(text: str) -> Position:
    """The position inside a cursor key this module issued."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
        and all(isinstance(v, str) for v in value[2:])
    ):
        return (value[0], value[1], value[2], value[3])
    raise AuditArgumentError(f"after: {text!r} is not an audit cursor; pass `pageInfo.endCursor` of the previous page")


def label_of_key(key: str) -> str | None:
    for prefix, label in KEY_PREFIXES.items():
        if key.startswith(prefix):
            return label
    return None


# -- the query context ----------------------------------------------------------------------------


@dataclass
class _Context:
    reader: CatalogReader
    filter: AuditFilter
    now: str
    cutoff: str
    stale_after_days: int
    scope: list[str] | None
    """Subject keys the team filter allows; None without a team filter."""
    standard: list[str] = field(default_factory=list)
    ops_handoff_min_teams: int = DEFAULT_OPS_HANDOFF_MIN_TEAMS
    memo: dict[str, Any] = field(default_factory=dict)
    """Facts read once per ``Audits`` and shared by its producers and pages (the anti-patterns' bulk reads)."""

    @property
    def audit_scope(self) -> AuditScope:
        """The team scope and subject label, as the read layer takes them."""
        label = self.filter.subject_label
        return AuditScope(self.scope, None if label is None else LABEL_PREFIXES[label])

    def wants(self, kind: AuditKind, severity: str | None, labels: Sequence[str | None] | None) -> bool:
        f = self.filter
        if f.kinds is not None and kind not in f.kinds:
            return False
        if severity is not None and f.severities is not None and severity not in f.severities:
            return False
        if f.subject_label is not None and labels is not None and f.subject_label not in labels:
            return False
        return self.scope is None or bool(self.scope)


def _days_between(earlier: str, later: str) -> int:
    return max(0, (parse_iso(later) - parse_iso(earlier)).days)


def _day(moment: str | None) -> str:
    return (moment or "")[:10] or "never"


def _names(keys: Sequence[str]) -> str:
    return ", ".join(keys)


# -- producers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    position: Position
    audit: Audit


class _Producer(abc.ABC):
    @abc.abstractmethod
    async def rows(self, ctx: _Context, after: Position | None, limit: int) -> list[_Row]:
        """Its first ``limit`` audits after ``after`` in the one order."""

    @abc.abstractmethod
    async def counts(self, ctx: _Context) -> dict[tuple[AuditKind, str], int]: ...


class _Computed(_Producer):
    """One kind at one severity, about subjects of ``labels``, at most one audit per subject unless ``tie`` says otherwise."""

    kind: AuditKind
    severity: str
    labels: tuple[str | None, ...]

    @property
    def block(self) -> tuple[int, int]:
        return (_SEVERITY_RANK[self.severity], _KIND_RANK[self.kind])

    def keyset(self, after: Position | None) -> tuple[bool, tuple[str, str] | None]:
        """(skip entirely, subject and tie-breaker to continue after)."""
        if after is None or after[:2] < self.block:
            return False, None
        if after[:2] > self.block:
            return True, None
        return False, (after[2], after[3])

    def position(self, subject: str, tie: str = "") -> Position:
        return (*self.block, subject, tie)

    def audit(self, subject: Subject, message: str, fix: str, ctx: _Context, tie: str = "") -> _Row:
        position = self.position(subject.key, tie)
        audit_id = f"{self.kind.value.lower().replace('_', '-')}:{subject.key}" + (f":{tie}" if tie else "")
        return _Row(
            position,
            Audit(audit_id, self.kind, self.severity, subject, message, fix, ctx.now, cursor=cursor_key(position)),
        )

    async def rows(self, ctx: _Context, after: Position | None, limit: int) -> list[_Row]:
        if not ctx.wants(self.kind, self.severity, self.labels):
            return []
        skip, cont = self.keyset(after)
        if skip:
            return []
        return await self.fetch(ctx, cont, limit)

    async def counts(self, ctx: _Context) -> dict[tuple[AuditKind, str], int]:
        if not ctx.wants(self.kind, self.severity, self.labels):
            return {}
        total = await self.count(ctx)
        return {(self.kind, self.severity): total} if total else {}

    @abc.abstractmethod
    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]: ...

    @abc.abstractmethod
    async def count(self, ctx: _Context) -> int: ...


class _ServiceAudit(_Computed):
    """Current services that the read layer's ``check`` finds: one query for the page, one for the count."""

    labels = ("Service",)
    check: ServiceCheck

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await ctx.reader.services_failing(
            self.check, ctx.audit_scope, None if after is None else after[0], limit, not_running=NOT_RUNNING_TYPES
        )
        return [self.describe(ctx, row) for row in rows]

    async def count(self, ctx: _Context) -> int:
        return await ctx.reader.count_services_failing(self.check, ctx.audit_scope, not_running=NOT_RUNNING_TYPES)

    @abc.abstractmethod
    def describe(self, ctx: _Context, row: Row) -> _Row: ...


class _Unowned(_ServiceAudit):
    kind = AuditKind.UNOWNED_SERVICE
    severity = "error"
    check = UNOWNED

    def describe(self, ctx: _Context, row: Row) -> _Row:
        key = str(row["subject"])
        declared = f" (declared by {row['instance']} at {row['origin']})" if row.get("instance") else ""
        return self.audit(
            Subject(key, "Service", row["name"]),
            f"{key} has no owner: no source names a current team or person that owns it{declared}",
            "name its owning team where the service is declared (Backstage: spec.owner: group:<team>), "
            "or label its Kubernetes workloads ownership-catalog.io/owner=<team>",
            ctx,
        )


class _NoOnCall(_ServiceAudit):
    kind = AuditKind.NO_ON_CALL_ROUTING
    severity = "warning"
    check = NO_ON_CALL

    def describe(self, ctx: _Context, row: Row) -> _Row:
        key = str(row["subject"])
        teams = sorted(str(t) for t in row.get("teams") or [] if t)
        through = (
            f"none through its owning team{'s' if len(teams) > 1 else ''} {_names(teams)}" if teams else "no owning team to fall back on"
        )
        return self.audit(
            Subject(key, "Service", row["name"]),
            f"{key} has no on-call routing: no escalation policy of its own, and {through}",
            "link its PagerDuty service (annotation pagerduty.com/service-id: <id>, or `services` of the pagerduty source in "
            "catalog.yaml), or link its owning team to PagerDuty (annotation pagerduty.com/team-id) so the team's policy applies",
            ctx,
        )


class _OffStandard(_ServiceAudit):
    kind = AuditKind.OFF_STANDARD_PLATFORM
    severity = "warning"
    check = OFF_STANDARD

    def describe(self, ctx: _Context, row: Row) -> _Row:
        key = str(row["subject"])
        platforms = sorted(str(p) for p in row.get("platforms") or [])
        if ctx.standard:
            standard = _names(ctx.standard)
            message = f"{key} runs on {_names(platforms)}, not on the standard platform {standard}"
            fix = f"move it to {standard}, or record why it stays off the standard platform"
        else:
            message = f"{key} runs on {_names(platforms)}, and no platform is marked standard"
            fix = (
                "mark the standard platform: `standard: true` under platforms in catalog.yaml, or the annotation "
                'ownership-catalog.io/standard-platform: "true" on its Backstage Resource'
            )
        return self.audit(Subject(key, "Service", row["name"]), message, fix, ctx)


class _UnknownPlatform(_ServiceAudit):
    kind = AuditKind.UNKNOWN_PLATFORM
    severity = "info"
    check = UNKNOWN_PLATFORM

    def describe(self, ctx: _Context, row: Row) -> _Row:
        key = str(row["subject"])
        return self.audit(
            Subject(key, "Service", row["name"]),
            f"{key}: no source says which platform it runs on",
            "add the annotation ownership-catalog.io/platform: <platform> to its descriptor, or import the cluster it runs in "
            "(a kubernetes source with `platform:`)",
            ctx,
        )


class _CodeownersGap(_Computed):
    """Repositories whose CODEOWNERS owns only part of the files (those without one come from the GitHub findings)."""

    kind = AuditKind.CODEOWNERS_GAP
    severity = "info"
    labels = ("Repository",)

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await ctx.reader.partly_owned_repositories(ctx.audit_scope, None if after is None else after[0], limit)
        out: list[_Row] = []
        for row in rows:
            key, share, path = str(row["subject"]), int(row["share"]), row["path"]
            out.append(
                self.audit(
                    Subject(key, "Repository", row["name"]),
                    f"{row['slug'] or key}: its CODEOWNERS ({path}) gives a code owner to {share}% of its files; {100 - share}% have none",
                    f"add a catch-all rule (`* @org/team`) at the top of {path}, or rules for the paths without an owner",
                    ctx,
                )
            )
        return out

    async def count(self, ctx: _Context) -> int:
        return await ctx.reader.count_partly_owned_repositories(ctx.audit_scope)


class _RetiredOwner(_Computed):
    """Active OWNS edges from a team or person that was retired: an owner that no longer exists."""

    kind = AuditKind.UNKNOWN_OWNER
    severity = "error"
    labels = _OWNABLE

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await ctx.reader.retired_owners(ctx.audit_scope, after, limit)
        out: list[_Row] = []
        for row in rows:
            key, owner = str(row["subject"]), str(row["owner"])
            instances = _names(sorted(str(i) for i in row["instances"] or []))
            out.append(
                self.audit(
                    Subject(key, row["label"], row["name"]),
                    f"{key} is owned by {owner}, which no longer exists (retired {_day(row['retired_at'])}); {instances} still names it",
                    f"point the owner in {instances} at a current team, or declare {owner} again if it was removed by mistake",
                    ctx,
                    tie=owner,
                )
            )
        return out

    async def count(self, ctx: _Context) -> int:
        return await ctx.reader.count_retired_owners(ctx.audit_scope)


class _StaleEntity(_Computed):
    kind = AuditKind.STALE_ENTITY
    severity = "warning"
    labels = STALE_LABELS

    def stale_labels(self, ctx: _Context) -> tuple[str, ...]:
        return (ctx.filter.subject_label,) if ctx.filter.subject_label in STALE_LABELS else STALE_LABELS

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        after_key = None if after is None else after[0]
        rows = await ctx.reader.unconfirmed_since(self.stale_labels(ctx), ctx.cutoff, ctx.audit_scope, after_key, limit)
        out: list[_Row] = []
        for row in rows:
            key, instance, seen = str(row["subject"]), row["instance"], str(row["last_seen"])
            out.append(
                self.audit(
                    Subject(key, row["label"], row["name"]),
                    f"{row['label']} {key} was last confirmed by {instance} on {_day(seen)}, {_days_between(seen, ctx.now)} days ago "
                    f"(stale after {ctx.stale_after_days} days)",
                    f"sync {instance} again (catalog sync --source {instance}); if the source no longer has it, a complete sync retires "
                    "it, and if the source itself is gone, its entities linger until retired",
                    ctx,
                )
            )
        return out

    async def count(self, ctx: _Context) -> int:
        return await ctx.reader.count_unconfirmed_since(self.stale_labels(ctx), ctx.cutoff, ctx.audit_scope)


class _StaleSource(_Computed):
    """Source instances whose latest complete import is older than the threshold, and that still hold current entities.

    Import runs are aggregated per instance (there are few instances); the audits are filtered
    and ordered in memory.
    """

    kind = AuditKind.STALE_SOURCE
    severity = "warning"
    labels = (None,)

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        if ctx.scope is not None or ctx.filter.subject_label is not None:
            return []
        runs = await ctx.reader.import_runs_by_instance()
        stale = {
            str(r["instance"]): r for r in runs if r["instance"] and (r["last_complete"] is None or str(r["last_complete"]) < ctx.cutoff)
        }
        if not stale:
            return []
        held = await ctx.reader.current_entities_of_instances(STALE_LABELS, sorted(stale))
        out: list[_Row] = []
        for instance, total in held.items():
            run = stale[instance]
            if run["last_complete"] is None:
                since = f"has never been imported completely (last run {_day(run['last_run'])}, incomplete)"
            else:
                days = _days_between(run["last_complete"], ctx.now)
                since = f"has had no complete import since {_day(run['last_complete'])}, {days} days ago"
            out.append(
                self.audit(
                    Subject(instance, None, run["source"]),
                    f"source {instance} {since} (stale after {ctx.stale_after_days} days); it still holds {total} current "
                    "entities, and whatever it lost since is not retired",
                    f"run catalog sync --source {instance} and check its report for failed endpoints or files; "
                    "if the source is gone for good, remove it from catalog.yaml",
                    ctx,
                )
            )
        return sorted(out, key=lambda r: r.position)

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await self.all_rows(ctx)
        return [r for r in rows if after is None or r.position[2:] > after][:limit]

    async def count(self, ctx: _Context) -> int:
        return len(await self.all_rows(ctx))


class _InterruptedSync(_Computed):
    """Runs that did not finish and were not made good, one audit per run, about its source instance."""

    kind = AuditKind.INTERRUPTED_SYNC
    severity = "error"
    labels = (None,)

    async def all_rows(self, ctx: _Context) -> list[_Row]:
        if ctx.scope is not None or ctx.filter.subject_label is not None:
            return []
        out: list[_Row] = []
        for run in await ctx.reader.unfinished_runs():
            written = ", ".join(f"{count} {kind}" for kind, count in sorted(run.written.items())) or "nothing yet"
            how = {
                "started": "stopped without a word (its process or the store went away)",
                "failed": f"failed: {run.error}",
                "interrupted": f"was interrupted: {run.error}",
            }.get(run.status, run.status)
            out.append(
                self.audit(
                    Subject(run.instance, None, run.source),
                    f"the sync of {run.instance} that started {run.started_at} (run {run.run_id}) {how}; it had written {written}, "
                    "so the catalog may hold half of what that source says (e.g. people without their teams) until it is synced again",
                    f"run catalog sync --source {run.instance}: the next complete sync writes what this one left out and supersedes it",
                    ctx,
                    tie=run.key,
                )
            )
        return sorted(out, key=lambda r: r.position)

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        rows = await self.all_rows(ctx)
        return [r for r in rows if after is None or r.position[2:] > after][:limit]

    async def count(self, ctx: _Context) -> int:
        return len(await self.all_rows(ctx))


_FINDING_CLASSES = FindingClasses(
    conflict_kinds=CONFLICT_FINDING_KINDS,
    owner_kinds=OWNER_FINDING_KINDS,
    codeowners_kinds=CODEOWNERS_FINDING_KINDS,
    dangling_kinds=DANGLING_FINDING_KINDS,
    conflict=_KIND_RANK[AuditKind.OWNER_CONFLICT],
    owner=_KIND_RANK[AuditKind.UNKNOWN_OWNER],
    codeowners=_KIND_RANK[AuditKind.CODEOWNERS_GAP],
    dangling=_KIND_RANK[AuditKind.DANGLING_REFERENCE],
    other=_KIND_RANK[AuditKind.IMPORT_PROBLEM],
    severities=SEVERITIES,
)
"""How findings become audit kinds, for the read layer (``catalog.read.audits.FindingClasses``)."""


class _Findings(_Producer):
    """Every current finding, classified into a kind by one CASE, ordered and paged in the store."""

    KINDS = (
        AuditKind.UNKNOWN_OWNER,
        AuditKind.OWNER_CONFLICT,
        AuditKind.CODEOWNERS_GAP,
        AuditKind.DANGLING_REFERENCE,
        AuditKind.IMPORT_PROBLEM,
    )

    def selection(self, ctx: _Context) -> FindingSelection | None:
        kinds = [k for k in self.KINDS if ctx.filter.kinds is None or k in ctx.filter.kinds]
        severities = [s for s in SEVERITIES if ctx.filter.severities is None or s in ctx.filter.severities]
        if not kinds or not severities or (ctx.scope is not None and not ctx.scope):
            return None
        return FindingSelection(_FINDING_CLASSES, [_KIND_RANK[k] for k in kinds], [_SEVERITY_RANK[s] for s in severities], ctx.audit_scope)

    async def rows(self, ctx: _Context, after: Position | None, limit: int) -> list[_Row]:
        selection = self.selection(ctx)
        if selection is None:
            return []
        rows = await ctx.reader.findings_page(selection, after, limit)
        out: list[_Row] = []
        for row in rows:
            position: Position = (int(row["sr"]), int(row["kr"]), str(row["subject"]), str(row["id"]))
            kind = list(AuditKind)[position[1]]
            subject = position[2]
            out.append(
                _Row(
                    position,
                    Audit(
                        id=str(row["id"]),
                        kind=kind,
                        severity=SEVERITIES[position[0]],
                        subject=Subject(subject, label_of_key(subject), None),
                        message=str(row["message"] or ""),
                        fix=str(row["fix"] or ""),
                        detected_at=row["first_seen"],
                        finding_kind=row["kind"],
                        source=row["source"],
                        source_instance=row["instance"],
                        field=row["field"],
                        reference=row["reference"],
                        file=row["file"],
                        line=row["line"],
                        cursor=cursor_key(position),
                    ),
                )
            )
        return out

    async def counts(self, ctx: _Context) -> dict[tuple[AuditKind, str], int]:
        selection = self.selection(ctx)
        if selection is None:
            return {}
        found = await ctx.reader.findings_counts(selection)
        return {(list(AuditKind)[kr], SEVERITIES[sr]): total for (sr, kr), total in found.items()}


_PRODUCERS: tuple[_Producer, ...] = (
    _InterruptedSync(),
    _Unowned(),
    _RetiredOwner(),
    _NoOnCall(),
    _CodeownersGap(),
    _StaleEntity(),
    _StaleSource(),
    _OffStandard(),
    _UnknownPlatform(),
    _Findings(),
)
"""The producers of this module's kinds; modules of other kinds add theirs with ``register_producer``."""

_REGISTERED: list[_Producer] = []


def register_producer(producer: _Producer) -> None:
    """Add the producer of a kind declared in ``AuditKind`` and ``KIND_DOCS`` but computed in a module of its own (it
    subclasses ``_Computed`` and reads through ``ctx.reader``); its audits are then listed, paged and counted with the others."""
    if any(type(p) is type(producer) for p in (*_PRODUCERS, *_REGISTERED)):
        return
    _REGISTERED.append(producer)


def _producers() -> tuple[_Producer, ...]:
    return (*_PRODUCERS, *_REGISTERED)


# -- the answer -----------------------------------------------------------------------------------


class Audits:
    """The audits of one filter at one reference time: pages and counts, computed on demand."""

    def __init__(self, ctx: _Context) -> None:
        self._ctx = ctx
        self._counts: list[AuditCount] | None = None

    async def page(self, first: int, after: str | None = None) -> AuditPage:
        """The first ``first`` audits after the cursor key ``after`` (an ``Audit.cursor``), in the one order."""
        if first < 0:
            raise AuditArgumentError(f"first {first} is negative; ask for 0 or more audits")
        position = parse_cursor_key(after) if after is not None else None
        rows: list[_Row] = []
        for producer in _producers():
            rows.extend(await producer.rows(self._ctx, position, first + 1))
        rows.sort(key=lambda r: r.position)
        chosen = rows[: first + 1]
        audits = await self._named([r.audit for r in chosen[:first]])
        return AuditPage(tuple(audits), len(chosen) > first)

    async def summary(self) -> list[AuditCount]:
        """How many audits there are per kind and severity (only those with any), most severe first."""
        if self._counts is None:
            merged: dict[tuple[AuditKind, str], int] = {}
            for producer in _producers():
                for key, total in (await producer.counts(self._ctx)).items():
                    merged[key] = merged.get(key, 0) + total
            order = sorted(merged, key=lambda k: (_SEVERITY_RANK[k[1]], _KIND_RANK[k[0]]))
            self._counts = [AuditCount(kind, severity, merged[(kind, severity)]) for kind, severity in order]
        return list(self._counts)

    async def total(self) -> int:
        return sum(c.count for c in await self.summary())

    async def _named(self, audits: list[Audit]) -> list[Audit]:
        """Fill in the names of finding subjects, one lookup per label on the page; a repository's CODEOWNERS
        finding also gets the repository's owned share."""
        wanted: dict[str, set[str]] = {}
        for audit in audits:
            if audit.subject.name is None and audit.subject.label is not None:
                wanted.setdefault(audit.subject.label, set()).add(audit.subject.key)
        names: dict[str, str] = {}
        shares: dict[str, int] = {}
        for label, keys in sorted(wanted.items()):
            found, found_shares = await self._ctx.reader.subject_names(label, sorted(keys))
            names.update(found)
            shares.update(found_shares)
        out: list[Audit] = []
        for audit in audits:
            s = audit.subject
            if s.name is None and s.label is not None:
                # A subject no node holds (a dangling one) keeps the name its key spells.
                audit = replace(audit, subject=Subject(s.key, s.label, names.get(s.key) or s.key.rpartition("/")[2] or None))
            if audit.kind is AuditKind.CODEOWNERS_GAP and s.key in shares:
                audit = replace(audit, message=f"{audit.message}; {shares[s.key]}% of its files have a code owner")
            out.append(audit)
        return out


async def audits(
    reader: CatalogReader,
    audit_filter: AuditFilter | None = None,
    *,
    now: str | None = None,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    hierarchy_limit: int = DEFAULT_HIERARCHY_LIMIT,
    ops_handoff_min_teams: int = DEFAULT_OPS_HANDOFF_MIN_TEAMS,
) -> Audits:
    """The audits ``audit_filter`` selects, as of ``now`` (default: the current time).

    Raises ``UnknownEntity`` when the filter names a team that does not exist, and
    ``AuditArgumentError`` for a subject label or threshold that cannot be used.
    """
    f = audit_filter or AuditFilter()
    if ops_handoff_min_teams < 1:
        raise AuditArgumentError(f"ops_handoff_min_teams {ops_handoff_min_teams} is below 1; give a number of teams, e.g. 3")
    if stale_after_days < 1:
        raise AuditArgumentError(f"stale_after_days {stale_after_days} is below 1; give a number of days, e.g. 30")
    if f.subject_label is not None:
        f = replace(f, subject_label=parse_label(f.subject_label))
    if f.severities is not None:
        f = replace(f, severities=tuple(parse_severity(s) for s in f.severities))
    now = now or now_iso()
    cutoff = iso(parse_iso(now) - timedelta(days=stale_after_days))
    scope: list[str] | None = None
    if f.team is not None:
        scope = await reader.team_scope(f.team, f.include_sub_teams, hierarchy_limit)
        if scope is None:
            raise UnknownEntity("Team", f.team)
    ctx = _Context(reader, f, iso(parse_iso(now)), cutoff, stale_after_days, scope, ops_handoff_min_teams=ops_handoff_min_teams)
    wants_standard = f.kinds is None or AuditKind.OFF_STANDARD_PLATFORM in f.kinds
    if wants_standard:
        ctx.standard = await reader.standard_platform_keys()
    return Audits(ctx)


if set(KIND_DOCS) != set(AuditKind):
    raise RuntimeError("document every audit kind in KIND_DOCS")
if not set(LABEL_PREFIXES) <= set(NODES_BY_LABEL) or not set(STALE_LABELS) <= set(NODES_BY_LABEL):
    raise RuntimeError("KEY_PREFIXES or STALE_LABELS name a label catalog.core.model does not declare")

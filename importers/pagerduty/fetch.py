"""Fetch every PagerDuty endpoint the importer needs, and record which ones failed.

Fetching only fetches: it checks that each listed record is an object with a usable ``id``
(dropping the others, and later copies of an id, with a finding) and leaves all meaning to
``translate``. A users listing that cannot be read degrades to the people the other records name
(with a finding); any other endpoint that fails makes the read incomplete (nothing
is retired) and puts the endpoint in ``failed_origins`` (what it said before is kept).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from catalog.core.records import Finding
from importers.pagerduty.client import FetchError, Reader, is_safe_id

_FAILED = object()

CONCURRENCY = 4
"""Per-team and per-schedule requests in flight at once: well inside PagerDuty's rate limit."""

USERS = "/users"
TEAMS = "/teams"
SERVICES = "/services"
POLICIES = "/escalation_policies"
SCHEDULES = "/schedules"
ONCALLS = "/oncalls"
DEPENDENCIES = "/service_dependencies/technical_services"


def members_path(team_id: str) -> str:
    return f"{TEAMS}/{team_id}/members"


def schedule_path(schedule_id: str) -> str:
    return f"{SCHEDULES}/{schedule_id}"


def dependencies_path(service_id: str) -> str:
    return f"{DEPENDENCIES}/{service_id}"


def origin(path: str, record: str | None = None) -> str:
    """Where a fact came from, the same in live and offline mode: ``GET /services#PABC123``."""
    return f"GET {path}#{record}" if record is not None else f"GET {path}"


Record = dict[str, Any]


@dataclass
class Fetched:
    """Raw records by endpoint; ``None`` where the endpoint failed."""

    users: list[Record] = field(default_factory=list)
    users_listed: bool = True
    """False when the users listing could not be read: people come from references alone."""
    teams: list[Record] | None = None
    members: dict[str, list[Any]] = field(default_factory=dict)
    """Team id → its ``members`` entries; a team whose members failed is absent."""
    services: list[Record] | None = None
    policies: list[Record] | None = None
    schedules: list[Record] | None = None
    """The listing, each replaced by its detail (with ``schedule_layers``) when that was read."""
    schedule_details: set[str] = field(default_factory=set)
    """Ids of the schedules whose detail was read."""
    oncalls: list[Any] | None = None
    dependencies: dict[str, list[Any]] = field(default_factory=dict)
    """Service id → the ``relationships`` of its technical-service dependencies."""
    findings: list[Finding] = field(default_factory=list)
    failed_origins: set[str] = field(default_factory=set)
    complete: bool = True


class Fetcher:
    def __init__(self, reader: Reader, *, source: str) -> None:
        self.reader = reader
        self.source = source
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def fetch(self, since: datetime, until: datetime) -> Fetched:
        """Everything but the service dependencies, which need the services linked first."""
        out = Fetched()
        try:
            users = await self.reader.list(USERS, "users")
        except FetchError as exc:
            # Without the listing, people are still known by the references that name them (on-call
            # entries, policy targets, members): degrade to those, say so, and keep the users read before.
            users = []
            out.users_listed = False
            out.failed_origins.add(origin(USERS))
            if not exc.missing:
                out.complete = False
            out.findings.append(
                Finding(
                    kind="users-listing-missing",
                    severity="warning",
                    message=(
                        f"{exc}; people are recorded from the references that name them (on-call entries, escalation targets, "
                        "team members), without their emails, so they are not matched to catalog people"
                    ),
                    fix=f"export GET {USERS} (or grant the API key read access to users) to match people by email",
                    subject=self.source,
                    reference=USERS,
                    file=self.reader.where(USERS),
                )
            )
        out.users = self._identified(out, USERS, "user", users)
        window = {"since": _pd_time(since), "until": _pd_time(until), "time_zone": "UTC"}

        async def oncalls() -> list[Any] | None:
            try:
                return await self.reader.list(ONCALLS, "oncalls", window)
            except FetchError as exc:
                self._failed(out, ONCALLS, exc)
                return None

        # The listings are independent of each other: read them side by side.
        out.teams, out.services, out.policies, out.schedules, out.oncalls = await asyncio.gather(
            self._list(out, TEAMS, "teams", "team"),
            self._list(out, SERVICES, "services", "service"),
            self._list(out, POLICIES, "escalation_policies", "escalation policy"),
            self._list(out, SCHEDULES, "schedules", "schedule"),
            oncalls(),
        )

        async def team_members(team: Record) -> None:
            path = members_path(team["id"])
            members = await self._guarded(out, path, origin(path), lambda: self.reader.list(path, "members"))
            if members is not _FAILED:
                out.members[team["id"]] = members

        async def schedule_detail(index: int, listed: Record) -> None:
            path = schedule_path(listed["id"])
            # A schedule's detail completes its listed record, so on failure the record is what is kept.
            kept = origin(SCHEDULES, listed["id"])
            try:
                async with self._slots:
                    body = await self.reader.get(path, {"time_zone": "UTC"})
            except FetchError as exc:
                if exc.missing:
                    return  # an export without the detail file: the listing's record (name, time zone, layers if any) is used
                self._failed(out, path, exc, kept)
                return
            detail = body.get("schedule") if isinstance(body, dict) and "schedule" in body else body
            if not isinstance(detail, dict) or detail.get("id") != listed["id"]:
                self._malformed(out, path, kept, listed["id"], "is not the schedule object `{schedule: {id, schedule_layers, ...}}`")
                return
            assert out.schedules is not None
            out.schedules[index] = detail
            out.schedule_details.add(listed["id"])

        await asyncio.gather(
            *(team_members(t) for t in out.teams or ()),
            *(schedule_detail(i, s) for i, s in enumerate(out.schedules or ())),
        )
        return out

    async def fetch_dependencies(self, out: Fetched, service_ids: Iterable[str]) -> None:
        """The dependency relationships of each (linked) service."""
        ids = sorted(set(service_ids))
        missing: list[str] = []

        async def one(service_id: str) -> None:
            path = dependencies_path(service_id)
            try:
                async with self._slots:
                    body = await self.reader.get(path)
            except FetchError as exc:
                if exc.missing:
                    missing.append(service_id)
                    out.failed_origins.add(origin(path))
                    return
                self._failed(out, path, exc)
                return
            relationships = body.get("relationships") if isinstance(body, dict) else None
            if not isinstance(relationships, list):
                self._malformed(out, path, origin(path), service_id, "has no `relationships` list")
                return
            out.dependencies[service_id] = relationships

        await asyncio.gather(*(one(i) for i in ids))
        if missing:
            # An export without dependency files is an export that chose not to include them:
            # keep what earlier reads said, but do not hold up the whole sync for it.
            out.findings.append(
                Finding(
                    kind="export-missing",
                    severity="info",
                    message=(
                        f"{self.source}: no dependency export for {len(missing)} linked service(s) "
                        f"({', '.join(sorted(missing))}), e.g. {self.reader.where(dependencies_path(min(missing)))}; "
                        "their PagerDuty dependencies were not read and earlier ones are kept"
                    ),
                    fix=f"export GET {DEPENDENCIES}/<id> for each service to import PagerDuty's service dependencies",
                    subject=self.source,
                    file=self.reader.where(DEPENDENCIES),
                )
            )

    # -- helpers ----------------------------------------------------------------------------

    async def _list(self, out: Fetched, path: str, collection: str, noun: str) -> list[Record] | None:
        try:
            records = await self.reader.list(path, collection)
        except FetchError as exc:
            self._failed(out, path, exc)
            return None
        return self._identified(out, path, noun, records)

    async def _guarded(self, out: Fetched, path: str, failed_origin: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """The call's result, or ``_FAILED`` (with the failure recorded)."""
        try:
            async with self._slots:
                return await call()
        except FetchError as exc:
            self._failed(out, path, exc, failed_origin)
            return _FAILED

    def _failed(self, out: Fetched, path: str, exc: FetchError, failed_origin: str | None = None) -> None:
        out.complete = False
        out.failed_origins.add(failed_origin or origin(path))
        out.findings.append(
            Finding(
                kind="endpoint-failed",
                severity="error",
                message=f"{exc}; the import is partial: nothing was retired and what {self.reader.where(path)} said before is kept",
                fix="re-run the sync; if it keeps failing, check the token's permissions and PagerDuty's status",
                subject=self.source,
                reference=path,
                file=self.reader.where(path),
            )
        )

    def _malformed(self, out: Fetched, path: str, failed_origin: str, record: str, what: str) -> None:
        out.complete = False
        out.failed_origins.add(failed_origin)
        out.findings.append(
            Finding(
                kind="invalid-record",
                severity="error",
                message=f"{self.source}: {self.reader.where(path)} {what}; what it said before is kept",
                fix="re-run the sync; if it persists, check api_url points at the PagerDuty REST API (or re-export the file)",
                subject=record,
                reference=path,
                file=self.reader.where(path),
            )
        )

    def _identified(self, out: Fetched, path: str, noun: str, records: list[Any]) -> list[Record]:
        """Records that are objects with a usable id; the first of two with the same id wins."""
        kept: dict[str, Record] = {}
        where = self.reader.where(path)
        for position, record in enumerate(records):
            rid = record.get("id") if isinstance(record, dict) else None
            if not isinstance(record, dict) or not is_safe_id(rid):
                # Without an id nothing says which earlier facts this record held: retire nothing.
                out.complete = False
                got = f"id {rid!r}" if isinstance(record, dict) else f"a JSON {type(record).__name__}"
                out.findings.append(
                    Finding(
                        kind="invalid-record",
                        severity="error",
                        message=(
                            f"{self.source}: {where}: {noun} #{position} has {got}, not a PagerDuty id; "
                            "it was skipped and nothing was retired"
                        ),
                        fix=f"check the {noun} in PagerDuty (or the exported file); ids are short alphanumeric strings like PABC123",
                        subject=f"{path}#{position}",
                        reference=path,
                        file=where,
                    )
                )
                continue
            assert isinstance(rid, str)
            if rid in kept:
                out.findings.append(
                    Finding(
                        kind="duplicate-id",
                        severity="warning",
                        message=(
                            f"{self.source}: {where}: {noun} {rid} is listed twice (#{position} repeats an earlier record); "
                            "the first was kept. Records moving between pages while they are read do this"
                        ),
                        fix="re-run the sync; if it persists, report it to PagerDuty (or fix the exported file)",
                        subject=rid,
                        reference=path,
                        file=where,
                    )
                )
                continue
            kept[rid] = record
        return list(kept.values())


def _pd_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

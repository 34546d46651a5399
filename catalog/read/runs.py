"""Sync status: the latest import run of each source instance, and how many findings each instance
holds; for the sync status page and the operators' metrics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalog.store.base import GraphStore

MAX_INSTANCES = 500
"""Most source instances the status lists; real catalogs have tens."""
SNAPSHOT_PREFIX = "catalog:adoption:"
"""Every adoption snapshot is its own instance (``catalog.answers.adoption.snapshot_instance``): the status shows them as one."""
BUILD_RUN_PREFIX = "catalog:build-run:"
"""Likewise every Build-Run snapshot (``catalog.answers.build_run_company.snapshot_instance``)."""


@dataclass(frozen=True)
class LatestRun:
    source: str | None
    instance: str
    started_at: str | None
    finished_at: str | None
    complete: bool | None
    runs: int
    """How many runs of this instance the store records."""
    report: dict[str, Any]
    """The run's report (``ImportReport.summary()`` as stored): totals, counts per label, findings, windows."""


@dataclass(frozen=True)
class FindingCount:
    instance: str | None
    severity: str
    count: int


def _report(value: Any) -> dict[str, Any]:
    try:
        decoded = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


async def latest_runs(store: GraphStore) -> list[LatestRun]:
    """The latest run of every source instance, by instance: one aggregate, then one key lookup per instance."""
    rows = await store.read(
        "MATCH (r:ImportRun) WHERE r.source_instance IS NOT NULL "
        "WITH CASE WHEN r.source_instance STARTS WITH $prefix THEN $prefix WHEN r.source_instance STARTS WITH $build_run "
        "THEN $build_run ELSE r.source_instance END AS instance, r "
        "RETURN instance, max(r.started_at) AS started, count(r) AS runs ORDER BY instance LIMIT $limit",
        {"limit": MAX_INSTANCES, "prefix": SNAPSHOT_PREFIX, "build_run": BUILD_RUN_PREFIX},
    )
    out: list[LatestRun] = []
    for row in rows:
        same = "STARTS WITH" if row["instance"] in (SNAPSHOT_PREFIX, BUILD_RUN_PREFIX) else "="
        found = await store.read(
            f"MATCH (r:ImportRun) WHERE r.started_at = $started AND r.source_instance {same} $instance "
            "RETURN r.source AS source, r.finished_at AS finished_at, r.complete AS complete, r.report AS report LIMIT 1",
            {"instance": row["instance"], "started": row["started"]},
        )
        run = found[0] if found else {}
        out.append(
            LatestRun(
                run.get("source"),
                str(row["instance"]).rstrip(":"),
                row["started"],
                run.get("finished_at"),
                run.get("complete"),
                int(row["runs"]),
                _report(run.get("report")),
            )
        )
    return out


async def finding_counts(store: GraphStore) -> list[FindingCount]:
    """Current findings per source instance and severity."""
    rows = await store.read(
        "MATCH (n:Finding) WHERE n.retired_at IS NULL RETURN n.source_instance AS instance, n.severity AS severity, count(n) AS total "
        "ORDER BY instance, severity"
    )
    return [FindingCount(r["instance"], str(r["severity"]), int(r["total"])) for r in rows]


async def ever_synced(store: GraphStore) -> bool:
    """Whether any import ever ran into this store (an empty store answers every question with "no match")."""
    rows = await store.read("MATCH (r:ImportRun) RETURN r.started_at AS started LIMIT 1")
    return bool(rows)


@dataclass(frozen=True)
class LastRun:
    """The latest run of a source instance as the metrics give it: typed instants and an outcome."""

    source: str
    instance: str
    started_at: datetime | None
    finished_at: datetime | None
    complete: bool
    findings: int

    @property
    def outcome(self) -> str:
        """``complete``, ``partial`` (the source was not read completely) or ``unfinished`` (no end recorded)."""
        if self.finished_at is None:
            return "unfinished"
        return "complete" if self.complete else "partial"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


def _instant(value: Any) -> datetime | None:
    """Stores give instants as datetimes (the embedded store without a zone) or ISO text; all are UTC."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


async def last_runs(store: GraphStore) -> list[LastRun]:
    """``latest_runs`` with typed instants and the findings count of each run's report."""
    out: list[LastRun] = []
    for run in await latest_runs(store):
        findings = run.report.get("findings", 0)
        out.append(
            LastRun(
                source=str(run.source),
                instance=run.instance,
                started_at=_instant(run.started_at),
                finished_at=_instant(run.finished_at),
                complete=bool(run.complete),
                findings=findings if isinstance(findings, int) else 0,
            )
        )
    return out

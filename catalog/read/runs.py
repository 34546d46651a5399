"""The latest import run of each source instance, for the operators' metrics."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalog.store.base import GraphStore


@dataclass(frozen=True)
class LastRun:
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


def _findings(report: Any) -> int:
    try:
        value = json.loads(report).get("findings", 0) if isinstance(report, str) else 0
    except (ValueError, AttributeError):
        return 0
    return value if isinstance(value, int) else 0


_STAMPED = re.compile(r"(?P<name>.+):\d{4}-\d\d-\d\dT[0-9:.]+Z?")


def _instance_name(instance: str) -> str:
    """The instance without a run's timestamp: the adoption count names one instance per sync
    (``catalog:adoption:2026-12-04T16:02:42Z``), which would make a new series every sync."""
    found = _STAMPED.fullmatch(instance)
    return found.group("name") if found else instance


async def last_runs(store: GraphStore) -> list[LastRun]:
    """One query for the instances, then one per instance for its latest run (instances are a
    handful; an instance has a run per sync, so its runs are never read whole)."""
    rows = await store.read("MATCH (r:ImportRun) RETURN DISTINCT r.source_instance AS instance")
    latest_instance: dict[str, str] = {}
    for row in rows:
        instance = str(row["instance"])
        name = _instance_name(instance)
        latest_instance[name] = max(latest_instance.get(name, instance), instance)
    out: list[LastRun] = []
    for name, instance in sorted(latest_instance.items()):
        latest = await store.read(
            "MATCH (r:ImportRun) WHERE r.source_instance = $instance "
            "RETURN r.source AS source, r.started_at AS started_at, r.finished_at AS finished_at, r.complete AS complete, "
            "r.report AS report ORDER BY r.started_at DESC LIMIT 1",
            {"instance": instance},
        )
        if not latest:
            continue
        run = latest[0]
        out.append(
            LastRun(
                source=str(run["source"]),
                instance=name,
                started_at=_instant(run["started_at"]),
                finished_at=_instant(run["finished_at"]),
                complete=bool(run["complete"]),
                findings=_findings(run["report"]),
            )
        )
    return out

"""Times as the catalog stores them: fixed-width ISO-8601 UTC strings.

Both stores compare these correctly as plain strings, which keeps time filters in the
shared Cypher free of engine-specific temporal functions.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a timezone, e.g. {moment.isoformat()}Z")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(datetime.now(UTC))


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone; write it as e.g. {text}Z")
    return moment.astimezone(UTC)

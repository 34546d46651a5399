"""Times as the catalog stores them: fixed-width ISO-8601 UTC strings, and times as people type them.

Both stores compare the stored form correctly as plain strings, which keeps time filters in the
shared Cypher free of engine-specific temporal functions. ``parse_moment`` reads what a person
types at a prompt: ``now``, a relative time (``-2h``, ``+30m``, ``-7d``), a plain date (UTC
midnight) or an ISO-8601 time with a timezone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_RELATIVE = re.compile(r"^(?P<sign>[+-])(?P<parts>(?:\d+(?:w|d|h|m|s))+)$")
_PART = re.compile(r"(\d+)(w|d|h|m|s)")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}Z?$", re.IGNORECASE)
MOMENT_HELP = "`now`, a relative time (-2h, +30m, -7d), a date (2026-11-20, UTC midnight) or a time with a timezone (2026-11-20T03:12:00Z)"
"""How ``parse_moment`` reads a time, for help texts and error messages."""


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a timezone, e.g. {moment.isoformat()}Z")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(datetime.now(UTC))


def parse_iso(text: str) -> datetime:
    """An ISO-8601 time with a timezone, or a plain date (UTC midnight)."""
    if _DATE.match(text):
        day = date.fromisoformat(text.rstrip("Zz"))
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone; write it as e.g. {text}Z")
    return moment.astimezone(UTC)


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """What a person typed as a time (see ``MOMENT_HELP``), in UTC; relative times count from ``now``.

    Raises ``ValueError`` naming the text and the forms accepted.
    """
    value = text.strip()
    current = now or datetime.now(UTC)
    if value.lower() == "now":
        return current
    relative = _RELATIVE.match(value.lower())
    if relative is not None:
        span = timedelta(**{_UNITS[unit]: int(n) for n, unit in _PART.findall(relative["parts"])})
        return current - span if relative["sign"] == "-" else current + span
    try:
        return parse_iso(value)
    except ValueError as exc:
        detail = str(exc) if "timezone" in str(exc) else f"{text!r} is not a time the catalog reads"
        raise ValueError(f"{detail}; give {MOMENT_HELP}") from exc

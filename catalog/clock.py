"""Times as the catalog stores them: fixed-width ISO-8601 UTC strings.

Both stores compare these correctly as plain strings, which keeps time filters in the
shared Cypher free of engine-specific temporal functions.

An instant someone asks about (``at``, ``from``, ``to``) goes through ``instant``, which
refuses, as bad input, times without a timezone and times outside ``EARLIEST``..``LATEST``:
near the ends of what ``datetime`` holds, shifting to UTC or by a window overflows.
"""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""The earliest instant a question may name; nothing the catalog imports is older."""
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The latest instant a question may name; far enough from year 9999 that windows around it stay valid."""


class InstantError(ValueError):
    """An instant that cannot be used; the message says why and how to write one."""


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise InstantError(f"naive datetime {moment!r}: give a timezone, e.g. {moment.isoformat()}Z")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise InstantError(f"{moment.isoformat()} is outside the range of times, in UTC; give a time between years 1 and 9999") from None
    # isoformat, not strftime: strftime writes year 1 as "1", which would sort after "2026".
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def now_iso() -> str:
    return iso(datetime.now(UTC))


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise InstantError(f"time {text!r} has no timezone; write it as e.g. {text}Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InstantError(f"time {text!r} is outside the range of times in UTC") from None


def instant(moment: datetime) -> str:
    """The stored form of an instant a question names, refusing one without a timezone or outside
    ``EARLIEST``..``LATEST`` with an ``InstantError`` that says how to write it."""
    if moment.tzinfo is None:
        raise InstantError(f"{moment.isoformat()} has no timezone; write it with one, e.g. {moment.isoformat()}Z")
    try:
        utc: datetime | None = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InstantError(
            f"{moment.isoformat()} is out of range; give a time from {EARLIEST.date()} to before {LATEST.date()}, e.g. 2026-11-20T03:12:00Z"
        )
    return iso(utc)


def instant_from_text(text: str) -> str:
    """``instant`` of an ISO-8601 text; a ``ValueError`` when it is not one, an ``InstantError`` when it cannot be used."""
    return instant(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))

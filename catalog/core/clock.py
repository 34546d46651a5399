"""Times as the catalog stores them: fixed-width ISO-8601 UTC strings, and times as people type them.

Both stores compare the stored form correctly as plain strings, which keeps time filters in the
shared Cypher free of engine-specific temporal functions. ``parse_moment`` reads what a person
types at a prompt: ``now``, a relative time (``-2h``, ``+30m``, ``-7d``), a plain date (UTC
midnight) or an ISO-8601 time with a timezone.

An instant someone asks about (``at``, ``from``, ``to``) goes through ``instant``, which
refuses, as bad input, times without a timezone and times outside ``EARLIEST``..``LATEST``:
near the ends of what ``datetime`` holds, shifting to UTC or by a window overflows.

Every reading of the wall clock goes through ``_now``, which marks the ``ClockWatch`` of the context
it runs in (``watching_clock``): the API keeps an answer for the next request that asks the same
question only when computing it read no clock (``catalog.api.responses``), or read it only through
``now_iso(held=True)``, whose every use says until when what it computed stays the same
(``holds_until``) or that it shows the instant itself (``shows_instant``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta

_RELATIVE = re.compile(r"^(?P<sign>[+-])(?P<parts>(?:\d+(?:w|d|h|m|s))+)$")
_PART = re.compile(r"(\d+)(w|d|h|m|s)")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}Z?$", re.IGNORECASE)
MOMENT_HELP = (
    "`now`, a relative time (-2h, +30m, -7d), a date such as 2026-11-20 (UTC midnight) or a time with a timezone (2026-11-20T03:12:00Z)"
)
"""How ``parse_moment`` reads a time, for help texts and error messages."""

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


class ClockWatch:
    """What the code run while the watch was on (``watching_clock``) did with the wall clock.

    ``read``: it read the clock in a way nobody bounded, so its result may differ at any later instant.
    ``until``: the earliest instant (exclusive) up to which everything computed from a held reading
    (``now_iso(held=True)``) stays the same; None: no later instant changes it."""

    __slots__ = ("read", "until")

    def __init__(self) -> None:
        self.read = False
        self.until: str | None = None


_WATCH: ContextVar[ClockWatch | None] = ContextVar("catalog_clock_watch", default=None)


@contextmanager
def watching_clock() -> Iterator[ClockWatch]:
    """A fresh ``ClockWatch`` for the code run in the block, and in the tasks and callbacks it starts
    (they copy the context, so they mark the same watch)."""
    watch = ClockWatch()
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


def _now() -> datetime:
    shows_instant()
    return datetime.now(UTC)


def now_iso(*, held: bool = False) -> str:
    """Now. ``held``: the caller makes sure that every use of the instant calls ``holds_until`` (with the next
    instant its result changes at) or ``shows_instant`` (a field that shows the instant)."""
    if not held:
        shows_instant()
    return wall_iso()


def wall_iso() -> str:
    """Now, unwatched: for bookkeeping that is no answer's input (when a kept answer expires), and for ``now_iso``."""
    return iso(datetime.now(UTC))


def holds_until(instant: str | None) -> None:
    """What was just computed from a held reading stays the same until ``instant`` (exclusive; None: for good)."""
    watch = _WATCH.get()
    if watch is not None and instant is not None and (watch.until is None or instant < watch.until):
        watch.until = instant


def shows_instant() -> None:
    """A result depends on the instant in a way no ``holds_until`` bounds (it shows it, or counts from it)."""
    watch = _WATCH.get()
    if watch is not None:
        watch.read = True


def parse_iso(text: str) -> datetime:
    """An ISO-8601 time with a timezone, or a plain date (UTC midnight)."""
    if _DATE.match(text):
        day = date.fromisoformat(text.rstrip("Zz"))
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise InstantError(f"time {text!r} has no timezone; write it as e.g. {text}Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InstantError(f"time {text!r} is out of range; give a time from {EARLIEST.date()} to before {LATEST.date()}") from None


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """What a person typed as a time (see ``MOMENT_HELP``), in UTC; relative times count from ``now``.

    Raises ``ValueError`` naming the text and the forms accepted.
    """
    value = text.strip()
    current = now or _now()
    if value.lower() == "now":
        return current
    relative = _RELATIVE.match(value.lower())
    if relative is not None:
        span = timedelta(**{_UNITS[unit]: int(n) for n, unit in _PART.findall(relative["parts"])})
        try:
            return current - span if relative["sign"] == "-" else current + span
        except OverflowError:
            raise InstantError(f"{text!r} reaches outside the range of times; give {MOMENT_HELP}") from None
    try:
        return parse_iso(value)
    except ValueError as exc:
        detail = (
            str(exc) if "timezone" in str(exc) or "range" in str(exc) else f"{text!r} is not an ISO-8601 time, a date or a relative time"
        )
        raise InstantError(f"{detail}; give {MOMENT_HELP}") from exc


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

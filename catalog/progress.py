"""Progress of a long sync on a terminal: per source, the records read and the rows written so far.

Shown only when stderr is a terminal, on one line per source that is rewritten in place, so logs
and pipes get nothing but the final report.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class SyncProgress(Protocol):
    def reading(self, instance: str) -> None:
        """The source instance is being read."""

    def read(self, instance: str, records: int) -> None:
        """It was read: ``records`` nodes and relationships to sync."""

    def written(self, instance: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows are written."""

    def finished(self, instance: str) -> None:
        """Its sync is over (written, or failed)."""


class TerminalProgress:
    """One status line per source on ``stream``, redrawn at most every ``interval`` seconds."""

    def __init__(self, stream: TextIO, interval: float = 0.2) -> None:
        self._stream = stream
        self._interval = interval
        self._last = 0.0
        self._records: dict[str, int] = {}
        self._started: dict[str, float] = {}

    def _show(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        self._stream.write("\r\x1b[2K" + text)
        self._stream.flush()

    def reading(self, instance: str) -> None:
        self._started[instance] = time.monotonic()
        self._show(f"{instance}: reading…", force=True)

    def read(self, instance: str, records: int) -> None:
        self._records[instance] = records
        self._show(f"{instance}: read {records:,} records; comparing with the store…", force=True)

    def written(self, instance: str, done: int, total: int) -> None:
        self._show(f"{instance}: read {self._records.get(instance, 0):,} records; written {done:,} of {total:,} rows")

    def finished(self, instance: str) -> None:
        seconds = time.monotonic() - self._started.get(instance, time.monotonic())
        self._show(f"{instance}: read {self._records.get(instance, 0):,} records; done in {seconds:.1f} s", force=True)
        self._stream.write("\n")
        self._stream.flush()


def terminal_progress(stream: TextIO | None = None) -> TerminalProgress | None:
    """A progress display on ``stream`` (stderr) when it is a terminal; None otherwise."""
    stream = stream or sys.stderr
    return TerminalProgress(stream) if stream.isatty() else None

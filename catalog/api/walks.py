"""Turns for heavy answers (blast radius, adoption), with a bounded queue.

A hub's blast radius holds its whole reach in memory, so one server process computes at most
``CATALOG_MAX_CONCURRENT_WALKS`` at once. Before this gate the others queued without bound: 50
concurrent hub blast radii waited up to 66 s. Now at most ``CATALOG_MAX_WAITING_WALKS`` wait; a
further one is refused at once with ``Busy``, which the HTTP layer answers with 429 and a
``Retry-After`` estimated from how long recent walks took.
"""

from __future__ import annotations

import asyncio
import math
import time
from contextvars import ContextVar
from types import TracebackType

from catalog.api.errors import LimitExceeded

_entered: ContextVar[float] = ContextVar("walk_entered")
"""When the current task's turn began (each request runs in its own task)."""


class Busy(LimitExceeded):
    """Too many heavy answers are waiting; ``retry_after`` is the suggested wait in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WalkGate:
    """An async context manager: ``async with gate:`` runs the body in turn, or raises ``Busy``."""

    def __init__(self, concurrent: int, waiting: int) -> None:
        self.concurrent = concurrent
        self.max_waiting = waiting
        self._slots = asyncio.Semaphore(concurrent)
        self.waiting = 0
        self.running = 0
        self._mean_seconds = 1.0

    def retry_after(self) -> int:
        """Seconds until a turn is likely free: the queue ahead, served ``concurrent`` at a time."""
        return max(1, math.ceil(self._mean_seconds * (self.waiting + 1) / self.concurrent))

    async def __aenter__(self) -> WalkGate:
        if self._slots.locked() and self.waiting >= self.max_waiting:
            raise Busy(
                f"{self.running} blast-radius or adoption answers are running and {self.waiting} are waiting, the limit "
                f"(CATALOG_MAX_WAITING_WALKS={self.max_waiting}, CATALOG_MAX_CONCURRENT_WALKS={self.concurrent}); "
                f"retry in {self.retry_after()} s",
                self.retry_after(),
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        _entered.set(time.monotonic())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        started = _entered.get(time.monotonic())
        # An exponential mean of recent durations: enough to suggest a Retry-After.
        self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * (time.monotonic() - started)
        self.running -= 1
        self._slots.release()

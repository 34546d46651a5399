"""The snapshot an API process answers from, rebuilt beside the old one whenever a sync finished.

``SnapshotHolder.run`` polls the store's sync generation (one key lookup every
``CATALOG_SNAPSHOT_POLL_SECONDS``) and, on start and whenever it changed, builds a new snapshot
while requests keep reading the old one; the new one replaces it with one assignment, which
is atomic for every request (a request takes ``holder.current`` once and reads only that).
Until the first build finishes ``current`` is None and readers answer from Cypher. A build gives
its first stage (the parts incident answers read) to the holder as soon as it is loaded, and
``current`` is that snapshot (``complete`` False) while the rest loads. A failed build is logged
and the old snapshot stays (or the first stage, when only the rest failed); the next poll tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from catalog.read.snapshot.base import Snapshot, SnapshotPart
from catalog.read.snapshot.build import Publish, build_snapshot
from catalog.store.base import GraphStore
from catalog.store.generation import Generation, read_generation

log = logging.getLogger(__name__)

Builder = Callable[[GraphStore, Generation, Publish], Awaitable[Snapshot]]
"""Builds the snapshot of a generation, giving its first stage to ``Publish`` as soon as it is loaded (``build_snapshot``)."""


class SnapshotHolder:
    def __init__(
        self,
        store: GraphStore,
        *,
        poll_seconds: float = 5.0,
        parts: Sequence[type[SnapshotPart]] | None = None,
        builder: Builder | None = None,
    ) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._parts = parts
        self._builder = builder
        self.current: Snapshot | None = None
        """The snapshot requests read; None until the first build finished."""
        self.seen: Generation | None = None
        """The generation the last poll read (answers from Cypher report it)."""
        self.failures = 0
        """Builds that failed since the last one that succeeded."""
        self._task: asyncio.Task[None] | None = None

    async def _build(self, generation: Generation) -> Snapshot:
        if self._builder is not None:
            return await self._builder(self.store, generation, self._publish)
        return await build_snapshot(self.store, self._parts, generation=generation, publish=self._publish)

    def _publish(self, first: Snapshot) -> None:
        """Answer from a build's first stage while the rest loads."""
        self.current = first
        log.info(
            "snapshot: generation %d's first stage answers now, built in %.2f s (%s)", first.generation, first.build_seconds, _parts(first)
        )

    async def refresh(self) -> bool:
        """Build a new snapshot when there is none or the generation moved; True when one was swapped in.

        Never raises for a store error or a failed build: it is logged and the old snapshot stays."""
        try:
            generation = await read_generation(self.store)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("snapshot: could not read the sync generation (%s); keeping generation %s", exc, self._generation_text())
            return False
        self.seen = generation
        current = self.current
        if current is not None and current.generation == generation.number and current.complete:
            return False
        try:
            built = await self._build(generation)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failures += 1
            log.exception("snapshot: building generation %d failed; answers stay on %s", generation.number, self._generation_text())
            return False
        self.current = built
        self.failures = 0
        synced = built.synced_at or "never"
        first = f"first stage in {built.first_seconds:.2f} s, " if built.first_seconds is not None else ""
        seconds = built.build_seconds
        log.info("snapshot: generation %d (synced %s) built in %.2f s (%s%s)", built.generation, synced, seconds, first, _parts(built))
        return True

    def _generation_text(self) -> str:
        return f"generation {self.current.generation}" if self.current is not None else "the store (no snapshot yet)"

    async def run(self) -> None:
        """Refresh now and every ``poll_seconds`` until cancelled."""
        while True:
            await self.refresh()
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        """Run in the background (the app's lifespan); the first requests are answered from Cypher."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="snapshot-holder")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _parts(snapshot: Snapshot) -> str:
    """Each part's seconds, for the log."""
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in snapshot.part_seconds.items())

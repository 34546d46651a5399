"""A new snapshot, built and warmed before it is swapped in: the whole company's Build-Run scorecard scored beside it.

Scoring every team of a large company is seconds of CPU (about 2 s at scale M); the snapshot keeps
the scored company (``catalog.read.snapshot.scorecard``), so it is done here, in a worker thread,
while requests still read the old snapshot, and not by the first request that asks for it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from catalog.answers.scorecard import score_company
from catalog.core.clock import now_iso
from catalog.read.snapshot import Snapshot, SnapshotReader, build_snapshot
from catalog.read.snapshot.build import Publish
from catalog.store import GraphStore
from catalog.store.generation import Generation

log = logging.getLogger(__name__)


async def build_warm_snapshot(store: GraphStore, generation: Generation, publish: Publish | None = None) -> Snapshot:
    """``build_snapshot``, then the whole company scored from it (a failure to score is logged: requests score on demand)."""
    snapshot = await build_snapshot(store, generation=generation, publish=publish)
    started = time.perf_counter()
    try:
        facts = await SnapshotReader(store, snapshot).scorecard_facts(now_iso())
        # Nobody reads this snapshot yet: the thread fills its kept values alone.
        await asyncio.to_thread(score_company, facts)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("snapshot: scoring the Build-Run scorecard of generation %d failed; it is scored on first request", generation.number)
    else:
        log.info("snapshot: generation %d's Build-Run scorecard scored in %.2f s", generation.number, time.perf_counter() - started)
    return snapshot

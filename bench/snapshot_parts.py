"""The snapshot's build, part by part: seconds, memory kept and peak (``tracemalloc``) and RSS growth of each part.

``python -m bench.inproc STORE --snapshot-parts`` prints it: the figures BENCHMARKS.md shows for
the snapshot at scale M and L. Parts load in ``PARTS`` order, each kept alive as a snapshot keeps
it, so a part's RSS growth is what it adds to the process (the store's own buffer pool included
when the store is embedded). Seconds come from an untraced pass; kept and peak from a second pass
under ``tracemalloc``, which slows Python down but counts every allocation.
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.core.clock import now_iso
from catalog.read.snapshot.base import Earlier, SnapshotPart, in_load_order, is_transient
from catalog.read.snapshot.build import collector_paused
from catalog.read.snapshot.parts import PARTS
from catalog.store.base import GraphStore, shared_texts


@dataclass(frozen=True)
class PartBuild:
    name: str
    seconds: float
    cpu_seconds: float
    """The process's CPU time over the load (every thread, the embedded store's included): steadier than wall time on a busy machine."""
    rss_mb: float
    kept_mb: float
    peak_mb: float


def rss_bytes() -> int:
    """The process's resident set now (Linux), 0 where /proc is not there."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


async def measure_parts(store: GraphStore) -> list[PartBuild]:
    """Each part of ``PARTS`` built twice (timed, then again under ``tracemalloc``), with its figures, then the whole build's.

    Parts are built inside one ``shared_texts`` block, as ``build_snapshot`` builds them: the block's table
    of shared texts is counted in the parts' kept memory while it lasts, and the last figure ("all parts")
    is what the snapshot keeps once the build is over and the table is dropped."""
    at = now_iso()
    timed: list[tuple[float, float, float]] = []
    kept_parts: dict[type, object] = {}
    parts = in_load_order(PARTS)
    gc.collect()
    # As ``build_snapshot`` builds: the cyclic collector paused while parts load (each part's figures then collect).
    with shared_texts():
        for i, kind in enumerate(parts):
            rss = rss_bytes()
            started, cpu = time.perf_counter(), time.process_time()
            with collector_paused():
                kept_parts[kind] = await kind.load(store, at=at, earlier=Earlier.needed_by(kind, kept_parts))
                _let_go(kept_parts, parts[i + 1 :])
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            gc.collect()
            timed.append((seconds, cpu, (rss_bytes() - rss) / 1e6))
    kept_parts.clear()
    gc.collect()
    traced: list[tuple[float, float]] = []
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        with shared_texts():
            for i, kind in enumerate(parts):
                before = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                with collector_paused():
                    kept_parts[kind] = await kind.load(store, at=at, earlier=Earlier.needed_by(kind, kept_parts))
                    _let_go(kept_parts, parts[i + 1 :])
                gc.collect()
                kept, peak = tracemalloc.get_traced_memory()
                traced.append(((kept - before) / 1e6, (peak - before) / 1e6))
        gc.collect()
        after = (tracemalloc.get_traced_memory()[0] - start) / 1e6
    finally:
        tracemalloc.stop()
    found = [
        PartBuild(kind.__name__, seconds, cpu, rss, kept, peak)
        for kind, (seconds, cpu, rss), (kept, peak) in zip(parts, timed, traced, strict=True)
    ]
    whole = PartBuild(
        "all parts",
        sum(p.seconds for p in found),
        sum(p.cpu_seconds for p in found),
        sum(p.rss_mb for p in found),
        after,
        max(p.peak_mb for p in found),
    )
    return [*found, whole]


def _let_go(kept: dict[type, object], rest: Sequence[type[SnapshotPart]]) -> None:
    """As ``build_snapshot`` does: a transient part is dropped once no part still to load needs it (so its memory is
    counted while it is held, and freed in the figures of the part that let it go)."""
    for kind in [k for k in kept if is_transient(k)]:
        if not any(kind in other.needs for other in rest):
            kept[kind] = None


def print_parts(found: list[PartBuild]) -> None:
    """The parts' lines, then the whole build's (the last of ``found``: kept once the build is over, the largest part's peak)."""
    print(f"{'snapshot part':18s} {'build s':>8s} {'CPU s':>8s} {'kept MB':>8s} {'peak MB':>8s} {'RSS +MB':>8s}  (tracemalloc: kept, peak)")
    for p in found:
        print(f"{p.name:18s} {p.seconds:8.2f} {p.cpu_seconds:8.2f} {p.kept_mb:8.1f} {p.peak_mb:8.1f} {p.rss_mb:8.1f}")
    print("(all parts: kept once the build is over, shared texts' table dropped; peak: the largest part's)", flush=True)

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
from dataclasses import dataclass

from catalog.core.clock import now_iso
from catalog.read.snapshot.parts import PARTS
from catalog.store.base import GraphStore


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
    """Each part of ``PARTS`` built twice (timed, then again under ``tracemalloc``), with its figures."""
    at = now_iso()
    timed: list[tuple[float, float, float]] = []
    kept_parts: list[object] = []
    gc.collect()
    for kind in PARTS:
        rss = rss_bytes()
        started, cpu = time.perf_counter(), time.process_time()
        kept_parts.append(await kind.load(store, at=at))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        gc.collect()
        timed.append((seconds, cpu, (rss_bytes() - rss) / 1e6))
    kept_parts.clear()
    gc.collect()
    traced: list[tuple[float, float]] = []
    tracemalloc.start()
    try:
        for kind in PARTS:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            kept_parts.append(await kind.load(store, at=at))
            gc.collect()
            kept, peak = tracemalloc.get_traced_memory()
            traced.append(((kept - before) / 1e6, (peak - before) / 1e6))
    finally:
        tracemalloc.stop()
    return [
        PartBuild(kind.__name__, seconds, cpu, rss, kept, peak)
        for kind, (seconds, cpu, rss), (kept, peak) in zip(PARTS, timed, traced, strict=True)
    ]


def print_parts(found: list[PartBuild]) -> None:
    print(f"{'snapshot part':18s} {'build s':>8s} {'CPU s':>8s} {'kept MB':>8s} {'peak MB':>8s} {'RSS +MB':>8s}  (tracemalloc: kept, peak)")
    for p in found:
        print(f"{p.name:18s} {p.seconds:8.2f} {p.cpu_seconds:8.2f} {p.kept_mb:8.1f} {p.peak_mb:8.1f} {p.rss_mb:8.1f}")
    seconds, cpu = sum(p.seconds for p in found), sum(p.cpu_seconds for p in found)
    kept, peak, rss = sum(p.kept_mb for p in found), max(p.peak_mb for p in found), sum(p.rss_mb for p in found)
    print(f"{'all parts':18s} {seconds:8.2f} {cpu:8.2f} {kept:8.1f} {peak:8.1f} {rss:8.1f}   (peak: the largest part's)", flush=True)

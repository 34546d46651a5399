"""One whole snapshot build as a server makes it: wall and CPU seconds, each part's seconds, the slowest reads.

``python -m bench.inproc STORE --snapshot-build`` prints it. A first build warms the store (its
page cache or buffer pool) and is not counted; the second is timed. Every store read of the timed
build (``read``, ``read_table``, ``read_columns``) is timed on its own: the reads run one at a
time, so on Neo4j the gap between the build's wall time and the client's CPU time is mostly the
database running them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from catalog.read.snapshot.build import build_snapshot
from catalog.store.base import GraphStore

TIMED = ("read", "read_table", "read_columns")


@dataclass(frozen=True)
class Read:
    seconds: float
    rows: int
    method: str
    query: str


@dataclass
class BuildReport:
    seconds: float = 0.0
    first_seconds: float | None = None
    """When the first stage (the parts incident answers read) was loaded and a server would answer from it."""
    cpu_seconds: float = 0.0
    """The process's CPU time over the build, every thread's (the embedded store's included)."""
    parts: dict[str, float] = field(default_factory=dict)
    reads: list[Read] = field(default_factory=list)


def _rows(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):  # columns: name -> one value per row
        return len(next(iter(value.values()), ()))
    return 0


async def measure_build(store: GraphStore) -> BuildReport:
    await build_snapshot(store)
    gc.collect()
    report = BuildReport()
    originals = {name: getattr(store, name) for name in TIMED}

    def timed(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            value = await method(*args, **kwargs)
            report.reads.append(Read(time.perf_counter() - began, _rows(value), name, " ".join(str(args[0]).split())))
            return value

        return run

    for name, method in originals.items():
        setattr(store, name, timed(name, method))
    try:
        cpu, began = time.process_time(), time.perf_counter()
        snapshot = await build_snapshot(store)
        report.seconds, report.cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    finally:
        for name in TIMED:
            delattr(store, name)
    report.parts = dict(snapshot.part_seconds)
    report.first_seconds = snapshot.first_seconds
    return report


def print_build(report: BuildReport, slowest: int = 15) -> None:
    print(f"snapshot build: {report.seconds:.2f} s wall, {report.cpu_seconds:.2f} CPU s (a second build; the first warmed the store)")
    if report.first_seconds is not None:
        print(f"first stage (what incident answers read) answering after {report.first_seconds:.2f} s")
    for name, seconds in report.parts.items():
        print(f"  {name:18s} {seconds:7.2f} s")
    total = sum(r.seconds for r in report.reads)
    print(f"reads: {len(report.reads)}, {total:.2f} s in all; the slowest (s, rows, method, query):")
    for read in sorted(report.reads, key=lambda r: r.seconds, reverse=True)[:slowest]:
        print(f"  {read.seconds:6.2f} {read.rows:8d} {read.method:12s} {read.query[:110]}")

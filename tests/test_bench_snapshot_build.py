"""``bench.snapshot_build``: one timed build as the server makes it, every read it made counted, the store left as it was."""

from __future__ import annotations

from pathlib import Path

from bench.snapshot_build import TIMED, measure_build
from catalog.read.snapshot.build import build_snapshot
from catalog.read.snapshot.parts import PARTS
from catalog.store.embedded import EmbeddedStore
from tests.test_read_layer import shop


async def test_a_build_is_timed_part_by_part_with_every_read(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    try:
        await store.ensure_schema()
        await shop().sync(store)
        before = store.round_trips
        await build_snapshot(store)
        one_build = store.round_trips - before

        before = store.round_trips
        report = await measure_build(store)
        # Two builds: the warm-up and the timed one; the report holds the timed one's reads only.
        assert store.round_trips - before == 2 * one_build
        assert 0 < len(report.reads) <= one_build
        assert {read.method for read in report.reads} <= set(TIMED)
        assert any(read.rows > 0 and "Service" in read.query for read in report.reads)
        assert list(report.parts) == [part.__name__ for part in PARTS]
        assert report.seconds > 0 and report.cpu_seconds > 0
        assert report.first_seconds is not None and 0 < report.first_seconds <= report.seconds
        # The store's own methods again, not the timing wrappers.
        assert not set(TIMED) & set(vars(store))
    finally:
        await store.close()

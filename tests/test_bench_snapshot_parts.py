"""``bench.snapshot_parts``: each part built on its own with its figures, then what the whole snapshot keeps."""

from __future__ import annotations

from pathlib import Path

from bench.snapshot_parts import measure_parts
from catalog.read.snapshot.parts import PARTS
from catalog.store.embedded import EmbeddedStore
from tests.test_read_layer import shop


async def test_every_part_is_measured_then_the_whole_snapshot(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    try:
        await store.ensure_schema()
        await shop().sync(store)
        found = await measure_parts(store)
        assert [p.name for p in found] == [kind.__name__ for kind in PARTS] + ["all parts"]
        whole = found[-1]
        assert whole.kept_mb > 0 and whole.seconds >= max(p.seconds for p in found[:-1])
    finally:
        await store.close()

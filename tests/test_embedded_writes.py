"""Writes on the embedded store's bounded buffer pool: a batch that does not fit is written in pieces.

A sync writes each label's and relationship's rows as UNWIND batches of 2,000 (``GraphStore.write_rows``,
whose rows are written independently of each other). On a pool too small for a batch, the embedded
store halves it, each half its own transaction, down to one row; what it stores is what one
transaction would have stored. A row that alone does not fit fails with the setting to raise, and
its transaction is rolled back: nothing already stored is lost. These tests use a pool below the
setting's 64 MiB floor (the constructor takes one) so that a few megabytes do not fit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from catalog.store.embedded import BufferPoolFull, EmbeddedStore

SMALL_POOL_MB = 16
TABLE = "CREATE NODE TABLE Doc(id STRING, body STRING, PRIMARY KEY(id))"
UPSERT = "UNWIND $rows AS row MERGE (d:Doc {id: row.id}) SET d.body = row.body"


def _docs(count: int, size: int, prefix: str = "doc", pad: int = 0) -> list[dict[str, str]]:
    """Rows for UPSERT; ``pad`` adds a field the statement does not store: the transaction grows, the table does not."""
    return [{"id": f"{prefix}{i}", "body": f"{i}:" + "x" * size, **({"pad": "p" * pad} if pad else {})} for i in range(count)]


async def _open(path: Path, pool_mb: int) -> EmbeddedStore:
    store = EmbeddedStore(path, buffer_pool_mb=pool_mb)
    await store.write(TABLE)
    return store


async def _stored(store: EmbeddedStore) -> dict[str, str]:
    # A table read: on the small pool it goes to pieces of its own (catalog.store.scans).
    return {row["id"]: row["body"] for row in await store.read_table("MATCH (d:Doc)", {"id": "d.id", "body": "d.body"})}


async def test_a_batch_that_does_not_fit_is_written_in_halves_with_the_result_of_one_transaction(tmp_path: Path) -> None:
    # 8 MB of parameters: one transaction of them does not fit 16 MiB. What is stored is small (the
    # checkpoint of a large table needs memory of its own, which halving a write cannot lower).
    rows = _docs(2000, 100, pad=4000)
    whole = await _open(tmp_path / "whole.lbdb", 256)
    small = await _open(tmp_path / "small.lbdb", SMALL_POOL_MB)
    try:
        await whole.write(UPSERT, {"rows": rows})
        with pytest.raises(BufferPoolFull, match=r"\(16 MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB\)"):
            await small.write(UPSERT, {"rows": rows})
        assert await _stored(small) == {}, "a write that did not fit was rolled back"

        before = small.round_trips
        await small.write_rows(UPSERT, {"rows": rows})
        assert small.round_trips - before > 2, "it was written in pieces"
        assert await _stored(small) == await _stored(whole) == {r["id"]: r["body"] for r in rows}

        # The piece size that fitted is kept: the next batch of the statement goes straight to pieces of it.
        fitted = small._write_sizes[UPSERT]
        assert fitted < len(rows)
        before = small.round_trips
        await small.write_rows(UPSERT, {"rows": _docs(2 * fitted, 10, prefix="more")})
        assert small.round_trips - before == 2
        assert len(await _stored(small)) == len(rows) + 2 * fitted
    finally:
        await whole.close()
        await small.close()


async def test_nothing_stored_is_lost_when_even_one_row_does_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "small.lbdb"
    store = await _open(path, SMALL_POOL_MB)
    try:
        kept = _docs(100, 10, prefix="kept")
        await store.write_rows(UPSERT, {"rows": kept})
        batch = _docs(4, 10, prefix="new")
        batch[2] = {"id": "kept7", "body": "y" * (20 << 20)}  # one row larger than the whole pool
        with pytest.raises(BufferPoolFull, match=r"buffer pool \(16 MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB\) is full; raise") as raised:
            await store.write_rows(UPSERT, {"rows": batch})
        assert not raised.value.committed
        stored = await _stored(store)
        # Every row stored before is as it was (the row that did not fit included); the pieces that
        # fitted are written, as the next run of the same idempotent write would write them anyway.
        assert {k: v for k, v in stored.items() if k.startswith("kept")} == {r["id"]: r["body"] for r in kept}
        assert set(stored) - {r["id"] for r in kept} <= {"new0", "new1", "new3"}

        # The store goes on working, and the data is on disk.
        await store.write_rows(UPSERT, {"rows": [{"id": "after", "body": "z"}]})
    finally:
        await store.close()
    reopened = EmbeddedStore(path, buffer_pool_mb=SMALL_POOL_MB)
    try:
        stored = await _stored(reopened)
        assert stored["after"] == "z" and stored["kept7"] == kept[7]["body"] and len(stored) >= 101
    finally:
        await reopened.close()


async def test_a_checkpoint_that_did_not_fit_beside_the_write_runs_once_its_memory_is_given_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # LadybugDB checkpoints after a commit once its WAL is large (a sixteenth of this pool: 1 MiB), on
    # the connection that wrote, which still holds the write's memory. On 16 MiB that checkpoint
    # does not fit: the write is stored and the commit reports the failure. The store closes that
    # connection and the idle ones, checkpoints, and the writes go on. (Here the first such checkpoint
    # comes after about 750 rows of 3 KB; past about 1,100 the table's own checkpoint no longer fits
    # 16 MiB at all, and the store says which setting to raise.)
    caplog.set_level(logging.INFO, logger="catalog.store.embedded")
    store = await _open(tmp_path / "small.lbdb", SMALL_POOL_MB)
    try:
        rows = _docs(900, 3000)
        for start in range(0, len(rows), 100):
            await store.write_rows(UPSERT, {"rows": rows[start : start + 100]})
        assert "checkpointed after its pool filled" in caplog.text
        assert await _stored(store) == {r["id"]: r["body"] for r in rows}
    finally:
        await store.close()

"""LadybugDB's buffer pool is the setting CATALOG_EMBEDDED_BUFFER_POOL_MB, read back from the database itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.cli import main
from catalog.settings import DEFAULT_EMBEDDED_BUFFER_POOL_MB, MIN_EMBEDDED_BUFFER_POOL_MB, Settings
from catalog.store import open_store
from catalog.store.base import StoreError
from catalog.store.embedded import EmbeddedStore
from catalog.sync import sync
from importers.backstage import read_backstage

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "backstage" / "acme"


async def _pool_bytes(settings: Settings) -> int:
    store = await open_store(settings)
    try:
        # bm_info() is LadybugDB's own report of its buffer manager: the limit it was opened with.
        rows = await store.read("CALL bm_info() RETURN mem_limit AS mem_limit")
    finally:
        await store.close()
    return int(rows[0]["mem_limit"])


async def test_the_default_keeps_the_embedded_store_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOG_EMBEDDED_BUFFER_POOL_MB", raising=False)
    settings = Settings(store="embedded", embedded_path=tmp_path / "catalog.lbdb")
    assert settings.embedded_buffer_pool_mb == DEFAULT_EMBEDDED_BUFFER_POOL_MB == 128
    assert await _pool_bytes(settings) == 128 << 20


async def test_the_variable_reaches_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_EMBEDDED_BUFFER_POOL_MB", "96")
    settings = Settings(store="embedded", embedded_path=tmp_path / "catalog.lbdb")
    assert await _pool_bytes(settings) == 96 << 20


@pytest.mark.parametrize("value", ["lots", "8", "0", "-256", "2097152"])
def test_a_bad_value_is_refused_naming_the_variable(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CATALOG_EMBEDDED_BUFFER_POOL_MB", value)
    assert main(["import", "backstage", str(FIXTURE), "--embedded-path", str(tmp_path / "db")]) == 2
    err = capsys.readouterr().err
    assert "CATALOG_EMBEDDED_BUFFER_POOL_MB" in err and "Traceback" not in err
    assert not (tmp_path / "db").exists(), "nothing is opened with a refused setting"


async def test_a_full_buffer_pool_says_which_variable_to_raise(tmp_path: Path) -> None:
    # 16 MiB (below the setting's floor) cannot even hold the catalog's tables: the error names the fix.
    store = EmbeddedStore(tmp_path / "catalog.lbdb", buffer_pool_mb=16)
    try:
        with pytest.raises(StoreError, match=r"buffer pool \(16 MiB, CATALOG_EMBEDDED_BUFFER_POOL_MB\) is full; raise"):
            await store.ensure_schema()
    finally:
        await store.close()


async def test_repeated_syncs_fit_in_the_smallest_pool(tmp_path: Path) -> None:
    # LadybugDB keeps memory each write took until its connection closes (no checkpoint frees it):
    # before writes renewed their connection, the third sync of this small catalog filled 64 MiB.
    store = EmbeddedStore(tmp_path / "catalog.lbdb", buffer_pool_mb=MIN_EMBEDDED_BUFFER_POOL_MB)
    try:
        await store.ensure_schema()
        for day in range(1, 7):
            report = await sync(store, read_backstage([FIXTURE], instance="bs"), now=f"2026-01-0{day}T00:00:00.000000Z", force=True)
            assert report.complete and report.nodes
        rows = await store.read("CALL bm_info() RETURN mem_limit AS mem_limit, mem_usage AS mem_usage")
        assert rows[0]["mem_limit"] == MIN_EMBEDDED_BUFFER_POOL_MB << 20
        assert rows[0]["mem_usage"] <= rows[0]["mem_limit"]
        assert (await store.read("MATCH (s:Service) RETURN count(s) AS n"))[0]["n"] > 0
    finally:
        await store.close()


@pytest.mark.parametrize(("pool_mb", "threshold_mb"), [(64, 4), (DEFAULT_EMBEDDED_BUFFER_POOL_MB, 8), (256, 16), (1024, 16)])
async def test_a_small_pool_checkpoints_after_less_wal(pool_mb: int, threshold_mb: int, tmp_path: Path) -> None:
    # What a commit wrote stays in the pool until the next checkpoint, which needs memory of its own:
    # a pool below 256 MiB (the default among them) checkpoints after a sixteenth of its size of WAL;
    # larger pools keep LadybugDB's own 16 MiB.
    store = EmbeddedStore(tmp_path / "catalog.lbdb", buffer_pool_mb=pool_mb)
    try:
        rows = await store.read("CALL current_setting('checkpoint_threshold') RETURN *")
        assert int(next(iter(rows[0].values()))) == threshold_mb << 20
    finally:
        await store.close()

"""Bad configuration files, bad arguments and out-of-range instants end in one clear message, never a traceback.

Each case runs the ``catalog`` command as a user would (in process, through ``main``): an
uncaught exception would fail the test, and the message must name the file, line or setting
and the fix, on one line, with the documented exit status.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from catalog.cli import EXIT_STORE, EXIT_USAGE, main
from catalog.core.clock import InstantError, instant, iso
from catalog.store.base import GraphStore
from tests._api_fixtures import gql_errors


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CATALOG_NEO4J_URI", "CATALOG_STORE", "CATALOG_EMBEDDED_PATH", "CATALOG_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CATALOG_DATA_DIR", str(tmp_path / "data"))


ALIAS_BOMB = b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + b"".join(
    f"{name}: &{name} [{','.join([f'*{prev}'] * 10)}]\n".encode() for prev, name in zip("abcde", "bcdef", strict=True)
)
"""Ten to the sixth values from a few hundred bytes."""


def only_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"sources:\n  - type: backstage\n    paths: [caf\xe9]\n", ":3: not UTF-8 text (byte 0xe9 at offset 44); save the file as UTF-8"),
        (b"sources:\n  - type: backstage\n   paths: [x]\n", ":3: not valid YAML"),
        (b"[" * 5000 + b"]" * 5000, "exceeded maximum nesting depth"),
        (b"sources: []\nplatfroms: []\n", "platfroms: Extra inputs are not permitted"),
        (
            ALIAS_BOMB,
            "catalog.core.safe_load.MAX_ALIAS_EXPANSION",
        ),
    ],
    ids=["not-utf8", "yaml-syntax", "too-deep", "unknown-key", "alias-bomb"],
)
def test_a_bad_catalog_yaml_is_one_line_naming_the_file_and_the_fix(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "catalog.yaml"
    config.write_bytes(content)

    assert main(["sync", "--config", str(config)]) == EXIT_USAGE

    err = capsys.readouterr().err
    if expected.startswith("platfroms"):
        # pydantic's report lists each bad field on a line of its own under the file's name.
        assert "Traceback" not in err and str(config) in err and expected in err and "fix the fields above" in err
    else:
        line = only_line(err)
        assert line.startswith(f"catalog: {config}") and expected in line, line


def test_serve_refuses_a_bad_catalog_yaml_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "catalog.yaml"
    config.write_bytes(b"\xff\xfe")
    assert main(["serve", "--config", str(config), "--embedded-path", str(tmp_path / "c.lbdb")]) == EXIT_USAGE
    assert "not UTF-8 text" in only_line(capsys.readouterr().err)


def test_a_store_failure_during_sync_is_one_line_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "catalog.yaml"
    config.write_text("sources: []\n")

    assert main(["sync", "--config", str(config), "--neo4j-uri", "neo4j://127.0.0.1:1"]) == EXIT_STORE

    line = only_line(capsys.readouterr().err)
    assert line.startswith("catalog: cannot reach Neo4j at neo4j://127.0.0.1:1; is it running, and is CATALOG_NEO4J_URI right?"), line


def test_a_locked_embedded_store_is_one_line_naming_the_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from catalog.store.embedded import EmbeddedStore

    path = tmp_path / "held.lbdb"
    holder = EmbeddedStore(path)
    try:
        # A second process cannot open a store another one writes to.
        import subprocess
        import sys

        result = subprocess.run(
            [sys.executable, "-m", "catalog.cli", "audit", "--embedded-path", str(path)], capture_output=True, text=True, timeout=120
        )
    finally:
        import asyncio

        asyncio.run(holder.close())
    assert result.returncode == EXIT_STORE
    line = only_line(result.stderr)
    assert f"the embedded store at {path} is held by another process" in line and "CATALOG_SERVER" in line, line


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "yesterday"])
def test_an_instant_out_of_range_or_unreadable_is_a_usage_error(at: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["oncall", "checkout", "--at", at, "--embedded-path", str(tmp_path / "c.lbdb")]) == EXIT_USAGE
    line = only_line(capsys.readouterr().err)
    assert line.startswith("catalog oncall: --at: ")
    assert ("out of range" in line and "1900-01-01" in line) or "not an ISO-8601 time" in line, line


async def test_the_api_refuses_instants_out_of_range_as_bad_arguments(store: GraphStore) -> None:
    on_call = await gql_errors(store, '{ onCall(service: "checkout", at: "0001-01-01T00:00:00+14:00") { message } }')
    owner_at = await gql_errors(store, '{ ownerAt(service: "checkout", at: "0001-01-01T00:00:00Z") { message } }')
    far = await gql_errors(store, '{ ownerAt(service: "checkout", at: "9999-12-31T23:59:59-14:00") { message } }')
    changes = await gql_errors(
        store, '{ changes(service: "checkout", from: "0001-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { message } }'
    )

    assert on_call == [
        "at: 0001-01-01T00:00:00+14:00 is out of range; give a time from 1900-01-01 to before 9000-01-01, e.g. 2026-11-20T03:12:00Z"
    ]
    assert owner_at == [
        "at: 0001-01-01T00:00:00+00:00 is out of range; give a time from 1900-01-01 to before 9000-01-01, e.g. 2026-11-20T03:12:00Z"
    ]
    assert far[0].startswith("at: 9999-12-31T23:59:59-14:00 is out of range")
    assert changes[0].startswith("from: 0001-01-01T00:00:00+00:00 is out of range")


def test_stored_times_keep_a_fixed_width_so_they_sort_as_strings() -> None:
    early = iso(datetime(1, 1, 2, tzinfo=UTC))
    assert early == "0001-01-02T00:00:00.000000Z"
    assert early < iso(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InstantError, match="outside the range of times"):
        iso(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    with pytest.raises(InstantError, match="no timezone"):
        instant(datetime(2026, 1, 1))
    assert instant(datetime(2026, 11, 20, 4, 12, tzinfo=timezone(timedelta(hours=1)))) == "2026-11-20T03:12:00.000000Z"

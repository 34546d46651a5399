"""The CLI as a new user meets it: times as people type them, a running server asked with --server, a missing,
empty or locked store named with the fix, the demo's port checked before loading, owners grouped with their sources."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.answers.oncall import BadInstant, parse_instant
from catalog.cli import build_parser, main, port_taken
from catalog.commands import remote
from catalog.core.clock import parse_moment
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.store.embedded import EmbeddedStore
from tests._web_fixtures import load_demo_now, serving

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_times_read_as_people_type_them() -> None:
    assert parse_moment("2026-10-01") == datetime(2026, 10, 1, tzinfo=UTC)
    assert parse_moment("2026-10-01Z") == datetime(2026, 10, 1, tzinfo=UTC)
    assert parse_moment("now", NOW) == NOW
    assert parse_moment("-2h", NOW) == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert parse_moment("+30m", NOW) == datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    assert parse_moment("-1d12h", NOW) == datetime(2026, 11, 19, 0, 0, tzinfo=UTC)
    assert parse_moment("2026-11-20T04:12:00+01:00") == datetime(2026, 11, 20, 3, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="has no timezone"):
        parse_moment("2026-11-20T03:12:00")
    with pytest.raises(ValueError, match="-2h"):
        parse_moment("-2x")
    assert parse_instant("2026-10-01") == "2026-10-01T00:00:00.000000Z"
    with pytest.raises(BadInstant, match="2026-11-20 \\(UTC midnight\\)"):
        parse_instant("soon")


def test_a_relative_time_is_a_value_not_a_flag() -> None:
    args = build_parser().parse_args(["history", "checkout", "--from", "-2h", "--to", "+30m"])
    assert (args.start, args.end) == ("-2h", "+30m")
    assert build_parser().parse_args(["oncall", "checkout", "--at", "-1d"]).at == "-1d"


def test_a_missing_store_is_named_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.lbdb"
    monkeypatch.setenv("CATALOG_EMBEDDED_PATH", str(missing))
    monkeypatch.delenv("CATALOG_SERVER", raising=False)
    assert main(["oncall", "checkout"]) == 3
    err = capsys.readouterr().err
    assert f"no catalog store at {missing}" in err and "catalog sync" in err and "--server" in err
    assert not missing.exists()


def test_an_empty_store_is_named_instead_of_answering_no_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.lbdb"

    async def create() -> None:
        store = EmbeddedStore(path)
        await store.ensure_schema()
        await store.close()

    asyncio.run(create())
    monkeypatch.setenv("CATALOG_EMBEDDED_PATH", str(path))
    monkeypatch.delenv("CATALOG_SERVER", raising=False)
    assert main(["who-owns", "checkout"]) == 3
    assert "is empty: nothing was ever synced" in capsys.readouterr().err


def test_the_demo_checks_its_port_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CATALOG_DATA_DIR", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert port_taken("127.0.0.1", port) is not None
        assert main(["demo", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "CATALOG_PORT=" in err
    assert not (tmp_path / "demo.lbdb").exists()  # refused before the load


async def test_the_cli_asks_a_running_server(store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await load_demo_now(store, tmp_path / "demo")
    parser = build_parser()

    async with serving(store) as url:

        def ask(*argv: str) -> tuple[int, str]:
            code = remote.run(parser.parse_args(list(argv)), url)
            return code, capsys.readouterr().out

        code, out = await asyncio.to_thread(ask, "who-owns", "checkout-7d9f8b6c5d-x2k4q")
        assert code == 0 and "Checkout Team" in out and "kubernetes-platform" in out
        code, out = await asyncio.to_thread(ask, "oncall", "checkout", "--json")
        answer = json.loads(out)
        assert code == 0 and answer["identification"]["service"]["ref"] == "component:default/checkout" and answer["firstPagedLevel"] == 2
        code, out = await asyncio.to_thread(ask, "oncall", "identity", "--at", "-1h")
        assert code == 0 and "level" in out.lower()
        code, out = await asyncio.to_thread(ask, "blast-radius", "identity", "--depth", "2")
        assert code == 0 and "checkout-team" in out
        code, out = await asyncio.to_thread(ask, "adoption", "--by", "domain")
        assert code == 0 and "commerce" in out
        code, out = await asyncio.to_thread(ask, "audit", "--severity", "error")
        assert code == 0 and "UNOWNED_SERVICE" in out
        code, out = await asyncio.to_thread(ask, "who-owns", "chekout")
        assert code == 1 and "checkout" in out


def test_an_unreachable_server_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = remote.run(build_parser().parse_args(["oncall", "checkout"]), f"http://127.0.0.1:{port}")
    assert code == 3 and f"cannot reach the catalog server at http://127.0.0.1:{port}" in capsys.readouterr().err


async def test_who_owns_json_gives_one_entry_per_owner_with_its_sources(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from catalog.answers.ownership import who_owns
    from catalog.commands.who_owns import with_owners

    await load_demo_now(store, tmp_path / "demo")
    data = with_owners(await who_owns(CatalogReader(store), "checkout"))
    [owner] = data["subjects"][0]["claimants"]
    assert owner["owner"]["key"] == "group:default/checkout-team" and owner["resolved"] is True
    assert {s["source"] for s in owner["sources"]} >= {"backstage", "kubernetes", "pagerduty"}


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int, int]] = []

    def reading(self, instance: str) -> None:
        self.events.append(("reading", instance, 0, 0))

    def read(self, instance: str, records: int) -> None:
        self.events.append(("read", instance, records, 0))

    def written(self, instance: str, done: int, total: int) -> None:
        self.events.append(("written", instance, done, total))

    def finished(self, instance: str) -> None:
        self.events.append(("finished", instance, 0, 0))


async def test_a_sync_tells_its_progress_per_source(store: GraphStore, tmp_path: Path) -> None:
    from catalog.cli import demo_root
    from catalog.config import load_config
    from catalog.demo.live import write_live_sources
    from catalog.runner import sync_sources

    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    recorder = _Recorder()
    await sync_sources(store, config, progress=recorder)
    instances = [e[1] for e in recorder.events if e[0] == "reading"]
    assert len(instances) == len(config.sources) and "pagerduty:acme" in instances
    for instance in instances:
        mine = [e for e in recorder.events if e[1] == instance]
        assert [mine[0][0], mine[1][0], mine[-1][0]] == ["reading", "read", "finished"]
        assert mine[1][2] > 0  # records read
        written = [e for e in mine if e[0] == "written"]
        assert written and written[-1][2] == written[-1][3] > 0  # every row of a first sync written


def test_progress_is_drawn_only_on_a_terminal() -> None:
    import io

    from catalog.progress import TerminalProgress, terminal_progress

    assert terminal_progress(io.StringIO()) is None

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()
    shown = terminal_progress(screen)
    assert isinstance(shown, TerminalProgress)
    shown.reading("github:acme")
    shown.read("github:acme", 1200)
    shown.finished("github:acme")
    assert "github:acme: read 1,200 records" in screen.getvalue() and screen.getvalue().endswith("\n")

"""``catalog serve --workers N``: several server processes on one Neo4j, each answering GraphQL with
the settings the parent was given, and clear refusals where workers cannot work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from catalog.cli import main
from catalog.settings import Settings, settings_env

pytestmark = pytest.mark.neo4j


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="counts worker processes through /proc")
def test_two_workers_serve_graphql_from_neo4j(neo4j_uri: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    # max_aliases travels only through the settings handed to the workers: a refusal naming 2 proves they got them.
    command = [sys.executable, "-m", "catalog.cli", "serve", "--workers", "2", "--neo4j-uri", neo4j_uri, "--port", str(port)]
    env["CATALOG_MAX_ALIASES"] = "2"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        while len(_children(proc.pid) - {proc.pid}) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        # uvicorn's supervisor plus its two workers (and multiprocessing's resource tracker, if any).
        assert len(_children(proc.pid)) >= 2
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(6):
                answer = client.post("/graphql", json={"query": "{ __typename }"}).json()
                assert answer["data"] == {"__typename": "Query"} and answer["extensions"]["catalog"]["source"] in {"store", "snapshot"}
            refused = client.post("/graphql", json={"query": "{ a: __typename b: __typename c: __typename }"}).json()
            assert "uses 3 aliases, above the limit of 2 (CATALOG_MAX_ALIASES)" in refused["errors"][0]["message"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_workers_need_the_neo4j_store(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--workers", "2", "--embedded-path", str(tmp_path / "db")]) == 2
    err = capsys.readouterr().err
    assert "CATALOG_WORKERS=2 needs the Neo4j store" in err
    assert not (tmp_path / "db").exists()


def test_workers_refuse_an_in_process_scheduled_sync(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "catalog.yaml"
    config.write_text("sources: []\n", encoding="utf-8")
    argv = ["serve", "--workers", "3", "--neo4j-uri", "neo4j://127.0.0.1:1", "--config", str(config), "--sync-every", "5"]
    assert main(argv) == 2
    assert "every worker would run it" in capsys.readouterr().err


def test_settings_travel_to_workers_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import SecretStr

    given = Settings(
        store="neo4j",
        neo4j_uri="neo4j://db:7687",
        neo4j_user="catalog",
        neo4j_password=SecretStr("s3cret word"),
        workers=3,
        graphiql=False,
        max_retire_fraction=0.5,
        embedded_path=Path("/var/lib/catalog"),
    )
    for name in list(os.environ):
        if name.startswith("CATALOG_"):
            monkeypatch.delenv(name)
    for name, value in settings_env(given).items():
        monkeypatch.setenv(name, value)
    assert Settings() == given

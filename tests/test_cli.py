"""The ``catalog`` command as a user runs it: flags, environment, reports and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.cli import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "backstage" / "acme"


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CATALOG_NEO4J_URI", "CATALOG_STORE", "CATALOG_EMBEDDED_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CATALOG_DATA_DIR", str(tmp_path / "data"))


def test_every_command_explains_itself() -> None:
    for args in (["--help"], ["import", "backstage", "--help"], ["serve", "--help"], ["demo", "--help"]):
        result = subprocess.run([sys.executable, "-m", "catalog.cli", *args], capture_output=True, text=True)
        assert result.returncode == 0
        assert "usage: catalog" in result.stdout
    demo_help = subprocess.run([sys.executable, "-m", "catalog.cli", "demo", "--help"], capture_output=True, text=True).stdout
    assert "embedded store" in demo_help


def test_import_prints_the_report_and_a_second_import_changes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ["import", "backstage", str(FIXTURE), "--embedded-path", str(tmp_path / "db"), "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["totals"]["created"] > 0 and first["complete"] is True
    assert all({"kind", "severity", "message"} <= set(f) for f in first["findings"])
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["totals"] == {"created": 0, "updated": 0, "unchanged": first["totals"]["created"], "retired": 0}


def test_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "db")
    assert main(["import", "backstage", str(FIXTURE), "--embedded-path", db, "--dry-run"]) == 0
    assert "DRY RUN" in capsys.readouterr().out
    assert main(["import", "backstage", str(FIXTURE), "--embedded-path", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["unchanged"] == 0


def test_strict_fails_on_error_findings_and_the_table_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "catalog-info.yaml"
    bad.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: cart\nspec:\n  owner: ghosts\n")
    assert main(["import", "backstage", str(bad), "--embedded-path", str(tmp_path / "db"), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "catalog-info.yaml:6: error:" in out and "group:default/ghosts" in out


def test_a_mistyped_setting_names_the_variable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_MAX_RETIRE_FRACTION", "lots")
    assert main(["import", "backstage", str(FIXTURE)]) == 2
    assert "CATALOG_MAX_RETIRE_FRACTION" in capsys.readouterr().err


def test_an_unreachable_neo4j_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "backstage", str(FIXTURE), "--neo4j-uri", "neo4j://127.0.0.1:1"]) == 3
    err = capsys.readouterr().err
    assert "cannot reach Neo4j at neo4j://127.0.0.1:1" in err and "CATALOG_NEO4J_URI" in err


def test_import_into_neo4j_through_the_cli(capsys: pytest.CaptureFixture[str], neo4j_uri: str) -> None:
    assert main(["import", "backstage", str(FIXTURE), "--neo4j-uri", neo4j_uri, "--instance", "cli-test", "--json", "--force"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["instance"] == "cli-test"
    assert report["totals"]["created"] + report["totals"]["unchanged"] + report["totals"]["updated"] > 0


def test_demo_loads_the_bundled_organisation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "node Service" in out and "findings:" in out
    for instance in ("demo", "opslevel:demo", "github:acme", "pagerduty:acme", "kubernetes:prod-eu", "catalog:reconcile"):
        assert f"\n{instance} " in out
    assert "FAILED" not in out
    assert (tmp_path / "data" / "demo.lbdb").exists()
    assert (tmp_path / "data" / "demo-sources" / "catalog.yaml").exists()


def test_serve_refuses_to_start_on_an_unreachable_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--neo4j-uri", "neo4j://127.0.0.1:1", "--port", "1"]) == 3
    assert "cannot reach Neo4j" in capsys.readouterr().err


def test_a_path_that_does_not_exist_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["import", "backstage", str(tmp_path / "typo.yaml"), "--embedded-path", str(tmp_path / "db")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "db").exists()


def test_demo_can_write_its_sources_for_any_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--write-sources", str(tmp_path / "acme")]) == 0
    config = Path(capsys.readouterr().out.strip())
    assert config == tmp_path / "acme" / "catalog.yaml"
    assert main(["sync", "--config", str(config), "--embedded-path", str(tmp_path / "db"), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert {r["type"] for r in reports} == {"backstage", "opslevel", "github", "pagerduty", "kubernetes", "reconcile", "adoption", "audits"}


def test_import_also_resolves_owners(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import asyncio

    from catalog.store.embedded import EmbeddedStore

    db = tmp_path / "db"
    assert main(["import", "backstage", str(FIXTURE), "--embedded-path", str(db), "--json"]) == 0
    capsys.readouterr()

    async def resolved() -> tuple[list[dict[str, object]], int]:
        from catalog.store.generation import read_generation

        store = EmbeddedStore(db)
        try:
            rows = await store.read(
                "MATCH (t:Team)-[r:ACCOUNTABLE_FOR]->(s:Service {id: 'component:default/checkout'}) WHERE r.active = true "
                "RETURN t.id AS owner, r.sources AS sources"
            )
            return rows, (await read_generation(store)).number
        finally:
            await store.close()

    # The import, like a sync, advances the generation servers rebuild their snapshots on.
    assert asyncio.run(resolved()) == ([{"owner": "group:default/checkout-team", "sources": ["backstage"]}], 1)

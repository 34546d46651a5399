"""``catalog sync``: every configured source through the real importers, then reconcile, on both stores."""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from catalog.cli import demo_root, main
from catalog.config import CatalogConfig, ConfiguredSource, load_config
from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch, NodeRecord
from catalog.runner import sync_sources
from catalog.store.base import GraphStore
from importers.base import SourceError


def write_config(tmp_path: Path, extra: str = "") -> Path:
    shutil.copytree(demo_root(), tmp_path / "descriptors")
    path = tmp_path / "catalog.yaml"
    text = f"""
        sources:
          - type: backstage
            paths: [descriptors/catalog-info.yaml]
            instance: acme
        platforms:
          - name: legacy-vms
            title: Legacy VMs
          - name: brand-new-platform
        {extra}
        """
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


async def test_sync_runs_every_source_then_reconciles_and_a_second_run_changes_nothing(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    first = await sync_sources(store, config)
    assert [o.type for o in first] == ["config", "backstage", "config", "reconcile", "adoption", "build-run", "audits"]
    assert all(not o.failed for o in first)
    backstage = first[1].report
    assert backstage is not None and backstage.nodes["Service"].created == 28
    # The demo declares legacy-vms itself, so the configured (weak) one is left to Backstage.
    rows = await store.read("MATCH (p:Platform) RETURN p.name AS name, p.source AS source ORDER BY name")
    assert {"name": "brand-new-platform", "source": "config"} in rows
    assert {"name": "legacy-vms", "source": "backstage"} in rows
    resolved = await store.read(
        "MATCH (t:Team)-[r:ACCOUNTABLE_FOR]->(s:Service {id: 'component:default/checkout'}) RETURN t.id AS owner, r.sources AS sources"
    )
    assert resolved == [{"owner": "group:default/checkout-team", "sources": ["backstage"]}]

    second = await sync_sources(store, config)
    for outcome in second:
        assert outcome.report is not None
        totals = outcome.report.totals()
        # Only the adoption and Build-Run trends grow: one new company point per sync.
        expected = 1 if outcome.type in ("adoption", "build-run") else 0
        assert (outcome.instance, totals.created, totals.updated, totals.retired) == (outcome.instance, expected, 0, 0)


class _Broken:
    name = "github"
    instance = "github:acme"

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        raise SourceError("github: GET https://api.github.com/orgs/acme/repos answered HTTP 401; the token is missing or invalid")


async def test_a_failing_source_is_reported_and_the_others_still_sync(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    await sync_sources(store, config)
    broken = CatalogConfig(
        config.path,
        [*config.sources, ConfiguredSource("github", config.sources[0].config, _Broken())],
        [],
        config.ownership,
        config.schedule,
    )
    outcomes = await sync_sources(store, broken)
    failed = [o for o in outcomes if o.failed]
    assert [(o.instance, o.error) for o in failed] == [("github:acme", _Broken.read.__doc__ or failed[0].error)]
    assert "HTTP 401" in (failed[0].error or "")
    assert await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL RETURN count(s) AS c") == [{"c": 28}]


class _Recorder:
    """A source that remembers the index it was given and states the nodes it was built with."""

    name = "backstage"

    def __init__(self, instance: str, nodes: list[NodeRecord] | None = None) -> None:
        self.instance = instance
        self.nodes = nodes or []
        self.index: IdentityIndex | None = None

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        self.index = index
        return ImportBatch("backstage", self.instance, nodes=list(self.nodes))


async def test_the_identity_index_is_read_again_only_after_a_source_changed_the_graph(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    extra = NodeRecord("Service", "component:default/extra", {"name": "extra", "namespace": "default"}, "x.yaml#0")
    quiet, changing, last = _Recorder("quiet"), _Recorder("changing", [extra]), _Recorder("last")
    sources = [ConfiguredSource("backstage", config.sources[0].config, s) for s in (quiet, changing, last)]
    both = CatalogConfig(config.path, [*config.sources, *sources], [], config.ownership, config.schedule)
    await sync_sources(store, both)
    assert quiet.index is not None and "component:default/checkout" in quiet.index.services
    assert changing.index is quiet.index, "the quiet source changed nothing, so its index still holds"
    assert last.index is not changing.index and last.index is not None and "component:default/extra" in last.index.services

    await sync_sources(store, both)
    assert quiet.index is changing.index is last.index, "a second run changes nothing, so the index is read once"
    await sync_sources(store, both, dry_run=True)
    assert quiet.index is changing.index is last.index


async def test_only_one_source_and_an_unknown_one(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    outcomes = await sync_sources(store, config, only="backstage")
    assert [o.type for o in outcomes] == ["config", "backstage", "config", "reconcile", "adoption", "build-run", "audits"]
    with pytest.raises(ValueError, match=r"no source in .* is 'jira'; configured: acme \(backstage\)"):
        await sync_sources(store, config, only="jira")


def test_the_sync_command_prints_a_table_and_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CATALOG_NEO4J_URI", "CATALOG_STORE", "CATALOG_EMBEDDED_PATH"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path)
    db = str(tmp_path / "db")
    assert main(["sync", "--config", str(config), "--embedded-path", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "acme" in out and "status" in out
    assert main(["sync", "--config", str(config), "--embedded-path", db, "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["type"] for r in reports] == ["config", "backstage", "config", "reconcile", "adoption", "build-run", "audits"]
    assert reports[1]["nodes"]["Service"]["created"] == 28


def test_a_bad_config_is_a_usage_error_naming_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("sources:\n  - type: backstage\n", encoding="utf-8")
    assert main(["sync", "--config", str(path), "--embedded-path", str(tmp_path / "db")]) == 2
    assert "sources[0].paths: Field required" in capsys.readouterr().err


async def test_scheduled_sync_runs_repeatedly_until_cancelled(store: GraphStore, tmp_path: Path) -> None:
    import asyncio

    from catalog.runner import sync_forever

    config = load_config(write_config(tmp_path))
    task = asyncio.create_task(sync_forever(store, config, 0.01))
    for _ in range(600):
        await asyncio.sleep(0.05)
        runs = await store.read("MATCH (r:ImportRun) WHERE r.id STARTS WITH 'run:' RETURN count(r) AS c")
        if runs[0]["c"] >= 6:  # two rounds of config, backstage and reconcile
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runs[0]["c"] >= 6
    assert await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL RETURN count(s) AS c") == [{"c": 28}]


async def test_the_app_runs_its_background_job_while_serving_and_stops_it_on_shutdown(tmp_path: Path) -> None:
    import asyncio

    import httpx

    from catalog.api.app import create_app
    from catalog.settings import Settings

    events: list[str] = []

    async def job(store: GraphStore) -> None:
        events.append("started")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    app = create_app(Settings(store="embedded", embedded_path=tmp_path / "db"), background=job)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog") as client:
            assert (await client.get("/healthz")).json()["status"] == "ok"
        assert events == ["started"]
    assert events == ["started", "cancelled"]

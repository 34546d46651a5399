"""Hostile input for every importer, through ``catalog sync`` on both stores.

Each case first syncs a good source, then turns one of its files hostile and syncs again:
the hostile input must be refused with a finding (or the source's error) that names the
file, and what the store held before must still be there. Every hostile read runs under a
memory ceiling, so an expansion that escaped its bound fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.config import ConfigError, load_config
from catalog.core.model import NODES_BY_LABEL, RELS_BY_TYPE
from catalog.runner import SourceOutcome, sync_sources
from catalog.store.base import GraphStore
from importers.kubernetes.kubeconfig import KubeconfigError, load_kubeconfig

FIXTURES = Path(__file__).parent / "fixtures"
NOW = "2026-11-20T12:00:00.000000Z"
# Bookkeeping: a refusal is a new finding.
HISTORY_LABELS = ("Finding", "ImportRun", "AdoptionSnapshot", "BuildRunSnapshot", "AuditSighting")
CEILING = 1536 * 1024 * 1024


@contextmanager
def memory_ceiling(extra: int = CEILING) -> Iterator[None]:
    """Allow at most ``extra`` more bytes of address space while the block runs (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size_kb * 1024 + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def bomb(indent: int) -> str:
    """A billion-laughs alias chain as the body of a mapping at ``indent`` spaces (about 800 bytes)."""
    lines = [f"a: &a [{', '.join(['lol'] * 9)}]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "".join(" " * indent + line + "\n" for line in lines)


def with_bomb(text: str, after: str, key: str, indent: int) -> tuple[str, int]:
    """``text`` with ``key:`` and a bomb inserted after the first line ``after``; and the line the bound is passed at."""
    assert after in text
    head, tail = text.split(after, 1)
    inserted = " " * indent + f"{key}:\n" + bomb(indent + 2)
    first = head.count("\n") + after.count("\n") + 2  # the line of the bomb's first anchor
    return head + after + inserted + tail, first + 5  # the sixth level is the first past the bound


async def active_ids(store: GraphStore) -> set[str]:
    """Every node the store holds as present (history and findings aside)."""
    ids: set[str] = set()
    for label in NODES_BY_LABEL:
        if label in HISTORY_LABELS:
            continue
        rows = await store.read(f"MATCH (n:{label}) WHERE n.retired_at IS NULL RETURN n.id AS id")
        ids |= {f"{label}:{r['id']}" for r in rows}
    return ids


async def active_facts(store: GraphStore) -> set[str]:
    """Every node and relationship the store holds as present."""
    facts = await active_ids(store)
    for rel_type in RELS_BY_TYPE:
        rows = await store.read(f"MATCH (a)-[r:{rel_type}]->(b) WHERE r.retired_at IS NULL RETURN a.id AS a, b.id AS b")
        facts |= {f"{r['a']}-{rel_type}->{r['b']}" for r in rows}
    return facts


async def run(store: GraphStore, root: Path, sources: list[dict[str, Any]]) -> SourceOutcome:
    (root / "catalog.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    config = load_config(root / "catalog.yaml")
    with memory_ceiling():
        outcomes = await sync_sources(store, config, now=NOW)
    (outcome,) = [o for o in outcomes if o.type == sources[0]["type"]]
    return outcome


def messages(outcome: SourceOutcome) -> list[str]:
    found = [outcome.error] if outcome.error else []
    return found + [f"{f.file} {f.line} {f.kind} {f.message} {f.fix}" for f in (outcome.report.findings if outcome.report else [])]


def write_file(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def refused_and_kept(
    store: GraphStore, root: Path, sources: list[dict[str, Any]], hostile: Path, text: str, *, nodes_only: bool = False
) -> SourceOutcome:
    """Sync the good sources, make ``hostile`` hold ``text``, sync again; nothing stored may be lost."""
    facts = active_ids if nodes_only else active_facts
    first = await run(store, root, sources)
    assert first.error is None
    before = await facts(store)
    assert before
    write_file(hostile, text)
    again = await run(store, root, sources)
    after = await facts(store)
    assert (before - after, after - before) == (set(), set())
    return again


# -- YAML alias bombs, in every field of every YAML the catalog reads ---------------------------

SYSTEM = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
  annotations:
    acme.com/note: fine
  labels:
    tier: gold
  links:
    - url: https://wiki.example/shop
      title: Wiki
spec:
  owner: team-a
"""

BACKSTAGE_FIELDS = {
    "metadata.links[0] extra field": ("      title: Wiki\n", "lol", 6),
    "metadata.annotations": ("    acme.com/note: fine\n", "acme.com/bomb", 4),
    "metadata.labels": ("    tier: gold\n", "bomb", 4),
    "spec": ("  owner: team-a\n", "bomb", 2),
}


@pytest.mark.parametrize("field", list(BACKSTAGE_FIELDS))
async def test_a_backstage_alias_bomb_is_refused_in_any_field(store: GraphStore, tmp_path: Path, field: str) -> None:
    descriptor = tmp_path / "descriptors" / "catalog-info.yaml"
    descriptor.parent.mkdir()
    descriptor.write_text(SYSTEM, encoding="utf-8")
    after, key, indent = BACKSTAGE_FIELDS[field]
    text, line = with_bomb(SYSTEM, after, key, indent)
    assert len(text) - len(SYSTEM) < 900

    again = await refused_and_kept(store, tmp_path, [{"type": "backstage", "paths": ["descriptors"]}], descriptor, text)

    assert again.report is not None
    (finding,) = [f for f in again.report.findings if f.kind == "yaml-alias-expansion"]
    assert (finding.file, finding.line, finding.severity) == ("catalog-info.yaml", line, "error")
    assert "MAX_ALIAS_EXPANSION" in (finding.fix or "")
    assert "Service:system:default/shop" not in await active_ids(store)  # a System, not a Service: checked by label below
    assert "System:system:default/shop" in await active_ids(store)


@pytest.mark.parametrize(
    ("kind", "fixture", "file", "after", "key"),
    [
        ("opslevel", "descriptors/opslevel", "shopping-cart/opslevel.yml", "  name: Shopping Cart Service\n", "bomb"),
        ("cortex", "descriptors/cortex", "checkout/cortex.yaml", "  x-cortex-tag: checkout\n", "x-cortex-bomb"),
    ],
)
async def test_an_opslevel_or_cortex_alias_bomb_is_refused(
    store: GraphStore, tmp_path: Path, kind: str, fixture: str, file: str, after: str, key: str
) -> None:
    shutil.copytree(FIXTURES / fixture, tmp_path / kind)
    hostile = tmp_path / kind / file
    text, line = with_bomb(hostile.read_text(encoding="utf-8"), after, key, 2)

    again = await refused_and_kept(store, tmp_path, [{"type": kind, "paths": [kind]}], hostile, text)

    assert again.report is not None
    (finding,) = [f for f in again.report.findings if f.kind == "yaml-alias-expansion"]
    assert (finding.file, finding.line) == (file, line)


async def test_a_kubernetes_manifest_alias_bomb_is_refused(store: GraphStore, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "kubernetes" / "export", tmp_path / "k8s")
    hostile = tmp_path / "k8s" / "apps.yaml"
    text, line = with_bomb(hostile.read_text(encoding="utf-8"), "      deployment.kubernetes.io/revision: '7'\n", "acme.com/bomb", 6)

    again = await refused_and_kept(store, tmp_path, [{"type": "kubernetes", "cluster": "prod-eu", "files": ["k8s"]}], hostile, text)

    assert again.report is not None
    (finding,) = [f for f in again.report.findings if f.kind == "yaml-alias-expansion"]
    assert (finding.file, finding.line) == ("k8s/apps.yaml", line)


def test_a_catalog_yaml_alias_bomb_is_a_clear_error(tmp_path: Path) -> None:
    text, line = with_bomb("sources: []\nplatforms: []\n", "platforms: []\n", "x-bomb", 0)
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    with memory_ceiling(), pytest.raises(ConfigError) as error:
        load_config(tmp_path / "catalog.yaml")
    assert f"catalog.yaml:{line}: refused" in str(error.value) and "MAX_ALIAS_EXPANSION" in str(error.value)


def test_a_kubeconfig_alias_bomb_is_a_clear_error(tmp_path: Path) -> None:
    good = "apiVersion: v1\nkind: Config\ncurrent-context: prod\npreferences: {}\n"
    text, line = with_bomb(good, "preferences: {}\n", "x-bomb", 0)
    (tmp_path / "kubeconfig").write_text(text, encoding="utf-8")
    with memory_ceiling(), pytest.raises(KubeconfigError) as error:
        load_kubeconfig(tmp_path / "kubeconfig")
    assert f"kubeconfig:{line} is refused" in str(error.value) and "MAX_ALIAS_EXPANSION" in str(error.value)


def test_an_oversized_kubeconfig_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importers.kubernetes.kubeconfig.MAX_KUBECONFIG_BYTES", 64)
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n" + "# padding\n" * 20, encoding="utf-8")
    with pytest.raises(KubeconfigError, match=r"larger than the 64-byte limit"):
        load_kubeconfig(tmp_path / "kubeconfig")


# -- Locations that escape their root, and globs without end ------------------------------------


def location(*targets: str) -> str:
    head = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n"
    return head + "".join(f"    - {t}\n" for t in targets)


async def test_locations_that_escape_the_root_are_refused(store: GraphStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text(SYSTEM.replace("name: shop", "name: stolen"), encoding="utf-8")
    root = tmp_path / "descriptors"
    root.mkdir()
    (root / "shop.yaml").write_text(SYSTEM, encoding="utf-8")
    os.symlink(outside / "x.yaml", root / "link.yaml")
    os.symlink(outside, root / "linked-dir")
    (root / "catalog-info.yaml").write_text(
        location(str(outside / "x.yaml"), "../outside/x.yaml", "./link.yaml", "./linked-dir/x.yaml", "./linked-dir/*.yaml"),
        encoding="utf-8",
    )

    outcome = await run(store, tmp_path, [{"type": "backstage", "paths": ["descriptors/catalog-info.yaml", "descriptors/shop.yaml"]}])

    assert outcome.report is not None
    refused = [(f.file, f.line, f.severity) for f in outcome.report.findings if f.kind == "location-outside-root"]
    assert refused == [("catalog-info.yaml", line, "error") for line in (7, 8, 9, 10, 11)]
    active = await active_ids(store)
    assert "System:system:default/shop" in active and "System:system:default/stolen" not in active


async def test_a_symlink_out_of_a_walked_folder_is_not_read(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.yaml").write_text(SYSTEM.replace("name: shop", "name: stolen"), encoding="utf-8")
    (tmp_path / "descriptors").mkdir()
    os.symlink(tmp_path / "outside" / "x.yaml", tmp_path / "descriptors" / "x.yaml")

    outcome = await run(store, tmp_path, [{"type": "backstage", "paths": ["descriptors"]}])

    assert outcome.report is not None
    assert [(f.kind, f.file) for f in outcome.report.findings] == [("outside-root", "x.yaml")]
    assert "System:system:default/stolen" not in await active_ids(store)


async def test_a_glob_from_the_filesystem_root_is_refused_without_walking(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "descriptors").mkdir()
    (tmp_path / "descriptors" / "catalog-info.yaml").write_text(location("/**/*.yaml") + "---\n" + SYSTEM, encoding="utf-8")

    outcome = await run(store, tmp_path, [{"type": "backstage", "paths": ["descriptors"]}])

    assert outcome.report is not None
    (finding,) = [f for f in outcome.report.findings if f.kind == "location-outside-root"]
    assert (finding.line, finding.reference) == (7, "/**/*.yaml") and "absolute" in finding.message
    assert "System:system:default/shop" in await active_ids(store)


async def test_a_glob_past_its_bounds_is_refused_and_retires_nothing(store: GraphStore, tmp_path: Path) -> None:
    root = tmp_path / "descriptors"
    (root / "teams").mkdir(parents=True)
    (root / "teams" / "shop.yaml").write_text(SYSTEM, encoding="utf-8")
    (root / "catalog-info.yaml").write_text(location("./teams/**/*.yaml"), encoding="utf-8")
    source: dict[str, Any] = {"type": "backstage", "paths": ["descriptors/catalog-info.yaml"], "max_glob_depth": 3}
    first = await run(store, tmp_path, [source])
    assert first.report is not None and [f for f in first.report.findings if f.kind == "glob-too-broad"] == []
    before = await active_ids(store)
    assert "System:system:default/shop" in before

    deep = root / "teams" / "a" / "b" / "c" / "d" / "e"
    deep.mkdir(parents=True)
    (deep / "deep.yaml").write_text(SYSTEM.replace("name: shop", "name: deep"), encoding="utf-8")
    (root / "teams" / "shop.yaml").unlink()  # gone, but a refused glob must not retire it
    again = await run(store, tmp_path, [source])

    assert again.report is not None
    (finding,) = [f for f in again.report.findings if f.kind == "glob-too-broad"]
    assert (finding.line, finding.reference) == (7, "./teams/**/*.yaml")
    assert "max_glob_depth" in finding.message and "max_glob_depth" in (finding.fix or "")
    assert await active_ids(store) == before


async def test_a_glob_that_looks_through_too_many_entries_is_refused(store: GraphStore, tmp_path: Path) -> None:
    root = tmp_path / "descriptors"
    (root / "many").mkdir(parents=True)
    for index in range(150):
        (root / "many" / f"f{index}.txt").write_text("", encoding="utf-8")
    (root / "catalog-info.yaml").write_text(location("./**/*.yaml") + "---\n" + SYSTEM, encoding="utf-8")

    outcome = await run(store, tmp_path, [{"type": "backstage", "paths": ["descriptors/catalog-info.yaml"], "max_glob_entries": 100}])

    assert outcome.report is not None
    (finding,) = [f for f in outcome.report.findings if f.kind == "glob-too-broad"]
    assert "max_glob_entries" in finding.message and "100" in finding.message


# -- JSON exports: too large, nested too deeply ---------------------------------------------------

DEEP_JSON = "[" * 50_000 + "]" * 50_000


def github_source() -> dict[str, Any]:
    return {"type": "github", "org": "acme", "export_dir": "github"}


def pagerduty_source() -> dict[str, Any]:
    return {"type": "pagerduty", "account": "acme", "export_dir": "pagerduty"}


def kubernetes_source() -> dict[str, Any]:
    return {"type": "kubernetes", "cluster": "prod-eu", "files": ["k8s"]}


EXPORTS = {
    "github": (github_source, FIXTURES / "github" / "export", "repos.json", "importers.github.client.MAX_EXPORT_BYTES"),
    "pagerduty": (pagerduty_source, FIXTURES / "pagerduty" / "acme", "teams.json", "importers.pagerduty.client.MAX_EXPORT_BYTES"),
    "kubernetes": (kubernetes_source, FIXTURES / "kubernetes" / "export", "services.json", None),
}


def copy_export(tmp_path: Path, kind: str) -> tuple[list[dict[str, Any]], Path]:
    make, fixture, file, _ = EXPORTS[kind]
    folder = {"github": "github", "pagerduty": "pagerduty", "kubernetes": "k8s"}[kind]
    shutil.copytree(fixture, tmp_path / folder)
    return [make()], tmp_path / folder / file


@pytest.mark.parametrize("kind", list(EXPORTS))
async def test_a_json_export_nested_too_deeply_is_refused(store: GraphStore, tmp_path: Path, kind: str) -> None:
    sources, hostile = copy_export(tmp_path, kind)

    again = await refused_and_kept(store, tmp_path, sources, hostile, DEEP_JSON)

    said = [m for m in messages(again) if hostile.name in m and "levels deep" in m]
    assert said, messages(again)


@pytest.mark.parametrize("kind", list(EXPORTS))
async def test_a_json_export_over_its_size_bound_is_refused(
    store: GraphStore, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, hostile = copy_export(tmp_path, kind)
    setting = EXPORTS[kind][3]
    padded = hostile.read_text(encoding="utf-8") + " " * 200_000
    if setting is not None:
        monkeypatch.setattr(setting, 150_000)
    else:
        sources[0]["max_file_bytes"] = 150_000

    again = await refused_and_kept(store, tmp_path, sources, hostile, padded)

    said = [m for m in messages(again) if hostile.name in m and "150000-byte limit" in m]
    assert said, messages(again)


# -- CODEOWNERS -----------------------------------------------------------------------------------


async def test_a_codeowners_file_with_too_many_rules_is_refused_with_a_finding(store: GraphStore, tmp_path: Path) -> None:
    sources, _ = copy_export(tmp_path, "github")
    hostile = tmp_path / "github" / "codeowners" / "payments-api" / "CODEOWNERS"
    text = "".join(f"/dir{i}/ @acme/payments\n" for i in range(6000))

    # Nodes only: the team's OWNS edge is re-emitted from its weaker team-permission claim, so
    # the resolved ACCOUNTABLE_FOR changes (the importer does not merge kept claims back in).
    again = await refused_and_kept(store, tmp_path, sources, hostile, text, nodes_only=True)

    assert again.report is not None
    (finding,) = [f for f in again.report.findings if f.file and f.file.endswith("payments-api/CODEOWNERS") and "MAX_RULES" in f.message]
    assert finding.severity == "error"


async def test_malformed_codeowners_lines_are_findings_and_the_rest_is_read(store: GraphStore, tmp_path: Path) -> None:
    sources, _ = copy_export(tmp_path, "github")
    hostile = tmp_path / "github" / "codeowners" / "payments-api" / "CODEOWNERS"
    text = hostile.read_text(encoding="utf-8")
    text += "/" + "a" * 10_000 + " @acme/payments\n" + "\x00\xff garbage @@@\n" + "!negated @acme/payments\n"

    again = await refused_and_kept(store, tmp_path, sources, hostile, text)

    assert again.report is not None
    lines = sorted(f.line for f in again.report.findings if f.file and f.file.endswith("payments-api/CODEOWNERS") and f.line)
    assert lines == [2, 3, 4, 5]  # 2: carol@acme.example names no known person, as before
    rows = await store.read("MATCH (r:Repository) WHERE r.slug = 'acme/payments-api' RETURN r.default_owners AS owners")
    assert rows == [{"owners": ["@acme/payments", "@bob"]}]


def test_the_bomb_fixture_is_the_small_document_the_issue_describes() -> None:
    text = textwrap.dedent(bomb(0))
    assert 350 < len(text.encode()) < 900

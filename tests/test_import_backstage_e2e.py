"""Backstage descriptors through the real importer and sync engine into both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalog.cli import demo_root
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage

T0, T1, T2 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3))


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "acme"
    shutil.copytree(demo_root(), root)
    return root / "catalog-info.yaml"


async def test_the_demo_imports_and_a_second_import_changes_nothing(store: GraphStore, demo_copy: Path) -> None:
    first = await sync(store, read_backstage([demo_copy], instance="demo"), now=T0)
    assert first.nodes["Service"].created == 28
    assert first.totals().updated == 0
    kinds = {f.kind for f in first.findings}
    assert {"unknown-reference", "wrong-kind", "missing-field", "remote-location"} <= kinds

    second = await sync(store, read_backstage([demo_copy], instance="demo"), now=T1)
    assert second.totals().created == second.totals().updated == second.totals().retired == 0
    assert second.totals().unchanged == first.totals().created


async def test_owners_and_derived_dependencies_land_in_the_graph(store: GraphStore, demo_copy: Path) -> None:
    await sync(store, read_backstage([demo_copy], instance="demo"), now=T0)
    owners = await store.read(
        "MATCH (t:Team)-[r:OWNS]->(s:Service {id: 'component:default/checkout'}) WHERE r.active = true "
        "RETURN t.id AS team, r.evidence AS evidence, r.origin AS origin"
    )
    assert len(owners) == 1 and owners[0]["evidence"] == "spec.owner"
    assert str(owners[0]["origin"]).startswith("domains/commerce.yaml#")
    derived = await store.read(
        "MATCH (a:Service {id: 'component:default/checkout'})-[r:DEPENDS_ON]->(b:Service {id: 'component:payments/payments-gateway'}) "
        "RETURN r.via_api AS api, r.evidence AS evidence"
    )
    assert derived and derived[0]["api"] and "provided by component:payments/payments-gateway" in str(derived[0]["evidence"])
    [dangling] = await store.read(
        "MATCH (f:Finding {kind: 'unknown-reference'}) WHERE f.reference = 'group:default/growth-team' "
        "RETURN f.file AS file, f.field AS field, f.line AS line"
    )
    assert (dangling["file"], dangling["field"]) == ("domains/commerce.yaml", "spec.owner")
    assert isinstance(dangling["line"], int) and dangling["line"] > 0


async def test_a_malformed_file_loses_nothing_already_stored(store: GraphStore, demo_copy: Path) -> None:
    await sync(store, read_backstage([demo_copy], instance="demo"), now=T0)
    commerce = demo_copy.parent / "domains" / "commerce.yaml"
    commerce.write_text(commerce.read_text() + "\n---\nkind: Component\nmetadata: {name: [unclosed\n")
    report = await sync(store, read_backstage([demo_copy], instance="demo"), now=T1)
    [broken] = [f for f in report.findings if f.file == "domains/commerce.yaml" and f.kind == "invalid-yaml"]
    assert broken.line and broken.severity == "error"
    assert report.totals().retired == 0
    present = await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL RETURN count(s) AS c")
    assert present == [{"c": 28}]


async def test_an_entity_removed_from_a_completely_read_source_is_retired_with_history(store: GraphStore, demo_copy: Path) -> None:
    await sync(store, read_backstage([demo_copy], instance="demo"), now=T0)
    platform_file = demo_copy.parent / "domains" / "platform.yaml"
    docs = platform_file.read_text().split("\n---")
    kept = [d for d in docs if "name: email-sender" not in d]
    assert len(kept) == len(docs) - 1
    platform_file.write_text("\n---".join(kept))
    report = await sync(store, read_backstage([demo_copy], instance="demo"), now=T1)
    assert report.nodes["Service"].retired == 1
    rows = await store.read("MATCH (s:Service {id: 'component:default/email-sender'}) RETURN s.retired_at AS r, s.first_seen AS f")
    assert rows == [{"r": T1, "f": T0}]
    edges = await store.read(
        "MATCH (:Service)-[r:DEPENDS_ON]->(:Service {id: 'component:default/email-sender'}) RETURN r.active AS active, r.retired_at AS r"
    )
    assert edges and all(e == {"active": False, "r": T1} for e in edges)

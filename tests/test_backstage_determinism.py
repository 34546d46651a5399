"""Re-importing the same files gives the same batch, so the sync sees nothing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from catalog.core.records import ImportBatch
from importers.backstage import read_backstage

ACME = Path(__file__).parent / "fixtures" / "backstage" / "acme"


def snapshot(batch: ImportBatch) -> object:
    return (
        batch.source,
        batch.instance,
        [(n.label, n.id, n.props, n.origin) for n in batch.nodes],
        [(r.type, r.src_label, r.src_id, r.dst_label, r.dst_id, r.props, r.origin, r.if_missing) for r in batch.rels],
        batch.findings,
        batch.failed_origins,
        batch.complete,
    )


def test_two_reads_of_the_same_files_are_equal() -> None:
    assert snapshot(read_backstage([ACME / "catalog-info.yaml"])) == snapshot(read_backstage([ACME / "catalog-info.yaml"]))


def test_the_order_of_the_paths_given_does_not_matter() -> None:
    paths = [ACME / "services", ACME / "org", ACME / "platforms.yaml"]
    assert snapshot(read_backstage(paths)) == snapshot(read_backstage(list(reversed(paths))))


def test_records_come_sorted() -> None:
    batch = read_backstage([ACME / "catalog-info.yaml"])

    assert [(n.label, n.id) for n in batch.nodes] == sorted((n.label, n.id) for n in batch.nodes)
    assert [(r.type, r.src_id, r.dst_id) for r in batch.rels] == sorted((r.type, r.src_id, r.dst_id) for r in batch.rels)
    assert len({(r.type, r.src_id, r.dst_id) for r in batch.rels}) == len(batch.rels)  # one record per merged edge
    assert [(f.file, f.line) for f in batch.findings] == sorted((f.file or "", f.line or 0) for f in batch.findings)


def test_the_default_instance_names_the_sorted_absolute_paths() -> None:
    batch = read_backstage([ACME / "org", ACME / "catalog-info.yaml"])
    assert batch.instance == f"backstage:{(ACME / 'catalog-info.yaml').as_posix()},{(ACME / 'org').as_posix()}"
    assert read_backstage([ACME / "org"], instance="acme").instance == "acme"


def test_moving_the_catalog_changes_nothing_but_the_instance(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    shutil.copytree(ACME, copy)
    here, there = read_backstage([ACME], instance="acme"), read_backstage([copy], instance="acme")
    assert snapshot(here) == snapshot(there)

"""Which files are read: directories, Location targets (relative, glob, missing, remote, cyclic)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from catalog.core.records import ImportBatch
from importers.backstage import read_backstage

ACME = Path(__file__).parent / "fixtures" / "backstage" / "acme"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def origins(batch: ImportBatch) -> dict[str, str]:
    return {n.id: n.origin for n in batch.nodes}


def location(name: str, *targets: str) -> str:
    lines = ["apiVersion: backstage.io/v1alpha1", "kind: Location", "metadata:", f"  name: {name}", "spec:", "  targets:"]
    return "\n".join(lines + [f"    - {t}" for t in targets]) + "\n"


def system(name: str) -> str:
    return f"apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: {name}\nspec:\n  owner: team-a\n"


def test_a_root_location_reaches_every_file_of_the_fixture_catalog() -> None:
    batch = read_backstage([ACME / "catalog-info.yaml"])

    assert origins(batch) == {
        "api:default/cart-api": "services/cart/catalog-info.yaml#1",
        "api:default/checkout-api": "services/checkout/catalog-info.yaml#1",
        "ident:alias:checkout-svc": "services/checkout/catalog-info.yaml#0",
        "ident:alias:co": "services/checkout/catalog-info.yaml#0",
        "api:payments/payments-api": "services/payments-gateway/catalog-info.yaml#1",
        "component:default/cart": "services/cart/catalog-info.yaml#0",
        "component:default/checkout": "services/checkout/catalog-info.yaml#0",
        "component:payments/payments-gateway": "services/payments-gateway/catalog-info.yaml#0",
        "group:default/acme": "org/teams.yaml#0",
        "group:default/checkout-team": "org/teams.yaml#2",
        "group:default/commerce": "org/teams.yaml#1",
        "group:default/platform-team": "org/teams.yaml#3",
        "group:payments/payments-core": "org/teams.yaml#4",
        "platform:default/kubernetes": "platforms.yaml#0",
        "platform:default/legacy-vms": "platforms.yaml#1",
        "repository:github.com/acme/cart": "services/cart/catalog-info.yaml#0",
        "repository:github.com/acme/checkout": "services/checkout/catalog-info.yaml#0",
        "resource:default/checkout-db": "services/checkout/catalog-info.yaml#2",
        "user:default/alice": "org/people.yaml#0",
        "user:default/bob": "org/people.yaml#1",
    }
    assert batch.complete is True
    assert batch.failed_origins == set()


def test_the_fixture_catalog_reports_its_missing_and_remote_targets() -> None:
    batch = read_backstage([ACME / "catalog-info.yaml"])

    assert [(f.kind, f.severity, f.file, f.line, f.field, f.reference) for f in batch.findings] == [
        ("missing-location-target", "error", "catalog-info.yaml", 15, "spec.targets[4]", "./retired/catalog-info.yaml"),
        (
            "remote-location",
            "info",
            "catalog-info.yaml",
            16,
            "spec.targets[5]",
            "https://github.com/acme/legacy/blob/main/catalog-info.yaml",
        ),
    ]
    assert batch.findings[0].subject == "location:default/acme-root"


def test_the_fixture_catalog_relates_across_files_and_namespaces() -> None:
    batch = read_backstage([ACME / "catalog-info.yaml"])
    dangling = {(r.type, r.src_id, r.dst_id) for r in batch.rels if r.if_missing is not None}

    assert dangling == set()
    assert ("DEPENDS_ON", "component:default/checkout", "component:payments/payments-gateway") in {
        (r.type, r.src_id, r.dst_id) for r in batch.rels
    }
    assert ("RUNS_ON", "component:default/cart", "platform:default/legacy-vms") in {(r.type, r.src_id, r.dst_id) for r in batch.rels}


def test_targets_are_relative_to_the_location_file_and_origins_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, "root.yaml", location("root", "./catalog/all.yaml"))
    write(tmp_path, "catalog/all.yaml", location("all", "../services/cart.yaml", "./more/shop.yaml"))
    write(tmp_path, "services/cart.yaml", system("cart"))
    write(tmp_path, "catalog/more/shop.yaml", system("shop"))
    batch = read_backstage([tmp_path / "root.yaml"])

    assert origins(batch) == {"system:default/cart": "services/cart.yaml#0", "system:default/shop": "catalog/more/shop.yaml#0"}
    assert batch.findings == []


def test_a_glob_target_reads_every_match_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", location("root", "./services/*/catalog-info.yaml", "./teams/**/*.yaml"))
    write(tmp_path, "services/b/catalog-info.yaml", system("b"))
    write(tmp_path, "services/a/catalog-info.yaml", system("a"))
    write(tmp_path, "services/a/other.yaml", system("not-matched"))
    write(tmp_path, "teams/x/y/z.yaml", system("deep"))
    batch = read_backstage([tmp_path / "catalog-info.yaml"])

    assert origins(batch) == {
        "system:default/a": "services/a/catalog-info.yaml#0",
        "system:default/b": "services/b/catalog-info.yaml#0",
        "system:default/deep": "teams/x/y/z.yaml#0",
    }


def test_a_glob_that_matches_nothing_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", location("root", "./services/*/catalog-info.yaml"))
    batch = read_backstage([tmp_path / "catalog-info.yaml"])

    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.line, finding.field) == ("missing-location-target", "warning", 7, "spec.targets[0]")


def test_a_missing_target_is_an_error_unless_the_location_says_it_is_optional(tmp_path: Path) -> None:
    write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata:
          name: root
        spec:
          target: ./gone.yaml
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata:
          name: maybe
        spec:
          presence: optional
          target: ./not-yet.yaml
        """,
    )
    batch = read_backstage([tmp_path / "catalog-info.yaml"])

    assert [(f.kind, f.severity, f.line, f.field, f.reference) for f in batch.findings] == [
        ("missing-location-target", "error", 6, "spec.target", "./gone.yaml"),
        ("missing-location-target", "info", 14, "spec.target", "./not-yet.yaml"),
    ]
    # A missing target is a fact about the source, not a failure to read it.
    assert batch.complete is True
    assert batch.failed_origins == set()


def test_remote_targets_are_recorded_not_fetched(tmp_path: Path) -> None:
    write(
        tmp_path,
        "catalog-info.yaml",
        location("root", "url:https://github.com/acme/a/blob/main/catalog-info.yaml", "http://example.com/b.yaml"),
    )
    batch = read_backstage([tmp_path / "catalog-info.yaml"])

    assert [(f.kind, f.severity, f.line, f.reference) for f in batch.findings] == [
        ("remote-location", "info", 7, "url:https://github.com/acme/a/blob/main/catalog-info.yaml"),
        ("remote-location", "info", 8, "http://example.com/b.yaml"),
    ]
    assert batch.nodes == []


def test_location_cycles_end_and_each_file_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", location("a", "./b.yaml", "./a.yaml") + "---\n" + system("from-a"))
    write(tmp_path, "b.yaml", location("b", "./a.yaml", "./b.yaml") + "---\n" + system("from-b"))
    batch = read_backstage([tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path])

    assert origins(batch) == {"system:default/from-a": "a.yaml#1", "system:default/from-b": "b.yaml#1"}
    assert batch.findings == []  # no duplicate-entity: each file was read once


def test_a_directory_is_walked_for_yaml_files_skipping_hidden_ones(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", system("b"))
    write(tmp_path, "a/catalog-info.yaml", system("a"))
    write(tmp_path, "a/README.md", "# not YAML\n")
    write(tmp_path, ".github/workflows/ci.yaml", "on: push\n")
    write(tmp_path, "src/.hidden.yaml", system("hidden"))
    batch = read_backstage([tmp_path])

    assert origins(batch) == {"system:default/a": "a/catalog-info.yaml#0", "system:default/b": "b.yml#0"}
    assert batch.findings == []


def test_a_location_target_may_be_a_directory(tmp_path: Path) -> None:
    write(tmp_path, "root.yaml", location("root", "./catalog/root.yaml"))
    write(tmp_path, "catalog/root.yaml", location("catalog", "../services"))
    write(tmp_path, "services/cart/catalog-info.yaml", system("cart"))
    batch = read_backstage([tmp_path / "root.yaml"])

    assert origins(batch) == {"system:default/cart": "services/cart/catalog-info.yaml#0"}


def test_a_file_reached_through_a_symlink_is_still_read_once(tmp_path: Path) -> None:
    write(tmp_path, "real/cart.yaml", system("cart"))
    os.symlink(tmp_path / "real" / "cart.yaml", tmp_path / "cart-link.yaml")
    batch = read_backstage([tmp_path])

    assert origins(batch) == {"system:default/cart": "cart-link.yaml#0"}
    assert batch.findings == []


def test_a_path_that_does_not_exist_makes_the_import_incomplete(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", system("cart"))
    batch = read_backstage([tmp_path / "catalog-info.yaml", tmp_path / "nope"])

    assert [n.id for n in batch.nodes] == ["system:default/cart"]
    assert batch.complete is False
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.file) == ("missing-path", "error", (tmp_path / "nope").as_posix())

"""Bad input: every problem is a finding with file, line, field and fix, and the rest is imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

from catalog.core.records import Finding, ImportBatch
from importers.backstage import read_backstage


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def ids(batch: ImportBatch) -> list[str]:
    return [n.id for n in batch.nodes]


def where(finding: Finding) -> tuple[str, str, str | None, int | None, str | None]:
    return finding.kind, finding.severity, finding.file, finding.line, finding.field


GOOD = """
    apiVersion: backstage.io/v1alpha1
    kind: System
    metadata:
      name: shopping
    spec:
      owner: team-a
    """


def test_malformed_yaml_fails_the_whole_file_at_the_parsers_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "broken.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: fine-so-far
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: [unclosed
        spec:
          owner: team-a
        """,
    )
    write(tmp_path, "good.yaml", GOOD)
    batch = read_backstage([tmp_path])

    assert ids(batch) == ["system:default/shopping"]  # nothing from broken.yaml, not even its first document
    (finding,) = batch.findings
    assert where(finding) == ("invalid-yaml", "error", "broken.yaml", 12, None)
    assert finding.fix
    assert batch.failed_origins == {"broken.yaml"}
    assert batch.complete is True


def test_a_document_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        - apiVersion: backstage.io/v1alpha1
          kind: System
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: team-a
        """,
    )
    batch = read_backstage([path])

    assert ids(batch) == ["system:default/shopping"]
    (finding,) = batch.findings
    assert where(finding) == ("invalid-document", "error", "catalog-info.yaml", 1, None)
    assert "document 0 is a list" in finding.message
    assert batch.failed_origins == {"catalog-info.yaml"}


def test_a_missing_metadata_name_is_an_error_at_the_metadata_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          title: Checkout
        spec:
          type: service
        """,
    )
    batch = read_backstage([path])

    assert ids(batch) == []
    (finding,) = batch.findings
    assert where(finding) == ("missing-field", "error", "catalog-info.yaml", 3, "metadata.name")
    assert finding.fix == "add metadata.name"
    assert batch.failed_origins == {"catalog-info.yaml"}


def test_mis_typed_fields_are_errors_naming_field_line_and_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: checkout
          tags: 5
          labels:
            tier: 1
        spec:
          type: service
          lifecycle: production
          owner: team-a
          dependsOn: component:cart
          providesApis:
            - checkout-api
            - {name: oops}
        """,
    )
    batch = read_backstage([path])

    assert ids(batch) == []
    assert [where(f) for f in batch.findings] == [
        ("invalid-field", "error", "catalog-info.yaml", 5, "metadata.tags"),
        ("invalid-field", "error", "catalog-info.yaml", 7, "metadata.labels.tier"),
        ("invalid-field", "error", "catalog-info.yaml", 12, "spec.dependsOn"),
        ("invalid-field", "error", "catalog-info.yaml", 15, "spec.providesApis[1]"),
    ]
    tags, tier, depends_on, _ = batch.findings
    assert tags.message == "metadata.tags must be a list, not the number 5"
    assert tags.subject == "component:default/checkout"
    assert tier.message == "metadata.labels.tier must be a string, not the number 1"
    assert "quote" in tier.fix
    assert depends_on.message == "spec.dependsOn must be a list, not the string 'component:cart'"
    assert depends_on.fix.startswith("write spec.dependsOn as a YAML list")
    assert batch.failed_origins == {"catalog-info.yaml"}


def test_a_spec_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec: [owner, team-a]
        """,
    )
    (finding,) = read_backstage([path]).findings
    assert where(finding) == ("invalid-field", "error", "catalog-info.yaml", 5, "spec")


def test_invalid_names_and_namespaces_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        f"""
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: "shopping cart"
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: {"x" * 64}
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: -leading-dash
          namespace: Payments
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping.cart_v2-beta
          namespace: payments-eu
        spec:
          owner: team-a
        """,
    )
    batch = read_backstage([path])

    assert ids(batch) == ["system:payments-eu/shopping.cart_v2-beta"]
    assert [where(f) for f in batch.findings] == [
        ("invalid-name", "error", "catalog-info.yaml", 4, "metadata.name"),
        ("invalid-name", "error", "catalog-info.yaml", 11, "metadata.name"),
        ("invalid-name", "error", "catalog-info.yaml", 18, "metadata.name"),
        ("invalid-name", "error", "catalog-info.yaml", 19, "metadata.namespace"),
    ]
    assert "63" in batch.findings[0].fix


def test_an_entity_defined_twice_across_files_keeps_the_first_in_sorted_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a/catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
          title: First
        spec:
          owner: team-a
        """,
    )
    write(
        tmp_path,
        "b/catalog-info.yaml",
        """
        # the same entity, spelled differently
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: Shopping
          namespace: default
          title: Second
        spec:
          owner: team-b
        """,
    )
    batch = read_backstage([tmp_path])

    (system,) = batch.nodes
    assert (system.props["title"], system.origin) == ("First", "a/catalog-info.yaml#0")
    assert [(r.src_id, r.origin) for r in batch.rels] == [("group:default/team-a", "a/catalog-info.yaml#0")]
    (finding,) = batch.findings
    assert where(finding) == ("duplicate-entity", "error", "b/catalog-info.yaml", 5, "metadata.name")
    assert finding.subject == "system:default/shopping"
    assert "a/catalog-info.yaml:4" in finding.message
    assert "b/catalog-info.yaml:5" in finding.message
    assert batch.failed_origins == set()


def test_an_entity_defined_twice_in_one_file_keeps_the_first(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: team-b
        """,
    )
    batch = read_backstage([path])

    assert [(n.id, n.origin) for n in batch.nodes] == [("system:default/shopping", "catalog-info.yaml#0")]
    (finding,) = batch.findings
    assert where(finding) == ("duplicate-entity", "error", "catalog-info.yaml", 11, "metadata.name")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "huge.yaml", GOOD + "# padding\n" * 100)
    write(tmp_path, "small.yaml", GOOD.replace("shopping", "small"))
    batch = read_backstage([tmp_path], max_file_bytes=500)

    assert ids(batch) == ["system:default/small"]
    (finding,) = batch.findings
    assert where(finding) == ("file-too-large", "error", "huge.yaml", None, None)
    assert batch.failed_origins == {"huge.yaml"}


def test_a_file_that_is_not_utf8_is_an_error_at_the_bad_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: caf\xe9\n")
    batch = read_backstage([tmp_path])

    assert ids(batch) == []
    (finding,) = batch.findings
    assert where(finding) == ("unreadable-file", "error", "latin1.yaml", 4, None)
    assert "0xe9" in finding.message
    assert batch.failed_origins == {"latin1.yaml"}


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(GOOD).lstrip("\n").encode())
    assert ids(read_backstage([tmp_path])) == ["system:default/shopping"]


def test_a_key_given_twice_is_a_warning_and_the_entity_is_imported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: team-a
          owner: team-b
        """,
    )
    batch = read_backstage([path])

    assert [r.src_id for r in batch.rels] == ["group:default/team-b"]
    (finding,) = batch.findings
    assert where(finding) == ("duplicate-key", "warning", "catalog-info.yaml", 7, "spec.owner")


def test_one_bad_document_does_not_stop_the_others(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: broken
          tags: [ok, 5]
        spec:
          owner: team-a
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: team-a
        """,
    )
    batch = read_backstage([path])

    assert ids(batch) == ["system:default/shopping"]
    (finding,) = batch.findings
    assert where(finding) == ("invalid-field", "error", "catalog-info.yaml", 5, "metadata.tags[1]")
    # The file is marked failed: what it declared before stays in the graph until it is fixed.
    assert batch.failed_origins == {"catalog-info.yaml"}

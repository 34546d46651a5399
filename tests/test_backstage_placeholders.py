"""Backstage's ``$text``, ``$json`` and ``$yaml`` placeholders: resolved next to the descriptor, confined, bounded.

An API is never rejected for the form of its definition: a placeholder that cannot be
resolved is a finding, and the API is still imported.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from catalog.core.records import Finding, ImportBatch, NodeRecord
from importers.backstage import read_backstage

API = "api:default/orders"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def api_with(definition: str, *, extra: str = "") -> str:
    return textwrap.dedent(
        """
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: orders
        {extra}spec:
          type: openapi
          lifecycle: production
          owner: team-a
          definition:
            {definition}
        """
    ).format(definition=definition, extra=extra)


def node(batch: ImportBatch, node_id: str) -> NodeRecord:
    (found,) = [n for n in batch.nodes if n.id == node_id]
    return found


def findings(batch: ImportBatch, *kinds: str) -> list[Finding]:
    return [f for f in batch.findings if f.kind in kinds]


OPENAPI = "openapi: 3.0.0\ninfo:\n  title: Orders\n  version: '1'\npaths: {}\n"


def test_text_placeholder_stores_the_file_relative_to_the_descriptor(tmp_path: Path) -> None:
    write(tmp_path, "services/orders/catalog-info.yaml", api_with("$text: ./openapi.yaml"))
    write(tmp_path, "services/orders/openapi.yaml", OPENAPI)
    write(tmp_path, "services/orders/stray.yaml", OPENAPI)
    batch = read_backstage([tmp_path])

    assert node(batch, API).props["definition"] == OPENAPI
    # The walk meets openapi.yaml too: it is the placeholder's content, so only the stray file is reported.
    assert [(f.kind, f.file) for f in batch.findings] == [("not-an-entity", "services/orders/stray.yaml")]


def test_json_and_yaml_placeholders_store_the_parsed_definition_as_json_text(tmp_path: Path) -> None:
    write(tmp_path, "a/catalog-info.yaml", api_with("$yaml: ./openapi.yaml"))
    write(tmp_path, "a/openapi.yaml", OPENAPI)
    write(tmp_path, "b/catalog-info.yaml", api_with("$json: ./openapi.json").replace("name: orders", "name: payments"))
    write(tmp_path, "b/openapi.json", json.dumps({"openapi": "3.0.0", "paths": {"/pay": {}}}))
    batch = read_backstage([tmp_path])

    assert json.loads(node(batch, API).props["definition"])["info"] == {"title": "Orders", "version": "1"}
    assert json.loads(node(batch, "api:default/payments").props["definition"])["paths"] == {"/pay": {}}


def test_placeholders_work_in_any_field(tmp_path: Path) -> None:
    write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shop
          description:
            $text: ./about.txt
        spec:
          owner: team-a
        """,
    )
    write(tmp_path, "about.txt", "Everything that sells.")
    batch = read_backstage([tmp_path])
    assert node(batch, "system:default/shop").props["description"] == "Everything that sells."


def test_a_missing_file_is_a_finding_and_the_api_is_still_imported(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", api_with("$text: ./gone.yaml"))
    batch = read_backstage([tmp_path])

    assert node(batch, API).props["definition"] is None
    (finding,) = findings(batch, "missing-placeholder-target")
    assert (finding.file, finding.line, finding.field, finding.reference, finding.subject) == (
        "catalog-info.yaml",
        10,
        "spec.definition",
        "./gone.yaml",
        API,
    )
    assert "gone.yaml" in finding.message and finding.fix
    assert batch.failed_origins == set()


def test_a_placeholder_escaping_the_root_is_refused_and_the_api_is_still_imported(tmp_path: Path) -> None:
    root = tmp_path / "root"
    secret = write(tmp_path, "secret.txt", "s3cr3t")
    write(root, "a/catalog-info.yaml", api_with("$text: ../../secret.txt"))
    write(root, "b/catalog-info.yaml", api_with(f"$text: {secret}").replace("name: orders", "name: abs"))
    os.symlink(secret, root / "c-link.txt")
    write(root, "c/catalog-info.yaml", api_with("$text: ../c-link.txt").replace("name: orders", "name: linked"))
    batch = read_backstage([root])

    for api in (API, "api:default/abs", "api:default/linked"):
        assert node(batch, api).props["definition"] is None
    assert [(f.file, f.severity) for f in findings(batch, "placeholder-outside-root")] == [
        ("a/catalog-info.yaml", "error"),
        ("b/catalog-info.yaml", "error"),
        ("c/catalog-info.yaml", "error"),
    ]
    assert all("s3cr3t" not in (n.props.get("definition") or "") for n in batch.nodes)


def test_a_remote_placeholder_is_recorded_not_fetched(tmp_path: Path) -> None:
    url = "https://github.com/acme/orders/blob/main/openapi.yaml"
    write(tmp_path, "catalog-info.yaml", api_with(f"$text: {url}"))
    batch = read_backstage([tmp_path])

    assert node(batch, API).props["definition"] == url
    (finding,) = findings(batch, "placeholder-not-fetched")
    assert (finding.severity, finding.reference, finding.line) == ("info", url, 10)


def test_an_inline_mapping_definition_is_kept_not_rejected(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", api_with("openapi: 3.0.0"))
    batch = read_backstage([tmp_path])
    assert json.loads(node(batch, API).props["definition"]) == {"openapi": "3.0.0"}
    assert batch.failed_origins == set()


def test_a_placeholder_file_that_is_an_alias_bomb_or_invalid_json_is_a_finding(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    write(tmp_path, "a/catalog-info.yaml", api_with("$yaml: ./bomb.yaml"))
    write(tmp_path, "a/bomb.yaml", "\n".join(lines) + "\n")
    write(tmp_path, "b/catalog-info.yaml", api_with("$json: ./broken.json").replace("name: orders", "name: broken"))
    write(tmp_path, "b/broken.json", '{"openapi": ')
    batch = read_backstage([tmp_path])

    assert node(batch, API).props["definition"] is None
    assert node(batch, "api:default/broken").props["definition"] is None
    by_file = {f.file: f for f in findings(batch, "unresolved-placeholder")}
    assert "MAX_ALIAS_EXPANSION" in by_file["a/catalog-info.yaml"].fix
    assert "not valid JSON" in by_file["b/catalog-info.yaml"].message


def test_placeholders_of_one_file_share_its_byte_budget(tmp_path: Path) -> None:
    big = "x" * 3000
    write(tmp_path, "big.txt", big)
    documents = [api_with("$text: ./big.txt").replace("name: orders", f"name: api-{i}") for i in range(3)]
    write(tmp_path, "catalog-info.yaml", "---\n".join(documents))
    batch = read_backstage([tmp_path], max_file_bytes=7000)

    stored = [node(batch, f"api:default/api-{i}").props["definition"] for i in range(3)]
    assert stored == [big, big, None]
    (finding,) = findings(batch, "unresolved-placeholder")
    assert "max_file_bytes" in finding.fix

"""The bounded loaders every importer reads its files with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog.core.records import ImportBatch
from catalog.core.safe_load import (
    InputRefused,
    YamlError,
    check_depth,
    decode_utf8,
    load_json,
    load_json_values,
    load_yaml,
    load_yaml_documents,
    read_bounded,
)
from importers.descriptors import read_opslevel


def test_anchors_reused_within_the_budget_load_as_usual() -> None:
    text = "base: &b {image: app, port: 80}\nweb: *b\nworker:\n  <<: *b\n  port: 81\n"
    assert load_yaml(text) == {
        "base": {"image": "app", "port": 80},
        "web": {"image": "app", "port": 80},
        "worker": {"image": "app", "port": 81},
    }


def test_the_budget_counts_scalar_characters_not_only_values() -> None:
    big = "x" * 20_000
    text = f"a: &a {big}\nb: [{', '.join(['*a'] * 60)}]\n"
    with pytest.raises(YamlError) as error:
        load_yaml(text)
    assert (error.value.kind, error.value.line) == ("yaml-alias-expansion", 2)
    assert load_yaml(text, max_alias_expansion=2_000_000)["b"][59] == big


def test_the_budget_is_shared_by_the_documents_of_one_file() -> None:
    document = "a: &a [" + ", ".join(["x" * 100] * 100) + "]\nb: [" + ", ".join(["*a"] * 60) + "]\n"
    assert len(load_yaml_documents(document)) == 1
    with pytest.raises(YamlError, match="alias"):
        load_yaml_documents("---\n".join([document] * 3))


def test_a_recursive_alias_and_deep_nesting_are_refused_with_their_line() -> None:
    with pytest.raises(YamlError) as recursive:
        load_yaml("ok: 1\nloop: &l\n  - *l\n")
    assert (recursive.value.kind, recursive.value.line) == ("yaml-alias-expansion", 2)  # the anchor that contains itself
    with pytest.raises(YamlError) as deep:
        load_yaml("a: " + "[" * 150 + "]" * 150 + "\n")
    assert deep.value.kind == "yaml-too-deep"


def test_several_documents_where_one_is_expected_is_an_error() -> None:
    with pytest.raises(YamlError, match="single document"):
        load_yaml("a: 1\n---\nb: 2\n")


def test_json_nested_too_deeply_is_refused_whether_or_not_the_parser_could_go_on() -> None:
    assert load_json("[" * 100 + "]" * 100) is not None
    for depth in (101, 100_000):
        with pytest.raises(InputRefused) as error:
            load_json("[" * depth + "]" * depth, what="users.json")
        assert error.value.kind == "nested-too-deeply" and "users.json" in error.value.message
    with pytest.raises(InputRefused, match="levels deep"):
        load_json_values('[1]\n{"a": ' * 1 + "[" * 200 + "]" * 200 + "}")
    with pytest.raises(InputRefused, match="levels deep"):
        check_depth({"a": [[[[]]]]}, max_depth=4)


def test_invalid_json_names_its_line() -> None:
    with pytest.raises(InputRefused) as error:
        load_json('{\n  "a": 1,\n  "b": \n}', what="teams.json")
    assert (error.value.kind, error.value.line) == ("invalid-json", 4)
    assert error.value.message.startswith("teams.json is not valid JSON at line 4")


def test_files_are_read_up_to_their_bound_and_text_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 101)
    assert read_bounded(path, 101) == b"a" * 101
    with pytest.raises(InputRefused, match="larger than the 100-byte limit"):
        read_bounded(path, 100, what="f")
    with pytest.raises(InputRefused) as error:
        decode_utf8(b"ok\nbad \xff\n")
    assert (error.value.kind, error.value.line) == ("unreadable-file", 2)


def test_an_opslevel_descriptor_symlinked_from_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "opslevel.yml").write_text("version: 1\nservice:\n  name: stolen\n", encoding="utf-8")
    (tmp_path / "descriptors" / "svc").mkdir(parents=True)
    os.symlink(tmp_path / "outside" / "opslevel.yml", tmp_path / "descriptors" / "svc" / "opslevel.yml")
    batch: ImportBatch = read_opslevel([tmp_path / "descriptors"])
    assert batch.nodes == []
    assert [(f.kind, f.file) for f in batch.findings] == [("outside-root", "svc/opslevel.yml")]

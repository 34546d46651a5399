"""The YAML loader behind the Backstage importer: safe values, plus the line of every field."""

from __future__ import annotations

import textwrap

import pytest

from importers.backstage.yaml_lines import YamlSyntaxError, load_documents


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_every_mapping_key_and_list_item_has_its_line() -> None:
    (document,) = load_documents(
        yaml_text("""
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: checkout
              annotations:
                github.com/project-slug: acme/checkout
            spec:
              dependsOn:
                - component:cart
                - resource:checkout-db
            """)
    )
    assert document.value["spec"]["dependsOn"] == ["component:cart", "resource:checkout-db"]
    assert document.line_of(("kind",)) == 2
    assert document.line_of(("metadata", "name")) == 4
    assert document.line_of(("metadata", "annotations", "github.com/project-slug")) == 6
    assert document.line_of(("spec", "dependsOn")) == 8
    assert document.line_of(("spec", "dependsOn", 0)) == 9
    assert document.line_of(("spec", "dependsOn", 1)) == 10


def test_a_missing_field_takes_the_line_of_its_nearest_parent() -> None:
    (document,) = load_documents("kind: Component\nspec:\n  type: service\n")
    assert document.line_of(("spec", "owner")) == 2
    assert document.line_of(("metadata", "name")) == 1  # no metadata at all: the document's first line


def test_documents_are_indexed_from_zero_counting_empty_ones() -> None:
    documents = load_documents("a: 1\n---\n---\n# only a comment\n---\nb: 2\n")
    assert [d.index for d in documents] == [0, 1, 2, 3]
    assert [d.value for d in documents] == [{"a": 1}, None, None, {"b": 2}]
    assert documents[3].line == 6
    assert load_documents("") == []


def test_values_follow_safe_loader_semantics() -> None:
    (document,) = load_documents(
        yaml_text("""
            defaults: &defaults
              lifecycle: production
              type: service
            spec:
              <<: *defaults
              type: website
            version: 1.0
            enabled: yes
            """)
    )
    assert document.value["spec"] == {"lifecycle": "production", "type": "website"}
    assert document.value["version"] == 1.0
    assert document.value["enabled"] is True
    # The merged key is found at the anchor's line; the override at its own line.
    assert document.line_of(("spec", "lifecycle")) == 2
    assert document.line_of(("spec", "type")) == 6
    assert document.duplicate_keys == ()


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(YamlSyntaxError) as error:
        load_documents("a: 1\n---\nb: !!python/object/apply:os.system ['true']\n")
    assert error.value.line == 3


def test_a_key_given_twice_is_reported_and_the_later_value_wins() -> None:
    (document,) = load_documents("spec:\n  owner: team-a\n  type: service\n  owner: team-b\n")
    assert document.value["spec"]["owner"] == "team-b"
    assert document.line_of(("spec", "owner")) == 4
    (duplicate,) = document.duplicate_keys
    assert (duplicate.path, duplicate.first_line, duplicate.line) == (("spec", "owner"), 2, 4)


def test_a_syntax_error_reports_the_line_of_the_problem() -> None:
    text = yaml_text("""
        kind: Component
        metadata:
          name: checkout
        ---
        kind: Component
        metadata:
          name: [cart
        spec: {}
        """)
    with pytest.raises(YamlSyntaxError) as error:
        load_documents(text)
    assert error.value.line == 8
    assert error.value.message


def test_aliases_are_indexed_once_so_a_modest_exponential_document_stays_cheap() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    (document,) = load_documents("\n".join(lines) + "\n")
    assert document.line_of(("a4",)) == 5
    assert len(document.lines) < 100


def test_an_alias_bomb_is_refused_at_the_line_of_the_alias_that_passes_the_bound() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(YamlSyntaxError) as error:
        load_documents("\n".join(lines) + "\n")
    # a5 alone stands for a million values: the bound is passed there.
    assert (error.value.kind, error.value.line) == ("yaml-alias-expansion", 6)
    assert "MAX_ALIAS_EXPANSION" in error.value.fix

"""catalog.yaml: what a valid file gives, and what each mistake says."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_a_valid_file_gives_sources_in_run_order_platforms_and_precedence(tmp_path: Path) -> None:
    (tmp_path / "descriptors").mkdir()
    config = load_config(
        write(
            tmp_path,
            """
            sources:
              - type: backstage
                paths: [descriptors]
                instance: main-descriptors
            platforms:
              - name: k8s-standard
                standard: true
              - name: legacy-vms
            ownership:
              precedence: [kubernetes, backstage]
            sync:
              interval_minutes: 15
            """,
        )
    )
    assert [s.instance for s in config.sources] == ["main-descriptors"]
    assert config.sources[0].source.paths == [tmp_path / "descriptors"]  # type: ignore[attr-defined]
    assert [(p.name, p.standard) for p in config.platforms] == [("k8s-standard", True), ("legacy-vms", False)]
    assert config.ownership.precedence == ["kubernetes", "backstage"]
    assert config.schedule.interval_minutes == 15


def test_an_empty_file_is_an_empty_configuration(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert (config.sources, config.platforms, config.schedule.interval_minutes) == ([], [], None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources:\n  - type: backstage\n    paths: [a\n", r"catalog\.yaml:\d+: not valid YAML"),
        ("- just\n- a list\n", r"the top level must be a mapping"),
        ("sources:\n  - type: jira\n", r"sources\[0\]\.type is 'jira'; use one of backstage, opslevel"),
        ("sources:\n  - type: backstage\n", r"sources\[0\]\.paths: Field required"),
        ("sources:\n  - type: backstage\n    paths: [a]\n    pathz: [b]\n", r"sources\[0\]\.pathz: Extra inputs are not permitted"),
        ("platforms:\n  - name: a\n    standard: true\n  - name: b\n    standard: true\n", r"all marked standard"),
        ("platforms:\n  - name: a\n  - name: A\n", r"lists default/a more than once"),
        ("ownership:\n  precedence: [backstage, jira]\n", r"ownership\.precedence: Value error, unknown source types \['jira'\]"),
        ("sync:\n  interval_minutes: 0\n", r"sync\.interval_minutes: Input should be greater than 0"),
        (
            "sources:\n  - type: backstage\n    paths: [a]\n  - type: backstage\n    paths: [a]\n",
            r"sources\[1\] and sources\[0\] are both instance",
        ),
    ],
)
def test_each_mistake_names_the_file_the_field_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as err:
        load_config(write(tmp_path, text))
    assert str(tmp_path / "catalog.yaml") in str(err.value)


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the catalog configuration .*pass --config PATH"):
        load_config(tmp_path / "nope.yaml")


def test_the_sources_reference_is_current_and_its_example_loads(tmp_path: Path) -> None:
    from catalog.config import CATALOG_EXAMPLE
    from catalog.config_doc import render

    committed = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/sources.md is stale: run `python -m catalog.config_doc > docs/sources.md`"
    (tmp_path / "descriptors").mkdir()
    config = load_config(write(tmp_path, CATALOG_EXAMPLE))
    assert [s.type for s in config.ordered()] == ["backstage", "github", "pagerduty", "kubernetes"]
    assert config.schedule.interval_minutes == 15

"""The README stays true: its configuration table and its commands match the code."""

from __future__ import annotations

import re
from pathlib import Path

from catalog.cli import build_parser
from catalog.settings import settings_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_configuration_table_matches_the_settings_class() -> None:
    block = re.search(r"<!-- settings:begin[^>]*-->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert block, "README lost its settings markers"
    assert block.group(1) == settings_table(), "README configuration table is stale: paste catalog.settings.settings_table()"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README and "make demo" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_documented_cli_command_exists() -> None:
    parser = build_parser()
    for command in ("import backstage x", "serve", "demo --no-serve"):
        args = parser.parse_args(command.split())
        assert args.command == command.split()[0]

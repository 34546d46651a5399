"""The shipped deployment is secure by default: the image and compose file ask for tokens, say how
to make the first one, and keep the Neo4j password off command lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from catalog.cli import build_parser
from catalog.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_image_and_compose_start_with_token_auth_and_say_how_to_make_the_first_token() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV .*CATALOG_AUTH=token", dockerfile, re.M)
    assert "catalog token create" in dockerfile
    assert COMPOSE["services"]["catalog"]["environment"]["CATALOG_AUTH"] == "token"
    assert "catalog token create" in (ROOT / "docker-compose.yml").read_text()
    assert "CATALOG_GRAPHIQL" not in COMPOSE["services"]["catalog"]["environment"]


def test_no_neo4j_password_on_a_command_line() -> None:
    for name, service in COMPOSE["services"].items():
        commands = [service.get("command"), service.get("entrypoint"), (service.get("healthcheck") or {}).get("test")]
        text = json.dumps([c for c in commands if c])
        assert "NEO4J_PASSWORD}" not in text.replace("NEO4J_PASSWORD=", ""), name
        assert " -p " not in text and "--password" not in text, name
    for sub in ("serve", "sync", "token"):
        args = build_parser().parse_args([sub] if sub != "token" else ["token", "list"])
        assert not hasattr(args, "neo4j_password"), sub


def test_the_neo4j_password_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "neo4j-password"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("CATALOG_NEO4J_PASSWORD", raising=False)
    settings = Settings(neo4j_password_file=secret)
    assert settings.neo4j_password is not None and settings.neo4j_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    with pytest.raises(ValueError, match="CATALOG_NEO4J_PASSWORD_FILE"):
        Settings(neo4j_password_file=tmp_path / "missing")

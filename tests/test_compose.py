"""docker-compose.yml runs Neo4j 5.26 with a healthcheck and the catalog against it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_neo4j_is_the_5_26_lts_community_image_with_a_healthcheck() -> None:
    neo4j = COMPOSE["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])


def test_the_catalog_waits_for_a_healthy_neo4j_and_uses_a_routing_uri() -> None:
    catalog = COMPOSE["services"]["catalog"]
    assert catalog["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert catalog["environment"]["CATALOG_NEO4J_URI"].startswith("neo4j://neo4j:")
    assert (ROOT / catalog["build"]).joinpath("Dockerfile").exists()


def test_the_seed_service_syncs_the_bundled_demo_sources() -> None:
    import shlex

    from catalog.cli import build_parser

    command = COMPOSE["services"]["seed"]["command"]
    assert command[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in command[2].split("&&")]
    assert [step[:2] for step in steps] == [["catalog", "demo"], ["catalog", "sync"]]
    for step in steps:
        build_parser().parse_args(step[1:])  # every flag exists
    assert steps[0][-1] + "/catalog.yaml" == steps[1][-1]


def test_the_file_suits_compose_v2_and_debians_docker_compose_1_29() -> None:
    # docker-compose 1.29 refuses a top-level `name:` ("Additional properties are not allowed").
    assert set(COMPOSE) <= {"version", "services", "volumes", "networks", "configs", "secrets"}
    # `docker compose run --rm seed` on a fresh machine builds the image instead of failing to pull it.
    seed, catalog = COMPOSE["services"]["seed"], COMPOSE["services"]["catalog"]
    assert seed["build"] == catalog["build"] and seed["image"] == catalog["image"]


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="the docker compose CLI plugin is not installed")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(["docker", "compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

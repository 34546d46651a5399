"""Shared fixtures: a fresh store per test, on both engines.

The Neo4j server comes from, in order: ``NEO4J_URI`` if set; a testcontainers Neo4j 5.26
where a Docker engine answers; otherwise the launcher in ``tests/neo4j`` (Neo4j Community
jars from Maven Central, started embedded with Bolt on a free localhost port). Under
``CI=true`` a Neo4j that cannot be started fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from catalog.store.base import GraphStore
from catalog.store.embedded import EmbeddedStore
from catalog.store.neo4j_store import Neo4jStore

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.neo4j.launcher import EmbeddedNeo4j  # noqa: E402

NEO4J_IMAGE = "neo4j:5.26-community"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    if uri := os.environ.get("NEO4J_URI"):
        yield uri
        return
    try:
        if _docker_answers():
            from testcontainers.neo4j import Neo4jContainer

            with Neo4jContainer(NEO4J_IMAGE).with_env("NEO4J_AUTH", "none") as container:
                yield container.get_connection_url()
            return
        with EmbeddedNeo4j() as server:
            yield server.routing_uri
    except Exception as exc:
        if IN_CI:
            raise
        pytest.skip(f"no Neo4j could be started ({exc}); set NEO4J_URI or install Java 17 and Maven")


_neo4j_stores: list[Neo4jStore] = []


@pytest.fixture(scope="session")
async def _close_neo4j_stores() -> AsyncIterator[None]:
    yield
    for neo in _neo4j_stores:
        await neo.close()


async def _neo4j_store(uri: str) -> Neo4jStore:
    """One driver for the whole session, created on first use so embedded-only runs start no JVM."""
    if not _neo4j_stores:
        neo = Neo4jStore(uri, user=os.environ.get("NEO4J_USER"), password=os.environ.get("NEO4J_PASSWORD"))
        await neo.connect()
        await neo.ensure_schema()
        _neo4j_stores.append(neo)
    return _neo4j_stores[0]


@pytest.fixture(params=["embedded", "neo4j"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, _close_neo4j_stores: None) -> AsyncIterator[GraphStore]:
    """A fresh, empty store with the schema in place, once per engine."""
    if request.param == "embedded":
        embedded = EmbeddedStore(tmp_path / "catalog.lbdb")
        await embedded.ensure_schema()
        embedded.round_trips = 0
        yield embedded
        await embedded.close()
        return
    neo = await _neo4j_store(request.getfixturevalue("neo4j_uri"))
    await neo.write("MATCH (n) DETACH DELETE n")
    neo.round_trips = 0
    yield neo

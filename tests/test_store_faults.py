"""A Neo4j that stalls or dies under the catalog: fast, clear errors, recovery, nothing lost.

A dedicated Neo4j from the repository's launcher (``tests/neo4j/launcher.py``), so these tests
can pause its JVM (SIGSTOP, then SIGCONT) and kill it mid-sync (SIGKILL, then a restart on the
same data and port) without disturbing the shared test server. Every bound below only tells
an answer from a hang: the measured figures are in the README and the closing note.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from unittest import mock

import httpx
import pytest

from catalog.answers.audits import AuditFilter, AuditKind, audits
from catalog.api.app import create_app
from catalog.settings import Settings
from catalog.store.base import StoreTimeouts
from catalog.store.neo4j_store import Neo4jStore
from tests._api_fixtures import answer_of, api_settings
from tests.neo4j import launcher
from tests.neo4j.launcher import EmbeddedNeo4j
from tests.test_read_layer import shop

pytestmark = pytest.mark.neo4j

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TIMEOUTS = StoreTimeouts(query=5.0, connection=3.0, acquisition=3.0, retry=2.0)
"""Short limits, so a stall is detected in seconds (a cold JVM on a busy machine plans a query in a few)."""
ENV = {
    "CATALOG_QUERY_TIMEOUT": "5",
    "CATALOG_NEO4J_CONNECTION_TIMEOUT": "3",
    "CATALOG_NEO4J_CONNECTION_ACQUISITION_TIMEOUT": "3",
    "CATALOG_NEO4J_MAX_TRANSACTION_RETRY_TIME": "2",
}
NO_HANG = 20.0
"""Seconds after which an answer that has not come counts as a hang."""
PEOPLE, TEAMS = 6000, 300


class RestartableNeo4j(EmbeddedNeo4j):
    """The launcher's Neo4j, with its JVM paused and resumed, or killed and restarted on the same data and port."""

    def pause(self) -> None:
        os.kill(self._running_pid(), signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self._running_pid(), signal.SIGCONT)

    def kill(self) -> None:
        proc = self._proc
        assert proc is not None
        proc.kill()
        proc.wait()
        self._kept = self._data_dir
        self._data_dir = None  # stop() must not delete what the restart recovers
        self.stop()

    def restart(self) -> None:
        with mock.patch.object(launcher.tempfile, "mkdtemp", return_value=str(self._kept)):
            self.start()

    def _running_pid(self) -> int:
        pid = self.pid
        assert pid is not None
        return pid


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[RestartableNeo4j]:
    neo = RestartableNeo4j(port=_free_port(), heap="512m", pagecache_mb=64)
    try:
        neo.start()
    except Exception as exc:
        if IN_CI:
            raise
        pytest.skip(f"no Neo4j could be started ({exc}); install Java 17 and Maven")
    yield neo
    with contextlib.suppress(Exception):
        neo.resume()
    neo.stop()


@pytest.fixture
async def neo(server: RestartableNeo4j) -> AsyncIterator[Neo4jStore]:
    store = Neo4jStore(server.uri, timeouts=TIMEOUTS)
    await store.connect()
    await store.ensure_schema()
    await store.write("MATCH (n) DETACH DELETE n")
    yield store
    await store.close()


def http(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test")  # type: ignore[arg-type]


# The fixture syncs one source without the reconcile step, so its owner is that source's claim.
LOOKUP = {"query": '{ service(name: "checkout") { name ownershipClaims { owner { ... on Team { name } } } } }'}
ANSWER = {"data": {"service": {"name": "checkout", "ownershipClaims": [{"owner": {"name": "payments"}}]}}}


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(request, NO_HANG)
    return response, time.monotonic() - started


def catalog(*args: str, uri: str, patient: bool = False) -> subprocess.CompletedProcess[str]:
    """The ``catalog`` command in its own process, on the test server, with short store limits (the defaults when
    ``patient``: a restarted JVM on a busy machine writes its first batches slowly)."""
    env = {**os.environ, **({} if patient else ENV), "CATALOG_NEO4J_URI": uri}
    return subprocess.run([sys.executable, "-m", "catalog.cli", *args], capture_output=True, text=True, env=env, timeout=120)


def one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("catalog: ")]
    assert len(lines) == 1, stderr
    return lines[0]


async def test_a_paused_neo4j_gets_fast_clear_errors_and_everything_answers_again_on_resume(
    server: RestartableNeo4j, neo: Neo4jStore
) -> None:
    await shop().sync(neo)
    app = create_app(api_settings(readiness_timeout=1.0), store=neo)
    async with http(app) as client:
        assert answer_of(await client.post("/graphql", json=LOOKUP)) == ANSWER

        server.pause()
        try:
            live, live_took = await timed(client.get("/healthz"))
            assert live.status_code == 200 and live.json() == {"status": "ok"}
            ready, ready_took = await timed(client.get("/readyz"))
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "reason": "the store did not answer within 1 s"}
            lookup, lookup_took = await timed(client.post("/graphql", json=LOOKUP))
            body = lookup.json()
            assert body["data"] is None or body["data"]["service"] is None
            assert body["errors"], body
            assert {e["extensions"]["code"] for e in body["errors"]} <= {"STORE_UNAVAILABLE", "QUERY_TIMEOUT"}, body
            assert "127.0.0.1" not in lookup.text, "a client is never told where the store is"
            cli = await asyncio.to_thread(catalog, "who-owns", "checkout", uri=server.uri)
            assert cli.returncode == 3
            line = one_clear_line(cli.stderr)
            assert "Neo4j at" in line and "CATALOG_" in line, line
            print(f"\npaused: /healthz {live_took:.2f} s, /readyz 503 in {ready_took:.2f} s, GraphQL lookup error in {lookup_took:.2f} s")
        finally:
            server.resume()

        assert await ready_within(client, NO_HANG), "ready again once the database resumes"
        assert await lookup_answers_within(client, NO_HANG)


async def lookup_answers_within(client: httpx.AsyncClient, seconds: float) -> bool:
    """Whether the lookup gets its full answer within ``seconds``, asked again after each error (a restarted JVM plans
    its first queries slowly, past the short query limit these tests set)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answer_of(await client.post("/graphql", json=LOOKUP)) == ANSWER:
            return True
        await asyncio.sleep(0.5)
    return False


async def ready_within(client: httpx.AsyncClient, seconds: float) -> bool:
    """Whether /readyz says ready within ``seconds``, polled as an orchestrator would (a cold JVM answers its first queries slowly)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready = await client.get("/readyz")
        if ready.status_code == 200:
            assert ready.json() == {"status": "ready"}
            return True
        await asyncio.sleep(0.5)
    return False


def write_people_and_teams(root: Path) -> Path:
    docs = [f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\nspec:\n  type: team\n" for t in range(TEAMS)]
    docs += [
        f"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: person-{p}\nspec:\n  memberOf: [team-{p % TEAMS}]\n"
        for p in range(PEOPLE)
    ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "catalog-info.yaml").write_text("---\n".join(docs))
    return root


async def facts(store: Neo4jStore) -> tuple[int, int, int]:
    """The current people, teams and memberships the `hr` source holds."""
    people = await store.read("MATCH (p:Person) WHERE p.source_instance = 'hr' AND p.retired_at IS NULL RETURN count(p) AS n")
    teams = await store.read("MATCH (t:Team) WHERE t.source_instance = 'hr' AND t.retired_at IS NULL RETURN count(t) AS n")
    members = await store.read(
        "MATCH (:Person)-[m:MEMBER_OF]->(:Team) WHERE m.source_instance = 'hr' AND m.active = true RETURN count(m) AS n"
    )
    return int(people[0]["n"]), int(teams[0]["n"]), int(members[0]["n"])


async def test_a_neo4j_killed_mid_sync_leaves_a_visible_interrupted_run_and_a_re_sync_restores_everything(
    server: RestartableNeo4j, neo: Neo4jStore, tmp_path: Path
) -> None:
    await shop().sync(neo)
    before = await neo.read("MATCH (n) WHERE n.source_instance = 'test-catalog' RETURN count(n) AS n")
    descriptors = write_people_and_teams(tmp_path / "hr")
    args = ("import", "backstage", str(descriptors), "--instance", "hr")

    sync = asyncio.create_task(asyncio.to_thread(catalog, *args, uri=server.uri))
    # Kill the database once the sync has recorded its first writes (its run says started, with progress).
    while True:
        assert not sync.done(), (await sync).stderr
        rows = await neo.read("MATCH (r:ImportRun) WHERE r.source_instance = 'hr' RETURN r.status AS status, r.written AS written")
        if rows and rows[0]["written"] not in (None, "{}"):
            break
        await asyncio.sleep(0.02)
    server.kill()
    killed_at = time.monotonic()
    result = await asyncio.wait_for(sync, NO_HANG + 30)
    sync_took = time.monotonic() - killed_at
    assert result.returncode == 3
    line = one_clear_line(result.stderr)
    assert "Neo4j at" in line and "is unavailable" in line and "CATALOG_NEO4J_URI" in line, line

    app = create_app(api_settings(readiness_timeout=1.0), store=neo)
    async with http(app) as client:
        ready, ready_took = await timed(client.get("/readyz"))
        # Refused connections are retried (a cluster member may be restarting) until the readiness limit.
        assert ready.status_code == 503
        assert ready.json()["reason"] in ("the store is unreachable or failing", "the store did not answer within 1 s")
        assert (await client.get("/healthz")).status_code == 200
        lookup, lookup_took = await timed(client.post("/graphql", json=LOOKUP))
        assert lookup.json()["errors"]
        assert {e["extensions"]["code"] for e in lookup.json()["errors"]} <= {"STORE_UNAVAILABLE", "QUERY_TIMEOUT"}
        assert "127.0.0.1" not in lookup.text
        print(f"\nkilled: the sync exited {sync_took:.2f} s after; /readyz 503 in {ready_took:.2f} s, lookup error in {lookup_took:.2f} s")

        await asyncio.to_thread(server.restart)
        assert await ready_within(client, NO_HANG), "ready again once the database is back"
        assert await lookup_answers_within(client, NO_HANG), "what was there before the sync is still there"

        half = await facts(neo)
        assert half[2] < PEOPLE, "the kill came before the sync wrote every membership"
        found = await audits(neo, AuditFilter(kinds=(AuditKind.INTERRUPTED_SYNC,)))
        [audit] = (await found.page(10)).audits
        assert audit.subject.key == "hr" and "stopped without a word" in audit.message and "it had written" in audit.message
        graphql = await client.post(
            "/graphql", json={"query": "{ audits(filter: {kinds: [INTERRUPTED_SYNC]}) { totalCount edges { node { message } } } }"}
        )
        assert graphql.json()["data"]["audits"]["totalCount"] == 1

        again = await asyncio.to_thread(catalog, *args, uri=server.uri, patient=True)
        assert again.returncode == 0, again.stderr
        assert await facts(neo) == (PEOPLE, TEAMS, PEOPLE)
        statuses = await neo.read(
            "MATCH (r:ImportRun) WHERE r.source_instance = 'hr' RETURN r.status AS status, r.superseded_by AS by ORDER BY r.started_at"
        )
        assert [r["status"] for r in statuses] == ["interrupted", "finished"]
        assert statuses[0]["by"] is not None
        assert (await (await audits(neo, AuditFilter(kinds=(AuditKind.INTERRUPTED_SYNC,)))).page(10)).audits == ()
        after = await neo.read("MATCH (n) WHERE n.source_instance = 'test-catalog' RETURN count(n) AS n")
        assert after == before
        assert answer_of(await client.post("/graphql", json=LOOKUP)) == ANSWER


def test_a_sync_against_a_paused_neo4j_fails_fast_in_one_line_and_a_later_sync_completes(server: RestartableNeo4j, tmp_path: Path) -> None:
    descriptors = write_people_and_teams(tmp_path / "hr")
    server.pause()
    try:
        started = time.monotonic()
        result = catalog("import", "backstage", str(descriptors), "--instance", "paused", uri=server.uri)
        took = time.monotonic() - started
    finally:
        server.resume()
    assert result.returncode == 3
    line = one_clear_line(result.stderr)
    assert "did not answer" in line, line
    print(f"\npaused: `catalog import` exited 3 after {took:.2f} s")
    assert catalog("import", "backstage", str(descriptors), "--instance", "paused", uri=server.uri, patient=True).returncode == 0


def test_the_settings_set_the_limits_the_subprocesses_above_run_with() -> None:
    from catalog.store import store_timeouts

    settings = Settings(**{k.removeprefix("CATALOG_").lower(): float(v) for k, v in ENV.items()})  # type: ignore[arg-type]
    assert store_timeouts(settings) == TIMEOUTS

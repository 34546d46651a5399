"""The benchmark runs end to end at scale S on the embedded store: every row, no errors, some throughput.

No timing is asserted: the run is as short as it can be (half a second of load per query), only
to prove that the generator, both imports, the direct calls, the server, the load generator and
the table all work together.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bench.loadgen import percentile
from bench.queries import build_queries
from bench.run import REPO, change_components

ROWS = [
    "import: first load",
    "import: re-sync, 1% changed",
    "graphql: trivial { __typename }",
    "graphql: owner lookup",
    "graphql: whoOwns(pod name)",
    "graphql: onCall now",
    "graphql: service page",
    "graphql: blastRadius depth 3",
    "graphql: blastRadius depth 5",
    "graphql: team services page of 100",
    "graphql: adoption",
    "memory: server peak RSS",
    "memory: store on disk",
]


def test_scale_s_on_the_embedded_store(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--scale",
        "S",
        "--duration",
        "0.5",
        "--warmup",
        "0.1",
        "--direct-calls",
        "5",
        "--concurrency",
        "4",
    ]
    command += ["--workdir", str(tmp_path / "work"), "--json", str(out)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=170, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"

    table = done.stdout
    for row in ROWS:
        assert row in table, f"no row {row!r} in\n{table}"
    for header in ("machine: ", "scale: S", "command: python -m bench --scale S", "p50 ms", "p99 ms", "req/s", "x trivial", "x direct"):
        assert header in table

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["table"] == table.rstrip("\n")
    first, resync = results["import"]
    assert first["created"] > 10_000 and first["failed"] == [] and first["facts_per_second"] > 0
    assert resync["updated"] > 0 and resync["failed"] == [] and resync["facts_per_second"] > 0
    assert len(results["queries"]) == len(ROWS) - 4
    for query in results["queries"]:
        assert query["errors"] == 0, query["error_samples"]
        assert query["requests"] > 0 and query["rps"] > 0, query
        assert query["p50_ms"] > 0 and query["p99_ms"] >= query["p50_ms"]
        if query["name"] != "trivial { __typename }":
            assert query["direct_error"] is None and query["direct_calls"] >= 3 and query["vs_direct"] > 0, query
            assert query["vs_trivial"] > 0
    memory = results["memory"]
    assert memory["store_bytes"] > 0
    if Path("/proc/self/status").exists():
        assert memory["server_peak_rss_bytes"] > 0

    # The store the run left behind serves the in-process comparison too.
    inproc = subprocess.run(
        [sys.executable, "-m", "bench.inproc", str(tmp_path / "work" / "catalog.lbdb"), "--only", "owner", "--calls", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert inproc.returncode == 0, inproc.stderr
    assert "owner lookup (service + owners)" in inproc.stdout and "direct p50" in inproc.stdout
    pages = subprocess.run(
        [sys.executable, "-m", "bench.inproc", str(tmp_path / "work" / "catalog.lbdb"), "--only", "service page", "--calls", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert pages.returncode == 0, pages.stderr
    assert "service page" in pages.stdout and "page p50" in pages.stdout


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.5
    assert percentile(values, 99) == 99.01
    assert percentile([3.0], 95) == 3.0


def test_every_hundredth_component_changes(tmp_path: Path) -> None:
    docs = [{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "a"}, "spec": {"type": "team"}}]
    for i in range(250):
        spec = {"type": "service", "lifecycle": "production", "owner": f"team-{i % 3}"}
        docs.append({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": f"svc-{i}"}, "spec": spec})
    (tmp_path / "descriptors").mkdir()
    (tmp_path / "descriptors" / "all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    config = tmp_path / "catalog.yaml"
    config.write_text(yaml.safe_dump({"sources": [{"type": "backstage", "paths": ["descriptors"]}]}), encoding="utf-8")

    changed = change_components(config)

    assert (changed.components, changed.owners) == (3, 1)
    after = [d for d in yaml.safe_load_all((tmp_path / "descriptors" / "all.yaml").read_text(encoding="utf-8")) if d["kind"] == "Component"]
    edited = [d["metadata"]["name"] for d in after if "changed by the benchmark" in d["metadata"].get("description", "")]
    assert edited == ["svc-0", "svc-100", "svc-200"]
    assert [d["spec"]["owner"] for d in after if d["metadata"]["name"] == "svc-100"] == ["team-0"]


def test_queries_cover_every_question() -> None:
    from bench.queries import Targets

    targets = Targets(["a", "b"], ["a-bcdfghjklm-bcdfg"], "hub", 3, "team", "default", 120)
    queries = build_queries(targets, max_depth=10)
    assert queries[0].direct is None and all(q.direct is not None for q in queries[1:])
    firsts = [q.name.split(" ")[0] for q in queries]
    assert firsts == ["trivial", "owner", "whoOwns(pod", "onCall", "service", "blastRadius", "blastRadius", "team", "adoption"]
    # Each answer a page shows is compared with that page (bench.inproc's third column).
    pages = [q.page(q.variables[0]) if q.page is not None else None for q in queries]
    assert pages == [
        None,
        None,
        "/?q=a-bcdfghjklm-bcdfg",
        None,
        "/service/component:default/a",
        "/service/component:default/hub/breaks?depth=3",
        "/service/component:default/hub/breaks?depth=5",
        "/team/group:default/team",
        "/platform",
    ]


@pytest.mark.neo4j
async def test_the_neo4j_read_comparison_runs_every_way(neo4j_uri: str) -> None:
    from bench.neo4j_reads import main

    table = await main(neo4j_uri, sequential=20, concurrent=32)
    assert [row[0] for row in table] == ["execute_query", "execute_query, no bookmarks", "execute_read", "auto-commit (Neo4jStore)"]
    assert all(wall > 0 and rate > 0 for _, wall, _, rate, _ in table)

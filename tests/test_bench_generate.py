"""The benchmark's synthetic company: deterministic, the promised size, and it syncs through the real importers."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.generate import SCALES, build, generate, main
from catalog.config import load_config
from catalog.runner import sync_sources
from catalog.store.base import GraphStore

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def company_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scale S generated once, with shifts around the real now (the PagerDuty importer reads around it)."""
    return generate("S", tmp_path_factory.mktemp("bench") / "S")


def test_the_same_seed_writes_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scale", "S", "--out", str(tmp_path / "a"), "--seed", "7", "--now", "2026-11-20T03:00Z"]) == 0
    printed = capsys.readouterr().out
    assert "teams 200" in printed and "services 1,000" in printed and "files " in printed and "seconds " in printed
    build("S", tmp_path / "b", seed=7, now=NOW)
    first, second = hashes(tmp_path / "a"), hashes(tmp_path / "b")
    assert len(first) > 1000
    assert first == second
    build("S", tmp_path / "c", seed=8, now=NOW)
    assert hashes(tmp_path / "c") != first


def test_scale_s_is_the_promised_size(tmp_path: Path) -> None:
    result = build("S", tmp_path / "S", now=NOW)
    out, counts, scale = tmp_path / "S", result.counts, SCALES["S"]
    assert (counts.teams, counts.services, counts.repositories, counts.people) == (200, 1000, 1000, 1000)
    assert (counts.dependencies, counts.escalation_policies, counts.schedules) == (scale.dependencies, 200, 200)
    assert SCALES["L"].services == 5 * SCALES["M"].services and SCALES["M"].dependencies == 100_000

    # Backstage: what the descriptors declare.
    kinds: Counter[str] = Counter()
    components: dict[str, Any] = {}
    for path in sorted((out / "backstage").rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(), Loader=_Loader):
            kinds[doc["kind"]] += 1
            if doc["kind"] == "Component":
                components[doc["metadata"]["name"]] = doc
    assert kinds["Group"] == 200 and kinds["Component"] == 1000 and kinds["User"] == 1000
    assert kinds["Domain"] == 4 and kinds["System"] == counts.systems and kinds["Resource"] == counts.platforms
    depends = {name: [d.removeprefix("component:") for d in c["spec"].get("dependsOn", [])] for name, c in components.items()}
    assert sum(len(d) for d in depends.values()) == 5000
    fan_in = Counter(d for deps in depends.values() for d in deps)
    assert fan_in.most_common(1)[0][1] >= 300  # a hub a third of the company depends on
    # Acyclic: repeatedly strip services nothing left depends on.
    remaining = dict(depends)
    while remaining:
        leaves = [n for n, deps in remaining.items() if not any(d in remaining for d in deps)]
        assert leaves, "the dependency graph has a cycle"
        for n in leaves:
            del remaining[n]

    # GitHub, PagerDuty and Kubernetes.
    repos = [r for line in (out / "github" / "repos.json").read_text().splitlines() for r in json.loads(line)]
    assert len(repos) == 1000
    assert len(json.loads((out / "github" / "teams.json").read_text())) == 200
    pd = out / "pagerduty"
    assert json.loads((pd / "escalation_policies.json").read_text())["total"] == 200
    schedules = json.loads((pd / "schedules.json").read_text())["schedules"]
    assert len(schedules) == 200 and all((pd / "schedules" / f"{s['id']}.json").is_file() for s in schedules)
    assert json.loads((pd / "users.json").read_text())["total"] >= 1000
    oncalls = json.loads((pd / "oncalls.json").read_text())["oncalls"]
    spans: dict[str, tuple[str, str]] = {}
    for entry in oncalls:
        if entry["schedule"] is not None:
            sid = entry["schedule"]["id"]
            low, high = spans.get(sid, (entry["start"], entry["end"]))
            spans[sid] = (min(low, entry["start"]), max(high, entry["end"]))
    window = ((NOW - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), (NOW + timedelta(days=23)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert len(spans) == 200
    assert all(low <= window[0] and high >= window[1] for low, high in spans.values())
    manifests = sorted((out / "kubernetes").rglob("*.yaml"))
    objects = [o for path in manifests for o in yaml.load(path.read_text(), Loader=_Loader)["items"]]
    assert sum(1 for o in objects if o["kind"] in ("Deployment", "StatefulSet", "CronJob")) == counts.workloads
    assert {p.parent.name for p in manifests} == {"prod-eu", "prod-us", "data-k8s"}


async def test_scale_s_syncs_through_every_importer(store: GraphStore, company_s: Path) -> None:
    outcomes = await sync_sources(store, load_config(company_s))
    assert [(o.instance, o.error) for o in outcomes if o.failed] == []
    assert all(o.report is not None and o.report.complete for o in outcomes)
    types = [o.type for o in outcomes]
    sources = ["backstage", "github", "pagerduty", "kubernetes", "kubernetes", "kubernetes"]
    assert types == [*sources, "reconcile", "adoption", "build-run", "audits"]

    findings = Counter((f.kind, f.severity) for o in outcomes if o.report for f in o.report.findings)
    expected = {
        ("missing-field", "warning"),  # services without an owner
        ("no-codeowners", "info"),
        ("invalid-codeowners", "error"),
        ("discovered-service", "info"),  # CronJobs nobody declared: discovered services
        ("unowned-workloads", "info"),
        ("owner-conflict", "warning"),  # CODEOWNERS or a workload label naming another team
    }
    assert set(findings) <= expected, findings
    assert {"owner-conflict", "invalid-codeowners", "discovered-service"} <= {kind for kind, _ in findings}
    # PagerDuty services no descriptor declares are discovered (they were unmatched-pagerduty-service before discovery).
    assert "pagerduty" in {o.type for o in outcomes if o.report for f in o.report.findings if f.kind == "discovered-service"}
    assert sum(findings.values()) < 200

    [row] = await store.read(
        "MATCH (s:Service) WHERE s.retired_at IS NULL AND (s.discovered IS NULL OR s.discovered = false) RETURN count(s) AS n"
    )
    assert row["n"] == 1000
    [row] = await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL AND s.discovered = true RETURN count(s) AS n")
    # One finding per source that saw it (a cluster, PagerDuty), so a service seen twice has two.
    assert 0 < row["n"] <= findings[("discovered-service", "info")]
    [row] = await store.read(
        "MATCH (s:Service)-[r:RUNS_ON]->(p:Platform) WHERE r.active = true AND p.standard = true RETURN count(DISTINCT s) AS n"
    )
    assert 600 <= row["n"] <= 900  # most, not all: adoption is interesting
    [row] = await store.read("MATCH (:OnCallShift)-[r:SHIFT_OF]->(:EscalationPolicy) WHERE r.active = true RETURN count(r) AS n")
    assert row["n"] >= 1000
    [row] = await store.read(
        "MATCH (:Service)-[r:DEPENDS_ON]->(:Service) WHERE r.active = true AND r.source = 'backstage' RETURN count(r) AS n"
    )
    assert row["n"] == 5000

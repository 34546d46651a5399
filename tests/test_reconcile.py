"""Owners across sources: each source keeps its evidence, one owner is resolved, conflicts are findings."""

from __future__ import annotations

from catalog.core.records import ImportBatch, NodeRecord, RelRecord
from catalog.reconcile import reconcile
from catalog.store.base import GraphStore
from catalog.sync import sync

T0, T1, T2 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3))
SVC = "component:default/checkout"


def team(name: str) -> NodeRecord:
    return NodeRecord("Team", f"group:default/{name}", {"name": name, "namespace": "default"}, "teams.yaml#0")


def owns(source_team: str, evidence: str, strength: str = "declared") -> RelRecord:
    return RelRecord("OWNS", "Team", f"group:default/{source_team}", "Service", SVC, "x#0", {"evidence": evidence, "strength": strength})


async def seed(store: GraphStore, kubernetes_owner: str) -> None:
    service = NodeRecord("Service", SVC, {"name": "checkout", "namespace": "default"}, "services.yaml#0")
    await sync(
        store,
        ImportBatch("backstage", "bs", nodes=[service, team("payments"), team("platform")], rels=[owns("payments", "spec.owner")]),
        now=T0,
    )
    k8s = ImportBatch("kubernetes", "kubernetes:prod", rels=[owns(kubernetes_owner, "label team", "inferred")])
    await sync(store, k8s, now=T0)


async def resolved(store: GraphStore) -> list[dict[str, object]]:
    return await store.read(
        "MATCH (t:Team)-[r:ACCOUNTABLE_FOR]->(s:Service) RETURN t.name AS owner, r.rule AS rule, r.sources AS sources, "
        "r.strength AS strength, r.active AS active, r.retired_at AS retired ORDER BY r.first_seen"
    )


async def test_agreeing_sources_resolve_one_owner_with_both_as_evidence_and_no_finding(store: GraphStore) -> None:
    await seed(store, kubernetes_owner="payments")
    batch = await reconcile(store, ["backstage", "kubernetes"])
    assert batch.findings == []
    await sync(store, batch, now=T1)
    assert await resolved(store) == [
        {
            "owner": "payments",
            "rule": "backstage comes first in ownership.precedence",
            "sources": ["backstage", "kubernetes"],
            "strength": "declared",
            "active": True,
            "retired": None,
        }
    ]


async def test_disagreeing_sources_make_a_finding_and_precedence_decides(store: GraphStore) -> None:
    await seed(store, kubernetes_owner="platform")
    batch = await reconcile(store, ["backstage", "kubernetes"])
    [finding] = batch.findings
    assert (finding.kind, finding.severity, finding.subject) == ("owner-conflict", "warning", SVC)
    assert "backstage says group:default/payments (spec.owner)" in finding.message
    assert "kubernetes says group:default/platform (label team)" in finding.message
    assert "The catalog answers group:default/payments" in finding.message
    await sync(store, batch, now=T1)
    assert [r["owner"] for r in await resolved(store)] == ["payments"]


async def test_changing_the_precedence_changes_the_owner_and_keeps_the_old_one_as_history(store: GraphStore) -> None:
    await seed(store, kubernetes_owner="platform")
    await sync(store, await reconcile(store, ["backstage", "kubernetes"]), now=T1)
    await sync(store, await reconcile(store, ["kubernetes", "backstage"]), now=T2, force=True)
    rows = await resolved(store)
    assert [(r["owner"], r["active"], r["retired"]) for r in rows] == [("payments", False, T2), ("platform", True, None)]


async def test_an_unlisted_source_comes_after_listed_ones(store: GraphStore) -> None:
    await seed(store, kubernetes_owner="platform")
    batch = await reconcile(store, ["kubernetes"])
    await sync(store, batch, now=T1)
    assert [r["owner"] for r in await resolved(store)] == ["platform"]


async def test_only_the_winning_sources_strongest_evidence_names_owners(store: GraphStore) -> None:
    service = NodeRecord("Service", SVC, {"name": "checkout", "namespace": "default"}, "services.yaml#0")
    rels = [owns("payments", "CODEOWNERS line 1", "declared"), owns("platform", "team permission admin", "inferred")]
    await sync(store, ImportBatch("github", "github:acme", nodes=[service, team("payments"), team("platform")], rels=rels), now=T0)
    batch = await reconcile(store, ["github"])
    assert batch.findings == []
    await sync(store, batch, now=T1)
    assert [(r["owner"], r["strength"]) for r in await resolved(store)] == [("payments", "declared")]

"""Kubernetes read as a cluster is: from manifests alone, services, owners, platform and calls answer.

The fixture (``tests/fixtures/fidelity/kubernetes``, see its README) is a cluster that no
descriptor describes: only the teams are declared. Its workloads become discovered services,
which a descriptor later claims; two copies of one Deployment are told apart by the documented
rule, whatever their file names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from catalog.answers.audits import audits
from catalog.answers.blast_radius import blast_radius
from catalog.answers.ownership import who_owns
from catalog.config import load_config
from catalog.read import CatalogReader
from catalog.runner import sync_sources
from catalog.store.base import GraphStore

FIXTURE = Path(__file__).parent / "fixtures" / "fidelity" / "kubernetes"
T1, T2 = "2026-11-20T12:00:00.000000Z", "2026-11-21T12:00:00.000000Z"
CART, CHECKOUT = "component:discovered/cart", "component:discovered/checkout"
DECLARED_CART = "component:default/cart"
STOREFRONT, PAYMENTS = "group:default/storefront-team", "group:default/payments-team"


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "fidelity"
    shutil.copytree(FIXTURE, root)
    return root


async def sync(store: GraphStore, root: Path, now: str) -> None:
    outcomes = await sync_sources(store, load_config(root / "catalog.yaml"), now=now)
    assert [o.error for o in outcomes if o.failed] == []


async def test_a_cluster_alone_gives_discovered_services_with_owners_platform_and_dependencies(store: GraphStore, tmp_path: Path) -> None:
    await sync(store, copy(tmp_path), T1)

    rows = await store.read(
        "MATCH (s:Service) WHERE s.retired_at IS NULL RETURN s.id AS id, s.discovered AS discovered, s.discovery AS discovery ORDER BY id"
    )
    assert [(r["id"], r["discovered"]) for r in rows] == [(CART, True), (CHECKOUT, True)]
    assert "kubernetes:prod-eu Deployment shop/cart" in rows[0]["discovery"]

    # Owners come from the configured owner keys, recorded as this source's evidence.
    owned = await who_owns(store, "shop/cart")
    [cart] = owned.matches
    assert cart.key == CART and [o.key for o in cart.owners] == [STOREFRONT]
    assert [(c.source, c.evidence) for c in cart.owner_evidence] == [
        ("kubernetes", "label team=storefront-team on prod-eu/shop/Deployment/cart")
    ]
    assert [(p.key, p.standard) for p in cart.platforms] == [("platform:default/k8s-standard", True)]
    [checkout] = (await who_owns(store, "checkout")).matches
    assert [o.key for o in checkout.owners] == [PAYMENTS]
    assert "app.kubernetes.io/part-of=payments-team" in (checkout.owner_evidence[0].evidence or "")

    # The call found in cart's environment is a service dependency: checkout going down hits cart's team.
    impact = await blast_radius(CatalogReader(store), "shop/checkout", max_depth=5, at=T1)
    assert impact.service is not None and impact.service.key == CHECKOUT
    assert [(t.key, [s.key for s in t.services]) for t in impact.teams] == [(STOREFRONT, [CART])]

    # Audits list the discovered services so that someone claims them.
    page = await (await audits(CatalogReader(store), now=T1)).page(100)
    discovered = sorted(a.subject.key for a in page.audits if a.finding_kind == "discovered-service")
    assert discovered == [CART, CHECKOUT]


async def test_of_two_copies_of_a_deployment_the_newer_wins_and_the_finding_names_both_files(store: GraphStore, tmp_path: Path) -> None:
    await sync(store, copy(tmp_path), T1)
    [row] = await store.read("MATCH (w:Workload {name: 'cart'}) RETURN w.replicas AS replicas, w.images AS images")
    # cluster/old-export.yaml sorts before cluster/workloads.yaml; its copy is older (resourceVersion 9981 < 10412).
    assert row == {"replicas": 3, "images": ["registry.example/shop/cart:2.4.1"]}
    [finding] = await store.read("MATCH (f:Finding {kind: 'duplicate-object'}) WHERE f.retired_at IS NULL RETURN f.message AS message")
    assert "cluster/old-export.yaml" in finding["message"] and "cluster/workloads.yaml" in finding["message"]
    assert "newest resourceVersion, 10412" in finding["message"]


async def test_a_descriptor_that_declares_a_discovered_service_takes_its_place_and_history_keeps_both(
    store: GraphStore, tmp_path: Path
) -> None:
    root = copy(tmp_path)
    await sync(store, root, T1)
    shutil.copy(root / "claim" / "cart.yaml", root / "backstage" / "cart.yaml")
    await sync(store, root, T2)

    [owned] = (await who_owns(store, "shop/cart")).matches
    assert owned.key == DECLARED_CART and [o.key for o in owned.owners] == [STOREFRONT]
    [old] = await store.read(
        "MATCH (s:Service {id: $key}) RETURN s.first_seen AS first_seen, s.retired_at AS retired_at, s.discovered AS discovered",
        {"key": CART},
    )
    assert old == {"first_seen": T1, "retired_at": T2, "discovered": True}
    [claim] = await store.read(
        "MATCH (k:Service)-[r:CLAIMED_AS]->(d:Service) WHERE r.active = true RETURN k.id AS k, d.id AS d, r.evidence AS evidence"
    )
    assert (claim["k"], claim["d"]) == (CART, DECLARED_CART) and "workload shop/cart" in claim["evidence"]
    # The dependency now runs from the declared service; checkout is still discovered.
    rows = await store.read(
        "MATCH (a:Service)-[r:DEPENDS_ON]->(b:Service) WHERE r.active = true RETURN a.id AS a, b.id AS b",
    )
    assert [(r["a"], r["b"]) for r in rows] == [(DECLARED_CART, CHECKOUT)]
    # A later sync keeps the link (it is derived afresh every time) and creates no second service.
    await sync(store, root, "2026-11-22T12:00:00.000000Z")
    assert len(await store.read("MATCH (:Service)-[r:CLAIMED_AS]->(:Service) WHERE r.active = true RETURN r.evidence AS e")) == 1
    live = await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL RETURN s.id AS id ORDER BY id")
    assert [r["id"] for r in live] == [DECLARED_CART, CHECKOUT]

"""OpsLevel and Cortex descriptors as their users write them: display names, teams only they know, every alert source.

The fixture is ``tests/fixtures/fidelity/descriptors`` (see its README); every case runs on both stores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from catalog.answers.identify import identify
from catalog.answers.ownership import who_owns
from catalog.read import CatalogReader
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.backstage import read_backstage
from importers.descriptors import read_cortex, read_opslevel

FIXTURE = Path(__file__).parent / "fixtures" / "fidelity" / "descriptors"
ORDERS, GIFTS = "component:default/order-service", "component:default/gift-cards"
T0, T1 = "2026-11-20T12:00:00.000000Z", "2026-11-21T12:00:00.000000Z"


async def read_both(store: GraphStore, now: str) -> list[str]:
    """OpsLevel then Cortex, each against the index the sync command would load; the findings' kinds."""
    kinds: list[str] = []
    for read, root, instance in ((read_opslevel, "opslevel", "ol"), (read_cortex, "cortex", "cx")):
        index = await load_identity_index(store)
        report = await sync(store, read([FIXTURE / root], instance=instance, index=index), now=now)
        kinds += [f.kind for f in report.findings]
    return kinds


async def test_display_names_resolve_like_names_wherever_an_identifier_is_accepted(store: GraphStore) -> None:
    await read_both(store, T0)
    for text, key in (
        ("Order Service", ORDERS),
        ("order service", ORDERS),
        ("ORDER_SERVICE", ORDERS),
        ("orders", ORDERS),
        ("Gift Cards", GIFTS),
        ("gift cards!", GIFTS),
    ):
        found = await identify(CatalogReader(store), text)
        assert [m.key for m in found.matches] == [key], text


async def test_every_alert_source_and_tool_is_kept_as_an_identifier(store: GraphStore) -> None:
    await read_both(store, T0)
    rows = await store.read(
        "MATCH (i:Identifier)-[r:IDENTIFIES]->(s:Service) WHERE r.active = true AND i.scheme IN ['alert-source', 'pagerduty-service'] "
        "RETURN i.id AS id, s.id AS service ORDER BY id"
    )
    assert [(r["id"], r["service"]) for r in rows] == [
        ("ident:alert-source:datadog:73145921", ORDERS),
        ("ident:alert-source:newrelic:1130042", GIFTS),
        ("ident:alert-source:opsgenie:gift-cards-rota", GIFTS),
        ("ident:alert-source:opsgenie:order service alerts", ORDERS),
        ("ident:pagerduty-service:pord123", ORDERS),
    ]
    # A responder holding the alert answers with the service.
    assert [m.key for m in (await identify(CatalogReader(store), "datadog:73145921")).matches] == [ORDERS]


async def test_a_team_only_the_descriptor_names_is_its_own_until_another_source_declares_it(store: GraphStore, tmp_path: Path) -> None:
    kinds = await read_both(store, T0)
    assert kinds.count("source-only-team") == 2
    owners = {
        m.key: [(c.owner.key, c.strength) for c in m.owner_evidence]
        for m in (await who_owns(CatalogReader(store), "Order Service")).matches
    }
    assert owners == {ORDERS: [("group:opslevel/fulfilment-team", "inferred")]}
    [gifts] = (await who_owns(CatalogReader(store), "gift-cards")).matches
    assert [(c.owner.key, c.strength) for c in gifts.owner_evidence] == [("group:cortex/vouchers", "inferred")]

    # Backstage declares both teams; the next read links the ownership to them, and the stand-ins retire.
    teams = tmp_path / "teams.yaml"
    shutil.copy(FIXTURE / "backstage" / "teams.yaml", teams)
    await sync(store, read_backstage([teams], instance="bs"), now=T1)
    kinds = await read_both(store, T1)
    assert "source-only-team" not in kinds
    rows = await store.read(
        "MATCH (t:Team)-[r:OWNS]->(s:Service) RETURN t.id AS team, s.id AS service, r.active AS active, r.strength AS strength "
        "ORDER BY service, team"
    )
    assert [(r["team"], r["service"], r["active"], r["strength"]) for r in rows] == [
        ("group:cortex/vouchers", GIFTS, False, "inferred"),
        ("group:default/vouchers", GIFTS, True, "declared"),
        ("group:default/fulfilment-team", ORDERS, True, "declared"),
        ("group:opslevel/fulfilment-team", ORDERS, False, "inferred"),
    ]
    retired = await store.read("MATCH (t:Team) WHERE t.retired_at IS NOT NULL RETURN t.id AS id ORDER BY id")
    assert [r["id"] for r in retired] == ["group:cortex/vouchers", "group:opslevel/fulfilment-team"]

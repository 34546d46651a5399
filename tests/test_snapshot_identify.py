"""``IdentifyIndex`` answers identifier lookups as the Cypher reader does, whatever an identifier's key looks like.

The index holds identifiers by value (their key ``ident:{scheme}:{value}`` is not held again); an identifier
whose key is written otherwise is still found by its key, and one value under several schemes answers each
scheme's key with its own rows only.
"""

from __future__ import annotations

from catalog.read import CatalogReader
from catalog.read.snapshot import build_snapshot
from catalog.read.snapshot.identify import IdentifyFromSnapshot, IdentifyIndex
from catalog.store.base import GraphStore
from tests.test_read_layer import shop

IDENTIFIERS = [
    # (key, scheme, value, display, service)
    ("ident:hostname:checkout.shop", "hostname", "checkout.shop", "checkout.shop", "checkout"),
    ("ident:alias:checkout.shop", "alias", "checkout.shop", "Checkout.Shop", "payments"),
    ("ident:alias:pay", "alias", "pay", "pay", "payments"),
    ("ident:alias:pay", "alias", "pay", "pay", "ledger"),
    ("legacy:ledger-7", "alias", "ledger-7", "ledger-7", "ledger"),
    ("ident:url:https://x.example/a", "url", "https://x.example/a", "https://x.example/a", "search-api"),
]


async def test_identifier_lookups_answer_as_cypher_does(store: GraphStore) -> None:
    await shop().sync(store)
    for key, scheme, value, display, service in IDENTIFIERS:
        await store.write(
            "MERGE (i:Identifier {id: $key}) SET i.scheme = $scheme, i.value = $value, i.display = $display",
            {"key": key, "scheme": scheme, "value": value, "display": display},
        )
        await store.write(
            "MATCH (i:Identifier {id: $key}), (s:Service {id: $service}) "
            "CREATE (i)-[:IDENTIFIES {active: true, strength: 'inferred', evidence: $evidence, source: 'test'}]->(s)",
            {"key": key, "service": f"component:default/{service}", "evidence": f"{key} names {service}"},
        )
    snapshot = await build_snapshot(store, [IdentifyIndex])
    cypher, memory = CatalogReader(store), IdentifyFromSnapshot(store, snapshot)
    keys = [key for key, *_ in IDENTIFIERS] + ["ident:alias:nothing", "ident:", "ident:alias", "legacy:none", "ident:hostname:pay"]
    for key in keys:
        assert await memory.identified_services([key]) == await cypher.identified_services([key]), key
    assert await memory.identified_services(keys) == await cypher.identified_services(keys)
    found = await memory.identified_services(["legacy:ledger-7", "ident:alias:pay"])
    assert {(row.value, row.id) for row in found} == {
        ("ledger-7", "component:default/ledger"),
        ("pay", "component:default/payments"),
        ("pay", "component:default/ledger"),
    }

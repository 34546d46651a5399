"""Loading the kernel's ``IdentityIndex`` from a store, before a sync runs its importers.

The index itself lives in the kernel (``catalog.core.identity``) because importers resolve
against it and must not know any store; reading it from the graph is a store concern, so it is here.
"""

from __future__ import annotations

import json

from catalog.core.identity import IdentityIndex, normalise
from catalog.core.model import IDENTIFIER, IDENTIFIES, SERVICE
from catalog.store.base import GraphStore


async def load_identity_index(store: GraphStore) -> IdentityIndex:
    """Every live service with its names, aliases, identifiers and repositories, every team,
    person and platform, as importers resolve against them."""
    index = IdentityIndex()
    # read_table: tens of thousands of rows per read at scale M, fetched the way each store
    # fetches many rows fastest.
    live = "WHERE r.active = true AND s.retired_at IS NULL"
    for row in await store.read_table(
        f"MATCH (s:{SERVICE.label}) WHERE s.retired_at IS NULL",
        {
            "id": "s.id",
            "name": "s.name",
            "aliases": "s.aliases",
            "annotations": "s.annotations",
            "instance": "s.source_instance",
            "discovered": "s.discovered",
        },
    ):
        index.add_service(
            row["id"],
            row["name"] or row["id"],
            row["aliases"] or [],
            _map(row["annotations"]),
            row["instance"],
            discovered=bool(row["discovered"]),
        )
    for row in await store.read_table(
        f"MATCH (i:{IDENTIFIER.label})-[r:{IDENTIFIES.type}]->(s:{SERVICE.label}) {live}",
        {"scheme": "i.scheme", "value": "i.value", "id": "s.id", "instance": "r.source_instance"},
    ):
        index.add_identifier(row["scheme"], row["value"], row["id"], row["instance"])
    for row in await store.read_table(
        f"MATCH (s:{SERVICE.label})-[r:BUILT_FROM]->(repo:Repository) {live}", {"slug": "repo.slug", "id": "s.id"}
    ):
        if row["slug"]:
            index.by_repository[normalise(row["slug"])].add(row["id"])
    for row in await store.read_table(
        f"MATCH (w:Workload)-[r:INSTANCE_OF]->(s:{SERVICE.label}) {live}",
        {"namespace": "w.namespace", "name": "w.name", "id": "s.id", "instance": "r.source_instance"},
    ):
        index.add_identifier("workload", f"{row['namespace']}/{row['name']}", row["id"], row["instance"])
    for row in await store.read_table(
        "MATCH (t:Team) WHERE t.retired_at IS NULL", {"id": "t.id", "name": "t.name", "annotations": "t.annotations"}
    ):
        index.add_team(row["id"], row["name"] or row["id"], _map(row["annotations"]))
    for row in await store.read_table(
        "MATCH (p:Person) WHERE p.retired_at IS NULL",
        {"id": "p.id", "name": "p.name", "email": "p.email", "annotations": "p.annotations"},
    ):
        index.add_person(row["id"], row["name"] or row["id"], row["email"], _map(row["annotations"]))
    for row in await store.read_table("MATCH (p:Platform) WHERE p.retired_at IS NULL", {"id": "p.id", "standard": "p.standard"}):
        index.platforms[row["id"]] = bool(row["standard"])
    return index


def _map(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}

"""The API tokens' reads and writes (``ApiToken`` nodes), for ``catalog token`` and the token authenticator.

Tokens are written with the model's generated upsert, under a source instance of their own,
so no import ever sees (or retires) them; revoking one sets ``retired_at`` like any retired fact.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from catalog import cypher
from catalog.core.clock import now_iso
from catalog.core.model import API_TOKEN
from catalog.store.base import GraphStore, Row

SOURCE = "catalog"
INSTANCE = "catalog:api-tokens"
"""The source instance every token node carries; importers name theirs after descriptor roots, orgs and clusters."""

_COLUMNS = ", ".join(
    f"n.{name} AS {name}"
    for name in ("id", "name", "selector", "secret_hash", "scopes", "created_at", "created_by", "expires_at", "retired_at")
)


async def insert_token(store: GraphStore, props: dict[str, Any]) -> None:
    """Store one new token; ``props`` holds every property ``ApiToken`` declares."""
    missing = {p.name for p in API_TOKEN.props} - set(props)
    if missing:
        raise ValueError(f"an ApiToken needs {', '.join(sorted(missing))}")
    declared = {p.name: props[p.name] for p in API_TOKEN.props}
    row = {
        "id": f"api-token:{props['selector']}",
        **declared,
        "origin": "catalog token create",
        "content_hash": hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()[:32],
    }
    params = {"now": now_iso(), "source": SOURCE, "instance": INSTANCE, "run_id": row["id"], "rows": [row]}
    await store.write(cypher.upsert_nodes(API_TOKEN, store.dialect), params)


async def read_tokens(store: GraphStore, *, include_revoked: bool = False) -> list[Row]:
    """Every token (without revoked ones unless asked), by name then creation."""
    condition = "" if include_revoked else " AND n.retired_at IS NULL"
    return await store.read(
        f"MATCH (n:{API_TOKEN.label}) WHERE n.source_instance = $instance{condition} RETURN {_COLUMNS} ORDER BY n.name, n.created_at",
        {"instance": INSTANCE},
    )


async def revoke_tokens(store: GraphStore, name: str) -> list[Row]:
    """Revoke every active token named ``name``; the tokens revoked."""
    return await store.write(
        f"MATCH (n:{API_TOKEN.label}) WHERE n.source_instance = $instance AND n.name = $name AND n.retired_at IS NULL "
        f"SET n.retired_at = $now RETURN {_COLUMNS}",
        {"instance": INSTANCE, "name": name, "now": now_iso()},
    )

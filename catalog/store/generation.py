"""The store's sync generation: a number each finished sync advances, so readers know when to reload.

API processes hold an in-memory snapshot of current state (``catalog.read.snapshot``) and poll
this number with one cheap key lookup; when it changes they build a new snapshot. The runner
advances it once at the end of every finished ``catalog sync`` (not a dry run), after owners are
reconciled and adoption is counted, so a snapshot is never built from a half-written sync's
view it would then keep.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import SYNC_GENERATION
from catalog.store.base import GraphStore

GENERATION_KEY = "catalog"
"""The key of the one ``SyncGeneration`` node."""


@dataclass(frozen=True)
class Generation:
    number: int
    """0 before any sync finished."""
    synced_at: str | None
    """When the sync that advanced it to ``number`` finished; None before any did."""


NONE = Generation(0, None)

_READ = f"MATCH (g:{SYNC_GENERATION.label} {{{SYNC_GENERATION.key}: $id}}) RETURN g.generation AS generation, g.synced_at AS synced_at"
# One write: MERGE locks the node (Neo4j serialises two syncs finishing at once; the embedded store
# has one writer), so each finished sync advances the number by exactly one. A retried transaction
# may advance it twice, which costs readers one extra rebuild and nothing else.
_ADVANCE = (
    f"MERGE (g:{SYNC_GENERATION.label} {{{SYNC_GENERATION.key}: $id}})\n"
    "SET g.generation = coalesce(g.generation, 0) + 1, g.synced_at = $now\n"
    "RETURN g.generation AS generation, g.synced_at AS synced_at"
)


async def read_generation(store: GraphStore) -> Generation:
    """The current generation: one key lookup."""
    rows = await store.read(_READ, {"id": GENERATION_KEY})
    if not rows or rows[0]["generation"] is None:
        return NONE
    return Generation(int(rows[0]["generation"]), rows[0]["synced_at"])


async def advance_generation(store: GraphStore, now: str) -> Generation:
    """Mark a finished sync: the generation goes up by one and carries ``now`` as its sync time."""
    rows = await store.write(_ADVANCE, {"id": GENERATION_KEY, "now": now})
    return Generation(int(rows[0]["generation"]), rows[0]["synced_at"])

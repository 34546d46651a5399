"""The per-request context: the reader, the settings, and DataLoaders made fresh for each request.

Loaders cache what they load; one shared across requests would serve stale data and grow
without bound, so ``build_context`` creates them per request. ``walks`` is the one thing the
requests of a server process share: the gate that lets ``max_concurrent_walks`` of the
answers that read a large part of the graph (blast radius, adoption) run at once, and
``max_waiting_walks`` wait (``catalog.api.walks``).

The reader is a ``SnapshotReader`` over the snapshot the server held when the request began
(``catalog.read.snapshot``): every answer of one request comes from the same generation, and
``read_from`` says which, for the response's ``extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from catalog.api.loaders import Loaders
from catalog.api.walks import WalkGate
from catalog.read import CatalogReader
from catalog.read.snapshot import Snapshot, SnapshotReader
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.store.generation import Generation


@dataclass
class CatalogContext:
    reader: CatalogReader
    settings: Settings
    loaders: Loaders
    walks: WalkGate
    request: Request | None = None
    read_from: dict[str, object] | None = None
    """Where this request's answers come from: ``source`` (``snapshot`` or ``store``), ``generation``
    and ``syncedAt`` of the sync they reflect; the GraphQL response carries it as ``extensions.catalog``."""


def read_from(snapshot: Snapshot | None, seen: Generation | None) -> dict[str, object]:
    """``extensions.catalog`` of a response: the snapshot's generation, or the last one the server saw
    when it answers from the store (null when it has not read one)."""
    if snapshot is not None:
        built = snapshot.built_at
        return {"source": "snapshot", "generation": snapshot.generation, "syncedAt": snapshot.synced_at, "snapshotBuiltAt": built}
    return {"source": "store", "generation": seen.number if seen else None, "syncedAt": seen.synced_at if seen else None}


Info = strawberry.Info[CatalogContext, None]


def build_context(
    store: GraphStore,
    settings: Settings,
    request: Request | None = None,
    walks: WalkGate | None = None,
    *,
    snapshot: Snapshot | None = None,
    seen: Generation | None = None,
) -> CatalogContext:
    """``walks``: the server's shared gate; without one (a single call in process), the request gets its own.
    ``snapshot``: the server's current snapshot (None: every answer from the store); ``seen``: the
    generation the server last read, reported when there is no snapshot."""
    reader = SnapshotReader(store, snapshot)
    return CatalogContext(
        reader=reader,
        settings=settings,
        loaders=Loaders(reader),
        walks=walks if walks is not None else WalkGate(settings.max_concurrent_walks, settings.max_waiting_walks),
        request=request,
        read_from=read_from(snapshot, seen),
    )

"""All DataLoaders of one request: nodes by label, owners, and each domain's loaders.

Every load function is a batch method of ``CatalogReader``: one store round trip per batch
(transitive walks: one per level), one value per key in key order.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from catalog.api.services.loaders import ServiceLoaders
from catalog.api.systems.loaders import SystemLoaders
from catalog.api.teams.loaders import TeamLoaders
from catalog.read import CatalogReader, GraphNode, Ownership, Resolution


class Loaders:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader
        self._nodes: dict[str, DataLoader[str, GraphNode | None]] = {}
        self._owners: dict[str, DataLoader[str, list[Ownership]]] = {}
        self._resolved: dict[str, DataLoader[str, list[Resolution]]] = {}
        self._any: dict[str, DataLoader[str, GraphNode | None]] = {}

    # Each domain's loaders are made on first use: a request touches one or two domains, and making
    # every DataLoader up front cost about a tenth of a small request's server time.
    @cached_property
    def services(self) -> ServiceLoaders:
        return ServiceLoaders(self._reader)

    @cached_property
    def systems(self) -> SystemLoaders:
        return SystemLoaders(self._reader)

    @cached_property
    def teams(self) -> TeamLoaders:
        return TeamLoaders(self._reader)

    def owners(self, label: str) -> DataLoader[str, list[Ownership]]:
        """Current ownership claims (one per owner and source) of entities of one label, by key (one start table per query)."""
        return _per_label(self._owners, label, lambda ids: self._reader.owners_of(ids, label))

    def resolved_owners(self, label: str) -> DataLoader[str, list[Resolution]]:
        """Resolved owners of entities of one label, by key."""
        return _per_label(self._resolved, label, lambda ids: self._reader.resolved_owners_of(ids, label))

    def node_with_retired(self, label: str) -> DataLoader[str, GraphNode | None]:
        """Nodes of one label by key, current or retired: what an id or a reference must still resolve to."""
        return _per_label(self._any, label, lambda ids: self._reader.nodes_with_retired(label, ids))

    def node(self, label: str) -> DataLoader[str, GraphNode | None]:
        """Current nodes of one label by key."""
        return _per_label(self._nodes, label, lambda ids: self._reader.nodes_by_ids(label, ids))


K = TypeVar("K")
V = TypeVar("V")


def _per_label(
    loaders: dict[str, DataLoader[str, V]], label: str, load: Callable[[Sequence[str]], Awaitable[list[V]]]
) -> DataLoader[str, V]:
    """The request's loader for ``label`` in ``loaders``, made on first use."""
    loader = loaders.get(label)
    if loader is None:
        loader = loaders[label] = DataLoader(load_fn=load)
    return loader


def done(loader: DataLoader[K, V], key: K) -> Future[V] | None:
    """The future of ``key``'s value when ``loader`` already holds it (a batch read it, or it was primed), else None:
    a resolver can then answer at once instead of returning an awaitable, which graphql-core runs as a task per list item."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    return future


async def load_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V]:
    """``loader.load_many(keys)`` without ``asyncio.gather``, which wraps every future in a task of its own:
    the loads join one batch all the same, and a page of hundreds of keys costs a loop over them."""
    futures = [loader.load(key) for key in keys]
    return [await future for future in futures]


async def read_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V]:
    """``load_all`` for a page resolver that reads its items' values once for the whole page: the keys ``loader``
    does not hold yet are read in one call of its load function, and their values put in its cache as they are (a
    loaded future each, for ``done``), without a batch, a callback and a scheduled call per key (a team's page of
    100 services and their owners: 200 keys). Unlike ``load_all``, the call is not shared with other resolvers'
    loads of the same event-loop turn: page resolvers (one per connection) call it, not per-item ones."""
    if not loader.cache:
        return await load_all(loader, keys)
    cache = loader.cache_map
    missing = [key for key in dict.fromkeys(keys) if (held := cache.get(key)) is None or held.cancelled()]
    if missing:
        values = list(await loader.load_fn(missing))
        if len(values) != len(missing):
            raise ValueError(f"a loader's read returned {len(values)} values for {len(missing)} keys")
        for key, value in zip(missing, values, strict=True):
            future: Future[V] = loader.loop.create_future()
            if isinstance(value, BaseException):
                future.set_exception(value)
            else:
                future.set_result(value)
            cache.set(key, future)
    return [await loader.load(key) for key in keys]

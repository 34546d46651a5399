"""All DataLoaders of one request: nodes by label, owners, and each domain's loaders.

Every load function is a batch method of ``CatalogReader``: one store round trip per batch
(transitive walks: one per level), one value per key in key order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from catalog.api.services.loaders import ServiceLoaders
from catalog.api.systems.loaders import SystemLoaders
from catalog.api.teams.loaders import TeamLoaders
from catalog.read import CatalogReader, GraphNode, Ownership


class Loaders:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader
        self._nodes: dict[str, DataLoader[str, GraphNode | None]] = {}
        self._owners: dict[str, DataLoader[str, list[Ownership]]] = {}
        self.services = ServiceLoaders(reader)
        self.systems = SystemLoaders(reader)
        self.teams = TeamLoaders(reader)

    def owners(self, label: str) -> DataLoader[str, list[Ownership]]:
        """Current owners of entities of one label, by key (one start table per query)."""
        return _per_label(self._owners, label, lambda ids: self._reader.owners_of(ids, label))

    def node(self, label: str) -> DataLoader[str, GraphNode | None]:
        """Current nodes of one label by key."""
        return _per_label(self._nodes, label, lambda ids: self._reader.nodes_by_ids(label, ids))


V = TypeVar("V")


def _per_label(
    loaders: dict[str, DataLoader[str, V]], label: str, load: Callable[[Sequence[str]], Awaitable[list[V]]]
) -> DataLoader[str, V]:
    """The request's loader for ``label`` in ``loaders``, made on first use."""
    loader = loaders.get(label)
    if loader is None:
        loader = loaders[label] = DataLoader(load_fn=load)
    return loader

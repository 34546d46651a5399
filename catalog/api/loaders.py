"""All DataLoaders of one request: nodes by label, owners, and each domain's loaders.

Every load function is a batch method of ``CatalogReader``: one store round trip per batch
(transitive walks: one per level), one value per key in key order.
"""

from __future__ import annotations

from collections.abc import Sequence

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
        loader = self._owners.get(label)
        if loader is None:
            reader = self._reader

            async def load(ids: Sequence[str]) -> list[list[Ownership]]:
                return await reader.owners_of(ids, label)

            loader = self._owners[label] = DataLoader(load_fn=load)
        return loader

    def node(self, label: str) -> DataLoader[str, GraphNode | None]:
        """Current nodes of one label by key."""
        loader = self._nodes.get(label)
        if loader is None:
            reader = self._reader

            async def load(ids: Sequence[str]) -> list[GraphNode | None]:
                return await reader.nodes_by_ids(label, ids)

            loader = self._nodes[label] = DataLoader(load_fn=load)
        return loader

"""DataLoaders for services, resources, APIs, repositories and platforms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from strawberry.dataloader import DataLoader

from catalog.read import CatalogReader, GraphNode, Reached
from catalog.read.entity_owners import Discovery

Walk = Callable[[Sequence[str], int], Awaitable[list[list[Reached]]]]
DepthKey = tuple[str, int]


def _walk_loader(walk: Walk) -> DataLoader[DepthKey, list[Reached]]:
    """Walks keyed by (start, depth): the batch walks once to its deepest depth, and each key keeps
    what lies within its own depth (a level-by-level walk reaches the same nodes either way)."""

    async def load(keys: Sequence[DepthKey]) -> list[list[Reached]]:
        starts = list(dict.fromkeys(key for key, _ in keys))
        walked = dict(zip(starts, await walk(starts, max(depth for _, depth in keys)), strict=True))
        return [[r for r in walked[key] if r.distance <= depth] for key, depth in keys]

    return DataLoader(load_fn=load)


class ServiceLoaders:
    def __init__(self, reader: CatalogReader) -> None:
        self.system: DataLoader[str, GraphNode | None] = DataLoader(load_fn=reader.system_of)
        self.apis_provided: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.apis_provided)
        self.apis_consumed: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.apis_consumed)
        self.providers: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.providers_of)
        self.consumers: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.consumers_of)
        self.repositories: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.repositories_of)
        self.built_from: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.services_built_from)
        self.platforms: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.platforms_of)
        self.parent_component: DataLoader[str, GraphNode | None] = DataLoader(load_fn=reader.parent_component)
        self.subcomponents: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.subcomponents)
        self.discovery: DataLoader[str, Discovery | None] = DataLoader(load_fn=reader.discovery_of)
        self.dependencies = _walk_loader(reader.transitive_dependencies)
        self.dependents = _walk_loader(reader.transitive_dependents)

"""DataLoaders for the part-of chain: systems and domains."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from catalog.read import CatalogReader, GraphNode


class SystemLoaders:
    def __init__(self, reader: CatalogReader) -> None:
        self.domain: DataLoader[str, GraphNode | None] = DataLoader(load_fn=reader.domain_of)
        self.parent_domain: DataLoader[str, GraphNode | None] = DataLoader(load_fn=reader.parent_domain)
        self.subdomains: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.subdomains)
        self.systems: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.systems_of_domain)
        self.services: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.services_of_system)
        self.apis: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.apis_of_system)
        self.resources: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.resources_of_system)

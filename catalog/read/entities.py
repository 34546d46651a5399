"""Entities by name, and their owners."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.core.identity import identifier_key
from catalog.core.model import NODES_BY_LABEL
from catalog.core.refs import entity_key, repository_key
from catalog.read.base import ReadBase, links_of
from catalog.read.hops import IDENTIFIED_SERVICES, Hop, accountable_hop, hop_table, owners_hop
from catalog.read.nodes import GraphNode, Linked, Ownership, Resolution, node_map


class UnknownEntity(LookupError):
    """A reference given to a read names nothing current in the catalog."""

    def __init__(self, label: str, key: str) -> None:
        super().__init__(f"no {label.lower()} {key} in the catalog")
        self.label = label
        self.key = key


def kind_of(label: str) -> str:
    """The reference kind whose keys a label's nodes carry (``Service`` → ``component``)."""
    kinds = NODES_BY_LABEL[label].backstage_kinds
    return kinds[0] if kinds else label.lower()


def key_of(label: str, namespace: str, name: str) -> str:
    """The node key of an entity named in ``namespace``; keys are lower-case, so lookups ignore case."""
    return entity_key(kind_of(label), namespace, name)


class EntityReads(ReadBase):
    async def entities_by_name(self, label: str, names: Sequence[tuple[str, str]]) -> list[GraphNode | None]:
        """For each ``(namespace, name)``, the current entity of ``label`` so named, case-insensitively."""
        return await self.nodes_by_ids(label, [key_of(label, namespace, name) for namespace, name in names])

    async def repositories_by_slug(self, refs: Sequence[tuple[str, str]]) -> list[GraphNode | None]:
        """For each ``(host, org/repo)``, the current repository, case-insensitively."""
        return await self.nodes_by_ids("Repository", [repository_key(host, slug) for host, slug in refs])

    async def node_with_owners(self, label: str, key: str) -> tuple[GraphNode | None, list[Ownership]]:
        """One current ownable entity and its current owners (as ``owners_of`` gives them) in one
        round trip: the whole answer of an owner lookup, which otherwise costs two."""
        node, links = await self._node_with(owners_hop(label), label, key)
        return node, [Ownership.from_link(link) for link in links]

    async def node_with_resolved_owners(self, label: str, key: str) -> tuple[GraphNode | None, list[Resolution]]:
        """One current ownable entity and its resolved owners (as ``resolved_owners_of`` gives them) in one round trip."""
        node, links = await self._node_with(accountable_hop(label), label, key)
        return node, [Resolution.from_link(link) for link in links]

    async def _node_with(self, owners: Hop, label: str, key: str) -> tuple[GraphNode | None, list[Linked]]:
        table = hop_table(owners, self.store.dialect, "one")
        columns = ", ".join(f"{expr} AS {name}" for name, expr in table.columns.items())
        query = (
            f"MATCH (a:{label} {{id: $id}}) WHERE a.retired_at IS NULL\n"
            f"OPTIONAL {table.match}\n"
            f"RETURN {node_map('a', (label,))} AS entity, {columns}"
        )
        rows = await self.store.read(query, {"id": key})
        if not rows:
            return None, []
        # An entity without owners is one row whose owner columns are null.
        links = links_of(owners, [row for row in rows if row["label"] is not None])
        return GraphNode.from_map(label, rows[0]["entity"]), links

    async def owners_of(self, ids: Sequence[str], label: str | None = None) -> list[list[Ownership]]:
        """For each ownable entity (all of ``label`` when given), its current owners: one entry per
        owner and asserting source."""
        return [[Ownership.from_link(link) for link in links] for links in await self.neighbours(owners_hop(label), ids)]

    async def resolved_owners_of(self, ids: Sequence[str], label: str | None = None) -> list[list[Resolution]]:
        """For each ownable entity (all of ``label`` when given), its resolved owners (``ACCOUNTABLE_FOR``)."""
        return [[Resolution.from_link(link) for link in links] for links in await self.neighbours(accountable_hop(label), ids)]

    async def renamed_service(self, retired: GraphNode) -> GraphNode | None:
        """The one current service that carries a retired service's name as an alias: the same service, renamed
        (None when no service or several do)."""
        name = retired.text("name")
        if not name:
            return None
        [services] = await self.distinct_neighbours(IDENTIFIED_SERVICES, [identifier_key("alias", name)])
        successors = [s for s in services if s.id != retired.id]
        return successors[0] if len(successors) == 1 else None

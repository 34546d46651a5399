"""DataLoaders for teams, people and what teams own."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from catalog.read import CatalogReader, GraphNode

TeamServicesKey = tuple[str, bool]
"""(team key, include sub-teams)."""


class TeamLoaders:
    def __init__(self, reader: CatalogReader) -> None:
        self.members: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.members)
        self.teams_of: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.teams_of)
        self.parent: DataLoader[str, GraphNode | None] = DataLoader(load_fn=reader.parent_team)
        self.children: DataLoader[str, list[GraphNode]] = DataLoader(load_fn=reader.child_teams)

        async def load_services(keys: Sequence[TeamServicesKey]) -> list[list[str]]:
            found: dict[TeamServicesKey, list[str]] = {}
            for include in (True, False):
                teams = [team for team, flag in keys if flag is include]
                if teams:
                    found.update(
                        ((team, include), ids)
                        for team, ids in zip(teams, await reader.team_services(teams, include_sub_teams=include), strict=True)
                    )
            return [found[key] for key in keys]

        self.services: DataLoader[TeamServicesKey, list[str]] = DataLoader(load_fn=load_services)
        """Sorted keys of the services each team owns, with its sub-teams' when asked."""

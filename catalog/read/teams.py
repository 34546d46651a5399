"""Teams, their members and their hierarchy, and the services teams own."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from catalog.read.base import ReadBase
from catalog.read.hops import CHILD_TEAMS, MEMBERS, PARENT_TEAM, SERVICES_OWNED, TEAMS_OF, anchor, hop_ids_query
from catalog.read.nodes import GraphNode
from catalog.read.pagination import Page
from catalog.read.traversal import reach_keys


class TeamReads(ReadBase):
    async def members(self, team_ids: Sequence[str]) -> list[list[GraphNode]]:
        """For each team, its current members (people)."""
        return await self.distinct_neighbours(MEMBERS, team_ids)

    async def teams_of(self, person_ids: Sequence[str]) -> list[list[GraphNode]]:
        """For each person, the teams they are a member of."""
        return await self.distinct_neighbours(TEAMS_OF, person_ids)

    async def parent_team(self, team_ids: Sequence[str]) -> list[GraphNode | None]:
        return await self.single_neighbour(PARENT_TEAM, team_ids)

    async def child_teams(self, team_ids: Sequence[str]) -> list[list[GraphNode]]:
        return await self.distinct_neighbours(CHILD_TEAMS, team_ids)

    async def team_trees(self, team_ids: Sequence[str]) -> list[list[str]]:
        """For each team, its key followed by the keys of all its sub-teams, at any depth.

        One query per hierarchy level for the whole batch; a team reached twice (a cycle in
        bad data) is visited once.
        """
        below = await reach_keys(self.store, CHILD_TEAMS, team_ids, self.hierarchy_limit)
        return [[root, *keys] for root, keys in zip(team_ids, below, strict=True)]

    async def services_owned_by(self, owner_ids: Sequence[str]) -> list[list[str]]:
        """For each team or person, the keys of the services it owns directly, sorted."""
        if not owner_ids:
            return []
        keys = sorted(set(owner_ids))
        form, params = anchor(keys)
        rows = await self.store.read(hop_ids_query(SERVICES_OWNED, self.store.dialect, form), params)
        owned: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            owned[str(row["key"])].add(str(row["id"]))
        return [sorted(owned.get(key, ())) for key in owner_ids]

    async def team_services(self, team_ids: Sequence[str], *, include_sub_teams: bool = True) -> list[list[str]]:
        """For each team, the sorted keys of the services it owns, with its sub-teams' when asked."""
        trees = await self.team_trees(team_ids) if include_sub_teams else [[key] for key in team_ids]
        everyone = sorted({key for tree in trees for key in tree})
        owned = dict(zip(everyone, await self.services_owned_by(everyone), strict=True))
        return [sorted({service for team in tree for service in owned[team]}) for tree in trees]

    async def list_teams(self, first: int, after: str | None = None) -> Page[GraphNode]:
        """Current teams in key order, ``first`` of them after the key ``after``."""
        return await self.page_nodes("Team", first, after)

    async def count_teams(self) -> int:
        return await self.count_nodes("Team")

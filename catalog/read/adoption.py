"""The reads behind platform adoption (``catalog.answers.adoption``): services counted per group in the store,
the hierarchies groups roll up along, and the stored adoption snapshots of the trend.

Each count is one aggregate query: services never travel to Python, only (group keys, status,
services) rows, of which there are thousands at scale M.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from catalog.core.model import ADOPTION_SNAPSHOT
from catalog.read.base import ReadBase, read_nodes
from catalog.read.resolved import resolved_owners
from catalog.read.scorecard import DerivedCache

GroupRows = list[tuple[frozenset[str], str, int]]
"""(keys of the groups a set of services belongs to, status or platform, how many services)."""

Grouped = Literal["owners", "domains", "other-platforms"]
"""What ``adoption_rows`` groups by: a service's resolved owners (status: standard, other or unknown), the domains of
its systems (the same statuses), or, for services on a non-standard platform, their resolved owners per platform key."""

# Per current service: whether it runs on the standard platform, on others only, or nowhere known.
_STATUS = (
    "MATCH (s:Service) WHERE s.retired_at IS NULL\n"
    "OPTIONAL MATCH (s)-[r:RUNS_ON]->(p:Platform) WHERE r.active = true AND p.retired_at IS NULL\n"
    "WITH s, sum(CASE WHEN p.standard = true THEN 1 ELSE 0 END) AS on_standard, count(p) AS platforms\n"
    "WITH s, CASE WHEN on_standard > 0 THEN 'standard' WHEN platforms > 0 THEN 'other' ELSE 'unknown' END AS status\n"
)
_GROUPED: dict[Grouped, str] = {
    "owners": _STATUS + resolved_owners("s", "s, status") + "WITH owners AS keys, status, count(*) AS services",
    "domains": (
        _STATUS + "OPTIONAL MATCH (s)-[q:PART_OF]->(y:System)-[v:PART_OF]->(d:Domain)\n"
        "WHERE q.active = true AND v.active = true AND y.retired_at IS NULL AND d.retired_at IS NULL\n"
        "WITH s, status, collect(DISTINCT d.id) AS domains\n"
        "WITH domains AS keys, status, count(*) AS services"
    ),
    "other-platforms": (
        "MATCH (s:Service)-[r:RUNS_ON]->(p:Platform)\n"
        "WHERE s.retired_at IS NULL AND r.active = true AND p.retired_at IS NULL AND (p.standard IS NULL OR p.standard = false)\n"
        "WITH DISTINCT p, s\n" + resolved_owners("s", "p, s") + "WITH owners AS keys, p.id AS status, count(*) AS services"
    ),
}
_GROUP_COLUMNS = {"keys": "keys", "status": "status", "services": "services"}
_PLATFORM_OWNERS = (
    "UNWIND $ids AS key\n"
    "MATCH (p:Platform {id: key}) WHERE p.retired_at IS NULL\n"
    + resolved_owners("p", "key, p")
    + "RETURN p.id AS id, p.name AS name, p.standard AS standard, owners"
)
_PARENTS = {
    "Team": "MATCH (c:Team)-[r:CHILD_OF]->(p:Team) WHERE r.active = true AND c.retired_at IS NULL AND p.retired_at IS NULL",
    "Domain": "MATCH (c:Domain)-[r:PART_OF]->(p:Domain) WHERE r.active = true AND c.retired_at IS NULL AND p.retired_at IS NULL",
}
_PARENT_COLUMNS = {"child": "c.id", "parent": "p.id"}


@dataclass(frozen=True)
class PlatformOwners:
    key: str
    name: str
    owners: tuple[str, ...]
    """Keys of its resolved owners (teams and people), by key."""


@dataclass(frozen=True)
class SnapshotCounts:
    """One stored adoption snapshot's counts."""

    taken_at: str
    name: str | None
    total: int
    standard: int
    other: int
    unknown: int


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def snapshot_key(taken_at: str, scope: str, scope_key: str) -> str:
    """The key of the adoption snapshot of one scope taken at ``taken_at``."""
    return f"adoption:{taken_at}:{scope}:{scope_key}"


class AdoptionReads(ReadBase):
    def adoption_kept(self) -> DerivedCache | None:
        """Where adoption answers may be kept while the state they count holds: a snapshot's (whose reads never
        change), None here, where every read asks the store afresh."""
        return None

    async def adoption_rows(self, by: Grouped) -> GroupRows:
        """Current services counted per (group keys, status) in one table read (4,600 rows at scale M: 0.44 s as
        records from Neo4j, 0.29 s collected)."""
        rows = await self.store.read_table(_GROUPED[by], _GROUP_COLUMNS)
        return [(frozenset(str(k) for k in (row["keys"] or ()) if k is not None), str(row["status"]), int(row["services"])) for row in rows]

    async def hierarchy_parents(self, label: Literal["Team", "Domain"]) -> dict[str, list[str]]:
        """Each current team's (``CHILD_OF``) or domain's (``PART_OF``) current parents, by key: a table read (4,000
        edges between teams at scale M cost 0.3-0.6 s of the Neo4j driver's time as records, one record as a table)."""
        parents: dict[str, list[str]] = defaultdict(list)
        for row in await self.store.read_table(_PARENTS[label], _PARENT_COLUMNS):
            parents[str(row["child"])].append(str(row["parent"]))
        return {child: sorted(set(found)) for child, found in parents.items()}

    async def current_names(self, label: str, keys: Iterable[str]) -> dict[str, str]:
        """The names of the current ``label`` nodes among ``keys`` (the key when unnamed), in one record (records cost the
        Neo4j driver dearly)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        query = f"UNWIND $ids AS key MATCH (n:{label} {{id: key}}) WHERE n.retired_at IS NULL RETURN collect([n.id, n.name]) AS names"
        rows = await self.store.read(query, {"ids": wanted})
        return {str(key): str(name or key) for row in rows for key, name in row["names"] or ()}

    async def all_current_names(self, label: str) -> dict[str, str]:
        """The name of every current ``label`` node (the key when unnamed), in one record."""
        rows = await self.store.read(f"MATCH (n:{label}) WHERE n.retired_at IS NULL RETURN collect([n.id, n.name]) AS names")
        return {str(key): str(name or key) for row in rows for key, name in row["names"] or ()}

    async def current_keys(self, label: str) -> list[str]:
        """The keys of every current ``label`` node, in key order."""
        rows = await self.store.read(f"MATCH (n:{label}) WHERE n.retired_at IS NULL RETURN collect(n.id) AS ids")
        return sorted(str(key) for row in rows for key in row["ids"] or ())

    async def standard_platforms(self) -> list[tuple[str, str]]:
        """(key, name) of the current platforms marked standard, by key."""
        rows = await self.store.read(
            "MATCH (p:Platform) WHERE p.retired_at IS NULL AND p.standard = true RETURN p.id AS id, p.name AS name ORDER BY id"
        )
        return [(str(r["id"]), str(r["name"] or r["id"])) for r in rows]

    async def platform_owners(self, keys: Iterable[str]) -> list[PlatformOwners]:
        """The current platforms among ``keys`` with their names and resolved owners, by key."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        rows = await self.store.read(_PLATFORM_OWNERS, {"ids": wanted})
        found = [PlatformOwners(str(r["id"]), str(r["name"] or r["id"]), tuple(sorted(str(o) for o in r["owners"] or ()))) for r in rows]
        return sorted(found, key=lambda p: p.key)

    # -- stored snapshots

    async def latest_group_snapshots(self, before: str, keys: Iterable[str] | None = None) -> dict[tuple[str, str], SnapshotCounts]:
        """(scope, scope key) → the latest snapshot of each group (not the company) taken before ``before``."""
        rows = await self.store.read(
            "MATCH (a:AdoptionSnapshot) WHERE a.retired_at IS NULL AND a.scope <> $company AND a.taken_at < $before\n"
            "RETURN a.scope AS scope, a.scope_key AS key, max(a.taken_at) AS taken_at",
            {"company": "company", "before": before},
        )
        ids = [snapshot_key(str(r["taken_at"]), str(r["scope"]), str(r["key"])) for r in rows]
        nodes = await read_nodes(self.store, ADOPTION_SNAPSHOT.label, ids)
        return {
            (str(n.text("scope")), str(n.text("scope_key"))): SnapshotCounts(
                str(n.text("taken_at")),
                n.text("scope_name"),
                n.number("total") or 0,
                n.number("standard") or 0,
                n.number("other") or 0,
                n.number("unknown") or 0,
            )
            for n in nodes.values()
        }

    async def adoption_snapshots(
        self, scope: str, key: str, *, since: str | None = None, until: str | None = None, before: str | None = None, limit: int
    ) -> list[SnapshotCounts]:
        """The most recent ``limit`` snapshots of one scope taken within ``since``..``until`` (inclusive; open when None)
        or, with ``before``, strictly before it; oldest first."""
        where = ["a.retired_at IS NULL", "a.scope = $scope", "a.scope_key = $key"]
        params: dict[str, object] = {"scope": scope, "key": key, "limit": limit}
        for bound, condition in ((since, "a.taken_at >= $since"), (until, "a.taken_at <= $until"), (before, "a.taken_at < $before")):
            if bound is not None:
                where.append(condition)
                params[condition.rpartition("$")[2]] = bound
        rows = await self.store.read(
            f"MATCH (a:AdoptionSnapshot) WHERE {' AND '.join(where)}\n"
            "RETURN a.taken_at AS taken_at, a.scope_name AS name, a.total AS total, a.standard AS standard, a.other AS other, "
            "a.unknown AS unknown ORDER BY taken_at DESC LIMIT $limit",
            params,
        )
        return [
            SnapshotCounts(str(r["taken_at"]), r["name"], _int(r["total"]), _int(r["standard"]), _int(r["other"]), _int(r["unknown"]))
            for r in reversed(rows)
        ]

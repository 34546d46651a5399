"""Reads behind the Build-Run company view (``catalog.answers.build_run_company``): where services sit
in the domain hierarchy, and the Build-Run snapshots taken after syncs.

The scorecard facts themselves come from ``catalog.read.scorecard``; these add what grouping by
domain needs, in two table reads, and the series.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from catalog.core.model import BUILD_RUN_SNAPSHOT, PART_OF
from catalog.read.base import ReadBase, read_nodes
from catalog.read.nodes import GraphNode
from catalog.store.base import shared_value


@dataclass(frozen=True)
class DomainFacts:
    service_domains: dict[str, tuple[str, ...]]
    """Service → the domains of its systems (as declared, not yet rolled up to the top)."""
    parents: dict[str, tuple[str, ...]]
    """Domain → its parent domains."""
    names: dict[str, str]


def snapshot_key(taken_at: str, scope: str, scope_key: str) -> str:
    return f"build-run:{taken_at}:{scope}:{scope_key}"


class CompanyReads(ReadBase):
    async def domain_facts(self) -> DomainFacts:
        """Every current service's domains (Service → System → Domain), and the domain hierarchy with names."""
        services = await self.store.read_table(
            f"MATCH (s:Service)-[q:{PART_OF.type}]->(y:System)-[v:{PART_OF.type}]->(d:Domain) WHERE q.active = true AND "
            "v.active = true AND s.retired_at IS NULL AND y.retired_at IS NULL AND d.retired_at IS NULL",
            {"service": "s.id", "domain": "d.id"},
        )
        domains = await self.store.read_table(
            f"MATCH (d:Domain) WHERE d.retired_at IS NULL OPTIONAL MATCH (d)-[r:{PART_OF.type}]->(p:Domain) "
            "WHERE r.active = true AND p.retired_at IS NULL",
            {"id": "d.id", "name": "d.name", "parent": "p.id"},
        )
        of: dict[str, set[str]] = defaultdict(set)
        for r in services:
            of[str(r["service"])].add(str(r["domain"]))
        parents: dict[str, set[str]] = defaultdict(set)
        names: dict[str, str] = {}
        for r in domains:
            names[str(r["id"])] = str(r["name"] or r["id"])
            if r["parent"]:
                parents[str(r["id"])].add(str(r["parent"]))
        return DomainFacts(
            {k: shared_value(tuple(sorted(v))) for k, v in of.items()},
            {k: shared_value(tuple(sorted(v))) for k, v in parents.items()},
            names,
        )

    async def latest_build_run_snapshots(self, before: str) -> list[GraphNode]:
        """The latest snapshot of every org unit and domain taken before ``before``."""
        rows = await self.store.read(
            "MATCH (a:BuildRunSnapshot) WHERE a.retired_at IS NULL AND a.scope <> $company AND a.taken_at < $before\n"
            "RETURN a.scope AS scope, a.scope_key AS key, max(a.taken_at) AS taken_at",
            {"company": "company", "before": before},
        )
        ids = [snapshot_key(str(r["taken_at"]), str(r["scope"]), str(r["key"])) for r in rows]
        found = await read_nodes(self.store, BUILD_RUN_SNAPSHOT.label, ids)
        return [found[k] for k in sorted(found)]

    async def build_run_points(self, scope: str, scope_key: str, before: str | None, limit: int) -> list[GraphNode]:
        """The ``limit`` most recent snapshots of one scope taken before ``before`` (all when None), newest first."""
        where = ["a.retired_at IS NULL", "a.scope = $scope", "a.scope_key = $key"]
        params: dict[str, object] = {"scope": scope, "key": scope_key, "limit": limit}
        if before is not None:
            where.append("a.taken_at < $before")
            params["before"] = before
        rows = await self.store.read(
            f"MATCH (a:BuildRunSnapshot) WHERE {' AND '.join(where)} RETURN a.id AS id, a.taken_at AS taken_at "
            "ORDER BY taken_at DESC LIMIT $limit",
            params,
        )
        ids = [str(r["id"]) for r in rows]
        found = await read_nodes(self.store, BUILD_RUN_SNAPSHOT.label, ids)
        return [found[k] for k in ids if k in found]

    async def count_build_run_points(self, scope: str, scope_key: str) -> int:
        rows = await self.store.read(
            "MATCH (a:BuildRunSnapshot) WHERE a.retired_at IS NULL AND a.scope = $scope AND a.scope_key = $key RETURN count(a) AS n",
            {"scope": scope, "key": scope_key},
        )
        return int(rows[0]["n"]) if rows else 0

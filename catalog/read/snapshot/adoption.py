"""Platform adoption from the snapshot: the store's grouped counts, read once per sync generation.

Adoption is computed from a few aggregate reads (``catalog.read.adoption``): services counted per
(resolved owners, status), per (domains, status) and per (owners, non-standard platform), the team
and domain hierarchies, names, and the platforms with their owners. Those results change only when
a sync writes, so the part holds them as they were read (the very same queries: what the snapshot
answers is what Cypher answers) and the adoption answer's regrouping runs in memory, a few
milliseconds instead of the 170-354 ms the aggregates cost at scale M. The regrouped report itself
(25 ms of CPU at M: 1,890 teams, 2,581 team-platform pairs) depends on nothing but these reads, so
the answers layer keeps it in the part's ``kept`` cache: one regrouping per grouping and snapshot.

The stored adoption snapshots of the trend are history and stay on the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Literal, Self

from catalog.read.adoption import Grouped, GroupRows, PlatformOwners
from catalog.read.reader import CatalogReader
from catalog.read.scorecard import DerivedCache
from catalog.read.snapshot.base import Earlier, SnapshotPart, SnapshotReads
from catalog.store.base import GraphStore

_GROUPINGS: tuple[Grouped, ...] = ("owners", "domains", "other-platforms")


@dataclass(frozen=True)
class AdoptionPart:
    """The adoption reads' results for the whole company, as of the snapshot's generation."""

    rows: Mapping[Grouped, tuple[tuple[frozenset[str], str, int], ...]]
    parents: Mapping[str, Mapping[str, tuple[str, ...]]]
    """``Team`` and ``Domain``: each current node's current parents."""
    names: Mapping[str, Mapping[str, str]]
    """``Team`` and ``Domain``: the name of every current node (its key when unnamed)."""
    standard: tuple[tuple[str, str], ...]
    platforms: Mapping[str, PlatformOwners]
    """Every current platform, by key, with its resolved owners."""
    kept: DerivedCache = field(default_factory=DerivedCache, compare=False, repr=False)
    """Answers derived from these reads alone (``catalog.answers.adoption`` keeps its reports here)."""

    needs: ClassVar[tuple[type[SnapshotPart], ...]] = ()

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self:
        reader = CatalogReader(store)
        rows = {by: tuple(await reader.adoption_rows(by)) for by in _GROUPINGS}
        parents = {label: await reader.hierarchy_parents(label) for label in ("Team", "Domain")}
        names = {label: await reader.all_current_names(label) for label in ("Team", "Domain")}
        platforms = await reader.platform_owners(await reader.current_keys("Platform"))
        return cls(
            MappingProxyType(rows),
            MappingProxyType({label: MappingProxyType({k: tuple(v) for k, v in found.items()}) for label, found in parents.items()}),
            MappingProxyType({label: MappingProxyType(found) for label, found in names.items()}),
            tuple(await reader.standard_platforms()),
            MappingProxyType({p.key: p for p in platforms}),
        )


class AdoptionSnapshotReads(SnapshotReads):
    """``AdoptionReads`` answered from the snapshot's ``AdoptionPart``; the Cypher reader without one."""

    def _adoption(self) -> AdoptionPart | None:
        snap = self.snapshot
        return snap.part(AdoptionPart) if snap is not None and snap.has(AdoptionPart) else None

    def adoption_kept(self) -> DerivedCache | None:
        part = self._adoption()
        return None if part is None else part.kept

    async def adoption_rows(self, by: Grouped) -> GroupRows:
        if (part := self._adoption()) is None:
            return await super().adoption_rows(by)
        return list(part.rows[by])

    async def hierarchy_parents(self, label: Literal["Team", "Domain"]) -> dict[str, list[str]]:
        if (part := self._adoption()) is None:
            return await super().hierarchy_parents(label)
        return {child: list(parents) for child, parents in part.parents[label].items()}

    async def current_names(self, label: str, keys: Iterable[str]) -> dict[str, str]:
        part = self._adoption()
        if part is None or label not in part.names:
            return await super().current_names(label, keys)
        names = part.names[label]
        return {key: names[key] for key in set(keys) if key in names}

    async def standard_platforms(self) -> list[tuple[str, str]]:
        if (part := self._adoption()) is None:
            return await super().standard_platforms()
        return list(part.standard)

    async def platform_owners(self, keys: Iterable[str]) -> list[PlatformOwners]:
        if (part := self._adoption()) is None:
            return await super().platform_owners(keys)
        return [part.platforms[key] for key in sorted(set(keys)) if key in part.platforms]

"""What a snapshot is: immutable parts loaded from the store by bulk reads, under one sync generation.

A ``SnapshotPart`` is one slice of current state (services and their identifiers, owners,
teams, the dependency graph, ...) loaded by one or a few table reads and never changed after
it is built, so any number of requests may read it at once without locks. A ``Snapshot``
holds one instance of every registered part (``catalog.read.snapshot.parts.PARTS``) together
with the sync generation it was built under; ``SnapshotReads`` is the base of the reader
mixins that answer from it and fall back to Cypher when there is no snapshot yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, Self, TypeVar

from catalog.read.reader import CatalogReader
from catalog.store.base import GraphStore, Row


class SnapshotPart(Protocol):
    """One immutable slice of current state.

    ``load`` reads what the part needs with one or a few bulk reads (``store.read_table``:
    no per-key round trips) and returns an object that is never mutated afterwards: tuples,
    frozen dataclasses, read-only mappings (``types.MappingProxyType``) or numpy arrays with
    ``writeable = False``. Heavy pure-Python construction belongs in ``asyncio.to_thread`` so
    the server's event loop keeps answering while a snapshot builds. ``at`` is the instant the
    snapshot is built for (ISO-8601 UTC): parts with a time window (on-call shifts) use it.

    A part that derives from what other parts hold, instead of reading the same tables again,
    names them in ``needs``: the build loads them first and passes them in ``earlier``
    (``Earlier.part``), whichever parts it was asked for.

    A part that only reads tables for another one to build from, so that those reads run while the other's
    other needs load, says ``transient = True``: the build drops it once every part needing it is loaded,
    and no snapshot holds it.
    """

    needs: ClassVar[tuple[type[SnapshotPart], ...]]

    @classmethod
    async def load(cls, store: GraphStore, *, at: str, earlier: Earlier) -> Self: ...


P = TypeVar("P", bound=SnapshotPart)


class MissingPart(LookupError):
    """A reader asked a snapshot for a part it was not built with (not in ``PARTS``)."""


@dataclass(frozen=True)
class Earlier:
    """The parts a build has loaded so far."""

    parts: Mapping[type, object] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def needed_by(cls, kind: type[SnapshotPart], loaded: Mapping[type, object]) -> Earlier:
        """What ``kind`` may read of the parts ``loaded`` so far: the parts it names in ``needs``."""
        return cls(MappingProxyType({needed: loaded[needed] for needed in kind.needs}))

    def part(self, kind: type[P]) -> P:
        """The loaded part of type ``kind``; raises ``MissingPart`` when the part using it does not name it in ``needs``."""
        try:
            return self.parts[kind]  # type: ignore[return-value]
        except KeyError:
            raise MissingPart(f"{kind.__name__} is not loaded yet: name it in the needs of the part that reads it") from None


Table = tuple[str, Mapping[str, str]] | tuple[str, Mapping[str, str], Mapping[str, Any]]
"""A table read's arguments: (match, columns) or (match, columns, params)."""


async def read_tables(store: GraphStore, *tables: Table) -> list[list[Row]]:
    """``store.read_table`` of each of ``tables``, one after the other
    (``build_snapshot``: a build must not starve requests). Each read starts only when the one before it is done, so
    a part cancelled mid-way leaves no read behind (not even one never awaited)."""
    return [await store.read_table(*table) for table in tables]


def is_transient(kind: type[SnapshotPart]) -> bool:
    """Whether a build drops ``kind`` once the parts needing it are loaded (``SnapshotPart``)."""
    return bool(getattr(kind, "transient", False))


def in_load_order(parts: Sequence[type[SnapshotPart]]) -> tuple[type[SnapshotPart], ...]:
    """``parts`` and every part they need, each after the parts it needs, otherwise in the order given."""
    ordered: dict[type[SnapshotPart], None] = {}
    visiting: set[type[SnapshotPart]] = set()

    def visit(kind: type[SnapshotPart]) -> None:
        if kind in ordered:
            return
        if kind in visiting:
            raise ValueError(f"snapshot parts need each other in a loop through {kind.__name__}")
        visiting.add(kind)
        for needed in kind.needs:
            visit(needed)
        visiting.discard(kind)
        ordered[kind] = None

    for kind in parts:
        visit(kind)
    return tuple(ordered)


@dataclass(frozen=True)
class Snapshot:
    """Every part of current state as of one sync generation."""

    generation: int
    """The store's sync generation the snapshot was built under (``catalog.store.generation``)."""
    synced_at: str | None
    """When the sync that advanced the store to ``generation`` finished; None before any sync."""
    built_at: str
    """When the build started (the ``at`` its parts were loaded for)."""
    parts: Mapping[type, object]
    build_seconds: float = 0.0
    part_seconds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """Each part's name → the seconds its load took (reads and construction), for logs and benchmarks."""
    first_seconds: float | None = None
    """The seconds until the build's first stage (``parts.FIRST``) was loaded, when it had two."""
    complete: bool = True
    """False for a build's first stage, given to the server while the rest loads (``build_snapshot``'s ``publish``):
    it holds fewer parts, and readers answer what it lacks from the store."""

    def part(self, kind: type[P]) -> P:
        """The part of type ``kind``; raises ``MissingPart`` when the snapshot has none."""
        try:
            found = self.parts[kind]
        except KeyError:
            raise MissingPart(f"the snapshot has no {kind.__name__} part; register it in catalog.read.snapshot.parts.PARTS") from None
        return found  # type: ignore[return-value]

    def has(self, kind: type) -> bool:
        return kind in self.parts


class SnapshotReads(CatalogReader):
    """The base of reader mixins that answer from a snapshot: each overridden method does
    ``if (snap := self.snapshot) is not None: ...`` and otherwise calls ``super()``, the Cypher reader."""

    def __init__(self, store: GraphStore, snapshot: Snapshot | None = None, **kwargs: int) -> None:
        self.read_store = False
        """Whether anything asked this reader for its store (a Cypher read, a history read, a write): then
        what it answered is not a function of the snapshot alone (``catalog.api.responses``)."""
        super().__init__(store, **kwargs)
        self.snapshot = snapshot

    @property
    def store(self) -> GraphStore:
        self.read_store = True
        return self._store

    @store.setter
    def store(self, store: GraphStore) -> None:
        self._store = store

"""Sharing equal values while a snapshot is built: its size is mostly repeated small values.

Every fact a sync wrote carries the same source, instance and timestamps, and the owner edges of
a source repeat the same evidence: one shared ``Provenance`` per distinct provenance and one
shared property map per distinct set of edge properties keeps a snapshot of a 20,000-service
company to tens of MB, and building it is a dictionary lookup per edge instead of new objects.
The values built equal the ones the Cypher reader builds (``GraphNode.from_map``); only their
identity is shared. Edges are numbered columns (``catalog.read.snapshot.current.EdgeColumns``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from catalog.core.model import NODES_BY_LABEL
from catalog.read.nodes import _NOT_READ, PROVENANCE_FIELDS, GraphNode, Provenance


def _interned(value: Any) -> Any:
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= _SHORT else value
    if isinstance(value, list):
        return [_interned(v) for v in value]
    return value


_SHORT = 256
"""Longer strings (descriptions, JSON links) are rarely repeated: not worth a lookup."""


def _shared(same: dict[Any, Any], value: Any) -> Any:
    return same.setdefault(value, value) if isinstance(value, str) else value


class FrozenProps(Mapping[str, Any]):
    """A node's properties as a read-only map: the names held once per label, the values in a tuple.

    Equal to the ``MappingProxyType`` the Cypher reader builds with the same items (``Mapping``'s
    equality), at a fraction of a dict's size: a snapshot holds tens of thousands of nodes.
    """

    __slots__ = ("_names", "_values")

    def __init__(self, names: Mapping[str, int], values: tuple[Any, ...]) -> None:
        self._names = names
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._names[name]]

    def get(self, name: str, default: Any = None) -> Any:
        at = self._names.get(name)
        return default if at is None else self._values[at]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"FrozenProps({dict(self.items())!r})"


class Interner:
    def __init__(self) -> None:
        self._provenance: dict[tuple[Any, ...], Provenance] = {}
        self._names: dict[tuple[str, ...], Mapping[str, int]] = {}
        self._shapes: dict[str, tuple[str, str, tuple[str, ...], Mapping[str, int]]] = {}
        self._lists: dict[tuple[Any, ...], list[Any]] = {}

    def listed(self, value: list[Any]) -> list[Any]:
        """A node's list property (tags, aliases), its texts interned, as one list per distinct list: nearly every
        service's are empty, and an empty list per service and property was 3 MB at scale M. Never changed: a
        snapshot's values are shared by every request already."""
        items: list[Any] = _interned(value)
        try:
            return self._lists.setdefault(tuple(items), items)
        except TypeError:  # a list of lists: not shared
            return items

    def names(self, names: tuple[str, ...]) -> Mapping[str, int]:
        """The index of ``names`` (each name's place in a ``FrozenProps``'s values), one per distinct tuple of names."""
        index = self._names.get(names)
        if index is None:
            index = self._names[names] = MappingProxyType({name: i for i, name in enumerate(names)})
        return index

    def _shape(self, label: str) -> tuple[str, str, tuple[str, ...], Mapping[str, int]]:
        """The label's name, key, the property names its nodes hold and their index (worked out once per label)."""
        shape = self._shapes.get(label)
        if shape is None:
            declared = NODES_BY_LABEL[label]
            names = tuple(p.name for p in declared.props if p.name not in _NOT_READ)
            shape = self._shapes[label] = (sys.intern(label), declared.key, names, self.names(names))
        return shape

    def nodes(self, label: str, columns: Mapping[str, Sequence[Any]]) -> list[GraphNode]:
        """``GraphNode.from_map(label, row)`` for every row of ``columns`` (a column read of the label's ``node_columns``),
        its provenance shared; a column at a time, the rows' values put together with ``zip``. Short texts are one object
        each already (a build reads under ``shared_texts``); texts inside lists (tags, aliases) are interned here."""
        name, key, names, index = self._shape(label)
        keys = [sys.intern(k if type(k) is str else str(k)) for k in columns[key]]
        none = [None] * len(keys)
        listed, one = list, self.listed
        values = [
            [one(v) if type(v) is listed else v for v in column] if any(type(v) is listed for v in column) else column
            for column in (columns.get(n, none) for n in names)
        ]
        found, provenance = self._provenance.get, self._provenance
        said = []
        for row in zip(*(columns[n] for n in PROVENANCE_FIELDS), strict=True):
            shared = found(row)
            if shared is None:
                shared = provenance[row] = Provenance(*row)
            said.append(shared)
        return [
            GraphNode(name, k, FrozenProps(index, props), p, None)
            for k, props, p in zip(keys, zip(*values, strict=True) if values else [()] * len(keys), said, strict=True)
        ]


class PackedRows:
    """Rows of one query held as tuples of (interned) values under one shared tuple of column names.

    A row as a dict costs a hash table per row; most on-call rows are looked at a handful at a time
    (one policy's shifts, one team's links), so they are held packed and unpacked when asked for.
    """

    __slots__ = ("_values", "columns")

    def __init__(self, columns: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self.columns = columns
        self._values = values
        """Every row's values one after the other, in one tuple (a tuple per row cost 56 bytes more each)."""

    @classmethod
    def of(
        cls, rows: Sequence[Mapping[str, Any]], columns: tuple[str, ...] | None = None, shared: dict[Any, Any] | None = None
    ) -> PackedRows:
        """``rows`` packed; equal strings among them (and among every call given the same ``shared``) become one object.

        A dictionary the caller drops after the build, not ``sys.intern``: most of these values (shift and
        policy keys, timestamps) are distinct, and Python's table of interned strings never shrinks."""
        names = columns if columns is not None else (tuple(rows[0]) if rows else ())
        same = shared if shared is not None else {}
        if not names:  # rows without columns: a None each, to count them
            return cls(names, (None,) * len(rows))
        return cls(names, tuple([_shared(same, row[name]) for row in rows for name in names]))

    def rows(self) -> list[dict[str, Any]]:
        names, values, width = self.columns, self._values, len(self.columns)
        if not width:
            return [{} for _ in values]
        return [dict(zip(names, values[at : at + width], strict=True)) for at in range(0, len(values), width)]

    def __len__(self) -> int:
        return len(self._values) // max(len(self.columns), 1)

"""The Node interface and global ids: every catalog object can be fetched again by its id.

A global id is base64 of ``Label:key`` (``Service:component:default/checkout``): opaque to
clients, stable across imports, and decodable without a lookup.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, TypeVar

import strawberry

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.read import GraphNode


@strawberry.interface(name="Node", description="An object with a global id, which `node(id:)` resolves again.")
class Node:
    row: strawberry.Private[GraphNode]

    @strawberry.field(description="Global id: opaque, stable, and accepted by `node(id:)` and `nodes(ids:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id(self.row.label, self.row.id))


N = TypeVar("N", bound=Node)
_TYPES: dict[str, type[Node]] = {}


def node_type(label: str) -> Callable[[type[N]], type[N]]:
    """Register the GraphQL type that presents nodes of a model label."""

    def register(cls: type[N]) -> type[N]:
        _TYPES[label] = cls
        return cls

    return register


def present(row: GraphNode) -> Node:
    """The GraphQL object for a node of any registered label."""
    return _TYPES[row.label](row=row)


def global_id(label: str, key: str) -> str:
    return base64.b64encode(f"{label}:{key}".encode()).decode("ascii")


def parse_global_id(value: str) -> tuple[str, str]:
    """``(label, key)`` from a global id; a clear error for anything this API did not issue."""
    try:
        label, sep, key = base64.b64decode(value.encode("ascii"), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        label, sep, key = "", "", ""
    if not sep or not key or label not in _TYPES:
        raise BadArgument(f"{value!r} is not a global id from this API; use the `id` field of a catalog object")
    return label, key


def _parsed(value: str) -> tuple[str, str] | None:
    try:
        return parse_global_id(value)
    except BadArgument:
        return None


async def _load(info: Info, parsed: list[tuple[str, str] | None]) -> list[Node | None]:
    loaders = info.context.loaders
    results: list[Node | None] = []
    pending = [None if p is None else loaders.node(p[0]).load(p[1]) for p in parsed]
    for waiting in pending:
        row = None if waiting is None else await waiting
        results.append(None if row is None else present(row))
    return results


@strawberry.type
class NodeQuery:
    @strawberry.field(description="The object with this global id; null when it no longer exists.")
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id, from the `id` field of any object.")]
    ) -> Node | None:
        return (await _load(info, [parse_global_id(id)]))[0]

    @strawberry.field(
        description="The objects with these global ids, in the same order; null for an id this API did not issue, so one bad id "
        "does not void the others."
    )
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, from `id` fields.")]
    ) -> list[Node | None]:
        return await _load(info, [_parsed(value) for value in ids])

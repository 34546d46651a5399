"""The Node interface and global ids: every catalog object can be fetched again by its id.

A global id is opaque and versioned: ``<type code><version>_<base64url of the catalog key>``, e.g.
``S1_Y29tcG9uZW50OmRlZmF1bHQvY2hlY2tvdXQ``. Clients store and pass it back, never decode it; the
version lets a later release change the encoding and still read the ids it issued before.

Entities are keyed by their names (``component:default/checkout``), as their sources key them:
Backstage, OpsLevel and Cortex give a renamed entity a new identity too. So an id survives a
rename the way the catalog learns of one, through recorded history, not a synthetic key:

- a retired entity still resolves by id, marked ``isRetired``, with its history;
- a retired service whose old name a current service now carries as an alias (the usual way to
  rename without breaking callers: ``ownership-catalog.io/aliases``, OpsLevel ``aliases``)
  resolves to that current service.

A synthetic key the store assigns would survive renames no source records, but then nothing could
tell whether a name that reappears is the same entity; the name-derived key cannot be wrong.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, TypeVar

import strawberry

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.read import GraphNode

ID_VERSION = 1


@strawberry.interface(name="Node", description="An object with a global id, which `node(id:)` resolves again.")
class Node:
    row: strawberry.Private[GraphNode]

    @strawberry.field(description="Global id: opaque and versioned; stable across imports and accepted by `node(id:)` and `nodes(ids:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id(self.row.label, self.row.id))


N = TypeVar("N", bound=Node)
_TYPES: dict[str, type[Node]] = {}

CODES = {
    "Service": "S",
    "Resource": "R",
    "Team": "T",
    "Person": "P",
    "System": "SY",
    "Domain": "D",
    "API": "A",
    "Platform": "PL",
    "Repository": "RP",
    "Workload": "W",
    "EscalationPolicy": "EP",
    "Schedule": "SC",
    "Finding": "F",
    "Audit": "AU",
}
"""The type code of each label's ids: part of the id format, so a code never changes or moves."""
_LABELS = {code: label for label, code in CODES.items()}


@strawberry.enum(description="The kinds of catalog object (the GraphQL type of a `Node`), e.g. for filtering by what something is about.")
class NodeKind(Enum):
    SERVICE = "Service"
    RESOURCE = "Resource"
    TEAM = "Team"
    PERSON = "Person"
    SYSTEM = "System"
    DOMAIN = "Domain"
    API = "API"
    PLATFORM = "Platform"
    REPOSITORY = "Repository"
    WORKLOAD = "Workload"
    ESCALATION_POLICY = "EscalationPolicy"
    SCHEDULE = "Schedule"
    FINDING = "Finding"


if {k.value for k in NodeKind} != set(CODES) - {"Audit"}:
    raise RuntimeError("catalog.api.node.NodeKind must list every label of CODES but Audit")

_ID = re.compile(r"^(?P<code>[A-Z]{1,2})(?P<version>[0-9]+)_(?P<key>[A-Za-z0-9_-]+)$")

Resolver = Callable[[Info, str], Awaitable["Node | None"]]
_RESOLVERS: dict[str, Resolver] = {}


def node_type(label: str) -> Callable[[type[N]], type[N]]:
    """Register the GraphQL type that presents nodes of a model label."""

    def register(cls: type[N]) -> type[N]:
        _TYPES[label] = cls
        return cls

    return register


def node_resolver(label: str) -> Callable[[Resolver], Resolver]:
    """Register how ids of a label that is no stored node (an audit) resolve."""

    def register(resolve: Resolver) -> Resolver:
        _RESOLVERS[label] = resolve
        return resolve

    return register


def present(row: GraphNode) -> Node:
    """The GraphQL object for a node of any registered label."""
    return _TYPES[row.label](row=row)


def present_label(label: str, row: GraphNode) -> Node:
    """The object of the type registered for ``label`` presenting ``row`` (``catalog.api.present`` types it)."""
    return _TYPES[label](row=row)


def global_id(label: str, key: str) -> str:
    encoded = base64.urlsafe_b64encode(key.encode()).decode("ascii").rstrip("=")
    return f"{CODES[label]}{ID_VERSION}_{encoded}"


def parse_global_id(value: str) -> tuple[str, str]:
    """``(label, key)`` from a global id; a clear error for anything this API did not issue."""
    found = _ID.match(value)
    label = _LABELS.get(found["code"]) if found else None
    key = ""
    if found and label and int(found["version"]) == ID_VERSION:
        text = found["key"]
        try:
            key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (binascii.Error, UnicodeError, ValueError):
            key = ""
    if label is None or not key or (label not in _TYPES and label not in _RESOLVERS):
        raise BadArgument(f"{value!r} is not a global id from this API; use the `id` field of a catalog object")
    return label, key


async def resolve_node(info: Info, label: str, key: str) -> Node | None:
    """The object an id names: current, retired (marked so), or, for a renamed service, its successor."""
    custom = _RESOLVERS.get(label)
    if custom is not None:
        return await custom(info, key)
    row = await info.context.loaders.node_with_retired(label).load(key)
    if row is not None and row.retired_at is not None and label == "Service":
        successor = await info.context.reader.renamed_service(row)
        if successor is not None:
            row = successor
    return None if row is None else present(row)


def _parsed(value: str) -> tuple[str, str] | None:
    try:
        return parse_global_id(value)
    except BadArgument:
        return None


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this global id: current, or retired (`isRetired`); a service renamed with its old name "
        "kept as an alias resolves to the renamed service. Null when the catalog never held it."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id, from the `id` field of any object.")]
    ) -> Node | None:
        label, key = parse_global_id(id)
        return await resolve_node(info, label, key)

    @strawberry.field(
        description="The objects with these global ids, in the same order, as `node` resolves each; null for an id this API did "
        "not issue, so one bad id does not void the others."
    )
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, from `id` fields.")]
    ) -> list[Node | None]:
        results: list[Node | None] = []
        parsed = [_parsed(value) for value in ids]
        # Loaders batch: start every load before awaiting any.
        pending = [None if p is None else asyncio.ensure_future(resolve_node(info, *p)) for p in parsed]
        for waiting in pending:
            results.append(None if waiting is None else await waiting)
        return results

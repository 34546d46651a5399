"""What a query asks of the items of a connection, read from the document before they are resolved.

A connection resolver that knows its nodes' ``ownershipClaims`` (or ``owners``) will be asked can
load them for the whole page in one batch first; each node's field then answers at once from the
request's loader (``catalog.api.loaders.done``) instead of returning an awaitable, which graphql-core
runs as a task per item. Directives are not evaluated: a field under ``@skip`` counts as asked, which
costs at most that one batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from strawberry.types.nodes import SelectedField, Selection

from catalog.api.context import Info


def _fields(selections: Sequence[Selection], name: str) -> Iterator[SelectedField]:
    """The fields called ``name`` among ``selections``, through inline fragments and fragment spreads."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection
        else:
            yield from _fields(selection.selections, name)


def asks_of_nodes(info: Info, name: str, *within: str) -> bool:
    """Whether the connection being resolved asks ``name`` of its items (``nodes { name }`` or ``edges { node { name } }``),
    and, with ``within``, those fields of it in turn (``asks_of_nodes(info, "policies", "policy")``: ``nodes { policies { policy } }``)."""
    path = (name, *within)
    for connection in info.selected_fields:
        nodes = [
            *_fields(connection.selections, "nodes"),
            *(n for e in _fields(connection.selections, "edges") for n in _fields(e.selections, "node")),
        ]
        if any(_asks(node.selections, path) for node in nodes):
            return True
    return False


def _asks(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    return any(not path[1:] or _asks(found.selections, path[1:]) for found in _fields(selections, path[0]))

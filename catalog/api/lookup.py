"""Turning what clients type (names, references) into node keys, with errors that say how to write them."""

from __future__ import annotations

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.core.model import OWNS
from catalog.core.refs import InvalidReference, parse_ref
from catalog.read import GraphNode, key_of, kind_of


async def by_name(info: Info, label: str, name: str, namespace: str) -> GraphNode | None:
    """The current entity of ``label`` with this name in this namespace, ignoring case."""
    if not name.strip():
        raise BadArgument("name is empty; give the entity's name, e.g. `checkout`")
    key = key_of(label, namespace or "default", name.strip())
    loaders = info.context.loaders
    if label in OWNS.to_labels and _selects(info, "owners"):
        # Looking ahead: the entity and its owners in one round trip, primed into the loaders
        # the fields read from (an owner lookup is the API's most frequent request).
        node, resolved = await info.context.reader.node_with_resolved_owners(label, key)
        loaders.node(label).prime(key, node)
        if node is not None:
            loaders.resolved_owners(label).prime(key, resolved)
        return node
    if label in OWNS.to_labels and _selects(info, "ownershipClaims"):
        node, claims = await info.context.reader.node_with_owners(label, key)
        loaders.node(label).prime(key, node)
        if node is not None:
            loaders.owners(label).prime(key, claims)
        return node
    return await loaders.node(label).load(key)


def _selects(info: Info, name: str) -> bool:
    """Whether the field being resolved selects ``name`` directly (not through a fragment)."""
    return any(getattr(child, "name", None) == name for field in info.selected_fields for child in field.selections)


def ref_key(text: str, label: str, argument: str) -> str:
    """The key of a reference written ``[kind:][namespace/]name`` whose kind defaults to ``label``'s."""
    kind = kind_of(label)
    try:
        ref = parse_ref(text, default_kind=kind)
    except InvalidReference as exc:
        raise BadArgument(f"{argument}: {exc}") from exc
    if ref.kind != kind:
        raise BadArgument(f"{argument}: {text!r} is a {ref.kind} reference; give a {kind}, e.g. {kind}:default/{ref.name}")
    return ref.key

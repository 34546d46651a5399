"""Turning what clients type (names, references) into node keys, with errors that say how to write them."""

from __future__ import annotations

from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.read import GraphNode, key_of, kind_of
from catalog.refs import InvalidReference, parse_ref


async def by_name(info: Info, label: str, name: str, namespace: str) -> GraphNode | None:
    """The current entity of ``label`` with this name in this namespace, ignoring case."""
    if not name.strip():
        raise BadArgument("name is empty; give the entity's name, e.g. `checkout`")
    return await info.context.loaders.node(label).load(key_of(label, namespace or "default", name.strip()))


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

"""Resolvers without Strawberry's per-field wrapper for fields that take no arguments.

For every field with a resolver, Strawberry's wrapper builds an ``Info``, converts the (absent)
arguments, checks for field extensions and chains them with ``functools.reduce``/``partial``,
then calls the method: at scale M that wrapper cost more than the answers themselves (a team's
page of 100 services with their owners: about 1,000 fields; a hub's blast radius page: about
3,000). For a field that takes no arguments and has no field extensions (so no permission
classes) and when the schema has no exception handlers, the wrapper does exactly this: call the
method with the parent object as ``self`` (or ``root``/``parent``) and an ``Info`` when the method
asks for one. ``lean_resolvers`` installs that call directly on the built schema, before
``guard_fields`` wraps the scoped fields (so their guard still runs first).

Fields with arguments, extensions, or anything else keep Strawberry's own resolver. The result
of a field is the method's result either way (an async method's coroutine is awaited by
graphql-core), so answers, errors and their paths are unchanged; ``tests/test_lean_fields.py``
runs documents against a schema with and without it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import strawberry
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_IGNORE_INFO: weakref.WeakKeyDictionary[Callable[..., Any], Callable[[Any], Any]] = weakref.WeakKeyDictionary()
"""The direct calls installed for resolvers that do not take ``info``, each with the same call of the parent alone."""


def ignores_info(resolve: Callable[..., Any]) -> bool:
    """Whether a GraphQL field's resolver never reads its ``info`` argument: a direct call installed here for a
    method that takes only ``self``, or Strawberry's resolver of a plain attribute (no resolver, no extensions)."""
    return resolve in _IGNORE_INFO or getattr(resolve, "_is_default", False) is True


def of_parent(resolve: Callable[..., Any], definition: object) -> Callable[[Any], Any] | None:
    """For a resolver that ``ignores_info`` and takes no arguments, the same call with the parent alone: the method
    itself, or for Strawberry's resolver of a plain attribute (``definition``, its field) with the default resolver, an
    ``attrgetter`` (``getattr(parent, name)``, as ``StrawberryField.get_result`` does); else None."""
    found = _IGNORE_INFO.get(resolve)
    if found is not None:
        return found
    if (
        getattr(resolve, "_is_default", False) is True
        and isinstance(definition, StrawberryField)
        and definition.base_resolver is None
        and definition.default_resolver is getattr
    ):
        return attrgetter(definition.python_name)
    return None


def _lean(field: StrawberryField, info_class: type[strawberry.Info[Any, Any]]) -> Callable[..., Any] | None:
    """The direct call of ``field``'s resolver, or None when Strawberry's wrapper does more than call it."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    call = resolver.wrapped_func
    if not callable(call):
        return None
    takes_self = resolver.self_parameter is not None
    as_source = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    if info_name is None:
        if not as_source:
            direct = (lambda source, info, **_: call(source)) if takes_self else (lambda source, info, **_: call())
            _IGNORE_INFO[direct] = call if takes_self else (lambda source: call())
        else:  # e.g. ``text_prop``'s ``resolve(root)``

            def direct(source: Any, info: Any, **_: Any) -> Any:
                kwargs = dict.fromkeys(as_source, source)
                return call(source, **kwargs) if takes_self else call(**kwargs)

            def alone(source: Any) -> Any:  # (not ``direct``'s closure: the key must not be kept alive by its value)
                kwargs = dict.fromkeys(as_source, source)
                return call(source, **kwargs) if takes_self else call(**kwargs)

            _IGNORE_INFO[direct] = alone
        return direct

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(as_source, source)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return call(source, **kwargs) if takes_self else call(**kwargs)

    return resolve


def lean_resolvers(schema: strawberry.Schema) -> int:
    """Install the direct call on every field of ``schema`` it suits (see the module docstring); how many it did."""
    if schema.exception_handlers:
        return 0
    info_class = schema.config.info_class
    done = 0
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType) or named.name.startswith("__"):
            continue
        for graphql_field in named.fields.values():
            definition = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or definition.is_subscription:
                continue
            lean = _lean(definition, info_class)
            if lean is not None:
                graphql_field.resolve = lean
                done += 1
    return done

"""graphql-core's executor with a short path for leaf fields whose resolver needs nothing but its parent.

A hub's blast radius page completes about 3,400 fields, a page of adoption about 7,500, and most
of them are leaves (a name, a count, a reference). For each one graphql-core builds a resolve info
(a 15-item tuple, with Strawberry's subclass), a list of the field's nodes, checks for arguments,
calls the resolver, then completes the value through ``complete_value`` twice (the non-null
wrapper, then the scalar) with a type test at every step: at scale M that machinery cost more
than the answers it carried (profiled: 60% of the hub page's CPU time in graphql-core and
Strawberry's execution code, against 18% in the catalog's own resolvers and reads).

``plan_leaf_fields`` marks, on the built schema, each field whose resolver is known to ignore its
``info`` argument (``catalog.api.lean_fields``' direct calls of resolvers that take no ``info``,
and Strawberry's resolver of a plain attribute) and whose type is a scalar or enum, perhaps
non-null, with no arguments. ``LeanExecutor.execute_fields`` resolves such a field with ``info``
None and coerces the value as ``complete_leaf_value`` does; everything else, and a marked field
whose resolver has since been replaced (``catalog.auth.fields`` wraps the scoped ones) or that
returns an awaitable, takes graphql-core's own path. Values, errors, their messages and paths
are unchanged: ``tests/test_lean_fields.py`` runs documents through both executors.

``LeanExecutor.complete_value`` takes an object value (each item of a page) straight to its
sub-selection: the non-null, null, list, leaf and abstract tests are decided once per type.

Every other field gets a ``FieldPlan`` once per selection set and request (the steps of a page's
items are shared): its resolver, its argument values (they depend on the document and the
variables only), whether the resolver reads ``info``, and how its type completes (``Completion``:
non-null, list, leaf, object or abstract, decided once). ``_field`` resolves it with a resolve info
only when the resolver or an unusual value needs one, and ``_complete`` does ``complete_value``'s
work by the plan: lists and tuples item by item without the stream, iterable and awaitable
bookkeeping of plain values, objects straight to their sub-selection's steps (kept on the plan per
object type, so ``collect_subfields`` and the step lookup run once per field, not per object), and
union members known by class without Strawberry's resolver. Anything else (an awaitable value, an
iterable that is not a list, an abstract value of an unknown class, ``@defer`` and ``@stream``)
takes graphql-core's own path at that point, with a resolve info built then. Before the
sub-selection, Strawberry's generated ``is_type_of`` is called once per class (it answers by class,
unless the value is cast, which is checked every time). Errors are raised and handled where
graphql-core raises and handles them, with the same messages, paths and nullability;
``tests/test_lean_execution.py`` holds whole results to graphql-core's over every such shape.

Union members are resolved from the value's class (``fast_union_types``): Strawberry's resolver
tries casts and object definitions for each value, and a page of dependency edges resolves
hundreds of unions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, NamedTuple

import strawberry
from graphql import (
    FieldNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from graphql.type.scalars import GRAPHQL_MAX_INT as _MAX_INT
from graphql.type.scalars import GRAPHQL_MIN_INT as _MIN_INT
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_int, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE, get_strawberry_type_cast

from catalog.api.lean_fields import ignores_info, of_parent

_UNKNOWN = object()


def _object_of(output: Any) -> GraphQLObjectType | None:
    named = output.of_type if isinstance(output, GraphQLNonNull) else output
    return named if isinstance(named, GraphQLObjectType) else None


LEAF_PLAN = "catalog.lean_leaf"
"""The key of a field's ``LeafPlan`` in its GraphQL field's ``extensions``."""


class LeafPlan(NamedTuple):
    field: GraphQLField
    resolve: Callable[..., Any]
    """The resolver the plan was made for: a field whose resolver has since been replaced takes the full path."""
    leaf: GraphQLLeafType
    non_null: bool
    get: Callable[[Any], Any]
    """The same call with the parent alone (``catalog.api.lean_fields.of_parent``): the method, or an ``attrgetter``."""
    same: type | None
    """The class whose values the leaf type's coercion returns as they are: ``str`` for graphql-core's String and ID,
    ``bool`` for its Boolean, ``int`` for its Int (within 32 bits)."""


_LEAF, _OBJECT, _ABSTRACT, _LIST = range(4)

_PLAIN = frozenset((str, int, float, bool, type(None), dict, list))
"""Classes of completed values that are never awaitable."""


class Completion(NamedTuple):
    """How a value of one output type is completed: the tests of graphql-core's ``complete_value``, decided once."""

    type: GraphQLOutputType
    """The type, perhaps non-null."""
    kind: int
    non_null: bool
    named: Any
    """The leaf, object or abstract type, or the list type."""
    item: Completion | None
    """A list's items."""
    plain_is_type_of: bool
    """An object type without ``is_type_of``, or with Strawberry's own, which ignores its ``info``."""


def _completion(output: GraphQLOutputType) -> Completion:
    non_null = isinstance(output, GraphQLNonNull)
    named = output.of_type if isinstance(output, GraphQLNonNull) else output
    if isinstance(named, GraphQLList):
        return Completion(output, _LIST, non_null, named, _completion(named.of_type), True)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return Completion(output, _LEAF, non_null, named, None, True)
    if isinstance(named, GraphQLObjectType):
        return Completion(output, _OBJECT, non_null, named, None, _plain_is_type_of(named))
    return Completion(output, _ABSTRACT, non_null, named, None, True)


def _plain_is_type_of(object_type: GraphQLObjectType) -> bool:
    """Whether the type's ``is_type_of`` is absent or Strawberry's (``schema_converter``'s ``is_type_of(obj, _info)``)."""
    is_type_of = object_type.is_type_of
    if is_type_of is None:
        return True
    code = getattr(is_type_of, "__code__", None)
    return (
        getattr(is_type_of, "__module__", None) == "strawberry.schema.schema_converter"
        and code is not None
        and code.co_varnames[:2] == ("obj", "_info")
    )


class FieldPlan(NamedTuple):
    """A field that is not a planned leaf, as ``execute_field`` would find it for every object of a selection set."""

    field: GraphQLField
    name: str
    nodes: list[FieldNode]
    resolve: Callable[..., Any]
    args: dict[str, Any]
    """Its argument values: they depend on the document and the variables only, so they are the same for every object."""
    needs_info: bool
    completion: Completion
    get: Callable[[Any], Any] | None
    """For a resolver that needs only the parent: the same call with the parent alone (``lean_fields.of_parent``)."""
    subs: dict[int, tuple[list[Step] | None, set[type]]]
    """By an object type's id: the steps of this field's sub-selection on it (None when it defers fragments), and the
    classes of values its plain ``is_type_of`` accepted."""


Step = tuple[str, "FieldDetailsList", LeafPlan | FieldPlan | None]
"""A response key, its field's nodes, and the field's plan when it takes the short path."""


def _leaf_type(field_type: Any) -> tuple[GraphQLLeafType, bool] | None:
    non_null = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if non_null else field_type
    return (named, non_null) if isinstance(named, GraphQLScalarType | GraphQLEnumType) else None


_SAME: dict[Callable[..., Any], type] = {serialize_string: str, serialize_id: str, serialize_boolean: bool, serialize_int: int}


def _without_info(resolve: Callable[..., Any], source: Any) -> Any:
    return resolve(source, None)


def plan_leaf_fields(schema: strawberry.Schema, ignores_info: Callable[[Callable[..., Any]], bool]) -> int:
    """Mark every leaf field without arguments whose resolver ``ignores_info`` (see the module docstring); how many."""
    planned = 0
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            leaf = _leaf_type(field.type)
            if leaf is None or field.args or field.resolve is None or not ignores_info(field.resolve):
                continue
            resolve = field.resolve
            get = of_parent(resolve, (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF))
            if get is None:
                get = partial(_without_info, resolve)
            plan = LeafPlan(field, resolve, *leaf, get, _SAME.get(leaf[0].coerce_output_value))
            field.extensions = {**(field.extensions or {}), LEAF_PLAN: plan}
            planned += 1
    return planned


def fast_union_types(schema: strawberry.Schema) -> int:
    """Resolve each union's member from the value's class, learnt from Strawberry's own resolver the first time a
    class is seen (a class is a member or not whatever its instance); how many unions."""
    done = 0
    for named in schema._schema.type_map.values():
        if isinstance(named, GraphQLUnionType) and named.resolve_type is not None:
            named.resolve_type = _by_class(named.resolve_type)
            done += 1
    return done


class _by_class:
    """A union's ``resolve_type``: Strawberry's the first time a class is seen, then the name it gave (``known``)."""

    def __init__(self, resolve_type: Callable[..., Any]) -> None:
        self.resolve_type = resolve_type
        self.known: dict[type, str] = {}

    def __call__(self, value: Any, info: GraphQLResolveInfo[Any], abstract: GraphQLAbstractType) -> Any:
        if get_strawberry_type_cast(value) is not None:  # a cast marks the instance, not its class
            return self.resolve_type(value, info, abstract)
        name = self.known.get(value.__class__)
        if name is not None:
            return name
        found = self.resolve_type(value, info, abstract)
        definition = getattr(value.__class__, "__strawberry_definition__", None)
        if isinstance(found, str) and definition is not None and definition.name == found:
            self.known[value.__class__] = found
        return found


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with planned leaf fields resolved and completed in the loop over an object's fields
    (see the module docstring)."""

    _objects: dict[int, object] | None = None
    """By a GraphQL output type's id: its object type when it is one, perhaps non-null; else None."""
    _wrapped: bool | None = None
    """Whether middleware wraps the resolvers (known at the first object)."""
    _steps: dict[int, tuple[GraphQLObjectType, GroupedFieldSet, list[Step]]]
    _runtime: dict[tuple[int, str], tuple[GraphQLObjectType, bool]]
    """By an abstract type's id and a member's name: the member, checked (``ensure_valid_runtime_type``), and whether its
    ``is_type_of`` is plain."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        steps = self._steps_of(parent_type, grouped_field_set)
        if steps is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        return self._run(parent_type, source_value, path, steps, position_context)

    def _run(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, steps: list[Step], position_context: Any
    ) -> AwaitableOrValue[dict[str, Any]]:
        """``execute_fields`` by the selection set's ``steps``."""
        # graphql-core's loop (``Executor.execute_fields``), with the planned leaves done in place: no resolve info,
        # no path unless an error needs one, no second pass through ``complete_value``.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in steps:
                if plan is None or (position_context is not None and plan.__class__ is FieldPlan):
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, Path(path, response_name, parent_type.name), position_context
                    )
                    if result is Undefined:
                        continue
                elif plan.__class__ is LeafPlan:
                    result = self._leaf(plan, parent_type, source_value, field_details_list, path, response_name, position_context)
                else:
                    result = self._field(plan, parent_type, source_value, field_details_list, Path(path, response_name, parent_type.name))  # type: ignore[arg-type]
                results[response_name] = result
                if result.__class__ not in _PLAIN and is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's ``complete_value``, going straight to the sub-selection of an object value (each item of a page):
        the non-null unwrapping, the null and list and leaf and abstract tests of every item, decided once per type."""
        # (Per request: the schema's types live at least as long, so their ids name them.)
        objects = self._objects
        if objects is None:
            objects = self._objects = {}
        object_type = objects.get(id(return_type), _UNKNOWN)
        if object_type is _UNKNOWN:
            object_type = objects[id(return_type)] = _object_of(return_type)
        if object_type is None or result is None or result is Undefined or isinstance(result, Exception) or position_context is not None:
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        assert isinstance(object_type, GraphQLObjectType)
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            matches = is_type_of(result, info)
            if self.is_awaitable(matches):
                return self._subfields_once(matches, object_type, field_details_list, path, result)
            if not matches:
                raise invalid_return_type_error(object_type, result, field_details_list)
        return self._subfields(object_type, field_details_list, path, result)

    def _subfields(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, path: Path, result: Any
    ) -> AwaitableOrValue[dict[str, Any]]:
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return self.execute_collected_subfields(object_type, result, path, grouped_field_set, new_defer_usages, None)
        return self.execute_fields(object_type, result, path, grouped_field_set, None)

    async def _subfields_once(
        self, matches: Any, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, path: Path, result: Any
    ) -> dict[str, Any]:
        """``_subfields`` after an asynchronous ``is_type_of`` (graphql-core's ``complete_object_value`` does the same)."""
        if not await self.with_abort_signal(matches):
            raise invalid_return_type_error(object_type, result, field_details_list)
        completed = self._subfields(object_type, field_details_list, path, result)
        if isinstance(completed, dict):
            return completed
        return await completed

    def _leaf(
        self,
        plan: LeafPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """``execute_field`` and ``complete_value`` of a planned leaf, with their errors and messages."""
        try:
            result = plan.get(source)
            kind = result.__class__
            if kind is plan.same and (kind is not int or _MIN_INT <= result <= _MAX_INT):
                return result
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if plan.non_null:
                    raise TypeError(
                        f"Cannot return null for non-nullable field {parent_type.name}.{field_details_list[0].node.name.value}."
                    )
                return None
            if self.is_awaitable(result):
                field_path = Path(path, response_name, parent_type.name)
                info = self.build_resolve_info(plan.field, [d.node for d in field_details_list], parent_type, field_path)
                return self.complete_awaitable_value(plan.field.type, field_details_list, info, field_path, result, position_context)
            return self.complete_leaf_value(plan.leaf, result)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field.type, field_details_list, Path(path, response_name, parent_type.name))
            return None

    def _steps_of(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> list[Step] | None:
        """Each response key's field and its plan, once per selection set and request (a list's items share one);
        None when no field of it is planned or middleware wraps the resolvers."""
        if self._wrapped is None:
            # (A schema extension that implements ``resolve`` wraps every resolver: then nothing may bypass it.)
            manager = self.middleware_manager
            self._wrapped = manager is not None and getattr(manager, "_middleware_resolvers", True) is not None
            self._steps = {}
            self._runtime = {}
        if self._wrapped:
            return None
        kept = self._steps.get(id(grouped_field_set))
        if kept is not None and kept[0] is parent_type and kept[1] is grouped_field_set:
            return kept[2]
        steps: list[Step] = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            if field_def is None:
                steps.append((response_name, field_details_list, None))
                continue
            plan: LeafPlan | FieldPlan | None = field_def.extensions.get(LEAF_PLAN)
            if plan is not None and (plan.resolve is not field_def.resolve or node.arguments):
                plan = None
            if plan is None:
                plan = self._field_plan(field_def, field_details_list)
            steps.append((response_name, field_details_list, plan))
        # (The selection set is kept with its steps, so that its id cannot be reused during the request.)
        self._steps[id(grouped_field_set)] = (parent_type, grouped_field_set, steps)
        return steps

    def _field_plan(self, field_def: GraphQLField, field_details_list: FieldDetailsList) -> FieldPlan | None:
        """The plan of a field for every object of its selection set; None when ``execute_field`` must do it: argument
        values it cannot coerce (each object then fails as before), or a ``@stream``."""
        details = field_details_list[0]
        node = details.node
        if any(directive.name.value == "stream" for d in field_details_list for directive in d.node.directives or ()):
            return None
        args: dict[str, Any] = {}
        if field_def.args or node.arguments:
            try:
                args = get_argument_values(field_def, node, self.variable_values, details.fragment_variable_values, self.hide_suggestions)
            except Exception:
                return None
        resolve = field_def.resolve or self.field_resolver
        needs_info = field_def.resolve is None or not ignores_info(resolve)
        return FieldPlan(
            field_def,
            node.name.value,
            [d.node for d in field_details_list],
            resolve,
            args,
            needs_info,
            _completion(field_def.type),
            None if needs_info or args else of_parent(resolve, field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)),
            {},
        )

    def _info(self, plan: FieldPlan, parent_type: GraphQLObjectType, field_path: Path) -> GraphQLResolveInfo[Any]:
        return self.build_resolve_info(plan.field, plan.nodes, parent_type, field_path)

    def _field(self, plan: FieldPlan, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList, path: Path) -> Any:
        """``execute_field`` of a planned field: no resolve info unless its resolver or an unusual value needs one, and
        its value completed by ``_complete``; the same values, errors and paths."""
        info = self.build_resolve_info(plan.field, plan.nodes, parent_type, path) if plan.needs_info else None
        try:
            get = plan.get
            result = get(source) if get is not None else plan.resolve(source, info, **plan.args)
            if result.__class__ not in _PLAIN and self.is_awaitable(result):
                if info is None:
                    info = self._info(plan, parent_type, path)
                return self.complete_awaitable_value(plan.field.type, field_details_list, info, path, result, None)
            completed = self._complete(plan.completion, plan, parent_type, field_details_list, path, path, result, info)
            if completed.__class__ not in _PLAIN and self.is_awaitable(completed):
                return self._completed_later(completed, plan.field.type, field_details_list, path)
            return completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field.type, field_details_list, path)
            return None

    async def _completed_later(
        self, completed: Awaitable[Any], return_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path
    ) -> Any:
        """A completion that awaits (an asynchronous field below), its error handled at ``path`` as graphql-core does."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _complete(
        self,
        completion: Completion,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        field_path: Path,
        path: Path,
        result: Any,
        info: GraphQLResolveInfo[Any] | None,
    ) -> AwaitableOrValue[Any]:
        """``complete_value`` by the plan's ``completion``; ``info`` is built (for the field's path) only if needed."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            if completion.non_null:
                raise TypeError(f"Cannot return null for non-nullable field {parent_type.name}.{plan.name}.")
            return None
        kind = completion.kind
        if kind == _OBJECT:
            return self._object(
                completion.named, completion.plain_is_type_of, plan, parent_type, field_details_list, field_path, path, result, info
            )
        if kind == _LEAF:
            return self.complete_leaf_value(completion.named, result)
        if kind == _LIST:
            return self._list(completion, plan, parent_type, field_details_list, field_path, path, result, info)
        return self._abstract(completion.named, plan, parent_type, field_details_list, field_path, path, result, info)

    def _object(
        self,
        object_type: GraphQLObjectType,
        plain_is_type_of: bool,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        field_path: Path,
        path: Path,
        result: Any,
        info: GraphQLResolveInfo[Any] | None,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """``complete_object_value``."""
        sub = plan.subs.get(id(object_type))
        if sub is None:
            # (``collect_subfields`` and ``_steps_of`` once per field and type, not once per object.)
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
            steps = None if new_defer_usages else self._steps_of(object_type, grouped_field_set)
            sub = plan.subs[id(object_type)] = (steps, set())
        steps, typed = sub
        is_type_of = object_type.is_type_of
        if is_type_of is not None and (result.__class__ not in typed or getattr(result, TYPE_CAST_ATTRIBUTE, None) is not None):
            if info is None and not plain_is_type_of:
                info = self._info(plan, parent_type, field_path)
            matches = is_type_of(result, info)  # type: ignore[arg-type]
            if self.is_awaitable(matches):
                return self._subfields_once(matches, object_type, field_details_list, path, result)
            if not matches:
                raise invalid_return_type_error(object_type, result, field_details_list)
            if plain_is_type_of and matches is True and get_strawberry_type_cast(result) is None:
                # (Strawberry's ``is_type_of`` answers by the value's class unless the value is cast.)
                typed.add(result.__class__)
        if steps is None:
            return self._subfields(object_type, field_details_list, path, result)
        return self._run(object_type, result, path, steps, None)

    def _abstract(
        self,
        abstract: GraphQLAbstractType,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        field_path: Path,
        path: Path,
        result: Any,
        info: GraphQLResolveInfo[Any] | None,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """``complete_abstract_value``: a union member known by the value's class (``_by_class``) completes as an object;
        anything else takes graphql-core's path."""
        resolve_type = abstract.resolve_type
        name = (
            resolve_type.known.get(result.__class__)
            if isinstance(resolve_type, _by_class) and getattr(result, TYPE_CAST_ATTRIBUTE, None) is None
            else None
        )
        if name is None:
            if info is None:
                info = self._info(plan, parent_type, field_path)
            return self.complete_abstract_value(abstract, field_details_list, info, path, result, None)
        runtime = self._runtime.get((id(abstract), name))
        if runtime is None:
            if info is None:
                info = self._info(plan, parent_type, field_path)
            member = self.ensure_valid_runtime_type(name, abstract, field_details_list, info, result)
            runtime = self._runtime[(id(abstract), name)] = (member, _plain_is_type_of(member))
        return self._object(runtime[0], runtime[1], plan, parent_type, field_details_list, field_path, path, result, info)

    def _list(
        self,
        completion: Completion,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        field_path: Path,
        path: Path,
        result: Any,
        info: GraphQLResolveInfo[Any] | None,
    ) -> AwaitableOrValue[list[Any]]:
        """``complete_list_value`` of a list or tuple (anything else takes graphql-core's path); a planned field has no
        ``@stream``."""
        if result.__class__ is not list and result.__class__ is not tuple:
            if info is None:
                info = self._info(plan, parent_type, field_path)
            return self.complete_list_value(completion.named, field_details_list, info, path, result, None)
        item = completion.item
        assert item is not None
        is_awaitable = self.is_awaitable
        complete = self._complete
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        try:
            for index, value in enumerate(result):
                item_path = Path(path, index, None)
                if is_awaitable(value):
                    if info is None:
                        info = self._info(plan, parent_type, field_path)
                    append(self.complete_awaitable_list_item_value(value, item.type, field_details_list, info, item_path, None))
                    awaitable_indices.append(index)
                    continue
                try:
                    completed = complete(item, plan, parent_type, field_details_list, field_path, item_path, value, info)
                    if completed.__class__ not in _PLAIN and is_awaitable(completed):
                        completed = self._completed_later(completed, item.type, field_details_list, item_path)
                        awaitable_indices.append(index)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item.type, field_details_list, item_path)
                    completed = None
                append(completed)
        except Exception:
            # (As graphql-core: the pending items, and the awaitables among the items not reached, are settled.)
            pending = [completed_results[index] for index in awaitable_indices]
            pending.extend(value for value in result[len(completed_results) + 1 :] if is_awaitable(value))
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed_results[index] = await completed_results[index]
            else:
                awaited = await gather_with_cancel(*(completed_results[index] for index in awaitable_indices))
                for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[index] = sub_result
            return completed_results

        return get_completed_results()

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

Union members are resolved from the value's class (``fast_union_types``): Strawberry's resolver
tries casts and object definitions for each value, and a page of dependency edges resolves
hundreds of unions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import strawberry
from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
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
from graphql.pyutils import AwaitableOrValue, Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import get_strawberry_type_cast

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


Step = tuple[str, "FieldDetailsList", LeafPlan | None]
"""A response key, its field's nodes, and the field's plan when it takes the short path."""


def _leaf_type(field_type: Any) -> tuple[GraphQLLeafType, bool] | None:
    non_null = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if non_null else field_type
    return (named, non_null) if isinstance(named, GraphQLScalarType | GraphQLEnumType) else None


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
            field.extensions = {**(field.extensions or {}), LEAF_PLAN: LeafPlan(field, field.resolve, *leaf)}
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


def _by_class(resolve_type: Callable[..., Any]) -> Callable[..., Any]:
    known: dict[type, str] = {}

    def resolve(value: Any, info: GraphQLResolveInfo[Any], abstract: GraphQLAbstractType) -> Any:
        if get_strawberry_type_cast(value) is not None:  # a cast marks the instance, not its class
            return resolve_type(value, info, abstract)
        name = known.get(value.__class__)
        if name is not None:
            return name
        found = resolve_type(value, info, abstract)
        definition = getattr(value.__class__, "__strawberry_definition__", None)
        if isinstance(found, str) and definition is not None and definition.name == found:
            known[value.__class__] = found
        return found

    return resolve


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with planned leaf fields resolved and completed in the loop over an object's fields
    (see the module docstring)."""

    _objects: dict[int, object] | None = None
    """By a GraphQL output type's id: its object type when it is one, perhaps non-null; else None."""
    _wrapped: bool | None = None
    """Whether middleware wraps the resolvers (known at the first object)."""
    _steps: dict[int, tuple[GraphQLObjectType, GroupedFieldSet, list[Step]]]

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
        # graphql-core's loop (``Executor.execute_fields``), with the planned leaves done in place: no resolve info,
        # no path unless an error needs one, no second pass through ``complete_value``.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in steps:
                if plan is None:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, Path(path, response_name, parent_type.name), position_context
                    )
                    if result is Undefined:
                        continue
                else:
                    result = self._leaf(plan, parent_type, source_value, field_details_list, path, response_name, position_context)
                results[response_name] = result
                if is_awaitable(result):
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
            result = plan.resolve(source, None)
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
        if self._wrapped:
            return None
        kept = self._steps.get(id(grouped_field_set))
        if kept is not None and kept[0] is parent_type and kept[1] is grouped_field_set:
            return kept[2]
        steps: list[Step] = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            plan: LeafPlan | None = None if field_def is None else field_def.extensions.get(LEAF_PLAN)
            if plan is not None and (plan.resolve is not field_def.resolve or node.arguments):  # type: ignore[union-attr]
                plan = None
            steps.append((response_name, field_details_list, plan))
        # (The selection set is kept with its steps, so that its id cannot be reused during the request.)
        self._steps[id(grouped_field_set)] = (parent_type, grouped_field_set, steps)
        return steps

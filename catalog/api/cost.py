"""What a GraphQL document asks of the server, measured in one pass linear in its size.

Strawberry's depth and alias limiters expand every fragment spread where it occurs, so a
document whose fragments each spread the one below twice (``fragment F29 { ...F28 ...F28 }``)
makes them walk 2^29 selections: 1.3 KB of text froze the server for minutes. Here every
fragment is measured once and its measure reused wherever it is spread, so a measure costs
one visit per selection of the *written* document, however large its expansion.

The measures, per operation:

- **depth**: the longest chain of fields with selections (``{ team { name } }`` is 1), as
  Strawberry counted it; introspection fields (``__schema``, ``__type``) do not count, so
  GraphiQL's introspection query keeps working.
- **aliases**: aliased fields in the expanded operation (a fragment spread twice counts twice).
- **cost**: an estimate of the objects the answer holds. Each field counts 1, times the sizes of
  the lists it is nested in: the page size of a field with ``first``/``last`` (given, or the
  argument's default), the number of ids of ``nodes(ids:)``, ``WALK_BREADTH`` per level of a
  walk (``depth``; at most its page when the walk is paged), and ``LIST_SIZE`` for any other list. Every field counts at least once, so
  the cost also bounds the expanded size of the document.
- **repeats**: the most times one response name is selected in one selection set (directly, in
  inline fragments or through fragments). graphql-core's rule that checks such fields can be
  merged compares them pairwise: 450 fragments each selecting ``name`` took it 3 s.
- **list items**: the longest list given as an argument, written in the document or sent in the
  variables (200,000 ids took 27 s to load, stalling every other request).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

LIST_SIZE = 10
"""Items assumed in a list the query cannot size (a service's owners, a team's members)."""
WALK_BREADTH = 10
"""Items assumed per level of a transitive walk (``dependents(depth: 3)`` counts 30)."""
PAGE_ARGUMENTS = ("first", "last")
ID_ARGUMENTS = ("ids",)
WALK_ARGUMENTS = ("depth",)
SATURATION = 10**15
"""Measures stop growing here: past every limit, and small enough to stay a machine integer."""


@dataclass
class Measure:
    """What one selection set (or fragment) asks for, expanded."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    names: dict[str, int] = field(default_factory=dict)
    """Response names selected at this level, with how many times each is."""
    repeats: tuple[int, str] = (0, "")
    """The most repeated response name anywhere below (count, name)."""

    def absorb(self, other: Measure) -> None:
        """Add a fragment's (or inline fragment's) measure to the selection set spreading it."""
        self.depth = max(self.depth, other.depth)
        self.aliases = min(self.aliases + other.aliases, SATURATION)
        self.cost = min(self.cost + other.cost, SATURATION)
        for name, count in other.names.items():
            self.names[name] = min(self.names.get(name, 0) + count, SATURATION)
        self.repeats = max(self.repeats, other.repeats)


@dataclass(frozen=True)
class OperationMeasure:
    name: str
    depth: int
    aliases: int
    cost: int
    repeats: tuple[int, str]
    list_items: tuple[int, str]
    """The longest list argument (items, argument name)."""


def _unwrap(type_: Any) -> tuple[GraphQLNamedType, bool]:
    """The named type, and whether the field returns a list."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return get_named_type(type_), isinstance(type_, GraphQLList)


def _is_connection(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) and "edges" in type_.fields and "pageInfo" in type_.fields


class _Measurer:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any], page_cap: int) -> None:
        self.schema = schema
        self.variables = variables
        self.page_cap = page_cap
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Measure] = {}
        self.visiting: set[str] = set()
        self.list_items: tuple[int, str] = (0, "")
        self.variable_defaults: dict[str, ValueNode] = {}
        self.used: set[str] = set()
        """Variables whose values the measures depend on (a cache of measures is keyed by them)."""

    # -- argument values -------------------------------------------------------------------

    def _value(self, node: ValueNode) -> Any:
        """An argument's value as far as measuring needs it: ints, list lengths, variables."""
        if isinstance(node, VariableNode):
            name = node.name.value
            self.used.add(name)
            if name in self.variables:
                return self.variables[name]
            default = self.variable_defaults.get(name)
            return self._value(default) if default is not None else None
        if isinstance(node, IntValueNode):
            try:
                return int(node.value)
            except ValueError:
                return None
        if isinstance(node, ListValueNode):
            return node.values
        return None

    def _note_lists(self, node: ValueNode, argument: str) -> None:
        """Track the longest list written into the document's arguments (variables are checked whole)."""
        stack: list[tuple[ValueNode, str]] = [(node, argument)]
        while stack:
            value, name = stack.pop()
            if isinstance(value, ListValueNode):
                self.list_items = max(self.list_items, (len(value.values), name))
                stack.extend((item, name) for item in value.values)
            elif isinstance(value, ObjectValueNode):
                stack.extend((f.value, f"{name}.{f.name.value}") for f in value.fields)

    def _argument(self, node: FieldNode, definition: GraphQLField | None, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        if definition is not None and name in definition.args:
            default = definition.args[name].default_value
            return default if isinstance(default, int | list) else None
        return None

    def _multiplier(self, node: FieldNode, definition: GraphQLField | None, parent: GraphQLNamedType | None) -> int:
        if definition is None:
            return 1
        named, is_list = _unwrap(definition.type)
        sized = None
        for name in PAGE_ARGUMENTS:
            if name in definition.args:
                value = self._argument(node, definition, name)
                if isinstance(value, int) and not isinstance(value, bool):
                    sized = max(sized or 0, min(max(value, 0), self.page_cap))
        for name in ID_ARGUMENTS:
            if name in definition.args:
                value = self._argument(node, definition, name)
                sized = max(sized or 0, len(value) if isinstance(value, list | tuple) else 1)
        # A walk multiplies what it returns when that is a list or a page; an answer object that takes a depth
        # (blastRadius) is one object, its lists sized below it.
        walks = is_list or _is_connection(named)
        for name in WALK_ARGUMENTS:
            if walks and name in definition.args:
                value = self._argument(node, definition, name)
                levels = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
                # A walk's list holds what it reaches: WALK_BREADTH per level, instead of LIST_SIZE; a paged walk
                # (a connection with `first`) holds at most its page.
                reached = min(levels, self.page_cap) * WALK_BREADTH
                return reached if sized is None else min(sized, reached)
        if sized is not None:
            return sized
        multiplier = LIST_SIZE if is_list and not (parent is not None and _is_connection(parent)) else 1
        return multiplier

    # -- selections ------------------------------------------------------------------------

    def _field_definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        return None

    def fragment(self, name: str) -> Measure:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            # Unknown fragments and cycles are refused by the standard rules; measure them as nothing.
            return Measure()
        self.visiting.add(name)
        try:
            measure = self.selection_set(definition.selection_set, self.schema.get_type(definition.type_condition.name.value))
        finally:
            self.visiting.discard(name)
        self.memo[name] = measure
        return measure

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> Measure:
        measure = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, measure)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                measure.absorb(self.selection_set(selection.selection_set, condition))
            elif isinstance(selection, FragmentSpreadNode):
                measure.absorb(self.fragment(selection.name.value))
        if measure.names:
            name, count = max(measure.names.items(), key=lambda item: item[1])
            measure.repeats = max(measure.repeats, (count, name))
        return measure

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None, measure: Measure) -> None:
        name = node.name.value
        response = node.alias.value if node.alias else name
        measure.names[response] = min(measure.names.get(response, 0) + 1, SATURATION)
        if node.alias:
            measure.aliases = min(measure.aliases + 1, SATURATION)
        for argument in node.arguments or ():
            self._note_lists(argument.value, argument.name.value)
        definition = self._field_definition(parent, name)
        cost = 1
        if node.selection_set is not None:
            returned = _unwrap(definition.type)[0] if definition is not None else None
            below = self.selection_set(node.selection_set, returned)
            multiplier = self._multiplier(node, definition, parent)
            cost = min(1 + multiplier * below.cost, SATURATION)
            measure.aliases = min(measure.aliases + below.aliases, SATURATION)
            measure.repeats = max(measure.repeats, below.repeats)
            if not name.startswith("__"):
                measure.depth = max(measure.depth, 1 + below.depth)
        measure.cost = min(measure.cost + cost, SATURATION)

    def operation(self, operation: OperationDefinitionNode) -> OperationMeasure:
        # Fragment measures depend on the operation's variable defaults: measure afresh per operation.
        self.memo = {}
        self.list_items = (0, "")
        self.variable_defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or () if d.default_value is not None
        }
        for definition in operation.variable_definitions or ():
            if definition.default_value is not None:
                self._note_lists(definition.default_value, f"${definition.variable.name.value}")
        root = self.schema.get_root_type(operation.operation)
        measure = self.selection_set(operation.selection_set, root)
        return OperationMeasure(
            name=operation.name.value if operation.name else "anonymous",
            depth=measure.depth,
            aliases=measure.aliases,
            cost=measure.cost,
            repeats=measure.repeats,
            list_items=self.list_items,
        )


def longest_variable_list(variables: Mapping[str, Any]) -> tuple[int, str]:
    """The longest list anywhere in the variables (items, where), without recursion."""
    longest: tuple[int, str] = (0, "")
    stack: list[tuple[Any, str]] = [(value, f"${name}") for name, value in variables.items()]
    while stack:
        value, where = stack.pop()
        if isinstance(value, list):
            longest = max(longest, (len(value), where))
            # Only containers are descended into: 200,000 ids are counted, not visited one by one.
            stack.extend((item, where) for item in value if isinstance(item, list | dict))
        elif isinstance(value, dict):
            stack.extend((item, f"{where}.{key}") for key, item in value.items() if isinstance(item, list | dict))
    return longest


def measure_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    *,
    page_cap: int = SATURATION,
    used: set[str] | None = None,
) -> list[OperationMeasure]:
    """The measures of every operation in the document. Linear in the document's size: each
    fragment is measured once. ``page_cap`` bounds the page size counted for ``first`` (larger
    pages are refused by their own limit, with a clearer message). ``used`` receives the names of
    the variables the measures depend on."""
    measurer = _Measurer(schema, document, variables or {}, page_cap)
    measures = [measurer.operation(d) for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if used is not None:
        used |= measurer.used
    return measures

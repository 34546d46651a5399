"""Parsing and validation that refuse hostile documents before any work: limits first, then the
standard GraphQL rules, both cached per document.

Replaces Strawberry's ``MaxTokensLimiter``, ``ParserCache``, ``QueryDepthLimiter``,
``MaxAliasesLimiter`` and ``ValidationCache``. The limiters expanded fragments with no memo (a
1.3 KB document froze the server for minutes); ``catalog.api.cost`` measures each fragment once.
The limits run *before* graphql-core's rules, some of which are quadratic in repeated fields, so a
document over a limit never reaches them. Every refusal names the limit, its value and the
``CATALOG_*`` setting that changes it, in its message and in ``extensions``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from functools import _CacheInfo, lru_cache
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension

from catalog.api.cost import SATURATION, OperationMeasure, longest_variable_list, measure_document
from catalog.api.limits import env_name
from catalog.settings import Settings

CACHE_SIZE = 256
"""Distinct documents whose parse and validation are cached; tools send a handful."""

LIMIT_CODE = "LIMIT_EXCEEDED"


def limit_error(message: str, setting: str, limit: int | float, value: int | float | None = None) -> GraphQLError:
    """A refusal that names its setting: ``extensions`` carry the code, the setting, the limit and the value found."""
    extensions: dict[str, Any] = {"code": LIMIT_CODE, "setting": env_name(setting), "limit": limit}
    if value is not None:
        extensions["value"] = value
    return GraphQLError(message, extensions=extensions)


@lru_cache(maxsize=CACHE_SIZE)
def _parse(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def _validate_document(schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]) -> list[GraphQLError]:
    # Strawberry's own validate adds its rules for `@oneOf` and maybe-null inputs to these.
    from strawberry.schema.schema import validate_document

    return validate_document(schema, document, rules)


class ValidationCache:
    """The standard rules' errors per document text (``CACHE_SIZE`` of them, least recently used dropped).

    Keyed by the text, not the document: a document's hash walks its whole tree, on every request.
    An entry holds the document it was made for (the parse cache's) and answers only for that one.
    ``cache_info()`` reads like ``functools.lru_cache``'s."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[GraphQLSchema, str, tuple[Any, ...]], tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
        self.hits = self.misses = 0

    def __call__(self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...], query: str | None) -> list[GraphQLError]:
        if query is None:
            return _validate_document(schema, document, rules)
        key = (schema, query, rules)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is document:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]
        self.misses += 1
        errors = _validate_document(schema, document, rules)
        self._entries[key] = (document, errors)
        while len(self._entries) > CACHE_SIZE:
            self._entries.popitem(last=False)
        return errors

    def cache_info(self) -> _CacheInfo:
        return _CacheInfo(self.hits, self.misses, CACHE_SIZE, len(self._entries))


_validate = ValidationCache()


class GuardedParse(SchemaExtension):
    """Parse with the token limit (the parser stops at it: linear), cached per document text."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.max_tokens = settings.max_tokens

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            try:
                context.graphql_document = _parse(context.query, self.max_tokens)
            except GraphQLError as error:
                if "Parsing aborted" not in error.message:
                    raise
                raise limit_error(
                    f"the document has more than {self.max_tokens} tokens, the limit (CATALOG_MAX_TOKENS); send a smaller document, "
                    "or split it into several requests",
                    "max_tokens",
                    self.max_tokens,
                ) from error
        yield


class MeasureCache:
    """Measures per document, reused while the variables they depend on (page sizes, id lists)
    keep their values: a lookup sent again with another service name is not measured again.
    Bounded: ``CACHE_SIZE`` documents, ``VARIANTS`` sets of values each."""

    VARIANTS = 16

    def __init__(self) -> None:
        self._documents: OrderedDict[tuple[int, str, int], tuple[tuple[str, ...], OrderedDict[bytes, list[OperationMeasure]]]] = (
            OrderedDict()
        )

    def measures(
        self, schema: GraphQLSchema, document: DocumentNode, query: str | None, variables: Mapping[str, Any], page_cap: int
    ) -> list[OperationMeasure]:
        if query is None:
            return measure_document(schema, document, variables, page_cap=page_cap)
        key = (id(schema), query, page_cap)
        entry = self._documents.get(key)
        if entry is not None:
            self._documents.move_to_end(key)
            names, variants = entry
            values = _values_key(variables, names)
            known = variants.get(values) if values is not None else None
            if known is not None:
                return known
        used: set[str] = set()
        measures = measure_document(schema, document, variables, page_cap=page_cap, used=used)
        names = tuple(sorted(used))
        if entry is None or entry[0] != names:
            entry = (names, OrderedDict())
            self._documents[key] = entry
            while len(self._documents) > CACHE_SIZE:
                self._documents.popitem(last=False)
        variants = entry[1]
        values = _values_key(variables, names)
        if values is not None:
            variants[values] = measures
        while len(variants) > self.VARIANTS:
            variants.popitem(last=False)
        return measures


def _values_key(variables: Mapping[str, Any], names: tuple[str, ...]) -> bytes | None:
    """The values the measures depend on, as a key; None for values JSON cannot hold (never cached)."""
    try:
        return orjson.dumps([variables.get(name) for name in names])
    except TypeError:  # orjson.JSONEncodeError, e.g. an integer past 64 bits
        return None


_CACHE = MeasureCache()


def refusals(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    settings: Settings,
    query: str | None = None,
    noted: dict[str, Any] | None = None,
) -> list[GraphQLError]:
    """The limits the request breaks, each as an error naming its setting; empty when it keeps them all.
    ``noted`` receives the estimated ``cost`` (for the access log)."""
    variables = variables or {}
    items, where = longest_variable_list(variables)
    if items > settings.max_list_items:
        return [_list_error(items, where, settings)]  # measuring would only walk the oversized list again
    errors: list[GraphQLError] = []
    measures = _CACHE.measures(schema, document, query, variables, settings.max_page_size)
    for op in measures:
        errors.extend(_operation_refusals(op, settings))
    if noted is not None and measures:
        noted["cost"] = max(op.cost for op in measures)
    return errors


def _list_error(items: int, where: str, settings: Settings) -> GraphQLError:
    return limit_error(
        f"`{where}` has {items} items, above the limit of {settings.max_list_items} (CATALOG_MAX_LIST_ITEMS); "
        "send several smaller requests",
        "max_list_items",
        settings.max_list_items,
        items,
    )


def _operation_refusals(op: OperationMeasure, settings: Settings) -> Iterator[GraphQLError]:
    name = f"'{op.name}'"
    if op.depth > settings.max_query_depth:
        yield limit_error(
            f"{name} is {op.depth} fields deep, above the limit of {settings.max_query_depth} (CATALOG_MAX_QUERY_DEPTH); "
            "ask for fewer nested fields",
            "max_query_depth",
            settings.max_query_depth,
            op.depth,
        )
    if op.aliases > settings.max_aliases:
        yield limit_error(
            f"{name} uses {op.aliases} aliases, above the limit of {settings.max_aliases} (CATALOG_MAX_ALIASES); "
            "send several smaller requests",
            "max_aliases",
            settings.max_aliases,
            op.aliases,
        )
    count, field = op.repeats
    if count > settings.max_repeated_fields:
        yield limit_error(
            f"{name} selects `{field}` {count} times in one selection set, above the limit of {settings.max_repeated_fields} "
            "(CATALOG_MAX_REPEATED_FIELDS); select each field once",
            "max_repeated_fields",
            settings.max_repeated_fields,
            count,
        )
    items, where = op.list_items
    if items > settings.max_list_items:
        yield _list_error(items, where, settings)
    if op.cost > settings.max_query_cost:
        cost = f"more than {SATURATION}" if op.cost >= SATURATION else str(op.cost)
        yield limit_error(
            f"{name} has an estimated cost of {cost}, above the limit of {settings.max_query_cost} (CATALOG_MAX_QUERY_COST); "
            "each field counts once, times the page sizes, ids and walk levels of the lists it is nested in: "
            "ask for smaller pages (`first`), fewer nested lists or shallower walks",
            "max_query_cost",
            settings.max_query_cost,
            op.cost,
        )


class GuardedValidation(SchemaExtension):
    """The limits, then (only for documents within them) the standard rules, cached."""

    def __init__(self, settings: Settings, extra_rules: tuple[Any, ...] = ()) -> None:
        super().__init__()
        self.settings = settings
        self.extra_rules = extra_rules

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        schema = context.schema._schema
        request = getattr(context.context, "request", None)
        noted = request.scope.get("catalog.access") if request is not None else None
        refused = refusals(schema, document, context.variables, self.settings, context.query, noted)
        context.pre_execution_errors = refused or _validate(schema, document, (*context.validation_rules, *self.extra_rules), context.query)
        yield


def guard_extensions(settings: Settings, extra_rules: tuple[Any, ...] = ()) -> list[Callable[[], SchemaExtension]]:
    """The parse and validation guards; ``extra_rules`` are validation rule classes made once
    (the validation cache is keyed by them), e.g. the rule that refuses introspection."""
    return [lambda: GuardedParse(settings), lambda: GuardedValidation(settings, extra_rules)]

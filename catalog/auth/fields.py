"""Scopes on GraphQL fields: one registry of the fields that need more than ``read``, and the guard.

``SCOPED_FIELDS`` maps a schema coordinate (``TypeName.fieldName``, as the schema spells it) to
the scope it needs. ``guard_fields`` applies it to a built schema, whatever module declares the
types: it wraps each listed field's resolver, so without the scope the field is null and the
response carries one error per field (``extensions.code: FORBIDDEN``, naming the scope), and it
marks the field with ``@requiresScope`` so ``schema.graphql`` shows it. A coordinate that names
no field, or a non-null field (null would wipe out its parent), stops the schema from building:
renaming a type cannot silently drop a guard.

The principal comes from the context variable the middleware sets for each request
(``catalog.auth.scopes.CURRENT``), else from the request in the GraphQL context. Code that runs
the schema outside any HTTP request (the CLI, tests) is trusted; an HTTP request without a
principal is refused, so a route mounted without the middleware fails closed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLNonNull, GraphQLObjectType, GraphQLResolveInfo, default_field_resolver
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema_directive import Location

from catalog.auth.scopes import CURRENT, RequestAuth, Scope, format_scopes, principal_of
from catalog.settings import Settings


@strawberry.enum(name="AccessScope", description="What a caller may see: READ the catalog, people's CONTACTS, ADMIN (API tokens, changes).")
class AccessScope(Enum):
    READ = "read"
    CONTACTS = "contacts"
    ADMIN = "admin"


@strawberry.schema_directive(
    name="requiresScope",
    locations=[Location.FIELD_DEFINITION],
    description="Without this scope the field is null and the response has a FORBIDDEN error naming it.",
)
class RequiresScope:
    scope: AccessScope


def about_person(source: Any) -> bool:
    """True unless the object is plainly about a team: for fields that hold a team's or a person's contact.

    Looks at the answer row the GraphQL object wraps (``kind``, ``owner.label`` or ``label``);
    when it cannot tell, it says True, so the field stays guarded."""
    row = getattr(source, "row", source)
    for path in (("kind",), ("owner", "label"), ("label",)):
        value: Any = row
        for attr in path:
            value = getattr(value, attr, None)
        if isinstance(value, str):
            return value == "Person"
    return True


@dataclass(frozen=True)
class FieldRule:
    scope: Scope
    why: str
    when: Callable[[Any], bool] | None = None
    """Only objects for which this holds need the scope (a contact that may be a team's or a person's)."""


SCOPED_FIELDS: Mapping[str, FieldRule] = {
    "Person.email": FieldRule(Scope.CONTACTS, "a person's email"),
    "OnCallPerson.email": FieldRule(Scope.CONTACTS, "the on-call person's email"),
    "ImpactOnCall.email": FieldRule(Scope.CONTACTS, "the on-call person's email"),
    "Contact.email": FieldRule(Scope.CONTACTS, "a person's email", when=about_person),
    "Query.apiTokens": FieldRule(Scope.ADMIN, "the API tokens"),
}
"""Every field that needs more than ``read``. Team emails and chat channels stay ``read``: they are
how responders reach an owner, and belong to no one person."""


class ScopeForbidden(GraphQLError):
    pass


def _request_of(context: Any) -> Any:
    return context.get("request") if isinstance(context, dict) else getattr(context, "request", None)


def _request_auth(info: GraphQLResolveInfo[Any]) -> RequestAuth | bool | None:
    """The request's principal and report book; True for trusted in-process code; None for an
    HTTP request that reached the schema without a principal (refused: fail closed)."""
    current = CURRENT.get()
    if current is not None:
        return current
    request = _request_of(info.context)
    if request is None:
        return True
    principal = principal_of(request)
    if principal is None:
        return None
    # The principal is in the scope but not in the context variable (an app wired without the
    # middleware's task): keep the report book in the scope so each field is still reported once.
    scope = getattr(request, "scope", None)
    book: set[str] = scope.setdefault(_REPORTED, set()) if isinstance(scope, dict) else set()
    return RequestAuth(principal, book)


_REPORTED = "catalog.forbidden"


def _guarded(resolve: Callable[..., Any], coordinate: str, rule: FieldRule) -> Callable[..., Any]:
    def guarded(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        auth = _request_auth(info)
        if auth is True or (isinstance(auth, RequestAuth) and auth.principal.has(rule.scope)):
            return resolve(source, info, **kwargs)
        if rule.when is not None and not rule.when(source):
            return resolve(source, info, **kwargs)
        if isinstance(auth, RequestAuth):
            if coordinate in auth.reported:
                return None
            auth.reported.add(coordinate)
            principal = auth.principal
            who = f"{principal.kind} {principal.name!r} with {format_scopes(principal.scopes) or 'no scope'}"
        else:
            who = "no authenticated principal"
        raise ScopeForbidden(
            f"`{coordinate}` ({rule.why}) needs the `{rule.scope.value}` scope; this request runs as {who}, so it is null "
            f"here and wherever else it appears in this response",
            extensions={"code": "FORBIDDEN", "scope": rule.scope.value, "field": coordinate},
        )

    guarded.__catalog_scope__ = rule.scope  # type: ignore[attr-defined]
    return guarded


def guard_fields(schema: strawberry.Schema, registry: Mapping[str, FieldRule] = SCOPED_FIELDS) -> strawberry.Schema:
    """Apply ``registry`` to ``schema`` (in place; returned for chaining). See the module docstring."""
    graphql_schema = schema._schema
    for coordinate, rule in registry.items():
        type_name, _, field_name = coordinate.partition(".")
        owner = graphql_schema.type_map.get(type_name)
        if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
            raise LookupError(
                f"catalog.auth.fields.SCOPED_FIELDS names {coordinate}, which the schema does not have; "
                "re-point it at the field's new type or name"
            )
        field = owner.fields[field_name]
        if isinstance(field.type, GraphQLNonNull):
            raise ValueError(f"{coordinate} needs a scope, so it must be nullable: without the scope it resolves to null")
        if getattr(field.resolve, "__catalog_scope__", None) is not None:
            continue
        # A copy: the field object may be shared with the interface or other types that declare it.
        guarded = copy.copy(field)
        guarded.resolve = _guarded(field.resolve or default_field_resolver, coordinate, rule)
        guarded.extensions = dict(field.extensions or {})
        definition = guarded.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is not None:
            marked = copy.copy(definition)
            marked.directives = [*definition.directives, RequiresScope(scope=AccessScope(rule.scope.value))]
            guarded.extensions[GraphQLCoreConverter.DEFINITION_BACKREF] = marked
        owner.fields[field_name] = guarded
    return schema


def introspection_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """The validation rule that refuses ``__schema`` and ``__type`` unless introspection (or
    GraphiQL, which needs it) is enabled. ``__typename`` stays: clients need it for unions."""
    return [] if settings.introspection or settings.graphiql else [NoSchemaIntrospectionCustomRule]

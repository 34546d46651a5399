"""The policy for changing the public schema within a major version, as code the tests run.

Within v1 a change may only add: new types, fields, arguments with defaults, enum values clients
are told to expect, and deprecations. Anything ``graphql-core``'s ``find_breaking_changes`` calls
breaking (a removed or renamed field or type, a changed type, a new required argument) fails the
check against the last release's schema (``docs/schema/v1.graphql``) unless it is declared in
``docs/schema/accepted-breaks.txt``, one line per change, as the check prints it, with the reason
after `` # ``. A deprecated field or enum value says why and from when it may be removed:
``@deprecated(reason: "... Removal: YYYY-MM-DD.")``, at least six months after deprecation.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, build_schema
from graphql.utilities import find_breaking_changes

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "docs" / "schema" / "v1.graphql"
"""The schema of the latest v1 release: what clients were promised."""
ACCEPTED = ROOT / "docs" / "schema" / "accepted-breaks.txt"
"""Breaking changes declared on purpose, each with its reason."""
REMOVAL = re.compile(r"Removal: (\d{4}-\d{2}-\d{2})\.?\s*$")


def breaking_changes(baseline_sdl: str, current_sdl: str) -> list[str]:
    """Each breaking change from the baseline to the current schema, as ``KIND: description``."""
    changes = find_breaking_changes(build_schema(baseline_sdl), build_schema(current_sdl))
    # A built-in scalar no field uses any more is left out of the printed schema; no client can tell.
    return sorted(f"{c.type.name}: {c.description}" for c in changes if not c.description.startswith("Standard scalar "))


def accepted(text: str) -> set[str]:
    """The declared breaks of an accepted-breaks file: each line's change, without its `` # reason``."""
    declared: set[str] = set()
    for line in text.splitlines():
        change, _, reason = line.partition(" # ")
        if change.strip() and not change.lstrip().startswith("#"):
            if not reason.strip():
                raise ValueError(f"{ACCEPTED.name}: {change.strip()!r} gives no reason; add one after ' # '")
            declared.add(change.strip())
    return declared


def undeclared_breaks(baseline_sdl: str, current_sdl: str, accepted_text: str) -> list[str]:
    declared = accepted(accepted_text)
    return [change for change in breaking_changes(baseline_sdl, current_sdl) if change not in declared]


def deprecation_problems(sdl: str) -> list[str]:
    """Deprecated fields, arguments and enum values whose reason lacks a removal date."""
    schema = build_schema(sdl)
    problems: list[str] = []

    def check(where: str, reason: str | None) -> None:
        if reason is not None and not REMOVAL.search(reason):
            problems.append(f"{where}: @deprecated(reason: {reason!r}) needs a removal date, e.g. '... Removal: 2027-06-30.'")

    for name, gql_type in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                check(f"{name}.{field_name}", field.deprecation_reason)
                for arg_name, arg in getattr(field, "args", {}).items():
                    check(f"{name}.{field_name}({arg_name})", arg.deprecation_reason)
        if isinstance(gql_type, GraphQLEnumType):
            for value_name, value in gql_type.values.items():
                check(f"{name}.{value_name}", value.deprecation_reason)
    return problems

"""schema.graphql is generated from the code; it must not drift from it."""

from __future__ import annotations

from pathlib import Path

from catalog.api.export_schema import FIX, SCHEMA_FILE, main, schema_sdl


def test_committed_schema_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == schema_sdl(), f"{SCHEMA_FILE.name} is out of date with the code; run `{FIX}` and commit the result"


def test_check_mode_reports_drift_and_export_fixes_it(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    target.write_text("type Query { stale: String }\n", encoding="utf-8")
    assert main(["--check", "--output", str(target)]) == 1
    assert main(["--output", str(target)]) == 0
    assert main(["--check", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_sdl()


def test_every_type_and_field_is_documented() -> None:
    from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

    from catalog.api.schema import build_schema

    schema = build_schema()._schema
    undocumented: list[str] = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if (
            isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType | GraphQLInputObjectType)
            and not gql_type.description
        ):
            undocumented.append(name)
        for field_name, field in getattr(gql_type, "fields", {}).items():
            if not field.description:
                undocumented.append(f"{name}.{field_name}")
            undocumented += [f"{name}.{field_name}({arg})" for arg, value in getattr(field, "args", {}).items() if not value.description]
    assert undocumented == []

"""Fields whose resolvers are called directly (``catalog.api.lean_fields``) answer exactly as with Strawberry's wrapper.

Over a small schema with every shape of resolver (a method, one that asks for ``info``, a ``root``
or ``parent`` function, one without parameters, a static method, an async method, one that raises),
only the fields without arguments or extensions are replaced, and each answers and fails as before.
Over the demo organisation (both stores), the README's queries, the incident page, the team page and
adoption, and over a small catalog, queries generated from the schema (and from the roots that list
its entities, so that many of them answer with values), answer the same with and without it, from
Cypher and from the snapshot. The lean executor (``catalog.api.execution``) is held to graphql-core's
own over a schema of every leaf and object shape: nulls in non-null fields, errors raised and
returned, values a scalar refuses, unions, casts, aliases, directives, a resolver replaced after
planning.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pytest
import strawberry
from graphql import FieldNode, parse, print_ast, validate
from graphql.language import Visitor, visit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis_graphql import queries
from strawberry.permission import BasePermission
from strawberry.types import ExecutionResult

from bench.incident import PAGE
from bench.queries import ADOPTION, TEAM_PAGE
from catalog.api.context import build_context
from catalog.api.execution import LeanExecutor, fast_union_types, plan_leaf_fields
from catalog.api.lean_fields import ignores_info, lean_resolvers
from catalog.api.schema import build_schema
from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core import clock
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
from catalog.read.snapshot import Snapshot, build_snapshot
from catalog.runner import sync_sources
from catalog.settings import Settings
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests.test_api_generated import _instants as instants
from tests.test_read_layer import shop
from tests.test_readme_queries import QUERIES

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Refused(BasePermission):
    message = "refused by the permission class"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


def from_root(root: Thing) -> str:
    return f"root of {root.name}"


def from_parent(parent: strawberry.Parent[Thing]) -> str:
    return f"parent of {parent.name}"


def constant() -> int:
    return 7


@strawberry.type
class Thing:
    name: str

    @strawberry.field
    def upper(self) -> str:
        return self.name.upper()

    @strawberry.field
    def asked_as(self, info: strawberry.Info) -> str:
        return f"{info.field_name} at {info.path.key}"

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        await asyncio.sleep(0)
        return f"{self.name} later, {info.python_name}"

    rooted: str = strawberry.field(resolver=from_root)
    parented: str = strawberry.field(resolver=from_parent)
    seven: int = strawberry.field(resolver=constant)

    @strawberry.field
    def times(self, n: int = 2) -> str:
        return self.name * n

    @strawberry.field(permission_classes=[Refused])
    def secret(self) -> str | None:
        return "secret"

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"{self.name} is broken on purpose")

    @strawberry.field
    @staticmethod
    def fixed() -> str:
        return "static"


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(name="a"), Thing(name="b")]


DOCUMENT = "{ things { name upper askedAs later rooted parented seven times(n: 3) secret broken fixed } }"


def _outcome(result: ExecutionResult) -> tuple[Any, list[Any], str]:
    """The whole result: its data, every error as the response shows it (message, locations, path, extensions; by
    message), and the data as JSON text, so that the order of each object's keys counts too."""
    errors = sorted((error.formatted for error in result.errors or ()), key=lambda e: (e["message"], json.dumps(e, sort_keys=True)))
    return result.data, errors, json.dumps(result.data, default=str)


async def test_only_fields_without_arguments_or_extensions_are_replaced_and_they_answer_as_before() -> None:
    plain, lean = strawberry.Schema(query=Query), strawberry.Schema(query=Query)
    before = {name: field.resolve for name, field in lean._schema.type_map["Thing"].fields.items()}  # type: ignore[union-attr]
    replaced = lean_resolvers(lean)
    after = lean._schema.type_map["Thing"].fields  # type: ignore[union-attr]
    assert sorted(name for name, field in after.items() if field.resolve is not before[name]) == [
        "askedAs",
        "broken",
        "fixed",
        "later",
        "parented",
        "rooted",
        "seven",
        "upper",
    ]
    assert replaced == 9  # and Query.things
    expected, got = _outcome(await plain.execute(DOCUMENT)), _outcome(await lean.execute(DOCUMENT))
    assert got == expected
    data, errors, _ = got
    assert data["things"][1] == {
        "name": "b",
        "upper": "B",
        "askedAs": "askedAs at askedAs",
        "later": "b later, later",
        "rooted": "root of b",
        "parented": "parent of b",
        "seven": 7,
        "times": "bbb",
        "secret": None,
        "broken": None,
        "fixed": "static",
    }
    assert [error["message"] for error in errors] == [
        "a is broken on purpose",
        "b is broken on purpose",
        "refused by the permission class",
        "refused by the permission class",
    ]


@strawberry.enum
class Shade(Enum):
    LIGHT = "light"
    DARK = "dark"


@strawberry.type
class Leaf:
    label: str
    maybe: str | None = None
    shade: Shade = Shade.LIGHT
    cast_me: strawberry.Private[bool] = False

    @strawberry.field
    def must(self) -> str:
        # Non-null, but None for "gap": graphql-core's error, with its message and path, nulls the parent.
        return None if self.label == "gap" else self.label  # type: ignore[return-value]

    @strawberry.field
    def failing(self) -> int | None:
        if self.label == "boom":
            raise ValueError("boom on purpose")
        return len(self.label)

    @strawberry.field
    async def awaited(self) -> str:
        return f"{self.label} awaited"

    @strawberry.field
    def number(self) -> int:
        return "not a number" if self.label == "bad" else 3  # type: ignore[return-value]

    @strawberry.field
    def exception(self) -> str | None:
        return ValueError("returned, not raised") if self.label == "boom" else None  # type: ignore[return-value]


@strawberry.type
class Other:
    label: str


Either = Annotated[Leaf | Other, strawberry.union("Either")]


@strawberry.type
class Holder:
    leaf: Leaf
    maybe_leaf: Leaf | None = None

    @strawberry.field
    def either(self) -> Either:
        return Other(label="o") if self.leaf.label == "a" else self.leaf

    @strawberry.field
    def cast(self) -> Either:
        return strawberry.cast(Other, self.leaf) if self.leaf.cast_me else self.leaf


@strawberry.type
class LeafQuery:
    @strawberry.field
    def holders(self) -> list[Holder]:
        labels = ["a", "gap", "boom", "bad", "b"]
        return [Holder(leaf=Leaf(label=label, maybe=label * 2, shade=Shade.DARK, cast_me=label == "b")) for label in labels]

    @strawberry.field
    def wrong(self) -> Holder:
        return Other(label="not a holder")  # type: ignore[return-value]


LEAF_DOCUMENTS = [
    "{ holders { leaf { label maybe shade number } maybeLeaf { label } } }",
    "{ holders { leaf { label must } } }",
    "{ holders { leaf { failing exception awaited } } }",
    "{ holders { either { __typename ... on Leaf { label must } ... on Other { label } } cast { __typename ... on Other { label } } } }",
    "{ holders { leaf { a: label b: label label } } }",
    "{ wrong { leaf { label } } }",
    "query($skip: Boolean!) { holders { leaf { label @skip(if: $skip) shade } } }",
]


@pytest.mark.parametrize("document", LEAF_DOCUMENTS)
async def test_the_lean_executor_answers_and_fails_as_graphql_core_does(document: str) -> None:
    plain = strawberry.Schema(query=LeafQuery)
    lean = strawberry.Schema(query=LeafQuery, execution_context_class=LeanExecutor)
    lean_resolvers(lean)
    assert plan_leaf_fields(lean, ignores_info) == 9  # every leaf of Leaf and Other
    assert fast_union_types(lean) == 1
    expected = _outcome(await plain.execute(document, variable_values={"skip": False}))
    for _ in range(2):  # the second time the union members are known by class
        assert _outcome(await lean.execute(document, variable_values={"skip": False})) == expected


async def test_the_lean_executor_builds_no_resolve_info_for_planned_leaves_and_respects_replaced_resolvers() -> None:
    lean = strawberry.Schema(query=LeafQuery, execution_context_class=LeanExecutor)
    lean_resolvers(lean)
    plan_leaf_fields(lean, ignores_info)
    built: list[str] = []
    original = LeanExecutor.build_resolve_info

    def counting(self: LeanExecutor, field_def: Any, nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(f"{parent_type.name}.{nodes[0].name.value}")
        return original(self, field_def, nodes, parent_type, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LeanExecutor, "build_resolve_info", counting)
        result = await lean.execute("{ holders { leaf { label maybe shade } } }")
        assert result.errors is None and result.data is not None and len(result.data["holders"]) == 5
        # No field built one: the leaves, and the objects and lists whose resolvers need only their parent.
        assert built == []
        # A resolver replaced after planning (as catalog.auth.fields wraps the scoped ones) runs, through the full path.
        field = lean._schema.type_map["Leaf"].fields["label"]  # type: ignore[union-attr]
        field.resolve = lambda source, info, **_: f"guarded {source.label} ({info.field_name})"
        built.clear()
        result = await lean.execute("{ holders { leaf { label } } }")
        assert result.data is not None and result.data["holders"][0] == {"leaf": {"label": "guarded a (label)"}}
        assert "Leaf.label" in built


async def _both(
    store: GraphStore, settings: Settings, document: str, variables: dict[str, Any] | None = None, snapshot: Snapshot | None = None
) -> Any:
    """The document's answer and errors from the schema the API serves equal the ones with Strawberry's wrapper and
    graphql-core's executor everywhere; the answer."""
    outcomes = []
    for lean in (False, True):
        schema = build_schema(settings, lean=lean)
        result = await schema.execute(document, variable_values=variables, context_value=build_context(store, settings, snapshot=snapshot))
        assert isinstance(result, ExecutionResult)
        outcomes.append(_outcome(result))
    assert outcomes[1] == outcomes[0], document
    return outcomes[1][0]


async def test_the_demo_answers_the_same_with_and_without_lean_fields(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    assert not [o for o in await sync_sources(store, config, now=iso(NOW)) if o.failed]
    settings = api_settings()
    snapshot = await build_snapshot(store)
    for snap in (None, snapshot):  # from Cypher, and from the snapshot as the server answers
        for document in QUERIES:
            await _both(store, settings, document, snapshot=snap)
        hub = await _both(store, settings, PAGE, {"s": "checkout"}, snapshot=snap)
        assert hub["blastRadius"]["teams"]["nodes"], "the incident page must list teams, or it compares nothing"
        team = await _both(store, settings, TEAM_PAGE, {"t": "checkout-team", "ns": "default"}, snapshot=snap)
        assert team["team"]["services"]["edges"]
        adoption = await _both(store, settings, ADOPTION, snapshot=snap)
        assert adoption["adoption"]["groups"]["nodes"] and adoption["adoption"]["teamsWithOwnPlatforms"]["nodes"]


class _Frozen(datetime):
    """``datetime`` whose ``now`` is ``NOW``: answers "as of now" must not differ by the microseconds between two runs."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Frozen:
        moment = NOW.astimezone(tz) if tz is not None else NOW.replace(tzinfo=None)
        return cls(*moment.timetuple()[:6], moment.microsecond, moment.tzinfo)


async def test_generated_queries_answer_the_same_with_and_without_lean_fields(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "datetime", _Frozen)
    await shop().sync(store)
    loop = asyncio.get_running_loop()
    settings_ = api_settings()

    snapshot = await build_snapshot(store)
    schema = build_schema()._schema
    answered: list[bool] = []

    def run(query: object, snap: Snapshot | None) -> None:
        data = asyncio.run_coroutine_threadsafe(_both(store, settings_, str(query), snapshot=snap), loop).result(timeout=60)
        answered.append(_has_values(data))

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(queries(schema, custom_scalars={"DateTime": instants}, allow_x00=False))
    def anywhere(query: object) -> None:
        run(query, None)

    # Queries from the roots that list the shop's entities, with the arguments left out wherever the schema allows
    # (random ones mostly make errors or empty pages): many of them answer with objects and their fields, here
    # from the snapshot, which the queries above do not reach.
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(queries(schema, fields=LISTING, custom_scalars={"DateTime": instants}, allow_x00=False))
    def listing(query: object) -> None:
        document = visit(parse(str(query)), _Defaults())
        assume(not validate(schema, document))
        run(print_ast(document), snapshot)

    # Hypothesis drives the examples from a thread, so each query runs on this test's event loop.
    await asyncio.to_thread(anywhere)
    answered.clear()
    await asyncio.to_thread(listing)
    # (Hypothesis favours small selections, many of them counts and cursors: about one in five answers with values.)
    assert sum(answered) >= 5, f"only {sum(answered)} of {len(answered)} generated queries answered with values"


LISTING = ["services", "teams", "people", "systems", "domains", "resources", "apis"]


class _Defaults(Visitor):
    """Every field without its arguments (a field that requires one then fails validation, and the example is dropped)."""

    def enter_field(self, node: FieldNode, *_: Any) -> FieldNode | None:
        if not node.arguments:
            return None
        return FieldNode(alias=node.alias, name=node.name, arguments=(), directives=node.directives, selection_set=node.selection_set)


def _has_values(data: Any) -> bool:
    """Whether an answer holds at least one value that is not null nor a count (a field resolved on an object)."""
    if isinstance(data, dict):
        return any(_has_values(v) for k, v in data.items() if k != "totalCount")
    if isinstance(data, list):
        return any(_has_values(v) for v in data)
    return data is not None

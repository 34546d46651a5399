"""Fields whose resolvers are called directly (``catalog.api.lean_fields``) answer exactly as with Strawberry's wrapper.

Over a small schema with every shape of resolver (a method, one that asks for ``info``, a ``root``
or ``parent`` function, one without parameters, a static method, an async method, one that raises),
only the fields without arguments or extensions are replaced, and each answers and fails as before.
Over the demo organisation (both stores), the README's queries, the incident page and the team page,
and over a small catalog, queries generated from the schema, answer the same with and without it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import pytest
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import queries
from strawberry.permission import BasePermission
from strawberry.types import ExecutionResult

from bench.incident import PAGE
from bench.queries import TEAM_PAGE
from catalog.api.context import build_context
from catalog.api.lean_fields import lean_resolvers
from catalog.api.schema import build_schema
from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core import clock
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
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


def _outcome(result: ExecutionResult) -> tuple[Any, list[tuple[str, Any]]]:
    return result.data, sorted((error.message, error.path) for error in result.errors or ())


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
    data, errors = got
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
    assert [message for message, _ in errors] == [
        "a is broken on purpose",
        "b is broken on purpose",
        "refused by the permission class",
        "refused by the permission class",
    ]


async def _both(store: GraphStore, settings: Settings, document: str, variables: dict[str, Any] | None = None) -> None:
    """The document's answer and errors from the schema the API serves equal the ones with Strawberry's wrapper everywhere."""
    outcomes = []
    for lean in (False, True):
        schema = build_schema(settings, lean=lean)
        result = await schema.execute(document, variable_values=variables, context_value=build_context(store, settings))
        assert isinstance(result, ExecutionResult)
        outcomes.append(_outcome(result))
    assert outcomes[1] == outcomes[0], document


async def test_the_demo_answers_the_same_with_and_without_lean_fields(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    assert not [o for o in await sync_sources(store, config, now=iso(NOW)) if o.failed]
    settings = api_settings()
    for document in QUERIES:
        await _both(store, settings, document)
    await _both(store, settings, PAGE, {"s": "checkout"})
    await _both(store, settings, TEAM_PAGE, {"t": "checkout-team", "ns": "default"})


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

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(queries(build_schema()._schema, custom_scalars={"DateTime": instants}, allow_x00=False))
    def check(query: object) -> None:
        asyncio.run_coroutine_threadsafe(_both(store, settings_, str(query)), loop).result(timeout=60)

    # Hypothesis drives the examples from a thread, so each query runs on this test's event loop.
    await asyncio.to_thread(check)

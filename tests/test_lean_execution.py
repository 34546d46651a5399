"""The lean executor (``catalog.api.execution``) answers every document exactly as graphql-core's own executor does.

Over a schema of every shape a planned field meets (objects in lists in lists, unions and interfaces in
lists, nulls in nullable and non-null positions, errors raised and returned at every depth, values a
scalar refuses, wrong objects, casts, non-list iterables and non-iterables, awaitable values and
awaitable items, arguments from literals, variables and defaults, aliases, fragments, directives and
resolvers that read ``info``), each document's whole result (data with its keys in order, and every
error's message, locations and path) is the same through both, twice (the second time the union
members and ``is_type_of`` answers are known by class). A fast path that drops a check, a null, an
error or a path fails here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.types import ExecutionResult

from catalog.api.execution import LeanExecutor, fast_union_types, plan_leaf_fields
from catalog.api.lean_fields import ignores_info, lean_resolvers


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Cat(Named):
    lives: int

    @strawberry.field
    def friends(self) -> list[Named | None]:
        return [Dog(name=f"{self.name}'s dog"), None, Cat(name=f"{self.name}'s cat", lives=9)]

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return "/".join(str(key) for key in info.path.as_list())


@strawberry.type
class Dog(Named):
    @strawberry.field
    def bark(self, times: int = 1, loud: bool = False) -> str:
        sound = "WOOF" if loud else "woof"
        return " ".join([sound] * times)

    @strawberry.field
    def tail(self) -> int:
        if self.name.startswith("x"):
            raise ValueError(f"{self.name} has no tail")
        return 1


Pet = Annotated[Cat | Dog, strawberry.union("Pet")]


class NotAPet:
    """A value that no union member claims."""


@strawberry.type
class Box:
    label: str
    depth: strawberry.Private[int] = 0

    @strawberry.field
    def pets(self) -> list[Pet]:
        pets: list[Any] = [Cat(name=f"{self.label}-cat", lives=len(self.label)), Dog(name=f"{self.label}-dog")]
        if self.label == "holey":
            pets.insert(1, None)  # a null in a non-null list item: the list's field is nulled
        return pets

    @strawberry.field
    def maybe_pets(self) -> list[Pet | None] | None:
        return [Dog(name="x-dog"), None, NotAPet(), Cat(name="kit", lives=3)]  # type: ignore[list-item]

    @strawberry.field
    def strict_pets(self) -> list[Pet | None]:
        return [Dog(name="x-strict"), strawberry.cast(Cat, Dog(name="cast-as-cat"))] if self.label == "holey" else []

    @strawberry.field
    def grid(self) -> list[list[int | None]]:
        return [[1, None, 3], [2**40 if self.label == "holey" else 4], []]

    @strawberry.field
    def strict_grid(self) -> list[list[int]] | None:
        return [[1], [None, 2]] if self.label == "holey" else [[5, 6]]  # type: ignore[list-item]

    @strawberry.field
    async def later(self) -> list[Pet]:
        await asyncio.sleep(0)
        return [Dog(name=f"{self.label}-later")]

    @strawberry.field
    def awaited_items(self) -> list[str | None]:
        async def item(value: str | None) -> str | None:
            await asyncio.sleep(0)
            if value == "boom":
                raise ValueError("awaited item failed")
            return value

        return [item("one"), "two", item(None), item("boom")]  # type: ignore[list-item]

    @strawberry.field
    def generated(self) -> list[int]:
        def numbers() -> Iterator[int]:
            yield from range(3)

        return numbers()  # type: ignore[return-value]

    @strawberry.field
    def tupled(self) -> list[str]:
        return ("a", "b")  # type: ignore[return-value]

    @strawberry.field
    def not_a_list(self) -> list[int] | None:
        return 5  # type: ignore[return-value]

    @strawberry.field
    def wrong_object(self) -> Cat | None:
        return Box(label="not a cat")  # type: ignore[return-value]

    @strawberry.field
    def child(self) -> Box | None:
        return None if self.depth >= 2 else Box(label=f"{self.label}.{self.depth + 1}", depth=self.depth + 1)

    @strawberry.field
    def strict_child(self) -> Box:
        return None if self.label == "holey" else Box(label=f"{self.label}!", depth=9)  # type: ignore[return-value]

    @strawberry.field
    def named(self) -> list[Named]:
        return [Cat(name="inter", lives=1), Dog(name="face")]

    @strawberry.field
    def returned_error(self) -> Dog | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field
    def raised(self) -> list[Dog] | None:
        raise RuntimeError(f"{self.label} raised")

    @strawberry.field
    def big(self) -> int | None:
        return 2**40 if self.label == "holey" else 7

    @strawberry.field
    def echo(self, text: str, times: int = 1) -> str:
        return text * times

    @strawberry.field
    def must(self) -> str:
        return None if self.label == "holey" else self.label  # type: ignore[return-value]

    @strawberry.field
    async def fails(self) -> str:
        await asyncio.sleep(0)
        if self.label == "holey":
            raise ValueError("failed later")
        return "fine"

    @strawberry.field
    def cats(self) -> list[Cat | None]:
        # The second is a Cat cast to a Dog: not a Cat any more, though its class is one the first made known.
        return [Cat(name="first", lives=1), strawberry.cast(Dog, Cat(name="second", lives=2))]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self, first: int = 3) -> list[Box]:
        return [Box(label=label) for label in ("plain", "holey", "other")[:first]]

    @strawberry.field
    def strict_boxes(self) -> list[Box]:
        return [Box(label="plain"), Box(label="holey")]

    @strawberry.field
    def maybe_boxes(self) -> list[Box | None]:
        return [Box(label="plain"), Box(label="holey"), Box(label="other")]


DOCUMENTS = [
    "{ boxes { label pets { __typename ... on Cat { name lives where } ... on Dog { name bark tail } } } }",
    "{ boxes { label maybePets { __typename ... on Dog { name tail } ... on Cat { name friends { name __typename } } } } }",
    "{ boxes { strictPets { ... on Dog { name tail } ... on Cat { name lives } } } }",
    "{ boxes { grid strictGrid big } }",
    "{ boxes { later { ... on Dog { name bark(times: 2) } } awaitedItems } }",
    "{ boxes { generated tupled notAList } }",
    "{ boxes { wrongObject { name } returnedError { name } raised { name } } }",
    "{ boxes { child { label child { label child { label } pets { ... on Cat { where } } } } } }",
    "{ boxes { label strictChild { label pets { ... on Dog { tail } } } } }",
    "{ strictBoxes { label strictChild { label } } }",
    "{ strictBoxes { label strictGrid } }",
    "{ boxes(first: 2) { named { name __typename ... on Cat { lives friends { ... on Dog { bark(loud: true) } } } } } }",
    "{ boxes { a: label b: label pets { ... on Cat { n: name m: name } ... PetName } } } fragment PetName on Dog { name }",
    "query($times: Int!, $loud: Boolean = true, $skip: Boolean!) { boxes { label @skip(if: $skip) "
    'pets { ... on Dog { bark(times: $times, loud: $loud) tail @include(if: $skip) } } echo(text: "hi", times: $times) } }',
    '{ boxes { echo(text: "x") pets { ... on Dog { x: bark y: bark(times: 3) } } } }',
    "{ maybeBoxes { label must } boxes { must } }",
    "{ maybeBoxes { label fails } }",
    "{ maybeBoxes { cats { name lives } } }",
]


def _whole(result: ExecutionResult) -> tuple[str, list[str]]:
    """The data as JSON text (the order of each object's keys counts) and every error as the response shows it."""
    errors = sorted(json.dumps(error.formatted, sort_keys=True) for error in result.errors or ())
    return json.dumps(result.data), errors


def _lean_schema() -> strawberry.Schema:
    lean = strawberry.Schema(query=Query, types=[Cat, Dog], execution_context_class=LeanExecutor)
    lean_resolvers(lean)
    plan_leaf_fields(lean, ignores_info)
    fast_union_types(lean)
    return lean


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_the_lean_executor_answers_every_shape_as_graphql_core(document: str) -> None:
    plain, lean = strawberry.Schema(query=Query, types=[Cat, Dog]), _lean_schema()
    variables = {"times": 2, "skip": False}
    expected = _whole(await plain.execute(document, variable_values=variables))
    assert expected[0] != "null" or expected[1], "the document must answer with something"
    for _ in range(2):
        assert _whole(await lean.execute(document, variable_values=variables)) == expected


async def test_the_documents_reach_values_errors_and_nulls_everywhere() -> None:
    """The documents above are not trivial: the answers hold objects from lists in lists, nulls and errors at depth."""
    lean = _lean_schema()
    results = [await lean.execute(document, variable_values={"times": 2, "skip": False}) for document in DOCUMENTS]
    paths = {tuple(error.path or ()) for result in results for error in result.errors or ()}
    messages = {error.message for result in results for error in result.errors or ()}
    assert ("boxes", 1, "pets", 1) in paths  # a null item of a non-null list
    assert ("boxes", 1, "grid", 1, 0) in paths  # a refused Int in a list in a list
    assert ("boxes", 0, "maybePets", 0, "tail") in paths  # raised below a union in a list
    assert ("boxes", 0, "awaitedItems", 3) in paths  # an awaitable item that fails
    assert any(message.startswith("Expected Iterable") for message in messages)
    assert any("NotAPet'>\" cannot be resolved for the field" in message for message in messages)  # Strawberry's
    assert ("boxes", 1, "strictPets", 1, "lives") in paths  # a Dog cast to a Cat
    assert any(message.startswith("Expected value of type 'Cat' but got") for message in messages)
    assert "Cannot return null for non-nullable field Box.strictChild." in messages
    assert ("maybeBoxes", 1, "must") in paths and ("maybeBoxes", 1, "fails") in paths  # each nulls its box only
    assert ("maybeBoxes", 0, "cats", 1) in paths  # a cast value is not known by its class
    data = results[7].data
    assert data is not None and data["boxes"][0]["child"]["child"]["pets"][0]["where"] == "boxes/0/child/child/pets/0/where"

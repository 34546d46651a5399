"""Relay connections over keyset pages, and the opaque cursors that carry a node key."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry

from catalog.api.errors import BadArgument

T = TypeVar("T")

_CURSOR_PREFIX = "cursor:v1:"

Counter = Callable[[], Awaitable[int]]

First = Annotated[int, strawberry.argument(description="Page size: how many items to return, at most CATALOG_MAX_PAGE_SIZE.")]
After = Annotated[str | None, strawberry.argument(description="Return items after this cursor: `pageInfo.endCursor` of the previous page.")]


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{key}".encode()).decode("ascii")


def decode_cursor(cursor: str | None) -> str | None:
    """The node key inside a cursor this API issued; a clear error for anything else."""
    if cursor is None:
        return None
    try:
        text = base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX) or len(text) == len(_CURSOR_PREFIX):
        raise BadArgument(
            f"after: {cursor!r} is not a cursor from this API; pass `pageInfo.endCursor` (or an edge's `cursor`) from the previous page"
        )
    return text[len(_CURSOR_PREFIX) :]


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows; fetch it with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(description="True when this page was asked for with `after`.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge; pass it as `after` for the next page.")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item; pass it as `after` to continue after it.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, in stable key order (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    counter: strawberry.Private[Counter]

    @strawberry.field(description="How many items the whole list has, over all pages.")
    async def total_count(self) -> int:
        return await self.counter()


def known_count(total: int) -> Counter:
    async def count() -> int:
        return total

    return count


def build_connection(items: Sequence[T], keys: Sequence[str], *, has_next: bool, after: str | None, counter: Counter) -> Connection[T]:
    """A connection for one page; ``keys`` are the items' node keys, in the same order."""
    cursors = [encode_cursor(key) for key in keys]
    edges = [Edge(cursor=cursor, node=item) for cursor, item in zip(cursors, items, strict=True)]
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return Connection(edges=edges, page_info=info, counter=counter)

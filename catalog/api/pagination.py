"""Relay connections over keyset pages, and the opaque cursors that carry a node key."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

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
    has_next_page: bool = strawberry.field(
        description="Paging forwards: true when another page follows (fetch it with `after: endCursor`). Paging backwards: true "
        "when this page was asked for with `before`."
    )
    has_previous_page: bool = strawberry.field(
        description="Paging forwards: true when this page was asked for with `after`. Paging backwards: true when items precede it."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge; pass it as `after` for the next page.")


def _cursor(root: Any) -> str:
    return encode_cursor(root.key)


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    key: strawberry.Private[str]
    """The key the cursor carries: the cursor is encoded only when asked for (a page of 500 items asks for one at most)."""
    cursor: str = strawberry.field(resolver=_cursor, description="Opaque position of this item; pass it as `after` to continue after it.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, in a stable order (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    counter: strawberry.Private[Counter]

    @strawberry.field(description="The items of this page without their cursors: a shortcut for `edges { node }`.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list has, over all pages.", graphql_type=int)
    def total_count(self) -> int | Awaitable[int]:
        # A count known already answers at once: an awaitable costs graphql-core a task, and a page of a hub's
        # blast radius has a connection per team.
        counter = self.counter
        return counter.total if isinstance(counter, KnownCount) else counter()


Last = Annotated[
    int | None, strawberry.argument(description="Page size from the end: the last items before `before` (or of the whole list).")
]
Before = Annotated[
    str | None, strawberry.argument(description="Return items before this cursor: `pageInfo.startCursor` of the page after.")
]


class KnownCount:
    """A ``Counter`` whose count is already known."""

    def __init__(self, total: int) -> None:
        self.total = total

    async def __call__(self) -> int:
        return self.total


def known_count(total: int) -> Counter:
    return KnownCount(total)


def build_connection(items: Sequence[T], keys: Sequence[str], *, has_next: bool, after: str | None, counter: Counter) -> Connection[T]:
    """A connection for one page; ``keys`` are the items' node keys, in the same order."""
    edges = [Edge(key=key, node=item) for key, item in zip(keys, items, strict=True)]
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=encode_cursor(keys[0]) if keys else None,
        end_cursor=encode_cursor(keys[-1]) if keys else None,
    )
    return Connection(edges=edges, page_info=info, counter=counter)


def list_connection(items: Sequence[T], keys: Sequence[str], *, first: int, after: str | None, max_page_size: int) -> Connection[T]:
    """A page of a list already in memory, in its own order; ``keys`` are the items' unique keys
    (the cursors carry them). A cursor whose item left the list is refused: its place is unknown."""
    start, stop, after_key = _forward_page(keys, len(items), first, after, max_page_size)
    return build_connection(
        items[start:stop], keys[start:stop], has_next=start + first < len(items), after=after_key, counter=known_count(len(items))
    )


def _forward_page(keys: Iterable[str], count: int, first: int, after: str | None, max_page_size: int) -> tuple[int, int, str | None]:
    """(start, stop, the cursor's key) of the page of ``first`` items after ``after`` in a list of ``count`` items with ``keys``."""
    from catalog.api.errors import LimitExceeded

    if first < 0:
        raise BadArgument(f"first {first} is negative; ask for 0 or more items")
    if first > max_page_size:
        raise LimitExceeded(f"first {first} exceeds the limit of {max_page_size} (CATALOG_MAX_PAGE_SIZE); ask for {max_page_size} or fewer")
    after_key = decode_cursor(after)
    start = 0
    if after_key is not None:
        position = next((i for i, key in enumerate(keys) if key == after_key), None)
        if position is None:
            raise BadArgument(f"after: {after!r} points at an item no longer in the list; start again without `after`")
        start = position + 1
    return start, min(start + first, count), after_key


def backward_connection(items: Sequence[T], keys: Sequence[str], *, last: int, before: str | None, max_page_size: int) -> Connection[T]:
    """The last ``last`` items before ``before`` of a list in memory, in the list's order (Relay's backward pagination)."""
    from catalog.api.errors import LimitExceeded

    if last < 0:
        raise BadArgument(f"last {last} is negative; ask for 0 or more items")
    if last > max_page_size:
        raise LimitExceeded(f"last {last} exceeds the limit of {max_page_size} (CATALOG_MAX_PAGE_SIZE); ask for {max_page_size} or fewer")
    before_key = decode_cursor(before)
    end = len(items)
    if before_key is not None:
        position = {key: i for i, key in enumerate(keys)}.get(before_key)
        if position is None:
            raise BadArgument(f"before: {before!r} points at an item no longer in the list; start again without `before`")
        end = position
    start = max(0, end - last)
    edges = [Edge(key=keys[i], node=items[i]) for i in range(start, end)]
    info = PageInfo(
        has_next_page=end < len(items),
        has_previous_page=start > 0,
        start_cursor=encode_cursor(keys[start]) if start < end else None,
        end_cursor=encode_cursor(keys[end - 1]) if start < end else None,
    )
    return Connection(edges=edges, page_info=info, counter=known_count(len(items)))


R = TypeVar("R")


def rows_connection(
    info: Any, rows: Sequence[R], wrap: Callable[[R], T], key: Callable[[R], str], first: int, after: str | None
) -> Connection[T]:
    """A page of rows a loader read whole (a system's services, a team's members), each wrapped in its GraphQL type.
    Only the page's rows are wrapped (an adoption report lists thousands of teams; a page shows 50)."""
    start, stop, after_key = _forward_page(map(key, rows), len(rows), first, after, info.context.settings.max_page_size)
    page = rows[start:stop]
    return build_connection(
        [wrap(row) for row in page],
        [key(row) for row in page],
        has_next=start + first < len(rows),
        after=after_key,
        counter=known_count(len(rows)),
    )

"""``onCall``, ``ownerAt`` and ``changes``: who answers the pager at an instant, who owned a service then, what changed."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from catalog.answers import history as hist
from catalog.answers import oncall as oc
from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.limits import checked_first
from catalog.api.oncall.types import ChangesAnswer, HistoryEvent, OnCallAnswer, OwnerAtAnswer
from catalog.api.ownership.queries import checked_identifier
from catalog.api.pagination import Connection, build_connection, decode_cursor, known_count
from catalog.clock import InstantError, instant

ServiceArg = Annotated[
    str,
    strawberry.argument(
        description="The service: a name, key or alias, a repository URL, a pod name, a PagerDuty service id or a hostname."
    ),
]


def _instant(moment: datetime | None, argument: str) -> str:
    """A DateTime argument in the stored form; ``None`` is now."""
    if moment is None:
        return oc.parse_instant(None)
    try:
        return instant(moment)
    except InstantError as exc:
        raise BadArgument(f"{argument}: {exc}") from exc


@strawberry.type
class OnCallQuery:
    @strawberry.field(
        description="Who is on call for the service at `at` (default: now), level by level: empty levels marked and the first "
        "level paged named, several people per level for several schedules, users the policy targets directly, permanent "
        "on-calls, the owner team's policy when the service has none, and when the data was refreshed and how far it reaches."
    )
    async def on_call(
        self,
        info: Info,
        service: ServiceArg,
        at: Annotated[
            datetime | None, strawberry.argument(description="The instant, with a timezone; default now. Past instants use history.")
        ] = None,
    ) -> OnCallAnswer | None:
        text = checked_identifier(service, "service")
        return OnCallAnswer(row=await oc.on_call(info.context.reader, text, _instant(at, "at")))


@strawberry.type
class HistoryQuery:
    @strawberry.field(description="Who owned the service at a past instant: the resolved owners and what each source said then.")
    async def owner_at(
        self,
        info: Info,
        service: ServiceArg,
        at: Annotated[datetime, strawberry.argument(description="The instant, with a timezone.")],
    ) -> OwnerAtAnswer | None:
        text = checked_identifier(service, "service")
        return OwnerAtAnswer(row=await hist.owner_at(info.context.reader, text, _instant(at, "at")))

    @strawberry.field(
        description="Ownership changes (who, from which source, when) and on-call handovers of the service in [from, to), "
        "in time order, one page at a time."
    )
    async def changes(
        self,
        info: Info,
        service: ServiceArg,
        from_: Annotated[datetime, strawberry.argument(name="from", description="Start of the window (included), with a timezone.")],
        to: Annotated[datetime, strawberry.argument(description="End of the window (excluded), with a timezone.")],
    ) -> ChangesAnswer | None:
        text = checked_identifier(service, "service")
        window = (_instant(from_, "from"), _instant(to, "to"))
        first_page = await _changes_page(info, text, window, hist.DEFAULT_LIMIT, None)
        return ChangesAnswer(row=first_page, text=text, window=window)


async def _changes_page(info: Info, text: str, window: tuple[str, str], first: int, after: str | None) -> hist.ChangesAnswer:
    try:
        return await hist.changes(info.context.reader, text, window[0], window[1], first=first, after=after)
    except hist.BadWindow as exc:
        raise BadArgument(f"from/to: {exc}") from exc


async def changes_events(answer: ChangesAnswer, info: Info, first: int, after: str | None) -> Connection[HistoryEvent]:
    """One page of a ``changes`` answer's events; the first page is the one the answer was read with."""
    checked_first(first, info.context.settings)
    after_key = decode_cursor(after)
    if first == hist.DEFAULT_LIMIT and after_key is None:
        page = answer.row
    else:
        page = await _changes_page(info, answer.text, answer.window, first, after_key)
    return build_connection(
        [HistoryEvent(row=e) for e in page.events],
        [e.key for e in page.events],
        has_next=page.has_next,
        after=after_key,
        counter=known_count(page.total),
    )

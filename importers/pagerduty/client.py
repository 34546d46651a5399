"""Reading PagerDuty: the live REST API or a folder of exported responses, behind one interface.

Both readers answer the same two questions, so everything after them is the same code:

- ``list(path, collection, params)``: every record of a classic-paginated listing
  (``limit``/``offset``/``more``), e.g. ``list("/users", "users")``;
- ``get(path, params)``: one response body, e.g. ``get("/schedules/PABC123")``.

A failure is a ``FetchError`` whose message names the source instance and the endpoint (or
file) and says what to do; deciding what a failure means for the sync is the caller's job.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from catalog.core.safe_load import MAX_EXPORT_BYTES, InputRefused, load_json, read_bounded
from importers.http import ApiClient, ApiError

MAX_PAGE_SIZE = 100
"""PagerDuty's classic pagination serves at most 100 records a page."""

MAX_PAGES = 10_000
"""A listing longer than this is a server that keeps saying ``more``: stop rather than loop forever."""

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class FetchError(RuntimeError):
    """One endpoint or file could not be read; the message names the source, the endpoint and the fix."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing
        """True when an exported file is simply not there (as opposed to unreadable or malformed)."""


def is_safe_id(value: object) -> bool:
    """A PagerDuty id that may go into a URL path or a file name (they are short and alphanumeric)."""
    return isinstance(value, str) and _SAFE_ID.match(value) is not None


class Reader(Protocol):
    def where(self, path: str) -> str:
        """How messages name the endpoint: ``GET /users`` or the exported file."""
        ...

    async def list(self, path: str, collection: str, params: Mapping[str, Any] | None = None) -> list[Any]: ...

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any: ...


def records_of(body: Any, collection: str, where: str, source: str) -> tuple[list[Any], bool | None]:
    """The records of one page and its ``more`` flag (``None`` when the body is a bare list)."""
    if isinstance(body, list):
        return body, None
    if not isinstance(body, dict):
        raise FetchError(f"{source}: {where} returned a JSON {type(body).__name__}, not a page object with `{collection}`; {_RERUN}")
    items = body.get(collection)
    if not isinstance(items, list):
        found = "no" if items is None else f"a {type(items).__name__} as"
        raise FetchError(f"{source}: {where} returned {found} `{collection}` where a list was expected; {_RERUN}")
    more = body.get("more", False)
    if not isinstance(more, bool):
        raise FetchError(f"{source}: {where} returned `more: {more!r}`, not true or false; {_RERUN}")
    return items, more


_RERUN = "the response is not the documented shape; re-run the sync, and check api_url points at the PagerDuty REST API"


class LiveReader:
    """The PagerDuty REST API through the shared ``ApiClient`` (retries, Retry-After, clear errors)."""

    def __init__(self, client: ApiClient, *, source: str, page_size: int = MAX_PAGE_SIZE) -> None:
        self.client = client
        self.source = source
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))

    def where(self, path: str) -> str:
        return f"GET {path}"

    async def list(self, path: str, collection: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        records: list[Any] = []
        offset = 0
        for _ in range(MAX_PAGES):
            body = await self._get(path, {**(params or {}), "limit": self.page_size, "offset": offset})
            items, more = records_of(body, collection, f"{self.where(path)} (offset {offset})", self.source)
            records.extend(items)
            if not more:
                return records
            if not items:
                raise FetchError(
                    f"{self.source}: {self.where(path)} (offset {offset}) returned an empty page that says `more: true`; "
                    "the listing was cut short; re-run the sync"
                )
            offset += len(items)
        raise FetchError(f"{self.source}: {self.where(path)} still says `more: true` after {MAX_PAGES} pages; the listing was cut short")

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self._get(path, params)

    async def _get(self, path: str, params: Mapping[str, Any] | None) -> Any:
        try:
            body, _ = await self.client.get_json(quote(path), params)
        except ApiError as exc:
            raise FetchError(str(exc)) from exc
        return body


class ExportReader:
    """Exported responses on disk: the API path plus ``.json`` under the export folder.

    ``/users`` is ``users.json``, ``/schedules/PABC123`` is ``schedules/PABC123.json``. A
    listing file holds either the API's page object (``{"users": [...], "more": false}``) or
    just the list of records; an exported listing is one file, so a ``more: true`` in it
    means the export was cut short.
    """

    def __init__(self, root: Path, *, source: str) -> None:
        self.root = root
        self.source = source

    def file(self, path: str) -> Path:
        return self.root / (path.strip("/") + ".json")

    def where(self, path: str) -> str:
        return str(self.file(path))

    async def list(self, path: str, collection: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        body = await self.get(path, params)
        items, more = records_of(body, collection, self.where(path), self.source)
        if more:
            raise FetchError(
                f"{self.source}: {self.where(path)} says `more: true`: the export holds only the first page of {path}; "
                "export every page into this one file (as a list, or a page object with `more: false`)"
            )
        return items

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        file = self.file(path)
        try:
            data = await asyncio.to_thread(read_bounded, file, MAX_EXPORT_BYTES, what=str(file), fix="export it again, or split it")
        except FileNotFoundError as exc:
            raise FetchError(
                f"{self.source}: {file} does not exist; export GET {path} into it (see importers/pagerduty for the layout)", missing=True
            ) from exc
        except InputRefused as exc:
            raise FetchError(f"{self.source}: {exc.message}; {exc.fix}") from exc
        except OSError as exc:
            raise FetchError(f"{self.source}: cannot read {file} ({exc.strerror}); check the export folder and its permissions") from exc
        try:
            return load_json(data, what=str(file))
        except InputRefused as exc:
            raise FetchError(
                f"{self.source}: {exc.message}; the export was truncated or is not a PagerDuty response; export it again"
                if exc.kind == "invalid-json"
                else f"{self.source}: {exc.message}; {exc.fix}"
            ) from exc

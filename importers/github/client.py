"""Where the GitHub importer's payloads come from: the live REST API, or an export folder.

Both readers hand the importer the same JSON the API returns and name where each payload came
from (``GET /orgs/acme/repos`` live, ``repos.json`` offline), which becomes the origin of the
facts read from it. Anything that cannot be read raises ``FetchError`` naming that place.

Export folder layout (offline mode, ``export_dir``)::

    repos.json                          GET /orgs/{org}/repos
    teams.json                          GET /orgs/{org}/teams
    teams/<team_slug>/members.json      GET /orgs/{org}/teams/{team_slug}/members
    teams/<team_slug>/repos.json        GET /orgs/{org}/teams/{team_slug}/repos
    trees/<repo>.json                   GET /repos/{org}/{repo}/git/trees/{default_branch}?recursive=1
                                        (for an empty repository, the API's answer {"message": "Git Repository is empty."})
    codeowners/<repo>/<path>            the CODEOWNERS file as raw text, at the path it has in the
                                        repository: codeowners/checkout/.github/CODEOWNERS

A listing file holds the API's JSON array, a JSON array of such pages, or several arrays one
after the other, which is what ``gh api --paginate [--slurp] orgs/acme/repos > repos.json``
writes. A missing listing file counts as an endpoint that failed; a missing tree only leaves the
repository's owned share unknown; a missing CODEOWNERS means the repository has none.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote

from catalog.core.codeowners import MAX_FILE_BYTES
from catalog.core.safe_load import MAX_EXPORT_BYTES, InputRefused, decode_utf8, load_json_values, read_bounded
from importers.http import ApiClient, ApiError

PER_PAGE = 100
MAX_PAGES = 2000
"""200,000 records: a ``Link`` chain longer than this is a server bug, not an org."""


class FetchError(Exception):
    """One endpoint or export file could not be read."""

    def __init__(self, where: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.status = status


@dataclass(frozen=True)
class Listing:
    items: list[Any]
    where: str


@dataclass(frozen=True)
class TreeFetch:
    state: Literal["ok", "empty", "missing"]
    """``empty``: the repository has no commits (HTTP 409); ``missing``: not in the export."""
    body: Any
    where: str


@dataclass(frozen=True)
class FoundFile:
    path: str
    """Where in the repository: ``.github/CODEOWNERS``, ``CODEOWNERS`` or ``docs/CODEOWNERS``."""
    data: bytes | None
    """``None`` when the file is too large to be used (``size`` says how large)."""
    size: int
    where: str


class Reader(Protocol):
    async def repos(self) -> Listing: ...
    async def teams(self) -> Listing: ...
    async def team_members(self, slug: str) -> Listing: ...
    async def team_repos(self, slug: str) -> Listing: ...
    async def tree(self, repo: str, branch: str) -> TreeFetch: ...
    async def codeowners(self, repo: str, branch: str, candidates: tuple[str, ...]) -> FoundFile | None: ...


class LiveReader:
    """The REST API through the shared ``ApiClient`` (retries, backoff, rate limits)."""

    def __init__(self, client: ApiClient, org: str, api_url: str) -> None:
        self.client = client
        self.org = org
        self.base = api_url.rstrip("/") + "/"

    async def repos(self) -> Listing:
        return await self._paginated(f"/orgs/{self.org}/repos", {"type": "all"})

    async def teams(self) -> Listing:
        return await self._paginated(f"/orgs/{self.org}/teams")

    async def team_members(self, slug: str) -> Listing:
        return await self._paginated(f"/orgs/{self.org}/teams/{slug}/members")

    async def team_repos(self, slug: str) -> Listing:
        return await self._paginated(f"/orgs/{self.org}/teams/{slug}/repos")

    async def tree(self, repo: str, branch: str) -> TreeFetch:
        path = f"/repos/{self.org}/{repo}/git/trees/{quote(branch, safe='')}"
        where = f"GET {path}"
        try:
            body, _ = await self.client.get_json(path, {"recursive": "1"})
        except ApiError as exc:
            if exc.status == 409:  # "Git Repository is empty."
                return TreeFetch("empty", None, where)
            raise FetchError(where, str(exc), exc.status) from exc
        return TreeFetch("ok", body, where)

    async def codeowners(self, repo: str, branch: str, candidates: tuple[str, ...]) -> FoundFile | None:
        for candidate in candidates:
            path = f"/repos/{self.org}/{repo}/contents/{candidate}"
            where = f"GET {path}"
            try:
                body, _ = await self.client.get_json(path, {"ref": branch})
            except ApiError as exc:
                if exc.status == 404:
                    continue
                raise FetchError(where, str(exc), exc.status) from exc
            if not isinstance(body, dict) or body.get("type") != "file":
                continue  # a directory of that name (the API answers with a list) is no CODEOWNERS
            size = body.get("size")
            if isinstance(size, int) and size >= MAX_FILE_BYTES:
                return FoundFile(candidate, None, size, where)
            data = await self._content(repo, body, where)
            if len(data) >= MAX_FILE_BYTES:
                return FoundFile(candidate, None, len(data), where)
            return FoundFile(candidate, data, len(data), where)
        return None

    async def _content(self, repo: str, body: dict[str, Any], where: str) -> bytes:
        encoding, content = body.get("encoding"), body.get("content")
        if encoding == "none" or (encoding is None and content in ("", None)):
            # Files over 1 MB come without content; the blob endpoint serves them up to 100 MB.
            sha = body.get("sha")
            if not isinstance(sha, str):
                raise FetchError(where, f"{where} gave no content and no sha for the file")
            blob_path = f"/repos/{self.org}/{repo}/git/blobs/{sha}"
            try:
                blob, _ = await self.client.get_json(blob_path)
            except ApiError as exc:
                raise FetchError(f"GET {blob_path}", str(exc), exc.status) from exc
            if not isinstance(blob, dict):
                raise FetchError(f"GET {blob_path}", f"GET {blob_path} answered with a {type(blob).__name__}, not a blob object")
            return _decode_base64(blob.get("encoding"), blob.get("content"), f"GET {blob_path}")
        return _decode_base64(encoding, content, where)

    async def _paginated(self, path: str, params: dict[str, Any] | None = None) -> Listing:
        """Every page of a listing, following ``Link: rel="next"``."""
        where = f"GET {path}"
        items: list[Any] = []
        url: str = path
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            try:
                body, response = await self.client.get_json(url, query)
            except ApiError as exc:
                raise FetchError(where, str(exc), exc.status) from exc
            if not isinstance(body, list):
                raise FetchError(
                    where,
                    f"{where} answered with a JSON {type(body).__name__}, not the array of records the API documents"
                    + (f" (page {len(seen) + 1})" if seen else ""),
                    response.status_code,
                )
            items.extend(body)
            following = response.links.get("next", {}).get("url")
            if not following:
                return Listing(items, where)
            if not following.startswith(self.base):
                # Never send the token to a host the configuration did not name.
                raise FetchError(where, f"{where}: the Link header's next page {following!r} is outside {self.base}; refusing to follow it")
            if following in seen:
                raise FetchError(where, f"{where}: the Link header leads back to {following!r}, a page already read")
            seen.add(following)
            url, query = following, None
        raise FetchError(where, f"{where}: more than {MAX_PAGES} pages; stopped")


class ExportReader:
    """An export folder laid out as this module's docstring describes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def repos(self) -> Listing:
        return self._listing("repos.json")

    async def teams(self) -> Listing:
        return self._listing("teams.json")

    async def team_members(self, slug: str) -> Listing:
        return self._listing(f"teams/{slug}/members.json")

    async def team_repos(self, slug: str) -> Listing:
        return self._listing(f"teams/{slug}/repos.json")

    async def tree(self, repo: str, branch: str) -> TreeFetch:
        relative = f"trees/{repo}.json"
        if not (self.root / relative).is_file():
            return TreeFetch("missing", None, relative)
        values = self._json_values(relative)
        if len(values) != 1:
            raise FetchError(relative, f"{relative} holds {len(values)} JSON values; a tree export is one object")
        body = values[0]
        if isinstance(body, dict) and "tree" not in body and "empty" in str(body.get("message", "")).lower():
            return TreeFetch("empty", None, relative)  # the API's 409 answer, {"message": "Git Repository is empty."}
        return TreeFetch("ok", body, relative)

    async def codeowners(self, repo: str, branch: str, candidates: tuple[str, ...]) -> FoundFile | None:
        for candidate in candidates:
            relative = f"codeowners/{repo}/{candidate}"
            file = self.root / relative
            if not file.is_file():
                continue
            try:
                size = file.stat().st_size
                if size >= MAX_FILE_BYTES:
                    return FoundFile(candidate, None, size, relative)
                return FoundFile(candidate, file.read_bytes(), size, relative)
            except OSError as exc:
                raise FetchError(relative, f"{relative}: cannot read it ({exc.strerror})") from exc
        return None

    def _listing(self, relative: str) -> Listing:
        if not (self.root / relative).is_file():
            raise FetchError(relative, f"{relative} is missing from the export folder {self.root}")
        items: list[Any] = []
        for value in self._json_values(relative):
            if not isinstance(value, list):
                raise FetchError(relative, f"{relative} holds a JSON {type(value).__name__}, not the array of records the API returns")
            pages = value if value and all(isinstance(v, list) for v in value) else [value]
            for page in pages:
                items.extend(page)
        return Listing(items, relative)

    def _json_values(self, relative: str) -> list[Any]:
        """Every JSON value in the file, bounded in size and nesting by ``catalog.core.safe_load``."""
        try:
            data = read_bounded(self.root / relative, MAX_EXPORT_BYTES, what=relative, fix="split the export, or re-export it")
            values = load_json_values(decode_utf8(data, what=relative), what=relative)
        except InputRefused as exc:
            fix = "re-export it" if exc.kind == "invalid-json" else exc.fix
            raise FetchError(relative, f"{exc.message}; {fix}") from exc
        except OSError as exc:
            raise FetchError(relative, f"{relative}: cannot read it ({exc})") from exc
        if not values:
            raise FetchError(relative, f"{relative} is empty; re-export it")
        return values


def _decode_base64(encoding: Any, content: Any, where: str) -> bytes:
    if encoding != "base64" or not isinstance(content, str):
        raise FetchError(where, f"{where} gave the file with encoding {encoding!r}; expected base64 content")
    try:
        return base64.b64decode(content.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FetchError(where, f"{where} gave content that is not valid base64 ({exc})") from exc

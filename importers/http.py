"""The HTTP client every live importer uses: timeouts, retries with backoff, rate limits.

- A 429, a 5xx or a connection error is retried with exponential backoff and jitter, up to
  ``max_retries`` times. ``Retry-After`` (seconds or an HTTP date) and the rate-limit reset
  headers (``X-RateLimit-Reset``/``RateLimit-Reset``, GitHub's ``x-ratelimit-remaining: 0``)
  set the wait when present, capped at ``max_wait``.
- A body that is not the JSON it claims to be (a truncated response, an HTML error page) is
  an ``ApiError`` that names the endpoint and what was wrong, never a half-read page.
- Tokens never appear in errors or logs.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class ApiError(RuntimeError):
    """A request failed for good; the message names the source, the endpoint and the fix."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_delay: float = 0.5
    max_wait: float = 60.0
    """Longest single wait; a Retry-After beyond it fails the request instead of stalling the sync."""


class ApiClient:
    """An ``httpx.AsyncClient`` with the retry policy above; one per source instance."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: Any = True,
        cert: Any = None,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self.source = source
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.requests = 0
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout),
            verify=verify,
            cert=cert,
            follow_redirects=True,
        )

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET with retries; returns the successful response, or raises ``ApiError``."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                response = await self._client.get(path, params=params)
                await response.aread()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                # A body cut short (the server closed the connection mid-response) lands
                # here too, as a RemoteProtocolError.
                if attempt > self.retry.max_retries:
                    raise ApiError(
                        f"{self.source}: GET {self._url(path)} failed after {attempt} attempts: {type(exc).__name__}: {exc}; "
                        "check the URL and the network, or raise the timeout"
                    ) from exc
                await self._wait(attempt, None, f"{type(exc).__name__}")
                continue
            if response.status_code in RETRY_STATUS and attempt <= self.retry.max_retries:
                await self._wait(attempt, response, f"HTTP {response.status_code}")
                continue
            if response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0" and attempt <= self.retry.max_retries:
                await self._wait(attempt, response, "rate limit exhausted")
                continue
            if response.status_code >= 400:
                raise ApiError(self._describe_failure(path, response), status=response.status_code)
            return response

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        response = await self.get(path, params)
        return self.decode(path, response), response

    def decode(self, path: str, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            size = len(response.content)
            raise ApiError(
                f"{self.source}: GET {self._url(path)} returned {size} bytes that are not valid JSON ({exc}); "
                "the response was truncated or is not an API response; re-run the sync, and check the base URL if it persists",
                status=response.status_code,
            ) from exc

    def _url(self, path: str) -> str:
        return str(self._client.base_url.join(path))

    def _describe_failure(self, path: str, response: httpx.Response) -> str:
        detail = response.text[:300].strip().replace("\n", " ")
        hint = {
            401: "the token is missing or invalid; set it in catalog.yaml (token_env) and check it has not expired",
            403: "the token lacks the permission this endpoint needs",
            404: "the endpoint or the organisation/account does not exist; check the source's settings",
        }.get(response.status_code, "see the response above")
        return f"{self.source}: GET {self._url(path)} answered HTTP {response.status_code}: {detail}; {hint}"

    async def _wait(self, attempt: int, response: httpx.Response | None, why: str) -> None:
        delay = self.retry.base_delay * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
        told = _told_wait(response) if response is not None else None
        if told is not None:
            if told > self.retry.max_wait:
                status = response.status_code if response is not None else None
                raise ApiError(
                    f"{self.source}: the server asks to wait {told:.0f} s ({why}), longer than the {self.retry.max_wait:.0f} s allowed; "
                    "re-run the sync later",
                    status=status,
                )
            delay = told
        delay = min(delay, self.retry.max_wait)
        log.warning("%s: %s, retrying in %.1f s (attempt %d of %d)", self.source, why, delay, attempt, self.retry.max_retries)
        await self._sleep(delay)


def _told_wait(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, from Retry-After or the rate-limit reset headers."""
    headers = response.headers
    retry_after = headers.get("retry-after")
    if retry_after:
        retry_after = retry_after.strip()
        if retry_after.isdigit():
            return float(retry_after)
        try:
            parsed = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - time.time())
    if headers.get("x-ratelimit-remaining") == "0" or headers.get("ratelimit-remaining") == "0" or response.status_code == 429:
        reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
        if reset and reset.strip().isdigit():
            value = float(reset)
            # GitHub sends an epoch second; the IETF draft (and PagerDuty) send seconds to wait.
            return max(0.0, value - time.time()) if value > 1_000_000_000 else value
    return None

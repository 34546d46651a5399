"""The shared API client against a real local HTTP server: retries, rate limits, bad bodies."""

from __future__ import annotations

import pytest

from importers.http import ApiClient, ApiError, RetryPolicy
from tests.fakes.http_server import FakeApi, Reply


class _Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def api() -> FakeApi:
    with FakeApi() as fake:
        yield fake


async def test_429_with_retry_after_waits_as_told_then_succeeds(api: FakeApi) -> None:
    api.route("/things", {"ok": True})
    api.script("/things", Reply(429, {"error": "slow down"}, {"Retry-After": "7"}))
    sleeps = _Sleeps()
    async with ApiClient("test", api.url, sleep=sleeps) as client:
        body, _ = await client.get_json("/things")
    assert body == {"ok": True}
    assert sleeps.waits == [7.0]
    assert len(api.hits("/things")) == 2


async def test_github_style_exhausted_rate_limit_waits_until_reset(api: FakeApi) -> None:
    import time

    api.route("/things", {"ok": True})
    api.script(
        "/things",
        Reply(403, {"message": "API rate limit exceeded"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3)}),
    )
    sleeps = _Sleeps()
    async with ApiClient("test", api.url, sleep=sleeps) as client:
        await client.get_json("/things")
    assert len(sleeps.waits) == 1 and 1.0 <= sleeps.waits[0] <= 3.5


async def test_5xx_is_retried_with_growing_backoff(api: FakeApi) -> None:
    api.route("/things", {"ok": True})
    api.script("/things", Reply(503, {}), Reply(502, {}), Reply(500, {}))
    sleeps = _Sleeps()
    async with ApiClient("test", api.url, sleep=sleeps, retry=RetryPolicy(base_delay=1.0)) as client:
        body, _ = await client.get_json("/things")
    assert body == {"ok": True}
    assert len(sleeps.waits) == 3
    assert sleeps.waits[0] <= 1.0 and 1.0 <= sleeps.waits[1] <= 2.0 and 2.0 <= sleeps.waits[2] <= 4.0


async def test_persistent_5xx_fails_naming_the_endpoint(api: FakeApi) -> None:
    api.route("/things", lambda q, h: Reply(503, {"error": "down"}))
    async with ApiClient("pagerduty", api.url, sleep=_Sleeps(), retry=RetryPolicy(max_retries=2)) as client:
        with pytest.raises(ApiError, match=r"pagerduty: GET http://127\.0\.0\.1:\d+/things answered HTTP 503") as err:
            await client.get_json("/things")
    assert err.value.status == 503
    assert len(api.hits("/things")) == 3


async def test_connection_cut_mid_body_is_retried(api: FakeApi) -> None:
    api.route("/things", {"items": list(range(100))})
    api.script("/things", Reply(200, {"items": list(range(100))}, cut_after=20))
    async with ApiClient("test", api.url, sleep=_Sleeps()) as client:
        body, _ = await client.get_json("/things")
    assert body == {"items": list(range(100))}


async def test_truncated_json_with_matching_length_is_a_clear_error(api: FakeApi) -> None:
    api.route("/things", lambda q, h: Reply(200, b'{"items": [1, 2'))
    async with ApiClient("github", api.url, sleep=_Sleeps()) as client:
        with pytest.raises(ApiError, match=r"github: GET .*/things returned 15 bytes that are not valid JSON"):
            await client.get_json("/things")


async def test_401_names_the_token_fix_without_leaking_it(api: FakeApi) -> None:
    api.route("/things", lambda q, h: Reply(401, {"message": "Bad credentials"}))
    async with ApiClient("github", api.url, headers={"Authorization": "Bearer s3cret-token"}, sleep=_Sleeps()) as client:
        with pytest.raises(ApiError) as err:
            await client.get_json("/things")
    assert "token is missing or invalid" in str(err.value)
    assert "s3cret-token" not in str(err.value)


async def test_retry_after_beyond_the_cap_fails_instead_of_stalling(api: FakeApi) -> None:
    api.route("/things", lambda q, h: Reply(429, {}, {"Retry-After": "3600"}))
    async with ApiClient("test", api.url, sleep=_Sleeps(), retry=RetryPolicy(max_wait=60)) as client:
        with pytest.raises(ApiError, match="asks to wait 3600 s"):
            await client.get_json("/things")

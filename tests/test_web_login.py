"""Signing in to the pages with a pasted token, over HTTP, on both stores.

Under `CATALOG_AUTH=token` a browser is sent to `/login`; a pasted token becomes an HttpOnly,
SameSite=Strict session cookie (Secure over https) that is checked on every page as a bearer
token is, with the same scopes; a bad, revoked or forged sign-in is refused with a clear
message; signing out clears it. Under `proxy` the pages use the proxy's user.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalog.api.app import create_app
from catalog.auth.session import CSRF_COOKIE, SESSION_COOKIE
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings
from tests.test_auth_http import PROXY, proxy_settings
from tests.test_auth_tokens import cli_token, create, staffed, token_settings

PAGE = "/service/component:default/checkout"
HTML = {"Accept": "text/html,application/xhtml+xml"}
JANE = "jane@acme.test"


def browser(app: Any, *, base: str = "http://catalog.test", peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base, headers=HTML)


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.get_list("set-cookie")}


async def sign_in(http: httpx.AsyncClient, token: str, *, target: str = PAGE, **extra: str) -> httpx.Response:
    form = await http.get("/login", params={"next": target})
    assert form.status_code == 200
    csrf = http.cookies[CSRF_COOKIE]
    assert f'value="{csrf}"' in form.text
    return await http.post(
        "/login", data={"csrf": csrf, "next": target, "token": token, **extra}, headers={"Origin": str(http.base_url).rstrip("/")}
    )


async def test_a_browser_without_a_token_is_sent_to_sign_in_and_tools_still_get_401(store: GraphStore) -> None:
    await staffed().sync(store)
    async with browser(create_app(token_settings(), store=store)) as http:
        page = await http.get(PAGE, params={"q": "checkout"})
        assert page.status_code == 303
        location = urlsplit(page.headers["location"])
        assert location.path == "/login" and parse_qs(location.query) == {"next": [PAGE + "?q=checkout"]}

        form = await http.get(page.headers["location"])
        assert form.status_code == 200 and "API token" in form.text and 'type="password"' in form.text
        assert f'name="next" value="{PAGE}?q=checkout"' in form.text
        csrf = set_cookies(form)[CSRF_COOKIE]
        assert "HttpOnly" in csrf and "SameSite=Strict" in csrf and "Secure" not in csrf
        assert (await http.get("/static/style.css")).status_code == 200

        api = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": "application/json"})
        assert api.status_code == 401 and api.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_signing_in_opens_the_pages_with_the_tokens_scopes_and_signing_out_closes_them(
    store: GraphStore, capsys: pytest.CaptureFixture[str]
) -> None:
    await staffed().sync(store)
    reader = await create(store, capsys, "dashboard", "--scopes", "read")
    responder = await create(store, capsys, "responder", "--scopes", "read,contacts")
    async with browser(create_app(token_settings(), store=store)) as http:
        signed = await sign_in(http, reader)
        assert signed.status_code == 303 and signed.headers["location"] == PAGE
        session = set_cookies(signed)[SESSION_COOKIE]
        assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session
        assert reader not in signed.headers["location"]

        page = await http.get(PAGE)
        assert page.status_code == 200 and "checkout" in page.text
        # `read` shows owners and team emails, never people's emails.
        assert "jane" in page.text.lower() and "payments@acme.test" in page.text and JANE not in page.text
        assert "dashboard" in page.text and 'href="/logout"' in page.text
        team = await http.get("/team/group:default/payments")
        assert team.status_code == 200 and "omar" in team.text.lower() and "omar@acme.test" not in team.text

        # The query console's requests are signed in by the cookie too, from the catalog's own origin.
        own = await http.post(
            "/graphql", json={"query": "{ services(first: 1) { totalCount } }"}, headers={"Origin": "http://catalog.test"}
        )
        assert own.status_code == 200 and own.json()["data"]["services"]["totalCount"] == 2

        out_form = await http.get("/logout")
        assert out_form.status_code == 200
        out = await http.post("/logout", data={"csrf": http.cookies[CSRF_COOKIE]}, headers={"Origin": "http://catalog.test"})
        assert out.status_code == 303 and out.headers["location"] == "/login?why=out"
        assert "Max-Age=0" in set_cookies(out)[SESSION_COOKIE]
        assert (await http.get(PAGE)).status_code == 303

        assert (await sign_in(http, responder)).status_code == 303
        full = await http.get(PAGE)
        assert full.status_code == 200 and JANE in full.text


async def test_a_bad_or_revoked_token_is_refused_with_a_clear_message(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await staffed().sync(store)
    token = await create(store, capsys, "laptop", "--scopes", "read")
    async with browser(create_app(token_settings(), store=store)) as http:
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        refused = await sign_in(http, forged)
        assert refused.status_code == 401
        assert "This token was refused" in refused.text and forged not in refused.text
        assert SESSION_COOKIE not in set_cookies(refused)
        junk = await sign_in(http, "hello world")
        assert junk.status_code == 401 and "That is not an API token" in junk.text
        empty = await sign_in(http, "")
        assert empty.status_code == 400 and "Paste an API token" in empty.text

        assert (await sign_in(http, token)).status_code == 303
        assert (await http.get(PAGE)).status_code == 200
        code, _, err = await cli_token(store, capsys, "revoke", "laptop")
        assert code == 0, err
        ended = await http.get(PAGE)
        assert ended.status_code == 303 and parse_qs(urlsplit(ended.headers["location"]).query)["why"] == ["expired"]
        assert "Max-Age=0" in set_cookies(ended)[SESSION_COOKIE]
        notice = await http.get(ended.headers["location"])
        assert "no longer accepted" in notice.text


async def test_forged_sign_ins_and_cross_site_requests_are_refused(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await staffed().sync(store)
    token = await create(store, capsys, "laptop", "--scopes", "read")
    async with browser(create_app(token_settings(), store=store)) as http:
        await http.get("/login")
        # Another site's page posting the form: no matching CSRF value, or a foreign Origin.
        wrong = await http.post("/login", data={"csrf": "guess", "token": token}, headers={"Origin": "http://catalog.test"})
        assert wrong.status_code == 403 and "did not come from the catalog" in wrong.text
        foreign = await http.post(
            "/login", data={"csrf": http.cookies[CSRF_COOKIE], "token": token}, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 403 and SESSION_COOKIE not in set_cookies(foreign)
        # A page with `Referrer-Policy: no-referrer` sends `Origin: null`; Sec-Fetch-Site then says where it came from.
        csrf = http.cookies[CSRF_COOKIE]
        other = await http.post("/login", data={"csrf": csrf, "token": token}, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
        assert other.status_code == 403
        own = await http.post("/login", data={"csrf": csrf, "token": token}, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert own.status_code == 303
        await http.post("/logout", data={"csrf": http.cookies[CSRF_COOKIE]}, headers={"Origin": "http://catalog.test"})
        # A redirect after sign-in stays on this site.
        elsewhere = await sign_in(http, token, target="//evil.example/x")
        assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/"

        query = {"query": "{ services(first: 1) { totalCount } }"}
        cross = await http.post("/graphql", json=query, headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403 and "own pages" in cross.json()["errors"][0]["message"]
        no_origin = await http.post("/graphql", json=query)
        assert no_origin.status_code == 403
        out = await http.post("/logout", data={"csrf": http.cookies[CSRF_COOKIE]}, headers={"Origin": "https://evil.example"})
        assert out.status_code == 403 and (await http.get(PAGE)).status_code == 200


async def test_the_session_cookie_is_secure_over_https(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    await staffed().sync(store)
    token = await create(store, capsys, "laptop", "--scopes", "read")
    async with browser(create_app(token_settings(), store=store), base="https://catalog.test") as http:
        form = await http.get("/login")
        csrf = set_cookies(form)[CSRF_COOKIE]
        assert "Secure" in csrf
        value = csrf.split(";", 1)[0].split("=", 1)[1]
        signed = await http.post(
            "/login",
            data={"csrf": value, "token": token},
            headers={"Origin": "https://catalog.test", "Cookie": f"{CSRF_COOKIE}={value}"},
        )
        assert signed.status_code == 303
        assert "Secure" in set_cookies(signed)[SESSION_COOKIE]


async def test_behind_a_proxy_the_pages_use_its_user_and_groups(store: GraphStore) -> None:
    await staffed().sync(store)
    app = create_app(proxy_settings(), store=store)
    async with browser(app, peer=PROXY) as http:
        sre = await http.get(PAGE, headers={"X-Forwarded-User": "jane", "X-Forwarded-Groups": "sre"})
        assert sre.status_code == 200 and JANE in sre.text and ">jane<" in sre.text
        reader = await http.get(PAGE, headers={"X-Forwarded-User": "omar"})
        assert reader.status_code == 200 and JANE not in reader.text and 'href="/logout"' not in reader.text
        login = await http.get("/login", headers={"X-Forwarded-User": "omar"})
        assert login.status_code == 200 and "sign-in proxy" in login.text and "omar" in login.text
    async with browser(app, peer="192.168.7.7") as direct:
        assert (await direct.get(PAGE, headers={"X-Forwarded-User": "jane"})).status_code == 401


async def test_anonymous_pages_are_unchanged(store: GraphStore) -> None:
    await staffed().sync(store)
    async with browser(create_app(api_settings(), store=store)) as http:
        page = await http.get(PAGE)
        assert page.status_code == 200 and JANE in page.text and 'href="/logout"' not in page.text
        assert "nothing to sign in to" in (await http.get("/login")).text

"""OIDC bearer JWTs, signed with test RSA keys and checked against a JWKS served by a real HTTP
server on loopback: valid tokens pass with scopes from their groups; expired, wrong audience,
wrong issuer, wrong key, `alg: none` and HS256-with-the-public-key tokens are refused; a rotated
key is picked up, and unknown key ids cannot make the server hammer the provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from catalog.api.app import create_app
from catalog.auth.authenticate import AuthFailure, Oidc
from catalog.auth.oidc import JwksCache
from catalog.auth.scopes import Scope
from catalog.settings import Settings
from catalog.store.embedded import EmbeddedStore
from tests._api_fixtures import api_settings
from tests.fakes.http_server import FakeApi, Reply
from tests.test_auth_tokens import OWNERS_QUERY, bearer, client, owners_by_service, staffed

ISSUER = "https://login.acme.test/"
AUDIENCE = "ownership-catalog"
GROUPS = json.dumps({"sre": ["read", "contacts"], "catalog-admins": "read,contacts,admin"})


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY_1, KEY_2, STRANGER = _key(), _key(), _key()


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "use": "sig", "alg": "RS256"}


def sign(key: rsa.RSAPrivateKey, kid: str | None = "k1", *, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": now, "exp": now + 300, "groups": ["sre"], **claims}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(body, key, algorithm=alg, headers=headers)


@pytest.fixture
def provider() -> Iterator[FakeApi]:
    """The identity provider: discovery document and JWKS, on loopback."""
    with FakeApi() as api:
        api.route("/jwks", {"keys": [jwk(KEY_1, "k1")]})
        api.route("/.well-known/openid-configuration", lambda q, h: Reply(body={"issuer": ISSUER, "jwks_uri": f"{api.url}/jwks"}))
        yield api


def oidc_settings(provider: FakeApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "auth": "oidc",
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": f"{provider.url}/jwks",
        "auth_group_scopes": GROUPS,
        "oidc_jwks_refresh_seconds": 60,
    }
    return api_settings(**{**values, **overrides})


async def check(authenticator: Oidc, token: str) -> Any:
    return await authenticator.authenticate({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})


async def refused(authenticator: Oidc, token: str) -> AuthFailure:
    with pytest.raises(AuthFailure) as caught:
        await check(authenticator, token)
    assert caught.value.status == 401 and caught.value.presented
    return caught.value


async def test_a_valid_token_maps_its_groups_to_scopes(provider: FakeApi) -> None:
    oidc = Oidc(oidc_settings(provider))
    responder = await check(oidc, sign(KEY_1))
    assert (responder.name, responder.kind, responder.scopes) == ("user-42", "oidc", {Scope.READ, Scope.CONTACTS})
    admin = await check(oidc, sign(KEY_1, groups=["catalog-admins", "unknown-group"]))
    assert admin.scopes == {Scope.READ, Scope.CONTACTS, Scope.ADMIN}
    plain = await check(oidc, sign(KEY_1, groups="marketing"))
    assert plain.scopes == {Scope.READ}  # CATALOG_AUTH_DEFAULT_SCOPES
    assert len(provider.hits("/jwks")) == 1, "the keys are cached"


async def test_bad_tokens_are_refused(provider: FakeApi) -> None:
    oidc = Oidc(oidc_settings(provider))
    assert "expired" in (await refused(oidc, sign(KEY_1, exp=int(time.time()) - 3600))).message
    assert "audience" in (await refused(oidc, sign(KEY_1, aud="another-app"))).message
    assert "issuer" in (await refused(oidc, sign(KEY_1, iss="https://evil.test/"))).message
    assert "signature" in (await refused(oidc, sign(STRANGER, "k1"))).message
    no_expiry = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x"}, KEY_1, "RS256", {"kid": "k1"})
    assert '"exp"' in (await refused(oidc, no_expiry)).message

    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).rstrip(b"=").decode()
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": int(time.time()) + 300, "groups": ["catalog-admins"]}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert "'none' is not accepted" in (await refused(oidc, f"{header}.{payload}.")).message

    # Key confusion: HS256 "signed" with the provider's public key (which anyone can fetch) as the shared secret.
    public_pem = KEY_1.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    signing_input = f"{hs_header}.{payload}".encode()
    mac = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest()).rstrip(b"=").decode()
    assert "'HS256' is not accepted" in (await refused(oidc, f"{hs_header}.{payload}.{mac}")).message
    assert "not a JWT" in (await refused(oidc, "garbage")).message


async def test_rotated_keys_are_picked_up_and_unknown_key_ids_fetch_at_most_once_per_interval(provider: FakeApi) -> None:
    now = [1000.0]
    settings = oidc_settings(provider)
    keys = JwksCache(ISSUER, settings.oidc_jwks_url, min_refresh=60, clock=lambda: now[0])
    oidc = Oidc(settings, keys)
    await check(oidc, sign(KEY_1))
    assert keys.fetches == 1

    # The provider rotates: k2 appears. The first token signed with it makes the cache fetch again.
    provider.route("/jwks", {"keys": [jwk(KEY_1, "k1"), jwk(KEY_2, "k2")]})
    now[0] += 61
    assert (await check(oidc, sign(KEY_2, "k2"))).name == "user-42"
    assert keys.fetches == 2

    # A flood of made-up key ids within the interval costs no further fetch.
    for i in range(20):
        await refused(oidc, sign(STRANGER, f"forged-{i}"))
    assert keys.fetches == 2
    now[0] += 61
    await refused(oidc, sign(STRANGER, "forged-late"))
    assert keys.fetches == 3


async def test_discovery_finds_the_jwks_and_an_unreachable_provider_is_a_503(provider: FakeApi) -> None:
    settings = oidc_settings(provider, oidc_jwks_url=None, oidc_issuer=provider.url)
    oidc = Oidc(settings)
    assert (await check(oidc, sign(KEY_1, iss=provider.url))).name == "user-42"
    assert provider.hits("/.well-known/openid-configuration")

    down = Oidc(oidc_settings(provider, oidc_jwks_url="http://127.0.0.1:9/jwks"))
    with pytest.raises(AuthFailure) as caught:
        await check(down, sign(KEY_1))
    assert caught.value.status == 503
    remote = Oidc(oidc_settings(provider, oidc_jwks_url="http://login.acme.test/jwks"))
    with pytest.raises(AuthFailure) as caught:
        await check(remote, sign(KEY_1))
    assert caught.value.status == 503 and "https" in caught.value.message


@pytest.fixture
async def staffed_store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    await store.ensure_schema()
    await staffed().sync(store)
    yield store
    await store.close()


async def test_oidc_over_http(provider: FakeApi, staffed_store: EmbeddedStore) -> None:
    async with client(create_app(oidc_settings(provider), store=staffed_store)) as http:
        missing = await http.post("/graphql", json={"query": OWNERS_QUERY})
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="catalog"'
        sre = (await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(sign(KEY_1)))).json()
        assert owners_by_service(sre)["checkout"] == [("jane", "jane@acme.test"), ("payments", "payments@acme.test")]
        other = (await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(sign(KEY_1, groups=[])))).json()
        assert owners_by_service(other)["checkout"] == [("jane", None), ("payments", "payments@acme.test")]
        assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        expired = await http.post("/graphql", json={"query": OWNERS_QUERY}, headers=bearer(sign(KEY_1, exp=int(time.time()) - 3600)))
        assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["www-authenticate"]


def test_settings_refuse_none_and_shared_secret_algorithms() -> None:
    for algorithms in ("none", "HS256", "RS256,HS512", ""):
        with pytest.raises(ValueError, match="cannot be accepted"):
            Settings(oidc_algorithms=algorithms)
    with pytest.raises(ValueError, match="CATALOG_OIDC_ISSUER"):
        Settings(auth="oidc")


async def test_serve_reports_an_unreachable_provider_at_start(provider: FakeApi, staffed_store: EmbeddedStore) -> None:
    from catalog.auth.startup import notes

    assert await notes(oidc_settings(provider), staffed_store) == []
    [note] = await notes(oidc_settings(provider, oidc_jwks_url="http://127.0.0.1:9/jwks"), staffed_store)
    assert "cannot fetch the identity provider's keys" in note and "503" in note

"""All settings in one typed class, read from ``CATALOG_*`` environment variables and flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.auth.scopes import parse_group_scopes, parse_list, parse_networks, parse_scopes

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
"""JWT signature algorithms whose verification key can be public."""


DEFAULT_EMBEDDED_BUFFER_POOL_MB = 128
"""Small enough for a laptop or a small container; the M company's store is about 300 MiB on disk."""
MIN_EMBEDDED_BUFFER_POOL_MB = 64
"""LadybugDB needs about 20 MiB to create the catalog's tables; below 64 MiB little else fits."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ownership-catalog"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="forbid", validate_default=True)

    store: Literal["auto", "neo4j", "embedded"] = Field(
        "auto", description="Which store to use; `auto` picks Neo4j when a Neo4j URI is set, else the embedded store."
    )
    neo4j_uri: str | None = Field(None, description="Neo4j URI, e.g. `neo4j://neo4j:7687` (routing) or `bolt://localhost:7687`.")
    neo4j_user: str | None = Field(None, description="Neo4j user name; leave unset when auth is disabled.")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password.")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    data_dir: Path = Field(default_factory=_default_data_dir, description="Folder for the embedded store and the demo.")
    embedded_path: Path | None = Field(None, description="Embedded store location; default `<data_dir>/catalog.lbdb`.")
    embedded_buffer_pool_mb: int = Field(
        DEFAULT_EMBEDDED_BUFFER_POOL_MB,
        ge=MIN_EMBEDDED_BUFFER_POOL_MB,
        le=1 << 20,
        description="Memory (MiB) the embedded store (LadybugDB) may cache the database in (left to itself, LadybugDB takes up "
        "to 80% of the machine's RAM). Hot answers come from the in-memory snapshot, so the pool mostly serves its build, syncs "
        "and history reads: the default keeps the server of scale M (20k services) under 800 MiB. Large table reads and sync "
        "write batches that do not fit are done in pieces, and a pool below 256 MiB checkpoints after less WAL (64 MiB syncs "
        "scale M); raise it if a read or a sync still fails with a full buffer pool, or for faster history and search reads.",
    )
    host: str = Field("127.0.0.1", description="Address `catalog serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `catalog serve` listens on.")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Server processes `catalog serve` runs. Above 1 needs the Neo4j store (the embedded store admits one process) "
        "and no in-process scheduled sync.",
    )
    graphiql: bool = Field(
        False,
        description="Serve the query console (offline, served by the app) to browsers at /graphql; `catalog demo` turns it on. "
        "It implies introspection, which the console needs.",
    )
    max_depth: int = Field(10, ge=1, le=50, description="Largest `depth` accepted for transitive dependency queries.")
    max_concurrent_walks: int = Field(
        2,
        ge=1,
        le=64,
        description="Blast-radius and adoption answers one server process computes at once; further requests wait their turn. "
        "Each holds everything it reaches in memory (a hub with 20,000 dependents: tens of MB), so this bounds the server's "
        "memory and leaves CPU for the cheap lookups queued beside them.",
    )
    max_page_size: int = Field(500, ge=1, le=10000, description="Largest `first` accepted for paginated lists.")
    max_query_depth: int = Field(15, ge=3, description="Deepest GraphQL selection accepted (hostile-query guard).")
    max_aliases: int = Field(30, ge=1, description="Most aliases one GraphQL document may use (hostile-query guard).")
    max_tokens: int = Field(4000, ge=100, description="Most tokens one GraphQL document may have (hostile-query guard).")
    max_query_cost: int = Field(
        250_000,
        ge=100,
        description="Largest estimated cost of one GraphQL operation: each field counts once, times the page sizes (`first`), "
        "ids and walk levels of the lists it is nested in (hostile-query guard).",
    )
    max_repeated_fields: int = Field(
        20, ge=2, description="Most times one field (one response name) may be selected in one selection set (hostile-query guard)."
    )
    max_list_items: int = Field(
        500, ge=1, description="Most items in one list argument, e.g. `nodes(ids:)`, written in the document or sent as variables."
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest HTTP request body (and query string) accepted; larger requests get 413 (414 for a URL)."
    )
    request_timeout: float = Field(
        30.0, gt=0, description="Seconds one request may take; past it the request gets 504 and the work it started is cancelled."
    )
    max_waiting_walks: int = Field(
        8,
        ge=0,
        description="Blast-radius and adoption answers that may wait for a turn (CATALOG_MAX_CONCURRENT_WALKS) in one server "
        "process; further ones get 429 with Retry-After at once.",
    )
    stale_after_days: int = Field(
        30, ge=1, le=3650, description="Days after which audits report an entity, or a source instance without a complete import, as stale."
    )
    ops_handoff_min_teams: int = Field(
        2,
        ge=1,
        le=1000,
        description="Audits report an Ops hand-off when one team answers the first page for the services of at least this many "
        "other teams.",
    )
    config: Path = Field(Path("catalog.yaml"), description="The sources file `catalog sync` and `catalog serve` read.")
    max_retire_fraction: float = Field(
        0.2, ge=0, le=1, description="Share of a source's entities one import may retire before it refuses (override with --force)."
    )

    query_timeout: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="Seconds one store query may take (both stores); past it the query is stopped and the request gets an error "
        "naming this setting, so a paused or overloaded database never hangs the API or a sync.",
    )
    neo4j_connection_timeout: float = Field(5.0, gt=0, le=600, description="Seconds to open a connection to Neo4j, handshake included.")
    neo4j_connection_acquisition_timeout: float = Field(
        10.0, gt=0, le=600, description="Seconds to wait for a free connection from the Neo4j driver's pool."
    )
    neo4j_max_transaction_retry_time: float = Field(
        15.0, ge=0, le=600, description="Seconds the Neo4j driver keeps retrying a write on transient errors (a leader switch)."
    )
    readiness_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds `/readyz` waits for the store before it answers 503 (`/healthz` never asks the store)."
    )
    sync_lock_seconds: float = Field(
        120.0,
        ge=10,
        le=86400,
        description="How long a sync's lock on its source lasts without renewal; the running sync renews it every third of this. "
        "A sync whose process died leaves a lock that expires after this (at once on the same host).",
    )
    sync_lock_wait: float = Field(
        0.0,
        ge=0,
        le=86400,
        description="Seconds a sync waits for another sync of the same source to finish before it refuses; 0 refuses at once.",
    )
    neo4j_password_file: Path | None = Field(
        None, description="File holding the Neo4j password (a mounted secret); used when `CATALOG_NEO4J_PASSWORD` is unset."
    )
    auth: Literal["none", "token", "oidc", "proxy"] = Field(
        "none",
        description="How requests authenticate: `token` (API tokens from `catalog token create`), `oidc` (bearer JWTs from an "
        "identity provider), `proxy` (a user passed by a trusted reverse proxy), or `none` (anonymous; only on loopback unless "
        '`--allow-anonymous`). See "Securing it".',
    )
    allow_anonymous: bool = Field(False, description="Let `catalog serve` run with `CATALOG_AUTH=none` on a non-loopback address.")
    auth_anonymous_scopes: str = Field("read,contacts", description="Scopes of anonymous requests when `CATALOG_AUTH=none`.")
    auth_default_scopes: str = Field("read", description="Scopes every user authenticated by `oidc` or `proxy` gets.")
    auth_group_scopes: str = Field(
        "",
        description='Scopes per group for `oidc` and `proxy`, as JSON: `{"sre": ["read", "contacts"], "catalog-admins": '
        '["read", "contacts", "admin"]}`.',
    )
    auth_token_cache_seconds: float = Field(
        10, ge=0, le=3600, description="How long a server trusts its copy of the API tokens; a revoked token stops working within this."
    )
    oidc_issuer: str | None = Field(None, description="The identity provider's issuer URL (the `iss` claim), for `CATALOG_AUTH=oidc`.")
    oidc_audience: str | None = Field(None, description="The audience (`aud`) tokens must be issued for, e.g. the catalog's client id.")
    oidc_jwks_url: str | None = Field(
        None, description="The provider's JWKS URL; default: `jwks_uri` of `<issuer>/.well-known/openid-configuration`."
    )
    oidc_algorithms: str = Field("RS256,ES256", description="Signature algorithms accepted (asymmetric only; `none` and HS* are refused).")
    oidc_groups_claim: str = Field("groups", description="The claim whose values map to scopes through `CATALOG_AUTH_GROUP_SCOPES`.")
    oidc_user_claim: str = Field("sub", description="The claim that names the user in the access log and rate limits.")
    oidc_leeway_seconds: int = Field(30, ge=0, le=600, description="Clock skew allowed on `exp`, `nbf` and `iat`.")
    oidc_jwks_refresh_seconds: float = Field(
        60, ge=1, le=86400, description="Least time between two JWKS fetches caused by tokens signed with an unknown key id."
    )
    proxy_user_header: str = Field("X-Forwarded-User", description="Header that carries the user in `CATALOG_AUTH=proxy`.")
    proxy_groups_header: str = Field("X-Forwarded-Groups", description="Header with the user's groups (comma-separated) in `proxy` mode.")
    trusted_proxies: str = Field(
        "", description="Addresses or networks (comma-separated) of the reverse proxies whose user headers are trusted in `proxy` mode."
    )
    rate_limit: float = Field(20, ge=0, description="Requests per second each principal may make on average (per server process); 0: off.")
    rate_burst: int = Field(100, ge=1, description="Requests a principal may make at once before `rate_limit` applies (the bucket size).")
    metrics_public: bool = Field(False, description="Serve /metrics without authentication (for a scraper that cannot send a token).")
    snapshot: bool = Field(
        True,
        description="Answer current-state reads (owners, whoOwns, team pages, ...) from an in-memory snapshot of the catalog that "
        "each server process builds on start and again after every finished sync; off: every answer is read from the store.",
    )
    snapshot_poll_seconds: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="How often a server process checks the store's sync generation (one key lookup) to rebuild its snapshot "
        "after a sync finished: the most a snapshot answer lags behind a finished sync, plus the rebuild.",
    )
    response_cache_mb: int = Field(
        32,
        ge=0,
        le=65536,
        description="MiB of GraphQL results (as the JSON sent) each server process keeps to answer the same question, asked "
        "with the same scopes, again from the same snapshot: results made from the snapshot alone, without errors, and an "
        "answer about now only until it would change (a blast radius's on-call until its next shift change); 0: compute every request.",
    )
    introspection: bool = Field(False, description="Answer GraphQL introspection queries (schema tools, IDEs); on with GraphiQL.")
    cors_origins: str = Field("", description="Browser origins (comma-separated) allowed to call the API; CORS is off when empty.")

    @field_validator("auth_anonymous_scopes", "auth_default_scopes")
    @classmethod
    def _check_scopes(cls, value: str) -> str:
        parse_scopes(value)
        return value

    @field_validator("auth_group_scopes")
    @classmethod
    def _check_group_scopes(cls, value: str) -> str:
        parse_group_scopes(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def _check_algorithms(cls, value: str) -> str:
        unknown = [a for a in parse_list(value) if a not in ASYMMETRIC_ALGORITHMS]
        if unknown or not parse_list(value):
            raise ValueError(
                f"{', '.join(unknown) or 'nothing'} cannot be accepted; choose from {', '.join(sorted(ASYMMETRIC_ALGORITHMS))} "
                "(`none` and shared-secret HS* algorithms are refused: anyone holding the JWKS could sign)"
            )
        return value

    @model_validator(mode="after")
    def _check_auth(self) -> Settings:
        if self.auth == "oidc" and not (self.oidc_issuer and self.oidc_audience):
            raise ValueError("CATALOG_AUTH=oidc needs CATALOG_OIDC_ISSUER and CATALOG_OIDC_AUDIENCE")
        if self.auth == "proxy" and not parse_networks(self.trusted_proxies):
            raise ValueError(
                "CATALOG_AUTH=proxy needs CATALOG_TRUSTED_PROXIES, the addresses of the proxies whose user headers to trust, e.g. 10.0.0.5"
            )
        if self.neo4j_password is None and self.neo4j_password_file is not None:
            try:
                secret = self.neo4j_password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"CATALOG_NEO4J_PASSWORD_FILE {self.neo4j_password_file}: {exc.strerror}") from None
            self.neo4j_password = SecretStr(secret)
        return self

    @model_validator(mode="after")
    def _check_store(self) -> Settings:
        if self.store == "neo4j" and not self.neo4j_uri:
            raise ValueError("CATALOG_STORE=neo4j needs CATALOG_NEO4J_URI, e.g. neo4j://localhost:7687")
        return self

    @property
    def uses_neo4j(self) -> bool:
        return self.store == "neo4j" or (self.store == "auto" and bool(self.neo4j_uri))

    @property
    def resolved_embedded_path(self) -> Path:
        return self.embedded_path or self.data_dir / "catalog.lbdb"


def settings_table() -> str:
    """The README's configuration table, rendered from the fields above."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        if info.default_factory is not None:
            default = "`$XDG_DATA_HOME/ownership-catalog` (`~/.local/share/ownership-catalog`)"
        elif info.default is None:
            default = "unset"
        else:
            default = f"`{str(info.default).lower() if isinstance(info.default, bool) else info.default}`"
        rows.append(f"| `CATALOG_{name.upper()}` | {default} | {info.description} |")
    return "\n".join(rows)


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``CATALOG_*`` variables that make ``Settings()`` equal to it in another
    process (the server's workers); unset optional values are left out."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[f"{prefix}{name}".upper()] = str(value)
    return env

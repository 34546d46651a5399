"""All settings in one typed class, read from ``CATALOG_*`` environment variables and flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    host: str = Field("127.0.0.1", description="Address `catalog serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `catalog serve` listens on.")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Server processes `catalog serve` runs. Above 1 needs the Neo4j store (the embedded store admits one process) "
        "and no in-process scheduled sync.",
    )
    graphiql: bool = Field(True, description="Serve the GraphiQL IDE at /graphql (development).")
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
    stale_after_days: int = Field(
        30, ge=1, le=3650, description="Days after which audits report an entity, or a source instance without a complete import, as stale."
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

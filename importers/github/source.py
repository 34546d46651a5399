"""The GitHub importer as a configured source: ``type: github`` in ``catalog.yaml``.

Live (reads the REST API with a token from the environment)::

    - type: github
      org: acme
      token_env: GITHUB_TOKEN          # the default
      services:                        # optional: repositories Backstage does not link
        acme/payments-api: component:default/payments-api

GitHub Enterprise Server: set ``host: ghe.example.com`` (``api_url`` then defaults to
``https://ghe.example.com/api/v3``). Offline, from an export folder (layout in
``importers.github.client``)::

    - type: github
      org: acme
      export_dir: ./exports/github-acme

The token needs read access to the org's repositories (contents and metadata, for CODEOWNERS
and file trees) and to its teams and members (``read:org`` for a classic token).
"""

from __future__ import annotations

import asyncio
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from importers.base import SourceError
from importers.github.client import ExportReader, LiveReader
from importers.github.importer import SOURCE, Settings, read_github
from importers.http import ApiClient, RetryPolicy

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+$")


READING_NOTES: tuple[str, ...] = (
    "When the team listing cannot be read, a CODEOWNERS team the catalog does not know is recorded from CODEOWNERS alone "
    "(`group:default/<slug>`), with inferred evidence and a `source-only-team` finding, never dropped; a user owner the "
    "catalog cannot check is reported as such, not as one GitHub ignores.",
)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["github"]
    org: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", description="The GitHub organisation to import.")
    api_url: str | None = Field(
        None,
        description="REST API base URL; default https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server.",
    )
    host: str = Field(
        "github.com",
        pattern=r"^[A-Za-z0-9.-]+(:[0-9]+)?$",
        description="Web host of the repositories; part of their keys, `repository:<host>/<org>/<repo>`.",
    )
    token_env: str = Field(
        "GITHUB_TOKEN",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding the token (live mode). The token itself never goes in the file.",
    )
    export_dir: Path | None = Field(
        None, description="Read exported API responses from this folder instead of the API (offline mode); relative to catalog.yaml."
    )
    codeowners: bool = Field(True, description="Read each repository's CODEOWNERS and file tree for ownership and owned share.")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds before one API request times out.")
    concurrency: int = Field(4, ge=1, le=16, description="API requests in flight at once; GitHub's secondary rate limits punish much more.")
    instance: str | None = Field(None, description="Source instance name; default `github:<org>`.")
    services: dict[str, str] = Field(
        default_factory=dict,
        description="Repository `org/repo` → the service it builds (`component:default/checkout` or a bare name), for "
        "repositories no Backstage `github.com/project-slug` annotation links.",
    )

    @field_validator("services")
    @classmethod
    def _slugs(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not _SLUG.match(k.strip())]
        if bad:
            raise ValueError(f"keys must be org/repo; not {bad}")
        empty = [k for k, v in value.items() if not v.strip()]
        if empty:
            raise ValueError(f"the services of {empty} are empty; name a component")
        return {k.strip(): v.strip() for k, v in value.items()}

    @model_validator(mode="after")
    def _one_mode(self) -> Self:
        if self.export_dir is not None and "token_env" in self.model_fields_set:
            raise ValueError("set either token_env (live) or export_dir (offline), not both")
        other = sorted({k.split("/", 1)[0] for k in self.services if k.split("/", 1)[0].lower() != self.org.lower()})
        if other:
            raise ValueError(f"services names repositories of {other}, not of org {self.org}; list them under that org's source")
        if self.api_url is not None and not re.match(r"^https?://[^/\s]+", self.api_url):
            raise ValueError(f"api_url {self.api_url!r} is not an http(s) URL")
        return self

    @property
    def effective_api_url(self) -> str:
        if self.api_url:
            return self.api_url
        return DEFAULT_API_URL if self.host == "github.com" else f"https://{self.host}/api/v3"


class GitHubSource:
    name = SOURCE

    def __init__(self, config: Config, base_dir: Path, *, sleep: Any = asyncio.sleep, retry: RetryPolicy | None = None) -> None:
        self.config = config
        self.instance = config.instance or f"{SOURCE}:{config.org.lower()}"
        self.export_dir = None
        if config.export_dir is not None:
            self.export_dir = config.export_dir if config.export_dir.is_absolute() else base_dir / config.export_dir
        self._sleep = sleep
        self._retry = retry
        self.settings = Settings(
            org=config.org,
            host=config.host.lower(),
            instance=self.instance,
            codeowners=config.codeowners,
            services=dict(config.services),
            concurrency=config.concurrency,
        )

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        if self.export_dir is not None:
            if not self.export_dir.is_dir():
                raise SourceError(
                    f"{self.instance}: export_dir {self.export_dir} is not a folder; export the API responses there or fix the path"
                )
            return await read_github(ExportReader(self.export_dir), self.settings, index)
        token = os.environ.get(self.config.token_env, "").strip()
        if not token:
            raise SourceError(
                f"{self.instance}: the environment variable {self.config.token_env} is not set; "
                f"export a token that can read {self.config.org}'s repositories and teams into it, or set export_dir"
            )
        api_url = self.config.effective_api_url
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "ownership-catalog",
        }
        async with ApiClient(
            self.instance, api_url, headers=headers, timeout=self.config.timeout, retry=self._retry, sleep=self._sleep
        ) as client:
            return await read_github(LiveReader(client, self.config.org, api_url), self.settings, index)


def open_source(config: Config, base_dir: Path) -> GitHubSource:
    return GitHubSource(config, base_dir)

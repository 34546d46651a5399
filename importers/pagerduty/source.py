"""The PagerDuty importer as a configured source: ``type: pagerduty`` in ``catalog.yaml``.

Example::

    - type: pagerduty
      account: acme                       # instance pagerduty:acme
      token_env: PAGERDUTY_TOKEN          # a read-only REST API key
      services:                           # PagerDuty service id → component, where no annotation says it
        PX1Y2Z3: component:default/search-service
      teams:                              # PagerDuty team id → group, where no pagerduty.com/team-id annotation says it
        PT4B5C6: group:default/sre

With ``export_dir`` set it reads exported responses instead of the API (layout in
``importers.pagerduty``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from catalog.core.clock import parse_iso
from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from catalog.core.refs import InvalidReference, parse_ref
from importers.base import SourceError
from importers.http import ApiClient, RetryPolicy
from importers.pagerduty.client import MAX_PAGE_SIZE, ExportReader, LiveReader, Reader, is_safe_id
from importers.pagerduty.fetch import Fetcher
from importers.pagerduty.translate import SOURCE, Settings, link_services, translate

MAX_WINDOW_DAYS = 90
"""PagerDuty answers ``/oncalls`` for at most 90 days between ``since`` and ``until``."""


READING_NOTES: tuple[str, ...] = (
    "Team membership comes from `/teams/{id}/members` and from each user's `teams` list, whichever the read holds.",
    "A schedule whose detail file an export lacks keeps the listing's name, time zone and description; its layers are "
    "then unknown (null), not empty. A detail that fails live keeps what was read before.",
    "An export (`export_dir`) is imported whole (`export_window: contents`): its on-call window reaches from its earliest "
    "to its latest entry, so shifts outside now -7/+14 days are kept. `catalog sync --at INSTANT` reads it as of that "
    "instant (the window is centred there and every fact is stamped with it), for reproducible runs.",
    "A service whose escalation policy the (complete) policies listing lacks keeps that policy as `referenced` "
    "(`EscalationPolicy.state`), with an `unlisted-policy` finding; its on-call answer names that policy and says its "
    "levels are not in the export. The owner team's policy never stands in for it.",
    "Without a users listing, people come from the references that name them (on-call entries, escalation targets, "
    "members), without emails, with one `users-listing-missing` finding; a listing that exists but cannot be read also "
    "makes the read partial.",
    "A PagerDuty team no catalog team claims is recorded as `group:pagerduty/<id>` with a `source-only-team` finding; "
    "what it owns through PagerDuty is inferred evidence.",
    "A PagerDuty service that matches no catalog service is *discovered* (see `discover_services`); its name as written "
    "(`Gift Cards`) resolves like a name.",
)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["pagerduty"]
    account: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
        description="The PagerDuty account (`acme` for acme.pagerduty.com). The instance is `pagerduty:<account>`; keys include it.",
    )
    api_url: str = Field("https://api.pagerduty.com", description="The REST API base URL (the EU service: https://api.eu.pagerduty.com).")
    token_env: str = Field("PAGERDUTY_TOKEN", description="Environment variable holding a read-only REST API key; never the key itself.")
    export_dir: Path | None = Field(
        None,
        description="Read exported API responses from this folder instead of the API (relative to catalog.yaml); no token needed.",
    )
    export_window: Literal["contents", "read"] = Field(
        "contents",
        description="Offline only. `contents`: the export is imported whole, its on-call window reaching from its earliest to "
        "its latest entry (and at least the configured days around the sync's instant). `read`: the export stands for one "
        "API read made at the sync's instant, so entries outside the configured days are left out, as `/oncalls` would.",
    )
    oncall_window_past_days: int = Field(7, ge=0, le=MAX_WINDOW_DAYS, description="On-call shifts are read from this many days ago ...")
    oncall_window_future_days: int = Field(14, ge=0, le=MAX_WINDOW_DAYS, description="... to this many days ahead.")
    services: dict[str, str] = Field(
        default_factory=dict,
        description="PagerDuty service id → catalog component reference (`[component:][namespace/]name`): a `configured` link, "
        "for services whose component carries no `pagerduty.com/service-id` annotation. It wins over the annotation.",
    )
    teams: dict[str, str] = Field(
        default_factory=dict,
        description="PagerDuty team id → catalog group reference, for teams no group annotates with `pagerduty.com/team-id`.",
    )
    discover_services: bool = Field(
        True,
        description="A PagerDuty service that matches no catalog service becomes a *discovered* service "
        "(`component:discovered/<name>`, marked `discovered`), so that its on-call and teams answer; a `discovered-service` "
        "finding asks someone to claim it. False: it is reported as `unmatched-pagerduty-service` and linked to nothing.",
    )
    timeout: float = Field(30.0, gt=0, description="Seconds per request.")
    page_size: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (`limit`); PagerDuty allows 100.")
    instance: str | None = Field(None, description="Source instance name; default `pagerduty:<account>`.")

    @field_validator("services", "teams")
    @classmethod
    def _references(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        kind = "component" if info.field_name == "services" else "group"
        for pd_id, ref in value.items():
            if not is_safe_id(pd_id.strip()):
                raise ValueError(f"{pd_id!r} is not a PagerDuty id (short alphanumeric, e.g. PABC123)")
            try:
                parsed = parse_ref(ref, default_kind=kind)
            except InvalidReference as exc:
                raise ValueError(f"{pd_id}: {exc}") from exc
            if parsed.kind != kind:
                raise ValueError(f"{pd_id}: {ref!r} is a {parsed.kind}; name a {kind}")
        return value

    @model_validator(mode="after")
    def _window(self) -> Config:
        days = self.oncall_window_past_days + self.oncall_window_future_days
        if not 1 <= days <= MAX_WINDOW_DAYS:
            raise ValueError(
                f"oncall_window_past_days + oncall_window_future_days is {days}; PagerDuty serves on-calls over 1 to {MAX_WINDOW_DAYS} days"
            )
        return self


Sleep = Callable[[float], Awaitable[None]]


class PagerDutySource:
    name = SOURCE

    def __init__(
        self,
        config: Config,
        base_dir: Path,
        *,
        now: datetime | None = None,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if now is not None and now.tzinfo is None:
            raise ValueError(f"now {now!r} has no timezone")
        self.config = config
        self.instance = config.instance or f"{SOURCE}:{config.account}"
        self.export_dir = (
            None if config.export_dir is None else (config.export_dir if config.export_dir.is_absolute() else base_dir / config.export_dir)
        )
        self.services = {k.strip().lower(): parse_ref(v, default_kind="component").key for k, v in config.services.items()}
        self.teams = {k.strip().lower(): parse_ref(v, default_kind="group").key for k, v in config.teams.items()}
        self._now = now
        self._sleep = sleep
        self._retry = retry
        self._environ = environ if environ is not None else os.environ

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        """``now``: the sync run's instant, the centre of the on-call window; else the ``now`` this
        source was made with, else the clock."""
        if now is not None and now.tzinfo is None:
            raise ValueError(f"now {now!r} has no timezone")
        now = (now or self._now or datetime.now(UTC)).astimezone(UTC)
        settings = Settings(
            source=self.instance,
            account=self.config.account,
            services=self.services,
            teams=self.teams,
            since=now - timedelta(days=self.config.oncall_window_past_days),
            until=now + timedelta(days=self.config.oncall_window_future_days),
            discover=self.config.discover_services,
        )
        async with self._reader() as reader:
            fetcher = Fetcher(reader, source=self.instance)
            fetched = await fetcher.fetch(settings.since, settings.until)
            if self.export_dir is not None and self.config.export_window == "contents":
                # An export is imported whole: its window reaches as far as its own entries do.
                since, until = export_window(fetched.oncalls, settings.since, settings.until)
                settings = replace(settings, since=since, until=until)
            links = link_services(settings, index, fetched, reader.where)
            await fetcher.fetch_dependencies(fetched, links)
        return translate(settings, index, fetched, links, reader.where)

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[Reader]:
        if self.export_dir is not None:
            if not self.export_dir.is_dir():
                raise SourceError(f"{self.instance}: export_dir {self.export_dir} is not a folder; export the PagerDuty API into it first")
            yield ExportReader(self.export_dir, source=self.instance)
            return
        token = self._environ.get(self.config.token_env, "").strip()
        if not token:
            raise SourceError(
                f"{self.instance}: the environment variable {self.config.token_env} (token_env) holding the PagerDuty API key is not set; "
                "set it to a read-only REST API key, or set export_dir to read exported files"
            )
        headers = {"Authorization": f"Token token={token}", "Accept": "application/json"}
        client = ApiClient(
            self.instance, self.config.api_url, headers=headers, timeout=self.config.timeout, retry=self._retry, sleep=self._sleep
        )
        async with client:
            yield LiveReader(client, source=self.instance, page_size=self.config.page_size)


def export_window(oncalls: list[Any] | None, since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """``since`` and ``until`` widened to every start and end an exported ``/oncalls`` holds.

    The API returns only what overlaps the window asked for; an export holds whatever was exported,
    and a shift in it is a fact, so it is kept rather than dropped for falling outside now -7/+14 days.
    Malformed times are left to the translation, which reports them."""
    bounds: list[datetime] = []
    for entry in oncalls or ():
        for name in ("start", "end"):
            value = entry.get(name) if isinstance(entry, dict) else None
            if isinstance(value, str):
                try:
                    bounds.append(parse_iso(value))
                except ValueError:
                    continue
    if not bounds:
        return since, until
    # `since` is exclusive for ends (a shift ending at it is outside): start a second earlier.
    return min(since, min(bounds) - timedelta(seconds=1)), max(until, max(bounds) + timedelta(seconds=1))


def open_source(config: Config, base_dir: Path) -> PagerDutySource:
    return PagerDutySource(config, base_dir)

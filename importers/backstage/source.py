"""The Backstage importer as a configured source: ``type: backstage`` in ``catalog.yaml``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from catalog.identity import IdentityIndex
from catalog.records import ImportBatch
from importers.backstage.globs import DEFAULT_MAX_GLOB_DEPTH, DEFAULT_MAX_GLOB_ENTRIES, GlobBounds
from importers.backstage.importer import DEFAULT_MAX_FILE_BYTES, SOURCE, read_backstage


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["backstage"]
    paths: list[Path] = Field(min_length=1, description="Descriptor files or folders (walked for *.yaml), relative to catalog.yaml.")
    instance: str | None = Field(None, description="Source instance name; default `backstage:<paths>`.")
    max_file_bytes: int = Field(
        DEFAULT_MAX_FILE_BYTES,
        ge=1024,
        description="Larger files are reported and not read; also the bytes all `$text`/`$json`/`$yaml` placeholders of one file may read.",
    )
    max_glob_depth: int = Field(
        DEFAULT_MAX_GLOB_DEPTH, ge=1, description="Folder levels a `**` in a Location's glob target may descend; deeper is refused."
    )
    max_glob_entries: int = Field(
        DEFAULT_MAX_GLOB_ENTRIES, ge=100, description="Files and folders one glob target may look through; more is refused."
    )


class BackstageSource:
    name = SOURCE

    def __init__(self, config: Config, base_dir: Path) -> None:
        self.paths = [p if p.is_absolute() else base_dir / p for p in config.paths]
        self.max_file_bytes = config.max_file_bytes
        self.glob_bounds = GlobBounds(config.max_glob_depth, config.max_glob_entries)
        self.instance = config.instance or f"{SOURCE}:" + ",".join(sorted(str(p.resolve()) for p in self.paths))
        self._instance_given = config.instance

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        # Descriptors are the system of record for what they declare: no resolution needed.
        return await asyncio.to_thread(
            read_backstage, self.paths, instance=self.instance, max_file_bytes=self.max_file_bytes, glob_bounds=self.glob_bounds
        )


def open_source(config: Config, base_dir: Path) -> BackstageSource:
    return BackstageSource(config, base_dir)

"""The Backstage importer as a configured source: ``type: backstage`` in ``catalog.yaml``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from importers.backstage.globs import DEFAULT_MAX_GLOB_DEPTH, DEFAULT_MAX_GLOB_ENTRIES, GlobBounds
from importers.backstage.importer import DEFAULT_MAX_FILE_BYTES, SOURCE, read_backstage

DOC_NOTES = """
**Locations** are followed from the paths given: `target`/`targets` relative to the Location's file,
`./dir/*/catalog-info.yaml` and `./teams/**/*.yaml` globs, `url:`/`https://` targets recorded (info
finding), not fetched. Every file read stays inside its **descriptor root**, the folder given (or the
folder of a file given directly): a target that is absolute, climbs out with `..` or is a symlink to
a place outside the root is refused with a `location-outside-root` finding; a symlink out of a walked
folder gets `outside-root`. A glob is walked from its fixed prefix, follows no symlinked folders and
is refused whole (`glob-too-broad`, naming `max_glob_depth` or `max_glob_entries`) past its bounds;
the read is then incomplete, so nothing is retired.

**Placeholders** `$text`, `$json` and `$yaml` work in any field, as in Backstage:

```yaml
kind: API
spec:
  definition:
    $text: ./openapi.yaml      # the file's text; $json / $yaml: its parsed value (stored as JSON text)
```

The file is relative to the descriptor and confined to the descriptor root like a Location target;
all placeholders of one descriptor file read at most `max_file_bytes` together, and `$json`/`$yaml`
are parsed by the same bounded loaders as descriptors. A remote target (`$text: https://...`) is not
fetched: the URL is recorded in the field's place (for `spec.definition`, the definition is the URL)
with a `placeholder-not-fetched` info finding. A placeholder that cannot be resolved (missing file,
outside the root, too large, invalid JSON/YAML) is a finding (`missing-placeholder-target`,
`placeholder-outside-root`, `unresolved-placeholder`) and leaves the field empty; the entity is still
imported. An API whose `definition` is a mapping or a number is kept too (as JSON text), never rejected.
"""


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

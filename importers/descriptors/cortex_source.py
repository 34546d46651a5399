"""The Cortex importer as a configured source: ``type: cortex`` in ``catalog.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from importers.descriptors._source_base import DescriptorSource
from importers.descriptors.common import DEFAULT_MAX_FILE_BYTES
from importers.descriptors.cortex import LABEL, SOURCE, read_cortex

READING_NOTES: tuple[str, ...] = (
    "A service's name as people write it (`Order Service`, `Gift Cards`) resolves like its name token "
    "(`order-service`) everywhere an identifier is accepted; alias, OpsLevel and Cortex identifiers are stored in that form.",
    "An owner that names a team no other source declares is recorded as this source's team (`group:<source>/<name>`), "
    "with inferred evidence and a `source-only-team` finding; once another source declares a team of that name, the "
    "ownership links to it and the stand-in is retired.",
    "On-call tools other than PagerDuty in `x-cortex-oncall` (Opsgenie, VictorOps) and every `x-cortex-alerts` item are "
    "kept as `alert-source` identifiers `<type>:<id or value>`.",
)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["cortex"]
    paths: list[Path] = Field(
        min_length=1,
        description="cortex.yaml files, or folders walked for cortex.yaml / cortex.yml (e.g. a folder of repository checkouts), "
        "relative to catalog.yaml.",
    )
    instance: str | None = Field(None, description="Source instance name; default `cortex:<absolute paths>`.")
    namespace: str = Field("default", description="Catalog namespace of the services these descriptors declare.")
    max_file_bytes: int = Field(DEFAULT_MAX_FILE_BYTES, ge=1024, description="Larger files are reported and not read.")


class CortexSource(DescriptorSource):
    def __init__(self, config: Config, base_dir: Path) -> None:
        super().__init__(
            SOURCE,
            LABEL,
            read_cortex,
            config.paths,
            base_dir,
            instance=config.instance,
            namespace=config.namespace,
            max_file_bytes=config.max_file_bytes,
        )


def open_source(config: Config, base_dir: Path) -> CortexSource:
    return CortexSource(config, base_dir)

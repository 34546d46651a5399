"""The OpsLevel importer as a configured source: ``type: opslevel`` in ``catalog.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from importers.descriptors._source_base import DescriptorSource
from importers.descriptors.common import DEFAULT_MAX_FILE_BYTES
from importers.descriptors.opslevel import LABEL, SOURCE, read_opslevel

READING_NOTES: tuple[str, ...] = (
    "A service's name as people write it (`Order Service`, `Gift Cards`) resolves like its name token "
    "(`order-service`) everywhere an identifier is accepted; alias, OpsLevel and Cortex identifiers are stored in that form.",
    "An owner that names a team no other source declares is recorded as this source's team (`group:<source>/<name>`), "
    "with inferred evidence and a `source-only-team` finding; once another source declares a team of that name, the "
    "ownership links to it and the stand-in is retired.",
    "Every alert source (`alert_sources`) other than PagerDuty (Datadog, Opsgenie, New Relic, ...) is kept as an "
    "`alert-source` identifier `<type>:<external_id or name>`, so a responder holding the alert finds the service.",
)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["opslevel"]
    paths: list[Path] = Field(
        min_length=1,
        description="opslevel.yml files, or folders walked for opslevel.yml / opslevel.yaml (e.g. a folder of repository checkouts), "
        "relative to catalog.yaml.",
    )
    instance: str | None = Field(None, description="Source instance name; default `opslevel:<absolute paths>`.")
    namespace: str = Field("default", description="Catalog namespace of the services these descriptors declare.")
    max_file_bytes: int = Field(DEFAULT_MAX_FILE_BYTES, ge=1024, description="Larger files are reported and not read.")


class OpsLevelSource(DescriptorSource):
    def __init__(self, config: Config, base_dir: Path) -> None:
        super().__init__(
            SOURCE,
            LABEL,
            read_opslevel,
            config.paths,
            base_dir,
            instance=config.instance,
            namespace=config.namespace,
            max_file_bytes=config.max_file_bytes,
        )


def open_source(config: Config, base_dir: Path) -> OpsLevelSource:
    return OpsLevelSource(config, base_dir)

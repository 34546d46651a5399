"""``catalog.yaml``: the sources to sync, the platforms, the ownership precedence, the schedule.

Every source type documents its own fields (``docs/sources.md`` is generated from them).
Relative paths are relative to the folder of ``catalog.yaml``. Secrets never go in the file:
sources name the environment variable that holds their token.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from importers.base import Source
from importers.safe_load import YamlError, load_yaml

SOURCE_MODULES: dict[str, str] = {
    "backstage": "importers.backstage.source",
    "opslevel": "importers.descriptors.opslevel_source",
    "cortex": "importers.descriptors.cortex_source",
    "github": "importers.github.source",
    "pagerduty": "importers.pagerduty.source",
    "kubernetes": "importers.kubernetes.source",
}
"""Source type → module exporting ``Config`` and ``open_source``; also the default run order:
descriptors first (they declare services), then the live sources that link to them."""

CATALOG_EXAMPLE = """
sources:
  - type: backstage
    paths: [./descriptors]
  - type: github
    org: acme
    token_env: GITHUB_TOKEN
  - type: pagerduty
    account: acme
    token_env: PAGERDUTY_TOKEN
  - type: kubernetes
    cluster: prod-eu
    platform: kubernetes-platform
    kubeconfig: ~/.kube/config
platforms:
  - name: kubernetes-platform
    title: Standard Kubernetes platform
    standard: true
ownership:
  precedence: [backstage, opslevel, cortex, github, kubernetes, pagerduty]
sync:
  interval_minutes: 15
"""
"""The example in the docs; a test loads it."""

MAX_CONFIG_BYTES = 1 << 20
"""A catalog.yaml lists sources and platforms: a file this big is not one (and is not parsed)."""

DEFAULT_PRECEDENCE = ["backstage", "opslevel", "cortex", "github", "kubernetes", "pagerduty"]


class ConfigError(ValueError):
    """catalog.yaml is unreadable or invalid; the message names the file, the field and the fix."""


class PlatformConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Platform name; its key is `platform:<namespace>/<name>`.")
    namespace: str = Field("default", description="Catalog namespace of the platform.")
    title: str | None = Field(None, description="Display name.")
    description: str | None = Field(None, description="What the platform is.")
    type: str | None = Field(None, description="kubernetes, vm, serverless, ...")
    standard: bool = Field(False, description="True for the company's standard platform.")
    owner: str | None = Field(
        None,
        description=(
            "The team that builds and runs the platform: a team name (`platform-team`) or reference (`group:ns/name`). "
            "On the standard platform it is the Platform Team of the Build-Run scorecard, whatever the platform's descriptor says; "
            "it is also recorded as an ownership claim of source `config`, after the sources in `ownership.precedence`."
        ),
    )


class OwnershipConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    precedence: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PRECEDENCE),
        description="Source types in the order their owner wins; sources not listed come last.",
    )

    @field_validator("precedence")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in SOURCE_MODULES]
        if unknown:
            raise ValueError(f"unknown source types {unknown}; known: {sorted(SOURCE_MODULES)}")
        return value


class ScheduleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interval_minutes: float | None = Field(None, gt=0, description="`catalog serve` syncs every source this often; unset: never.")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[dict[str, Any]] = Field(default_factory=list)
    platforms: list[PlatformConfig] = Field(default_factory=list)
    ownership: OwnershipConfig = Field(default_factory=OwnershipConfig)
    sync: ScheduleConfig = Field(default_factory=ScheduleConfig)


@dataclass
class ConfiguredSource:
    type: str
    config: BaseModel
    source: Source

    @property
    def instance(self) -> str:
        return self.source.instance


@dataclass
class CatalogConfig:
    path: Path
    sources: list[ConfiguredSource]
    platforms: list[PlatformConfig]
    ownership: OwnershipConfig
    schedule: ScheduleConfig

    def ordered(self) -> list[ConfiguredSource]:
        """Descriptor sources first, then the live ones, each in file order."""
        rank = {t: i for i, t in enumerate(SOURCE_MODULES)}
        return sorted(self.sources, key=lambda s: rank[s.type])


def load_config(path: Path) -> CatalogConfig:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the catalog configuration ({exc.strerror}); pass --config PATH") from exc
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: {len(data):,} bytes, more than a catalog configuration has ({MAX_CONFIG_BYTES:,}); is it the right file?"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from exc
    try:
        raw = load_yaml(text)
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else str(path)
        if exc.kind == "invalid-yaml":
            raise ConfigError(f"{where}: not valid YAML: {exc.message}; fix the syntax") from exc
        raise ConfigError(f"{where}: refused: {exc.message}; {exc.fix}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with `sources:`, not a {type(raw).__name__}")
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc, ())) from exc

    base_dir = path.resolve().parent
    sources: list[ConfiguredSource] = []
    for index, entry in enumerate(parsed.sources):
        kind = entry.get("type")
        if kind not in SOURCE_MODULES:
            raise ConfigError(f"{path}: sources[{index}].type is {kind!r}; use one of {', '.join(SOURCE_MODULES)}")
        module = importlib.import_module(SOURCE_MODULES[kind])
        try:
            config = module.Config.model_validate(entry)
        except ValidationError as exc:
            raise ConfigError(_describe(path, exc, ("sources", index))) from exc
        try:
            source = module.open_source(config, base_dir)
        except (ValueError, OSError) as exc:
            raise ConfigError(f"{path}: sources[{index}] ({kind}): {exc}") from exc
        sources.append(ConfiguredSource(kind, config, source))
    seen: dict[str, int] = {}
    for index, configured in enumerate(sources):
        if configured.instance in seen:
            raise ConfigError(
                f"{path}: sources[{index}] and sources[{seen[configured.instance]}] are both instance {configured.instance!r}; "
                "give one an `instance:` name of its own"
            )
        seen[configured.instance] = index
    keys = [f"{p.namespace}/{p.name}".lower() for p in parsed.platforms]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ConfigError(f"{path}: platforms lists {', '.join(duplicates)} more than once; keep one entry each")
    if sum(1 for p in parsed.platforms if p.standard) > 1:
        names = [p.name for p in parsed.platforms if p.standard]
        raise ConfigError(f"{path}: platforms {names} are all marked standard; the standard platform is one")
    return CatalogConfig(path, sources, parsed.platforms, parsed.ownership, parsed.sync)


def _describe(path: Path, exc: ValidationError, prefix: tuple[str | int, ...]) -> str:
    lines = [f"{path}: invalid configuration:"]
    for error in exc.errors():
        loc = _format_loc(prefix + tuple(error["loc"]))
        lines.append(f"  {loc}: {error['msg']}")
    lines.append("fix the fields above (see the README's catalog.yaml section)")
    return "\n".join(lines)


def _format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"

"""The sources the catalog can sync, and the one module the application imports from ``importers``.

``SOURCES`` maps each ``type:`` of ``catalog.yaml`` to its configuration model and the factory that
opens a source from it, in the default run order: descriptors first (they declare services), then
the live sources that link to them. Every entry is checked by mypy (the factory must accept the
model it is listed with), unlike module names looked up by string.

The application (``catalog.config``, ``catalog.runner``, the CLI, the demo) reaches importers
only through this module; ``tests/test_layers.py`` enforces it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

import importers.github
import importers.kubernetes
import importers.pagerduty
from importers.backstage import source as backstage
from importers.backstage.importer import read_backstage
from importers.base import Source, SourceError
from importers.descriptors import cortex_source as cortex
from importers.descriptors import opslevel_source as opslevel
from importers.github import source as github
from importers.http import ApiError
from importers.kubernetes import source as kubernetes
from importers.pagerduty import source as pagerduty

__all__ = ["SOURCES", "ApiError", "Source", "SourceError", "SourceKind", "read_backstage"]

C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class SourceKind(Generic[C]):
    """One ``type:`` of source: how its ``catalog.yaml`` entry is validated and opened, and its docs."""

    name: str
    """The ``type:`` of its ``catalog.yaml`` entries."""
    title: str
    """What it reads, for the ``catalog.yaml`` reference."""
    config: type[C]
    open: Callable[[C, Path], Source]
    """Opens the source from its validated entry; ``base_dir`` (the folder of ``catalog.yaml``) resolves relative paths."""
    summary: str | None = None
    """The first paragraph of the importer package's docstring, when the reference shows it."""
    doc_notes: str = ""
    reading_notes: tuple[str, ...] = field(default_factory=tuple)


def _summary(package: ModuleType) -> str | None:
    doc = inspect.getdoc(package)
    return doc.split("\n\n", 1)[0] if doc else None


def _registry(*kinds: SourceKind[Any]) -> Mapping[str, SourceKind[Any]]:
    return MappingProxyType({kind.name: kind for kind in kinds})


# Each kind is bound to a name before it joins the mapping: built inside the call, mypy would
# type it from the mapping's SourceKind[Any] and stop checking that the factory takes the model.
_BACKSTAGE = SourceKind(
    "backstage", "Backstage descriptors (`catalog-info.yaml`)", backstage.Config, backstage.open_source, doc_notes=backstage.DOC_NOTES
)
_OPSLEVEL = SourceKind(
    "opslevel", "OpsLevel descriptors (`opslevel.yml`)", opslevel.Config, opslevel.open_source, reading_notes=opslevel.READING_NOTES
)
_CORTEX = SourceKind("cortex", "Cortex descriptors (`cortex.yaml`)", cortex.Config, cortex.open_source, reading_notes=cortex.READING_NOTES)
_GITHUB = SourceKind(
    "github",
    "GitHub: repositories, teams, members, permissions, CODEOWNERS",
    github.Config,
    github.open_source,
    summary=_summary(importers.github),
    reading_notes=github.READING_NOTES,
)
_PAGERDUTY = SourceKind(
    "pagerduty",
    "PagerDuty: users, teams, services, escalation policies, schedules, on-calls",
    pagerduty.Config,
    pagerduty.open_source,
    summary=_summary(importers.pagerduty),
    reading_notes=pagerduty.READING_NOTES,
)
_KUBERNETES = SourceKind(
    "kubernetes",
    "Kubernetes: workloads and Services",
    kubernetes.Config,
    kubernetes.open_source,
    summary=_summary(importers.kubernetes),
    reading_notes=kubernetes.READING_NOTES,
)

SOURCES: Mapping[str, SourceKind[Any]] = _registry(_BACKSTAGE, _OPSLEVEL, _CORTEX, _GITHUB, _PAGERDUTY, _KUBERNETES)
"""Source type → its kind, in the default run order."""

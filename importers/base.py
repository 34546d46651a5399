"""What every importer provides: a configuration model and a source that reads one instance.

An importer package (``importers.github``, ``importers.pagerduty``, ...) exports:

- a pydantic ``Config`` model with ``type: Literal["<name>"]``, listed in ``catalog.yaml``;
- ``open_source(config, base_dir) -> Source``, where ``base_dir`` resolves relative paths
  (the folder of ``catalog.yaml``);

and is listed in ``importers.registry.SOURCES``, which is how the application finds it.

A ``Source`` reads its instance (from exported files or the live API) into one
``ImportBatch`` and never touches a store: ``catalog.sync`` writes it. It resolves what it
reads against the ``IdentityIndex`` the sync command loads from the graph beforehand.

A source that cannot be read at all raises ``SourceError`` (the sync command reports it and
goes on with the other sources); a source read in part returns a batch with
``complete=False`` and a finding per endpoint or file that failed, so nothing is retired.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch


class SourceError(RuntimeError):
    """The source could not be read at all; the message names it, the endpoint or file, and the fix."""


class Source(Protocol):
    name: str
    """The importer: ``backstage``, ``github``, ``pagerduty``, ``kubernetes``, ``opslevel``, ``cortex``."""
    instance: str
    """Which instance: ``github:acme``, ``pagerduty:acme``, ``kubernetes:prod-eu``, a descriptor root."""

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        """The source's facts, resolved against ``index``; ``now`` is the instant of the sync run,
        which sources that read a time window (PagerDuty's on-calls) read it around."""
        ...

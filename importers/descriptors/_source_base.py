"""What the OpsLevel and Cortex sources share: resolving paths, naming the instance, reading off the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from importers.base import SourceError

Reader = Callable[..., ImportBatch]


class DescriptorSource:
    """One configured set of descriptor files, read into one batch per run."""

    def __init__(
        self,
        name: str,
        label: str,
        reader: Reader,
        paths: Sequence[Path],
        base_dir: Path,
        *,
        instance: str | None,
        namespace: str,
        max_file_bytes: int,
    ) -> None:
        self.name = name
        self.label = label
        self.paths = [p if p.is_absolute() else base_dir / p for p in paths]
        self.instance = instance or f"{name}:" + ",".join(sorted(Path(os.path.abspath(p)).as_posix() for p in self.paths))
        self.namespace = namespace
        self.max_file_bytes = max_file_bytes
        self._reader = reader

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        if not any(p.exists() for p in self.paths):
            raise SourceError(
                f"{self.name}: none of the {self.label} paths exist ({', '.join(str(p) for p in self.paths)}); nothing could be read. "
                "Fix: correct paths in catalog.yaml (relative paths start at the folder of catalog.yaml)"
            )
        return await asyncio.to_thread(
            self._reader, self.paths, index=index, instance=self.instance, namespace=self.namespace, max_file_bytes=self.max_file_bytes
        )

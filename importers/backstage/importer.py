"""The Backstage importer: descriptor files in, an ``ImportBatch`` out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from catalog.core.records import Finding, ImportBatch
from importers.backstage.globs import GlobBounds
from importers.backstage.reader import read_entities
from importers.backstage.translate import translate

SOURCE = "backstage"
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


def read_backstage(
    paths: Sequence[Path],
    *,
    instance: str | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    glob_bounds: GlobBounds | None = None,
) -> ImportBatch:
    """Read Backstage descriptors from files and directories (walked for ``*.yaml``/``*.yml``).

    Location entities are followed (local targets only: remote ones are reported, not
    fetched) and are not stored; every file read stays inside the path given (a file's
    folder, for a file given directly). The result is deterministic: the same files give equal
    batches whatever order ``paths`` come in.
    """
    roots = sorted({os.path.abspath(os.fspath(p)) for p in paths})
    read = read_entities(roots, max_file_bytes=max_file_bytes, glob_bounds=glob_bounds)
    translation = translate(read.entities)
    return ImportBatch(
        source=SOURCE,
        instance=instance if instance is not None else f"{SOURCE}:" + ",".join(Path(r).as_posix() for r in roots),
        nodes=translation.nodes,
        rels=translation.rels,
        findings=sorted([*read.findings, *translation.findings], key=_finding_order),
        failed_origins=read.failed_origins,
        complete=read.complete,
    )


def _finding_order(finding: Finding) -> tuple[str, int, str, str, str, str, str]:
    return (
        finding.file or "",
        finding.line or 0,
        finding.kind,
        finding.subject or "",
        finding.field or "",
        finding.reference or "",
        finding.message,
    )

"""Descriptor files in, an ``ImportBatch`` out: the pipeline both formats share.

A file that cannot be read or parsed, and a document that is not a usable descriptor, is
reported with its file and line and listed in ``failed_origins``, so what it stated before
is kept. The batch is complete when every path given could be listed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from catalog.core.identity import IdentityIndex
from catalog.core.records import Finding, ImportBatch
from importers.backstage.fields import format_path
from importers.backstage.repository import Repository
from importers.backstage.yaml_lines import YamlSyntaxError, load_documents
from importers.descriptors.build import Builder, Format
from importers.descriptors.common import DEFAULT_MAX_FILE_BYTES, Descriptor, RepositoryDescriptor, ServiceDescriptor
from importers.descriptors.fields import Doc
from importers.descriptors.files import checkout_repository, list_files, read_text


@dataclass
class Parsed:
    descriptor: Descriptor | None = None
    failed: bool = False
    """The document is not a usable descriptor: what it stated before is kept."""


Parser = Callable[[Doc, str, Repository | None], Parsed]
"""(document, namespace, repository of the checkout the file sits in) → what it describes."""


def read_descriptors(
    fmt: Format,
    file_names: tuple[str, ...],
    parse: Parser,
    paths: Sequence[Path | str],
    *,
    index: IdentityIndex | None = None,
    instance: str | None = None,
    namespace: str = "default",
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ImportBatch:
    roots = sorted({os.path.abspath(os.fspath(p)) for p in paths})
    listing = list_files(roots, file_names, fmt.label)
    findings = list(listing.findings)
    failed: set[str] = set()
    services: list[ServiceDescriptor] = []
    repositories: list[RepositoryDescriptor] = []
    folders: dict[str, Repository | None] = {}
    for file in listing.files:
        text, problem = read_text(file, max_file_bytes, fmt.label)
        if text is None:
            findings.extend([problem] if problem else [])
            failed.add(file.display)
            continue
        try:
            documents = load_documents(text)
        except YamlSyntaxError as error:
            reason = f"is not valid YAML: {error.message}" if error.kind == "invalid-yaml" else f"is refused: {error.message}"
            findings.append(
                Finding(
                    error.kind,
                    "error",
                    f"{fmt.label} {file.display} {reason}; nothing in it is imported and what it stated before is kept",
                    fix=error.fix,
                    file=file.display,
                    line=error.line,
                )
            )
            failed.add(file.display)
            continue
        for document in documents:
            if document.value is None:
                continue
            for duplicate in document.duplicate_keys:
                findings.append(
                    Finding(
                        "duplicate-key",
                        "warning",
                        f"{format_path(duplicate.path)} is given twice in {fmt.label} (lines {duplicate.first_line} and "
                        f"{duplicate.line}); the later value is used",
                        fix=f"remove one of the two {format_path(duplicate.path)} keys",
                        field=format_path(duplicate.path),
                        file=file.display,
                        line=duplicate.line,
                    )
                )
            doc = Doc(document, file.display, fmt.label, findings)
            parsed = parse(doc, namespace, checkout_repository(file, folders))
            if parsed.failed:
                # The whole file, as for a YAML error: its earlier facts and findings are kept.
                failed.add(file.display)
            if isinstance(parsed.descriptor, ServiceDescriptor):
                services.append(parsed.descriptor)
            elif isinstance(parsed.descriptor, RepositoryDescriptor):
                repositories.append(parsed.descriptor)
    builder = Builder(fmt, namespace, index or IdentityIndex())
    nodes, rels = builder.run(services, repositories)
    return ImportBatch(
        source=fmt.source,
        instance=instance if instance is not None else f"{fmt.source}:" + ",".join(Path(r).as_posix() for r in roots),
        nodes=nodes,
        rels=rels,
        findings=sorted(findings + builder.findings, key=_finding_order),
        failed_origins=failed,
        complete=listing.complete,
    )


def invalid_document(doc: Doc, message: str, fix: str, *, kind: str = "invalid-document") -> Parsed:
    """Report a document that describes nothing usable; what it stated before is kept."""
    doc.findings.append(Finding(kind, "error", message, fix=fix, subject=doc.subject, file=doc.file, line=doc.document.line))
    return Parsed(failed=True)


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

"""Backstage's substitution placeholders: ``$text``, ``$json`` and ``$yaml``, in any field.

A mapping whose only key is one of them stands for the content of the file it names,
relative to the descriptor: ``definition: {$text: ./openapi.yaml}`` is the file's text,
``$json`` and ``$yaml`` its parsed value. This is how most real catalogs give API
definitions. Files are confined to the descriptor root (as Location targets are), read
within a byte budget shared by every placeholder of one descriptor file, and parsed by the
same bounded loaders as the descriptors themselves.

Remote targets (``https://...``) are not fetched, since the catalog reads offline: the URL
takes the placeholder's place and an info finding says so. A placeholder that cannot be
resolved is a finding and becomes an empty value; the entity is still imported.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import Any

from catalog.core.records import Finding, Severity
from catalog.core.safe_load import InputRefused, decode_utf8, load_json, load_yaml, read_bounded
from importers.backstage.confine import confine, outside_root_fix
from importers.backstage.fields import format_path
from importers.backstage.validate import subject_of
from importers.backstage.yaml_lines import Path, YamlDocument

PLACEHOLDERS = ("$text", "$json", "$yaml")
_REMOTE = re.compile(r"^(url:|[a-z][a-z0-9+.-]*://)", re.IGNORECASE)


@dataclass
class _Resolver:
    document: YamlDocument
    file: str
    """Absolute path of the descriptor."""
    root: str
    display: str
    budget: int
    """Bytes all of this file's placeholders may still bring in."""
    findings: list[Finding] = field(default_factory=list)
    subject: str | None = None
    files: set[str] = field(default_factory=set)
    """Real paths of the files read."""

    def walk(self, value: Any, path: Path) -> Any:
        """``value`` with every placeholder in it replaced (containers are updated in place)."""
        if isinstance(value, dict):
            if len(value) == 1:
                (key, target), *_ = value.items()
                if key in PLACEHOLDERS:
                    return self.resolve(key, target, path)
            for key, item in list(value.items()):
                replaced = self.walk(item, (*path, key if isinstance(key, str | int) else str(key)))
                if replaced is not item:
                    value[key] = replaced
        elif isinstance(value, list):
            for index, item in enumerate(value):
                replaced = self.walk(item, (*path, index))
                if replaced is not item:
                    value[index] = replaced
        return value

    def resolve(self, kind: str, target: Any, path: Path) -> Any:
        where = (*path, kind)
        field_name = format_path(path)
        if not isinstance(target, str) or not target.strip():
            self.finding(
                where,
                "invalid-placeholder",
                "error",
                f"{field_name}: {kind} must name a file, not {target!r}",
                None,
                f"write {kind}: ./path/to/file relative to {self.display}",
            )
            return None
        text = target.strip()
        if _REMOTE.match(text):
            self.finding(
                where,
                "placeholder-not-fetched",
                "info",
                f"{field_name} is {kind}: {text}; remote content is not fetched (the catalog reads offline), so the URL is recorded "
                "in its place",
                text,
                "nothing to do; to store the content, check the file in next to the descriptor and name it by a relative path",
            )
            return text
        relative = text[len("file:") :] if text.startswith("file:") else text
        confined = confine(self.root, os.path.dirname(self.file), relative)
        if confined.path is None:
            self.finding(
                where,
                "placeholder-outside-root",
                "error",
                f"{field_name}: {kind} {text} {confined.refusal}; it is not read",
                text,
                outside_root_fix(self.root),
            )
            return None
        if not os.path.isfile(confined.path):
            looked = os.path.relpath(confined.path, self.root).replace(os.sep, "/")
            self.finding(
                where,
                "missing-placeholder-target",
                "error",
                f"{field_name}: {kind} {text} does not exist (looked for {looked}); the field is left empty",
                text,
                f"create the file, or correct the path; it is relative to {self.display}",
            )
            return None
        try:
            data = read_bounded(confined.path, self.budget, what=f"{kind} {text}")
            self.budget -= len(data)
            self.files.add(os.path.realpath(confined.path))
            content = decode_utf8(data, what=f"{kind} {text}")
            if kind == "$json":
                return load_json(content, what=f"{kind} {text}")
            if kind == "$yaml":
                return load_yaml(content)
            return content
        except InputRefused as error:
            fix = error.fix
            if error.kind == "file-too-large":
                fix = "link to the file in metadata.links instead, or raise max_file_bytes (it bounds all placeholders of one file)"
            line = f" (its line {error.line})" if error.line else ""
            self.finding(
                where, "unresolved-placeholder", "error", f"{field_name}: {error.message}{line}; the field is left empty", text, fix
            )
            return None
        except OSError as error:
            self.finding(
                where,
                "unresolved-placeholder",
                "error",
                f"{field_name}: cannot read {kind} {text}: {error.strerror}",
                text,
                "make the file readable",
            )
            return None

    def finding(self, path: Path, kind: str, severity: Severity, message: str, reference: str | None, fix: str) -> None:
        self.findings.append(
            Finding(
                kind,
                severity,
                message,
                fix=fix,
                subject=self.subject,
                field=format_path(path[:-1]),
                reference=reference,
                file=self.display,
                line=self.document.line_of(path),
            )
        )


@dataclass(frozen=True)
class Resolution:
    document: YamlDocument
    """The document with its placeholders replaced."""
    findings: list[Finding]
    """One per placeholder that could not be resolved, or was recorded rather than read."""
    bytes_read: int
    files: set[str]
    """Real paths of the files read: content, not descriptors, when a folder walk meets them."""


def resolve_placeholders(document: YamlDocument, *, file: str, root: str, display: str, max_bytes: int) -> Resolution:
    """Resolve every placeholder of ``document``, reading at most ``max_bytes`` in all."""
    if not _has_placeholder(document.value):
        return Resolution(document, [], 0, set())
    value = document.value
    resolver = _Resolver(document, file, root, display, max_bytes)
    if isinstance(value, dict):
        resolver.subject = subject_of(value)
    value = resolver.walk(value, ())
    return Resolution(dataclasses.replace(document, value=value), resolver.findings, max_bytes - resolver.budget, resolver.files)


def _has_placeholder(value: Any) -> bool:
    """A cheap look first: most documents have none, and then nothing is rebuilt."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, dict):
            if len(current) == 1 and next(iter(current)) in PLACEHOLDERS:
                return True
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return False

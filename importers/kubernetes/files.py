"""Offline exports: what ``kubectl get ... -o yaml`` or ``-o json`` wrote, in files or folders.

Accepted layouts (mix freely; folders are walked for ``*.yaml``, ``*.yml`` and ``*.json``):

- a ``List`` (``kind: List``, or a typed list such as ``DeploymentList``) with ``items``, as
  ``kubectl get deployments,services -A -o yaml`` writes it, or as the API returns a list
  (items without ``kind`` take it from the list's kind);
- a single object (``kubectl get deployment checkout -o yaml``);
- multi-document YAML (``---`` between objects or lists).

Objects of other kinds (Pods, ReplicaSets, ConfigMaps from ``kubectl get all``) are skipped
silently. A file that is not valid YAML/JSON is reported with its line and none of its
objects is used; its path goes to ``failed_origins`` so what it said before is kept.

Origins are ``<file>#L<line>`` for YAML (the line where the object starts) and
``<file>#<n>`` for JSON (the object's position in the file), where ``<file>`` is relative to
the folder of ``catalog.yaml`` when it lies under it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from catalog.core.records import Finding
from catalog.core.safe_load import InputRefused, YamlError, iter_yaml, load_json
from importers.kubernetes.objects import RawObject

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class FileRead:
    objects: list[RawObject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failed_origins: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    """Every file looked at, by display path."""
    unreadable: set[str] = field(default_factory=set)
    """Files none of whose content could be used (missing, too large, not valid YAML/JSON)."""


def read_exports(paths: Sequence[Path], base_dir: Path, source: str, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FileRead:
    result = FileRead()
    for path, display in _walk(paths, base_dir, result, source):
        result.files.append(display)
        _read_file(path, display, result, source, max_file_bytes)
    return result


def _walk(paths: Sequence[Path], base_dir: Path, result: FileRead, source: str) -> list[tuple[Path, str]]:
    found: dict[str, Path] = {}
    for root in paths:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    if name.endswith(SUFFIXES) and not name.startswith("."):
                        path = Path(dirpath) / name
                        found[_display(path, base_dir)] = path
        elif root.is_file():
            found[_display(root, base_dir)] = root
        else:
            display = _display(root, base_dir)
            result.files.append(display)
            result.failed_origins.add(display)
            result.unreadable.add(display)
            result.findings.append(
                Finding(
                    "unreadable-file",
                    "error",
                    f"{source}: export {display} does not exist",
                    fix="correct `files` in catalog.yaml (paths are relative to it), or write the export there",
                    file=display,
                )
            )
    return sorted(((p, d) for d, p in found.items()), key=lambda pd: pd[1])


def _display(path: Path, base_dir: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(base_dir)).as_posix()
    except ValueError:
        return absolute.as_posix()


def _read_file(path: Path, display: str, result: FileRead, source: str, max_file_bytes: int) -> None:
    def fail(kind: str, message: str, fix: str, line: int | None = None) -> None:
        result.failed_origins.add(display)
        result.unreadable.add(display)
        result.findings.append(Finding(kind, "error", f"{source}: {message}", fix=fix, file=display, line=line))

    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            fail(
                "file-too-large",
                f"{display} is larger than the {max_file_bytes}-byte limit and is not read",
                "split the export by namespace",
            )
            return
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        fail("invalid-file", f"{display} is not UTF-8 text ({exc.reason})", "write the export as UTF-8 (kubectl does)")
        return
    except OSError as exc:
        fail("unreadable-file", f"cannot read {display}: {exc.strerror}", "make the file readable")
        return
    documents: list[tuple[Any, int | None, list[int] | None]]
    if path.suffix == ".json":
        try:
            documents = [(load_json(text, what=display), None, None)] if text.strip() else []
        except InputRefused as exc:
            fail(
                exc.kind,
                f"{exc.message}; none of its objects is imported",
                "re-export it with kubectl get -o json (a truncated file often means the export was cut short)"
                if exc.kind == "invalid-json"
                else exc.fix,
                exc.line,
            )
            return
    else:
        try:
            documents = _yaml_documents(text)
        except YamlError as exc:
            line = exc.line
            if exc.kind == "invalid-yaml":
                message = (
                    f"{display} is not valid YAML{f' at line {line}' if line else ''} ({exc.message}); none of its objects is imported"
                )
                fix = "re-export it with kubectl get -o yaml, or fix the syntax"
            else:
                message = f"{display} is refused{f' at line {line}' if line else ''}: {exc.message}"
                fix = exc.fix
            fail(exc.kind, message, fix, line)
            return
    count = 0
    for doc_index, (value, line, item_lines) in enumerate(documents):
        if value is None:
            continue
        if not isinstance(value, dict) or not (isinstance(value.get("kind"), str) or "items" in value):
            where = f"{display} line {line}" if line else f"{display} document {doc_index + 1}"
            result.findings.append(
                Finding(
                    "not-kubernetes",
                    "warning",
                    f"{source}: {where} is not a Kubernetes object or list (no kind), skipped",
                    fix="export with kubectl get -o yaml/json; only objects and lists are read",
                    file=display,
                    line=line,
                )
            )
            continue
        items = value.get("items")
        kind = value.get("kind")
        list_kind = kind if isinstance(kind, str) else ""
        if isinstance(items, list) and (list_kind.endswith("List") or "kind" not in value):
            implied = list_kind[: -len("List")] or None
            for item_index, item in enumerate(items):
                item_line = item_lines[item_index] if item_lines and item_index < len(item_lines) else line
                result.objects.append(_raw(item, implied, display, count, item_line))
                count += 1
        elif "items" in value and (list_kind.endswith("List") or not list_kind):
            result.findings.append(
                Finding(
                    "invalid-object",
                    "error",
                    f"{source}: {display}{f' line {line}' if line else ''}: {list_kind}.items is not a list; its objects are skipped",
                    fix="re-export it with kubectl get -o yaml",
                    file=display,
                    line=line,
                )
            )
            result.failed_origins.add(display)
        else:
            result.objects.append(_raw(value, None, display, count, line))
            count += 1


def _raw(body: Any, implied_kind: str | None, display: str, index: int, line: int | None) -> RawObject:
    if line is not None:
        return RawObject(body, implied_kind, f"{display}#L{line}", f"{display} line {line}", display, line)
    return RawObject(body, implied_kind, f"{display}#{index}", f"{display} object {index + 1}", display, None)


def _yaml_documents(text: str) -> list[tuple[Any, int | None, list[int] | None]]:
    """Each document's value, its first line, and the line of each of its ``items`` (bounded by ``catalog.core.safe_load``)."""
    documents: list[tuple[Any, int | None, list[int] | None]] = []
    for node, value in iter_yaml(text):
        item_lines: list[int] | None = None
        if isinstance(node, yaml.MappingNode):
            for key, item in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(item, yaml.SequenceNode):
                    item_lines = [entry.start_mark.line + 1 for entry in item.value]
        documents.append((value, node.start_mark.line + 1, item_lines))
    return documents


__all__ = ["DEFAULT_MAX_FILE_BYTES", "FileRead", "read_exports"]

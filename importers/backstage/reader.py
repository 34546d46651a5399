"""Finding and reading descriptor files: directories, multi-document files and Location targets.

Files are read in a fixed order, so "the first definition wins" means the same thing on
every run: the paths given (sorted), each directory's YAML files in sorted order, then the
files Locations point at, in the order the Locations list them. Each file is read once,
however many ways it is reached, so Location cycles end.

Every file stays inside its descriptor root (the folder given, or the folder of a file given
directly): Location targets that are absolute, climb out with ``..`` or are symlinks out of
the root are refused as findings, and glob targets are walked within bounds
(``importers.backstage.globs``). YAML is loaded through ``catalog.core.safe_load``, and
``$text``/``$json``/``$yaml`` placeholders are resolved under the same rules.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from catalog.core.records import Finding, Severity
from importers.backstage.confine import confine, is_within, outside_root_fix
from importers.backstage.fields import format_path
from importers.backstage.globs import GLOB_CHARS, GlobBounds, match_files, split_pattern
from importers.backstage.placeholders import resolve_placeholders
from importers.backstage.validate import Entity, LocationSpec, check_document
from importers.backstage.yaml_lines import Path, YamlSyntaxError, load_documents

YAML_SUFFIXES = (".yaml", ".yml")
_REMOTE = re.compile(r"^(url:|https?://)", re.IGNORECASE)


@dataclass(frozen=True)
class _File:
    path: str
    """Absolute, normalised path (symlinks kept, so it reads as the user wrote it)."""
    root: str
    """The directory the file's displayed path is relative to."""

    @property
    def display(self) -> str:
        return os.path.relpath(self.path, self.root).replace(os.sep, "/")


@dataclass
class ReadResult:
    entities: list[Entity] = field(default_factory=list)
    """Every valid entity except Locations, in reading order."""
    findings: list[Finding] = field(default_factory=list)
    failed_origins: set[str] = field(default_factory=set)
    complete: bool = True


def read_entities(paths: Sequence[str], *, max_file_bytes: int, glob_bounds: GlobBounds | None = None) -> ReadResult:
    """Read every entity reachable from ``paths`` (absolute paths, in the order to read them)."""
    return _Reader(max_file_bytes, glob_bounds or GlobBounds()).read(paths)


class _Reader:
    def __init__(self, max_file_bytes: int, glob_bounds: GlobBounds) -> None:
        self.max_file_bytes = max_file_bytes
        self.glob_bounds = glob_bounds
        self.result = ReadResult()
        self.queue: deque[_File] = deque()
        self.seen: set[str] = set()
        self.placeholder_files: set[str] = set()
        self.displayed: dict[str, str] = {}
        """Displayed path → real path of every file read."""

    def read(self, paths: Sequence[str]) -> ReadResult:
        for path in paths:
            if os.path.isdir(path):
                self._enqueue_directory(path, root=path)
            elif os.path.exists(path):
                self._enqueue(_File(path, os.path.dirname(path)), given=True)
            else:
                self.result.complete = False
                self.result.findings.append(
                    Finding(
                        "missing-path",
                        "error",
                        f"{path} does not exist; the import is incomplete, so nothing it used to contain is retired",
                        fix="correct the path, or stop passing it",
                        file=path,
                    )
                )
        while self.queue:
            self._read_file(self.queue.popleft())
        # An openapi.yaml next to its descriptor is content a placeholder reads, not a stray document.
        self.result.findings = [
            f
            for f in self.result.findings
            if not (f.kind == "not-an-entity" and self.displayed.get(f.file or "") in self.placeholder_files)
        ]
        return self.result

    # -- listing -----------------------------------------------------------------------------

    def _enqueue(self, file: _File, *, given: bool = False) -> None:
        """Queue ``file`` unless it was read already; a file given directly is read wherever its symlink leads."""
        identity = os.path.realpath(file.path)
        if identity in self.seen:
            return
        if not given and not is_within(file.root, file.path):
            # A symlink in a walked folder: followed, it would read outside the root.
            self.seen.add(identity)
            self._finding(
                file,
                "outside-root",
                f"{file.display} is a symlink to {identity}, outside the descriptor root {file.root}; it is not read",
                outside_root_fix(file.root),
            )
            return
        self.seen.add(identity)
        self.queue.append(file)

    def _enqueue_directory(self, directory: str, *, root: str) -> None:
        def unlistable(error: OSError) -> None:
            self.result.complete = False
            self.result.findings.append(
                Finding(
                    "unreadable-directory",
                    "error",
                    f"cannot list {error.filename}: {error.strerror}; the import is incomplete, so nothing is retired",
                    fix="make the directory readable",
                    file=os.path.relpath(str(error.filename), root).replace(os.sep, "/"),
                )
            )

        found: list[str] = []
        for current, dirs, files in os.walk(directory, onerror=unlistable):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(os.path.join(current, f) for f in files if f.lower().endswith(YAML_SUFFIXES) and not f.startswith("."))
        for path in sorted(found, key=lambda p: os.path.relpath(p, directory).replace(os.sep, "/")):
            self._enqueue(_File(path, root))

    # -- reading -----------------------------------------------------------------------------

    def _read_file(self, file: _File) -> None:
        self.displayed[file.display] = os.path.realpath(file.path)
        text = self._read_text(file)
        if text is None:
            self.result.failed_origins.add(file.display)
            return
        try:
            documents = load_documents(text)
        except YamlSyntaxError as error:
            problem = f"is not valid YAML: {error.message}" if error.kind == "invalid-yaml" else f"is refused: {error.message}"
            self._fail(
                file,
                Finding(
                    error.kind,
                    "error",
                    f"{file.display} {problem}; none of its documents are imported, and what it stated before is kept",
                    fix=error.fix,
                    file=file.display,
                    line=error.line,
                ),
            )
            return
        budget = self.max_file_bytes  # shared by every placeholder of the file
        for document in documents:
            resolution = resolve_placeholders(document, file=file.path, root=file.root, display=file.display, max_bytes=budget)
            budget -= resolution.bytes_read
            self.placeholder_files |= resolution.files
            self.result.findings.extend(resolution.findings)
            document = resolution.document
            checked = check_document(document, file.display)
            self.result.findings.extend(checked.findings)
            if checked.failed:
                self.result.failed_origins.add(file.display)
            entity = checked.entity
            if entity is None:
                continue
            if isinstance(entity.spec, LocationSpec):
                self._follow(entity, entity.spec, file)
            else:
                self.result.entities.append(entity)

    def _read_text(self, file: _File) -> str | None:
        try:
            size = os.stat(file.path).st_size
            if size <= self.max_file_bytes:
                with open(file.path, "rb") as handle:
                    # The file may have grown since stat: never read past the limit.
                    data = handle.read(self.max_file_bytes + 1)
                size = len(data)
        except OSError as error:
            self._finding(file, "unreadable-file", f"cannot read {file.display}: {error.strerror}", "make the file readable")
            return None
        if size > self.max_file_bytes:
            self._finding(
                file,
                "file-too-large",
                f"{file.display} is larger than the {self.max_file_bytes}-byte limit and is not read",
                "split the file, or raise max_file_bytes",
            )
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self._finding(
                file,
                "unreadable-file",
                f"{file.display} is not UTF-8 text (byte 0x{data[error.start]:02x} at line {line})",
                "save the file as UTF-8",
                line=line,
            )
            return None

    def _finding(self, file: _File, kind: str, message: str, fix: str, *, line: int | None = None) -> None:
        self.result.findings.append(Finding(kind, "error", message, fix=fix, file=file.display, line=line))

    def _fail(self, file: _File, finding: Finding) -> None:
        self.result.findings.append(finding)
        self.result.failed_origins.add(file.display)

    # -- locations ---------------------------------------------------------------------------

    def _follow(self, location: Entity, spec: LocationSpec, file: _File) -> None:
        targets: list[tuple[Path, str]] = []
        if spec.target is not None:
            targets.append((("spec", "target"), spec.target))
        targets.extend((("spec", "targets", i), t) for i, t in enumerate(spec.targets))
        base = os.path.dirname(file.path)
        optional = (spec.presence or "").lower() == "optional"
        for path, target in targets:
            text = target.strip()
            if _REMOTE.match(text):
                self._location_finding(
                    location,
                    path,
                    "remote-location",
                    "info",
                    f"remote target {text} is recorded, not fetched",
                    text,
                    "import the remote catalog from a checkout of it if its entities are needed",
                )
                continue
            if text.startswith("file:"):
                text = text[len("file:") :]
            if GLOB_CHARS.search(text):
                self._follow_glob(location, path, text, base, file)
                continue
            confined = confine(file.root, base, text)
            if confined.path is None:
                self._location_finding(
                    location,
                    path,
                    "location-outside-root",
                    "error",
                    f"target {text} {confined.refusal}; it is not read",
                    text,
                    outside_root_fix(file.root),
                )
                continue
            resolved = confined.path
            if os.path.isdir(resolved):
                self._enqueue_directory(resolved, root=file.root)
            elif os.path.isfile(resolved):
                self._enqueue(_File(resolved, file.root))
            else:
                self._location_finding(
                    location,
                    path,
                    "missing-location-target",
                    "info" if optional else "error",
                    f"target {text} does not exist (looked for {os.path.relpath(resolved, file.root).replace(os.sep, '/')})",
                    text,
                    f"create the file, or correct {format_path(path)}; paths are relative to {file.display}",
                )

    def _follow_glob(self, location: Entity, path: Path, text: str, base: str, file: _File) -> None:
        prefix, segments = split_pattern(text)
        if os.path.isabs(text) or text.startswith("~"):
            prefix = text  # refused below as absolute, before anything is walked
        confined = confine(file.root, base, prefix or ".")
        if confined.path is None or ".." in segments:
            refusal = confined.refusal or "climbs out of the descriptor root with ..; targets must stay inside it"
            self._location_finding(
                location,
                path,
                "location-outside-root",
                "error",
                f"target {text} {refusal}; it is not read",
                text,
                outside_root_fix(file.root),
            )
            return
        found = match_files(confined.path, segments, self.glob_bounds)
        if found.refusal is not None:
            # What the pattern would have matched is unknown: nothing it reached before is retired.
            self.result.complete = False
            self._location_finding(
                location,
                path,
                "glob-too-broad",
                "error",
                f"target {text} {found.refusal}",
                text,
                f"narrow the pattern in {format_path(path)}, or raise max_glob_depth / max_glob_entries for this source in catalog.yaml",
            )
            return
        if not found.matches:
            self._location_finding(
                location,
                path,
                "missing-location-target",
                "warning",
                f"target {text} matches no file",
                text,
                f"correct the pattern in {format_path(path)}",
            )
        for match in found.matches:
            self._enqueue(_File(match, file.root))

    def _location_finding(
        self, location: Entity, path: Path, kind: str, severity: Severity, message: str, reference: str, fix: str
    ) -> None:
        self.result.findings.append(
            Finding(
                kind,
                severity,
                f"{format_path(path)} of {location.key}: {message}",
                fix=fix,
                subject=location.key,
                field=format_path(path),
                reference=reference,
                file=location.file,
                line=location.line(path),
            )
        )

"""Finding descriptor files, reading them within a size limit, and the repository each lives in.

Folders are walked for the format's file names (hidden folders skipped) in sorted order, so
"the first descriptor wins" means the same on every run. A file in a walked folder that is a
symlink to somewhere outside that folder is reported and not read. A descriptor describes the git
checkout it sits in: its repository is read from the checkout's ``origin`` remote (looked
for between the file and the folder given, never above it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from catalog.core.records import Finding
from importers.backstage.repository import Repository

_SECTION = re.compile(r'^\s*\[\s*([^\]\s]+)(?:\s+"([^"]*)")?\s*\]')
_URL = re.compile(r"^\s*url\s*=\s*(.+?)\s*$", re.IGNORECASE)
_SCP = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[A-Za-z0-9.-]+):(?!//)(?P<path>[^\s]+)$")


@dataclass(frozen=True)
class DescriptorFile:
    path: str
    """Absolute path."""
    root: str
    """The folder given (or the file's folder, for a file given directly)."""

    @property
    def display(self) -> str:
        return os.path.relpath(self.path, self.root).replace(os.sep, "/")


@dataclass
class Listing:
    files: list[DescriptorFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    complete: bool = True


def list_files(roots: list[str], names: tuple[str, ...], label: str) -> Listing:
    """Every descriptor under ``roots`` (absolute, sorted): files given directly whatever their name."""
    listing = Listing()
    seen: set[str] = set()
    wanted = {n.lower() for n in names}
    for root in roots:
        if os.path.isdir(root):
            found = _walk(root, wanted, listing)
            files = [DescriptorFile(p, root) for p in sorted(found, key=lambda p: os.path.relpath(p, root).replace(os.sep, "/"))]
        elif os.path.isfile(root):
            files = [DescriptorFile(root, os.path.dirname(root))]
        else:
            listing.complete = False
            listing.findings.append(
                Finding(
                    "missing-path",
                    "error",
                    f"{label} path {root} does not exist; the import is incomplete, so nothing it used to contain is retired",
                    fix="correct the path in catalog.yaml, or remove it",
                    file=root,
                )
            )
            continue
        for file in files:
            identity = os.path.realpath(file.path)
            if os.path.isdir(root) and not _within(root, identity):
                listing.findings.append(
                    Finding(
                        "outside-root",
                        "error",
                        f"{label} {file.display} is a symlink to {identity}, outside the folder given ({root}); it is not read",
                        fix="replace the symlink by the file, or add the other folder to the source's paths in catalog.yaml",
                        file=file.display,
                    )
                )
                continue
            if identity not in seen:
                seen.add(identity)
                listing.files.append(file)
    return listing


def _within(root: str, real: str) -> bool:
    real_root = os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _walk(root: str, wanted: set[str], listing: Listing) -> list[str]:
    def unlistable(error: OSError) -> None:
        listing.complete = False
        listing.findings.append(
            Finding(
                "unreadable-directory",
                "error",
                f"cannot list {error.filename}: {error.strerror}; the import is incomplete, so nothing is retired",
                fix="make the directory readable",
                file=os.path.relpath(str(error.filename), root).replace(os.sep, "/"),
            )
        )

    found: list[str] = []
    for current, dirs, files in os.walk(root, onerror=unlistable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(current, f) for f in files if f.lower() in wanted)
    return found


def read_text(file: DescriptorFile, max_bytes: int, label: str) -> tuple[str | None, Finding | None]:
    """The file's text, or a finding saying why it cannot be read."""

    def failure(kind: str, message: str, fix: str, line: int | None = None) -> tuple[None, Finding]:
        return None, Finding(kind, "error", message, fix=fix, file=file.display, line=line)

    try:
        with open(file.path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return failure("unreadable-file", f"cannot read {label} {file.display}: {error.strerror}", "make the file readable")
    if len(data) > max_bytes:
        return failure(
            "file-too-large",
            f"{label} {file.display} is larger than the {max_bytes}-byte limit and is not read; what it stated before is kept",
            "shrink the file, or raise max_file_bytes for this source in catalog.yaml",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return failure(
            "unreadable-file",
            f"{label} {file.display} is not UTF-8 text (byte 0x{data[error.start]:02x} at line {line})",
            "save it as UTF-8",
            line,
        )


def checkout_repository(file: DescriptorFile, cache: dict[str, Repository | None]) -> Repository | None:
    """The repository of the git checkout holding ``file``, from its ``origin`` remote (or its only remote).

    Looked for from the file's folder up to the folder given, never above it: a descriptor
    folder inside some unrelated checkout does not inherit that checkout's repository.
    """
    root = os.path.normpath(file.root)
    folder = os.path.dirname(file.path)
    while True:
        if folder not in cache:
            cache[folder] = _repository_of(folder)
        if cache[folder] is not None or os.path.normpath(folder) == root:
            return cache[folder]
        parent = os.path.dirname(folder)
        if parent == folder or os.path.commonpath([parent, root]) != root:
            return None
        folder = parent


def _repository_of(folder: str) -> Repository | None:
    git = os.path.join(folder, ".git")
    if os.path.isfile(git):  # a submodule or worktree: "gitdir: <path>"
        try:
            with open(git, encoding="utf-8") as handle:
                pointer = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not pointer.startswith("gitdir:"):
            return None
        git = os.path.normpath(os.path.join(folder, pointer[len("gitdir:") :].strip()))
        common = os.path.join(git, "commondir")
        if os.path.isfile(common):
            try:
                with open(common, encoding="utf-8") as handle:
                    git = os.path.normpath(os.path.join(git, handle.read().strip()))
            except (OSError, UnicodeDecodeError):
                return None
    config = os.path.join(git, "config")
    if not os.path.isfile(config):
        return None
    try:
        with open(config, encoding="utf-8") as handle:
            text = handle.read(256 * 1024)
    except (OSError, UnicodeDecodeError):
        return None
    remotes = _remote_urls(text)
    url = remotes.get("origin") or (next(iter(remotes.values())) if len(remotes) == 1 else None)
    return repository_from_url(url) if url else None


def _remote_urls(config: str) -> dict[str, str]:
    urls: dict[str, str] = {}
    remote: str | None = None
    for line in config.splitlines():
        section = _SECTION.match(line)
        if section:
            remote = section.group(2) if section.group(1).lower() == "remote" else None
            continue
        url = _URL.match(line)
        if url and remote is not None:
            urls.setdefault(remote, url.group(1).strip('"'))
    return urls


def repository_from_url(url: str) -> Repository | None:
    """``git@github.com:org/repo.git``, ``https://github.com/org/repo``, ``ssh://git@host:22/org/repo.git``."""
    text = url.strip()
    scp = _SCP.match(text)
    if scp and "://" not in text:
        host, path = scp.group("host"), scp.group("path")
    else:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https", "ssh", "git", "git+ssh") or not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
    return repository_from_slug(host, path)


def repository_from_slug(host: str, path: str) -> Repository | None:
    segments = [s for s in path.strip().split("/") if s]
    host = host.lower()
    if host == "github.com" or host.startswith("github."):
        segments = segments[:2]
    if len(segments) < 2:
        return None
    if segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if not all(segments):
        return None
    return Repository(host, "/".join(segments))

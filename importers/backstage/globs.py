"""Bounded glob matching for Location targets (``./services/*/catalog-info.yaml``, ``./teams/**/*.yaml``).

``glob.glob`` walks whatever the pattern reaches for as long as it takes; a pattern such as
``**/*.yaml`` at the top of a large tree (or ``/**/*.yaml``, the whole disk) never finishes.
Here the walk starts at the pattern's fixed prefix, which the caller has confined to the
descriptor root, follows no symlinked folders, skips hidden entries (as ``glob`` does unless
the pattern names them), and stops at the first of two bounds: the folder depth below the
prefix and the number of entries looked at. A walk that reaches a bound is refused whole, so
a partial listing is never mistaken for the whole one.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

GLOB_CHARS = re.compile(r"[*?[]")
DEFAULT_MAX_GLOB_DEPTH = 12
DEFAULT_MAX_GLOB_ENTRIES = 50_000


@dataclass(frozen=True)
class GlobBounds:
    max_depth: int = DEFAULT_MAX_GLOB_DEPTH
    """Folders below the pattern's fixed prefix that ``**`` may descend."""
    max_entries: int = DEFAULT_MAX_GLOB_ENTRIES
    """Folder entries (files and folders) looked at for one pattern."""


@dataclass
class GlobResult:
    matches: list[str] = field(default_factory=list)
    refusal: str | None = None
    """Why the walk was refused (a bound reached), naming the bound and its setting."""


def split_pattern(pattern: str) -> tuple[str, list[str]]:
    """The fixed prefix (no wildcard) and the remaining segments of ``pattern``."""
    segments = [s for s in pattern.replace("\\", "/").split("/") if s not in ("", ".")]
    for index, segment in enumerate(segments):
        if GLOB_CHARS.search(segment):
            return "/".join(segments[:index]), segments[index:]
    return "/".join(segments), []


def match_files(prefix: str, segments: list[str], bounds: GlobBounds) -> GlobResult:
    """Files under the folder ``prefix`` whose path below it matches ``segments``, sorted."""
    result = GlobResult()
    if not segments or not os.path.isdir(prefix):
        return result
    pattern = tuple(segments)
    recursive = "**" in pattern
    deepest = bounds.max_depth if recursive else len(pattern) - 1
    entries = 0
    stack: list[tuple[str, tuple[str, ...]]] = [(prefix, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            with os.scandir(folder) as listing:
                found = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        entries += len(found)
        if entries > bounds.max_entries:
            result.matches.clear()
            result.refusal = (
                f"looks through more than {bounds.max_entries:,} files and folders (max_glob_entries); "
                "the pattern is refused and none of its matches is read"
            )
            return result
        for entry in found:
            names = (*parts, entry.name)
            if entry.name.startswith(".") and not _names_hidden(pattern):
                continue
            if entry.is_dir(follow_symlinks=False):
                if not _could_match_below(pattern, names):
                    continue
                if len(names) > deepest:
                    if recursive:
                        result.matches.clear()
                        result.refusal = (
                            f"reaches folders more than {bounds.max_depth} levels below where its wildcards start (max_glob_depth); "
                            "the pattern is refused and none of its matches is read"
                        )
                        return result
                    continue
                stack.append((entry.path, names))
            elif _matches(pattern, names):
                result.matches.append(os.path.normpath(entry.path))
    result.matches.sort()
    return result


def _names_hidden(pattern: tuple[str, ...]) -> bool:
    return any(s.startswith(".") for s in pattern)


@lru_cache(maxsize=4096)
def _matches(pattern: tuple[str, ...], names: tuple[str, ...]) -> bool:
    if not pattern:
        return not names
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_matches(rest, names[i:]) for i in range(len(names) + 1))
    return bool(names) and fnmatch.fnmatchcase(names[0], head) and _matches(rest, names[1:])


@lru_cache(maxsize=4096)
def _could_match_below(pattern: tuple[str, ...], folder: tuple[str, ...]) -> bool:
    """Whether some path under ``folder`` could match ``pattern`` (prunes folders a pattern without ``**`` skips)."""
    if not folder:
        return bool(pattern)
    if not pattern:
        return False
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return True
    return fnmatch.fnmatchcase(folder[0], head) and _could_match_below(rest, folder[1:])

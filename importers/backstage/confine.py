"""Keeping every file a descriptor names inside its descriptor root.

A descriptor root is a folder given to the importer (or the folder of a file given directly).
Location targets and ``$text``/``$json``/``$yaml`` placeholders are paths written by whoever
can edit a descriptor; they must not reach the rest of the disk. A path is refused when it
is absolute, when it climbs out of the root with ``..``, or when it exists but is a symlink
(or lies under one) whose real location is outside the root's real location.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Confined:
    """A path that stays inside the root (``path``), or why it does not (``refusal``)."""

    path: str | None
    refusal: str | None = None


def is_within(root: str, path: str) -> bool:
    """Whether ``path``, symlinks resolved, lies inside ``root``, symlinks resolved."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def confine(root: str, base: str, written: str) -> Confined:
    """``written``, relative to the folder ``base``, as a path inside ``root``."""
    if os.path.isabs(written) or written.startswith("~"):
        return Confined(None, "is an absolute path; targets must be relative to the descriptor and stay inside its root")
    resolved = os.path.normpath(os.path.join(base, written))
    root = os.path.normpath(root)
    if os.path.commonpath([root, resolved]) != root:
        return Confined(None, "climbs out of the descriptor root with ..; targets must stay inside it")
    if os.path.lexists(resolved) and not is_within(root, resolved):
        return Confined(None, "is a symlink to a place outside the descriptor root; targets must stay inside it")
    return Confined(resolved)


def outside_root_fix(root: str) -> str:
    return f"point it at a file inside {root}, or import the other tree as a path of its own in catalog.yaml"

"""Source repositories named by Backstage annotations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from catalog.core.refs import repository_key

SLUG_ANNOTATION = "github.com/project-slug"
SOURCE_LOCATION_ANNOTATION = "backstage.io/source-location"

_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# Path segments where a hosting service's browse URL leaves the repository path:
# GitHub /tree/ and /blob/, GitLab /-/, Bitbucket /src/ and /browse/.
_BROWSE_SEGMENTS = frozenset({"-", "tree", "blob", "src", "browse", "commits", "raw"})


@dataclass(frozen=True)
class Repository:
    host: str
    slug: str
    """``org/repo`` (GitLab: ``group/subgroup/repo``), without ``.git``."""

    @property
    def key(self) -> str:
        return repository_key(self.host, self.slug)

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.slug}"

    @property
    def name(self) -> str:
        return self.slug.rsplit("/", 1)[-1]


def from_project_slug(text: str) -> Repository | None:
    """``github.com/project-slug: org/repo``; ``None`` when the value is not ``org/repo``."""
    slug = _strip_git(text.strip().strip("/"))
    return Repository("github.com", slug) if _SLUG.match(slug) else None


def from_source_location(text: str) -> Repository | None:
    """``backstage.io/source-location: url:https://github.com/org/repo/tree/main/``.

    ``None`` when the location is not a repository URL (``dir:`` locations, bare hosts).
    """
    target = text.strip()
    if target.startswith("url:"):
        target = target[len("url:") :]
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    segments = [s for s in parts.path.split("/") if s]
    if host == "github.com" or host.startswith("github."):
        segments = segments[:2]
    else:
        for index, segment in enumerate(segments):
            if segment in _BROWSE_SEGMENTS:
                segments = segments[:index]
                break
    if len(segments) < 2:
        return None
    segments[-1] = _strip_git(segments[-1])
    return Repository(host, "/".join(segments))


def _strip_git(text: str) -> str:
    return text[: -len(".git")] if text.endswith(".git") else text

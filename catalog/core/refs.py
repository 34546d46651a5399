"""Entity references and node keys.

Backstage writes references as ``[kind:][namespace/]name`` and compares them
case-insensitively. The catalog keys every node with the full, lower-cased reference
(``component:default/payments``), so keys are unique across labels and a reference read
from any source turns into a key without a lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_NAMESPACE = "default"

# Kind and namespace are optional; the name may not contain ':' or '/'.
_REF = re.compile(r"^(?:(?P<kind>[A-Za-z][A-Za-z0-9_-]*):)?(?:(?P<ns>[^:/\s]+)/)?(?P<name>[^:/\s]+)$")


class InvalidReference(ValueError):
    """A string that is not of the form ``[kind:][namespace/]name``."""


@dataclass(frozen=True)
class EntityRef:
    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        return entity_key(self.kind, self.namespace, self.name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name}"


def parse_ref(text: str, *, default_kind: str | None = None, default_namespace: str = DEFAULT_NAMESPACE) -> EntityRef:
    """Parse ``[kind:][namespace/]name`` with Backstage's defaults.

    Raises ``InvalidReference`` when the text is malformed or names no kind and no
    ``default_kind`` applies.
    """
    match = _REF.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidReference(f"{text!r} is not an entity reference; write [kind:][namespace/]name, e.g. group:default/payments-team")
    kind = match.group("kind") or default_kind
    if kind is None:
        raise InvalidReference(f"{text!r} names no kind and none is implied here; write kind:{text}")
    return EntityRef(kind.lower(), (match.group("ns") or default_namespace).lower(), match.group("name"))


def entity_key(kind: str, namespace: str, name: str) -> str:
    return f"{kind.lower()}:{namespace.lower()}/{name.lower()}"


def repository_key(host: str, slug: str) -> str:
    return f"repository:{host.lower()}/{slug.lower().strip('/')}"


def platform_key(namespace: str, name: str) -> str:
    return entity_key("platform", namespace, name)

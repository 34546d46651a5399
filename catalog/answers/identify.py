"""From whatever identifier a human holds to the service(s) it names.

``identify`` is the one resolver every answer uses for its service argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.store.base import GraphStore


@dataclass(frozen=True)
class Candidate:
    key: str
    """Service key, e.g. ``component:default/checkout``."""
    name: str
    why: str
    """How the identifier led here: ``name``, ``alias checkout-svc``, ``repository acme/checkout``, ..."""


@dataclass
class Identification:
    query: str
    matches: list[Candidate] = field(default_factory=list)
    """Services the identifier names (several when it is shared, e.g. an alias of two services)."""
    nearest: list[Candidate] = field(default_factory=list)
    """When nothing matches: the closest services, so the answer is never an empty shrug."""
    interpreted_as: str = ""
    """What the identifier was read as: service name, alias, repository, workload, pod, PagerDuty id, hostname."""

    @property
    def unique(self) -> Candidate | None:
        return self.matches[0] if len(self.matches) == 1 else None


async def identify(store: GraphStore, text: str) -> Identification:
    """The services ``text`` names. A service key or ``[namespace/]name`` at least; see the module docs for the rest."""
    query = text.strip()
    key = (
        query.lower()
        if query.lower().startswith("component:")
        else f"component:{query.lower() if '/' in query else 'default/' + query.lower()}"
    )
    rows = await store.read("MATCH (s:Service {id: $key}) WHERE s.retired_at IS NULL RETURN s.id AS id, s.name AS name", {"key": key})
    return Identification(query, [Candidate(r["id"], r["name"], "name") for r in rows], interpreted_as="service name")

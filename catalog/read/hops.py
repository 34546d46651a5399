"""Named one-step walks over the graph, checked against the model's relationship endpoints.

A ``Hop`` is the only way the read layer crosses a relationship, so the current-state rule
(``r.active = true`` and ``b.retired_at IS NULL``) is written once, in ``_current``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from catalog.core.model import (
    ACCOUNTABLE_FOR,
    BUILT_FROM,
    CHILD_OF,
    CONSUMES_API,
    DEPENDS_ON,
    IDENTIFIES,
    MEMBER_OF,
    OWNS,
    PART_OF,
    PROVIDES_API,
    RUNS_ON,
    SUBCOMPONENT_OF,
    RelType,
)
from catalog.cypher import Table
from catalog.read.nodes import node_map, rel_map
from catalog.store.dialect import Dialect


@dataclass(frozen=True)
class Hop:
    """From nodes labelled ``start`` over ``rel`` (forwards or backwards) to nodes labelled ``end``."""

    name: str
    rel: RelType
    start: tuple[str, ...]
    end: tuple[str, ...]
    forward: bool = True

    def __post_init__(self) -> None:
        declared = set(self.rel.endpoints)
        for a in self.start:
            for b in self.end:
                pair = (a, b) if self.forward else (b, a)
                if pair not in declared:
                    raise ValueError(f"hop {self.name}: {self.rel.type} does not join {pair[0]} to {pair[1]} in catalog.core.model")

    def pattern(self, anchor: str = "") -> str:
        a = f"(a:{'|'.join(self.start)}{anchor})"
        b = f"(b:{'|'.join(self.end)})"
        return f"{a}-[r:{self.rel.type}]->{b}" if self.forward else f"{a}<-[r:{self.rel.type}]-{b}"


UNWIND_FROM = 256
"""From this many start keys on, a hop looks each one up (``UNWIND``) instead of filtering with
``IN``: in LadybugDB an ``IN`` filter costs time per key and row (85 ms for 2,000 keys on 20k
services, against 23 ms unwound), while a lookup per key has a fixed start-up cost (13 ms
against 4.5 ms for 50 keys). Both forms are plain Cypher; Neo4j seeks its index either way."""

Anchor = Literal["one", "in", "unwind"]
"""How a hop binds its start nodes: ``one`` for a single key (``$id`` in the pattern), ``in`` for a
few (``a.id IN $ids``), ``unwind`` for many (a lookup per key)."""


def anchor(ids: Sequence[str]) -> tuple[Anchor, dict[str, Any]]:
    """The anchor form for ``ids`` and the parameters its query takes.

    A single key goes into the pattern itself: LadybugDB then seeks the key in each start table
    (0.7 ms for a service's owners on 1,000 services) instead of filtering every edge with ``IN``
    (4.2 ms). Most API lookups start from one key."""
    if len(ids) == 1:
        return "one", {"id": ids[0]}
    return ("unwind" if len(ids) >= UNWIND_FROM else "in"), {"ids": list(ids)}


def _current(hop: Hop, form: Anchor) -> str:
    """The MATCH of a hop from the start keys, keeping current edges to current nodes only."""
    if form == "one":
        return f"MATCH {hop.pattern(' {id: $id}')}\nWHERE r.active = true AND b.retired_at IS NULL"
    if form == "unwind":
        return f"UNWIND $ids AS start\nMATCH {hop.pattern(' {id: start}')}\nWHERE r.active = true AND b.retired_at IS NULL"
    return f"MATCH {hop.pattern()}\nWHERE a.id IN $ids AND r.active = true AND b.retired_at IS NULL"


def current_pairs_query(hop: Hop, form: Anchor) -> str:
    """Every current (start, neighbour) key pair over ``hop`` in one row: each result record costs
    the Neo4j driver far more than a list entry does (200 ms against 60 ms for 5,000)."""
    return f"{_current(hop, form)}\nRETURN collect(DISTINCT [a.id, b.id]) AS pairs"


@cache
def hop_table(hop: Hop, dialect: Dialect, form: Anchor = "in") -> Table:
    """Current neighbours of the start nodes (see ``anchor``), with the neighbour's properties and the
    edge's facts (columns ``key``, ``label``, ``node``, ``edge``), for ``store.read_table``: a page of
    100 services has more than 100 owners, and on Neo4j one collected record costs 4.6 ms of driver
    CPU where 114 records cost 7.7."""
    return Table(
        _current(hop, form),
        MappingProxyType({"key": "a.id", "label": dialect.label_of("b"), "node": node_map("b", hop.end), "edge": rel_map("r", hop.rel)}),
    )


@cache
def hop_edges_query(hop: Hop, dialect: Dialect, form: Anchor = "in") -> str:
    """Like ``hop_query`` but without the neighbour's properties: walks fetch those once at the end,
    not once per edge and level."""
    return f"{_current(hop, form)}\nRETURN a.id AS key, b.id AS id, {dialect.label_of('b')} AS label, {rel_map('r', hop.rel)} AS edge"


@cache
def hop_ids_query(hop: Hop, dialect: Dialect, form: Anchor = "in") -> str:
    """Like ``hop_query`` but only keys and labels: for traversals that need no properties."""
    return f"{_current(hop, form)}\nRETURN DISTINCT a.id AS key, b.id AS id, {dialect.label_of('b')} AS label"


_OWNED = OWNS.to_labels
_DEPENDABLE = ("Service", "Resource")

OWNERS = Hop("owners", OWNS, _OWNED, ("Team", "Person"), forward=False)


@cache
def owners_hop(label: str | None) -> Hop:
    """``OWNERS`` from nodes of one ownable label: LadybugDB then scans one start table, not eight
    (13 ms against 7 for the owners of a page of 100 services, on 1,000)."""
    return OWNERS if label is None else Hop(f"owners of {label}", OWNS, (label,), ("Team", "Person"), forward=False)


def accountable_hop(label: str | None) -> Hop:
    """``ACCOUNTABLE_FOR`` from nodes of one ownable label: the resolved owners the catalog answers with."""
    return Hop(
        f"resolved owners of {label or 'entities'}", ACCOUNTABLE_FOR, (label,) if label else _OWNED, ("Team", "Person"), forward=False
    )


IDENTIFIED_SERVICES = Hop("services identified", IDENTIFIES, ("Identifier",), ("Service",))
SERVICES_OWNED = Hop("services owned", OWNS, ("Team", "Person"), ("Service",))
SYSTEM_OF = Hop("system of", PART_OF, ("Service", "API", "Resource"), ("System",))
DOMAIN_OF = Hop("domain of", PART_OF, ("System",), ("Domain",))
PARENT_DOMAIN = Hop("parent domain", PART_OF, ("Domain",), ("Domain",))
SUBDOMAINS = Hop("subdomains", PART_OF, ("Domain",), ("Domain",), forward=False)
DOMAIN_SYSTEMS = Hop("systems of domain", PART_OF, ("Domain",), ("System",), forward=False)
SYSTEM_SERVICES = Hop("services of system", PART_OF, ("System",), ("Service",), forward=False)
SYSTEM_APIS = Hop("APIs of system", PART_OF, ("System",), ("API",), forward=False)
SYSTEM_RESOURCES = Hop("resources of system", PART_OF, ("System",), ("Resource",), forward=False)
APIS_PROVIDED = Hop("APIs provided", PROVIDES_API, ("Service",), ("API",))
APIS_CONSUMED = Hop("APIs consumed", CONSUMES_API, ("Service",), ("API",))
API_PROVIDERS = Hop("API providers", PROVIDES_API, ("API",), ("Service",), forward=False)
API_CONSUMERS = Hop("API consumers", CONSUMES_API, ("API",), ("Service",), forward=False)
REPOSITORIES = Hop("repositories", BUILT_FROM, ("Service",), ("Repository",))
SERVICES_BUILT_FROM = Hop("services built from repository", BUILT_FROM, ("Repository",), ("Service",), forward=False)
PLATFORM = Hop("platform", RUNS_ON, ("Service",), ("Platform",))
PLATFORM_SERVICES = Hop("services on platform", RUNS_ON, ("Platform",), ("Service",), forward=False)
DEPENDENCIES = Hop("dependencies", DEPENDS_ON, _DEPENDABLE, _DEPENDABLE)
DEPENDENTS = Hop("dependents", DEPENDS_ON, _DEPENDABLE, _DEPENDABLE, forward=False)
PARENT_COMPONENT = Hop("subcomponent of", SUBCOMPONENT_OF, ("Service",), ("Service",))
SUBCOMPONENTS = Hop("subcomponents", SUBCOMPONENT_OF, ("Service",), ("Service",), forward=False)
MEMBERS = Hop("members", MEMBER_OF, ("Team",), ("Person",), forward=False)
TEAMS_OF = Hop("teams of person", MEMBER_OF, ("Person",), ("Team",))
PARENT_TEAM = Hop("parent team", CHILD_OF, ("Team",), ("Team",))
CHILD_TEAMS = Hop("child teams", CHILD_OF, ("Team",), ("Team",), forward=False)

ALL_HOPS: tuple[Hop, ...] = (
    OWNERS, SERVICES_OWNED, SYSTEM_OF, DOMAIN_OF, PARENT_DOMAIN, SUBDOMAINS, DOMAIN_SYSTEMS, SYSTEM_SERVICES, SYSTEM_APIS,
    SYSTEM_RESOURCES, APIS_PROVIDED, APIS_CONSUMED, API_PROVIDERS, API_CONSUMERS, REPOSITORIES, SERVICES_BUILT_FROM, PLATFORM,
    PLATFORM_SERVICES, DEPENDENCIES, DEPENDENTS, PARENT_COMPONENT, SUBCOMPONENTS, MEMBERS, TEAMS_OF, PARENT_TEAM, CHILD_TEAMS,
)  # fmt: skip

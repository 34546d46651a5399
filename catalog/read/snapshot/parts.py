"""The one registry of snapshot parts: every part listed here is loaded into each snapshot.

An area adds its part with one line (and its reader mixin to ``SnapshotReader``'s bases).

A build loads the parts in two stages (``build_snapshot``). ``FIRST`` holds what incident answers read (who owns
and who is on call for a service, from any identifier; what breaks when it fails): as soon as they are loaded the
server answers from them, while ``THEN``, the platform team's scorecard, audits and adoption, loads. Until then those two
answers are computed from the store, as they are before the first snapshot.
"""

from __future__ import annotations

from catalog.read.snapshot.adoption import AdoptionPart
from catalog.read.snapshot.base import SnapshotPart
from catalog.read.snapshot.current import CurrentGraph
from catalog.read.snapshot.identify import IdentifyIndex, IdentifyTables
from catalog.read.snapshot.impact import DependencyGraph, Escalation, ResolvedOwners
from catalog.read.snapshot.oncall import OnCallFacts
from catalog.read.snapshot.scorecard import AuditPart, ScorecardPart

FIRST: tuple[type[SnapshotPart], ...] = (
    CurrentGraph,
    OnCallFacts,
    IdentifyTables,
    DependencyGraph,
    IdentifyIndex,
    ResolvedOwners,
    Escalation,
)
"""The parts incident answers read, in the order a build starts them when a place is free and the parts they need are
loaded: the longest first (at scale M on Neo4j: ``CurrentGraph`` and ``OnCallFacts``), then the tables ``IdentifyIndex``
is built from, read while ``CurrentGraph`` still loads (``IdentifyTables``, which no snapshot keeps), the short ones
last, so that the parts loading at once both have work until the end."""

THEN: tuple[type[SnapshotPart], ...] = (ScorecardPart, AuditPart, AdoptionPart)
"""The platform team's parts, loaded once ``FIRST`` is (the longest first)."""

PARTS: tuple[type[SnapshotPart], ...] = FIRST + THEN
"""Every part, in load order (a snapshot holds them all but the ``transient`` ones)."""

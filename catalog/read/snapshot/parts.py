"""The one registry of snapshot parts: every part listed here is loaded into each snapshot.

An area adds its part with one line (and its reader mixin to ``SnapshotReader``'s bases)."""

from __future__ import annotations

from catalog.read.snapshot.adoption import AdoptionPart
from catalog.read.snapshot.base import SnapshotPart
from catalog.read.snapshot.current import CurrentGraph
from catalog.read.snapshot.identify import IdentifyIndex
from catalog.read.snapshot.impact import DependencyGraph, Escalation, ResolvedOwners
from catalog.read.snapshot.oncall import OnCallFacts
from catalog.read.snapshot.scorecard import ScorecardPart

PARTS: tuple[type[SnapshotPart], ...] = (
    CurrentGraph,
    ScorecardPart,
    IdentifyIndex,
    OnCallFacts,
    DependencyGraph,
    ResolvedOwners,
    Escalation,
    AdoptionPart,
)
"""In the order a build starts them when a place is free and the parts they need are loaded (``build_snapshot``):
the longest first (at scale M on Neo4j: ``CurrentGraph``, ``ScorecardPart``, then ``IdentifyIndex`` once
``CurrentGraph`` is loaded), the short ones last, so that the two parts loading at once both have work until the end."""

"""The reader the API uses: the Cypher reader, with hot current-state reads answered from a snapshot.

Each area contributes a mixin (a subclass of ``SnapshotReads`` that overrides some
``CatalogReader`` methods) and lists it among ``SnapshotReader``'s bases; every override falls
back to ``super()`` (Cypher) when the reader has no snapshot. Reads "as of" a past instant,
history, search and the findings of syncs are not overridden: they always come from the store.
The Build-Run scorecard and its anti-pattern audits are read from the snapshot's current facts
(with the shifts of the instant asked about); the trend and audits filtered by team are not.
"""

from __future__ import annotations

from catalog.read.snapshot.adoption import AdoptionSnapshotReads
from catalog.read.snapshot.base import SnapshotReads
from catalog.read.snapshot.current import CurrentStateFromSnapshot
from catalog.read.snapshot.identify import IdentifyFromSnapshot
from catalog.read.snapshot.impact import ImpactFromSnapshot
from catalog.read.snapshot.oncall import OnCallFromSnapshot
from catalog.read.snapshot.reach import ReachFromSnapshot
from catalog.read.snapshot.scorecard import ScorecardFromSnapshot


class SnapshotReader(
    CurrentStateFromSnapshot,
    IdentifyFromSnapshot,
    AdoptionSnapshotReads,
    ImpactFromSnapshot,
    ReachFromSnapshot,
    OnCallFromSnapshot,
    ScorecardFromSnapshot,
    SnapshotReads,
):
    """``CatalogReader`` plus every snapshot mixin; ``snapshot`` None answers everything from Cypher."""

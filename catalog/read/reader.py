"""The read layer's one entry point."""

from __future__ import annotations

from catalog.read.adoption import AdoptionReads
from catalog.read.antipatterns import AntipatternReads
from catalog.read.audits import AuditReads
from catalog.read.company import CompanyReads
from catalog.read.entities import EntityReads
from catalog.read.entity_owners import EntityOwnerReads
from catalog.read.findings import FindingReads
from catalog.read.history import HistoryReads
from catalog.read.identify import IdentifyReads
from catalog.read.impact import ImpactReads
from catalog.read.oncall import OnCallReads
from catalog.read.ownership import OwnershipReads
from catalog.read.scorecard import ScorecardReads
from catalog.read.services import ServiceReads


class CatalogReader(
    ServiceReads,
    EntityReads,
    FindingReads,
    IdentifyReads,
    OwnershipReads,
    HistoryReads,
    AuditReads,
    AdoptionReads,
    ImpactReads,
    OnCallReads,
    ScorecardReads,
    AntipatternReads,
    CompanyReads,
    EntityOwnerReads,
):
    """Every current-state read the API makes, as batch methods over a ``GraphStore``.

    Batch methods take a list of keys and return one result per key, in key order, with one
    store round trip per call (walks: one per level), so DataLoaders can call them directly.
    """

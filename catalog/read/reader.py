"""The read layer's one entry point."""

from __future__ import annotations

from catalog.read.entities import EntityReads
from catalog.read.entity_owners import EntityOwnerReads
from catalog.read.findings import FindingReads
from catalog.read.services import ServiceReads


class CatalogReader(ServiceReads, EntityReads, FindingReads, EntityOwnerReads):
    """Every current-state read the API makes, as batch methods over a ``GraphStore``.

    Batch methods take a list of keys and return one result per key, in key order, with one
    store round trip per call (walks: one per level), so DataLoaders can call them directly.
    """

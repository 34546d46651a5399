"""The read layer: every Cypher read the API makes, written once for both engines.

Results are frozen dataclasses (``GraphNode``, ``Ownership``, ``Linked``, ``Reached``,
``Page``); nothing here knows about GraphQL.
"""

from catalog.read.entities import UnknownEntity, key_of, kind_of
from catalog.read.nodes import EdgeFacts, GraphNode, Linked, Ownership, Provenance, Reached, Resolution
from catalog.read.pagination import Page
from catalog.read.reader import CatalogReader
from catalog.read.services import ServiceFilter, ServiceSelection

__all__ = [
    "CatalogReader",
    "EdgeFacts",
    "GraphNode",
    "Linked",
    "Ownership",
    "Page",
    "Provenance",
    "Reached",
    "Resolution",
    "ServiceFilter",
    "ServiceSelection",
    "UnknownEntity",
    "key_of",
    "kind_of",
]

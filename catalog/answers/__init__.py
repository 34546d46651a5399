"""Answers to the questions the catalog exists for, computed in the store, shared by the API and the CLI.

Each module takes a reader (``catalog.read.CatalogReader``) and returns plain dataclasses; ``catalog.api`` wraps them in
GraphQL types and ``catalog.commands`` prints them as tables or JSON, so both front ends give
the same answer on either store.
"""

# The Build-Run anti-pattern audits register their producers with ``audits`` when imported; importing
# them with the package makes every front end list them.
from catalog.answers import antipatterns as antipatterns

"""Backstage descriptors (``catalog-info.yaml``) → ``ImportBatch``.

Modules, in the order data flows through them:

- ``reader``: walks files, directories and Location targets, reads each file once;
- ``confine``, ``globs``: keep Location targets inside the descriptor root, globs bounded;
- ``yaml_lines``: parses multi-document YAML (bounded by ``catalog.core.safe_load``) and keeps the line of every field;
- ``placeholders``: resolves ``$text``, ``$json`` and ``$yaml``;
- ``validate``: checks the envelope and each kind's spec, turning errors into findings;
- ``resolve``: resolves entity references with Backstage's defaults;
- ``translate``: turns entities into node and relationship records;
- ``rel_set``, ``repository``, ``cycles``: merged edges, repository annotations, hierarchy cycles.
"""

from importers.backstage.importer import read_backstage

__all__ = ["read_backstage"]

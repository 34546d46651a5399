"""The kernel: what importers and the rest of the catalog build on, and nothing above it.

- ``model``: the one declaration of the graph model (labels, relationships, properties);
- ``records``: the import batch an importer returns (nodes, relationships, findings);
- ``refs``: entity references and the keys derived from them;
- ``identity``: the identity index sources resolve services, teams and people against;
- ``discovered``: services a live source sees that no descriptor declares;
- ``clock``: instants, parsing and formatting of times;
- ``safe_load``: bounded YAML and JSON loading for every file the catalog reads.

Modules here import only each other, the standard library and small parsing libraries: never the
store, the read layer, the application or ``importers`` (``tests/test_layers.py`` enforces it).
"""

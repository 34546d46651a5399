"""Importers: pure translators from a source's payloads to a ``catalog.core.records.ImportBatch``.

An importer reads (files, API pages) and translates; it never touches a store. The sync
engine diffs the batch against the store and writes it.
"""

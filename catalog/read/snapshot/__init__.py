"""An immutable in-memory snapshot of current state, rebuilt after each finished sync, and the reader over it.

- ``base``: ``SnapshotPart`` (one slice, loaded by bulk reads), ``Snapshot`` and ``SnapshotReads``;
- ``parts``: ``PARTS``, the registry of parts every snapshot loads;
- ``build``: ``build_snapshot``;
- ``holder``: ``SnapshotHolder``, which rebuilds when the store's sync generation moves;
- ``reader``: ``SnapshotReader``, the reader the API uses.
"""

from catalog.read.snapshot.base import MissingPart, Snapshot, SnapshotPart, SnapshotReads
from catalog.read.snapshot.build import build_snapshot
from catalog.read.snapshot.holder import SnapshotHolder
from catalog.read.snapshot.reader import SnapshotReader

__all__ = ["MissingPart", "Snapshot", "SnapshotHolder", "SnapshotPart", "SnapshotReader", "SnapshotReads", "build_snapshot"]

"""Answers kept per snapshot: a question asked again of the same snapshot is answered from memory.

When a hub fails, many responders open the same pages at once, and a snapshot does not change
between syncs. A GraphQL request's result is kept, and given to the next request that asks the
same question, when everything that made it came from the snapshot:

- the reader served every read from the snapshot: it was never asked for its store (a Cypher
  read, a history read, a write; ``SnapshotReads.read_store``);
- nothing read the wall clock (``catalog.core.clock.watching_clock``), or only in a way that says
  until when the result holds: a blast radius's on-call is the same until the next shift of its
  page's policies starts or ends, so its page is kept until then (and not kept when it shows its
  ``at``); other answers about "now" (``onCall``, the scorecard) are computed for each request;
- the result has no error (refusals, limits, a forbidden field, a busy gate are never kept).

The same question is the same document text, operation name and variables, asked with the same
scopes (a field a scope guards is an error without it, so results differ only by scopes, never by
who asks). The kept results belong to one snapshot (one build: its first stage, then the whole of
it): the first request served from a newer one drops them all. A result is kept as the JSON it is
sent as (an ``orjson.Fragment``, written into the response as it is), so a kept answer costs its
size in bytes and no encoding when it is sent again. They are bounded by
``CATALOG_RESPONSE_CACHE_MB``, least recently used first out; 0 turns keeping off. A request
with ``Cache-Control: no-cache`` is computed again (and its result kept in place of the old one);
with ``no-store`` it is computed and not kept.

Questions asked at the same time are computed once. Right after a sync (a new snapshot keeps
nothing yet) the responders of an incident all ask for the same pages together; the first request
computes the answer, and the requests asking the same question while it does wait for it and are
given the answer it keeps (``X-Catalog-Answer: joined``). When that answer cannot be kept (it
read the store or the clock, or it has an error, or its request failed), each waiting request
computes its own, and the question is remembered, for this snapshot, as one not to wait for
(``MAX_UNKEPT`` of them, the oldest forgotten first).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from catalog.core.clock import wall_iso
from catalog.read.snapshot import Snapshot

Key = tuple[str, str | None, bytes, frozenset[str] | None]

MAX_UNKEPT = 4096
"""Questions remembered, per snapshot, as computed without an answer that could be kept: not waited for."""

_OVERHEAD = 300
"""Bytes counted per kept result beyond its JSON and its key's texts: the entry, the key tuple and the fragment."""


@dataclass(frozen=True, slots=True)
class Kept:
    data: orjson.Fragment
    """The result's ``data``, as JSON."""
    extensions: Mapping[str, Any] | None
    size: int
    until: str | None
    """The instant (as ``catalog.core.clock`` writes it) from which it is no longer given; None: while its snapshot serves."""


class ResponseCache:
    """Results kept for one snapshot at a time, at most ``max_bytes`` of them (as JSON), least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._snapshot: Snapshot | None = None
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self.bytes = 0
        self._computing: dict[Key, asyncio.Future[Kept | None]] = {}
        """The questions a request of the current snapshot is computing now, each with what it will keep (or None)."""
        self._unkept: OrderedDict[Key, None] = OrderedDict()
        """Questions of the current snapshot whose last answer could not be kept (not waited for), oldest first."""
        self.hits = 0
        self.misses = 0
        self.joined = 0
        """Of the misses, those answered by what a request computing the same question at the same time kept."""

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._kept)

    @staticmethod
    def key(query: str, operation_name: str | None, variables: Mapping[str, Any] | None, scopes: frozenset[str] | None) -> Key | None:
        """The question's key; None when it has no plain form (then it is neither looked up nor kept, and execution
        refuses what is malformed): a document that is not a text, an operation name that is not a text, variables
        that are not an object or cannot be written as JSON."""
        if not isinstance(query, str) or not isinstance(operation_name, str | None) or not isinstance(variables, Mapping | None):
            return None
        try:
            encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return (query, operation_name, encoded, scopes)

    def get(self, snapshot: Snapshot, key: Key) -> Kept | None:
        kept = self._kept.get(key) if self._serves(snapshot) else None
        if kept is not None and kept.until is not None and wall_iso() >= kept.until:
            del self._kept[key]
            self.bytes -= kept.size
            kept = None
        if kept is None:
            self.misses += 1
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return kept

    def put(self, snapshot: Snapshot, key: Key, data: Any, extensions: Mapping[str, Any] | None, until: str | None = None) -> Kept | None:
        """Keep a result until ``until`` (None: while the snapshot serves); None when it is larger than the whole budget
        (or keeping is off, or ``snapshot`` is older than the kept results')."""
        if not self.enabled or not self._serves(snapshot):
            return None
        encoded = orjson.dumps(data)
        size = len(encoded) + sum(len(part) for part in key[:3] if part) + _OVERHEAD
        if size > self.max_bytes:
            return None
        old = self._kept.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        kept = self._kept[key] = Kept(orjson.Fragment(encoded), extensions, size, until)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, dropped = self._kept.popitem(last=False)
            self.bytes -= dropped.size
        return kept

    def computing(self, snapshot: Snapshot, key: Key) -> asyncio.Future[Kept | None] | None:
        """What another request computing the same question of ``snapshot`` will keep, to wait for; None when this request
        is to compute it (then it must call ``computed``): nobody computes it yet, its last answer could not be kept, or
        ``snapshot`` is older than the kept results'."""
        if not self._serves(snapshot) or key in self._unkept:
            return None
        waiting = self._computing.get(key)
        if waiting is None:
            self._computing[key] = asyncio.get_running_loop().create_future()
        return waiting

    async def join(self, waiting: asyncio.Future[Kept | None]) -> Kept | None:
        """What the request computing the same question kept (``computing``), once it is done; None when it kept nothing.
        The wait is shielded: a waiting request that is cancelled does not cancel it for the others."""
        kept = await asyncio.shield(waiting)
        if kept is not None:
            self.joined += 1
        return kept

    def computed(self, snapshot: Snapshot, key: Key, kept: Kept | None) -> None:
        """The request that computes ``key`` of ``snapshot`` is done: ``kept`` is what it kept, None when its answer
        could not be kept (or it failed); the requests waiting for it are given it."""
        if snapshot is not self._snapshot:
            return  # (a newer snapshot dropped the questions of this one, and its waiters were told when it did)
        waiting = self._computing.pop(key, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(kept)
        if kept is None:
            self._unkept[key] = None
            self._unkept.move_to_end(key)
            if len(self._unkept) > MAX_UNKEPT:
                self._unkept.popitem(last=False)
        else:
            self._unkept.pop(key, None)  # (kept this time: waited for again when it is computed next)

    def _serves(self, snapshot: Snapshot) -> bool:
        """Whether results of ``snapshot`` are the ones kept: a newer snapshot than the kept results' replaces them all; a
        request still reading an older one (it began before the swap) neither gets nor keeps anything."""
        if snapshot is self._snapshot:
            return True
        if self._snapshot is not None:
            build, kept = (snapshot.generation, snapshot.built_at), (self._snapshot.generation, self._snapshot.built_at)
            if build < kept:
                return False
            if build == kept:
                # One build's first stage and the whole of it: the same parts answer a kept question the same way
                # (an answer that read a part the first stage lacked read the store instead, and was not kept).
                if snapshot.complete:
                    self._snapshot = snapshot
                return True
        self._snapshot = snapshot
        self._kept.clear()
        self.bytes = 0
        self._unkept.clear()
        # Requests waiting on a question of the older snapshot compute it themselves (the one computing it keeps nothing).
        for waiting in self._computing.values():
            if not waiting.done():
                waiting.set_result(None)
        self._computing.clear()
        return True

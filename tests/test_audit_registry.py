"""Audit producers registered from outside ``catalog.answers.audits`` are listed, paged and counted with the others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.answers import audits as module
from catalog.answers.audits import AuditFilter, AuditKind, Subject, _Computed, _Context, _Row, audits, register_producer
from catalog.read import CatalogReader
from catalog.store.base import GraphStore

NOW = "2026-11-27T12:00:00.000000Z"


class _SourceNamed(_Computed):
    """Two audits about made-up source instances, for a kind this test borrows; paged by keyset like every producer."""

    kind = AuditKind.STALE_SOURCE
    severity = "info"
    labels = (None,)

    def all_rows(self, ctx: _Context) -> list[_Row]:
        return [self.audit(Subject(key, None, key), f"{key} is named by the test", "nothing to fix", ctx) for key in ("test:a", "test:b")]

    async def fetch(self, ctx: _Context, after: tuple[str, str] | None, limit: int) -> list[_Row]:
        return [r for r in self.all_rows(ctx) if after is None or r.position[2:] > after][:limit]

    async def count(self, ctx: _Context) -> int:
        return len(self.all_rows(ctx))


@pytest.fixture
def registered() -> Iterator[None]:
    before = list(module._REGISTERED)
    register_producer(_SourceNamed())
    register_producer(_SourceNamed())  # registering the same producer twice lists its audits once
    try:
        yield
    finally:
        module._REGISTERED[:] = before


async def test_a_registered_producer_is_paged_and_counted_with_the_others(store: GraphStore, registered: None) -> None:
    found = await audits(CatalogReader(store), now=NOW)
    first = await found.page(1)
    second = await found.page(5, first.audits[-1].cursor)
    assert [a.subject.key for a in first.audits + second.audits] == ["test:a", "test:b"]
    assert first.has_next and not second.has_next
    assert [(c.kind, c.severity, c.count) for c in await found.summary()] == [(AuditKind.STALE_SOURCE, "info", 2)]
    filtered = await audits(CatalogReader(store), AuditFilter(kinds=(AuditKind.UNOWNED_SERVICE,)), now=NOW)
    assert await filtered.total() == 0

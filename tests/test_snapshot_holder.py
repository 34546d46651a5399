"""The snapshot holder: built on start and after each finished sync, swapped whole, never waited for.

On both stores: a new sync generation builds a new snapshot and an unchanged one does not; a
failing build keeps the snapshot requests were reading; the first requests after start are
answered from the store (and say so in ``extensions.catalog``) until the first build is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from catalog.api import warm
from catalog.api.app import create_app
from catalog.read.reader import CatalogReader
from catalog.read.snapshot import Snapshot, SnapshotHolder, SnapshotReader, build_snapshot
from catalog.read.snapshot.adoption import AdoptionPart
from catalog.read.snapshot.base import is_transient
from catalog.read.snapshot.build import Publish
from catalog.read.snapshot.identify import IdentifyTables
from catalog.read.snapshot.parts import FIRST, PARTS
from catalog.read.snapshot.scorecard import ScorecardPart
from catalog.store.base import GraphStore, StoreError
from catalog.store.generation import Generation, advance_generation, read_generation
from tests._api_fixtures import api_settings
from tests.test_read_layer import shop

SYNCED = "2026-11-20T12:00:00Z"


async def test_a_finished_sync_advances_the_generation_and_the_holder_rebuilds(store: GraphStore) -> None:
    holder = SnapshotHolder(store, poll_seconds=3600)
    assert holder.current is None
    assert await read_generation(store) == Generation(0, None)

    assert await holder.refresh() is True
    first = holder.current
    assert first is not None and (first.generation, first.synced_at) == (0, None)
    # Nothing synced since: the same snapshot stays, not rebuilt.
    assert await holder.refresh() is False and holder.current is first

    assert await advance_generation(store, SYNCED) == Generation(1, SYNCED)
    assert await holder.refresh() is True
    second = holder.current
    assert second is not None and second is not first
    assert (second.generation, second.synced_at) == (1, SYNCED)
    assert holder.seen == Generation(1, SYNCED)
    assert await advance_generation(store, "2026-11-20T13:00:00Z") == Generation(2, "2026-11-20T13:00:00Z")


async def test_a_failing_build_keeps_the_old_snapshot_and_the_next_poll_retries(store: GraphStore) -> None:
    failing = False

    async def flaky(current: GraphStore, generation: Generation, publish: Publish) -> Snapshot:
        if failing:
            raise StoreError("the store went away mid-build")
        return await build_snapshot(current, generation=generation, publish=publish)

    holder = SnapshotHolder(store, poll_seconds=3600, builder=flaky)
    assert await holder.refresh() is True
    old = holder.current
    assert old is not None

    failing = True
    await advance_generation(store, SYNCED)
    assert await holder.refresh() is False
    assert holder.current is old and holder.failures == 1
    assert await holder.refresh() is False and holder.failures == 2

    failing = False
    assert await holder.refresh() is True
    assert holder.current is not None and holder.current.generation == 1 and holder.failures == 0


async def test_the_holder_loop_keeps_polling_and_stops_when_asked(store: GraphStore) -> None:
    holder = SnapshotHolder(store, poll_seconds=0.01)
    holder.start()
    try:
        await until(lambda: holder.current is not None)
        await advance_generation(store, SYNCED)
        await until(lambda: holder.current is not None and holder.current.generation == 1)
    finally:
        await holder.stop()
    assert holder.current.synced_at == SYNCED


async def until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Wait for ``condition`` (the holder works in the background), failing after ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the snapshot holder did not get there in time")


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test")  # type: ignore[arg-type]


async def test_first_requests_are_answered_from_the_store_until_the_snapshot_is_built(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await shop().sync(store)
    await advance_generation(store, SYNCED)
    release = asyncio.Event()

    async def gated(current: GraphStore, *args: Any, **kwargs: Any) -> Snapshot:
        await release.wait()
        return await build_snapshot(current, *args, **kwargs)

    # The server's builder is ``warm.build_warm_snapshot``, which calls the build through its own module's name: gating
    # only the holder's left the first request racing the build, and a quick build won it.
    monkeypatch.setattr(warm, "build_snapshot", gated)
    app = create_app(api_settings(snapshot_poll_seconds=0.01), store=store)
    query = {"query": '{ service(name: "checkout") { name ownershipClaims { owner { ... on Team { name } } } } }'}
    async with _client(app) as http, app.router.lifespan_context(app):
        assert "catalog_snapshot_generation -1.0" in (await http.get("/metrics")).text
        early = (await http.post("/graphql", json=query)).json()
        assert "errors" not in early, early
        assert early["data"] == {"service": {"name": "checkout", "ownershipClaims": [{"owner": {"name": "payments"}}]}}
        assert early["extensions"]["catalog"]["source"] == "store"

        release.set()
        holder = app.state.store_slot.snapshots
        await until(lambda: holder.current is not None and holder.current.complete)
        later = (await http.post("/graphql", json=query)).json()
        metrics = (await http.get("/metrics")).text
        assert "catalog_snapshot_generation 1.0" in metrics and "catalog_snapshot_build_failures 0.0" in metrics
        assert "catalog_snapshot_complete 1.0" in metrics
        first = holder.current.first_seconds
        assert first is not None and f"catalog_snapshot_first_stage_seconds {first}" in metrics
        assert later["data"] == early["data"]
        assert later["extensions"]["catalog"] == {
            "source": "snapshot",
            "generation": 1,
            "syncedAt": SYNCED,
            "snapshotBuiltAt": holder.current.built_at,
        }
    assert app.state.store_slot.snapshots is None


async def test_the_snapshot_can_be_turned_off(store: GraphStore) -> None:
    app = create_app(api_settings(snapshot=False), store=store)
    async with _client(app) as http, app.router.lifespan_context(app):
        body = (await http.post("/graphql", json={"query": "{ __typename }"})).json()
    assert body["extensions"]["catalog"] == {"source": "store", "generation": None, "syncedAt": None}


class _Held:
    """``ScorecardPart.load`` held until ``release`` is set (or failing, when ``fail`` is)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = asyncio.Event()
        self.fail = False
        load = ScorecardPart.load.__func__  # type: ignore[attr-defined]

        async def held(cls: type[ScorecardPart], *args: Any, **kwargs: Any) -> ScorecardPart:
            await self.release.wait()
            if self.fail:
                raise StoreError("the store went away mid-build")
            return await load(cls, *args, **kwargs)

        monkeypatch.setattr(ScorecardPart, "load", classmethod(held))


async def test_a_build_gives_its_first_stage_while_the_platform_parts_load(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    await shop().sync(store)
    await advance_generation(store, SYNCED)
    held = _Held(monkeypatch)
    published: list[Snapshot] = []
    build = asyncio.ensure_future(build_snapshot(store, publish=published.append))
    await until(lambda: bool(published))
    first = published[0]
    assert not first.complete and not build.done()
    kept = [kind for kind in FIRST if not is_transient(kind)]
    assert list(first.parts) == kept and not first.has(ScorecardPart) and not first.has(AdoptionPart)
    assert IdentifyTables in FIRST and not first.has(IdentifyTables)  # (read for IdentifyIndex, held by no snapshot)
    assert first.first_seconds == first.build_seconds
    # Incident answers come from the first stage; the scorecard, which it lacks, from the store.
    reader = SnapshotReader(store, first)
    node, owners = await reader.node_with_owners("Service", "component:default/checkout")
    assert node is not None and [o.owner.id for o in owners] == ["group:default/payments"]
    assert not reader.read_store
    facts = await reader.scorecard_facts(SYNCED)
    assert reader.read_store and facts == await CatalogReader(store).scorecard_facts(SYNCED)

    held.release.set()
    whole = await build
    assert whole.complete and list(whole.parts) == [kind for kind in PARTS if not is_transient(kind)] and len(published) == 1
    assert (whole.generation, whole.built_at, whole.first_seconds) == (first.generation, first.built_at, first.first_seconds)
    assert all(whole.parts[kind] is first.parts[kind] for kind in kept)
    assert whole.build_seconds >= first.build_seconds
    reader = SnapshotReader(store, whole)
    assert await reader.scorecard_facts(SYNCED) == facts and not reader.read_store


async def test_the_holder_answers_from_the_first_stage_and_builds_again_when_the_rest_failed(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await shop().sync(store)
    await advance_generation(store, SYNCED)
    held = _Held(monkeypatch)
    holder = SnapshotHolder(store, poll_seconds=3600)
    refresh = asyncio.ensure_future(holder.refresh())
    await until(lambda: holder.current is not None)
    first = holder.current
    assert first is not None and not first.complete and not refresh.done()
    held.fail = True
    held.release.set()
    assert await refresh is False
    assert holder.current is first and holder.failures == 1
    # The generation did not move, but the snapshot lacks parts: the next poll builds it again.
    held.fail = False
    assert await holder.refresh() is True
    whole = holder.current
    assert whole is not None and whole.complete and whole.generation == first.generation and whole.built_at > first.built_at
    assert holder.failures == 0 and await holder.refresh() is False

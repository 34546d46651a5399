"""The demo organisation served by a real uvicorn on a local port, in the test's event loop (any store)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from catalog.api.app import create_app
from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
from catalog.runner import sync_sources
from catalog.settings import Settings
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings


async def load_demo_now(store: GraphStore, folder: Path, *, syncs: int = 1) -> None:
    """The demo's sources generated around the real current time (pages answer "on call now"), synced ``syncs`` times."""
    config = load_config(write_live_sources(demo_root(), folder, datetime.now(UTC)))
    for _ in range(syncs):
        outcomes = await sync_sources(store, config, now=iso(datetime.now(UTC)))
        assert [o.error for o in outcomes if o.failed] == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serving(store: GraphStore, settings: Settings | None = None) -> AsyncIterator[str]:
    """The catalog app over ``store`` (with ``settings``; default: the API's, console on) on a free local port; yields its base URL."""
    app = create_app(settings or api_settings(graphiql=True), store=store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await task

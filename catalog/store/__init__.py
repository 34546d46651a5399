"""The graph stores behind one interface, and the factory that picks one from settings."""

from __future__ import annotations

from catalog.settings import Settings
from catalog.store.base import GraphStore, QueryTimeout, Row, StoreError, StoreTimeout, StoreTimeouts, StoreUnavailable

__all__ = [
    "GraphStore",
    "QueryTimeout",
    "Row",
    "StoreError",
    "StoreTimeout",
    "StoreTimeouts",
    "StoreUnavailable",
    "open_store",
    "store_timeouts",
]


def store_timeouts(settings: Settings) -> StoreTimeouts:
    """The limits on waiting for the store, from the ``CATALOG_*`` settings."""
    return StoreTimeouts(
        query=settings.query_timeout,
        connection=settings.neo4j_connection_timeout,
        acquisition=settings.neo4j_connection_acquisition_timeout,
        retry=settings.neo4j_max_transaction_retry_time,
    )


async def open_store(settings: Settings) -> GraphStore:
    """Open, connect and prepare the store the settings name; the caller closes it."""
    store: GraphStore
    if settings.uses_neo4j:
        from catalog.store.neo4j_store import Neo4jStore

        assert settings.neo4j_uri is not None
        neo = Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value() if settings.neo4j_password else None,
            database=settings.neo4j_database,
            timeouts=store_timeouts(settings),
        )
        try:
            await neo.connect()
        except BaseException:
            await neo.close()
            raise
        store = neo
    else:
        from catalog.store.embedded import EmbeddedStore

        store = EmbeddedStore(
            settings.resolved_embedded_path, timeouts=store_timeouts(settings), buffer_pool_mb=settings.embedded_buffer_pool_mb
        )
    try:
        await store.ensure_schema()
    except BaseException:
        await store.close()
        raise
    return store

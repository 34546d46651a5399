"""Health endpoints for orchestrators: liveness at ``/healthz``, readiness at ``/readyz``.

- ``/healthz`` says the process is up and its event loop answers. It never asks the store, so
  a stalled database cannot make a liveness probe fail and get a healthy server restarted.
- ``/readyz`` asks the store one trivial query within ``CATALOG_READINESS_TIMEOUT`` (2 s by
  default, much shorter than a query's limit) and answers 503 when it does not answer, so a
  load balancer stops sending traffic to a server whose store is away.

Both answers are public: they say nothing about where the store is or what versions run (the
reason for a 503 is generic; the server log has the detail).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from catalog.settings import Settings
from catalog.store.base import GraphStore, StoreError, StoreTimeout

log = logging.getLogger(__name__)

_NO_CACHE = {"Cache-Control": "no-store"}


def health_routes(current_store: Callable[[], GraphStore | None], settings: Settings) -> list[Route]:
    """``/healthz`` and ``/readyz``; ``current_store`` gives the store the app serves from, None before it is open."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers=_NO_CACHE)

    async def readyz(request: Request) -> JSONResponse:
        store = current_store()
        if store is None:
            return _not_ready("the store is not open yet")
        try:
            await store.ping(settings.readiness_timeout)
        except StoreTimeout as exc:
            log.warning("readiness: %s", exc)
            return _not_ready(f"the store did not answer within {settings.readiness_timeout:g} s")
        except StoreError as exc:
            log.warning("readiness: %s", str(exc).splitlines()[0])
            return _not_ready("the store is unreachable or failing")
        return JSONResponse({"status": "ready"}, headers=_NO_CACHE)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


def _not_ready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers={**_NO_CACHE, "Retry-After": "5"})

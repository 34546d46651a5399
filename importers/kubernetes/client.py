"""The live API: list workloads and Services through ``importers.http.ApiClient``.

Every list is paginated the Kubernetes way: ``?limit=N``, then ``?limit=N&continue=<token>``
with the token from the previous page's ``metadata.continue``, until a page has none. A token
that expired while paging (HTTP 410 Gone) restarts that list once from the beginning, as the
API documentation advises. Retries, backoff and ``Retry-After`` are ``ApiClient``'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from importers.http import ApiClient, ApiError, RetryPolicy
from importers.kubernetes.kubeconfig import KubeTarget, auth_headers, ssl_context


@dataclass(frozen=True)
class Endpoint:
    kind: str
    group_version: str
    resource: str

    def path(self, namespace: str | None = None) -> str:
        prefix = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        return f"{prefix}/namespaces/{namespace}/{self.resource}" if namespace else f"{prefix}/{self.resource}"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("Deployment", "apps/v1", "deployments"),
    Endpoint("StatefulSet", "apps/v1", "statefulsets"),
    Endpoint("DaemonSet", "apps/v1", "daemonsets"),
    Endpoint("CronJob", "batch/v1", "cronjobs"),
    Endpoint("Job", "batch/v1", "jobs"),
    Endpoint("Service", "v1", "services"),
)


def open_api(
    target: KubeTarget,
    source: str,
    *,
    token: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> ApiClient:
    """An ``ApiClient`` for ``target``'s server with its trust and credentials (raises ``KubeconfigError``)."""
    headers = {"Accept": "application/json", "User-Agent": "ownership-catalog"}
    headers.update(auth_headers(target, token))
    verify: Any = ssl_context(target) if target.server.startswith("https://") else True
    return ApiClient(source, target.server, headers=headers, timeout=timeout, retry=retry, verify=verify, sleep=sleep)


async def list_all(api: ApiClient, endpoint: Endpoint, path: str, page_size: int) -> list[Any]:
    """Every item of the list at ``path``, following ``metadata.continue``; raises ``ApiError``."""
    restarted = False
    items: list[Any] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {"limit": page_size}
        if token:
            params["continue"] = token
        try:
            body, _ = await api.get_json(path, params)
        except ApiError as exc:
            if exc.status == 410 and token and not restarted:
                restarted, items, token, seen = True, [], None, set()
                continue
            raise
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            got = f"kind {body.get('kind')!r} without an items list" if isinstance(body, dict) else f"a JSON {type(body).__name__}"
            raise ApiError(
                f"{api.source}: GET {path} returned {got}, not a {endpoint.kind}List; check the server is a Kubernetes API server",
                status=200,
            )
        items.extend(body["items"])
        meta = body.get("metadata")
        token = meta.get("continue") if isinstance(meta, dict) else None
        if not token or not isinstance(token, str):
            return items
        if token in seen:
            raise ApiError(f"{api.source}: GET {path} returned the same continue token twice; the listing would never end", status=200)
        seen.add(token)


__all__ = ["ENDPOINTS", "Endpoint", "list_all", "open_api"]

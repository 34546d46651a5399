"""The Kubernetes importer as a configured source: ``type: kubernetes`` in ``catalog.yaml``.

Two ways to read one cluster, exactly one per source:

- live, through a kubeconfig (``kubeconfig`` and optionally ``context``): lists
  ``/apis/apps/v1/{deployments,statefulsets,daemonsets}``, ``/apis/batch/v1/{cronjobs,jobs}``
  and ``/api/v1/services`` across all namespaces, or per namespace under
  ``.../namespaces/<ns>/...`` when ``namespaces`` is set; the credentials need ``list`` on
  those resources (a read-only ClusterRole);
- offline, from ``kubectl get ... -o yaml|json`` exports (``files``: files or folders), e.g.
  ``kubectl get deployments,statefulsets,daemonsets,cronjobs,jobs,services -A -o yaml > prod-eu.yaml``.

Example::

    - type: kubernetes
      cluster: prod-eu
      platform: k8s-standard          # → platform:default/k8s-standard
      kubeconfig: ~/.kube/prod-eu.yaml
      context: prod-eu-readonly
      token_env: PROD_EU_TOKEN        # optional: overrides the kubeconfig user's credentials

The source instance is ``kubernetes:<cluster>``: a sync retires only what this cluster no
longer shows. A list endpoint that fails makes the read incomplete (nothing is retired); an
export file that fails to parse keeps what it said before. When nothing at all can be read,
or the kubeconfig does not work (no such file or context, connection refused, HTTP 401), the
source fails with a ``SourceError`` naming the file, context, server and the fix.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.core.identity import IdentityIndex
from catalog.core.records import Finding, ImportBatch
from catalog.core.refs import InvalidReference, parse_ref, platform_key
from importers.base import SourceError
from importers.http import ApiError, RetryPolicy
from importers.kubernetes.client import ENDPOINTS, list_all, open_api
from importers.kubernetes.files import DEFAULT_MAX_FILE_BYTES, read_exports
from importers.kubernetes.kubeconfig import EXPORT_FIX, KubeconfigError, KubeTarget, load_kubeconfig
from importers.kubernetes.objects import RawObject
from importers.kubernetes.translate import (
    DEFAULT_EXCLUDE_NAMESPACES,
    DEFAULT_OWNER_KEYS,
    DEFAULT_SERVICE_KEYS,
    Settings,
    translate,
)

SOURCE = "kubernetes"
_NAME = r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$"

log = logging.getLogger(__name__)


READING_NOTES: tuple[str, ...] = (
    "A workload that matches no catalog service runs a *discovered* service `component:discovered/<name>` (see "
    "`discover_services`), so its owners (from `owner_keys`, as this source's evidence), platform (`platform`) and the "
    "calls found in environment variables and Service ports answer from the cluster alone; `discovered-service` findings "
    "list them for someone to claim. When a descriptor declares the service, the declared one takes its place, the "
    "discovered one is retired with its interval, and `CLAIMED_AS` links the two.",
    "When two files (or two list entries) hold the same object, the copy with the newest `metadata.resourceVersion` "
    "(compared as a number) wins, then the highest `metadata.generation`, then the copy whose content hash sorts first; "
    "file names and read order never decide. The `duplicate-object` finding names every file and the rule that chose.",
)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["kubernetes"]
    cluster: str = Field(
        pattern=_NAME, description="Cluster name; the source instance is `kubernetes:<cluster>` and workload keys start with it."
    )
    platform: str | None = Field(
        None,
        description="The platform this cluster is: a platform name (`k8s-standard` → `platform:default/k8s-standard`) or reference "
        "(`platform:ns/name`, `resource:ns/name`). Every workload and its service then runs on it. It must be declared elsewhere "
        "(catalog.yaml `platforms` or a Backstage Resource of type platform); otherwise each RUNS_ON becomes a finding.",
    )
    files: list[Path] = Field(
        default_factory=list,
        description="Offline: `kubectl get -o yaml|json` exports, files or folders (walked for *.yaml, *.yml, *.json), "
        "relative to catalog.yaml. Exclusive with `kubeconfig`.",
    )
    kubeconfig: Path | None = Field(None, description="Live: the kubeconfig file to connect with (`~` allowed). Exclusive with `files`.")
    context: str | None = Field(None, description="Live: the kubeconfig context; default its current-context.")
    token_env: str | None = Field(
        None,
        description="Live: environment variable holding a bearer token that replaces the kubeconfig user's credentials "
        "(use it when the user entry relies on an exec or auth-provider plugin, which the catalog does not run).",
    )
    namespaces: list[str] | None = Field(
        None, min_length=1, description="Namespaces to read (live: listed one by one); default all namespaces the credentials can list."
    )
    exclude_namespaces: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE_NAMESPACES), description="Namespaces to leave out, even when listed."
    )
    owner_keys: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OWNER_KEYS),
        description="Label/annotation keys naming the owning team, in order of preference; labels are read first, then pod "
        "labels, then annotations. The value is a team name or a reference (`group:ns/name`). `app.kubernetes.io/part-of` "
        "names an application or system, not a team: add it only if your clusters use it for teams.",
    )
    service_keys: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SERVICE_KEYS),
        description="Label keys naming the catalog service a workload runs, in order of preference (workload labels, then "
        "pod labels); default the workload's own name. `ownership-catalog.io/service` is taken as declared, the others as inferred.",
    )
    discover_services: bool = Field(
        True,
        description="A workload that matches no catalog service runs a *discovered* service (`component:discovered/<name>`, "
        "marked `discovered`), so that its owners (from `owner_keys`), platform and dependencies answer from the cluster alone; "
        "a `discovered-service` finding asks someone to claim it. When a descriptor declares the service, it takes its place. "
        "False: such workloads are recorded without a service (an `unmatched-workload` finding).",
    )
    cluster_domain: str = Field("cluster.local", description="The cluster's DNS domain, for `<svc>.<ns>.svc.<domain>` names.")
    page_size: int = Field(500, ge=1, le=10000, description="Live: items per list page (`limit`).")
    timeout: float = Field(30.0, gt=0, description="Live: seconds per request.")
    max_retries: int = Field(5, ge=0, le=10, description="Live: retries of a failed request (429, 5xx, connection errors).")
    max_file_bytes: int = Field(DEFAULT_MAX_FILE_BYTES, ge=1024, description="Offline: larger export files are reported, not read.")
    instance: str | None = Field(None, description="Source instance name; default `kubernetes:<cluster>`.")

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str | None) -> str | None:
        if value is None:
            return None
        platform_ref(value)
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> Config:
        if bool(self.files) == (self.kubeconfig is not None):
            raise ValueError("set exactly one of `files` (offline exports) and `kubeconfig` (live API)")
        if self.kubeconfig is None and (self.context or self.token_env):
            raise ValueError("`context` and `token_env` apply to `kubeconfig` only")
        return self


def platform_ref(value: str) -> str:
    """The platform key for ``value``: a name, ``ns/name``, ``platform:ns/name`` or ``resource:ns/name``."""
    try:
        ref = parse_ref(value, default_kind="platform")
    except InvalidReference as exc:
        raise ValueError(f"platform {value!r} is not a platform name or reference ({exc})") from exc
    if ref.kind not in ("platform", "resource"):
        raise ValueError(f"platform {value!r} names a {ref.kind}; write a platform name or platform:<namespace>/<name>")
    return platform_key(ref.namespace, ref.name)


class KubernetesSource:
    name = SOURCE

    def __init__(
        self,
        config: Config,
        base_dir: Path,
        *,
        sleep: Callable[[float], Any] = asyncio.sleep,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.base_dir = base_dir
        self.instance = config.instance or f"{SOURCE}:{config.cluster}"
        self.files = [p.expanduser() if p.expanduser().is_absolute() else base_dir / p.expanduser() for p in config.files]
        kubeconfig = config.kubeconfig.expanduser() if config.kubeconfig else None
        self.kubeconfig = kubeconfig if kubeconfig is None or kubeconfig.is_absolute() else base_dir / kubeconfig
        self.settings = Settings(
            cluster=config.cluster,
            instance=self.instance,
            platform=platform_ref(config.platform) if config.platform else None,
            owner_keys=tuple(config.owner_keys),
            service_keys=tuple(config.service_keys),
            namespaces=frozenset(config.namespaces) if config.namespaces is not None else None,
            exclude_namespaces=frozenset(config.exclude_namespaces),
            cluster_domain=config.cluster_domain,
            discover=config.discover_services,
        )
        self._sleep = sleep
        self._environ = environ if environ is not None else os.environ

    async def read(self, index: IdentityIndex, *, now: datetime | None = None) -> ImportBatch:
        batch = ImportBatch(source=SOURCE, instance=self.instance)
        if self.kubeconfig is not None:
            objects = await self._read_live(batch)
        else:
            objects = await asyncio.to_thread(self._read_files, batch)
        translation = translate(objects, self.settings, index)
        batch.nodes = translation.nodes
        batch.rels = translation.rels
        batch.findings.extend(translation.findings)
        batch.failed_origins |= translation.failed_origins
        log.info(
            "%s: %d workloads, %d services, %d findings%s",
            self.instance,
            translation.workloads,
            translation.services,
            len(batch.findings),
            "" if batch.complete else " (incomplete read: nothing will be retired)",
        )
        return batch

    # -- offline ----------------------------------------------------------------------------

    def _read_files(self, batch: ImportBatch) -> list[RawObject]:
        read = read_exports(self.files, self.base_dir, self.instance, self.config.max_file_bytes)
        batch.findings.extend(read.findings)
        batch.failed_origins |= read.failed_origins
        if read.unreadable:
            # A file that could not be read may hold the Services that other files' workloads
            # depend through: what was derived from it is unknown, so nothing is retired.
            batch.complete = False
        if not read.files:
            raise SourceError(
                f"{self.instance}: no export files (*.yaml, *.yml, *.json) under {', '.join(str(p) for p in self.files)}; {EXPORT_FIX}"
            )
        if all(f in read.unreadable for f in read.files):
            problems = "; ".join(f.message for f in read.findings if f.file in read.unreadable)
            raise SourceError(f"{self.instance}: no export file could be read: {problems}")
        return read.objects

    # -- live -------------------------------------------------------------------------------

    def _target(self) -> tuple[KubeTarget, str | None]:
        assert self.kubeconfig is not None
        try:
            target = load_kubeconfig(self.kubeconfig, self.config.context)
        except KubeconfigError as exc:
            raise SourceError(f"{self.instance}: {exc}") from exc
        token = None
        if self.config.token_env:
            token = self._environ.get(self.config.token_env, "").strip()
            if not token:
                raise SourceError(
                    f"{self.instance}: environment variable {self.config.token_env} (token_env) is not set or empty; "
                    f"export it with a token for {target.server}"
                )
        return target, token

    async def _read_live(self, batch: ImportBatch) -> list[RawObject]:
        target, token = self._target()
        retry = RetryPolicy(max_retries=self.config.max_retries)
        try:
            api = open_api(target, self.instance, token=token, timeout=self.config.timeout, retry=retry, sleep=self._sleep)
        except KubeconfigError as exc:
            raise SourceError(f"{self.instance}: {exc}") from exc
        namespaces: list[str | None] = [ns for ns in (self.config.namespaces or []) if ns not in self.settings.exclude_namespaces] or [None]
        if self.config.namespaces is not None and namespaces == [None]:
            raise SourceError(f"{self.instance}: every namespace in `namespaces` is also in `exclude_namespaces`; nothing to read")
        objects: list[RawObject] = []
        failures: list[str] = []
        read = 0
        async with api:
            for endpoint in ENDPOINTS:
                for namespace in namespaces:
                    path = endpoint.path(namespace)
                    try:
                        items = await list_all(api, endpoint, path, self.config.page_size)
                    except ApiError as exc:
                        if exc.status == 401 or (exc.status is None and read == 0):
                            raise SourceError(self._unusable(target, path, exc)) from exc
                        failures.append(str(exc))
                        self._endpoint_failed(batch, endpoint.kind, endpoint.resource, path, exc)
                        continue
                    read += 1
                    for position, item in enumerate(items):
                        objects.append(RawObject(item, endpoint.kind, f"GET {path}#{_item_id(item, position)}", f"GET {path}"))
        if read == 0:
            raise SourceError(f"{self.instance}: no list could be read from {target.describe()}: " + " | ".join(failures))
        return objects

    def _endpoint_failed(self, batch: ImportBatch, kind: str, resource: str, path: str, exc: ApiError) -> None:
        batch.complete = False
        batch.failed_origins.add(f"GET {path}")
        batch.findings.append(
            Finding(
                "endpoint-failed",
                "error",
                f"{self.instance}: listing {kind}s failed, so the read is incomplete and nothing is retired: {exc}",
                fix=_endpoint_fix(exc, resource),
                subject=self.instance,
                reference=f"GET {path}",
            )
        )

    def _unusable(self, target: KubeTarget, path: str, exc: ApiError) -> str:
        if exc.status == 401:
            fix = (
                f"the credentials of user {target.user!r} were rejected (HTTP 401); refresh the token in the kubeconfig"
                + (f" or in ${self.config.token_env}" if self.config.token_env else " (or set token_env)")
                + f", {EXPORT_FIX}"
            )
        elif "CERTIFICATE" in str(exc).upper():
            fix = "the server's certificate is not trusted; set certificate-authority(-data) for the cluster in the kubeconfig"
        else:
            fix = f"check the server address and that the cluster is reachable from here (VPN, firewall), {EXPORT_FIX}"
        return f"{self.instance}: cannot use {target.describe()}: GET {path} failed ({exc}); {fix}"


def _endpoint_fix(exc: ApiError, resource: str) -> str:
    if exc.status == 403:
        return f"grant the catalog's credentials `list` on {resource} (a read-only ClusterRole), or leave this cluster's {resource} out"
    if exc.status == 404:
        return f"the API server does not serve {resource} at this path (an old Kubernetes version?); upgrade or export with kubectl"
    return "re-run the sync; if it keeps failing, check the API server's health"


def _item_id(item: Any, position: int) -> str:
    meta = item.get("metadata") if isinstance(item, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("name"), str):
        namespace = meta.get("namespace")
        return f"{namespace}/{meta['name']}" if isinstance(namespace, str) else meta["name"]
    return str(position)


def open_source(config: Config, base_dir: Path) -> KubernetesSource:
    return KubernetesSource(config, base_dir)


__all__ = ["SOURCE", "Config", "KubernetesSource", "open_source", "platform_ref"]

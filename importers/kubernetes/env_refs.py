"""Service-to-service calls hidden in container environment variables. Pure; no I/O.

A container finds the services it calls through environment variables whose values address
an in-cluster Service. Only values that parse as one of these forms count:

- ``name:port`` and ``name.namespace:port``;
- ``name.namespace.svc`` and ``name.namespace.svc.<cluster domain>``, with or without ``:port``;
- ``pod.name.namespace.svc[.<cluster domain>][:port]`` (a StatefulSet pod behind a headless Service);
- a URL ``scheme://[user@]host[:port][/path]`` with any of the hosts above (also ``jdbc:postgresql://``);
- a comma-separated list of any of these (Kafka brokers, Redis sentinels).

A bare word (``info``, ``true``, ``postgres``) or a dotted name without a port (``app.yaml``,
``log.level``) is never taken for a Service: it is neither an unmistakably in-cluster name nor
an address with a port. Whether a candidate is a dependency is then decided against the
Service objects actually read: the name must be a Service in the namespace (the workload's own
for a bare name) and the port one of its ``spec.ports[].port``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

# DNS-1035 label: what a Service name must be. Namespaces are DNS-1123 labels (may start with a digit).
_SERVICE_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

_URL = re.compile(
    r"^(?P<scheme>[a-z][a-z0-9+.\-]*(?::[a-z][a-z0-9+.\-]*)*)://"  # http://, jdbc:postgresql://
    r"(?:[^@/?#\s]*@)?"  # user:password@ (never kept)
    r"(?P<host>[^:/?#\s\[\]@]+)"
    r"(?::(?P<port>\d{1,5}))?"
    r"(?P<rest>[/?#]\S*)?$",
    re.IGNORECASE,
)
_HOST_PORT = re.compile(r"^(?P<host>[a-z0-9][a-z0-9.\-]*)(?::(?P<port>\d{1,5}))?$", re.IGNORECASE)

DEFAULT_PORTS: dict[str, int] = {
    "http": 80,
    "ws": 80,
    "https": 443,
    "wss": 443,
}
"""Port a URL without one goes to, by scheme. Other schemes (and bare addresses) need the
Service to expose exactly one port."""


@dataclass(frozen=True)
class Reference:
    """One Service a value may address."""

    service: str
    namespace: str | None
    """None: the workload's own namespace (the value named the Service alone)."""
    port: int | None
    """None: the value gave no port (a URL or an ``.svc`` name)."""
    scheme: str | None
    """Lower-cased URL scheme, innermost part (``jdbc:postgresql`` → ``postgresql``); None for a bare address."""
    in_cluster: bool
    """True when the name is unmistakably in-cluster (ends in ``.svc`` or ``.svc.<domain>``), so a
    Service that does not exist is worth reporting; a ``name:port`` may just as well be external."""

    def display(self, namespace: str) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.namespace or namespace}/{self.service}{port}"


def references(value: str, cluster_domain: str = "cluster.local") -> list[Reference]:
    """Every in-cluster Service address in ``value``, in order; empty for anything else."""
    if not isinstance(value, str) or "$(" in value:
        return []
    found: list[Reference] = []
    for part in value.split(","):
        ref = _reference(part.strip(), cluster_domain.strip(".").lower())
        if ref is not None and ref not in found:
            found.append(ref)
    return found


def _reference(text: str, domain: str) -> Reference | None:
    if not text or len(text) > 2048:
        return None
    url = _URL.match(text)
    if url is not None:
        scheme = url.group("scheme").lower().rsplit(":", 1)[-1]
        port = _port(url.group("port"))
        if url.group("port") is not None and port is None:
            return None
        return _service(url.group("host"), port, scheme, domain, needs_port=False)
    plain = _HOST_PORT.match(text)
    if plain is None:
        return None
    port = _port(plain.group("port"))
    if plain.group("port") is not None and port is None:
        return None
    return _service(plain.group("host"), port, None, domain, needs_port=True)


def _port(text: str | None) -> int | None:
    if text is None:
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def _service(host: str, port: int | None, scheme: str | None, domain: str, *, needs_port: bool) -> Reference | None:
    labels = host.lower().rstrip(".").split(".")
    suffix = ["svc", *domain.split(".")] if domain else ["svc"]
    if len(labels) > len(suffix) and labels[-len(suffix) :] == suffix:
        core, in_cluster = labels[: -len(suffix)], True
    elif len(labels) > 1 and labels[-1] == "svc":
        core, in_cluster = labels[:-1], True
    else:
        core, in_cluster = labels, False
    if not in_cluster and needs_port and port is None:
        return None
    if len(core) == 1 and not in_cluster:
        name, namespace = core[0], None
    elif len(core) == 2:
        name, namespace = core
    elif len(core) == 3 and in_cluster:
        # <pod>.<service>.<namespace>.svc: a pod of a StatefulSet behind a headless Service.
        name, namespace = core[1], core[2]
    else:
        return None
    if not _SERVICE_NAME.match(name) or (namespace is not None and not _NAMESPACE.match(namespace)):
        return None
    return Reference(name, namespace, port, scheme, in_cluster)


def pick_port(ref: Reference, ports: Collection[int]) -> int | None:
    """The Service port ``ref`` reaches, or None when the Service does not expose it.

    Only ``spec.ports[].port`` counts: a target or container port in the value misses (the
    caller would get connection refused from the Service's virtual IP too).
    """
    if ref.port is not None:
        return ref.port if ref.port in ports else None
    default = DEFAULT_PORTS.get(ref.scheme or "")
    if default is not None and default in ports:
        return default
    unique = set(ports)
    return next(iter(unique)) if len(unique) == 1 else None


__all__ = ["DEFAULT_PORTS", "Reference", "pick_port", "references"]

"""Kubernetes objects as the importer needs them: checked, typed, with where they came from.

Live lists and offline exports both end up as ``RawObject`` (the object's JSON as the API
server returns it, plus its origin); ``parse_object`` turns one into a ``Workload`` or a
``KubeService`` and lists every field whose type is wrong. A wrong field is reported and
left out, the rest of the object is used (the API server would have refused the object, so
this only happens with hand-edited exports). Pure; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WORKLOAD_KINDS: tuple[str, ...] = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
SERVICE_KIND = "Service"
KINDS: tuple[str, ...] = (*WORKLOAD_KINDS, SERVICE_KIND)
_KIND_BY_LOWER = {k.lower(): k for k in KINDS}

# Fields that change on every rollout or run without the workload changing: left out of the
# stored labels and annotations so that an unchanged cluster syncs as unchanged. The
# last-applied configuration would also copy every environment value into the catalog.
VOLATILE_ANNOTATION_PREFIXES: tuple[str, ...] = ("kubectl.kubernetes.io/", "deployment.kubernetes.io/")
VOLATILE_POD_LABELS: frozenset[str] = frozenset(
    {"controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "pod-template-hash"}
)


@dataclass(frozen=True)
class RawObject:
    """One object as read, before checking."""

    body: Any
    kind: str | None
    """The kind the listing implies (the endpoint, or ``DeploymentList``); the object's own ``kind`` wins."""
    origin: str
    """``GET /apis/apps/v1/deployments#shop/checkout`` or ``exports/prod.yaml#L12`` / ``exports/prod.json#3``."""
    where: str
    """For messages: ``GET /apis/apps/v1/deployments`` or ``exports/prod.yaml line 12``."""
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class EnvValue:
    container: str
    name: str
    value: str


@dataclass
class Workload:
    kind: str
    namespace: str
    name: str
    raw: RawObject
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    replicas: int | None = None
    env: list[EnvValue] = field(default_factory=list)
    owner_kinds: list[str] = field(default_factory=list)
    """Kinds in ``metadata.ownerReferences`` (a Job a CronJob created says ``CronJob``)."""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class KubeService:
    namespace: str
    name: str
    raw: RawObject
    selector: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    type: str | None = None


@dataclass
class Parsed:
    obj: Workload | KubeService | None
    problems: list[str] = field(default_factory=list)
    """Fields with the wrong type, as ``spec.template.spec.containers is a str, not a list``."""
    skipped: str | None = None
    """Why the object is not used at all (no name, a kind the importer does not read)."""


def kind_of(raw: RawObject) -> str | None:
    body = raw.body
    kind = body.get("kind") if isinstance(body, dict) else None
    kind = kind if isinstance(kind, str) and kind else raw.kind
    return _KIND_BY_LOWER.get(kind.lower()) if kind else None


def parse_object(raw: RawObject) -> Parsed:
    body = raw.body
    if not isinstance(body, dict):
        return Parsed(None, skipped=f"is a {_type(body)}, not an object")
    kind = kind_of(raw)
    if kind is None:
        return Parsed(None, skipped="unsupported kind")
    problems: list[str] = []
    meta = _mapping(body, "metadata", "metadata", problems)
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        return Parsed(None, problems, skipped="has no metadata.name")
    namespace = meta.get("namespace", "default")
    if not isinstance(namespace, str) or not namespace.strip():
        problems.append(f"metadata.namespace is {_describe(namespace)}, not a name; read as `default`")
        namespace = "default"
    labels = _strings(meta, "labels", "metadata.labels", problems)
    annotations = _strings(meta, "annotations", "metadata.annotations", problems)
    spec = _mapping(body, "spec", "spec", problems)
    if kind == SERVICE_KIND:
        return Parsed(_service(namespace, name, raw, spec, problems), problems)

    prefix = "spec"
    template_parent = spec
    if kind == "CronJob":
        job_template = _mapping(spec, "jobTemplate", "spec.jobTemplate", problems)
        template_parent = _mapping(job_template, "spec", "spec.jobTemplate.spec", problems)
        prefix = "spec.jobTemplate.spec"
    template = _mapping(template_parent, "template", f"{prefix}.template", problems)
    pod_meta = _mapping(template, "metadata", f"{prefix}.template.metadata", problems)
    pod_labels = _strings(pod_meta, "labels", f"{prefix}.template.metadata.labels", problems)
    pod_spec = _mapping(template, "spec", f"{prefix}.template.spec", problems)
    images: list[str] = []
    env: list[EnvValue] = []
    for section in ("containers", "initContainers"):
        for index, container in enumerate(_list(pod_spec, section, f"{prefix}.template.spec.{section}", problems)):
            where = f"{prefix}.template.spec.{section}[{index}]"
            if not isinstance(container, dict):
                problems.append(f"{where} is {_describe(container)}, not a container")
                continue
            named = container.get("name")
            container_name = named if isinstance(named, str) else f"{section}[{index}]"
            image = container.get("image")
            if isinstance(image, str) and image.strip():
                if image.strip() not in images:
                    images.append(image.strip())
            elif image is not None:
                problems.append(f"{where}.image is {_describe(image)}, not an image name")
            for env_index, item in enumerate(_list(container, "env", f"{where}.env", problems)):
                var = item.get("name") if isinstance(item, dict) else None
                if not isinstance(var, str):
                    problems.append(f"{where}.env[{env_index}] has no name")
                    continue
                value = item.get("value")
                if value is None:
                    continue  # valueFrom (secrets, config maps, fields) is not read
                if not isinstance(value, str):
                    problems.append(f"{where}.env[{env_index}] ({var}) value is {_describe(value)}, not a string")
                    continue
                env.append(EnvValue(container_name, var, value))
    replicas = spec.get("replicas") if kind in ("Deployment", "StatefulSet") else None
    if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool)):
        problems.append(f"spec.replicas is {_describe(replicas)}, not a number")
        replicas = None
    if replicas is None and kind in ("Deployment", "StatefulSet") and "replicas" not in spec:
        replicas = 1  # the API server's default
    owner_kinds = [
        ref["kind"]
        for ref in _list(meta, "ownerReferences", "metadata.ownerReferences", problems)
        if isinstance(ref, dict) and isinstance(ref.get("kind"), str)
    ]
    workload = Workload(
        kind=kind,
        namespace=namespace.strip(),
        name=name.strip(),
        raw=raw,
        labels=labels,
        annotations={k: v for k, v in annotations.items() if not k.startswith(VOLATILE_ANNOTATION_PREFIXES)},
        pod_labels={k: v for k, v in pod_labels.items() if k not in VOLATILE_POD_LABELS},
        images=images,
        replicas=replicas,
        env=env,
        owner_kinds=owner_kinds,
    )
    return Parsed(workload, problems)


def _service(namespace: str, name: str, raw: RawObject, spec: dict[str, Any], problems: list[str]) -> KubeService:
    ports: list[int] = []
    for index, port in enumerate(_list(spec, "ports", "spec.ports", problems)):
        number = port.get("port") if isinstance(port, dict) else None
        if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 65536:
            if number not in ports:
                ports.append(number)
        else:
            problems.append(f"spec.ports[{index}].port is {_describe(number)}, not a port number")
    service_type = spec.get("type")
    return KubeService(
        namespace=namespace.strip(),
        name=name.strip(),
        raw=raw,
        selector=_strings(spec, "selector", "spec.selector", problems),
        ports=ports,
        type=service_type if isinstance(service_type, str) else None,
    )


def _mapping(parent: dict[str, Any], key: str, path: str, problems: list[str]) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{path} is {_describe(value)}, not a mapping")
        return {}
    return value


def _list(parent: dict[str, Any], key: str, path: str, problems: list[str]) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{path} is {_describe(value)}, not a list")
        return []
    return value


def _strings(parent: dict[str, Any], key: str, path: str, problems: list[str]) -> dict[str, str]:
    value = _mapping(parent, key, path, problems)
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(k, str) and isinstance(v, str):
            out[k] = v
        else:
            problems.append(f"{path}.{k} is {_describe(v)}, not a string")
    return out


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _describe(value: Any) -> str:
    return "missing" if value is None else f"a {_type(value)}"


__all__ = [
    "KINDS",
    "SERVICE_KIND",
    "WORKLOAD_KINDS",
    "EnvValue",
    "KubeService",
    "Parsed",
    "RawObject",
    "Workload",
    "kind_of",
    "parse_object",
]

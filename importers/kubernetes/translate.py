"""Workloads and Services of one cluster → Workload nodes, their services, owners, platform and calls.

Pure: objects in, records out, resolved against the ``IdentityIndex``.

- Every workload (Deployment, StatefulSet, DaemonSet, CronJob, Job; a Job a CronJob created is
  folded into its CronJob) is a ``Workload`` node ``workload:<cluster>/<namespace>/<kind>/<name>``.
- It runs a catalog service when the index resolves the name the workload gives itself: the
  first of ``service_keys`` present in its labels, then its pod labels, else its own name.
  ``INSTANCE_OF`` is ``declared`` when that name comes from ``ownership-catalog.io/service``,
  else ``inferred``. Only when the name matches nothing, or several services, does the
  workload identifier ``<namespace>/<name>`` decide: it is the same in every cluster and comes
  back from this source's own earlier matches, so it must not override the workload's labels.
  The service gains the identifiers ``workload <ns>/<name>`` and the in-cluster hostnames of
  every Service that selects the workload.
- Owner: the first of ``owner_keys`` found in the labels, then the pod labels, then the
  annotations names a team (by name, or by reference ``group:ns/name``). ``OWNS`` goes to the
  workload and its service, ``declared`` for ``ownership-catalog.io/owner``, else
  ``inferred``. A value that names no team is a finding; an owner is never invented.
- Platform: with ``platform`` set, the workload and its service run on it (``RUNS_ON``).
- Calls: environment values that address a Service (see ``env_refs``) on a port it exposes
  become ``DEPENDS_ON`` from the workload to every workload the Service selects, and between
  their services when both resolved to different services.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.core.discovered import discovered_alias, discovered_finding, discovered_key, discovered_service
from catalog.core.identity import IdentityIndex, Match, Strength, identifier_records
from catalog.core.model import DEPENDS_ON, INSTANCE_OF, OWNS, PLATFORM, RUNS_ON, SERVICE, TEAM, WORKLOAD
from catalog.core.records import Finding, NodeRecord, RelRecord
from catalog.core.refs import InvalidReference, parse_ref
from importers.kubernetes.env_refs import Reference, pick_port, references
from importers.kubernetes.objects import WORKLOAD_KINDS, KubeService, RawObject, Workload, kind_of, parse_object

SERVICE_LABEL = "ownership-catalog.io/service"
OWNER_LABEL = "ownership-catalog.io/owner"
DEFAULT_OWNER_KEYS = [OWNER_LABEL, "team", "owner"]
DEFAULT_SERVICE_KEYS = [SERVICE_LABEL, "app.kubernetes.io/name", "app"]
DEFAULT_EXCLUDE_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"]
_APP_KEYS = ("app.kubernetes.io/name", "app")


@dataclass(frozen=True)
class Settings:
    cluster: str
    instance: str
    platform: str | None = None
    """Platform key (``platform:default/k8s-standard``) the cluster's workloads run on."""
    owner_keys: Sequence[str] = tuple(DEFAULT_OWNER_KEYS)
    service_keys: Sequence[str] = tuple(DEFAULT_SERVICE_KEYS)
    namespaces: frozenset[str] | None = None
    """Namespaces to read; None: all."""
    exclude_namespaces: frozenset[str] = frozenset(DEFAULT_EXCLUDE_NAMESPACES)
    cluster_domain: str = "cluster.local"
    discover: bool = True
    """A workload that matches no catalog service runs a discovered one (``catalog.core.discovered``)."""


@dataclass
class Translation:
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failed_origins: set[str] = field(default_factory=set)
    workloads: int = 0
    services: int = 0


@dataclass(frozen=True)
class _Resolved:
    service: str
    strength: Strength


def workload_key(cluster: str, namespace: str, kind: str, name: str) -> str:
    return f"workload:{cluster}/{namespace}/{kind}/{name}".lower()


def translate(objects: Sequence[RawObject], settings: Settings, index: IdentityIndex) -> Translation:
    return _Translator(settings, index).run(objects)


class _Translator:
    def __init__(self, settings: Settings, index: IdentityIndex) -> None:
        self.s = settings
        self.index = index
        self.out = Translation()
        self._nodes: dict[tuple[str, str], NodeRecord] = {}
        self._rels: dict[tuple[str, str, str], RelRecord] = {}
        self._findings: dict[str, Finding] = {}
        self._namespaces: set[str] = set()

    # -- records ----------------------------------------------------------------------------

    def node(self, record: NodeRecord) -> None:
        self._nodes.setdefault((record.label, record.id), record)

    def rel(self, record: RelRecord) -> None:
        self._rels.setdefault((record.type, record.src_id, record.dst_id), record)

    def finding(self, kind: str, severity: Any, message: str, fix: str, raw: RawObject | None = None, **extra: Any) -> None:
        found = Finding(
            kind,
            severity,
            f"{self.s.instance}: {message}",
            fix=fix,
            file=raw.file if raw else None,
            line=raw.line if raw else None,
            **extra,
        )
        self._findings.setdefault(found.id, found)

    # -- the run ----------------------------------------------------------------------------

    def run(self, objects: Sequence[RawObject]) -> Translation:
        workloads, services = self._check(objects)
        self.out.workloads, self.out.services = len(workloads), len(services)
        # Namespaces this read saw: a missing Service is only worth reporting in one of them.
        self._namespaces = {ns for ns, _ in services} | {w.namespace.lower() for w in workloads}
        resolved: dict[str, _Resolved] = {}
        for w in workloads:
            match = self._workload(w)
            if match is not None:
                resolved[self._key(w)] = match
        selected = self._selections(workloads, services, resolved)
        for w in workloads:
            self._calls(w, services, selected, resolved)
        self._unowned_summary(workloads)
        self.out.nodes = list(self._nodes.values())
        self.out.rels = list(self._rels.values())
        self.out.findings = list(self._findings.values())
        return self.out

    def _in_scope(self, namespace: str) -> bool:
        if namespace in self.s.exclude_namespaces:
            return False
        return self.s.namespaces is None or namespace in self.s.namespaces

    def _check(self, objects: Sequence[RawObject]) -> tuple[list[Workload], dict[tuple[str, str], KubeService]]:
        """Parse, drop what is out of scope, report bad and duplicate objects, fold CronJob runs."""
        copies: dict[tuple[str, str, str], list[Workload | KubeService]] = defaultdict(list)
        for raw in objects:
            if kind_of(raw) is None and isinstance(raw.body, dict):
                continue  # Pods, ReplicaSets, ConfigMaps, ...: not read
            parsed = parse_object(raw)
            if parsed.obj is None:
                self.out.failed_origins.add(raw.origin)
                self.finding(
                    "invalid-object",
                    "error",
                    f"an object in {raw.where} {parsed.skipped}; it is skipped",
                    "re-export it with kubectl get -o yaml (the API server would not hold such an object)",
                    raw,
                )
                continue
            obj = parsed.obj
            kind = obj.kind if isinstance(obj, Workload) else "Service"
            if not self._in_scope(obj.namespace):
                continue
            if parsed.problems:
                self.out.failed_origins.add(raw.origin)
                self.finding(
                    "invalid-object",
                    "warning",
                    f"{kind} {obj.namespace}/{obj.name}{self._at(raw)}: {'; '.join(parsed.problems)}; those fields are ignored",
                    "correct the object (the API server would refuse it), or re-export it with kubectl get -o yaml",
                    raw,
                    subject=workload_key(self.s.cluster, obj.namespace, kind, obj.name) if isinstance(obj, Workload) else None,
                )
            copies[(kind, obj.namespace.lower(), obj.name.lower())].append(obj)
        workloads: dict[tuple[str, str, str], Workload] = {}
        services: dict[tuple[str, str], KubeService] = {}
        for ident, found in copies.items():
            obj = self._newest(ident[0], found)
            if isinstance(obj, Workload):
                if obj.kind == "Job" and "CronJob" in obj.owner_kinds:
                    continue  # a run of a CronJob: the CronJob is the workload
                workloads[ident] = obj
            else:
                services[ident[1:]] = obj
        order = {kind: i for i, kind in enumerate(WORKLOAD_KINDS)}
        ordered = sorted(workloads.values(), key=lambda w: (w.namespace, order[w.kind], w.name))
        return ordered, dict(sorted(services.items()))

    def _newest(self, kind: str, found: list[Workload | KubeService]) -> Workload | KubeService:
        """Of several copies of one object, the one ``duplicate_rank`` puts first, whatever order the files were read in."""
        if len(found) == 1:
            return found[0]
        ranked = sorted(found, key=lambda o: duplicate_rank(o.raw))
        chosen, runner_up = ranked[0], ranked[1]
        (version, generation), (other_version, other_generation) = _version(chosen.raw), _version(runner_up.raw)
        if version != other_version:
            rule = f"it has the newest resourceVersion, {version}"
        elif generation != other_generation:
            rule = f"it has the highest generation, {generation}"
        else:
            rule = "no copy is newer by resourceVersion or generation, so the one whose content hash sorts first"
        self.finding(
            "duplicate-object",
            "warning",
            f"{kind} {chosen.namespace}/{chosen.name} appears {len(found)} times: in {', '.join(sorted(o.raw.where for o in found))}; "
            f"the copy in {chosen.raw.where} is used ({rule})",
            "export each object once (one kubectl get per cluster, or separate sources per cluster)",
            chosen.raw,
            reference=f"{kind}/{chosen.namespace}/{chosen.name}",
        )
        return chosen

    @staticmethod
    def _at(raw: RawObject) -> str:
        """Where an object came from, for a message: the endpoint (a file is in the finding's own fields)."""
        return "" if raw.file else f" ({raw.where})"

    def _key(self, w: Workload) -> str:
        return workload_key(self.s.cluster, w.namespace, w.kind, w.name)

    def _where(self, w: Workload) -> str:
        return f"{self.s.cluster}/{w.namespace}/{w.kind}/{w.name}"

    # -- one workload -----------------------------------------------------------------------

    def _workload(self, w: Workload) -> _Resolved | None:
        key = self._key(w)
        app = next((labels[k] for k in _APP_KEYS for labels in (w.labels, w.pod_labels) if labels.get(k, "").strip()), w.name)
        props = {
            "cluster": self.s.cluster,
            "namespace": w.namespace,
            "kind": w.kind,
            "name": w.name,
            "app": app.strip(),
            "labels": _json(w.labels),
            "annotations": _json(w.annotations),
            "pod_labels": _json(w.pod_labels),
            "images": w.images,
            "replicas": w.replicas,
        }
        self.node(NodeRecord(WORKLOAD.label, key, props, w.raw.origin))
        resolved = self._resolve(w, key)
        if self.s.platform:
            missing = Finding(
                "unknown-platform",
                "warning",
                f"{self.s.instance}: cluster {self.s.cluster} maps to platform {self.s.platform}, which no source declares; "
                "no RUNS_ON is recorded",
                fix="declare it in catalog.yaml platforms or in Backstage (a Resource with spec.type: platform), or correct `platform`",
                subject=self.s.instance,
                field="platform",
                reference=self.s.platform,
            )
            evidence = f"cluster {self.s.cluster} namespace {w.namespace} {w.kind}/{w.name}"
            self.rel(
                RelRecord(
                    RUNS_ON.type,
                    WORKLOAD.label,
                    key,
                    PLATFORM.label,
                    self.s.platform,
                    w.raw.origin,
                    {"evidence": evidence},
                    if_missing=missing,
                )
            )
            if resolved is not None:
                self.rel(
                    RelRecord(
                        RUNS_ON.type,
                        SERVICE.label,
                        resolved.service,
                        PLATFORM.label,
                        self.s.platform,
                        w.raw.origin,
                        {"evidence": evidence},
                        if_missing=missing,
                    )
                )
        self._owner(w, key, resolved)
        return resolved

    def _service_name(self, w: Workload) -> tuple[str, str | None]:
        for label in self.s.service_keys:
            for labels in (w.labels, w.pod_labels):
                value = labels.get(label, "").strip()
                if value:
                    return value, label
        return w.name, None

    def _resolve(self, w: Workload, key: str) -> _Resolved | None:
        name, label = self._service_name(w)
        said = f"label {label}={name}" if label else f"workload name {name}"
        match, ambiguous = self.index.service(name=name)
        strength: Strength = "declared" if label == SERVICE_LABEL else "inferred"
        evidence = f"{said} ({match.evidence})" if match and match.evidence.startswith("alias") else said
        if match is None and label != SERVICE_LABEL:
            # The workload identifier (``<namespace>/<name>``, the same in every cluster, and fed
            # back by this source's own INSTANCE_OF edges) only fills in when the name finds
            # nothing, or picks one of several services the name finds: it must not let another
            # cluster's match, or a stale one, override what the workload says about itself.
            by_id, _ = self.index.service(identifiers=[("workload", f"{w.namespace}/{w.name}")])
            if by_id is not None and (not ambiguous or by_id.key in ambiguous):
                match, ambiguous, evidence = by_id, [], f"workload identifier {w.namespace}/{w.name} ({said} matches no single service)"
        if match is None and not ambiguous and self.s.discover:
            match = Match(discovered_key(name), "inferred", f"discovered from {said}")
            evidence = f"{said} (no catalog service matches: discovered)"
        if match is not None and match.key == discovered_key(name):
            evidence = f"{said} (no catalog service matches: discovered)"  # the same words on every read
            # This source keeps stating the service it discovered, so it stays current while the workload runs.
            found = f"{self.s.instance} {w.kind} {w.namespace}/{w.name} ({said})"
            self.node(discovered_service(name, w.raw.origin, found))
            alias, names = discovered_alias(name, w.raw.origin, found)
            self.node(alias)
            self.rel(names)
            claim = f"declare a component named {name}, or label the workload {SERVICE_LABEL}=<component name>"
            discovered = discovered_finding(self.s.instance, name, found, claim, file=w.raw.file, line=w.raw.line)
            self._findings.setdefault(discovered.id, discovered)
        if match is None:
            subject = f"{w.kind} {w.namespace}/{w.name}{self._at(w.raw)}"
            looked = said if label == SERVICE_LABEL else f"{said} and the workload identifier {w.namespace}/{w.name}"
            if ambiguous:
                self.finding(
                    "ambiguous-workload",
                    "warning",
                    f"{subject}: {said} matches several catalog services ({', '.join(ambiguous)}); it is linked to none",
                    f"set the label {SERVICE_LABEL} to a name only one of them has (an alias works), or rename one of them",
                    w.raw,
                    subject=key,
                    reference=name,
                )
            else:
                self.finding(
                    "unmatched-workload",
                    "info",
                    f"{subject} matches no catalog service (looked for {looked}); the workload is recorded without a service",
                    f"set the label {SERVICE_LABEL}=<component name> on the workload, or declare a component named {name}",
                    w.raw,
                    subject=key,
                    reference=name,
                )
            return None
        self.rel(
            RelRecord(
                INSTANCE_OF.type, WORKLOAD.label, key, SERVICE.label, match.key, w.raw.origin, {"strength": strength, "evidence": evidence}
            )
        )
        resolved = _Resolved(match.key, strength)
        self._identifier(
            "workload", f"{w.namespace}/{w.name}", resolved, w.raw.origin, f"cluster {self.s.cluster}: {w.ref} runs it ({evidence})"
        )
        return resolved

    def _identifier(self, scheme: str, value: str, resolved: _Resolved, origin: str, evidence: str) -> None:
        node, rel = identifier_records(
            scheme, value, (SERVICE.label, resolved.service), origin, strength=resolved.strength, evidence=evidence
        )
        self.node(node)
        self.rel(rel)

    def _owner_value(self, w: Workload) -> tuple[str, str, str] | None:
        for where, values in (("label", w.labels), ("pod label", w.pod_labels), ("annotation", w.annotations)):
            for key in self.s.owner_keys:
                value = values.get(key, "").strip()
                if value:
                    return where, key, value
        return None

    def _owner(self, w: Workload, key: str, resolved: _Resolved | None) -> None:
        found = self._owner_value(w)
        if found is None:
            return
        where, label, value = found
        teams = _teams(self.index, value)
        field_path = {"label": "metadata.labels", "pod label": "spec.template.metadata.labels", "annotation": "metadata.annotations"}[where]
        if len(teams) != 1:
            if teams:
                self.finding(
                    "ambiguous-owner",
                    "warning",
                    f"{where} {label}={value} on {w.kind} {w.namespace}/{w.name}{self._at(w.raw)} matches several teams "
                    f"({', '.join(sorted(teams))}); no owner is recorded",
                    f"write the team's full reference, e.g. {label}: {sorted(teams)[0]} (as an annotation)",
                    w.raw,
                    subject=key,
                    field=f"{field_path}.{label}",
                    reference=value,
                )
            else:
                self.finding(
                    "unknown-owner",
                    "warning",
                    f"{where} {label}={value} on {w.kind} {w.namespace}/{w.name}{self._at(w.raw)} names no team in the catalog; "
                    "no owner is recorded",
                    f"declare a team named {value} (a Backstage Group), or correct the {where}",
                    w.raw,
                    subject=key,
                    field=f"{field_path}.{label}",
                    reference=value,
                )
            return
        team = next(iter(teams))
        props = {
            "strength": "declared" if label == OWNER_LABEL else "inferred",
            "evidence": f"{where} {label}={value} on {self._where(w)}",
        }
        self.rel(RelRecord(OWNS.type, TEAM.label, team, WORKLOAD.label, key, w.raw.origin, props))
        if resolved is not None:
            self.rel(RelRecord(OWNS.type, TEAM.label, team, SERVICE.label, resolved.service, w.raw.origin, props))

    # -- Services and calls -----------------------------------------------------------------

    def _selections(
        self, workloads: Sequence[Workload], services: dict[tuple[str, str], KubeService], resolved: dict[str, _Resolved]
    ) -> dict[tuple[str, str], list[Workload]]:
        """The workloads each Service selects (same namespace, selector ⊆ pod labels); hostnames for their services."""
        by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        for w in workloads:
            for k, v in w.pod_labels.items():
                by_label[(w.namespace.lower(), k, v)].append(w)
        selected: dict[tuple[str, str], list[Workload]] = {}
        for ident, svc in services.items():
            if not svc.selector:
                selected[ident] = []
                continue
            candidates = min((by_label.get((ident[0], k, v), []) for k, v in svc.selector.items()), key=len)
            chosen = [w for w in candidates if all(w.pod_labels.get(k) == v for k, v in svc.selector.items())]
            selected[ident] = chosen
            for w in chosen:
                match = resolved.get(self._key(w))
                if match is None:
                    continue
                evidence = f"Service {svc.namespace}/{svc.name} selects {w.ref} in cluster {self.s.cluster}"
                for host in self._hostnames(svc):
                    self._identifier("hostname", host, match, svc.raw.origin, evidence)
        return selected

    def _hostnames(self, svc: KubeService) -> list[str]:
        base = f"{svc.name}.{svc.namespace}".lower()
        domain = self.s.cluster_domain.strip(".").lower()
        return [f"{base}.svc.{domain}", f"{base}.svc", base] if domain else [f"{base}.svc", base]

    def _calls(
        self,
        w: Workload,
        services: dict[tuple[str, str], KubeService],
        selected: dict[tuple[str, str], list[Workload]],
        resolved: dict[str, _Resolved],
    ) -> None:
        key = self._key(w)
        for env in w.env:
            for ref in references(env.value, self.s.cluster_domain):
                namespace = (ref.namespace or w.namespace).lower()
                svc = services.get((namespace, ref.service))
                subject = f"env {env.name} of {w.kind} {w.namespace}/{w.name}{self._at(w.raw)}"
                if svc is None:
                    if ref.in_cluster and namespace in self._namespaces and self._in_scope(namespace):
                        self._unresolved(
                            w, key, f"{subject} names Service {namespace}/{ref.service}, which cluster {self.s.cluster} does not have", ref
                        )
                    continue
                port = pick_port(ref, svc.ports)
                ports = ", ".join(str(p) for p in svc.ports) or "none"
                if port is None:
                    if ref.port is not None:
                        why = (
                            f"addresses Service {svc.namespace}/{svc.name} on port {ref.port}, "
                            f"which it does not expose (its ports: {ports})"
                        )
                        fix = (
                            "address the Service port (spec.ports[].port), not the target or container port, or add the port to the Service"
                        )
                    else:
                        why = f"addresses Service {svc.namespace}/{svc.name} without a port, and it exposes {ports}"
                        fix = "write the port in the value"
                    self._unresolved(w, key, f"{subject} {why}", ref, fix)
                    continue
                chosen = selected.get((svc.namespace.lower(), svc.name.lower()), [])
                targets = [t for t in chosen if t is not w]
                if not targets:
                    if svc.selector and not chosen:
                        self._unresolved(
                            w,
                            key,
                            f"{subject} addresses Service {svc.namespace}/{svc.name}, which selects no workload that was read",
                            ref,
                            "check the Service's selector matches the pod labels of a Deployment, StatefulSet, DaemonSet, CronJob or Job",
                        )
                    continue
                evidence = f"env {env.name} of {w.ref} → Service {svc.namespace}/{svc.name}:{port}"
                source_service = resolved.get(key)
                for target in targets:
                    target_key = self._key(target)
                    self.rel(
                        RelRecord(DEPENDS_ON.type, WORKLOAD.label, key, WORKLOAD.label, target_key, w.raw.origin, {"evidence": evidence})
                    )
                    target_service = resolved.get(target_key)
                    if source_service and target_service and source_service.service != target_service.service:
                        self.rel(
                            RelRecord(
                                DEPENDS_ON.type,
                                SERVICE.label,
                                source_service.service,
                                SERVICE.label,
                                target_service.service,
                                w.raw.origin,
                                {"evidence": evidence},
                            )
                        )

    def _unresolved(
        self, w: Workload, key: str, message: str, ref: Reference, fix: str = "correct the value, or ignore this if it is not a call"
    ) -> None:
        self.finding(
            "unresolved-endpoint",
            "info",
            f"{message}; no dependency is recorded",
            fix,
            w.raw,
            subject=key,
            reference=ref.display(w.namespace),
        )

    def _unowned_summary(self, workloads: Sequence[Workload]) -> None:
        unowned: dict[str, list[Workload]] = defaultdict(list)
        total: dict[str, int] = defaultdict(int)
        for w in workloads:
            total[w.namespace] += 1
            if self._owner_value(w) is None:
                unowned[w.namespace].append(w)
        for namespace, found in sorted(unowned.items()):
            names = ", ".join(w.ref for w in found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
            self.finding(
                "unowned-workloads",
                "info",
                f"cluster {self.s.cluster} namespace {namespace}: {len(found)} of {total[namespace]} workloads name no owner "
                f"(none of {', '.join(self.s.owner_keys)} in labels, pod labels or annotations): {names}",
                f"label them {OWNER_LABEL}=<team name>, or rely on their catalog service's owner",
                subject=f"{self.s.instance}/{namespace}",
            )


def _teams(index: IdentityIndex, value: str) -> set[str]:
    """Teams an owner value names: a reference (``group:ns/name``, ``ns/name``) or a team name."""
    if ":" in value or "/" in value:
        try:
            ref = parse_ref(value, default_kind="group")
        except InvalidReference:
            return set()
        if ref.kind != "group":
            return set()
        teams = index.team("key", ref.key)
        if not teams and ":" not in value:
            teams = index.team("github", value)  # org/team-slug
        return teams
    return index.team("name", value)


def _version(raw: RawObject) -> tuple[int | None, int | None]:
    """``metadata.resourceVersion`` (when it is a number, as etcd writes it) and ``metadata.generation``."""
    meta = raw.body.get("metadata") if isinstance(raw.body, dict) else None
    if not isinstance(meta, dict):
        return None, None
    rv = meta.get("resourceVersion")
    version = int(rv) if isinstance(rv, str) and rv.isdigit() else rv if isinstance(rv, int) and not isinstance(rv, bool) else None
    gen = meta.get("generation")
    return version, gen if isinstance(gen, int) and not isinstance(gen, bool) else None


def duplicate_rank(raw: RawObject) -> tuple[int, int, str]:
    """How copies of one object are ordered, first wins: the newest ``resourceVersion`` (the API server's
    write counter), then the highest ``generation`` (spec changes), then the content hash of the object.
    Nothing depends on the file names or the order they were read in."""
    version, generation = _version(raw)
    digest = hashlib.sha256(json.dumps(raw.body, sort_keys=True, default=str).encode()).hexdigest()
    return (-(version if version is not None else -1), -(generation if generation is not None else -1), digest)


def _json(value: dict[str, str]) -> str | None:
    return json.dumps(value, sort_keys=True) if value else None


__all__ = [
    "DEFAULT_EXCLUDE_NAMESPACES",
    "DEFAULT_OWNER_KEYS",
    "DEFAULT_SERVICE_KEYS",
    "OWNER_LABEL",
    "SERVICE_LABEL",
    "Settings",
    "Translation",
    "duplicate_rank",
    "translate",
    "workload_key",
]

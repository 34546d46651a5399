"""Payloads in the live sources' own formats: GitHub and PagerDuty REST responses, Kubernetes objects.

Pure builders (no I/O except ``dump_json``), shared by the demo's exports (``catalog.demo.live``)
and the benchmark's synthetic company (``bench.generate``), so both write exactly what ``gh api
--paginate``, the PagerDuty REST API and ``kubectl get -o yaml`` return, and both run through the
real importers in offline mode. Every builder returns a fresh ``dict`` whose key order is fixed,
so the files written from them are byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PD_API = "https://api.pagerduty.com"
"""The PagerDuty REST API, the ``self`` of every record; ``web`` arguments are the account's site."""

GITHUB_ORG_ID = 9000


def z(moment: datetime) -> str:
    """An instant as the APIs write it: ``2026-11-20T03:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dump_json(path: Path, value: Any, *, indent: int | None = 1) -> int:
    """Write ``value`` as JSON (``indent=None``: compact), creating folders; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, indent=indent) if indent is not None else json.dumps(value, separators=(",", ":"))
    data = (text + "\n").encode()
    path.write_bytes(data)
    return len(data)


# -- GitHub ---------------------------------------------------------------------------------


def github_repo(
    org: str, repo_id: int, name: str, description: str, *, topics: list[str], language: str | None, archived: bool = False
) -> dict[str, Any]:
    """One repository as ``GET /orgs/{org}/repos`` lists it."""
    owner = {"login": org, "id": GITHUB_ORG_ID, "node_id": "O_kgDOAAAjKA", "type": "Organization", "site_admin": False}
    return {
        "id": repo_id,
        "node_id": f"R_kgDO{repo_id:06d}",
        "name": name,
        "full_name": f"{org}/{name}",
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/{org}/{name}",
        "description": description,
        "fork": False,
        "url": f"https://api.github.com/repos/{org}/{name}",
        "archived": archived,
        "disabled": False,
        "visibility": "internal",
        "default_branch": "main",
        "topics": topics,
        "language": language,
        "pushed_at": "2026-11-02T09:00:00Z",
        "created_at": "2023-04-01T12:00:00Z",
        "updated_at": "2026-11-02T09:00:00Z",
    }


def github_team(org: str, team_id: int, slug: str, parent: dict[str, Any] | None, description: str | None = None) -> dict[str, Any]:
    """One team as ``GET /orgs/{org}/teams`` lists it; ``parent`` is the parent team's summary or None."""
    return {
        "id": team_id,
        "node_id": f"T_kwDO{team_id:04d}",
        "url": f"https://api.github.com/organizations/{GITHUB_ORG_ID}/team/{team_id}",
        "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
        "name": slug.replace("-", " ").title(),
        "slug": slug,
        "description": description or f"The {slug.replace('-', ' ')}",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "parent": parent,
    }


def github_member(login: str) -> dict[str, Any]:
    """One user as ``GET /orgs/{org}/teams/{slug}/members`` lists it."""
    number = int(hashlib.sha256(login.encode()).hexdigest()[:6], 16)
    return {
        "login": login,
        "id": number,
        "node_id": f"U_kgDO{number}",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def github_permissions(role: str) -> dict[str, bool]:
    """The ``permissions`` object of a team's repository with ``role`` (pull … admin)."""
    order = ["pull", "triage", "push", "maintain", "admin"]
    return {p: order.index(p) <= order.index(role) for p in order}


def github_tree(org: str, name: str, files: list[str]) -> dict[str, Any]:
    """``GET /repos/{org}/{name}/git/trees/main?recursive=1`` for a repository holding ``files``."""
    dirs = sorted({"/".join(f.split("/")[: i + 1]) for f in files for i in range(f.count("/"))})
    entries: list[dict[str, Any]] = [{"path": d, "mode": "040000", "type": "tree", "sha": git_sha(name + d)} for d in dirs]
    entries += [{"path": f, "mode": "100644", "type": "blob", "sha": git_sha(name + f), "size": 100} for f in sorted(files)]
    sha = git_sha(name)
    return {"sha": sha, "url": f"https://api.github.com/repos/{org}/{name}/git/trees/{sha}", "tree": entries, "truncated": False}


def git_sha(text: str) -> str:
    """A stable git object id for ``text``."""
    return hashlib.sha1(text.encode()).hexdigest()  # a git object id, not security


# -- PagerDuty ------------------------------------------------------------------------------

_PD_PATHS = {"user": "users", "team": "teams", "schedule": "schedules", "escalation_policy": "escalation_policies", "service": "services"}


def pd_ref(kind: str, pd_id: str, summary: str, *, web: str) -> dict[str, Any]:
    """A reference object (``{"id", "type": "<kind>_reference", ...}``) on the account site ``web``."""
    path = _PD_PATHS[kind]
    return {
        "id": pd_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{PD_API}/{path}/{pd_id}",
        "html_url": f"{web}/{path}/{pd_id}",
    }


def pd_page(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A listing with every record on one page (classic pagination: ``more`` false)."""
    return {name: items, "limit": 100, "offset": 0, "more": False, "total": len(items)}


def pd_user(pd_id: str, name: str, email: str, *, web: str, time_zone: str = "Europe/Berlin", role: str = "user") -> dict[str, Any]:
    """One user as ``GET /users`` lists it."""
    return {
        "id": pd_id,
        "type": "user",
        "summary": name,
        "name": name,
        "email": email,
        "time_zone": time_zone,
        "role": role,
        "self": f"{PD_API}/users/{pd_id}",
        "html_url": f"{web}/users/{pd_id}",
    }


def pd_team(pd_id: str, name: str, summary: str | None = None) -> dict[str, Any]:
    """One team as ``GET /teams`` lists it."""
    return {"id": pd_id, "type": "team", "summary": summary or name, "name": name, "parent": None}


def pd_member(user: dict[str, Any], role: str = "responder") -> dict[str, Any]:
    """One entry of ``GET /teams/{id}/members``; ``user`` is a user reference."""
    return {"user": user, "role": role}


def pd_schedule(
    pd_id: str, name: str, *, web: str, time_zone: str, users: list[dict[str, Any]], teams: list[dict[str, Any]]
) -> dict[str, Any]:
    """One schedule as ``GET /schedules`` lists it (no layers; ``pd_layer`` adds those for ``/schedules/{id}``)."""
    return {
        "id": pd_id,
        "type": "schedule",
        "summary": name,
        "name": name,
        "time_zone": time_zone,
        "description": f"{name} rotation",
        "self": f"{PD_API}/schedules/{pd_id}",
        "html_url": f"{web}/schedules/{pd_id}",
        "users": users,
        "escalation_policies": [],
        "teams": teams,
    }


def pd_layer(layer_id: str, start: str, turn_seconds: int, users: list[dict[str, Any]], name: str = "Layer 1") -> dict[str, Any]:
    """One of ``schedule_layers``: ``users`` (references) take turns of ``turn_seconds`` from ``start``."""
    return {
        "id": layer_id,
        "name": name,
        "start": start,
        "end": None,
        "rotation_virtual_start": start,
        "rotation_turn_length_seconds": turn_seconds,
        "users": [{"user": u} for u in users],
    }


def pd_rule(rule_id: str, delay_minutes: int, targets: list[dict[str, Any]]) -> dict[str, Any]:
    """One of ``escalation_rules``; ``targets`` are user or schedule references."""
    return {"id": rule_id, "escalation_delay_in_minutes": delay_minutes, "targets": targets}


def pd_policy(
    pd_id: str,
    name: str,
    *,
    web: str,
    rules: list[dict[str, Any]],
    teams: list[dict[str, Any]],
    services: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One escalation policy as ``GET /escalation_policies`` lists it."""
    return {
        "id": pd_id,
        "type": "escalation_policy",
        "summary": name,
        "name": name,
        "description": description or f"Pages the {name} rotation, then its lead",
        "num_loops": 1,
        "escalation_rules": rules,
        "services": services or [],
        "teams": teams,
        "self": f"{PD_API}/escalation_policies/{pd_id}",
        "html_url": f"{web}/escalation_policies/{pd_id}",
    }


def pd_service(pd_id: str, name: str, policy: str, team: str, team_name: str, *, web: str) -> dict[str, Any]:
    """One service as ``GET /services`` lists it, routed to ``policy`` and belonging to ``team``."""
    return {
        "id": pd_id,
        "type": "service",
        "summary": name,
        "name": name,
        "description": f"{name} in production",
        "status": "active",
        "escalation_policy": pd_ref("escalation_policy", policy, team_name, web=web),
        "teams": [pd_ref("team", team, team_name, web=web)],
        "integrations": [],
        "self": f"{PD_API}/services/{pd_id}",
        "html_url": f"{web}/service-directory/{pd_id}",
    }


def pd_dependency(dependent: str, supporting: str) -> dict[str, Any]:
    """One of ``relationships`` in ``GET /service_dependencies/technical_services/{id}``."""
    return {
        "id": f"D{dependent}{supporting}",
        "type": "service_dependency",
        "dependent_service": {"id": dependent, "type": "technical_service_reference"},
        "supporting_service": {"id": supporting, "type": "technical_service_reference"},
    }


def pd_oncall(
    policy: str,
    policy_name: str,
    level: int,
    schedule: str | None,
    user: str,
    user_name: str,
    start: datetime | None,
    end: datetime | None,
    *,
    web: str,
    schedule_name: str | None = None,
) -> dict[str, Any]:
    """One entry of ``GET /oncalls``; no ``start``/``end`` is a permanent on-call (a user targeted directly)."""
    return {
        "escalation_policy": pd_ref("escalation_policy", policy, policy_name, web=web),
        "escalation_level": level,
        "schedule": pd_ref("schedule", schedule, schedule_name or schedule, web=web) if schedule else None,
        "user": pd_ref("user", user, user_name, web=web),
        "start": z(start) if start else None,
        "end": z(end) if end else None,
    }


# -- Kubernetes -----------------------------------------------------------------------------


def k8s_meta(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """``metadata`` with a stable ``uid``."""
    uid = hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()
    return {"name": name, "namespace": namespace, "labels": labels, "uid": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}"}


def k8s_pod_spec(name: str, env: dict[str, str], *, registry: str) -> dict[str, Any]:
    """A pod spec with one container of image ``<registry>/<name>``, its ``env`` as plain values."""
    container: dict[str, Any] = {"name": name, "image": f"{registry}/{name}:1.4.2", "ports": [{"containerPort": 8080}]}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {"containers": [container]}


def k8s_workload(kind: str, name: str, namespace: str, labels: dict[str, str], env: dict[str, str], *, registry: str) -> dict[str, Any]:
    """A Deployment or StatefulSet selecting ``app.kubernetes.io/name: <name>``; a ``team`` label is copied to its pods."""
    selector = {"app.kubernetes.io/name": name}
    spec: dict[str, Any] = {
        "replicas": 3,
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": {**selector, **({"team": labels["team"]} if "team" in labels else {})}},
            "spec": k8s_pod_spec(name, env, registry=registry),
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": k8s_meta(name, namespace, labels), "spec": spec}


def k8s_service(name: str, namespace: str, port: int, selector: dict[str, str]) -> dict[str, Any]:
    """A ClusterIP Service exposing ``port`` (to 8080) on the pods ``selector`` picks."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": k8s_meta(name, namespace, {"app.kubernetes.io/name": name}),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": port, "targetPort": 8080, "protocol": "TCP"}],
        },
    }


def k8s_cronjob(name: str, namespace: str, *, registry: str) -> dict[str, Any]:
    """A nightly CronJob with no labels: nobody's, as far as the cluster says."""
    template = {"metadata": {"labels": {"job": name}}, "spec": {**k8s_pod_spec(name, {}, registry=registry), "restartPolicy": "OnFailure"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": k8s_meta(name, namespace, {}),
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}},
    }


def k8s_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``kubectl get ... -A -o yaml`` prints: a ``List`` of the objects."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}

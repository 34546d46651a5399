"""The demo's live sources: GitHub, PagerDuty and Kubernetes exports, generated for today.

Acme Retail's Backstage descriptors are the seed: every export below is derived from the
services, teams, people and platforms they declare, so the sources agree where real ones
agree, and disagree where the demo wants to show a problem. The exports are written in the
APIs' own formats (what ``gh api --paginate``, the PagerDuty REST API and ``kubectl get -o
yaml`` return), and run through the real importers in offline mode.

On-call shifts are generated around *now* (7 days back, 14 ahead, like the live importer's
window), so ``onCall`` answers today. What the demo shows, on purpose:

- ``checkout-team``: level 1 of its policy has a gap right now, so level 2 is paged first;
- ``identity-team``: follow-the-sun, an EMEA schedule 06-18 UTC and an APAC one 18-06 UTC on
  level 1;
- every policy's level 2 targets the team lead directly (a permanent on-call);
- ``analytics-dashboard`` is linked to PagerDuty by name only (weaker evidence);
- ``search-indexer`` has no PagerDuty service: its team's policy is used;
- ``email-sender`` has no owner and ``mobile-bff``'s team has nobody on call: no routing;
- a PagerDuty service nobody declared (``Legacy Cron Alerts``);
- ``feature-flags`` is labelled with another team in Kubernetes than in Backstage (a conflict);
- ``payments/payouts`` declares no platform, but runs in the standard cluster;
- a CronJob nobody owns, unknown to the catalog;
- CODEOWNERS that covers only part of ``shipping``, none for ``inventory``, and an invalid
  line in ``cart``'s;
- ``gift-cards``, known only from an OpsLevel descriptor;
- ``payments/payments-gateway`` shares the alias ``gateway`` with ``api-gateway``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from catalog.refs import parse_ref
from importers.backstage import read_backstage

ORG = "acme"
ACCOUNT = "acme"
CLUSTER = "prod-eu"
STANDARD_PLATFORM = "kubernetes-platform"
PD_API = "https://api.pagerduty.com"
PD_WEB = "https://acme-retail.pagerduty.com"
NO_PAGERDUTY_SERVICE = frozenset({"search-indexer"})
"""Services whose PagerDuty service the export leaves out: on-call falls back to the team's policy."""


@dataclass
class _Service:
    key: str
    name: str
    namespace: str
    owner: str | None
    """Owner group name, e.g. ``checkout-team``."""
    pagerduty: str | None
    slug: str | None
    platform: str | None
    title: str
    type: str


@dataclass
class _Org:
    services: list[_Service] = field(default_factory=list)
    teams: dict[str, str] = field(default_factory=dict)
    """Team group name → parent group name (or '')."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """Team group name → user names."""
    emails: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)


def _read_org(backstage_root: Path) -> _Org:
    batch = read_backstage([backstage_root / "catalog-info.yaml"], instance="demo")
    org = _Org()
    owners = {r.dst_id: r.src_id for r in batch.rels if r.type == "OWNS"}
    runs_on = {r.src_id: r.dst_id for r in batch.rels if r.type == "RUNS_ON"}
    parents = {r.src_id: r.dst_id for r in batch.rels if r.type == "CHILD_OF"}
    for node in batch.nodes:
        props = node.props
        if node.label == "Service":
            annotations = json.loads(props.get("annotations") or "{}")
            owner = owners.get(node.id)
            org.services.append(
                _Service(
                    key=node.id,
                    name=props["name"],
                    namespace=props["namespace"],
                    owner=parse_ref(owner).name.lower() if owner else None,
                    pagerduty=annotations.get("pagerduty.com/service-id"),
                    slug=annotations.get("github.com/project-slug"),
                    platform=parse_ref(runs_on[node.id]).name if node.id in runs_on else None,
                    title=props.get("title") or props["name"],
                    type=props.get("type") or "service",
                )
            )
        elif node.label == "Team" and props.get("type") == "team":
            parent = parents.get(node.id)
            org.teams[props["name"]] = parse_ref(parent).name if parent else ""
        elif node.label == "Person":
            org.emails[props["name"]] = props.get("email") or f"{props['name']}@acme-retail.example"
            org.display[props["name"]] = props.get("display_name") or props["name"]
    for rel in batch.rels:
        if rel.type == "MEMBER_OF":
            org.members.setdefault(parse_ref(rel.dst_id).name, []).append(parse_ref(rel.src_id).name)
    for names in org.members.values():
        names.sort()
    return org


def _pd_id(prefix: str, text: str) -> str:
    return prefix + hashlib.sha256(text.encode()).hexdigest()[: 7 - len(prefix)].upper()


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_live_sources(backstage_root: Path, out: Path, now: datetime) -> Path:
    """Write the demo's exports and ``catalog.yaml`` under ``out``; returns the config path."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(backstage_root, out / "backstage")
    org = _read_org(backstage_root)
    _github(org, out / "github")
    pd_teams = _pagerduty(org, out / "pagerduty", now)
    _kubernetes(org, out / "kubernetes" / f"{CLUSTER}.yaml")
    _opslevel(out / "opslevel" / "gift-cards" / "opslevel.yml")
    config = {
        "sources": [
            {"type": "backstage", "paths": ["backstage/catalog-info.yaml"], "instance": "demo"},
            {"type": "opslevel", "paths": ["opslevel"], "instance": "opslevel:demo"},
            {"type": "github", "org": ORG, "export_dir": "github"},
            {
                "type": "pagerduty",
                "account": ACCOUNT,
                "export_dir": "pagerduty",
                "teams": {pd: f"group:{ns}/{name}" for name, (pd, ns) in sorted(pd_teams.items())},
            },
            {"type": "kubernetes", "cluster": CLUSTER, "platform": STANDARD_PLATFORM, "files": [f"kubernetes/{CLUSTER}.yaml"]},
        ],
        "ownership": {"precedence": ["backstage", "opslevel", "cortex", "github", "kubernetes", "pagerduty"]},
    }
    path = out / "catalog.yaml"
    header = "# Acme Retail's sources, generated by `catalog demo` (catalog/demo/live.py) for the current date.\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


# -- GitHub ---------------------------------------------------------------------------------


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1) + "\n", encoding="utf-8")


def _repo(repo_id: int, name: str, description: str, *, topics: list[str], language: str | None, archived: bool = False) -> dict[str, Any]:
    owner = {"login": ORG, "id": 9000, "node_id": "O_kgDOAAAjKA", "type": "Organization", "site_admin": False}
    return {
        "id": repo_id,
        "node_id": f"R_kgDO{repo_id:06d}",
        "name": name,
        "full_name": f"{ORG}/{name}",
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/{ORG}/{name}",
        "description": description,
        "fork": False,
        "url": f"https://api.github.com/repos/{ORG}/{name}",
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


FILES = ["README.md", "src/main.py", "src/api/handlers.py", "src/api/models.py", "deploy/k8s.yaml", "docs/runbook.md"]


def _github(org: _Org, out: Path) -> None:
    repos: list[dict[str, Any]] = []
    owner_of: dict[str, str] = {}
    for index, service in enumerate(sorted(org.services, key=lambda s: s.key)):
        if not service.slug:
            continue
        name = service.slug.split("/", 1)[1]
        language = "TypeScript" if service.type == "website" else ("Go" if service.namespace == "payments" else "Python")
        repos.append(_repo(2000 + index, name, service.title, topics=[service.type, service.namespace], language=language))
        if service.owner:
            owner_of[name] = service.owner
    repos.append(_repo(2900, "kubernetes-platform", "The standard platform", topics=["platform", "kubernetes"], language="HCL"))
    repos.append(_repo(2901, "terraform-modules", "Shared Terraform modules", topics=["terraform"], language="HCL"))
    repos.append(_repo(2902, "old-monolith", "The shop before the split", topics=["legacy"], language="Java", archived=True))
    owner_of.update({"kubernetes-platform": "platform-team", "terraform-modules": "platform-team"})
    # `gh api --paginate` writes one array per page.
    (out).mkdir(parents=True, exist_ok=True)
    (out / "repos.json").write_text("\n".join(json.dumps(repos[i : i + 20]) for i in range(0, len(repos), 20)) + "\n", encoding="utf-8")

    teams: list[dict[str, Any]] = []
    ids = {name: 100 + i for i, name in enumerate(sorted(org.teams))}
    for name in sorted(org.teams):
        teams.append(_team(ids[name], name, None))
    teams.append(_team(199, "sre-guild", None, description="Everyone who likes being paged"))
    _dump(out / "teams.json", teams)
    for name in sorted(org.teams):
        members = [_member(login) for login in org.members.get(name, [])]
        _dump(out / "teams" / name / "members.json", members)
        owned = [dict(r, permissions=_perm("maintain"), role_name="maintain") for r in repos if owner_of.get(r["name"]) == name]
        _dump(out / "teams" / name / "repos.json", owned)
    _dump(out / "teams" / "sre-guild" / "members.json", [_member("ines-ortega"), _member("kenji-watanabe")])
    _dump(out / "teams" / "sre-guild" / "repos.json", [])

    for repo in repos:
        name = repo["name"]
        team = owner_of.get(name)
        files = list(FILES)
        codeowners: str | None = f"# Owners of {name}\n* @{ORG}/{team}\n" if team else None
        if name == "shipping":
            codeowners = "# Only the code has an owner so far\n/src/ @acme/fulfilment-team\n"
        elif name == "inventory":
            codeowners = None
        elif name == "cart":
            codeowners = f"* @{ORG}/checkout-team\n!/vendor/ @{ORG}/checkout-team\n/docs/ @{ORG}/checkout-team  # docs too\n"
        elif name == "identity":
            codeowners = f"* @{ORG}/identity-team\n/deploy/ @{ORG}/platform-team\n"
        if codeowners is not None:
            files.append(".github/CODEOWNERS")
            target = out / "codeowners" / name / ".github" / "CODEOWNERS"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(codeowners, encoding="utf-8")
        _dump(out / "trees" / f"{name}.json", _tree(name, files))


def _team(team_id: int, slug: str, parent: dict[str, Any] | None, description: str | None = None) -> dict[str, Any]:
    return {
        "id": team_id,
        "node_id": f"T_kwDO{team_id:04d}",
        "url": f"https://api.github.com/organizations/9000/team/{team_id}",
        "html_url": f"https://github.com/orgs/{ORG}/teams/{slug}",
        "name": slug.replace("-", " ").title(),
        "slug": slug,
        "description": description or f"The {slug.replace('-', ' ')}",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "parent": parent,
    }


def _member(login: str) -> dict[str, Any]:
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


def _perm(role: str) -> dict[str, bool]:
    order = ["pull", "triage", "push", "maintain", "admin"]
    return {p: order.index(p) <= order.index(role) for p in order}


def _tree(name: str, files: list[str]) -> dict[str, Any]:
    dirs = sorted({"/".join(f.split("/")[: i + 1]) for f in files for i in range(f.count("/"))})
    entries: list[dict[str, Any]] = [{"path": d, "mode": "040000", "type": "tree", "sha": _sha(name + d)} for d in dirs]
    entries += [{"path": f, "mode": "100644", "type": "blob", "sha": _sha(name + f), "size": 100} for f in sorted(files)]
    sha = _sha(name)
    return {"sha": sha, "url": f"https://api.github.com/repos/{ORG}/{name}/git/trees/{sha}", "tree": entries, "truncated": False}


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # a git object id, not security


# -- PagerDuty ------------------------------------------------------------------------------


def _ref(kind: str, pd_id: str, summary: str) -> dict[str, Any]:
    path = {"user": "users", "team": "teams", "schedule": "schedules", "escalation_policy": "escalation_policies", "service": "services"}
    return {
        "id": pd_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{PD_API}/{path[kind]}/{pd_id}",
        "html_url": f"{PD_WEB}/{path[kind]}/{pd_id}",
    }


def _page(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {name: items, "limit": 100, "offset": 0, "more": False, "total": len(items)}


def _pagerduty(org: _Org, out: Path, now: datetime) -> dict[str, tuple[str, str]]:
    """Writes the export; returns catalog team name → (PagerDuty team id, namespace)."""
    namespaces = {s.owner: s.namespace for s in org.services if s.owner}
    people = sorted(org.emails)
    user_ids = {p: _pd_id("PU", p) for p in people}
    contractor = "PUNIGHT"
    users = [
        {
            "id": user_ids[p],
            "type": "user",
            "summary": org.display[p],
            "name": org.display[p],
            "email": org.emails[p],
            "time_zone": "Europe/Berlin",
            "role": "user",
            "self": f"{PD_API}/users/{user_ids[p]}",
            "html_url": f"{PD_WEB}/users/{user_ids[p]}",
        }
        for p in people
    ]
    users.append(
        {
            "id": contractor,
            "type": "user",
            "summary": "Night Ops Contractor",
            "name": "Night Ops Contractor",
            "email": "nightops@contractor.example",
            "time_zone": "Asia/Singapore",
            "role": "limited_user",
            "self": f"{PD_API}/users/{contractor}",
            "html_url": f"{PD_WEB}/users/{contractor}",
        }
    )
    _dump(out / "users.json", _page("users", users))

    teams_with_people = sorted(t for t in org.teams if org.members.get(t))
    team_ids = {t: _pd_id("PT", t) for t in teams_with_people}
    _dump(
        out / "teams.json",
        _page(
            "teams",
            [
                {"id": team_ids[t], "type": "team", "summary": t, "name": t.replace("-", " ").title(), "parent": None}
                for t in teams_with_people
            ],
        ),
    )
    for team in teams_with_people:
        listing = [{"user": _ref("user", user_ids[p], org.display[p]), "role": "responder"} for p in org.members[team]]
        _dump(out / "teams" / team_ids[team] / "members.json", _page("members", listing))

    # Schedules: a weekly rotation per team; identity-team follows the sun.
    schedules: list[dict[str, Any]] = []
    rotations: dict[str, list[tuple[str, list[str], int, int]]] = {}
    """Team → [(schedule id, users, start hour UTC, length hours)]."""
    for team in teams_with_people:
        if team == "identity-team":
            emea, apac = _pd_id("PS", "identity-emea"), _pd_id("PS", "identity-apac")
            rotations[team] = [(emea, org.members[team], 6, 12), (apac, [contractor, *org.members[team][:1]], 18, 12)]
        else:
            rotations[team] = [(_pd_id("PS", team), org.members[team], 9, 24 * 7)]
    names = {contractor: "Night Ops Contractor", **{user_ids[p]: org.display[p] for p in people}}
    uid = {**{p: user_ids[p] for p in people}, contractor: contractor}
    for team, rots in rotations.items():
        for sid, members, hour, length in rots:
            label = team.replace("-", " ").title() + (" EMEA" if hour == 6 else " APAC" if hour == 18 else " primary")
            schedule = {
                "id": sid,
                "type": "schedule",
                "summary": label,
                "name": label,
                "time_zone": "Asia/Singapore" if hour == 18 else "Europe/Berlin",
                "description": f"{label} rotation",
                "self": f"{PD_API}/schedules/{sid}",
                "html_url": f"{PD_WEB}/schedules/{sid}",
                "users": [_ref("user", uid[m], names[uid[m]]) for m in members],
                "escalation_policies": [],
                "teams": [_ref("team", team_ids[team], team)],
            }
            schedules.append(schedule)
            layer_start = f"2026-01-05T{hour:02d}:00:00Z"
            layers = [
                {
                    "id": _pd_id("PL", sid),
                    "name": "Layer 1",
                    "start": layer_start,
                    "end": None,
                    "rotation_virtual_start": layer_start,
                    "rotation_turn_length_seconds": length * 3600 if length < 24 else 7 * 86400,
                    "users": [{"user": _ref("user", uid[m], names[uid[m]])} for m in members],
                }
            ]
            _dump(out / "schedules" / f"{sid}.json", {"schedule": {**schedule, "schedule_layers": layers}})
    _dump(out / "schedules.json", _page("schedules", schedules))

    # Escalation policies: level 1 the team's schedule(s), level 2 the lead, directly.
    policies: list[dict[str, Any]] = []
    policy_ids: dict[str, str] = {}
    for team in teams_with_people:
        pid = policy_ids[team] = _pd_id("PE", team)
        lead = org.members[team][0]
        rules = [
            {
                "id": _pd_id("PR", team + "1"),
                "escalation_delay_in_minutes": 15,
                "targets": [_target("schedule", sid, sid) for sid, *_ in rotations[team]],
            },
            {
                "id": _pd_id("PR", team + "2"),
                "escalation_delay_in_minutes": 30,
                "targets": [_target("user", user_ids[lead], org.display[lead])],
            },
        ]
        name = team.replace("-", " ").title()
        policies.append(
            {
                "id": pid,
                "type": "escalation_policy",
                "summary": name,
                "name": name,
                "description": f"Pages the {name} rotation, then its lead",
                "num_loops": 1,
                "escalation_rules": rules,
                "services": [],
                "teams": [_ref("team", team_ids[team], name)],
                "self": f"{PD_API}/escalation_policies/{pid}",
                "html_url": f"{PD_WEB}/escalation_policies/{pid}",
            }
        )

    services: list[dict[str, Any]] = []
    for svc in sorted(org.services, key=lambda s: s.key):
        if not svc.pagerduty or svc.owner not in policy_ids or svc.name in NO_PAGERDUTY_SERVICE:
            continue
        services.append(_pd_service(svc.pagerduty, svc.title, policy_ids[svc.owner], team_ids[svc.owner], svc.owner))
    # Linked by name only, and one nobody declared.
    services.append(_pd_service("PAD5E1X", "Analytics Dashboard", policy_ids["data-team"], team_ids["data-team"], "data-team"))
    services.append(
        _pd_service("PLC0RN1", "Legacy Cron Alerts", policy_ids["fulfilment-team"], team_ids["fulfilment-team"], "fulfilment-team")
    )
    for policy in policies:
        policy["services"] = [_ref("service", s["id"], s["name"]) for s in services if s["escalation_policy"]["id"] == policy["id"]]
    _dump(out / "escalation_policies.json", _page("escalation_policies", policies))
    _dump(out / "services.json", _page("services", services))
    for service in services:
        # Every linked service gets its dependency file, most of them with no relationships.
        _dump(out / "service_dependencies" / "technical_services" / f"{service['id']}.json", {"relationships": []})
    by_name = {s.name: s.pagerduty for s in org.services}
    deps = [("checkout", "cart"), ("checkout", "payments-gateway"), ("storefront-web", "search"), ("api-gateway", "identity")]
    for dependent, supporting in deps:
        d, s = by_name.get(dependent), by_name.get(supporting)
        if d and s:
            rel = {"id": f"D{d}{s}", "type": "service_dependency", "dependent_service": {"id": d, "type": "technical_service_reference"},
                   "supporting_service": {"id": s, "type": "technical_service_reference"}}  # fmt: skip
            path = out / "service_dependencies" / "technical_services" / f"{d}.json"
            existing = json.loads(path.read_text()) if path.exists() else {"relationships": []}
            existing["relationships"].append(rel)
            _dump(path, existing)

    # On-call entries over the importer's window: 7 days back, 14 ahead.
    since, until = now - timedelta(days=7), now + timedelta(days=14)
    oncalls: list[dict[str, Any]] = []
    for team in teams_with_people:
        pid = policy_ids[team]
        for sid, members, hour, length in rotations[team]:
            for start, end, member in _shifts(members, hour, length, since, until):
                if team == "checkout-team" and start <= now < end:
                    # A hole in the rotation right now: level 1 is empty, level 2 is paged first.
                    oncalls.append(_oncall(pid, team, 1, sid, uid[member], names[uid[member]], start, now - timedelta(hours=1)))
                    oncalls.append(_oncall(pid, team, 1, sid, uid[member], names[uid[member]], now + timedelta(hours=5), end))
                    continue
                oncalls.append(_oncall(pid, team, 1, sid, uid[member], names[uid[member]], start, end))
        lead = org.members[team][0]
        oncalls.append(_oncall(pid, team, 2, None, user_ids[lead], org.display[lead], None, None))
    _dump(out / "oncalls.json", _page("oncalls", oncalls))
    return {t: (team_ids[t], namespaces.get(t, "default")) for t in teams_with_people}


def _target(kind: str, pd_id: str, summary: str) -> dict[str, Any]:
    return _ref(kind, pd_id, summary)


def _pd_service(pd_id: str, name: str, policy: str, team: str, team_name: str) -> dict[str, Any]:
    return {
        "id": pd_id,
        "type": "service",
        "summary": name,
        "name": name,
        "description": f"{name} in production",
        "status": "active",
        "escalation_policy": _ref("escalation_policy", policy, team_name),
        "teams": [_ref("team", team, team_name)],
        "integrations": [],
        "self": f"{PD_API}/services/{pd_id}",
        "html_url": f"{PD_WEB}/service-directory/{pd_id}",
    }


def _shifts(members: list[str], hour: int, length: int, since: datetime, until: datetime) -> list[tuple[datetime, datetime, str]]:
    """Rotating shifts of ``length`` hours from ``hour`` UTC each day (daily) or each Monday (weekly)."""
    epoch = datetime(2026, 1, 5, hour, tzinfo=UTC)
    step = timedelta(hours=length) if length < 24 else timedelta(days=7)
    period = timedelta(days=1) if length < 24 else step
    turn = int((since - epoch) / period) - 1
    out: list[tuple[datetime, datetime, str]] = []
    while True:
        start = epoch + turn * period
        end = start + step
        if start >= until:
            return out
        if end > since:
            out.append((start, end, members[turn % len(members)]))
        turn += 1


def _oncall(
    policy: str, team: str, level: int, schedule: str | None, user: str, user_name: str, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    return {
        "escalation_policy": _ref("escalation_policy", policy, team.replace("-", " ").title()),
        "escalation_level": level,
        "schedule": _ref("schedule", schedule, schedule) if schedule else None,
        "user": _ref("user", user, user_name),
        "start": _z(start) if start else None,
        "end": _z(end) if end else None,
    }


# -- Kubernetes -----------------------------------------------------------------------------

_ENV = {
    "checkout": {
        "CART_URL": "http://cart.checkout.svc.cluster.local:80",
        "IDENTITY_URL": "http://identity.identity:8080",
        "PAYMENTS_URL": "http://payments-gateway.payments.svc:80",
    },
    "storefront-web": {"SEARCH_ADDR": "search.search:80", "CATALOG_URL": "http://product-catalog.storefront"},
    "refunds": {"LEDGER_ADDR": "ledger:80"},
    "api-gateway": {"UPSTREAMS": "identity.identity:8080,checkout.checkout:80"},
}


def _kubernetes(org: _Org, path: Path) -> None:
    items: list[dict[str, Any]] = []
    for svc in sorted(org.services, key=lambda s: s.key):
        on_cluster = svc.platform == STANDARD_PLATFORM or svc.name == "payouts"
        if not on_cluster or svc.type == "library":
            continue
        namespace = svc.namespace if svc.namespace != "default" else (svc.owner or "default").removesuffix("-team")
        team = "identity-team" if svc.name == "feature-flags" else svc.owner
        labels = {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/managed-by": "argocd"}
        if team:
            labels["team"] = team
        port = 8080 if svc.name == "identity" else 80
        kind = "StatefulSet" if svc.name == "search-indexer" else "Deployment"
        items.append(_workload(kind, svc.name, namespace, labels, _ENV.get(svc.name, {})))
        items.append(_k8s_service(svc.name, namespace, port, {"app.kubernetes.io/name": svc.name}))
    items.append(_cronjob("legacy-cron", "fulfilment"))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# kubectl get deployments,statefulsets,cronjobs,services -A -o yaml (cluster prod-eu)\n"
    path.write_text(
        text + yaml.safe_dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}, sort_keys=False),
        encoding="utf-8",
    )


def _meta(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    uid = hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()
    return {"name": name, "namespace": namespace, "labels": labels, "uid": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}"}


def _pod_spec(name: str, env: dict[str, str]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": f"registry.acme-retail.example/{name}:1.4.2", "ports": [{"containerPort": 8080}]}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {"containers": [container]}


def _workload(kind: str, name: str, namespace: str, labels: dict[str, str], env: dict[str, str]) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": name}
    spec: dict[str, Any] = {
        "replicas": 3,
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": {**selector, **({"team": labels["team"]} if "team" in labels else {})}},
            "spec": _pod_spec(name, env),
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": _meta(name, namespace, labels), "spec": spec}


def _k8s_service(name: str, namespace: str, port: int, selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, namespace, {"app.kubernetes.io/name": name}),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": port, "targetPort": 8080, "protocol": "TCP"}],
        },
    }


def _cronjob(name: str, namespace: str) -> dict[str, Any]:
    template = {"metadata": {"labels": {"job": name}}, "spec": {**_pod_spec(name, {}), "restartPolicy": "OnFailure"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta(name, namespace, {}),
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}},
    }


# -- OpsLevel -------------------------------------------------------------------------------


def _opslevel(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        textwrap.dedent(
            """\
            version: 1
            service:
              name: Gift Cards
              description: Sells and redeems gift cards.
              owner: checkout-team
              lifecycle: beta
              tier: tier_2
              aliases:
                - giftcards
                - gift-card-service
              repositories:
                - name: github.com/acme/gift-cards
                  provider: github
              tools:
                - name: Runbook
                  category: runbooks
                  url: https://runbooks.acme-retail.example/gift-cards
              dependencies:
                - alias: cart
            """
        ),
        encoding="utf-8",
    )

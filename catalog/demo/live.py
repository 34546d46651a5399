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
- ``search-team`` and ``ml-team`` hand support off: level 1 of their policies is ``sre-ops``'s
  rotation, an Ops team that builds nothing (``HANDED_OFF``);
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
- ``payments-ledger``'s repositories, moved from Payments Core, whose CODEOWNERS still names
  someone else: ``payments-core`` (``ledger``) and two people outside the team (``payouts``);
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

from catalog.core.refs import parse_ref
from catalog.demo.payloads import (
    dump_json,
    github_member,
    github_permissions,
    github_repo,
    github_team,
    github_tree,
    k8s_cronjob,
    k8s_list,
    k8s_service,
    k8s_workload,
    pd_dependency,
    pd_layer,
    pd_member,
    pd_oncall,
    pd_page,
    pd_policy,
    pd_ref,
    pd_rule,
    pd_schedule,
    pd_service,
    pd_team,
    pd_user,
)
from importers.registry import read_backstage

ORG = "acme"
ACCOUNT = "acme"
CLUSTER = "prod-eu"
STANDARD_PLATFORM = "kubernetes-platform"
PD_WEB = "https://acme-retail.pagerduty.com"
REGISTRY = "registry.acme-retail.example"
NO_PAGERDUTY_SERVICE = frozenset({"search-indexer"})
"""Services whose PagerDuty service the export leaves out: on-call falls back to the team's policy."""
HANDED_OFF = {"search-team": "sre-ops", "ml-team": "sre-ops"}
"""Teams whose policy's level 1 is another team's rotation (an Ops hand-off): team → the team on their pager."""


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


FILES = ["README.md", "src/main.py", "src/api/handlers.py", "src/api/models.py", "deploy/k8s.yaml", "docs/runbook.md"]


def _github(org: _Org, out: Path) -> None:
    repos: list[dict[str, Any]] = []
    owner_of: dict[str, str] = {}
    for index, service in enumerate(sorted(org.services, key=lambda s: s.key)):
        if not service.slug:
            continue
        name = service.slug.split("/", 1)[1]
        language = "TypeScript" if service.type == "website" else ("Go" if service.namespace == "payments" else "Python")
        repos.append(github_repo(ORG, 2000 + index, name, service.title, topics=[service.type, service.namespace], language=language))
        if service.owner:
            owner_of[name] = service.owner
    repos.append(github_repo(ORG, 2900, "kubernetes-platform", "The standard platform", topics=["platform", "kubernetes"], language="HCL"))
    repos.append(github_repo(ORG, 2901, "terraform-modules", "Shared Terraform modules", topics=["terraform"], language="HCL"))
    repos.append(github_repo(ORG, 2902, "old-monolith", "The shop before the split", topics=["legacy"], language="Java", archived=True))
    owner_of.update({"kubernetes-platform": "platform-team", "terraform-modules": "platform-team"})
    # `gh api --paginate` writes one array per page.
    (out).mkdir(parents=True, exist_ok=True)
    (out / "repos.json").write_text("\n".join(json.dumps(repos[i : i + 20]) for i in range(0, len(repos), 20)) + "\n", encoding="utf-8")

    teams: list[dict[str, Any]] = []
    ids = {name: 100 + i for i, name in enumerate(sorted(org.teams))}
    for name in sorted(org.teams):
        teams.append(github_team(ORG, ids[name], name, None))
    teams.append(github_team(ORG, 199, "sre-guild", None, description="Everyone who likes being paged"))
    dump_json(out / "teams.json", teams)
    for name in sorted(org.teams):
        members = [github_member(login) for login in org.members.get(name, [])]
        dump_json(out / "teams" / name / "members.json", members)
        maintain = github_permissions("maintain")
        owned = [dict(r, permissions=maintain, role_name="maintain") for r in repos if owner_of.get(r["name"]) == name]
        dump_json(out / "teams" / name / "repos.json", owned)
    dump_json(out / "teams" / "sre-guild" / "members.json", [github_member("ines-ortega"), github_member("kenji-watanabe")])
    dump_json(out / "teams" / "sre-guild" / "repos.json", [])

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
        elif name == "ledger":
            codeowners = f"# Moved from Payments Core; CODEOWNERS still names it\n* @{ORG}/payments-core\n"
        elif name == "payouts":
            codeowners = "* @priya-nair @raj-patel\n"
        if codeowners is not None:
            files.append(".github/CODEOWNERS")
            target = out / "codeowners" / name / ".github" / "CODEOWNERS"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(codeowners, encoding="utf-8")
        dump_json(out / "trees" / f"{name}.json", github_tree(ORG, name, files))


# -- PagerDuty ------------------------------------------------------------------------------


def _pagerduty(org: _Org, out: Path, now: datetime) -> dict[str, tuple[str, str]]:
    """Writes the export; returns catalog team name → (PagerDuty team id, namespace)."""
    web = PD_WEB
    namespaces = {s.owner: s.namespace for s in org.services if s.owner}
    people = sorted(org.emails)
    user_ids = {p: _pd_id("PU", p) for p in people}
    contractor = "PUNIGHT"
    users = [pd_user(user_ids[p], org.display[p], org.emails[p], web=web) for p in people]
    users.append(
        pd_user(contractor, "Night Ops Contractor", "nightops@contractor.example", web=web, time_zone="Asia/Singapore", role="limited_user")
    )
    dump_json(out / "users.json", pd_page("users", users))

    teams_with_people = sorted(t for t in org.teams if org.members.get(t))
    team_ids = {t: _pd_id("PT", t) for t in teams_with_people}
    dump_json(out / "teams.json", pd_page("teams", [pd_team(team_ids[t], t.replace("-", " ").title(), t) for t in teams_with_people]))
    for team in teams_with_people:
        listing = [pd_member(pd_ref("user", user_ids[p], org.display[p], web=web)) for p in org.members[team]]
        dump_json(out / "teams" / team_ids[team] / "members.json", pd_page("members", listing))

    # Schedules: a weekly rotation per team; identity-team follows the sun.
    schedules: list[dict[str, Any]] = []
    rotations: dict[str, list[tuple[str, list[str], int, int]]] = {}
    """Team → [(schedule id, users, start hour UTC, length hours)]."""
    for team in teams_with_people:
        if team in HANDED_OFF:
            rotations[team] = []  # no rotation of its own: the Ops team's staffs level 1
        elif team == "identity-team":
            emea, apac = _pd_id("PS", "identity-emea"), _pd_id("PS", "identity-apac")
            rotations[team] = [(emea, org.members[team], 6, 12), (apac, [contractor, *org.members[team][:1]], 18, 12)]
        else:
            rotations[team] = [(_pd_id("PS", team), org.members[team], 9, 24 * 7)]
    names = {contractor: "Night Ops Contractor", **{user_ids[p]: org.display[p] for p in people}}
    uid = {**{p: user_ids[p] for p in people}, contractor: contractor}
    for team, rots in rotations.items():
        for sid, members, hour, length in rots:
            label = team.replace("-", " ").title() + (" EMEA" if hour == 6 else " APAC" if hour == 18 else " primary")
            user_refs = [pd_ref("user", uid[m], names[uid[m]], web=web) for m in members]
            schedule = pd_schedule(
                sid,
                label,
                web=web,
                time_zone="Asia/Singapore" if hour == 18 else "Europe/Berlin",
                users=user_refs,
                teams=[pd_ref("team", team_ids[team], team, web=web)],
            )
            schedules.append(schedule)
            turn = length * 3600 if length < 24 else 7 * 86400
            layers = [pd_layer(_pd_id("PL", sid), f"2026-01-05T{hour:02d}:00:00Z", turn, user_refs)]
            dump_json(out / "schedules" / f"{sid}.json", {"schedule": {**schedule, "schedule_layers": layers}})
    dump_json(out / "schedules.json", pd_page("schedules", schedules))

    # Escalation policies: level 1 the team's schedule(s), level 2 the lead, directly.
    policies: list[dict[str, Any]] = []
    policy_ids: dict[str, str] = {}
    for team in teams_with_people:
        pid = policy_ids[team] = _pd_id("PE", team)
        lead = org.members[team][0]
        level_one = rotations[HANDED_OFF.get(team, team)]
        rules = [
            pd_rule(_pd_id("PR", team + "1"), 15, [pd_ref("schedule", sid, sid, web=web) for sid, *_ in level_one]),
            pd_rule(_pd_id("PR", team + "2"), 30, [pd_ref("user", user_ids[lead], org.display[lead], web=web)]),
        ]
        name = team.replace("-", " ").title()
        policies.append(pd_policy(pid, name, web=web, rules=rules, teams=[pd_ref("team", team_ids[team], name, web=web)]))

    services: list[dict[str, Any]] = []
    for svc in sorted(org.services, key=lambda s: s.key):
        if not svc.pagerduty or svc.owner not in policy_ids or svc.name in NO_PAGERDUTY_SERVICE:
            continue
        services.append(pd_service(svc.pagerduty, svc.title, policy_ids[svc.owner], team_ids[svc.owner], svc.owner, web=web))
    # Linked by name only, and one nobody declared.
    services.append(pd_service("PAD5E1X", "Analytics Dashboard", policy_ids["data-team"], team_ids["data-team"], "data-team", web=web))
    services.append(
        pd_service("PLC0RN1", "Legacy Cron Alerts", policy_ids["fulfilment-team"], team_ids["fulfilment-team"], "fulfilment-team", web=web)
    )
    for policy in policies:
        policy["services"] = [
            pd_ref("service", s["id"], s["name"], web=web) for s in services if s["escalation_policy"]["id"] == policy["id"]
        ]
    dump_json(out / "escalation_policies.json", pd_page("escalation_policies", policies))
    dump_json(out / "services.json", pd_page("services", services))
    for service in services:
        # Every linked service gets its dependency file, most of them with no relationships.
        dump_json(out / "service_dependencies" / "technical_services" / f"{service['id']}.json", {"relationships": []})
    by_name = {s.name: s.pagerduty for s in org.services}
    deps = [("checkout", "cart"), ("checkout", "payments-gateway"), ("storefront-web", "search"), ("api-gateway", "identity")]
    for dependent, supporting in deps:
        d, s = by_name.get(dependent), by_name.get(supporting)
        if d and s:
            path = out / "service_dependencies" / "technical_services" / f"{d}.json"
            existing = json.loads(path.read_text()) if path.exists() else {"relationships": []}
            existing["relationships"].append(pd_dependency(d, s))
            dump_json(path, existing)

    # On-call entries over the importer's window: 7 days back, 14 ahead.
    since, until = now - timedelta(days=7), now + timedelta(days=14)
    oncalls: list[dict[str, Any]] = []
    for team in teams_with_people:
        pid = policy_ids[team]
        title = team.replace("-", " ").title()
        for sid, members, hour, length in rotations[HANDED_OFF.get(team, team)]:
            for start, end, member in _shifts(members, hour, length, since, until):
                who = (uid[member], names[uid[member]])
                if team == "checkout-team" and start <= now < end:
                    # A hole in the rotation right now: level 1 is empty, level 2 is paged first.
                    oncalls.append(pd_oncall(pid, title, 1, sid, *who, start, now - timedelta(hours=1), web=web))
                    oncalls.append(pd_oncall(pid, title, 1, sid, *who, now + timedelta(hours=5), end, web=web))
                    continue
                oncalls.append(pd_oncall(pid, title, 1, sid, *who, start, end, web=web))
        lead = org.members[team][0]
        oncalls.append(pd_oncall(pid, title, 2, None, user_ids[lead], org.display[lead], None, None, web=web))
    dump_json(out / "oncalls.json", pd_page("oncalls", oncalls))
    return {t: (team_ids[t], namespaces.get(t, "default")) for t in teams_with_people}


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
        items.append(k8s_workload(kind, svc.name, namespace, labels, _ENV.get(svc.name, {}), registry=REGISTRY))
        items.append(k8s_service(svc.name, namespace, port, {"app.kubernetes.io/name": svc.name}))
    items.append(k8s_cronjob("legacy-cron", "fulfilment", registry=REGISTRY))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# kubectl get deployments,statefulsets,cronjobs,services -A -o yaml (cluster prod-eu)\n"
    path.write_text(
        text + yaml.safe_dump(k8s_list(items), sort_keys=False),
        encoding="utf-8",
    )


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

"""A synthetic company at three scales, written in the sources' real formats.

``python -m bench.generate --scale S|M|L --out DIR [--seed N] [--now ISO]`` writes, under DIR:

- ``backstage/``: ``catalog-info.yaml`` (a Location) reaching ``org/groups-*.yaml`` (Groups with
  parents and children), ``org/users-*.yaml`` (Users with memberOf), ``platforms.yaml`` (platforms
  as ``kind: Resource``, ``spec.type: platform``, one of them standard), ``domains/*.yaml``
  (a Domain per division with its Systems) and ``components/*.yaml`` (Components with owner,
  system, dependsOn and the ``github.com/project-slug``, ``pagerduty.com/service-id`` and
  ``ownership-catalog.io/platform`` annotations);
- ``github/``: the GitHub export (layout in ``importers.github.client``) with CODEOWNERS;
- ``pagerduty/``: the PagerDuty export (layout in ``importers.pagerduty``), with 30 days of
  on-call shifts from 7 days before ``now``, so the importer's window (7 days back, 14 ahead)
  is full for a sync up to 9 days after generation;
- ``kubernetes/<cluster>/*.yaml``: ``kubectl get -o yaml`` Lists of Deployments, StatefulSets,
  CronJobs and Services, a file per group of namespaces;
- ``catalog.yaml``: every source above in offline mode, for ``catalog sync --config``.

The company (scale M): 2,000 teams in a hierarchy (org → divisions → departments → teams), 10,000
people, 20,000 services, 20,000 repositories, 100,000 dependencies between services whose fan-in
follows a power law (the dependency graph is acyclic; a few hubs have thousands of dependents), and
one escalation policy and schedule per team. Most services run on the standard platform's clusters;
some on other platforms (one of them a Kubernetes cluster of its own); some nowhere anyone knows.
A small share of the data is deliberately wrong, as real data is: services without owners,
CODEOWNERS naming another team or holding an invalid line, workloads labelled with another team,
PagerDuty services nobody declared or linked by name only, CronJobs nobody owns, on-call gaps.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, and ``now`` only moves the
on-call shifts: the same scale, seed and ``now`` write byte-identical files.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from catalog.demo.payloads import (
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

ORG = "globex"
COMPANY = "Globex Corporation"
MAIL = "globex.example"
PD_WEB = "https://globex.pagerduty.com"
REGISTRY = "registry.globex.example"
STANDARD = "kubernetes-platform"
DATA_PLATFORM = "data-k8s"
CLUSTERS: dict[str, str] = {"prod-eu": STANDARD, "prod-us": STANDARD, "data-k8s": DATA_PLATFORM}
"""Cluster → the platform it is."""
OTHER_PLATFORMS = ["legacy-vms", "aws-lambda", "heroku"]
"""Platforms that are not clusters; each division also runs an ECS platform of its own."""
ONCALL_PAST_DAYS = 7
ONCALL_DAYS = 30
ROTATION_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
"""A Monday: every rotation's layer starts here."""

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Scale:
    name: str
    teams: int
    """Every group: the org, its divisions, departments and teams; one escalation policy and schedule each."""
    services: int
    repositories: int
    dependencies: int
    people: int
    divisions: int
    departments: int

    @property
    def systems(self) -> int:
        return max(self.departments, self.services // 10)


SCALES: dict[str, Scale] = {
    "S": Scale("S", teams=200, services=1_000, repositories=1_000, dependencies=5_000, people=1_000, divisions=4, departments=15),
    "M": Scale("M", teams=2_000, services=20_000, repositories=20_000, dependencies=100_000, people=10_000, divisions=10, departments=100),
    "L": Scale(
        "L", teams=10_000, services=100_000, repositories=100_000, dependencies=500_000, people=50_000, divisions=25, departments=500
    ),
}

# -- vocabulary -----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_FIRST = _words(
    "ana aiko amir ben carla chen dana david elena emil fatima felix grace hana ivan ines jonas julia kai kenji lara leo "
    "maria mateo nadia noah olga omar priya raj rosa sam sara sofia tariq tom uma vera wei yara zoe"
)
_LAST = _words(
    "adams berg costa diaz evans fischer garcia hansen ito jensen kim kowalski lopez meyer moreau nakamura novak okafor "
    "ortega patel quinn rossi santos schmidt silva smith tanaka umar varga wagner weber xu yilmaz young zhang"
)
_DIVISIONS = _words(
    "commerce payments platform data identity logistics marketing media mobile security finance growth risk support "
    "search ads retail travel health devices gaming insurance energy crm people"
)
_DEPARTMENT_WORDS = _words(
    "core experience infra analytics ops api apps backend frontend integrations insights services tooling quality "
    "reliability partners pricing billing catalog content"
)
_TEAM_WORDS = _words(
    "falcon otter badger heron lynx orca panda raven tiger wolf bison cobra crane eagle ferret gecko hawk ibis jaguar koala "
    "lemur marten narwhal ocelot puffin quail robin stoat tapir urchin viper walrus yak zebra"
)
_NOUNS = _words(
    "orders cart checkout payments ledger invoices refunds pricing catalog search reviews ratings inventory shipping "
    "tracking returns accounts profiles sessions tokens consent emails sms push notifications feeds events metrics logs "
    "reports exports imports media images video uploads assets geo maps routing fleet drivers riders loyalty coupons "
    "promotions ads bids fraud risk kyc audit billing tax currency wallet subscriptions plans quotes claims policies"
)
_KINDS = _words("api service worker gateway web store sync engine ui bff proxy jobs")
_LANGUAGES = ["Python", "Go", "Java", "TypeScript", "Kotlin", "Rust"]
_FILES = ["README.md", "src/main.py", "src/api/handlers.py", "src/api/models.py", "deploy/k8s.yaml", "docs/runbook.md"]
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b36(number: int, width: int = 5) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 36)
        digits.append(_B36[rest])
    return "".join(reversed(digits))


# -- the company ----------------------------------------------------------------------------


@dataclass(slots=True)
class Group:
    index: int
    name: str
    type: str
    """org, division, department or team."""
    parent: int | None
    title: str
    children: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    daily: bool = False
    """A daily rotation (else weekly)."""
    hour: int = 9
    gap_now: bool = False
    """Level 1 of its policy is empty right now (level 2 is paged first)."""
    extra_schedule: int | None = None
    """A second schedule on level 1: the department's (several schedules on one level)."""

    @property
    def pd_team(self) -> str:
        return "PT" + _b36(self.index)

    @property
    def pd_schedule(self) -> str:
        return "PS" + _b36(self.index)

    @property
    def pd_policy(self) -> str:
        return "PE" + _b36(self.index)


@dataclass(slots=True)
class Person:
    index: int
    login: str
    display: str
    email: str
    teams: list[int] = field(default_factory=list)

    @property
    def pd_id(self) -> str:
        return "PU" + _b36(self.index)


@dataclass(slots=True)
class System:
    index: int
    name: str
    department: int
    owner: int
    domain: str


@dataclass(slots=True)
class Service:
    index: int
    name: str
    owner: int | None
    system: int
    type: str
    lifecycle: str
    tier: str
    platform: str | None
    """The platform the Backstage descriptor names (annotation), if any."""
    clusters: list[str]
    """Clusters it is deployed to (its platform, if it declares none, comes from there)."""
    pagerduty: str
    """``declared`` (annotation), ``name`` (a PagerDuty service of the same name, no annotation) or ``none``."""
    repo: int | None = None
    deps: list[int] = field(default_factory=list)
    k8s_team: str | None = None
    """The ``team`` label of its workloads."""
    stateful: bool = False

    @property
    def title(self) -> str:
        return self.name.replace("-", " ").title()

    @property
    def pd_id(self) -> str:
        return "PV" + _b36(self.index)


@dataclass(slots=True)
class Repo:
    index: int
    name: str
    owner: int | None
    service: int | None
    language: str
    codeowners: str
    """default, none, partial, other-team, invalid or person."""
    archived: bool = False

    @property
    def id(self) -> int:
        return 100_000 + self.index


@dataclass
class Company:
    scale: Scale
    groups: list[Group]
    people: list[Person]
    systems: list[System]
    domains: list[str]
    platforms: list[tuple[str, str, int, bool]]
    """(name, type, owner group, standard)."""
    services: list[Service]
    repos: list[Repo]
    extra_pd_services: list[tuple[str, str, int]]
    """PagerDuty services no descriptor declares: (id, name, owner group)."""


def build_company(scale: Scale, rng: random.Random) -> Company:
    """The whole company in memory, drawn from ``rng`` in a fixed order."""
    # People.
    people: list[Person] = []
    for i in range(scale.people):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        people.append(Person(i, f"{first}-{last}-{i}", f"{first.title()} {last.title()}", f"{first}.{last}.{i}@{MAIL}"))

    # Groups: org → divisions → departments → teams.
    groups: list[Group] = [Group(0, ORG, "org", None, COMPANY)]
    divisions = []
    for d in range(scale.divisions):
        word = _DIVISIONS[d % len(_DIVISIONS)] + ("" if d < len(_DIVISIONS) else f"-{d}")
        group = Group(len(groups), f"eng-{word}", "division", 0, f"Engineering - {word.title()}")
        groups.append(group)
        divisions.append(group.index)
    departments = []
    for k in range(scale.departments):
        head = groups[divisions[k % len(divisions)]]
        word = _DEPARTMENT_WORDS[(k // len(divisions)) % len(_DEPARTMENT_WORDS)]
        name = f"{head.name.removeprefix('eng-')}-{word}" + ("" if k < len(divisions) * len(_DEPARTMENT_WORDS) else f"-{k}")
        group = Group(len(groups), name, "department", head.index, name.replace("-", " ").title())
        groups.append(group)
        departments.append(group.index)
    leaf_count = scale.teams - len(groups)
    if leaf_count < len(departments):
        raise ValueError(f"scale {scale.name}: {scale.teams} groups leave too few teams for {len(departments)} departments")
    teams = []
    for t in range(leaf_count):
        department = departments[t] if t < len(departments) else rng.choice(departments)
        name = f"{rng.choice(_TEAM_WORDS)}-{t}"
        group = Group(len(groups), name, "team", department, name.replace("-", " ").title())
        groups.append(group)
        teams.append(group.index)
    for group in groups[1:]:
        assert group.parent is not None
        groups[group.parent].children.append(group.index)

    # Memberships: a head for each org, division and department; every team gets at least two people.
    heads = len(groups) - leaf_count
    if scale.people < heads + 2 * leaf_count:
        raise ValueError(f"scale {scale.name}: {scale.people} people are too few for {scale.teams} groups")
    for g in range(heads):
        groups[g].members.append(g)
        people[g].teams.append(g)
    for i, person in enumerate(people[heads:]):
        team = teams[i // 2] if i < 2 * leaf_count else rng.choice(teams)
        groups[team].members.append(person.index)
        person.teams.append(team)
    for person in people[heads:]:
        if rng.random() < 0.08:
            second = rng.choice(teams)
            if second not in person.teams:
                groups[second].members.append(person.index)
                person.teams.append(second)

    # Rotations.
    for group in groups:
        group.daily = rng.random() < 0.3
        group.hour = rng.choice([0, 6, 8, 9, 12, 17])
        group.gap_now = rng.random() < 0.02
        if group.type == "team" and rng.random() < 0.05:
            group.extra_schedule = group.parent

    # Domains (one per division) and systems (about ten services each).
    domains = [groups[d].name.removeprefix("eng-") for d in divisions]
    teams_of: dict[int, list[int]] = {d: [] for d in departments}
    for t in teams:
        parent = groups[t].parent
        assert parent is not None
        teams_of[parent].append(t)
    systems: list[System] = []
    systems_of: dict[int, list[int]] = {d: [] for d in departments}
    for k in range(scale.systems):
        dept = departments[k % len(departments)]
        above = groups[dept].parent
        assert above is not None
        domain = groups[above].name.removeprefix("eng-")
        systems.append(System(k, f"{rng.choice(_NOUNS)}-system-{k}", dept, rng.choice(teams_of[dept]), domain))
        systems_of[dept].append(k)

    # Platforms.
    platform_owner = teams[0]
    platforms: list[tuple[str, str, int, bool]] = [(STANDARD, "kubernetes", platform_owner, True)]
    platforms.append((DATA_PLATFORM, "kubernetes", rng.choice(teams), False))
    platforms += [(name, kind, rng.choice(teams), False) for name, kind in zip(OTHER_PLATFORMS, ["vm", "serverless", "paas"], strict=True)]
    for d in divisions:
        division_teams = [t for dept in groups[d].children for t in teams_of[dept]]
        platforms.append((f"{groups[d].name.removeprefix('eng-')}-ecs", "ecs", rng.choice(division_teams), False))
    other_platforms = [p[0] for p in platforms[2:]]

    # Services.
    services: list[Service] = []
    for i in range(scale.services):
        owner_team = rng.choice(teams)
        home = groups[owner_team].parent
        assert home is not None
        system_index = rng.choice(systems_of[home])
        owner = None if rng.random() < 0.005 else owner_team
        name = f"{rng.choice(_NOUNS)}-{rng.choice(_KINDS)}-{i}"
        kind = "website" if rng.random() < 0.08 else "service"
        u = rng.random()
        lifecycle = "production" if u < 0.9 else "experimental" if u < 0.97 else "deprecated"
        tier = rng.choice("1223333")
        u = rng.random()
        standard_cluster = "prod-eu" if rng.random() < 0.6 else "prod-us"
        platform: str | None
        if u < 0.70:
            platform, clusters = STANDARD, [standard_cluster]
            if rng.random() < 0.1:
                clusters = ["prod-eu", "prod-us"]
        elif u < 0.76:
            platform, clusters = None, [standard_cluster]  # runs there, says nothing: adoption finds it
        elif u < 0.80:
            platform, clusters = DATA_PLATFORM, ["data-k8s"]
        elif u < 0.90:
            platform, clusters = rng.choice(other_platforms), []
        else:
            platform, clusters = None, []  # nobody knows
        u = rng.random()
        pagerduty = "none" if owner is None else "declared" if u < 0.85 else "name" if u < 0.86 else "none"
        service = Service(i, name, owner, system_index, kind, lifecycle, tier, platform, clusters, pagerduty)
        u = rng.random()
        service.k8s_team = None if owner is None or u < 0.01 else groups[owner].name if u > 0.02 else groups[rng.choice(teams)].name
        service.stateful = rng.random() < 0.05
        services.append(service)

    # Repositories: most services build from their own; a few share one (a monorepo) or have none.
    repos: list[Repo] = []
    last_repo_of: dict[int, int] = {}
    for service in services:
        u = rng.random()
        if u < 0.02:
            continue
        shared = last_repo_of.get(service.owner) if service.owner is not None else None
        if u < 0.03 and shared is not None:
            service.repo = shared
            continue
        repo = Repo(len(repos), service.name, service.owner, service.index, rng.choice(_LANGUAGES), _codeowners_variant(rng))
        if service.owner is None:
            repo.codeowners = "none"
        repos.append(repo)
        service.repo = repo.index
        if service.owner is not None:
            last_repo_of[service.owner] = repo.index
    if len(repos) > scale.repositories:
        raise ValueError(f"scale {scale.name}: {len(repos)} service repositories exceed {scale.repositories}")
    while len(repos) < scale.repositories:
        j = len(repos)
        prefix = rng.choice(["lib", "terraform", "tools", "infra", "docs"])
        owner = rng.choice(teams) if rng.random() < 0.9 else rng.choice(departments)
        repo = Repo(j, f"{prefix}-{rng.choice(_NOUNS)}-{j}", owner, None, rng.choice(_LANGUAGES), _codeowners_variant(rng))
        repo.archived = rng.random() < 0.1
        repos.append(repo)

    _dependencies(scale, services, rng)

    extra = [(f"PX{_b36(j)}", f"Legacy Alerts {j}", rng.choice(teams)) for j in range(max(2, scale.services // 500))]
    return Company(scale, groups, people, systems, domains, platforms, services, repos, extra)


def _codeowners_variant(rng: random.Random) -> str:
    u = rng.random()
    for bound, variant in ((0.03, "none"), (0.05, "partial"), (0.06, "other-team"), (0.065, "invalid"), (0.10, "person")):
        if u < bound:
            return variant
    return "default"


def _dependencies(scale: Scale, services: list[Service], rng: random.Random) -> None:
    """Exactly ``scale.dependencies`` edges, acyclic, with a power-law fan-in.

    Services are ranked at random; a service depends only on services ranked before it, picked
    with weight 1/(rank+1), so the first few ranks are hubs that thousands depend on.
    """
    count = len(services)
    order = list(range(count))
    rng.shuffle(order)
    cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(count)))
    mean = scale.dependencies / count
    high = max(1, round(2 * mean - 1))
    degrees = [min(rng.randint(1, high), r // 2 + (1 if r else 0)) for r in range(count)]
    caps = [min(3 * high, r // 2 + (1 if r else 0)) for r in range(count)]
    total = sum(degrees)
    if scale.dependencies > sum(caps):
        raise ValueError(f"scale {scale.name}: {scale.dependencies} dependencies do not fit among {count} services")
    while total != scale.dependencies:
        r = rng.randrange(count)
        if total < scale.dependencies and degrees[r] < caps[r]:
            degrees[r] += 1
            total += 1
        elif total > scale.dependencies and degrees[r] > 0:
            degrees[r] -= 1
            total -= 1
    for rank, degree in enumerate(degrees):
        if degree == 0:
            continue
        picked: dict[int, None] = {}
        limit = cum[rank - 1]
        while len(picked) < degree:
            target = bisect.bisect_right(cum, rng.random() * limit)
            picked[min(target, rank - 1)] = None
        services[order[rank]].deps = [order[t] for t in picked]


# -- writing --------------------------------------------------------------------------------


@dataclass
class Counts:
    teams: int = 0
    people: int = 0
    services: int = 0
    systems: int = 0
    domains: int = 0
    platforms: int = 0
    repositories: int = 0
    dependencies: int = 0
    memberships: int = 0
    escalation_policies: int = 0
    schedules: int = 0
    shifts: int = 0
    pagerduty_services: int = 0
    workloads: int = 0
    clusters: int = 0
    relationships: int = 0
    """Team parents, memberships, owners (of services, systems, domains, platforms and repositories),
    service → system, → repository and → platform, system → domain, dependencies, on-call shifts and
    workload → service."""
    files: int = 0
    bytes: int = 0

    @property
    def entities(self) -> int:
        """Teams, people, services, systems, domains, platforms, repositories, policies, schedules, workloads."""
        return (
            self.teams
            + self.people
            + self.services
            + self.systems
            + self.domains
            + self.platforms
            + self.repositories
            + self.escalation_policies
            + self.schedules
            + self.workloads
        )


@dataclass
class Generated:
    config: Path
    counts: Counts
    seconds: float


class _Out:
    """Writes files under one root, counting them and their bytes."""

    def __init__(self, root: Path, counts: Counts) -> None:
        self.root = root
        self.counts = counts
        self._dirs: set[Path] = set()

    def _path(self, relative: str) -> Path:
        path = self.root / relative
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        return path

    def text(self, relative: str, text: str) -> None:
        data = text.encode()
        self._path(relative).write_bytes(data)
        self.counts.files += 1
        self.counts.bytes += len(data)

    def json(self, relative: str, value: Any) -> None:
        self.text(relative, json.dumps(value, separators=(",", ":")) + "\n")

    def yaml(self, relative: str, documents: Iterable[Any], header: str = "") -> None:
        self.text(relative, header + yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120))

    def json_stream(self, relative: str, name: str, items: Iterator[dict[str, Any]]) -> int:
        """A PagerDuty page object whose list is written item by item, never held whole; returns how many."""
        count = 0
        with self._path(relative).open("wb") as file:

            def put(text: str) -> None:
                data = text.encode()
                file.write(data)
                self.counts.bytes += len(data)

            put(f'{{"{name}":[')
            for item in items:
                put(("\n" if count == 0 else ",\n") + json.dumps(item, separators=(",", ":")))
                count += 1
            put(f'],"limit":100,"offset":0,"more":false,"total":{count}}}\n')
        self.counts.files += 1
        return count


def _chunks(items: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for n, start in enumerate(range(0, len(items), size)):
        yield n, items[start : start + size]


def _doc(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


def _write_backstage(company: Company, out: _Out) -> None:
    groups, people = company.groups, company.people
    out.yaml(
        "backstage/catalog-info.yaml",
        [
            _doc(
                "Location",
                {"name": ORG, "title": f"{COMPANY} catalog", "description": "Root location of the synthetic benchmark company."},
                {
                    "type": "file",
                    "targets": ["./org/*.yaml", "./platforms.yaml", "./domains/*.yaml", "./components/*.yaml"],
                },
            )
        ],
        header=f"# {COMPANY}: {company.scale.name} scale, generated by bench/generate.py.\n",
    )
    for n, chunk in _chunks(groups, 500):
        docs = []
        for group in chunk:
            annotations: dict[str, str] = {
                "ownership-catalog.io/chat-channel": f"#{group.name}",
                "pagerduty.com/team-id": group.pd_team,
                "github.com/team-slug": f"{ORG}/{group.name}",
            }
            spec: dict[str, Any] = {"type": group.type, "profile": {"displayName": group.title, "email": f"{group.name}@{MAIL}"}}
            if group.parent is not None:
                spec["parent"] = groups[group.parent].name
            spec["children"] = [groups[c].name for c in group.children]
            docs.append(_doc("Group", {"name": group.name, "title": group.title, "annotations": annotations}, spec))
        out.yaml(f"backstage/org/groups-{n:03d}.yaml", docs)
    for n, chunk in _chunks(people, 500):
        docs = [
            _doc(
                "User",
                {"name": p.login},
                {"profile": {"displayName": p.display, "email": p.email}, "memberOf": [groups[t].name for t in p.teams]},
            )
            for p in chunk
        ]
        out.yaml(f"backstage/org/users-{n:03d}.yaml", docs)

    docs = []
    for name, kind, owner, standard in company.platforms:
        metadata: dict[str, Any] = {"name": name, "title": name.replace("-", " ").title(), "tags": [kind]}
        if standard:
            metadata["annotations"] = {"ownership-catalog.io/standard-platform": "true"}
        docs.append(_doc("Resource", metadata, {"type": "platform", "owner": groups[owner].name}))
    out.yaml("backstage/platforms.yaml", docs)

    by_domain: dict[str, list[System]] = {d: [] for d in company.domains}
    for system in company.systems:
        by_domain[system.domain].append(system)
    for domain in company.domains:
        docs = [_doc("Domain", {"name": domain, "title": domain.title()}, {"owner": f"eng-{domain}"})]
        docs += [_doc("System", {"name": s.name}, {"owner": groups[s.owner].name, "domain": domain}) for s in by_domain[domain]]
        out.yaml(f"backstage/domains/{domain}.yaml", docs)

    services = company.services
    for n, chunk in _chunks(services, 250):
        docs = []
        for svc in chunk:
            annotations = {}
            if svc.repo is not None:
                annotations["github.com/project-slug"] = f"{ORG}/{company.repos[svc.repo].name}"
            if svc.pagerduty == "declared":
                annotations["pagerduty.com/service-id"] = svc.pd_id
            if svc.platform is not None:
                annotations["ownership-catalog.io/platform"] = svc.platform
            metadata = {
                "name": svc.name,
                "title": svc.title,
                "description": f"{svc.title}, part of {company.systems[svc.system].name}.",
                "labels": {"tier": svc.tier},
                "annotations": annotations,
                "links": [{"url": f"https://runbooks.{MAIL}/{svc.name}", "title": "Runbook", "type": "runbook"}],
            }
            spec = {"type": svc.type, "lifecycle": svc.lifecycle}
            if svc.owner is not None:
                spec["owner"] = groups[svc.owner].name
            spec["system"] = company.systems[svc.system].name
            if svc.deps:
                spec["dependsOn"] = [f"component:{services[d].name}" for d in svc.deps]
            docs.append(_doc("Component", metadata, spec))
        out.yaml(f"backstage/components/components-{n:03d}.yaml", docs)


def _write_github(company: Company, out: _Out) -> None:
    groups, repos = company.groups, company.repos
    payloads = []
    for repo in repos:
        description = company.services[repo.service].title if repo.service is not None else f"{repo.name.split('-')[0]} repository"
        topics = [repo.name.split("-")[0], repo.language.lower()]
        payloads.append(github_repo(ORG, repo.id, repo.name, description, topics=topics, language=repo.language, archived=repo.archived))
    # `gh api --paginate` writes one array per page.
    out.text("github/repos.json", "\n".join(json.dumps(payloads[i : i + 100]) for i in range(0, len(payloads), 100)) + "\n")

    summaries = [github_team(ORG, 1000 + g.index, g.name, None) for g in groups]
    for summary in summaries:
        del summary["parent"]
    teams = [
        github_team(ORG, 1000 + g.index, g.name, summaries[g.parent] if g.parent is not None else None, description=g.title) for g in groups
    ]
    out.json("github/teams.json", teams)
    # A team's members include its child teams' members, as the API lists them.
    below: list[list[int]] = [list(g.members) for g in groups]
    for group in reversed(groups):
        if group.parent is not None:
            below[group.parent].extend(below[group.index])
    owned: dict[int, list[int]] = {}
    for repo in repos:
        if repo.owner is not None:
            owned.setdefault(repo.owner, []).append(repo.index)
    maintain = github_permissions("maintain")
    for group in groups:
        logins = sorted({company.people[p].login for p in below[group.index]})
        out.json(f"github/teams/{group.name}/members.json", [github_member(login) for login in logins])
        listing = [dict(payloads[r], permissions=maintain, role_name="maintain") for r in owned.get(group.index, [])]
        out.json(f"github/teams/{group.name}/repos.json", listing)

    for repo in repos:
        files = list(_FILES)
        team = groups[repo.owner].name if repo.owner is not None else None
        text: str | None = f"# Owners of {repo.name}\n* @{ORG}/{team}\n" if team else None
        if team is None or repo.codeowners == "none":
            text = None
        elif repo.codeowners == "partial":
            text = f"# Only the code has an owner so far\n/src/ @{ORG}/{team}\n"
        elif repo.codeowners == "other-team":
            other = groups[(repo.owner or 0) % (len(groups) - 1) + 1].name
            text = f"* @{ORG}/{other}\n"
        elif repo.codeowners == "invalid":
            text = f"* @{ORG}/{team}\n!/vendor/ @{ORG}/{team}\n"
        elif repo.codeowners == "person":
            lead = company.people[groups[repo.owner or 0].members[0]].login
            text = f"* @{ORG}/{team}\n/docs/ @{lead}\n"
        if text is not None:
            files.append(".github/CODEOWNERS")
            out.text(f"github/codeowners/{repo.name}/.github/CODEOWNERS", text)
        out.json(f"github/trees/{repo.name}.json", github_tree(ORG, repo.name, files))


def _shifts(members: list[int], group: Group, since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime, int]]:
    """The group's rotation (daily or weekly turns from ``ROTATION_EPOCH`` at its hour) over [since, until)."""
    epoch = ROTATION_EPOCH + timedelta(hours=group.hour)
    turn = timedelta(days=1 if group.daily else 7)
    n = (since - epoch) // turn
    while True:
        start = epoch + n * turn
        if start >= until:
            return
        yield start, start + turn, members[n % len(members)]
        n += 1


def _write_pagerduty(company: Company, out: _Out, now: datetime) -> None:
    groups, people, web = company.groups, company.people, PD_WEB
    user_refs = [pd_ref("user", p.pd_id, p.display, web=web) for p in people]
    users = [pd_user(p.pd_id, p.display, p.email, web=web) for p in people]
    users += [
        pd_user(f"PC{_b36(j)}", f"Contractor {j}", f"contractor{j}@contractor.example", web=web, role="limited_user") for j in range(3)
    ]
    out.json("pagerduty/users.json", pd_page("users", users))
    out.json("pagerduty/teams.json", pd_page("teams", [pd_team(g.pd_team, g.title) for g in groups]))
    team_refs = [pd_ref("team", g.pd_team, g.title, web=web) for g in groups]
    for group in groups:
        out.json(f"pagerduty/teams/{group.pd_team}/members.json", pd_page("members", [pd_member(user_refs[m]) for m in group.members]))

    schedules = []
    for group in groups:
        refs = [user_refs[m] for m in group.members]
        schedule = pd_schedule(
            group.pd_schedule, f"{group.title} primary", web=web, time_zone="UTC", users=refs, teams=[team_refs[group.index]]
        )
        schedules.append(schedule)
        start = (ROTATION_EPOCH + timedelta(hours=group.hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
        layers = [pd_layer("PL" + _b36(group.index), start, 86400 * (1 if group.daily else 7), refs)]
        out.json(f"pagerduty/schedules/{group.pd_schedule}.json", {"schedule": {**schedule, "schedule_layers": layers}})
    out.json("pagerduty/schedules.json", pd_page("schedules", schedules))

    services: list[dict[str, Any]] = []
    for svc in company.services:
        if svc.pagerduty == "none" or svc.owner is None:
            continue
        owner = groups[svc.owner]
        services.append(pd_service(svc.pd_id, svc.title, owner.pd_policy, owner.pd_team, owner.title, web=web))
    for pd_id, name, owner_index in company.extra_pd_services:
        owner = groups[owner_index]
        services.append(pd_service(pd_id, name, owner.pd_policy, owner.pd_team, owner.title, web=web))
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for s in services:
        by_policy.setdefault(s["escalation_policy"]["id"], []).append(pd_ref("service", s["id"], s["name"], web=web))

    policies = []
    for group in groups:
        level1 = [pd_ref("schedule", group.pd_schedule, f"{group.title} primary", web=web)]
        if group.extra_schedule is not None:
            extra = groups[group.extra_schedule]
            level1.append(pd_ref("schedule", extra.pd_schedule, f"{extra.title} primary", web=web))
        rules = [
            pd_rule("PR" + _b36(2 * group.index), 15, level1),
            pd_rule("PR" + _b36(2 * group.index + 1), 30, [user_refs[group.members[0]]]),
        ]
        policies.append(
            pd_policy(
                group.pd_policy,
                group.title,
                web=web,
                rules=rules,
                teams=[team_refs[group.index]],
                services=by_policy.get(group.pd_policy, []),
            )
        )
    out.json("pagerduty/escalation_policies.json", pd_page("escalation_policies", policies))
    out.json("pagerduty/services.json", pd_page("services", services))

    # Every service's dependency file; PagerDuty knows the first two dependencies on other linked services.
    linked = [s.pagerduty != "none" and s.owner is not None for s in company.services]
    for svc in company.services:
        if linked[svc.index]:
            relationships = [pd_dependency(svc.pd_id, company.services[d].pd_id) for d in svc.deps[:2] if linked[d]]
            out.json(f"pagerduty/service_dependencies/technical_services/{svc.pd_id}.json", {"relationships": relationships})
    for pd_id, _, _ in company.extra_pd_services:
        out.json(f"pagerduty/service_dependencies/technical_services/{pd_id}.json", {"relationships": []})

    since = now - timedelta(days=ONCALL_PAST_DAYS)
    until = since + timedelta(days=ONCALL_DAYS)

    def oncalls() -> Iterator[dict[str, Any]]:
        for group in groups:
            policy, title = group.pd_policy, group.title
            for scheduled in [group] + ([groups[group.extra_schedule]] if group.extra_schedule is not None else []):
                sid, name = scheduled.pd_schedule, f"{scheduled.title} primary"
                for start, end, member in _shifts(scheduled.members, scheduled, since, until):
                    who = (people[member].pd_id, people[member].display)
                    if group.gap_now and scheduled is group and start <= now < end:
                        # A hole in the rotation right now: level 1 is empty, level 2 is paged first.
                        yield pd_oncall(policy, title, 1, sid, *who, start, now - timedelta(hours=1), web=web, schedule_name=name)
                        yield pd_oncall(policy, title, 1, sid, *who, now + timedelta(hours=5), end, web=web, schedule_name=name)
                        continue
                    yield pd_oncall(policy, title, 1, sid, *who, start, end, web=web, schedule_name=name)
            lead = people[group.members[0]]
            yield pd_oncall(policy, title, 2, None, lead.pd_id, lead.display, None, None, web=web)

    out.counts.shifts = out.json_stream("pagerduty/oncalls.json", "oncalls", oncalls())
    out.counts.pagerduty_services = len(services)


def _env(company: Company, svc: Service, cluster: str, namespaces: list[str]) -> dict[str, str]:
    env: dict[str, str] = {"LOG_LEVEL": "info"}
    for n, d in enumerate(svc.deps):
        dep = company.services[d]
        if cluster not in dep.clusters:
            continue
        key = dep.name.upper().replace("-", "_") + ("_URL" if n % 3 != 2 else "_ADDR")
        ns = namespaces[d]
        env[key] = (
            f"http://{dep.name}.{ns}.svc.cluster.local:80"
            if n % 3 == 0
            else f"http://{dep.name}.{ns}:80"
            if n % 3 == 1
            else f"{dep.name}.{ns}:80"
        )
        if len(env) > 6:
            break
    return env


def _write_kubernetes(company: Company, out: _Out) -> None:
    """Per cluster, ``kubectl get -o yaml`` Lists of about 300 workloads each, whole namespaces per file."""
    groups = company.groups
    namespaces = [groups[s.owner].name if s.owner is not None else "shared" for s in company.services]
    cronjobs = max(2, company.scale.services // 500)
    for cluster in CLUSTERS:
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for svc in company.services:
            if cluster not in svc.clusters:
                continue
            namespace = namespaces[svc.index]
            labels = {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/managed-by": "argocd"}
            if svc.k8s_team is not None:
                labels["team"] = svc.k8s_team
            kind = "StatefulSet" if svc.stateful else "Deployment"
            objects = by_namespace.setdefault(namespace, [])
            objects.append(k8s_workload(kind, svc.name, namespace, labels, _env(company, svc, cluster, namespaces), registry=REGISTRY))
            objects.append(k8s_service(svc.name, namespace, 80, {"app.kubernetes.io/name": svc.name}))
            out.counts.workloads += 1
        if CLUSTERS[cluster] == STANDARD:
            by_namespace["ops"] = [k8s_cronjob(f"batch-cleanup-{k}", "ops", registry=REGISTRY) for k in range(cronjobs)]
            out.counts.workloads += cronjobs
        files: list[list[str]] = [[]]
        size = 0
        for namespace in sorted(by_namespace):
            if size >= 600:
                files.append([])
                size = 0
            files[-1].append(namespace)
            size += len(by_namespace[namespace])
        for n, names in enumerate(files):
            items = [obj for namespace in names for obj in by_namespace[namespace]]
            header = f"# kubectl get deployments,statefulsets,cronjobs,services -o yaml, namespaces {names[0]} to {names[-1]} ({cluster})\n"
            out.yaml(f"kubernetes/{cluster}/{n:03d}.yaml", [k8s_list(items)], header=header)
        out.counts.clusters += 1


def _write_config(company: Company, out: _Out) -> Path:
    sources: list[dict[str, Any]] = [
        {"type": "backstage", "paths": ["backstage/catalog-info.yaml"], "instance": f"backstage:{ORG}"},
        {"type": "github", "org": ORG, "export_dir": "github"},
        {"type": "pagerduty", "account": ORG, "export_dir": "pagerduty"},
    ]
    for cluster, platform in CLUSTERS.items():
        sources.append({"type": "kubernetes", "cluster": cluster, "platform": platform, "files": [f"kubernetes/{cluster}"]})
    config = {
        "sources": sources,
        "ownership": {"precedence": ["backstage", "opslevel", "cortex", "github", "kubernetes", "pagerduty"]},
    }
    header = f"# {COMPANY} at scale {company.scale.name}, generated by bench/generate.py: every source offline.\n"
    out.text("catalog.yaml", header + yaml.safe_dump(config, sort_keys=False))
    return out.root / "catalog.yaml"


def build(scale: str, out: Path, *, seed: int = 1, now: datetime | None = None) -> Generated:
    """Generate the company at ``scale`` into ``out`` (emptied first); returns the config and counts."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError(f"now {now!r} has no timezone")
    began = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    company = build_company(SCALES[scale], random.Random(seed))
    counts = Counts(
        teams=len(company.groups),
        people=len(company.people),
        services=len(company.services),
        systems=len(company.systems),
        domains=len(company.domains),
        platforms=len(company.platforms),
        repositories=len(company.repos),
        dependencies=sum(len(s.deps) for s in company.services),
        memberships=sum(len(p.teams) for p in company.people),
        escalation_policies=len(company.groups),
        schedules=len(company.groups),
    )
    writer = _Out(out, counts)
    _write_backstage(company, writer)
    _write_github(company, writer)
    _write_pagerduty(company, writer, now.astimezone(UTC))
    _write_kubernetes(company, writer)
    config = _write_config(company, writer)
    services = company.services
    counts.relationships = (
        (counts.teams - 1)
        + counts.memberships
        + sum(1 for s in services if s.owner is not None)
        + counts.services
        + sum(1 for s in services if s.repo is not None)
        + sum(1 for s in services if s.platform is not None or s.clusters)
        + 2 * counts.systems
        + counts.domains
        + counts.platforms
        + sum(1 for r in company.repos if r.owner is not None)
        + counts.dependencies
        + counts.shifts
        + counts.workloads
    )
    return Generated(config, counts, time.perf_counter() - began)


def generate(scale: str, out: Path, *, seed: int = 1, now: datetime | None = None) -> Path:
    """Generate the company at ``scale`` (S, M or L) into ``out``; returns the ``catalog.yaml`` path."""
    return build(scale, out, seed=seed, now=now).config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(SCALES), required=True, help="S: 200 teams, 1k services; M: 2k/20k; L: five times M")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (emptied first)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1); the same seed and --now write the same files")
    parser.add_argument("--now", help="ISO instant the on-call shifts are placed around (default: now), e.g. 2026-11-20T03:00Z")
    args = parser.parse_args(argv)
    now = None
    if args.now:
        now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    result = build(args.scale, args.out, seed=args.seed, now=now)
    c = result.counts
    print(f"scale {args.scale} (seed {args.seed}) → {result.config}")
    print(
        f"  teams {c.teams:,}  people {c.people:,}  services {c.services:,}  systems {c.systems:,}  domains {c.domains:,}  "
        f"platforms {c.platforms:,}  repositories {c.repositories:,}"
    )
    print(
        f"  dependencies {c.dependencies:,}  memberships {c.memberships:,}  escalation policies {c.escalation_policies:,}  "
        f"schedules {c.schedules:,}  on-call shifts {c.shifts:,}  PagerDuty services {c.pagerduty_services:,}  "
        f"workloads {c.workloads:,} in {c.clusters} clusters"
    )
    print(
        f"  entities {c.entities:,}  relationships {c.relationships:,}  files {c.files:,}  bytes {c.bytes:,}  seconds {result.seconds:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

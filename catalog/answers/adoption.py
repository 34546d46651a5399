"""Platform adoption: how many services run on the standard platform, per team, domain, org unit and company.

Each current service is counted once per group, in one of three columns:

- ``standard``: it runs on (``RUNS_ON``, from any source) a current Platform with ``standard = true``;
- ``other``: it runs on platforms, none of them standard;
- ``unknown``: no source says where it runs.

The ratio is ``standard / total``; ``known_ratio`` leaves the unknown out (``standard / (standard + other)``).

Groups:

- ``team``: the service's resolved owner team (``ACCOUNTABLE_FOR``, or ``OWNS`` where the reconcile step has
  not resolved it yet); a service with several owner teams counts in each. Services without an owner team
  (none at all, or only people) form the group with key None.
- ``domain``: the top-level domain of the service's system (Service → System → Domain, subdomains rolled up
  to the domain at the top of their ``PART_OF`` chain). Services in no system or in a system without a
  domain form the group with key None.
- ``org-unit``: the top-level org unit of the owner team: the team's topmost ancestor over ``CHILD_OF``; when
  the whole hierarchy hangs off one root (a company group), the root's children are the org units instead.
  A team outside any hierarchy is its own org unit.

Each group count is one aggregate query in the store (``catalog.read.adoption``: services never travel to
Python); a service in two groups counts once in each, and once in the company total.

Trend: ``snapshot_batch`` counts every scope after a sync and writes ``AdoptionSnapshot`` nodes, one import
instance per snapshot so no later sync retires them; ``adoption_trend`` reads a scope's series.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from catalog.core.model import ADOPTION_SNAPSHOT
from catalog.core.records import ImportBatch, NodeRecord
from catalog.read import CatalogReader
from catalog.read.adoption import GroupRows, SnapshotCounts
from catalog.read.adoption import snapshot_key as snapshot_key

Grouping = Literal["team", "domain", "org-unit"]
GROUPINGS: tuple[Grouping, ...] = ("team", "domain", "org-unit")
Scope = Literal["company", "team", "domain", "org-unit"]
SCOPES: tuple[Scope, ...] = ("company", "team", "domain", "org-unit")
COMPANY_KEY = "company"
NONE_KEY = "none"
"""``scope_key`` of the snapshot of services outside any team, domain or org unit."""
SNAPSHOT_SOURCE = "catalog"
_NO_GROUP = {"team": "(no owner team)", "domain": "(no domain)", "org-unit": "(no org unit)"}
_HIERARCHY_LIMIT = 64
"""Most levels a team or domain hierarchy is climbed; guards against a cycle the importers missed."""


@dataclass
class Counts:
    total: int = 0
    standard: int = 0
    other: int = 0
    unknown: int = 0

    @property
    def ratio(self) -> float | None:
        """Share of services on the standard platform; None for no services."""
        return None if self.total == 0 else self.standard / self.total

    @property
    def known_ratio(self) -> float | None:
        """Share on the standard platform among services whose platform is known."""
        known = self.standard + self.other
        return None if known == 0 else self.standard / known

    def add(self, status: str, services: int) -> None:
        self.total += services
        if status == "standard":
            self.standard += services
        elif status == "other":
            self.other += services
        else:
            self.unknown += services


@dataclass
class AdoptionGroup(Counts):
    key: str | None = None
    """Key of the team, domain or org unit; None for the services outside any."""
    name: str = ""


@dataclass(frozen=True)
class PlatformRef:
    key: str
    name: str


@dataclass(frozen=True)
class TeamRef:
    key: str | None
    """None for services without an owner team."""
    name: str


@dataclass(frozen=True)
class PlatformUse:
    team: TeamRef
    services: int


@dataclass
class OtherPlatform:
    """A non-standard platform that current services run on."""

    platform: PlatformRef
    owners: list[TeamRef]
    """Its owner teams."""
    services: int
    """Current services that run on it."""
    used_by: list[PlatformUse]
    """Whose services run on it, by owner team, most services first."""


@dataclass(frozen=True)
class TeamPlatform:
    """A team that runs a platform of its own: it owns a non-standard platform services run on, or its services run on one."""

    team: TeamRef
    platform: PlatformRef
    owns: bool
    """True when the team owns the platform."""
    services: int
    """Of the team's services, how many run on it."""


@dataclass
class AdoptionReport:
    """Read-only once returned: a snapshot reader's report is shared by every request on that snapshot."""

    by: Grouping
    company: Counts
    groups: list[AdoptionGroup]
    """By name; the group of services outside any team, domain or org unit (key None) last."""
    standard_platforms: list[PlatformRef]
    """The platforms that count as standard; none means every service with a platform counts as other."""
    other_platforms: list[OtherPlatform] = field(default_factory=list)
    teams_with_own_platforms: list[TeamPlatform] = field(default_factory=list)


@dataclass(frozen=True)
class AdoptionPoint:
    taken_at: str
    scope: str
    key: str
    name: str | None
    total: int
    standard: int
    other: int
    unknown: int

    @property
    def ratio(self) -> float | None:
        return None if self.total == 0 else self.standard / self.total

    @property
    def known_ratio(self) -> float | None:
        known = self.standard + self.other
        return None if known == 0 else self.standard / known


Rows = GroupRows
"""(keys of the groups a set of services belongs to, status, how many services)."""


def _top(key: str, parents: Mapping[str, Sequence[str]]) -> str:
    """The topmost ancestor of ``key`` (following the first parent by key where there are several)."""
    seen = {key}
    for _ in range(_HIERARCHY_LIMIT):
        above = parents.get(key)
        if not above or above[0] in seen:
            return key
        key = above[0]
        seen.add(key)
    return key


def org_units(teams: Iterable[str], parents: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each team's top-level org unit: its topmost ancestor, or the child of the root under it when all
    hierarchies share one root."""
    roots = {_top(child, parents) for child in parents}
    single = next(iter(roots)) if len(roots) == 1 else None
    units: dict[str, str] = {}
    for team in teams:
        if single is None or team == single:
            units[team] = _top(team, parents)
            continue
        path = [team]
        seen = {team}
        for _ in range(_HIERARCHY_LIMIT):
            above = parents.get(path[-1])
            if not above or above[0] in seen:
                break
            path.append(above[0])
            seen.add(above[0])
        units[team] = path[-2] if path[-1] == single and len(path) > 1 else path[-1]
    return units


def _regroup(rows: Rows, mapping: Mapping[str, str] | None, valid: Iterable[str]) -> tuple[Counts, dict[str | None, Counts]]:
    """Company counts and counts per group: each row's keys mapped (by ``mapping``) to groups, each group once."""
    allowed = set(valid)
    company = Counts()
    groups: dict[str | None, Counts] = defaultdict(Counts)
    for keys, status, services in rows:
        company.add(status, services)
        targets: set[str | None] = {mapping.get(k, k) if mapping is not None else k for k in keys if k in allowed}
        for target in targets or {None}:
            groups[target].add(status, services)
    return company, groups


@dataclass
class _Counted:
    company: Counts
    groups: dict[str | None, Counts]
    names: dict[str, str]


async def _count(reader: CatalogReader, by: Grouping, owner_rows: Rows | None = None) -> _Counted:
    if by == "domain":
        rows = await reader.adoption_rows("domains")
        parents = await reader.hierarchy_parents("Domain")
        domains = {k for keys, _, _ in rows for k in keys}
        tops = {d: _top(d, parents) for d in domains}
        company, groups = _regroup(rows, tops, domains)
        return _Counted(company, groups, await reader.current_names("Domain", [k for k in groups if k is not None]))
    rows = owner_rows if owner_rows is not None else await reader.adoption_rows("owners")
    team_names = await reader.current_names("Team", {k for keys, _, _ in rows for k in keys})
    if by == "team":
        company, groups = _regroup(rows, None, team_names)
        return _Counted(company, groups, team_names)
    units = org_units(team_names, await reader.hierarchy_parents("Team"))
    company, groups = _regroup(rows, units, team_names)
    return _Counted(company, groups, await reader.current_names("Team", [k for k in groups if k is not None]))


def _as_groups(by: Grouping, counted: _Counted) -> list[AdoptionGroup]:
    groups = [
        AdoptionGroup(c.total, c.standard, c.other, c.unknown, key=key, name=counted.names.get(key, key) if key else _NO_GROUP[by])
        for key, c in counted.groups.items()
    ]
    return sorted(groups, key=lambda g: (g.key is None, g.name.lower(), g.key or ""))


async def adoption(reader: CatalogReader, by: Grouping = "team") -> AdoptionReport:
    """Adoption of the standard platform per ``by`` group and for the company, and the other platforms in use."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group adoption by {by!r}; use one of {', '.join(GROUPINGS)}")
    # A snapshot's reads never change, and the report depends on nothing else (no clock): regroup once per
    # snapshot (25 ms of CPU at scale M by team) and share the report, which nobody mutates.
    kept = reader.adoption_kept()
    if kept is not None and isinstance(found := kept.get(("adoption", by)), AdoptionReport):
        return found
    counted = await _count(reader, by)
    standard = [PlatformRef(key, name) for key, name in await reader.standard_platforms()]
    report = AdoptionReport(by, counted.company, _as_groups(by, counted), standard)
    known = counted.names if by == "team" else {}
    report.other_platforms, report.teams_with_own_platforms = await _other_platforms(reader, known)
    if kept is not None:
        kept.put(("adoption", by), report)
    return report


async def _other_platforms(reader: CatalogReader, known: Mapping[str, str]) -> tuple[list[OtherPlatform], list[TeamPlatform]]:
    """The non-standard platforms services run on, and the teams that run them; ``known``: team names already read."""
    rows = await reader.adoption_rows("other-platforms")  # (owner keys, platform, services)
    if not rows:
        return [], []
    platform_keys = sorted({platform for _, platform, _ in rows})
    found = await reader.platform_owners(platform_keys)
    platform_owners = {p.key: list(p.owners) for p in found}
    platform_names = {p.key: p.name for p in found}
    wanted = {k for keys, _, _ in rows for k in keys} | {o for os in platform_owners.values() for o in os}
    team_names = {k: known[k] for k in wanted if k in known}
    team_names.update(await reader.current_names("Team", wanted - set(known)))

    def team(key: str | None) -> TeamRef:
        return TeamRef(key, team_names.get(key, key) if key else _NO_GROUP["team"])

    uses: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for keys, platform, services in rows:
        totals[platform] += services
        owners: set[str | None] = {k for k in keys if k in team_names}
        for owner in owners or {None}:
            uses[platform][owner] += services
    others: list[OtherPlatform] = []
    own: list[TeamPlatform] = []
    for key in platform_keys:
        if key not in platform_names:
            continue
        ref = PlatformRef(key, platform_names[key])
        platform_teams = [o for o in platform_owners.get(key, []) if o in team_names]
        used = sorted(uses[key].items(), key=lambda item: (-item[1], item[0] is None, team(item[0]).name.lower()))
        others.append(OtherPlatform(ref, [team(o) for o in platform_teams], totals[key], [PlatformUse(team(t), n) for t, n in used]))
        for owner in platform_teams:
            own.append(TeamPlatform(team(owner), ref, True, uses[key].get(owner, 0)))
        for user, n in used:
            if user is not None and user not in platform_teams:
                own.append(TeamPlatform(team(user), ref, False, n))
    others.sort(key=lambda p: (-p.services, p.platform.name.lower()))
    own.sort(key=lambda t: (t.team.name.lower(), not t.owns, t.platform.name.lower()))
    return others, own


# -- the trend -------------------------------------------------------------------------------------


def snapshot_instance(taken_at: str) -> str:
    return f"catalog:adoption:{taken_at}"


async def snapshot_batch(reader: CatalogReader, taken_at: str) -> ImportBatch:
    """Adoption for the company and every team, domain and top-level org unit at ``taken_at``, as
    ``AdoptionSnapshot`` nodes in a batch of an instance of its own, so no later sync retires them.

    The company gets a snapshot every time (its series shows every sync). A team, domain or org unit gets one
    only when its counts or name differ from its latest snapshot, and a zero snapshot when it no longer has
    services: a sync every few minutes then adds a handful of nodes, not one per group, and the latest
    snapshot at or before any moment still gives the counts at that moment (``adoption_trend`` uses it).
    """
    batch = ImportBatch(SNAPSHOT_SOURCE, snapshot_instance(taken_at))
    owner_rows = await reader.adoption_rows("owners")
    counted: dict[Grouping, _Counted] = {
        "team": await _count(reader, "team", owner_rows),
        "org-unit": await _count(reader, "org-unit", owner_rows),
        "domain": await _count(reader, "domain"),
    }
    latest = {
        group: (snap.name or "", snap.total, snap.standard, snap.other, snap.unknown)
        for group, snap in (await reader.latest_group_snapshots(taken_at)).items()
    }
    origin = f"adoption snapshot {taken_at}"

    def record(scope: str, key: str, name: str, counts: Counts) -> NodeRecord:
        props = {
            "taken_at": taken_at,
            "scope": scope,
            "scope_key": key,
            "scope_name": name,
            "total": counts.total,
            "standard": counts.standard,
            "other": counts.other,
            "unknown": counts.unknown,
        }
        return NodeRecord(ADOPTION_SNAPSHOT.label, snapshot_key(taken_at, scope, key), props, origin)

    batch.nodes.append(record("company", COMPANY_KEY, "company", counted["team"].company))
    for scope, found in counted.items():
        present: set[str] = set()
        for group in _as_groups(scope, found):
            key = group.key or NONE_KEY
            present.add(key)
            values = (group.name, group.total, group.standard, group.other, group.unknown)
            if latest.get((scope, key)) != values:
                batch.nodes.append(record(scope, key, group.name, group))
        for (was_scope, key), (name, total, *_) in sorted(latest.items()):
            if was_scope == scope and key not in present and total > 0:
                batch.nodes.append(record(scope, key, name, Counts()))
    return batch


async def adoption_trend(
    reader: CatalogReader,
    scope: Scope = "company",
    key: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 100,
) -> list[AdoptionPoint]:
    """The adoption series of one scope, oldest first: its snapshots taken within ``since``..``until`` (inclusive;
    open when None), at most the ``limit`` most recent, preceded by the latest one before ``since``, which holds
    the counts at ``since`` (a group is snapshot only when its counts change; the company at every sync).

    ``key``: the team, domain or org unit key, or ``none`` for the services outside any; ignored for the company.
    """
    if scope not in SCOPES:
        raise ValueError(f"no adoption scope {scope!r}; use one of {', '.join(SCOPES)}")
    scope_key = COMPANY_KEY if scope == "company" else (key or "").strip().lower()
    if not scope_key:
        raise ValueError(f"a {scope} trend needs the {scope}'s key, e.g. {_EXAMPLE[scope]}")
    if limit < 1:
        raise ValueError(f"limit {limit} is below 1; ask for 1 point or more")
    found = await reader.adoption_snapshots(scope, scope_key, since=since, until=until, limit=limit)
    if since is not None and len(found) < limit:
        found = await reader.adoption_snapshots(scope, scope_key, before=since, limit=1) + found
    return [_point(scope, scope_key, snap) for snap in found]


def _point(scope: str, key: str, snap: SnapshotCounts) -> AdoptionPoint:
    return AdoptionPoint(snap.taken_at, scope, key, snap.name, snap.total, snap.standard, snap.other, snap.unknown)


_EXAMPLE = {
    "company": COMPANY_KEY,
    "team": "group:default/payments-team",
    "domain": "domain:default/commerce",
    "org-unit": "group:default/engineering",
}

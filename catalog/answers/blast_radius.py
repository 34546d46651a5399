"""What breaks if a service goes down: its transitive dependents, grouped by owning team, with who to call.

The walk follows ``DEPENDS_ON`` backwards (current edges, current nodes) breadth-first, so it
touches every edge once, keeps each node at its shortest distance and stops on cycles; it
passes through Resources (a queue that depends on the service, and the services that depend on
the queue) but lists Services only. Where the engine has a single-source shortest-path walk
(LadybugDB's ``* SHORTEST``), the whole walk, with each node's owners, is one query run inside
the engine; elsewhere (Neo4j) it is one query per level (``catalog.read.traversal``). A listed
service's ``via`` is the node one step nearer that it depends on, the first by key when there
are several, so both stores give the same answer.

The reached services are then grouped by their resolved owner: the ``ACCOUNTABLE_FOR`` edges
the reconcile step writes, or, for a service that has none (no reconcile yet), its ``OWNS``
edges. A service with several accountable owners is listed under each; one with none is in
``unowned``. A group may be a person where a person owns services directly.

Who to call, per group: the people on call now at the first non-empty level of each
escalation policy that pages for the group's affected services: a service's own policies
(``Service -ESCALATES_VIA->``), else its owner team's (``Team -ESCALATES_VIA->``), the
fallback PagerDuty gives; deduplicated by person.

Cost: the walk (one query, or one per level), then a fixed handful (owners, policies, on-call,
owner nodes, the listed services' via), each batched with ``UNWIND``, whatever the number of
dependents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from catalog.answers.identify import Candidate, identify
from catalog.core.clock import now_iso
from catalog.read.hops import DEPENDENTS, anchor, current_pairs_query
from catalog.store.base import GraphStore, Row

DEFAULT_DEPTH = 3
DEFAULT_SERVICES_PER_TEAM = 20
DEPTH_SETTING = "CATALOG_MAX_DEPTH"
_BATCH = 10000
"""Keys per owner or policy lookup; a hub with more dependents costs one more query per batch."""


class DepthRefused(ValueError):
    """A depth below 1 or above the configured limit; the message names the limit and the fix."""


def check_depth(depth: int, max_depth: int) -> int:
    if depth < 1:
        raise DepthRefused(f"depth {depth} is below 1; ask for depth 1 (direct dependents) or more")
    if depth > max_depth:
        raise DepthRefused(
            f"depth {depth} exceeds the limit of {max_depth} ({DEPTH_SETTING}); ask for depth {max_depth} or less, or raise {DEPTH_SETTING}"
        )
    return depth


def resolved_owners(var: str, keep: str) -> str:
    """Cypher that adds ``owners`` (keys of teams and people) for the node bound to ``var``: its current
    ``ACCOUNTABLE_FOR`` owners, or its ``OWNS`` owners when it has none. ``keep`` lists the variables to carry."""
    return (
        f"OPTIONAL MATCH (acc:Team|Person)-[af:ACCOUNTABLE_FOR]->({var}) WHERE af.active = true AND acc.retired_at IS NULL\n"
        f"WITH {keep}, collect(DISTINCT acc.id) AS accountable\n"
        f"OPTIONAL MATCH (own:Team|Person)-[ow:OWNS]->({var}) WHERE size(accountable) = 0 AND ow.active = true AND own.retired_at IS NULL\n"
        f"WITH {keep}, accountable, collect(DISTINCT own.id) AS owning\n"
        f"WITH {keep}, CASE WHEN size(accountable) > 0 THEN accountable ELSE owning END AS owners\n"
    )


@dataclass(frozen=True)
class ImpactedService:
    key: str
    name: str
    distance: int
    """Fewest dependency steps from the service that goes down (1: it depends on it directly)."""
    via: str
    """Key of the node it was reached through, one step nearer: a service, a resource, or the service itself."""
    via_name: str


@dataclass(frozen=True)
class PagedVia:
    policy: str
    """Key of the escalation policy."""
    policy_name: str | None
    level: int | None
    """The policy's first level with someone on call now."""


@dataclass
class OnCallPerson:
    key: str
    name: str | None
    email: str | None
    policies: list[PagedVia] = field(default_factory=list)


@dataclass(frozen=True)
class PolicyRef:
    key: str
    name: str | None


@dataclass
class ImpactedTeam:
    key: str
    """Key of the owning team (or person)."""
    label: str
    """``Team`` or ``Person``."""
    name: str
    count: int
    """How many of the affected services this owner owns (``services`` lists at most ``services_per_team``)."""
    nearest: int
    """Distance of its nearest affected service."""
    services: list[ImpactedService]
    on_call: list[OnCallPerson]
    policies: list[PolicyRef]
    """Escalation policies that page for its affected services; on call may be empty when nobody holds any level now."""


@dataclass
class UnownedImpact:
    count: int = 0
    services: list[ImpactedService] = field(default_factory=list)


@dataclass(frozen=True)
class DistanceCount:
    distance: int
    count: int


@dataclass
class BlastRadius:
    query: str
    depth: int
    at: str
    """The instant on-call is computed for."""
    message: str = ""
    """How the identifier was read, for people: the service it names, that it is shared, or what comes closest."""
    service: Candidate | None = None
    """The service that goes down; None when the query named no service or several (see ``matches`` and ``nearest``)."""
    matches: list[Candidate] = field(default_factory=list)
    nearest: list[Candidate] = field(default_factory=list)
    total_services: int = 0
    """Distinct affected services within ``depth``."""
    teams: list[ImpactedTeam] = field(default_factory=list)
    """Owners of affected services, nearest impact first, then most services."""
    unowned: UnownedImpact = field(default_factory=UnownedImpact)
    by_distance: list[DistanceCount] = field(default_factory=list)


async def blast_radius(
    store: GraphStore,
    text: str,
    depth: int = DEFAULT_DEPTH,
    *,
    max_depth: int,
    services_per_team: int = DEFAULT_SERVICES_PER_TEAM,
    at: str | None = None,
) -> BlastRadius:
    """The transitive dependents of the service ``text`` names, within ``depth`` steps, by owner, with on-call at ``at`` (now).

    Raises ``DepthRefused`` for a depth outside 1..``max_depth``.
    """
    check_depth(depth, max_depth)
    if services_per_team < 0:
        raise ValueError(f"services per team {services_per_team} is negative; ask for 0 (counts only) or more")
    moment = at or now_iso()
    found = await identify(store, text)
    answer = BlastRadius(query=text, depth=depth, at=moment, message=found.message, matches=found.matches, nearest=found.nearest)
    root = found.unique
    if root is None:
        return answer
    answer.service = root

    reached = await _reach(store, root.key, depth)
    if not reached:
        return answer
    impacted = [ImpactedService(key, node.name, node.distance, "", "") for key, node in reached.items() if node.label == "Service"]
    answer.total_services = len(impacted)
    distances: dict[int, int] = defaultdict(int)
    for service in impacted:
        distances[service.distance] += 1
    answer.by_distance = [DistanceCount(d, n) for d, n in sorted(distances.items())]

    owner_keys = sorted({owner for node in reached.values() for owner in node.owners})
    owner_nodes = await _owners(store, owner_keys)
    groups: dict[str, list[ImpactedService]] = defaultdict(list)
    unowned: list[ImpactedService] = []
    for service in impacted:
        owners = [owner for owner in reached[service.key].owners if owner in owner_nodes]
        for owner in owners:
            groups[owner].append(service)
        if not owners:
            unowned.append(service)
    answer.unowned = UnownedImpact(len(unowned), _first(unowned, services_per_team))

    teams = {key for key in groups if owner_nodes[key][0] == "Team"}
    escalation = await _policies(store, sorted({s.key for s in impacted} | teams))
    chosen = {owner: _policies_of(members, escalation, owner if owner in teams else None) for owner, members in groups.items()}
    on_call = await _on_call(store, sorted({p for policies in chosen.values() for p in policies}), moment)
    for owner, members in groups.items():
        label, name = owner_nodes[owner]
        policies = sorted(chosen[owner])
        answer.teams.append(
            ImpactedTeam(
                key=owner,
                label=label,
                name=name,
                count=len(members),
                nearest=min(s.distance for s in members),
                services=_first(members, services_per_team),
                on_call=_people(policies, on_call, escalation.names),
                policies=[PolicyRef(p, escalation.names.get(p)) for p in policies],
            )
        )
    answer.teams.sort(key=lambda t: (t.nearest, -t.count, t.name.lower(), t.key))
    await _fill_via(store, answer, root, reached)
    return answer


def _first(services: Iterable[ImpactedService], limit: int) -> list[ImpactedService]:
    return _ordered(services)[:limit]


def _ordered(services: Iterable[ImpactedService]) -> list[ImpactedService]:
    return sorted(services, key=lambda s: (s.distance, s.name.lower(), s.key))


@dataclass(frozen=True)
class _Reached:
    distance: int
    label: str
    """``Service`` or ``Resource``."""
    name: str
    owners: list[str]
    """Resolved owner keys (see ``resolved_owners``)."""
    via: str | None = None
    """Known when the walk was level by level; else ``_fill_via`` finds it for the listed services."""


async def _reach(store: GraphStore, root: str, depth: int) -> dict[str, _Reached]:
    """Every current service or resource that depends on ``root`` within ``depth`` steps, at its
    shortest distance, with its name and resolved owners."""
    walk = store.dialect.shortest_reach("(a:Service {id: $id})", "DEPENDS_ON", "b", ("Service", "Resource"), depth)
    if walk is None:
        steps = await _dependents(store, root, depth)
        return {
            key: _Reached(steps[key][0], label, name, owners, steps[key][1])
            for key, (label, name, owners) in (await _reached_nodes(store, list(steps))).items()
        }
    query = (
        # (The failing service itself is never its own dependent, even on a cycle.)
        f"{walk}WITH b, distance WHERE b.id <> $id\n"
        + resolved_owners("b", "b, distance")
        # One record per owner set and distance, not per node (see _reached_nodes).
        + f"RETURN owners, distance, collect([b.id, {store.dialect.label_of('b')}, b.name]) AS nodes"
    )
    found: dict[str, _Reached] = {}
    for row in await store.read(query, {"id": root}):
        owners = sorted(str(o) for o in row["owners"] or ())
        for key, label, name in row["nodes"]:
            found[str(key)] = _Reached(int(row["distance"]), str(label), str(name or key), owners)
    return found


async def _dependents(store: GraphStore, root: str, depth: int) -> dict[str, tuple[int, str]]:
    """Shortest distance and via (the first by key of the nodes one step nearer that it depends on)
    of every current node that depends on ``root`` within ``depth`` steps: one query per level."""
    found: dict[str, tuple[int, str]] = {}
    frontier = [root]
    for distance in range(1, depth + 1):
        if not frontier:
            break
        # One row of pairs: a hub's levels reach thousands of dependents.
        form, params = anchor(frontier)
        rows = await store.read(current_pairs_query(DEPENDENTS, form), params)
        nearer = _first_by_key(rows, lambda key, _: key != root and key not in found)
        found.update((key, (distance, via)) for key, via in nearer.items())
        frontier = sorted(nearer)
    return found


async def _reached_nodes(store: GraphStore, keys: Sequence[str]) -> dict[str, tuple[str, str, list[str]]]:
    """For each current service or resource among ``keys``: (label, name, resolved owner keys)."""
    query = (
        "UNWIND $ids AS key\n"
        "MATCH (n:Service|Resource {id: key}) WHERE n.retired_at IS NULL\n"
        # (LadybugDB needs the unwound key carried along, or the second OPTIONAL MATCH fails to plan.)
        + resolved_owners("n", "key, n")
        # One record per owner set, not per node: records cost the Neo4j driver far more than list entries.
        + f"RETURN owners, collect([n.id, {store.dialect.label_of('n')}, n.name]) AS nodes"
    )
    found: dict[str, tuple[str, str, list[str]]] = {}
    for row in await store.read_batches(query, sorted(set(keys)), batch_size=_BATCH):
        owners = sorted(str(o) for o in row["owners"] or ())
        for key, label, name in row["nodes"]:
            found[str(key)] = (str(label), str(name or key), owners)
    return found


def _first_by_key(rows: Iterable[Row], keep: Callable[[str, str], bool], *, dependent_first: bool = False) -> dict[str, str]:
    """For each dependent in the ``pairs`` of ``rows``, the first by key of its dependencies that
    ``keep(dependent, dependency)`` accepts. Pairs are ``[dependency, dependent]``, or the other way
    round with ``dependent_first``."""
    first: dict[str, str] = {}
    for row in rows:
        for a, b in row["pairs"] or ():
            key, via = (str(a), str(b)) if dependent_first else (str(b), str(a))
            if (key not in first or via < first[key]) and keep(key, via):
                first[key] = via
    return first


_DEPENDENCIES = (
    "UNWIND $ids AS key\n"
    "MATCH (b:Service|Resource {id: key})-[r:DEPENDS_ON]->(a:Service|Resource) WHERE r.active = true AND a.retired_at IS NULL\n"
    "RETURN collect([b.id, a.id]) AS pairs"
)


async def _fill_via(store: GraphStore, answer: BlastRadius, root: Candidate, reached: Mapping[str, _Reached]) -> None:
    """Set ``via`` on the listed services: the node one step nearer the failing service that each
    depends on (the failing service itself at distance 1), the first by key when several are."""
    listed = [*answer.unowned.services, *(s for team in answer.teams for s in team.services)]
    farther = sorted({s.key for s in listed if s.distance > 1 and reached[s.key].via is None})
    rows = await store.read_batches(_DEPENDENCIES, farther, batch_size=_BATCH) if farther else []

    def one_step_nearer(key: str, via: str) -> bool:
        step = reached.get(via)
        return step is not None and step.distance == reached[key].distance - 1

    nearer = _first_by_key(rows, one_step_nearer, dependent_first=True)

    def with_via(service: ImpactedService) -> ImpactedService:
        via = root.key if service.distance == 1 else (reached[service.key].via or nearer.get(service.key, ""))
        name = root.name if via == root.key else (reached[via].name if via in reached else via)
        return ImpactedService(service.key, service.name, service.distance, via, name)

    answer.unowned.services = [with_via(s) for s in answer.unowned.services]
    for team in answer.teams:
        team.services = [with_via(s) for s in team.services]


async def _owners(store: GraphStore, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Label and name of each current team or person among ``keys``."""
    if not keys:
        return {}
    query = (
        "UNWIND $ids AS key MATCH (n:Team|Person {id: key}) WHERE n.retired_at IS NULL "
        f"RETURN collect([n.id, {store.dialect.label_of('n')}, n.name]) AS owners"
    )
    rows = await store.read_batches(query, list(keys), batch_size=_BATCH)
    return {str(key): (str(label), str(name or key)) for row in rows for key, label, name in row["owners"] or ()}


@dataclass
class _Escalation:
    by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Service or team key → keys of the policies it escalates via."""
    names: dict[str, str | None] = field(default_factory=dict)


async def _policies(store: GraphStore, keys: Sequence[str]) -> _Escalation:
    found = _Escalation()
    if not keys:
        return found
    match = (
        "UNWIND $ids AS key\n"
        "MATCH (x:Service|Team {id: key})-[r:ESCALATES_VIA]->(e:EscalationPolicy)\n"
        "WHERE r.active = true AND e.retired_at IS NULL"
    )
    columns = {"key": "x.id", "policy": "e.id", "name": "e.name"}
    # A table read: a hub's services escalate via thousands of policies (0.33 s as records, 0.11 s
    # collected, for 8,500 rows on Neo4j).
    for row in await store.read_table_batches(match, columns, list(keys), batch_size=_BATCH):
        found.by_key[str(row["key"])].add(str(row["policy"]))
        found.names[str(row["policy"])] = row["name"]
    return found


def _policies_of(services: Sequence[ImpactedService], escalation: _Escalation, team: str | None) -> set[str]:
    """Each service's own policies, or the owner team's when it has none."""
    fallback = escalation.by_key.get(team, set()) if team is not None else set()
    chosen: set[str] = set()
    for service in services:
        chosen |= escalation.by_key.get(service.key) or fallback
    return chosen


@dataclass(frozen=True)
class _Shift:
    level: int
    person: str
    name: str | None
    email: str | None


async def _on_call(store: GraphStore, policies: Sequence[str], at: str) -> dict[str, list[_Shift]]:
    """For each policy, who is on call at ``at`` on its first level that has anyone."""
    if not policies:
        return {}
    match = (
        "UNWIND $ids AS key\n"
        "MATCH (p:Person)-[o:ON_CALL]->(s:OnCallShift)-[r:SHIFT_OF]->(e:EscalationPolicy {id: key})\n"
        "WHERE o.active = true AND r.active = true AND s.retired_at IS NULL AND p.retired_at IS NULL\n"
        "AND (s.starts_at IS NULL OR s.starts_at <= $at) AND (s.ends_at IS NULL OR s.ends_at > $at)"
    )
    columns = {"policy": "e.id", "level": "s.level", "person": "p.id", "name": "coalesce(p.display_name, p.name)", "email": "p.email"}
    shifts: dict[str, list[_Shift]] = defaultdict(list)
    for row in await store.read_table_batches(match, columns, list(policies), {"at": at}, batch_size=_BATCH):
        shifts[str(row["policy"])].append(_Shift(int(row["level"] or 1), str(row["person"]), row["name"], row["email"]))
    first: dict[str, list[_Shift]] = {}
    for policy, held in shifts.items():
        level = min(s.level for s in held)
        first[policy] = sorted({s for s in held if s.level == level}, key=lambda s: s.person)
    return first


def _people(policies: Sequence[str], on_call: Mapping[str, list[_Shift]], names: Mapping[str, str | None]) -> list[OnCallPerson]:
    people: dict[str, OnCallPerson] = {}
    for policy in policies:
        for shift in on_call.get(policy, ()):
            person = people.setdefault(shift.person, OnCallPerson(shift.person, shift.name, shift.email))
            person.policies.append(PagedVia(policy, names.get(policy), shift.level))
    return sorted(people.values(), key=lambda p: ((p.name or p.key).lower(), p.key))

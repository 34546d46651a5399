"""One contract for both readers: every read the snapshot answers equals the Cypher reader's answer.

For both stores, over the demo and over the generated S company (1,000 services, 200 teams),
a snapshot is built and each entry of ``CONTRACT`` is asked of the ``SnapshotReader`` over it
and of the plain ``CatalogReader``, walking every service, team, person, identifier, repository
and workload the store holds. An area that makes another read answer from the snapshot adds one
``Case`` to ``CONTRACT``: a name, and a function from the world to the calls to compare.

Also here: the round trips of ``whoOwns`` on the Cypher reader, counted by a counting wrapper
around the real store.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from bench.queries import pod_name
from catalog.answers.adoption import GROUPINGS, adoption
from catalog.answers.blast_radius import blast_radius
from catalog.answers.identify import identify
from catalog.answers.oncall import on_call
from catalog.answers.ownership import who_owns
from catalog.cli import demo_root
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.demo.live import write_live_sources
from catalog.read import CatalogReader
from catalog.read.hops import ALL_HOPS
from catalog.read.ownership import ACCOUNTABLE, CLAIMS, ESCALATIONS, PLATFORMS
from catalog.read.snapshot import Snapshot, SnapshotReader, build_snapshot
from catalog.runner import sync_sources
from catalog.store.base import GraphStore, Row
from catalog.store.generation import read_generation

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

Read = Callable[[CatalogReader], Awaitable[object]]


@dataclass(frozen=True)
class World:
    """Everything current in the store, read once by plain Cypher, for the cases to walk."""

    services: list[str]
    service_names: list[str]
    teams: list[str]
    people: list[str]
    platforms: list[str]
    identifiers: list[str]
    """Identifier values as written (aliases, repository slugs, hostnames, PagerDuty ids, ...)."""
    repositories: list[str]
    """Repository URLs."""
    workloads: list[str]
    """Workload names, ``namespace/name`` forms and pod names made from them."""
    pagerduty_ids: list[str]
    misses: list[str]
    """Near misses and nonsense: the nearest-candidate search."""
    retired: list[str]
    """Keys of retired nodes (any label)."""
    policies: list[str] = field(default_factory=list)
    """Escalation policy keys, current or retired."""
    schedules: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    name: str
    calls: Callable[[World], Iterable[tuple[str, Read]]]
    """Each call: a label for the failure message, and the read to ask both readers."""


def _batch(method: str, *args: Any, **kwargs: Any) -> Read:
    async def read(reader: CatalogReader) -> object:
        return await getattr(reader, method)(*args, **kwargs)

    return read


def _each(method: str, keys: list[str], *rest: Any) -> Iterable[tuple[str, Read]]:
    """The whole batch at once, and every key alone (a single key takes another path in the Cypher reader)."""
    yield f"{method}(all {len(keys)})", _batch(method, keys, *rest)
    for key in keys:
        yield f"{method}({key!r})", _batch(method, [key], *rest)


def _hops(world: World) -> Iterable[tuple[str, Read]]:
    starts = {"Service": world.services, "Team": world.teams, "Person": world.people, "Platform": world.platforms}
    for hop in (*ALL_HOPS, ACCOUNTABLE, CLAIMS, PLATFORMS, ESCALATIONS):
        keys = sorted({key for label in hop.start for key in starts.get(label, ())})
        yield f"neighbours({hop.name}, all {len(keys)})", _batch("neighbours", hop, keys)


def _nodes(world: World) -> Iterable[tuple[str, Read]]:
    for label, keys in (("Service", world.services), ("Team", world.teams), ("Person", world.people), ("Platform", world.platforms)):
        yield f"nodes_by_ids({label})", _batch("nodes_by_ids", label, [*keys, "component:default/no-such-thing"])
        yield f"nodes_with_retired({label})", _batch("nodes_with_retired", label, [*keys, *world.retired, "component:default/no-such"])


def _node_with(method: str) -> Callable[[World], Iterable[tuple[str, Read]]]:
    def calls(world: World) -> Iterable[tuple[str, Read]]:
        for key in [*world.services, "component:default/no-such-thing"]:
            yield f"{method}(Service, {key!r})", _batch(method, "Service", key)

    return calls


def _answers(fn: Callable[[CatalogReader, str], Awaitable[object]], texts: Callable[[World], list[str]]) -> Callable[[World], Iterable]:
    def calls(world: World) -> Iterable[tuple[str, Read]]:
        for text in texts(world):

            async def read(reader: CatalogReader, text: str = text) -> object:
                return await fn(reader, text)

            yield repr(text), read

    return calls


def _texts(world: World) -> list[str]:
    return [*world.service_names, *world.identifiers, *world.repositories, *world.workloads, *world.pagerduty_ids, *world.misses]


def _adoption(world: World) -> Iterable[tuple[str, Read]]:
    """The adoption answer by every grouping, and each adoption read it makes (grouped rows compared as sets:
    an aggregate's row order is the store's)."""
    for by in GROUPINGS:

        async def report(reader: CatalogReader, by: Any = by) -> object:
            return await adoption(reader, by)

        yield f"adoption(by {by})", report
    for grouped in ("owners", "domains", "other-platforms"):

        async def rows(reader: CatalogReader, grouped: Any = grouped) -> object:
            return sorted((sorted(keys), status, services) for keys, status, services in await reader.adoption_rows(grouped))

        yield f"adoption_rows({grouped})", rows
    for label in ("Team", "Domain"):
        yield f"hierarchy_parents({label})", _batch("hierarchy_parents", label)
    yield "current_names(Team)", _batch("current_names", "Team", [*world.teams, "group:default/no-such-team"])
    yield "standard_platforms", _batch("standard_platforms")
    yield "platform_owners(all)", _batch("platform_owners", [*world.platforms, "platform:default/no-such-platform"])


ON_CALL_TIMES = tuple(iso(NOW + timedelta(hours=h)) for h in (0, 5, -72, 24 * 30))
"""Now, later today, three days back and beyond the on-call window."""


async def _second_page(reader: CatalogReader, key: str) -> object:
    """The second page of teams (two per page), and a team's services after its first two."""
    from catalog.answers.blast_radius import impact

    found = await impact(reader, key, 3, max_depth=10, at=iso(NOW))
    if len(found.groups) < 2:
        return found.summary()
    first, _ = await found.teams(2, services_first=2)
    second = await found.teams(2, first[-1].key, services_first=2)
    services = await found.services(first[0].key, 2, first[0].services[-1].key) if first[0].services else None
    return found.summary(), second, services


async def _ranked(reader: CatalogReader, key: str) -> object:
    """The whole ranking of a walk by owner: every group in order, each one's services in order, the unowned,
    the position of each owner (and of a key that owns none), and a lookup of every reached node and a miss."""
    reach = await reader.reach_by_owner(key, 3)
    groups = reach.groups(0, reach.total_groups)
    members = {g.key: list(reach.members(g.key)) for g in groups}
    reached = sorted({s.key for listed in members.values() for s in listed})
    return (
        (reach.total_services, reach.by_distance, reach.total_groups, reach.unowned_count),
        groups,
        members,
        list(reach.members(None)),
        [(reach.position(g.key), reach.count(g.key)) for g in groups],
        (reach.position("group:default/no-such-team"), list(reach.members("group:default/no-such-team")), reach.count(None)),
        ([reach.dependent(k) for k in reached], reach.dependent(key), reach.dependent("component:default/no-such-service")),
    )


CONTRACT: tuple[Case, ...] = (
    Case("nodes_by_ids", _nodes),
    Case("neighbours, over every hop", _hops),
    Case(
        "owners_of",
        lambda w: [*_each("owners_of", w.services, "Service"), ("owners_of(all, any label)", _batch("owners_of", w.services))],
    ),
    Case("resolved_owners_of", lambda w: _each("resolved_owners_of", w.services, "Service")),
    Case("node_with_owners", _node_with("node_with_owners")),
    Case("node_with_resolved_owners", _node_with("node_with_resolved_owners")),
    Case("members", lambda w: _each("members", w.teams)),
    Case("teams_of", lambda w: _each("teams_of", w.people)),
    Case("team_trees", lambda w: _each("team_trees", w.teams)),
    Case("services_owned_by", lambda w: _each("services_owned_by", [*w.teams, *w.people])),
    Case(
        "team_services",
        lambda w: [
            *_each("team_services", w.teams),
            ("team_services(all, direct)", _batch("team_services", w.teams, include_sub_teams=False)),
        ],
    ),
    Case("identify", _answers(identify, _texts)),
    Case("whoOwns", _answers(who_owns, _texts)),
    Case("adoption", _adoption),
    Case(
        "dependents_within",
        lambda w: [(f"dependents_within({s!r}, {d})", _batch("dependents_within", s, d)) for s in w.services for d in (1, 3)],
    ),
    Case("dependency_keys", lambda w: _each("dependency_keys", w.services)),
    Case("owner_names", lambda w: [("owner_names(all)", _batch("owner_names", [*w.teams, *w.people, *w.services[:3]]))]),
    Case("escalation_policies", lambda w: [("escalation_policies(all)", _batch("escalation_policies", [*w.services, *w.teams]))]),
    Case("first_on_call", lambda w: [(f"first_on_call(all, {t})", _batch("first_on_call", w.policies, t)) for t in ON_CALL_TIMES]),
    Case(
        "blastRadius, first page of 25 teams",
        _answers(lambda r, key: blast_radius(r, key, 3, max_depth=10, first=25, at=iso(NOW)), lambda w: w.services),
    ),
    Case("reach_by_owner, the whole ranking at depth 3", _answers(_ranked, lambda w: w.services)),
    Case("blastRadius, second page", _answers(lambda r, key: _second_page(r, key), lambda w: w.services[:: max(1, len(w.services) // 50)])),
    Case("ownership_edges", lambda w: [(f"ownership_edges({s!r})", _batch("ownership_edges", s)) for s in w.services]),
    Case("escalation_links", lambda w: [(f"escalation_links({s!r})", _batch("escalation_links", s)) for s in w.services]),
    Case("team_escalation_links", lambda w: _each("team_escalation_links", w.teams)),
    Case("policy_facts", lambda w: [("policy_facts(all)", _batch("policy_facts", w.policies))]),
    Case("target_edges", lambda w: [("target_edges(all)", _batch("target_edges", w.policies))]),
    Case("shifts_covering", lambda w: [(f"shifts_covering(all, {t})", _batch("shifts_covering", w.policies, t)) for t in ON_CALL_TIMES]),
    Case("on_call_runs", lambda w: [(f"on_call_runs({t})", _batch("on_call_runs", t)) for t in ON_CALL_TIMES]),
    Case(
        "people_and_schedules", lambda w: [("people_and_schedules(all)", _batch("people_and_schedules", set(w.people), set(w.schedules)))]
    ),
    Case("onCall now", _answers(lambda r, key: on_call(r, key, iso(NOW)), lambda w: w.services)),
)


# -- the worlds -------------------------------------------------------------------------------


async def _column(store: GraphStore, query: str) -> list[str]:
    return sorted({str(row["v"]) for row in await store.read(query) if row["v"] is not None})


async def read_world(store: GraphStore, *, sample: int | None = None) -> World:
    """Every current key and name, by plain Cypher; ``sample`` bounds the texts the answers walk."""
    services = await _column(store, "MATCH (s:Service) WHERE s.retired_at IS NULL RETURN s.id AS v")
    names = await _column(store, "MATCH (s:Service) WHERE s.retired_at IS NULL RETURN s.name AS v")
    rows: list[Row] = await store.read(
        "MATCH (w:Workload) WHERE w.retired_at IS NULL RETURN w.name AS name, w.namespace AS namespace, w.kind AS kind ORDER BY w.id"
    )
    rng = random.Random(7)
    workloads: list[str] = []
    for row in rows:
        workloads += [str(row["name"]), f"{row['namespace']}/{row['name']}"]
        if row["kind"] == "Deployment":
            workloads.append(pod_name(str(row["name"]), rng))
        elif row["kind"] == "StatefulSet":
            workloads.append(f"{row['name']}-0")
    repos = await store.read("MATCH (r:Repository) WHERE r.retired_at IS NULL RETURN r.host AS host, r.slug AS slug ORDER BY r.id")
    pagerduty = await _column(
        store, "MATCH (:Service)-[r:ESCALATES_VIA]->(:EscalationPolicy) WHERE r.active = true RETURN r.external_service AS v"
    )
    misses = ["", "   ", "chekout", "paymnts-gatway", "zzzz-nothing", "PZZZZZZ", "https://github.com/nobody/nothing", "x" * 2000]

    def spread(items: list[str]) -> list[str]:
        if sample is None or len(items) <= sample:
            return items
        return [items[int(i * len(items) / sample)] for i in range(sample)]

    return World(
        services=services,
        service_names=spread(names),
        teams=await _column(store, "MATCH (t:Team) WHERE t.retired_at IS NULL RETURN t.id AS v"),
        people=await _column(store, "MATCH (p:Person) WHERE p.retired_at IS NULL RETURN p.id AS v"),
        platforms=await _column(store, "MATCH (p:Platform) WHERE p.retired_at IS NULL RETURN p.id AS v"),
        identifiers=spread(await _column(store, "MATCH (i:Identifier) WHERE i.retired_at IS NULL RETURN i.display AS v")),
        repositories=spread([f"https://{r['host']}/{r['slug']}" for r in repos] + [str(r["slug"]) for r in repos[:20]]),
        workloads=spread(workloads),
        pagerduty_ids=spread(sorted({pid for ids in pagerduty for pid in ids.split(",") if pid})),
        misses=misses,
        retired=await _column(store, "MATCH (n:Service|Team|Person|Platform) WHERE n.retired_at IS NOT NULL RETURN n.id AS v"),
        policies=await _column(store, "MATCH (e:EscalationPolicy) RETURN e.id AS v"),
        schedules=await _column(store, "MATCH (s:Schedule) RETURN s.id AS v"),
    )


async def check_contract(store: GraphStore, world: World, snapshot: Snapshot, cases: Iterable[Case] = CONTRACT) -> int:
    """Every case's every call, from the snapshot and from Cypher; fails listing the calls that differ."""
    cypher = CatalogReader(store)
    snapped = SnapshotReader(store, snapshot)
    differ: list[str] = []
    asked = 0
    for case in cases:
        for label, read in case.calls(world):
            asked += 1
            expected, got = await read(cypher), await read(snapped)
            if got != expected:
                differ.append(f"{case.name}: {label}\n  cypher:   {expected!r:.600}\n  snapshot: {got!r:.600}")
    assert not differ, f"{len(differ)} of {asked} reads differ:\n" + "\n".join(differ[:10])
    return asked


# -- the tests --------------------------------------------------------------------------------


async def _demo(store: GraphStore, tmp_path: Path) -> None:
    config = load_config(write_live_sources(demo_root(), tmp_path / "demo", NOW))
    outcomes = await sync_sources(store, config, now=iso(NOW))
    assert [o.error for o in outcomes if o.failed] == []


async def test_the_snapshot_answers_as_cypher_does_over_the_demo(store: GraphStore, tmp_path: Path) -> None:
    await _demo(store, tmp_path)
    # The runner's last write advanced the sync generation: the holder would build this snapshot.
    assert (await read_generation(store)).number == 1
    snapshot = await build_snapshot(store)
    assert (snapshot.generation, snapshot.synced_at) == (1, iso(NOW))
    world = await read_world(store)
    assert len(world.services) > 10 and len(world.teams) > 3 and world.workloads and world.pagerduty_ids
    asked = await check_contract(store, world, snapshot)
    assert asked > 500

    # The snapshot serves reads without the store: no round trip for any of them.
    snapped = SnapshotReader(store, snapshot)
    before = store.round_trips
    answer = await who_owns(snapped, "checkout-7d9f8b6c5d-x2k4q")
    await snapped.owners_of(world.services, "Service")
    await snapped.team_services(world.teams)
    assert store.round_trips == before
    assert [m.key for m in answer.matches] == ["component:default/checkout"]


@pytest.fixture(scope="module")
def company_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", tmp_path_factory.mktemp("contract") / "S", now=NOW)


async def test_the_snapshot_answers_as_cypher_does_over_the_s_company(store: GraphStore, company_s: Path) -> None:
    outcomes = await sync_sources(store, load_config(company_s), now=iso(NOW))
    assert [(o.instance, o.error) for o in outcomes if o.failed] == []
    snapshot = await build_snapshot(store)
    # Batch reads walk every service, team and person; the answers a spread of 150 texts of each kind.
    world = await read_world(store, sample=150)
    assert len(world.services) >= 1000 and len(world.teams) == 200
    try:
        await check_contract(store, world, snapshot)
    finally:
        await _empty(store)


async def _empty(store: GraphStore) -> None:
    """The shared Neo4j is emptied before each test in one transaction; a whole company is faster in slices."""
    if store.dialect.name != "neo4j":
        return
    while (await store.write("MATCH (n) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS gone"))[0]["gone"]:
        pass


# -- round trips --------------------------------------------------------------------------------


class CountingStore(GraphStore):
    """A real store, with every read and write it is asked for counted."""

    def __init__(self, inner: GraphStore) -> None:
        super().__init__()
        self.inner = inner
        self.dialect = inner.dialect
        self.reads: list[str] = []

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.reads.append(query)
        return await self.inner.read(query, params)

    async def read_table(self, match: str, columns: Mapping[str, str], params: Mapping[str, Any] | None = None) -> list[Row]:
        self.reads.append(match)
        return await self.inner.read_table(match, columns, params)

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise AssertionError(f"an answer wrote: {query}")

    async def ensure_schema(self) -> None:
        await self.inner.ensure_schema()

    async def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"counting {self.inner.describe()}"


@pytest.mark.parametrize(
    ("text", "trips"),
    [
        # name → identify (1) + nodes, owners, claims, platforms, escalations (5) + members (1)
        ("checkout", 7),
        # pod name: name (1), identifiers (1 finds none), workload (1), then as above (6)
        ("checkout-7d9f8b6c5d-x2k4q", 9),
        # repository URL: identifiers (lookup + hop: 2), then as above (6)
        ("https://github.com/acme/shipping/tree/main/src", 8),
    ],
)
async def test_who_owns_round_trips_on_the_cypher_reader(store: GraphStore, tmp_path: Path, text: str, trips: int) -> None:
    await _demo(store, tmp_path)
    counting = CountingStore(store)
    answer = await who_owns(CatalogReader(counting), text)
    assert answer.matches, answer.message
    assert len(counting.reads) == trips, "\n---\n".join(counting.reads)
    # The snapshot reader asks the store nothing.
    counted = CountingStore(store)
    assert await who_owns(SnapshotReader(counted, await build_snapshot(store)), text) == answer
    assert counted.reads == []


async def test_adoption_from_the_snapshot_asks_the_store_nothing(store: GraphStore, tmp_path: Path) -> None:
    await _demo(store, tmp_path)
    snapshot = await build_snapshot(store)
    counted = CountingStore(store)
    snapped = SnapshotReader(counted, snapshot)
    for by in GROUPINGS:
        assert await adoption(snapped, by) == await adoption(CatalogReader(store), by)
    assert counted.reads == []

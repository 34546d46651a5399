"""Given a batch, the sync engine writes this graph and this report, on both stores."""

from __future__ import annotations

import json

from catalog.core.records import Finding, ImportBatch, NodeRecord, RelRecord
from catalog.store.base import GraphStore
from catalog.sync import Change, sync

T0, T1, T2, T3 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3, 4))


def service(name: str, file: str = "services.yaml", **props: object) -> NodeRecord:
    return NodeRecord("Service", f"component:default/{name}", {"name": name, "namespace": "default", **props}, f"{file}#0")


def team(name: str) -> NodeRecord:
    return NodeRecord("Team", f"group:default/{name}", {"name": name, "namespace": "default"}, "teams.yaml#0")


def owns(team_name: str, service_name: str, file: str = "services.yaml") -> RelRecord:
    return RelRecord(
        "OWNS",
        "Team",
        f"group:default/{team_name}",
        "Service",
        f"component:default/{service_name}",
        f"{file}#0",
        {"evidence": "spec.owner"},
    )


def batch(nodes: list[NodeRecord], rels: list[RelRecord] | None = None, **kw: object) -> ImportBatch:
    return ImportBatch("backstage", "backstage:/catalog", nodes=nodes, rels=rels or [], **kw)  # type: ignore[arg-type]


def fleet(n: int) -> list[NodeRecord]:
    return [service(f"svc-{i:02d}") for i in range(n)]


async def test_first_import_creates_everything_and_records_the_run(store: GraphStore) -> None:
    report = await sync(store, batch([team("t"), service("a")], [owns("t", "a")]), now=T0)
    assert report.summary()["totals"] == {"created": 3, "updated": 0, "unchanged": 0, "retired": 0}
    assert report.nodes["Service"].created == 1 and report.rels["OWNS"].created == 1
    [run] = await store.read("MATCH (r:ImportRun) RETURN r.complete AS complete, r.report AS report")
    assert run["complete"] is True
    assert json.loads(run["report"])["totals"]["created"] == 3


async def test_reimporting_the_same_batch_changes_nothing(store: GraphStore) -> None:
    b = batch([team("t"), service("a", tags=["x"])], [owns("t", "a")])
    await sync(store, b, now=T0)
    snapshot = await store.read("MATCH (n:Service) RETURN n.id AS id, n.tags AS tags, n.first_seen AS f, n.content_hash AS h")
    report = await sync(store, b, now=T1)
    assert report.summary()["totals"] == {"created": 0, "updated": 0, "unchanged": 3, "retired": 0}
    assert await store.read("MATCH (n:Service) RETURN n.id AS id, n.tags AS tags, n.first_seen AS f, n.content_hash AS h") == snapshot
    assert await store.read("MATCH (n:Service) RETURN n.last_seen AS l") == [{"l": T1}]
    assert await store.read("MATCH ()-[r:OWNS]->() RETURN count(r) AS c") == [{"c": 1}]


async def test_a_changed_property_counts_as_updated(store: GraphStore) -> None:
    await sync(store, batch([service("a", lifecycle="experimental")]), now=T0)
    report = await sync(store, batch([service("a", lifecycle="production")]), now=T1)
    assert report.nodes["Service"].updated == 1
    assert await store.read("MATCH (n:Service) RETURN n.lifecycle AS l, n.first_seen AS f") == [{"l": "production", "f": T0}]


async def test_an_entity_gone_from_a_complete_source_is_retired_not_deleted(store: GraphStore) -> None:
    await sync(store, batch([*fleet(9), service("gone")]), now=T0)
    report = await sync(store, batch(fleet(9)), now=T1)
    assert report.nodes["Service"].retired == 1
    rows = await store.read("MATCH (n:Service {id: 'component:default/gone'}) RETURN n.retired_at AS r, n.first_seen AS f")
    assert rows == [{"r": T1, "f": T0}]


async def test_a_changed_owner_retires_the_old_edge_and_keeps_its_interval(store: GraphStore) -> None:
    teams = [team("old"), team("new")]
    await sync(store, batch([*teams, service("a")], [owns("old", "a")]), now=T0)
    report = await sync(store, batch([*teams, service("a")], [owns("new", "a")]), now=T1)
    assert report.rels["OWNS"].created == 1 and report.rels["OWNS"].retired == 1
    rows = await store.read(
        "MATCH (t:Team)-[r:OWNS]->(:Service) "
        "RETURN t.name AS team, r.active AS active, r.first_seen AS f, r.retired_at AS until ORDER BY team"
    )
    assert rows == [
        {"team": "new", "active": True, "f": T1, "until": None},
        {"team": "old", "active": False, "f": T0, "until": T1},
    ]


async def test_an_edge_that_comes_back_gets_a_new_interval(store: GraphStore) -> None:
    nodes = [team("t"), *fleet(9), service("a")]
    await sync(store, batch(nodes, [owns("t", "a")]), now=T0)
    await sync(store, batch(nodes), now=T1)
    await sync(store, batch(nodes, [owns("t", "a")]), now=T2)
    rows = await store.read("MATCH (:Team)-[r:OWNS]->(:Service) RETURN r.first_seen AS f, r.retired_at AS until ORDER BY f")
    assert rows == [{"f": T0, "until": T1}, {"f": T2, "until": None}]


async def test_an_incomplete_read_retires_nothing(store: GraphStore) -> None:
    await sync(store, batch(fleet(10)), now=T0)
    report = await sync(store, batch(fleet(5), complete=False), now=T1)
    assert report.nodes["Service"].retired == 0
    assert report.retirement_note and "not read completely" in report.retirement_note
    assert await store.read("MATCH (n:Service) WHERE n.retired_at IS NULL RETURN count(n) AS c") == [{"c": 10}]


async def test_facts_from_a_file_that_failed_to_parse_are_kept(store: GraphStore) -> None:
    await sync(store, batch([*fleet(9), service("in-broken-file", file="broken.yaml")]), now=T0)
    report = await sync(store, batch(fleet(9), failed_origins={"broken.yaml"}), now=T1)
    assert report.nodes["Service"].retired == 0
    assert await store.read("MATCH (n:Service {name: 'in-broken-file'}) RETURN n.retired_at AS r") == [{"r": None}]


async def test_retiring_more_than_the_allowed_share_is_refused_unless_forced(store: GraphStore) -> None:
    await sync(store, batch(fleet(10)), now=T0)
    refused = await sync(store, batch(fleet(5)), now=T1)
    assert refused.nodes["Service"].retired == 0
    assert refused.retirement_note and "5 of 10" in refused.retirement_note and "--force" in refused.retirement_note
    assert any(f.kind == "retirement-refused" for f in refused.findings)
    forced = await sync(store, batch(fleet(5)), now=T2, force=True)
    assert forced.nodes["Service"].retired == 5


async def test_a_dangling_reference_becomes_a_finding_and_no_edge(store: GraphStore) -> None:
    missing = Finding(
        "unknown-reference",
        "error",
        "spec.owner names group:default/ghosts, which does not exist",
        fix="declare it",
        subject="component:default/a",
        field="spec.owner",
        reference="group:default/ghosts",
        file="services.yaml",
        line=7,
    )
    rel = owns("ghosts", "a")
    rel.if_missing = missing
    report = await sync(store, batch([service("a")], [rel]), now=T0)
    assert report.findings == [missing]
    assert await store.read("MATCH ()-[r:OWNS]->() RETURN count(r) AS c") == [{"c": 0}]
    rows = await store.read("MATCH (f:Finding) RETURN f.kind AS kind, f.field AS field, f.line AS line, f.subject AS subject")
    assert rows == [{"kind": "unknown-reference", "field": "spec.owner", "line": 7, "subject": "component:default/a"}]


async def test_a_reference_to_an_entity_from_another_source_resolves_through_the_store(store: GraphStore) -> None:
    await sync(store, ImportBatch("backstage", "other-root", nodes=[team("platform")]), now=T0)
    report = await sync(store, batch([service("a")], [owns("platform", "a")]), now=T1)
    assert report.findings == []
    assert await store.read("MATCH (t:Team)-[r:OWNS]->(s:Service) RETURN t.name AS t, s.name AS s") == [{"t": "platform", "s": "a"}]


async def test_a_finding_that_is_fixed_is_retired(store: GraphStore) -> None:
    finding = Finding("invalid-document", "error", "metadata.name is missing", file="x.yaml", line=3)
    await sync(store, batch([service("a")], findings=[finding]), now=T0)
    await sync(store, batch([service("a")]), now=T1)
    assert await store.read("MATCH (f:Finding) RETURN f.retired_at AS r") == [{"r": T1}]


async def test_a_dry_run_reports_the_diff_and_writes_nothing(store: GraphStore) -> None:
    await sync(store, batch(fleet(10)), now=T0)
    report = await sync(store, batch([*fleet(9), service("new")]), now=T1, dry_run=True)
    assert (report.nodes["Service"].created, report.nodes["Service"].retired) == (1, 1)
    assert await store.read("MATCH (n:Service) WHERE n.retired_at IS NULL RETURN count(n) AS c") == [{"c": 10}]
    assert await store.read("MATCH (r:ImportRun) RETURN count(r) AS c") == [{"c": 1}]


async def test_sources_do_not_retire_each_others_facts(store: GraphStore) -> None:
    await sync(store, ImportBatch("backstage", "root-a", nodes=[service("a")]), now=T0)
    await sync(store, ImportBatch("backstage", "root-b", nodes=[service("b")]), now=T1, force=True)
    rows = await store.read("MATCH (n:Service) RETURN n.name AS name, n.retired_at AS r ORDER BY name")
    assert rows == [{"name": "a", "r": None}, {"name": "b", "r": None}]


async def test_large_batches_are_written_in_several_transactions(store: GraphStore) -> None:
    report = await sync(store, batch(fleet(50) + [service(f"bulk-{i:05d}") for i in range(4500)]), now=T0)
    assert report.nodes["Service"].created == 4550
    assert await store.read("MATCH (n:Service) RETURN count(n) AS c") == [{"c": 4550}]
    assert T3 > T0


# -- several sources naming the same node ---------------------------------------------------


def repo(slug: str, weak: bool, **props: object) -> NodeRecord:
    return NodeRecord("Repository", f"repository:github.com/{slug}", {"slug": slug, **props}, f"api:{slug}", weak=weak)


async def test_a_weak_record_creates_a_node_nobody_holds(store: GraphStore) -> None:
    report = await sync(store, ImportBatch("backstage", "root", nodes=[repo("acme/a", weak=True)]), now=T0)
    assert report.nodes["Repository"].created == 1
    assert await store.read("MATCH (r:Repository) RETURN r.source_instance AS i") == [{"i": "root"}]


async def test_a_weak_record_leaves_a_node_another_source_holds_alone(store: GraphStore) -> None:
    await sync(store, ImportBatch("github", "github:acme", nodes=[repo("acme/a", weak=False, url="https://github.com/acme/a")]), now=T0)
    for now in (T1, T2):
        report = await sync(store, ImportBatch("backstage", "root", nodes=[repo("acme/a", weak=True, url="https://elsewhere")]), now=now)
        assert (report.nodes["Repository"].created, report.nodes["Repository"].updated, report.nodes["Repository"].unchanged) == (0, 0, 1)
    rows = await store.read("MATCH (r:Repository) RETURN r.source_instance AS i, r.url AS url")
    assert rows == [{"i": "github:acme", "url": "https://github.com/acme/a"}]


async def test_the_system_of_record_takes_over_a_weak_node_and_the_weak_source_does_not_retire_it(store: GraphStore) -> None:
    await sync(store, ImportBatch("backstage", "root", nodes=[repo("acme/a", weak=True), service("x")]), now=T0)
    await sync(store, ImportBatch("github", "github:acme", nodes=[repo("acme/a", weak=False, url="https://github.com/acme/a")]), now=T1)
    # The descriptor no longer names the repository: it is GitHub's now, so it stays.
    await sync(store, ImportBatch("backstage", "root", nodes=[service("x")]), now=T2, force=True)
    rows = await store.read("MATCH (r:Repository) RETURN r.source_instance AS i, r.retired_at AS retired")
    assert rows == [{"i": "github:acme", "retired": None}]


async def test_facts_that_ended_before_the_read_window_are_history_not_gone(store: GraphStore) -> None:
    from catalog.core.records import Window

    def shift(n: int, start: str, end: str | None) -> NodeRecord:
        return NodeRecord("OnCallShift", f"oncall:{n}", {"level": 1, "starts_at": start, "ends_at": end}, "pagerduty:/oncalls")

    old, current, permanent = shift(1, T0, T1), shift(2, T1, T3), shift(3, T0, None)
    await sync(store, ImportBatch("pagerduty", "pd", nodes=[old, current, permanent]), now=T1)
    # The next read covers T2 onwards: the old shift is not in it, and must not be retired;
    # the permanent one is in the window, and is retired when it is gone.
    report = await sync(store, ImportBatch("pagerduty", "pd", nodes=[current], windows={"OnCallShift": Window("ends_at", T2)}), now=T2)
    assert report.nodes["OnCallShift"].retired == 1
    rows = await store.read("MATCH (s:OnCallShift) RETURN s.id AS id, s.retired_at AS retired ORDER BY id")
    assert rows == [{"id": "oncall:1", "retired": None}, {"id": "oncall:2", "retired": None}, {"id": "oncall:3", "retired": T2}]


async def test_the_report_lists_each_change_for_a_dry_run_diff(store: GraphStore) -> None:
    await sync(store, batch([service("a"), service("b"), team("t")], [owns("t", "a")]), now=T0)
    report = await sync(
        store, batch([service("a", title="A"), service("c"), team("t")], [owns("t", "c")]), now=T1, dry_run=True, force=True
    )
    assert sorted(map(str, report.changes)) == sorted(
        [
            str(c)
            for c in (
                Change("updated", "Service", "component:default/a"),
                Change("created", "Service", "component:default/c"),
                Change("retired", "Service", "component:default/b"),
                Change("created", "OWNS", "group:default/t -> component:default/c"),
                Change("retired", "OWNS", "group:default/t -> component:default/a"),
            )
        ]
    )
    assert report.summary()["changes"][0].keys() == {"action", "kind", "subject"}


# -- one relationship type between several pairs of labels ------------------------------------


def person(name: str) -> NodeRecord:
    return NodeRecord("Person", f"user:default/{name}", {"name": name, "namespace": "default"}, "people.yaml#0")


def system(name: str) -> NodeRecord:
    return NodeRecord("System", f"system:default/{name}", {"name": name, "namespace": "default"}, "systems.yaml#0")


def owned_by(owner: NodeRecord, target: NodeRecord) -> RelRecord:
    return RelRecord("OWNS", owner.label, owner.id, target.label, target.id, "services.yaml#0", {"evidence": "spec.owner"})


async def test_edges_of_one_type_between_different_labels_are_diffed_touched_and_retired_each_on_their_own(store: GraphStore) -> None:
    t, p, a, s = team("t"), person("p"), service("a"), system("s")
    edges = [owned_by(t, a), owned_by(p, a), owned_by(t, s)]
    first = await sync(store, batch([t, p, a, s], edges), now=T0)
    assert first.rels["OWNS"].created == 3
    again = await sync(store, batch([t, p, a, s], edges), now=T1)
    assert again.summary()["totals"] == {"created": 0, "updated": 0, "unchanged": 7, "retired": 0}
    assert await store.read("MATCH ()-[r:OWNS]->() RETURN DISTINCT r.last_seen AS l, r.run_id AS run") == [{"l": T1, "run": again.run_id}]

    report = await sync(store, batch([t, p, a, s], [owned_by(t, a), owned_by(t, s)]), now=T2)
    assert (report.rels["OWNS"].unchanged, report.rels["OWNS"].retired) == (2, 1)
    rows = await store.read(
        "MATCH (o)-[r:OWNS]->(x) RETURN o.id AS owner, x.id AS target, r.active AS active, r.last_seen AS seen, r.retired_at AS retired "
        "ORDER BY owner, target"
    )
    assert rows == [
        {"owner": "group:default/t", "target": "component:default/a", "active": True, "seen": T2, "retired": None},
        {"owner": "group:default/t", "target": "system:default/s", "active": True, "seen": T2, "retired": None},
        {"owner": "user:default/p", "target": "component:default/a", "active": False, "seen": T1, "retired": T2},
    ]


async def test_a_real_sync_keeps_no_per_fact_change_list(store: GraphStore) -> None:
    report = await sync(store, batch(fleet(3)), now=T0)
    assert report.nodes["Service"].created == 3
    assert report.changes == [] and "changes" not in report.summary()

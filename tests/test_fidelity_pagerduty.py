"""PagerDuty read as PagerDuty means it, from an export written in the shapes its REST API documents.

The fixture (``tests/fixtures/fidelity/pagerduty``, see its README) is read as of
2026-11-20T12:00Z, as ``catalog sync --at`` runs it, on both stores.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalog.answers.oncall import on_call
from catalog.answers.ownership import who_owns
from catalog.cli import main
from catalog.config import load_config
from catalog.read import CatalogReader
from catalog.runner import SourceOutcome, sync_sources
from catalog.store.base import GraphStore
from catalog.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "fidelity" / "pagerduty"
AT = "2026-11-20T12:00:00.000000Z"
ORDERS, GIFTS = "component:discovered/order-service", "component:discovered/gift-cards"
TEAM = "group:pagerduty/ptgift1"
ANA, BEN, CAT = (f"user:pagerduty/{u}" for u in ("puana01", "puben01", "pucat01"))


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "fidelity"
    shutil.copytree(FIXTURE, root)
    return root


async def sync(store: GraphStore, root: Path) -> list[SourceOutcome]:
    outcomes = await sync_sources(store, load_config(root / "catalog.yaml"), now=AT)
    assert [o.error for o in outcomes if o.failed] == []
    return outcomes


def findings(outcomes: list[SourceOutcome], kind: str) -> list[str]:
    return [f.message for o in outcomes if o.report for f in o.report.findings if f.kind == kind]


async def test_membership_from_users_schedules_from_the_listing_and_discovered_services(store: GraphStore, tmp_path: Path) -> None:
    outcomes = await sync(store, copy(tmp_path))
    # Membership is only in each user's `teams`: it is read there.
    members = await store.read(
        "MATCH (p:Person)-[r:MEMBER_OF]->(t:Team {id: $team}) WHERE r.active = true RETURN p.id AS id", {"team": TEAM}
    )
    assert sorted(r["id"] for r in members) == [ANA, BEN]
    # The schedule has no detail file: the listing's name and time zone are kept, its layers unknown (null, not empty).
    [schedule] = await store.read("MATCH (s:Schedule) RETURN s.name AS name, s.time_zone AS tz, s.layers AS layers")
    assert schedule == {"name": "Orders Primary", "tz": "Europe/Lisbon", "layers": None}
    # No component names either PagerDuty service: both are discovered, owned by the team only PagerDuty knows.
    rows = await store.read("MATCH (s:Service) WHERE s.retired_at IS NULL RETURN s.id AS id, s.name AS name, s.discovered AS d ORDER BY id")
    assert [(r["id"], r["name"], r["d"]) for r in rows] == [(GIFTS, "Gift Cards", True), (ORDERS, "Order Service", True)]
    assert sorted(m.split(" was discovered")[0].split(": ")[-1] for m in findings(outcomes, "discovered-service")) == [GIFTS, ORDERS]
    # Names as people write them resolve like names.
    for text, key in (("Order Service", ORDERS), ("order service", ORDERS), ("Gift Cards", GIFTS), ("GIFT-CARDS", GIFTS)):
        owned = await who_owns(store, text)
        assert [m.key for m in owned.matches] == [key], text
        assert [o.key for o in owned.matches[0].owners] == [TEAM]


async def test_the_export_is_imported_whole_and_chains_follow_the_services_own_policy(store: GraphStore, tmp_path: Path) -> None:
    outcomes = await sync(store, copy(tmp_path))
    # Shifts 50 days before and 56 days after the instant of the run are kept, not dropped silently.
    october = await on_call(CatalogReader(store), "Order Service", "2026-10-02T09:00:00Z")
    assert october.primary is not None and [p.key for p in october.primary.levels[0].on_call] == [ANA]
    january = await on_call(CatalogReader(store), "order-service", "2027-01-12T09:00:00Z")
    assert january.primary is not None and [p.key for p in january.primary.levels[0].on_call] == [ANA]
    now = await on_call(CatalogReader(store), "Order Service", AT)
    assert now.primary is not None and [(lv.level, [p.key for p in lv.on_call]) for lv in now.primary.levels] == [(1, [BEN]), (2, [CAT])]
    assert now.primary.levels[0].targets[0].name == "Orders Primary"

    # Gift Cards' own policy is not in the listing: it is kept as referenced, never replaced by the team's policy.
    [unlisted] = findings(outcomes, "unlisted-policy")
    assert "PEPMISS" in unlisted and "no other policy stands in for it" in unlisted
    gifts = await on_call(CatalogReader(store), "Gift Cards", AT)
    assert not gifts.used_team_policy
    assert [(c.policy.external_id, c.policy.referenced_only) for c in gifts.chains] == [("PEPMISS", True)]
    assert "not in the export" in gifts.message and "Gift Cards Team (default)" not in gifts.message


async def test_without_a_users_listing_people_come_from_the_entries_that_name_them(store: GraphStore, tmp_path: Path) -> None:
    root = copy(tmp_path)
    (root / "globex" / "users.json").unlink()
    outcomes = await sync(store, root)
    [missing] = findings(outcomes, "users-listing-missing")
    assert "users.json does not exist" in missing
    assert findings(outcomes, "unknown-user") == []
    now = await on_call(CatalogReader(store), "Order Service", AT)
    assert now.primary is not None
    assert [(lv.level, [p.name for p in lv.on_call]) for lv in now.primary.levels] == [(1, ["Ben Night"]), (2, ["Cat Lead"])]


def test_sync_at_an_instant_reads_an_export_as_of_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("CATALOG_NEO4J_URI", "CATALOG_STORE", "CATALOG_EMBEDDED_PATH"):
        monkeypatch.delenv(name, raising=False)
    root = copy(tmp_path)
    db = str(tmp_path / "db")
    assert main(["sync", "--config", str(root / "catalog.yaml"), "--embedded-path", db, "--at", "not-a-time"]) == 2
    assert "--at 'not-a-time'" in capsys.readouterr().err
    assert main(["sync", "--config", str(root / "catalog.yaml"), "--embedded-path", db, "--at", "2026-11-20T13:00:00+01:00", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    pagerduty = next(r for r in reports if r["type"] == "pagerduty")
    # The run is stamped with the instant given (in UTC), and the on-call window is centred on it.
    assert pagerduty["started_at"] == AT
    assert pagerduty["windows"]["OnCallShift"]["since"] <= "2026-10-01T00:00:00.000000Z"


async def test_a_read_of_the_export_twice_changes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "catalog.lbdb")
    await store.ensure_schema()
    try:
        root = copy(tmp_path)
        await sync(store, root)
        again = await sync(store, root)
        changed = {o.instance: o.report.totals() for o in again if o.report and o.type == "pagerduty"}
        assert [(c.created, c.updated, c.retired) for c in changed.values()] == [(0, 0, 0)]
    finally:
        await store.close()

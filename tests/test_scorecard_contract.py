"""The Build-Run answers from the snapshot equal the Cypher reader's, on both stores, over the demo and the S company.

Following ``tests/test_read_contract.py``: a snapshot is built after the sync, and each call is asked
of the ``SnapshotReader`` over it and of the plain ``CatalogReader``: ``build_run`` for every team,
the whole company (``build_run_company``), the company view with and without filters, the
anti-pattern audits (every page, each kind alone and all together) and the reads behind them
(``responders``, ``support_facts``, ``platform_facts``, ``domain_facts``, ``subject_names``), at instants inside and
across on-call shifts. Then: kept answers are not stale (a second call at another instant answers
for that instant), and the snapshot answers without a round trip to the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest

from bench.generate import generate
from catalog.answers.audits import AuditFilter, AuditKind, audits
from catalog.answers.build_run_company import CompanyFilter, company_report
from catalog.answers.scorecard import Verdict, build_run, build_run_company
from catalog.config import load_config
from catalog.core.clock import iso
from catalog.read import CatalogReader
from catalog.read.snapshot import SnapshotReader, build_snapshot
from catalog.runner import sync_sources
from catalog.store.base import GraphStore
from tests.test_read_contract import NOW, CountingStore, Read, World, _demo, _empty, check_contract, read_world
from tests.test_read_contract import Case as ContractCase

TIMES = (*(iso(NOW + timedelta(hours=h)) for h in (0, 5, -72, 24 * 30)), iso(NOW + timedelta(minutes=1)))
"""Now, later today, three days back, beyond the on-call read window (shifts differ between them), and a minute
after now (the same shifts: what the snapshot kept at now answers, for that minute)."""
ANTIPATTERNS = (AuditKind.OPS_HAND_OFF, AuditKind.OWN_PLATFORM, AuditKind.SEVERAL_STANDARD_PLATFORMS)


def _build_run(world: World) -> Iterable[tuple[str, Read]]:
    """Every team now, and a spread of them later today (other shifts hold)."""
    later = world.teams[:: max(1, len(world.teams) // 10)]
    for t, teams in ((TIMES[0], [*world.teams, "no-such-team"]), (TIMES[1], later)):
        for team in teams:

            async def read(reader: CatalogReader, team: str = team, t: str = t) -> object:
                try:
                    return await build_run(reader, team, now=t)
                except LookupError as exc:
                    return repr(exc)

            yield f"build_run({team!r}, {t})", read


def _company(world: World) -> Iterable[tuple[str, Read]]:
    for t in TIMES:

        async def whole(reader: CatalogReader, t: str = t) -> object:
            return await build_run_company(reader, now=t)

        yield f"build_run_company({t})", whole
    units = sorted({t for t in world.teams})[:3]
    filters = [CompanyFilter(), CompanyFilter(verdicts=(Verdict.YES,)), *(CompanyFilter(org_unit=u) for u in units)]
    for f in filters:

        async def report(reader: CatalogReader, f: CompanyFilter = f) -> object:
            try:
                return await company_report(reader, f, now=TIMES[0])
            except ValueError as exc:
                return repr(exc)

        yield f"company_report({f})", report
    for t in TIMES[1:]:

        async def later(reader: CatalogReader, t: str = t) -> object:
            return await company_report(reader, now=t)

        yield f"company_report(at {t})", later


def _audits(world: World) -> Iterable[tuple[str, Read]]:
    for t in TIMES:
        for kinds in (*((k,) for k in ANTIPATTERNS), ANTIPATTERNS):

            async def every_page(reader: CatalogReader, kinds: tuple[AuditKind, ...] = kinds, t: str = t) -> object:
                found = await audits(reader, AuditFilter(kinds=kinds), now=t, ops_handoff_min_teams=2)
                pages, after = [], None
                while True:
                    page = await found.page(7, after)
                    pages.append(page.audits)
                    if not page.has_next:
                        return pages, await found.total()
                    after = page.audits[-1].cursor

            yield f"audits({[k.value for k in kinds]}, {t})", every_page
    for team in world.teams[:: max(1, len(world.teams) // 10)]:

        async def scoped(reader: CatalogReader, team: str = team) -> object:
            found = await audits(reader, AuditFilter(kinds=ANTIPATTERNS, team=team), now=TIMES[0], ops_handoff_min_teams=1)
            return (await found.page(100)).audits

        yield f"audits(team {team!r})", scoped


def _reads(world: World) -> Iterable[tuple[str, Read]]:
    for t in TIMES:

        async def everyone(reader: CatalogReader, t: str = t) -> object:
            return await reader.responders(t)

        async def some(reader: CatalogReader, t: str = t) -> object:
            return await reader.responders(t, [*world.policies[::2], "escalation-policy:nowhere/none"])

        async def support(reader: CatalogReader, t: str = t) -> object:
            return await reader.support_facts(t)

        yield f"responders(all, {t})", everyone
        yield f"responders(some, {t})", some
        yield f"support_facts({t})", support
    yield "responders(none)", lambda reader: reader.responders(TIMES[0], [])
    yield "subject_names(Team, current)", lambda reader: reader.subject_names("Team", world.teams)
    yield "subject_names(Team, any)", lambda reader: reader.subject_names("Team", [*world.teams, *world.retired, "group:default/no-such"])
    yield "platform_facts", lambda reader: reader.platform_facts()
    yield "domain_facts", lambda reader: reader.domain_facts()


SCORECARD: tuple[ContractCase, ...] = (
    ContractCase("responders, support, platforms, domains", _reads),
    ContractCase("buildRun, every team", _build_run),
    ContractCase("the company and its view", _company),
    ContractCase("anti-pattern audits", _audits),
)


async def test_the_scorecard_from_the_snapshot_answers_as_cypher_does_over_the_demo(store: GraphStore, tmp_path: Path) -> None:
    await _demo(store, tmp_path)
    snapshot = await build_snapshot(store)
    world = await read_world(store)
    assert len(world.teams) > 3 and world.policies
    asked = await check_contract(store, world, snapshot, SCORECARD)
    assert asked > 40

    # Served from memory: no round trip for the team, the company, the view or the audits (the trend is history).
    counted = CountingStore(store)
    snapped = SnapshotReader(counted, snapshot)
    card = await build_run(snapped, "search-team", now=TIMES[0])
    company = await build_run_company(snapped, now=TIMES[1])
    await company_report(snapped, now=TIMES[1])
    await (await audits(snapped, AuditFilter(kinds=ANTIPATTERNS), now=TIMES[1])).page(50)
    assert counted.reads == []
    # A kept scoring answers for the instant asked: computed at that instant, equal to Cypher's there.
    assert card.computed_at == TIMES[0] and company.computed_at == TIMES[1]
    assert all(c.computed_at == TIMES[1] for c in company.teams)
    assert await build_run(snapped, "search-team", now=TIMES[1]) == await build_run(CatalogReader(store), "search-team", now=TIMES[1])


@pytest.fixture(scope="module")
def company_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", tmp_path_factory.mktemp("scorecard-contract") / "S", now=NOW)


async def test_the_scorecard_from_the_snapshot_answers_as_cypher_does_over_the_s_company(store: GraphStore, company_s: Path) -> None:
    outcomes = await sync_sources(store, load_config(company_s), now=iso(NOW))
    assert [(o.instance, o.error) for o in outcomes if o.failed] == []
    snapshot = await build_snapshot(store)
    world = await read_world(store, sample=150)
    assert len(world.teams) == 200
    try:
        await check_contract(store, world, snapshot, SCORECARD)
    finally:
        await _empty(store)

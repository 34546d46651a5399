"""The Build-Run scorecard where people look: GraphQL ``buildRun(team:)`` and ``catalog scorecard [TEAM]``, against
the store and through ``--server``, over the world of ``tests/fixtures/scorecard`` on both stores."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest
from graphql import parse

from catalog.api.cost import measure_document
from catalog.api.schema import build_schema
from catalog.cli import build_parser
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, remote
from catalog.commands import scorecard as command
from catalog.store.base import GraphStore
from tests._api_fixtures import api_settings, gql, gql_error_objects
from tests._web_fixtures import serving
from tests.fixtures.scorecard.support import sync_world

BUILD_RUN = """query($team: String!) {
  buildRun(team: $team) {
    team { ref } overall isFullyBuildRun serviceCount
    build {
      verdict share passing counted reason
      repositories {
        totalCount
        nodes { repository { slug } state namedOwners { ... on Team { ref } } otherOwners { ... on Team { ref } } ownedShare }
      }
    }
    run { verdict share services(state: OTHER_PLATFORM) { nodes { service { name } platforms { name isStandard } } } }
    support {
      verdict share
      services(state: HANDED_OFF) { totalCount nodes { service { name } handedOffTo { ref } firstLevel { ref } policies { name } } }
    }
    platformRole { platform { name } foundFrom owns onCall runsOnIt onCallPolicies { name } }
    findings { kind severity platform { name } }
  }
}"""


async def test_build_run_answers_typed_verdicts_and_evidence_that_are_nodes(store: GraphStore, tmp_path: Path) -> None:
    await sync_world(store, tmp_path, platform_on_call=False)
    search = (await gql(store, BUILD_RUN, {"team": "search"}))["buildRun"]
    assert search["team"]["ref"] == "group:default/search" and search["overall"] == "PARTLY" and not search["isFullyBuildRun"]
    build = search["build"]
    assert (build["verdict"], build["share"], build["passing"], build["counted"]) == ("PARTLY", 0.5, 1, 2)
    states = {r["repository"]["slug"]: (r["state"], r["namedOwners"], r["otherOwners"]) for r in build["repositories"]["nodes"]}
    assert states == {
        "acme/search": ("NAMES_TEAM", [{"ref": "group:default/search"}], []),
        "acme/search-legacy": ("NAMES_OTHERS", [], [{"ref": "group:default/ops"}]),
    }
    [elsewhere] = search["run"]["services"]["nodes"]
    assert elsewhere == {"service": {"name": "search-legacy"}, "platforms": [{"name": "legacy-vms", "isStandard": False}]}
    [handed] = search["support"]["services"]["nodes"]
    assert handed["service"]["name"] == "search-legacy" and handed["handedOffTo"] == [{"ref": "group:default/ops"}]
    assert {p["ref"] for p in handed["firstLevel"]} == {"user:default/oscar", "user:default/olga"} and handed["policies"] == [
        {"name": "Ops"}
    ]
    assert search["platformRole"] is None

    platform = (await gql(store, BUILD_RUN, {"team": "group:default/platform"}))["buildRun"]
    assert platform["platformRole"] == {
        "platform": {"name": "k8s"},
        "foundFrom": "CONFIGURATION",
        "owns": "YES",
        "onCall": "NO",
        "runsOnIt": "YES",
        "onCallPolicies": [{"name": "Ops"}],
    }
    assert platform["findings"] == [{"kind": "platform-without-on-call", "severity": "ERROR", "platform": {"name": "k8s"}}]

    [error] = await gql_error_objects(store, BUILD_RUN, {"team": "nobody"})
    assert error["extensions"]["code"] == "NOT_FOUND" and "no team 'nobody'" in error["message"]
    [error] = await gql_error_objects(store, BUILD_RUN, {"team": "  "})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_full_scorecard_query_costs_what_its_pages_hold() -> None:
    schema = build_schema()._schema
    (measured,) = measure_document(schema, parse(remote.BUILD_RUN), {}, page_cap=api_settings().max_page_size)
    # The CLI's document asks for pages of 500: well within the default cost limit, and priced by its page sizes.
    (small,) = measure_document(schema, parse(remote.BUILD_RUN.replace("first: 500", "first: 5")), {}, page_cap=500)
    assert small.cost < measured.cost <= api_settings().max_query_cost


async def test_the_cli_prints_a_team_the_company_and_json(store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await sync_world(store, tmp_path)

    async def run(*argv: str) -> tuple[int, str, str]:
        code = await command.run(build_parser().parse_args(["scorecard", *argv]), store)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _ = await run("data")
    assert code == EXIT_OK and out.startswith("Data (group:default/data): overall NO")
    assert "GitHub has not read acme/etl" in out and "deployed by another team" in out and "no escalation policy" in out
    code, out, _ = await run("payments")
    assert code == EXIT_OK and "fully Build-Run" in out and "not passing" not in out
    code, out, _ = await run()
    assert code == EXIT_OK and "Platform Team of k8s: Platform (from configuration" in out
    assert "2 of 6 teams with services are fully Build-Run" in out
    code, out, _ = await run("search", "--json")
    answer = json.loads(out)
    assert code == EXIT_OK and answer["team"]["key"] == "group:default/search" and answer["support"]["verdict"] == "partly"
    code, _, err = await run("nobody")
    assert code == EXIT_NOT_FOUND and "no team 'nobody'" in err


async def test_the_cli_asks_a_running_server_for_a_teams_scorecard(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await sync_world(store, tmp_path)
    local_code = await command.run(argparse.Namespace(team="search", json=False), store)
    local = capsys.readouterr().out
    async with serving(store) as url:

        def ask(*argv: str) -> tuple[int, str, str]:
            code = remote.run(build_parser().parse_args(["scorecard", *argv]), url)
            captured = capsys.readouterr()
            return code, captured.out, captured.err

        code, out, _ = await asyncio.to_thread(ask, "search")
        # The server's answer prints as the store's does.
        assert (code, out) == (local_code, local)
        code, out, _ = await asyncio.to_thread(ask, "search", "--json")
        assert code == EXIT_OK and json.loads(out)["build"]["verdict"] == "PARTLY"
        code, _, err = await asyncio.to_thread(ask, "nobody")
        assert code == EXIT_NOT_FOUND and "no team 'nobody'" in err
        code, _, err = await asyncio.to_thread(ask)
        assert code == 2 and "not available with --server" in err

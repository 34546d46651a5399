"""`catalog history` and `catalog adoption --trend` over `--server`, against a real running app on both stores:
the same output as the same command against the store."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.cli import build_parser
from catalog.commands import remote
from catalog.core.clock import iso
from catalog.store.base import GraphStore
from tests._web_fixtures import load_demo_now, serving


async def test_history_and_the_adoption_trend_over_a_server_print_what_the_store_prints(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await load_demo_now(store, tmp_path / "demo", syncs=2)
    parser = build_parser()
    now = datetime.now(UTC)
    # Fixed instants: "now" would differ between the two runs.
    start, end, at = iso(now - timedelta(days=7)), iso(now + timedelta(days=1)), iso(now)

    async def local(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(list(argv))
        capsys.readouterr()
        code = await args.answer(args, store)
        return code, capsys.readouterr().out

    async with serving(store) as url:

        def over_server(*argv: str) -> tuple[int, str]:
            capsys.readouterr()
            code = remote.run(parser.parse_args(list(argv)), url)
            return code, capsys.readouterr().out

        async def both(*argv: str) -> tuple[tuple[int, str], tuple[int, str]]:
            return await local(*argv), await asyncio.to_thread(over_server, *argv)

        here, there = await both("history", "checkout", "--from", start, "--to", end)
        assert here == there
        assert here[0] == 0 and "on-call" in here[1] and "owner-added  Checkout Team" in here[1]

        # A limit below the number of changes: the same first rows and the same hint.
        here, there = await both("history", "checkout", "--from", start, "--to", end, "--limit", "2")
        assert here == there and "raise --limit" in here[1]

        # Who owned it at an instant: the same owners; the on-call chain as `oncall --server` prints it.
        here, there = await both("history", "checkout", "--at", at)
        assert here[0] == there[0] == 0
        owners_here, owners_there = here[1].split("\n\n")[0], there[1].split("\n\n")[0]
        assert owners_here == owners_there and "Checkout Team" in owners_here
        assert "level" in there[1].lower().split("\n\n", 1)[1]

        unknown = await both("history", "chekout", "--from", start, "--to", end)
        assert unknown[0] == unknown[1] and unknown[0][0] == 1 and "checkout" in unknown[0][1]

        trend = await both("adoption", "--trend")
        assert trend[0] == trend[1] and trend[0][0] == 0
        assert len([line for line in trend[0][1].splitlines() if line[:4].isdigit()]) == 2

        team = await both("adoption", "--trend", "--scope", "team", "--key", "checkout-team")
        assert team[0] == team[1] and "team group:default/checkout-team" in team[0][1]

        code, out = await asyncio.to_thread(over_server, "adoption", "--trend", "--json")
        points = json.loads(out)
        assert code == 0 and len(points) == 2 and all(p["total"] > 0 for p in points)
        code, out = await asyncio.to_thread(over_server, "history", "checkout", "--from", start, "--to", end, "--json")
        assert code == 0 and json.loads(out)["identification"]["service"]["ref"] == "component:default/checkout"


def test_history_arguments_are_checked_before_asking(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    # Nothing listens on port 9: the checks must refuse before any request.
    code = remote.run(parser.parse_args(["history", "checkout"]), "http://127.0.0.1:9")
    assert code == 2 and "give either --at TIME, or --from TIME" in capsys.readouterr().err
    code = remote.run(parser.parse_args(["history", "checkout", "--from", "yesterday"]), "http://127.0.0.1:9")
    assert code == 2 and "--from" in capsys.readouterr().err
    code = remote.run(parser.parse_args(["adoption", "--trend", "--scope", "team"]), "http://127.0.0.1:9")
    assert code == 2 and "needs --key" in capsys.readouterr().err

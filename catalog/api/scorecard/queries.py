"""``buildRun(team:)``: one team's Build-Run scorecard."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.answers import scorecard as sc
from catalog.api.context import Info
from catalog.api.errors import BadArgument, NotFound
from catalog.api.scorecard.types import BuildRunScorecard

MAX_TEAM_LENGTH = 300
"""A team reference is a name or ``group:namespace/name``; anything longer is not one."""


@strawberry.type
class ScorecardQuery:
    @strawberry.field(
        description="Does the team build, run and support what it owns, on the one standard platform? Its Build-Run scorecard, "
        "over the services it and its sub-teams own, with the evidence of each verdict. NOT_FOUND when no team has that name."
    )
    async def build_run(
        self,
        info: Info,
        team: Annotated[
            str, strawberry.argument(description="A team name (`payments`), display name, or reference (`group:default/payments`).")
        ],
    ) -> BuildRunScorecard | None:
        if not team.strip() or len(team) > MAX_TEAM_LENGTH:
            raise BadArgument(f"team must be a team name or reference of 1 to {MAX_TEAM_LENGTH} characters, e.g. payments")
        async with info.context.walks:
            try:
                card = await sc.build_run(info.context.reader, team)
            except sc.TeamNotFound as exc:
                raise NotFound(str(exc)) from exc
        return BuildRunScorecard(row=card)

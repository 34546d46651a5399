"""GitHub without its team listings: CODEOWNERS owners are kept or reported as what the catalog knows, never dropped.

The export is the GitHub importer's own fixture (shaped like GitHub's REST responses) with the
team listings taken out, as an export made with a token that lacks ``read:org`` would be.
``payments-api``'s CODEOWNERS says ``* @acme/payments @bob``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from catalog.core.identity import IdentityIndex
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.github.source import Config, GitHubSource

EXPORT = Path(__file__).parent / "fixtures" / "github" / "export"
REPO = "repository:github.com/acme/payments-api"
T0 = "2026-11-20T12:00:00.000000Z"


async def test_without_team_listings_codeowners_teams_are_kept_and_users_are_not_said_to_be_ignored(
    store: GraphStore, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "teams.json").unlink()
    shutil.rmtree(export / "teams")
    source = GitHubSource(Config.model_validate({"type": "github", "org": "acme", "export_dir": str(export)}), tmp_path)
    report = await sync(store, await source.read(IdentityIndex()), now=T0)

    # The team CODEOWNERS names is recorded from CODEOWNERS alone, with weaker evidence, and a finding says so.
    owners = await store.read(
        "MATCH (t:Team)-[r:OWNS]->(x:Repository {id: $repo}) WHERE r.active = true RETURN t.id AS team, r.strength AS strength",
        {"repo": REPO},
    )
    assert owners == [{"team": "group:default/payments", "strength": "inferred"}]
    [team] = [f for f in report.findings if f.kind == "source-only-team" and f.subject == REPO]
    assert team.reference == "group:default/payments" and team.line == 1 and "not read" in team.message

    # @bob is in no listing the catalog could read: it cannot say whether GitHub honours him.
    [bob] = [f for f in report.findings if f.kind == "unknown-owner" and f.reference == "@bob"]
    assert "cannot tell whether GitHub honours it" in bob.message and "GitHub ignores it" not in bob.message

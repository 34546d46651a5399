"""The GitHub importer: the real client against a local fake of the REST API, the real parser,
the real sync engine, both stores.

``tests/fixtures/github/export`` is an export folder (layout in ``importers.github.client``);
``serve_export`` serves the same payloads as the REST API does, repositories in three pages
linked by ``Link`` headers, so live and offline runs read the same organisation.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.core.codeowners import MAX_FILE_BYTES
from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import ImportReport, sync
from importers.backstage import read_backstage
from importers.base import SourceError
from importers.github import Config, GitHubSource
from importers.http import RetryPolicy
from tests.fakes.http_server import FakeApi, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "github"
EXPORT = FIXTURES / "export"
T0, T1, T2, T3 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3, 4))
SERVICES = {"acme/payments-api": "payments-api"}
REPO = "repository:github.com/acme/"
FAST = RetryPolicy(max_retries=2, base_delay=0.01)


class _Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def serve_export(api: FakeApi, export: Path = EXPORT, page_size: int = 2) -> None:
    """Serve an export folder as GitHub's REST API serves it."""
    repos = _load(export / "repos.json")
    pages = [repos[i : i + page_size] for i in range(0, len(repos), page_size)]

    def link(page: int) -> str:
        # GitHub's Link URLs name the organisation by id, not by login.
        url = f"{api.url}/organizations/9000/repos?per_page=100&type=all&page="
        rels = {"next": page + 1, "last": len(pages)} if page < len(pages) else {"prev": page - 1, "first": 1}
        return ", ".join(f'<{url}{n}>; rel="{rel}"' for rel, n in rels.items())

    def repos_page(query: dict[str, list[str]], _headers: dict[str, str]) -> Reply:
        page = int(query.get("page", ["1"])[0])
        return Reply(body=pages[page - 1], headers={"Link": link(page)})

    api.route("/orgs/acme/repos", repos_page)
    api.route("/organizations/9000/repos", repos_page)
    api.route("/orgs/acme/teams", _load(export / "teams.json"))
    for team in _load(export / "teams.json"):
        for part in ("members", "repos"):
            api.route(f"/orgs/acme/teams/{team['slug']}/{part}", _load(export / "teams" / team["slug"] / f"{part}.json"))
    for repo in repos:
        name, branch = repo["name"], repo["default_branch"]
        tree = _load(export / "trees" / f"{name}.json")
        api.route(f"/repos/acme/{name}/git/trees/{branch}", (lambda _q, _h, body=tree: Reply(409, body)) if "tree" not in tree else tree)
        owners_dir = export / "codeowners" / name
        for file in owners_dir.rglob("*") if owners_dir.is_dir() else []:
            if file.is_file():
                path = file.relative_to(owners_dir).as_posix()
                api.route(f"/repos/acme/{name}/contents/{path}", contents(path, file.read_bytes()))


def contents(path: str, data: bytes) -> dict[str, Any]:
    """``GET /repos/{owner}/{repo}/contents/{path}`` for a file: base64 in lines of 60, as GitHub sends it."""
    encoded = base64.b64encode(data).decode()
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
        "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
        "url": f"https://api.github.com/repos/acme/x/contents/{path}",
        "html_url": f"https://github.com/acme/x/blob/main/{path}",
        "download_url": f"https://raw.githubusercontent.com/acme/x/main/{path}",
    }


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeApi]:
    with FakeApi() as fake:  # one server for the module: shutting one down takes half a second
        yield fake


@pytest.fixture
def api(_server: FakeApi) -> FakeApi:
    _server.routes.clear()
    _server.scripts.clear()
    _server.requests.clear()
    serve_export(_server)
    return _server


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test-token")
    return "ghp_test-token"


def live(api: FakeApi, sleeps: _Sleeps | None = None, **settings: Any) -> GitHubSource:
    config = Config.model_validate({"type": "github", "org": "acme", "api_url": api.url, "services": SERVICES, **settings})
    return GitHubSource(config, FIXTURES, sleep=sleeps or _Sleeps(), retry=FAST)


def offline(export: Path = EXPORT) -> GitHubSource:
    config = Config.model_validate({"type": "github", "org": "acme", "export_dir": str(export), "services": SERVICES})
    return GitHubSource(config, FIXTURES)


async def seed(store: GraphStore) -> None:
    await sync(store, read_backstage([FIXTURES / "backstage.yaml"], instance="bs"), now=T0)


async def run(store: GraphStore, source: GitHubSource, now: str) -> ImportReport:
    return await sync(store, await source.read(await load_identity_index(store)), now=now)


async def owns(store: GraphStore) -> set[tuple[str, str, str, str]]:
    rows = await store.read(
        "MATCH (o)-[r:OWNS]->(t:Repository) WHERE r.active = true AND r.source = 'github' "
        "RETURN o.id AS owner, t.id AS repo, r.strength AS strength, r.evidence AS evidence"
    )
    return {(r["owner"], r["repo"].removeprefix(REPO), r["strength"], r["evidence"]) for r in rows}


async def pairs(store: GraphStore, rel: str) -> set[tuple[str, str]]:
    rows = await store.read(f"MATCH (a)-[r:{rel}]->(b) WHERE r.active = true AND r.source = 'github' RETURN a.id AS a, b.id AS b")
    return {(r["a"], r["b"]) for r in rows}


BY_NAME = " (GitHub team matched to group:infra/platform by name)"
EXPECTED_OWNS = {
    ("group:default/payments-team", "checkout", "declared", "CODEOWNERS .github/CODEOWNERS line 2"),
    ("user:default/alice-smith", "checkout", "declared", "CODEOWNERS .github/CODEOWNERS line 3"),
    ("group:infra/platform", "checkout", "declared", "CODEOWNERS .github/CODEOWNERS line 5" + BY_NAME),
    ("group:default/payments-team", "payments-api", "declared", "CODEOWNERS CODEOWNERS line 1; team permission admin"),
    ("user:default/bob", "payments-api", "declared", "CODEOWNERS CODEOWNERS line 1"),
    ("user:default/carol", "payments-api", "declared", "CODEOWNERS CODEOWNERS line 2"),
    ("group:default/frontend", "legacy-tool", "inferred", "team permission maintain"),
    ("group:default/frontend", "web", "declared", "CODEOWNERS docs/CODEOWNERS line 1"),
    ("group:infra/platform", "web", "declared", "CODEOWNERS docs/CODEOWNERS line 4; team permission admin" + BY_NAME),
    ("group:infra/platform", "infra", "declared", "CODEOWNERS .github/CODEOWNERS line 1; team permission maintain" + BY_NAME),
    ("user:default/carol", "infra", "declared", "CODEOWNERS .github/CODEOWNERS line 1"),
}
EXPECTED_MEMBERS = {
    ("user:default/alice-smith", "group:default/payments-team"),
    ("user:default/bob", "group:default/payments-team"),
    ("user:default/carol-gh", "group:infra/platform"),
    ("user:default/dave", "group:default/frontend"),  # and not of platform: GitHub lists child members there too
}


async def test_live_import_builds_the_graph(store: GraphStore, api: FakeApi, token: str) -> None:
    await seed(store)
    api.script("/orgs/acme/repos", Reply(429, {"message": "API rate limit exceeded"}, {"Retry-After": "2"}))
    api.script("/orgs/acme/teams", Reply(503, {"message": "Service Unavailable"}))
    tree = _load(EXPORT / "trees" / "checkout.json")
    api.script("/repos/acme/checkout/git/trees/main", Reply(200, tree, cut_after=40))
    sleeps = _Sleeps()

    report = await run(store, live(api, sleeps), T1)

    assert report.complete and report.instance == "github:acme"
    assert 2.0 in sleeps.waits and len(sleeps.waits) == 3  # Retry-After honoured; the 503 and the cut body retried
    first = api.hits("/orgs/acme/repos")[-1]
    assert first.query["per_page"] == ["100"]
    assert first.headers["authorization"] == f"Bearer {token}"
    assert first.headers["accept"] == "application/vnd.github+json" and first.headers["x-github-api-version"] == "2022-11-28"
    assert [h.query["page"] for h in api.hits("/organizations/9000/repos")] == [["2"], ["3"]]
    assert report.nodes["Repository"].created == 6

    rows = await store.read(
        "MATCH (r:Repository) RETURN r.name AS name, r.slug AS slug, r.url AS url, r.archived AS archived, r.visibility AS visibility, "
        "r.default_branch AS branch, r.topics AS topics, r.language AS language, r.codeowners_path AS path, "
        "r.owned_share AS share, r.default_owners AS defaults, r.source AS source"
    )
    repos = {r.pop("name"): r for r in rows}
    assert repos["checkout"] == {
        "slug": "acme/checkout",
        "url": "https://github.com/acme/checkout",
        "archived": False,
        "visibility": "public",
        "branch": "main",
        "topics": ["payments", "web"],
        "language": "Python",
        "path": ".github/CODEOWNERS",
        "share": 85,  # 6 of 7 files: /vendor/ has no owner
        "defaults": ["@acme/payments"],
        "source": "github",  # GitHub's strong record replaced Backstage's weak one
    }
    assert (repos["legacy-tool"]["archived"], repos["legacy-tool"]["path"], repos["legacy-tool"]["share"]) == (True, None, 0)
    payments = repos["payments-api"]
    assert (payments["visibility"], payments["path"], payments["share"]) == ("private", "CODEOWNERS", 100)
    assert (repos["web"]["visibility"], repos["web"]["share"], repos["web"]["defaults"]) == ("internal", 60, None)
    assert (repos["infra"]["branch"], repos["infra"]["defaults"]) == ("trunk", ["@acme/platform", "carol@acme.example"])
    assert (repos["empty-repo"]["path"], repos["empty-repo"]["share"]) == (None, None)

    assert await owns(store) == EXPECTED_OWNS
    assert await pairs(store, "MEMBER_OF") == EXPECTED_MEMBERS
    assert await pairs(store, "CHILD_OF") == {("group:default/frontend", "group:infra/platform")}
    assert await pairs(store, "BUILT_FROM") == {("component:default/payments-api", REPO + "payments-api")}
    [identifier] = await store.read(
        "MATCH (i:Identifier)-[r:IDENTIFIES]->(s:Service) WHERE r.source = 'github' "
        "RETURN i.id AS id, s.id AS service, r.strength AS strength, r.evidence AS evidence"
    )
    assert identifier == {
        "id": "ident:repository:acme/payments-api",
        "service": "component:default/payments-api",
        "strength": "configured",
        "evidence": "catalog.yaml services",
    }

    teams = await store.read("MATCH (t:Team) RETURN t.id AS id, t.source AS source, t.display_name AS display")
    assert {(t["id"], t["source"]) for t in teams} == {
        ("group:default/payments-team", "backstage"),  # resolved through github.com/team-slug, left alone
        ("group:infra/platform", "backstage"),  # resolved by name
        ("group:default/frontend", "github"),  # unknown to the catalog: a weak node of its own
    }
    assert next(t["display"] for t in teams if t["id"] == "group:default/frontend") == "Frontend Guild"
    persons = await store.read("MATCH (p:Person) WHERE p.source = 'github' RETURN p.id AS id ORDER BY id")
    assert [p["id"] for p in persons] == ["user:default/bob", "user:default/carol-gh", "user:default/dave"]
    # Backstage's own link from checkout to its repository is untouched.
    assert await store.read(
        "MATCH (:Service {id: 'component:default/checkout'})-[r:BUILT_FROM]->(:Repository {id: $repo}) RETURN r.active AS active",
        {"repo": REPO + "checkout"},
    ) == [{"active": True}]

    findings = {(f.kind, f.subject, f.line) for f in report.findings}
    assert ("unknown-owner", REPO + "checkout", 6) in findings
    assert {("invalid-codeowners", REPO + "web", 2), ("invalid-codeowners", REPO + "web", 3)} <= findings
    assert ("no-codeowners", REPO + "legacy-tool", None) in findings
    [ghost] = [f for f in report.findings if f.kind == "unknown-owner"]
    assert ghost.file == "acme/checkout/.github/CODEOWNERS" and ghost.reference == "@acme/ghost" and "line 6" in ghost.message
    assert not [f for f in report.findings if f.severity == "error" and f.kind != "invalid-codeowners"]


async def test_a_second_identical_sync_changes_nothing(store: GraphStore, api: FakeApi, token: str) -> None:
    await seed(store)
    first = await run(store, live(api), T1)
    second = await run(store, live(api), T2)
    totals = second.totals()
    assert (totals.created, totals.updated, totals.retired) == (0, 0, 0)
    assert totals.unchanged == first.totals().created
    assert await owns(store) == EXPECTED_OWNS


async def test_offline_export_gives_the_same_graph_as_live(store: GraphStore, api: FakeApi, token: str) -> None:
    await seed(store)
    index = await load_identity_index(store)
    live_batch, offline_batch = await live(api).read(index), await offline().read(index)
    assert offline_batch.complete and live_batch.complete
    assert _graph(offline_batch) == _graph(live_batch)

    await sync(store, live_batch, now=T1)
    report = await run(store, offline(), T2)
    for label, counts in report.nodes.items():
        if label != "Finding":  # findings name the export file instead of the endpoint
            assert (label, counts.created, counts.updated, counts.retired) == (label, 0, 0, 0)
    assert all(not c.changed for c in report.rels.values())
    assert await owns(store) == EXPECTED_OWNS


def _graph(batch: ImportBatch) -> tuple[set[Any], set[Any]]:
    nodes = {(n.label, n.id, n.weak, json.dumps(n.props, sort_keys=True)) for n in batch.nodes}
    rels = {(r.type, r.src_id, r.dst_id, json.dumps(r.props, sort_keys=True)) for r in batch.rels}
    return nodes, rels


async def test_a_partial_sync_retires_nothing_and_keeps_previous_facts(store: GraphStore, api: FakeApi, token: str) -> None:
    await seed(store)
    await run(store, live(api), T1)
    api.route("/orgs/acme/teams/payments/members", lambda _q, _h: Reply(500, {"message": "Server Error"}))

    report = await run(store, live(api), T2)

    assert not report.complete and report.totals().retired == 0
    [failed] = [f for f in report.findings if f.kind == "endpoint-failed"]
    assert failed.file == "GET /orgs/acme/teams/payments/members" and "payments" in failed.message and failed.severity == "error"
    assert await pairs(store, "MEMBER_OF") == EXPECTED_MEMBERS
    assert await owns(store) == EXPECTED_OWNS
    assert await store.read("MATCH (p:Person {id: 'user:default/bob'}) RETURN p.retired_at AS r") == [{"r": None}]
    # bob is unlisted only because the list failed: not reported as an unknown owner.
    assert not [f for f in report.findings if f.kind == "unknown-owner" and f.reference == "@bob"]

    # The next complete sync is back to normal, and still retires nothing that exists.
    api.route("/orgs/acme/teams/payments/members", _load(EXPORT / "teams" / "payments" / "members.json"))
    healed = await run(store, live(api), T3)
    assert healed.complete and healed.totals().retired == 1  # the endpoint-failed finding
    assert await pairs(store, "MEMBER_OF") == EXPECTED_MEMBERS


# -- failures and bad input (no store needed: the batch says it all) -----------------------


async def read(source: GitHubSource) -> ImportBatch:
    return await source.read(IdentityIndex())


def kinds(batch: ImportBatch) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in batch.findings:
        found.setdefault(f.kind, []).append(f.message)
    return found


async def test_the_repository_list_failing_is_a_source_error(api: FakeApi, token: str) -> None:
    body = json.dumps(_load(EXPORT / "repos.json")).encode()
    api.route("/orgs/acme/repos", lambda _q, _h: Reply(200, body, cut_after=100))
    with pytest.raises(SourceError, match=r"github:acme: cannot list the repositories: .*GET .*/orgs/acme/repos"):
        await read(live(api))


async def test_a_page_that_is_not_an_array_is_a_source_error(api: FakeApi, token: str) -> None:
    api.route("/organizations/9000/repos", {"message": "Not what you expected"})
    with pytest.raises(SourceError, match=r"GET /orgs/acme/repos answered with a JSON dict, not the array .* \(page 2\)"):
        await read(live(api))


async def test_a_next_link_to_another_host_is_not_followed(api: FakeApi, token: str) -> None:
    page = _load(EXPORT / "repos.json")[:2]
    api.route("/orgs/acme/repos", lambda _q, _h: Reply(body=page, headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'}))
    with pytest.raises(SourceError, match=r"outside .*refusing to follow it"):
        await read(live(api))


async def test_a_missing_token_names_the_variable(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_GH_TOKEN", raising=False)
    with pytest.raises(SourceError, match="ACME_GH_TOKEN is not set"):
        await read(live(api, token_env="ACME_GH_TOKEN"))
    assert api.requests == []


async def test_bad_payloads_become_findings_naming_endpoint_and_record(api: FakeApi, token: str) -> None:
    repos = _load(EXPORT / "repos.json")
    repos[0]["topics"] = "web, payments"  # wrong type: the field is dropped
    repos[1]["archived"] = "no"
    pages = [repos[0:2], [repos[2], repos[0], "not a repository"], repos[3:]]  # checkout again, on page 2

    def page(query: dict[str, list[str]], _h: dict[str, str]) -> Reply:
        n = int(query.get("page", ["1"])[0])
        following = f'<{api.url}/organizations/9000/repos?page={n + 1}>; rel="next"' if n < 3 else ""
        return Reply(body=pages[n - 1], headers={"Link": following} if following else {})

    api.route("/orgs/acme/repos", page)
    api.route("/organizations/9000/repos", page)
    api.route("/orgs/acme/teams/frontend/members", lambda _q, _h: Reply(200, b'[{"login": "dave", '))  # malformed JSON
    team_repos = _load(EXPORT / "teams" / "platform" / "repos.json")
    del team_repos[0]["permissions"], team_repos[0]["role_name"]
    api.route("/orgs/acme/teams/platform/repos", team_repos)

    batch = await read(live(api))

    found = kinds(batch)
    assert not batch.complete  # the malformed member list
    [archived, topics] = sorted(found["invalid-field"][:2])
    assert 'GET /orgs/acme/repos: `topics` of acme/checkout is "web, payments", not a list' in topics
    assert '`archived` of acme/payments-api is "no", not true or false' in archived
    assert any("`permissions`" in m and "GET /orgs/acme/teams/platform/repos" in m and "infra" in m for m in found["invalid-field"])
    [duplicate] = found["duplicate-id"]
    assert "lists repository acme/checkout (id 1001) twice" in duplicate
    [invalid] = found["invalid-record"]
    assert invalid.startswith("GET /orgs/acme/repos: record 4 is a JSON str")
    [failed] = found["endpoint-failed"]
    assert "GET /orgs/acme/teams/frontend/members" in failed and "not valid JSON" in failed
    checkout = next(n for n in batch.nodes if n.id == REPO + "checkout")
    assert checkout.props["topics"] is None and checkout.props["name"] == "checkout"
    assert sum(1 for n in batch.nodes if n.label == "Repository") == 6


async def test_a_truncated_tree_leaves_the_share_unknown_and_codeowners_is_probed_in_order(api: FakeApi, token: str) -> None:
    tree = _load(EXPORT / "trees" / "payments-api.json")
    api.route("/repos/acme/payments-api/git/trees/main", {**tree, "truncated": True})
    batch = await read(live(api))
    repo = next(n for n in batch.nodes if n.id == REPO + "payments-api")
    assert repo.props["owned_share"] is None and repo.props["codeowners_path"] == "CODEOWNERS"
    assert [h.query["ref"] for h in api.hits("/repos/acme/payments-api/contents/.github/CODEOWNERS")] == [["main"]]  # 404, then the root
    [truncated] = [f for f in batch.findings if f.kind == "tree-truncated"]
    assert truncated.subject == REPO + "payments-api" and "GET /repos/acme/payments-api/git/trees/main" in truncated.message


async def test_a_file_over_one_megabyte_is_read_from_its_blob(api: FakeApi, token: str) -> None:
    text = b"* @acme/payments\n" + b"# padding\n" * 120_000
    api.route(
        "/repos/acme/payments-api/contents/CODEOWNERS",
        {**contents("CODEOWNERS", b""), "encoding": "none", "content": "", "size": len(text), "sha": "abc123"},
    )
    blob = {"sha": "abc123", "size": len(text), "encoding": "base64", "content": base64.b64encode(text).decode()}
    api.route("/repos/acme/payments-api/git/blobs/abc123", blob)
    batch = await read(live(api))
    repo = next(n for n in batch.nodes if n.id == REPO + "payments-api")
    assert repo.props["default_owners"] == ["@acme/payments"] and repo.props["owned_share"] == 100


async def test_a_codeowners_file_over_githubs_limit_is_ignored_with_a_finding(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "codeowners" / "infra" / ".github" / "CODEOWNERS").write_bytes(b"* @acme/platform\n" + b"#" * MAX_FILE_BYTES)
    batch = await read(offline(export))
    repo = next(n for n in batch.nodes if n.id == REPO + "infra")
    assert (repo.props["codeowners_path"], repo.props["owned_share"], repo.props["default_owners"]) == (".github/CODEOWNERS", 0, None)
    [large] = [f for f in batch.findings if f.kind == "codeowners-too-large"]
    assert large.file == "acme/infra/.github/CODEOWNERS" and "3 MB" in large.message
    assert not [r for r in batch.rels if r.type == "OWNS" and r.dst_id == REPO + "infra" and "CODEOWNERS" in r.props["evidence"]]


async def test_configured_links_to_unknown_repositories_and_services_are_reported(api: FakeApi, token: str) -> None:
    source = live(api, services={"acme/payments-api": "component:default/nope", "acme/gone": "checkout"})
    batch = await read(source)
    assert "acme/gone" in kinds(batch)["unknown-repository"][0]
    [built] = [r for r in batch.rels if r.type == "BUILT_FROM"]
    assert built.src_id == "component:default/nope" and built.if_missing is not None and "no service" in built.if_missing.message


async def test_an_export_missing_a_listing_is_incomplete_and_names_the_file(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "teams" / "platform" / "repos.json").unlink()
    batch = await read(offline(export))
    assert not batch.complete
    [failed] = [f for f in batch.findings if f.kind == "endpoint-failed"]
    assert failed.file == "teams/platform/repos.json" and "missing from the export folder" in failed.message
    assert "teams/platform/repos.json" in batch.failed_origins


async def test_an_export_listing_may_hold_several_pages(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    repos = _load(EXPORT / "repos.json")
    # `gh api --paginate` writes one array per page, one after the other.
    (export / "repos.json").write_text(json.dumps(repos[:3]) + "\n" + json.dumps(repos[3:]))
    batch = await read(offline(export))
    assert sum(1 for n in batch.nodes if n.label == "Repository") == 6
    (export / "repos.json").write_text(json.dumps([repos[:3], repos[3:]]))  # --slurp: an array of pages
    assert sum(1 for n in (await read(offline(export))).nodes if n.label == "Repository") == 6
    (export / "repos.json").write_text(json.dumps(repos)[:-20])
    with pytest.raises(SourceError, match=r"repos\.json is not valid JSON at line 1"):
        await read(offline(export))


def test_configuration() -> None:
    with pytest.raises(ValueError, match=r"either token_env .* or export_dir"):
        Config.model_validate({"type": "github", "org": "acme", "token_env": "X", "export_dir": "exports"})
    with pytest.raises(ValueError, match="not of org acme"):
        Config.model_validate({"type": "github", "org": "acme", "services": {"other/repo": "checkout"}})
    with pytest.raises(ValueError, match="org/repo"):
        Config.model_validate({"type": "github", "org": "acme", "services": {"repo": "checkout"}})
    with pytest.raises(ValueError, match="Extra inputs"):
        Config.model_validate({"type": "github", "org": "acme", "token": "secret"})
    enterprise = Config.model_validate({"type": "github", "org": "acme", "host": "ghe.acme.example"})
    assert enterprise.effective_api_url == "https://ghe.acme.example/api/v3"
    source = GitHubSource(enterprise, FIXTURES)
    assert source.instance == "github:acme" and source.settings.host == "ghe.acme.example"


async def test_a_child_team_listed_before_its_parent_still_gets_its_parent(api: FakeApi, token: str) -> None:
    api.route("/orgs/acme/teams", list(reversed(_load(EXPORT / "teams.json"))))
    batch = await read(live(api))
    assert [(r.src_id, r.dst_id) for r in batch.rels if r.type == "CHILD_OF"] == [("group:default/frontend", "group:default/platform")]
    # Nothing in the (empty) catalog matches: every team is a weak node of this source.
    assert {n.id for n in batch.nodes if n.label == "Team"} == {f"group:default/{s}" for s in ("payments", "platform", "frontend")}
    assert all(n.weak for n in batch.nodes if n.label in ("Team", "Person"))

"""GitHub payloads → ``ImportBatch``: repositories, teams, members, and who owns each repository.

What it writes (source ``github``, instance ``github:<org>``):

- ``Repository`` per repository of the org, strong (GitHub is the system of record), archived
  ones included, with ``archived``, ``visibility``, ``default_branch``, ``topics``,
  ``language`` and, from CODEOWNERS, ``codeowners_path``, ``owned_share`` (percent of the
  default branch's files that CODEOWNERS gives an owner; 0 without a CODEOWNERS, null when the
  tree could not be listed completely), ``default_owners`` (the owners of the last
  catch-all rule, as written) and ``codeowners_rules`` (every valid rule with its line, pattern
  and owners, each owner with the catalog team or person it resolved to), so that who owns a
  single file answers from the catalog (``catalog.answers.entity_owners``).
- Teams resolve against the catalog: the Backstage ``github.com/team-slug: <org>/<slug>``
  annotation first, then the team name; a team the catalog does not know becomes a weak
  ``Team`` ``group:default/<slug>`` (weak: a descriptor that declares it wins). Members the
  same way: ``github.com/user-login`` annotation, then email, else a weak ``Person``
  ``user:default/<login>``. ``MEMBER_OF`` person → team; ``CHILD_OF`` team → parent team.
  GitHub lists a parent team's members including its child teams' members; those are
  subtracted so each person is a member of the teams they were added to.
- ``OWNS`` team/person → repository, one edge per owner with all its evidence: ``declared``
  from CODEOWNERS (``CODEOWNERS .github/CODEOWNERS line 3``) for owners that the file makes
  the owner of at least one file (every owner named, when the tree is unknown); ``inferred``
  from a team's ``admin`` or ``maintain`` permission (``team permission admin``), unless the
  team only inherits it from its parent team.
- Configured links (``services`` in catalog.yaml): ``BUILT_FROM`` service → repository and an
  ``Identifier`` ``repository`` ``org/repo`` that ``IDENTIFIES`` the service (``configured``).

An endpoint that fails after the repository list was read leaves the batch incomplete (nothing
is retired) with an ``endpoint-failed`` finding; failing to list the repositories is a
``SourceError``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard, TypeVar

from catalog.core import codeowners as co
from catalog.core.identity import STRENGTH_ORDER, IdentityIndex, Strength, identifier_records
from catalog.core.model import BUILT_FROM, CHILD_OF, MEMBER_OF, OWNS, PERSON, REPOSITORY, SERVICE, TEAM
from catalog.core.records import Finding, ImportBatch, NodeRecord, RelRecord, Severity
from catalog.core.refs import InvalidReference, entity_key, parse_ref, repository_key
from importers.base import SourceError
from importers.github.client import FetchError, FoundFile, Listing, Reader, TreeFetch

SOURCE = "github"
OWNING_ROLES = ("admin", "maintain")
"""Team roles on a repository that count as (inferred) ownership, strongest first."""
MAX_LINE_FINDINGS = 20
"""Invalid CODEOWNERS lines reported one by one per file; the rest are summed up in one finding."""
MAX_STORED_RULES = 1024 * 1024
"""Most bytes of CODEOWNERS rules stored per repository (``Repository.codeowners_rules``); real files take a few KiB."""

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    org: str
    host: str = "github.com"
    instance: str = ""
    codeowners: bool = True
    services: Mapping[str, str] = field(default_factory=dict)
    """``org/repo`` → service reference (``component:default/checkout``) or bare name."""
    concurrency: int = 4


@dataclass
class _Repo:
    id: int
    name: str
    full_name: str
    key: str
    origin: str
    default_branch: str | None
    props: dict[str, Any]


@dataclass
class _Team:
    id: int
    slug: str
    name: str
    description: str | None
    parent: str | None
    origin: str
    key: str | None = None
    """The catalog team it is; ``None`` when ambiguous."""
    how: str = ""
    """How it was matched, for evidence: empty for an annotation or its own node, `name` for a name match."""


@dataclass
class _Claim:
    strength: Strength
    evidence: str
    origin: str


@dataclass
class _RepoOwnership:
    tree: TreeFetch | None = None
    tree_failure: FetchError | None = None
    file: FoundFile | None = None
    file_failure: FetchError | None = None


async def read_github(reader: Reader, settings: Settings, index: IdentityIndex) -> ImportBatch:
    return await _Import(reader, settings, index).run()


class _Import:
    def __init__(self, reader: Reader, settings: Settings, index: IdentityIndex) -> None:
        self.reader = reader
        self.s = settings
        self.org = settings.org.lower()
        self.index = index
        self.batch = ImportBatch(SOURCE, settings.instance or f"{SOURCE}:{self.org}")
        self.limit = asyncio.Semaphore(settings.concurrency)
        self.repos: dict[str, _Repo] = {}
        """Lower-cased repo name → repo."""
        self.teams: dict[str, _Team] | None = None
        """Slug → team; ``None`` when the team list could not be read."""
        self.persons: dict[str, str | None] = {}
        """Lower-cased login → person key (``None``: ambiguous)."""
        self.members_failed = False
        """Some team's member list could not be read, so a login missing from ``persons`` proves nothing."""
        self.unlisted_teams: set[str] = set()
        """Teams known from CODEOWNERS alone, because the team listing was not read."""
        self.unsure_owners: set[str] = set()
        """Owners the catalog cannot check against GitHub, because the team listings were not read."""
        self.weak_nodes: dict[tuple[str, str], NodeRecord] = {}
        self.rels: dict[tuple[str, str, str, str, str], RelRecord] = {}
        self.owns: dict[tuple[str, str, str], list[_Claim]] = defaultdict(list)

    # -- the run ----------------------------------------------------------------------------

    async def run(self) -> ImportBatch:
        try:
            listing = await self.reader.repos()
        except FetchError as exc:
            raise SourceError(f"{self.batch.instance}: cannot list the repositories: {exc}") from exc
        self._read_repos(listing)
        try:
            self._read_teams(await self.reader.teams())
        except FetchError as exc:
            self._endpoint_failed(exc, self.batch.instance, "teams, their members and their repository permissions are not updated")

        slugs = sorted(self.teams or {})
        members_jobs = [self._guarded(self.reader.team_members(slug)) for slug in slugs]
        team_repo_jobs = [self._guarded(self.reader.team_repos(slug)) for slug in slugs]
        repos = sorted(self.repos.values(), key=lambda r: r.name.lower())
        ownership_jobs = [self._ownership(repo) for repo in repos] if self.s.codeowners else []
        members_read, team_repos_read, ownership_read = await asyncio.gather(
            asyncio.gather(*members_jobs), asyncio.gather(*team_repo_jobs), asyncio.gather(*ownership_jobs)
        )
        members = dict(zip(slugs, members_read, strict=True))
        team_repos = dict(zip(slugs, team_repos_read, strict=True))
        ownership = dict(zip([r.name.lower() for r in repos], ownership_read, strict=True))

        self._read_members(members)
        self._read_team_repos(team_repos)
        for repo in repos:
            found = ownership.get(repo.name.lower())
            if found is not None:
                self._read_codeowners(repo, found)
            self.batch.nodes.append(NodeRecord(REPOSITORY.label, repo.key, repo.props, repo.origin))
        self._configured_services()
        self._finish()
        return self.batch

    async def _guarded(self, job: Awaitable[T]) -> T | FetchError:
        async with self.limit:
            try:
                return await job
            except FetchError as exc:
                return exc

    async def _ownership(self, repo: _Repo) -> _RepoOwnership:
        """The repository's file tree and its CODEOWNERS file (a tree lookup saves probing for it)."""
        branch = repo.default_branch or "HEAD"
        result = _RepoOwnership()
        async with self.limit:
            try:
                result.tree = await self.reader.tree(repo.name, branch)
            except FetchError as exc:
                result.tree_failure = exc
        if result.tree is not None and result.tree.state == "empty":
            return result
        candidates = co.LOCATIONS
        files, truncated, _ = _files(result.tree)
        if files is not None and not truncated:
            present = set(files)
            candidates = tuple(c for c in co.LOCATIONS if c in present)
        if not candidates:
            return result
        async with self.limit:
            try:
                result.file = await self.reader.codeowners(repo.name, branch, candidates)
            except FetchError as exc:
                result.file_failure = exc
        return result

    # -- repositories -----------------------------------------------------------------------

    def _read_repos(self, listing: Listing) -> None:
        by_id: dict[int, str] = {}
        for position, item in enumerate(listing.items):
            if not isinstance(item, dict):
                self._invalid_record(listing.where, position, f"is a JSON {type(item).__name__}, not a repository object")
                continue
            repo_id, name = item.get("id"), item.get("name")
            if not _is_int(repo_id) or not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
                self._invalid_record(listing.where, position, f"has no integer `id` and valid `name` (id={repo_id!r}, name={name!r})")
                continue
            full_name = f"{self.s.org}/{name}"
            written = item.get("full_name")
            if isinstance(written, str) and written.lower() == full_name.lower():
                full_name = written
            key = repository_key(self.s.host, full_name)
            origin = f"{listing.where}#{repo_id}"
            if repo_id in by_id or name.lower() in self.repos:
                self._finding(
                    "duplicate-id",
                    "warning",
                    f"{listing.where} lists repository {full_name} (id {repo_id}) twice; the first is used",
                    fix="re-run the sync; if it persists, the pages shifted while they were read (a repository was created or deleted)",
                    subject=key,
                    file=listing.where,
                )
                continue
            by_id[repo_id] = full_name
            field = _Fields(self, listing.where, full_name, key)
            topics = field.get(item, "topics", list)
            if topics is not None and not all(isinstance(t, str) for t in topics):
                field.wrong("topics", topics, "a list of strings")
                topics = None
            visibility = field.get(item, "visibility", str)
            private = field.get(item, "private", bool)
            if visibility is None and private is not None:
                visibility = "private" if private else "public"
            description = field.get(item, "description", str)
            default_branch = field.get(item, "default_branch", str)
            url = field.get(item, "html_url", str) or f"https://{self.s.host}/{full_name}"
            props: dict[str, Any] = {
                "host": self.s.host,
                "slug": full_name,
                "url": url,
                "name": name,
                "search_text": " ".join(w for w in (name, full_name, description, *(topics or [])) if w).lower(),
                "description": description,
                "archived": field.get(item, "archived", bool),
                "visibility": visibility,
                "default_branch": default_branch,
                "topics": sorted(topics) if topics is not None else None,
                "language": field.get(item, "language", str),
                "codeowners_path": None,
                "owned_share": None,
                "default_owners": None,
                "codeowners_rules": None,
            }
            self.repos[name.lower()] = _Repo(repo_id, name, full_name, key, origin, default_branch, props)

    # -- teams and people -------------------------------------------------------------------

    def _read_teams(self, listing: Listing) -> None:
        teams: dict[str, _Team] = {}
        ids: dict[int, str] = {}
        for position, item in enumerate(listing.items):
            if not isinstance(item, dict):
                self._invalid_record(listing.where, position, f"is a JSON {type(item).__name__}, not a team object")
                continue
            team_id, slug = item.get("id"), item.get("slug")
            if not _is_int(team_id) or not isinstance(slug, str) or not _NAME.match(slug) or slug in (".", ".."):
                self._invalid_record(listing.where, position, f"has no integer `id` and valid `slug` (id={team_id!r}, slug={slug!r})")
                continue
            slug = slug.lower()
            fallback = entity_key("group", "default", slug)
            if team_id in ids or slug in teams:
                self._finding(
                    "duplicate-id",
                    "warning",
                    f"{listing.where} lists team {self.s.org}/{slug} (id {team_id}) twice; the first is used",
                    fix="re-run the sync; if it persists, the pages shifted while they were read",
                    subject=fallback,
                    file=listing.where,
                )
                continue
            ids[team_id] = slug
            field = _Fields(self, listing.where, f"team {self.s.org}/{slug}", fallback)
            name = field.get(item, "name", str) or slug
            parent = field.get(item, "parent", dict)
            parent_slug = parent.get("slug") if parent is not None else None
            if parent is not None and not isinstance(parent_slug, str):
                field.wrong("parent.slug", parent_slug, "a string")
                parent_slug = None
            teams[slug] = _Team(
                team_id,
                slug,
                name,
                field.get(item, "description", str),
                parent_slug.lower() if parent_slug else None,
                f"{listing.where}#{team_id}",
            )
        for team in teams.values():
            self._resolve_team(team)
        for team in teams.values():
            if team.parent is None or team.key is None:
                continue
            parent_team = teams.get(team.parent)
            if parent_team is None:
                self._finding(
                    "unknown-reference",
                    "warning",
                    f"{listing.where}: team {self.s.org}/{team.slug} names parent team {team.parent!r}, which the team list does not have",
                    fix="check the token can see every team of the organisation",
                    subject=team.key,
                    reference=team.parent,
                    file=listing.where,
                )
            elif parent_team.key is not None:
                self._rel(CHILD_OF.type, TEAM.label, team.key, TEAM.label, parent_team.key, team.origin)
        self.teams = teams

    def _resolve_team(self, team: _Team) -> None:
        fallback = entity_key("group", "default", team.slug)
        for system, handle, how in (("github", f"{self.org}/{team.slug}", ""), ("name", team.slug, "name")):
            keys = self.index.team(system, handle) - {fallback}
            if len(keys) == 1:
                team.key, team.how = next(iter(keys)), how
                return
            if len(keys) > 1:
                self._finding(
                    "ambiguous-team",
                    "warning",
                    f"GitHub team {self.s.org}/{team.slug} matches several catalog teams by {system} ({', '.join(sorted(keys))}); "
                    "its members and ownership are not recorded",
                    fix=f"annotate exactly one Backstage group with github.com/team-slug: {self.s.org}/{team.slug}",
                    subject=fallback,
                    reference=handle,
                )
                return
        team.key = fallback
        self._weak(
            TEAM.label,
            fallback,
            {
                "namespace": "default",
                "name": team.slug,
                "display_name": team.name,
                "description": team.description,
                "type": "team",
                "annotations": json.dumps({"github.com/team-slug": f"{self.s.org}/{team.slug}"}, sort_keys=True),
                "search_text": " ".join(w for w in (team.slug, team.name, team.description) if w).lower(),
            },
            team.origin,
        )

    def _read_members(self, results: dict[str, Listing | FetchError]) -> None:
        teams = self.teams or {}
        logins: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}
        for slug, result in results.items():
            if isinstance(result, FetchError):
                self._endpoint_failed(result, teams[slug].key or slug, f"the members of team {self.s.org}/{slug} are not updated")
                self.members_failed = True
                continue
            read: dict[str, tuple[dict[str, Any], str]] = {}
            for position, item in enumerate(result.items):
                login = item.get("login") if isinstance(item, dict) else None
                if not isinstance(item, dict) or not isinstance(login, str) or not login.strip():
                    self._invalid_record(result.where, position, "is not a user object with a `login`")
                    continue
                read.setdefault(login.lower(), (item, f"{result.where}#{login}"))
            logins[slug] = read
        children: dict[str, list[str]] = defaultdict(list)
        for team in teams.values():
            if team.parent:
                children[team.parent].append(team.slug)
        for slug in sorted(logins):
            team = teams[slug]
            inherited: set[str] = set()
            if all(child in logins for child in children[slug]):
                for child in children[slug]:
                    inherited |= set(logins[child])
            for login, (item, origin) in sorted(logins[slug].items()):
                person = self._person(login, item, origin)
                if login in inherited or person is None or team.key is None:
                    continue
                self._rel(MEMBER_OF.type, PERSON.label, person, TEAM.label, team.key, origin)

    def _person(self, login: str, item: dict[str, Any], origin: str) -> str | None:
        if login in self.persons:
            return self.persons[login]
        written = str(item.get("login"))
        fallback = entity_key("user", "default", login)
        email = item.get("email")
        for system, handle in (("github", login), ("email", email if isinstance(email, str) and email.strip() else None)):
            if handle is None:
                continue
            keys = self.index.person(system, handle) - {fallback}
            if len(keys) == 1:
                self.persons[login] = next(iter(keys))
                return self.persons[login]
            if len(keys) > 1:
                self._finding(
                    "ambiguous-person",
                    "warning",
                    f"GitHub user {written} matches several catalog persons by {system} ({', '.join(sorted(keys))}); "
                    "their memberships and ownership are not recorded",
                    fix=f"annotate exactly one Backstage user with github.com/user-login: {written}",
                    subject=fallback,
                    reference=handle,
                )
                self.persons[login] = None
                return None
        self.persons[login] = fallback
        self._weak(
            PERSON.label,
            fallback,
            {
                "namespace": "default",
                "name": login,
                "display_name": written,
                "email": email if isinstance(email, str) and email.strip() else None,
                "annotations": json.dumps({"github.com/user-login": written}, sort_keys=True),
                "search_text": login,
            },
            origin,
        )
        return fallback

    # -- ownership --------------------------------------------------------------------------

    def _read_team_repos(self, results: dict[str, Listing | FetchError]) -> None:
        teams = self.teams or {}
        roles: dict[str, dict[str, tuple[str, str]]] = {}
        """Team slug → repo name → (role, origin)."""
        for slug, result in results.items():
            if isinstance(result, FetchError):
                self._endpoint_failed(
                    result, teams[slug].key or slug, f"the repository permissions of team {self.s.org}/{slug} are not updated"
                )
                continue
            found: dict[str, tuple[str, str]] = {}
            for position, item in enumerate(result.items):
                name = item.get("name") if isinstance(item, dict) else None
                repo_id = item.get("id") if isinstance(item, dict) else None
                if not isinstance(item, dict) or not isinstance(name, str) or not _is_int(repo_id):
                    self._invalid_record(result.where, position, "is not a repository object with `id` and `name`")
                    continue
                role = _role(item)
                if role is None:
                    self._finding(
                        "invalid-field",
                        "warning",
                        f"{result.where}: repository {name} has neither a `permissions` object nor a `role_name`; "
                        f"team {self.s.org}/{slug}'s access to it is not recorded",
                        fix="check the API version and the token's permissions",
                        subject=teams[slug].key,
                        field="permissions",
                        file=result.where,
                    )
                    continue
                found[name.lower()] = (role, f"{result.where}#{repo_id}")
            roles[slug] = found
        for slug in sorted(roles):
            team = teams[slug]
            if team.key is None:
                continue
            for name, (role, origin) in sorted(roles[slug].items()):
                if role not in OWNING_ROLES or self._inherited(team, name, role, roles):
                    continue
                repo = self.repos.get(name)
                key = repo.key if repo is not None else repository_key(self.s.host, f"{self.s.org}/{name}")
                self._claim(TEAM.label, team.key, key, "inferred", f"team permission {role}", origin)

    def _inherited(self, team: _Team, repo: str, role: str, roles: dict[str, dict[str, tuple[str, str]]]) -> bool:
        """Whether an ancestor team has the same role on the repository (child teams inherit access)."""
        teams = self.teams or {}
        seen: set[str] = {team.slug}
        parent = team.parent
        while parent and parent not in seen:
            seen.add(parent)
            if roles.get(parent, {}).get(repo, ("", ""))[0] == role:
                return True
            parent = teams[parent].parent if parent in teams else None
        return False

    def _read_codeowners(self, repo: _Repo, found: _RepoOwnership) -> None:
        props = repo.props
        tree = found.tree
        if found.tree_failure is not None:
            self._endpoint_failed(found.tree_failure, repo.key, f"the owned share of {repo.full_name} is unknown in this sync")
        if found.file_failure is not None:
            consequence = f"the CODEOWNERS of {repo.full_name} is not read; its owners are not updated"
            self._endpoint_failed(found.file_failure, repo.key, consequence)
            return
        if tree is not None and tree.state == "empty":
            return  # no commits: no files, no CODEOWNERS, nothing to own
        paths, truncated, problem = _files(tree)
        if tree is not None and problem is not None:
            self._finding(
                "invalid-payload",
                "error",
                f"{tree.where}: the tree of {repo.full_name} {problem}; its owned share is unknown",
                fix="check the API URL points at the GitHub REST API, or re-export the file",
                subject=repo.key,
                file=tree.where,
            )
        elif tree is not None and truncated:
            self._finding(
                "tree-truncated",
                "warning",
                f"{tree.where}: GitHub truncated the file list of {repo.full_name} (too many files), so its owned share is unknown",
                fix="nothing to do for the sync; audit this repository's CODEOWNERS coverage with a local checkout",
                subject=repo.key,
                file=tree.where,
            )
            paths = None
        elif tree is not None and tree.state == "missing":
            self._finding(
                "tree-missing",
                "info",
                f"{tree.where} is not in the export, so the owned share of {repo.full_name} is unknown",
                fix=f"export GET /repos/{repo.full_name}/git/trees/{repo.default_branch or 'HEAD'}?recursive=1 to {tree.where}",
                subject=repo.key,
                file=tree.where,
            )
        no_owner_share = 0 if paths else None
        file = found.file
        if file is None:
            props["owned_share"] = no_owner_share
            self._finding(
                "no-codeowners",
                "info",
                f"{repo.full_name} has no CODEOWNERS file (looked in {', '.join(co.LOCATIONS)})",
                fix="add a .github/CODEOWNERS with a catch-all rule (`* @org/team`) naming the owning team",
                subject=repo.key,
            )
            return
        props["codeowners_path"] = file.path
        display = f"{repo.full_name}/{file.path}"
        too_large = co.size_error(file.size) if file.data is None else None
        parsed = co.load(file.data) if file.data is not None else co.Codeowners(file_error=too_large or "the file could not be read")
        if parsed.file_error is not None:
            if parsed.kept_back:
                self.batch.failed_origins.add(file.where)
            props["owned_share"] = no_owner_share
            self._finding(
                "codeowners-too-large",
                "error",
                f"{display} ({file.where}): {parsed.file_error}",
                fix="split ownership into fewer, broader rules so the file is under 3 MB",
                subject=repo.key,
                file=display,
            )
            return
        self._line_errors(repo, display, parsed)
        default = parsed.default_rule
        props["default_owners"] = [o.text for o in default.owners] if default is not None else None
        governed: set[int] | None = None
        if paths is not None:
            coverage = parsed.coverage(paths)
            props["owned_share"] = coverage.share
            governed = set(coverage.governed)
        resolved = self._owners(repo, file, parsed, governed, display)
        props["codeowners_rules"] = self._stored_rules(repo, display, parsed, resolved)

    def _stored_rules(self, repo: _Repo, display: str, parsed: co.Codeowners, resolved: dict[str, tuple[str, str] | None]) -> str | None:
        """The rules as ``Repository.codeowners_rules``, so who owns a file answers from the catalog; None past ``MAX_STORED_RULES``."""
        rules = [
            {
                "line": rule.line,
                "pattern": rule.pattern,
                "owners": [
                    {
                        "text": o.text,
                        "kind": o.kind,
                        "label": (resolved.get(o.text) or (None, None))[0],
                        "key": (resolved.get(o.text) or (None, None))[1],
                    }
                    for o in rule.owners
                ],
            }
            for rule in parsed.rules
        ]
        text = json.dumps(rules, separators=(",", ":"), sort_keys=True)
        if len(text) > MAX_STORED_RULES:
            self._finding(
                "codeowners-not-stored",
                "warning",
                f"{display}: its rules take {len(text):,} bytes, more than the {MAX_STORED_RULES:,} the catalog stores "
                "(importers.github.importer.MAX_STORED_RULES), so the owner of a single file in it is not answered",
                fix="merge rules into broader patterns",
                subject=repo.key,
                file=display,
            )
            return None
        return text

    def _owners(
        self, repo: _Repo, file: FoundFile, parsed: co.Codeowners, governed: set[int] | None, display: str
    ) -> dict[str, tuple[str, str] | None]:
        """OWNS claims for the owners of rules that own at least one file (all rules when the tree is unknown); returns
        what each owner, as written, resolved to."""
        lines: dict[tuple[str, str], list[int]] = defaultdict(list)
        unknown: dict[str, list[int]] = defaultdict(list)
        why: dict[str, str] = {}
        resolutions: dict[str, tuple[tuple[str, str] | None, str]] = {}
        for rule in parsed.rules:
            for owner in rule.owners:
                if owner.text not in resolutions:
                    resolutions[owner.text] = self._owner(owner)
                resolved, reason = resolutions[owner.text]
                if resolved is None:
                    if reason:
                        unknown[owner.text].append(rule.line)
                        why[owner.text] = reason
                    continue
                if governed is None or rule.line in governed:
                    lines[resolved].append(rule.line)
        for (label, key), numbers in sorted(lines.items()):
            numbers = sorted(set(numbers))
            evidence = f"CODEOWNERS {file.path} line{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
            unlisted = key in self.unlisted_teams
            self._claim(label, key, repo.key, "inferred" if unlisted else "declared", evidence, f"{file.where}#L{numbers[0]}")
            if unlisted:
                self._finding(
                    "source-only-team",
                    "warning",
                    f"{display} line {numbers[0]} names team @{key.rpartition('/')[2]}, which neither the catalog nor a team listing "
                    f"of {self.s.org} (not read) confirms; it is recorded as {key} from CODEOWNERS alone, with weaker evidence",
                    fix="re-run the sync once the team listing can be read (check the token's read:org scope), or declare the team",
                    subject=repo.key,
                    reference=key,
                    file=display,
                    line=numbers[0],
                )
        for text, numbers in sorted(unknown.items()):
            shown = ", ".join(map(str, numbers[:10])) + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
            outcome = (
                "the catalog cannot tell whether GitHub honours it, and records no ownership for it"
                if text in self.unsure_owners
                else "GitHub ignores it and the catalog records no ownership for it"
            )
            self._finding(
                "unknown-owner",
                "warning",
                f"{display} line{'s' if len(numbers) > 1 else ''} {shown} name{'s' if len(numbers) == 1 else ''} owner {text}, "
                f"{why[text]}; {outcome}",
                fix="correct the owner in CODEOWNERS, or annotate the catalog's team or user with its GitHub handle",
                subject=repo.key,
                reference=text,
                file=display,
                line=numbers[0],
            )
        return {text: found for text, (found, _) in resolutions.items()}

    def _owner(self, owner: co.Owner) -> tuple[tuple[str, str] | None, str]:
        """The catalog node an owner names, or ``None`` and why (empty: already reported elsewhere)."""
        if owner.kind == "team":
            org, _, slug = owner.handle.partition("/")
            if org != self.org:
                return None, f"a team of another organisation than {self.s.org}"
            if self.teams is not None:
                team = self.teams.get(slug)
                if team is None:
                    return None, f"which is not a team of {self.s.org} (or not one the token can see)"
                return ((TEAM.label, team.key) if team.key else None), ""
            # The team list failed (reported): resolve against the catalog, this source's own teams included.
            for system, handle in (("github", owner.handle), ("name", slug)):
                keys = self.index.team(system, handle)
                if len(keys) == 1:
                    return (TEAM.label, next(iter(keys))), ""
            # Known from CODEOWNERS alone: recorded as this source's team, with weaker evidence (see _owners).
            key = entity_key("group", "default", slug.lower())
            self.unlisted_teams.add(key)
            self._weak(
                TEAM.label,
                key,
                {
                    "namespace": "default",
                    "name": slug.lower(),
                    "display_name": slug,
                    "type": "team",
                    "annotations": json.dumps({"github.com/team-slug": f"{self.s.org}/{slug.lower()}"}, sort_keys=True),
                    "search_text": slug.lower(),
                },
                f"CODEOWNERS @{owner.handle}",
            )
            return (TEAM.label, key), ""
        if owner.kind == "user":
            login = owner.handle
            if login in self.persons:
                person = self.persons[login]
                return ((PERSON.label, person) if person else None), ""
            keys = self.index.person("github", login)
            if not self.members_failed:
                # This source's own person of that login is only current if a team lists the login now.
                keys -= {entity_key("user", "default", login)}
            if len(keys) == 1:
                return (PERSON.label, next(iter(keys))), ""
            if self.teams is None or self.members_failed:
                # Without the team listings the catalog cannot tell whether GitHub honours this owner.
                self.unsure_owners.add(owner.text)
                return None, "whose team memberships were not read (the team listings failed), and whom no catalog user names"
            return None, "who is in no team of the organisation and whom no catalog user names in a github.com/user-login annotation"
        keys = self.index.person("email", owner.handle)
        if len(keys) == 1:
            return (PERSON.label, next(iter(keys))), ""
        return None, "which is the email of no catalog user"

    def _line_errors(self, repo: _Repo, display: str, parsed: co.Codeowners) -> None:
        for error in parsed.errors[:MAX_LINE_FINDINGS]:
            self._finding(
                "invalid-codeowners",
                "error",
                f"{display} line {error.line}: {error.message}",
                fix="correct the line; GitHub skips invalid lines, so its paths fall back to earlier rules",
                subject=repo.key,
                file=display,
                line=error.line,
            )
        rest = parsed.errors[MAX_LINE_FINDINGS:]
        if rest:
            self._finding(
                "invalid-codeowners",
                "error",
                f"{display}: {len(rest)} more invalid lines, from line {rest[0].line} to line {rest[-1].line}, are skipped",
                fix="validate the file (GitHub shows the errors when you open CODEOWNERS in the web UI)",
                subject=repo.key,
                file=display,
                line=rest[0].line,
            )

    # -- configured links -------------------------------------------------------------------

    def _configured_services(self) -> None:
        for slug, ref in sorted(self.s.services.items()):
            org, _, name = slug.partition("/")
            repo = self.repos.get(name.lower()) if org.lower() == self.org else None
            origin = f"catalog.yaml services[{slug}]"
            if repo is None:
                self._finding(
                    "unknown-repository",
                    "warning",
                    f"catalog.yaml services names repository {slug}, which {self.s.org}'s repository list does not have; "
                    f"it is not linked to {ref}",
                    fix="correct the repository name, or remove the entry",
                    subject=repository_key(self.s.host, slug),
                    reference=slug,
                )
                continue
            key = self._service_key(slug, ref)
            if key is None:
                continue
            missing = Finding(
                "unknown-reference",
                "error",
                f"catalog.yaml services links {slug} to {ref}, but the catalog has no service {key}",
                fix="correct the service reference, or declare the service (e.g. in Backstage)",
                subject=repo.key,
                field="services",
                reference=key,
            )
            evidence = {"evidence": "catalog.yaml services"}
            self._rel(BUILT_FROM.type, SERVICE.label, key, REPOSITORY.label, repo.key, origin, evidence, missing)
            node, rel = identifier_records(
                "repository", repo.full_name, (SERVICE.label, key), origin, strength="configured", evidence="catalog.yaml services"
            )
            rel.if_missing = missing
            self.weak_nodes.setdefault((node.label, node.id), node)
            self.rels[(rel.type, rel.src_label, rel.src_id, rel.dst_label, rel.dst_id)] = rel

    def _service_key(self, slug: str, ref: str) -> str | None:
        text = ref.strip()
        if ":" in text or "/" in text:
            try:
                parsed = parse_ref(text, default_kind="component")
            except InvalidReference as exc:
                message = f"catalog.yaml services[{slug}]: {exc}"
                self._finding("invalid-reference", "error", message, fix="write component:namespace/name", reference=ref)
                return None
            if parsed.kind != "component":
                self._finding(
                    "wrong-kind",
                    "error",
                    f"catalog.yaml services[{slug}] is {ref!r}, a {parsed.kind}; a repository builds a component",
                    fix="name the component the repository builds",
                    reference=ref,
                )
                return None
            return parsed.key
        default = entity_key("component", "default", text)
        if default in self.index.services:
            return default
        keys = self.index.by_name.get(text.lower(), set())
        if len(keys) == 1:
            return next(iter(keys))
        if len(keys) > 1:
            self._finding(
                "ambiguous-service",
                "error",
                f"catalog.yaml services[{slug}] is {ref!r}, which names several services: {', '.join(sorted(keys))}",
                fix="write the full reference, component:namespace/name",
                reference=ref,
            )
            return None
        return default

    # -- records and findings ---------------------------------------------------------------

    def _weak(self, label: str, key: str, props: dict[str, Any], origin: str) -> None:
        self.weak_nodes.setdefault((label, key), NodeRecord(label, key, props, origin, weak=True))

    def _rel(
        self,
        rel_type: str,
        src_label: str,
        src: str,
        dst_label: str,
        dst: str,
        origin: str,
        props: dict[str, Any] | None = None,
        if_missing: Finding | None = None,
    ) -> None:
        self.rels.setdefault(
            (rel_type, src_label, src, dst_label, dst), RelRecord(rel_type, src_label, src, dst_label, dst, origin, props or {}, if_missing)
        )

    def _claim(self, owner_label: str, owner: str, repo_key: str, strength: Strength, evidence: str, origin: str) -> None:
        self.owns[(owner_label, owner, repo_key)].append(_Claim(strength, evidence, origin))

    def _finish(self) -> None:
        by_name = {t.key for t in (self.teams or {}).values() if t.how == "name"}
        for (owner_label, owner, repo_key), claims in sorted(self.owns.items()):
            ordered = sorted(claims, key=lambda c: STRENGTH_ORDER[c.strength])
            evidence = "; ".join(dict.fromkeys(c.evidence for c in ordered))
            if owner_label == TEAM.label and owner in by_name:
                evidence += f" (GitHub team matched to {owner} by name)"
            missing = Finding(
                "unknown-reference",
                "warning",
                f"{owner} has {evidence} on {repo_key}, but one of the two is in neither this import nor the catalog",
                fix="re-run the sync; the repository may have been created or deleted meanwhile",
                subject=owner,
                reference=repo_key,
            )
            self._rel(
                OWNS.type,
                owner_label,
                owner,
                REPOSITORY.label,
                repo_key,
                ordered[0].origin,
                {"strength": ordered[0].strength, "evidence": evidence},
                missing,
            )
        self.batch.nodes.extend(sorted(self.weak_nodes.values(), key=lambda n: (n.label, n.id)))
        self.batch.nodes.sort(key=lambda n: (n.label, n.id))
        self.batch.rels = [self.rels[k] for k in sorted(self.rels)]

    def _endpoint_failed(self, exc: FetchError, subject: str, consequence: str) -> None:
        self.batch.complete = False
        self.batch.failed_origins.add(exc.where)
        self._finding(
            "endpoint-failed",
            "error",
            f"{self.batch.instance}: {exc.where} failed: {exc}; {consequence}, and nothing is retired",
            fix="re-run the sync; if it persists, check the token's permissions and GitHub's status",
            subject=subject,
            file=exc.where,
        )

    def _invalid_record(self, where: str, position: int, problem: str) -> None:
        self._finding(
            "invalid-record",
            "error",
            f"{where}: record {position} {problem}; it is skipped",
            fix="check the API URL points at the GitHub REST API, or re-export the file",
            field=f"[{position}]",
            file=where,
        )

    def _finding(
        self,
        kind: str,
        severity: Severity,
        message: str,
        *,
        fix: str,
        subject: str | None = None,
        field: str | None = None,
        reference: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.batch.findings.append(Finding(kind, severity, message, fix, subject or self.batch.instance, field, reference, file, line))


class _Fields:
    """Typed access to one record's fields: a value of the wrong type is a finding and is dropped."""

    def __init__(self, run: _Import, where: str, record: str, subject: str) -> None:
        self.run, self.where, self.record, self.subject = run, where, record, subject

    def get(self, item: dict[str, Any], name: str, kind: type[T]) -> T | None:
        value = item.get(name)
        if value is None:
            return None
        if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
            return value
        self.wrong(name, value, {str: "a string", bool: "true or false", list: "a list", dict: "an object"}.get(kind, kind.__name__))
        return None

    def wrong(self, name: str, value: Any, expected: str) -> None:
        shown = json.dumps(value, default=str)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        self.run._finding(
            "invalid-field",
            "warning",
            f"{self.where}: `{name}` of {self.record} is {shown}, not {expected}; the field is left out",
            fix="check the API URL points at the GitHub REST API, or re-export the file",
            subject=self.subject,
            field=name,
            file=self.where,
        )


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _role(item: dict[str, Any]) -> str | None:
    """The team's base role on a repository: the strongest true flag of ``permissions``, else ``role_name``
    (a custom role's name says nothing about its base role, so the flags come first)."""
    permissions = item.get("permissions")
    if isinstance(permissions, dict):
        for name in ("admin", "maintain", "push", "triage", "pull"):
            if permissions.get(name) is True:
                return name
        return "none"
    role = item.get("role_name")
    return role.lower() if isinstance(role, str) and role else None


def _files(tree: TreeFetch | None) -> tuple[list[str] | None, bool, str | None]:
    """The files (blobs) of a tree payload, whether GitHub truncated the list, and what is wrong with the payload."""
    if tree is None or tree.state != "ok":
        return None, False, None
    body = tree.body
    entries = body.get("tree") if isinstance(body, dict) else None
    truncated = body.get("truncated", False) if isinstance(body, dict) else None
    if not isinstance(entries, list) or not isinstance(truncated, bool):
        return None, False, "is not an object with a `tree` array and a boolean `truncated`"
    files = [e["path"] for e in entries if isinstance(e, dict) and e.get("type") == "blob" and isinstance(e.get("path"), str)]
    return files, truncated, None

"""Who owns anything: every ownable kind, and a single file of a repository.

``who_owns_any`` is ``whoOwns`` for every front end. It reads the identifier, strongest reading first:

1. a file: a repository blob URL (``https://github.com/org/repo/blob/main/src/x.py#L10``), or
   ``org/repo/path`` with an optional ``:line`` as a stack trace prints it, when ``org/repo`` is a
   repository the catalog knows → the CODEOWNERS rule that decides the file's owners (the last
   rule that matches, GitHub's semantics: ``catalog.core.codeowners``), its line and pattern,
   its owners resolved to catalog teams and people, and the services built from the repository;
2. a reference with its kind (``system:payments``, ``group:default/payments``, ``team:payments``,
   ``domain:``, ``api:``, ``resource:``, ``platform:``, ``repository:org/repo``) → that entity;
3. everything ``catalog.answers.identify`` reads (services, aliases, repositories, workloads, pods,
   PagerDuty ids, hostnames), as before;
4. a name of a system, domain, API, resource, team, platform or repository, when no service matches.

Each subject says how its owner was derived (``Derivation``):

- ``direct``: its own owners (resolved across sources, or each source's claims before reconciliation);
- ``inherited``: none of its own, so its system's (a component, API, resource or platform), its
  domain's (a system) or its parent domain's (a domain), the nearest that has one;
- ``codeowners``: a repository owned through CODEOWNERS (its catch-all rule's owners, or team permissions);
- ``built-services``: a repository with no owner of its own, owned through the services built from it;
- ``team-hierarchy``: a team, answered by its parent team and its leads (members whose role a source
  states as manager, lead or maintainer);
- ``codeowners-rule``: a file, owned through the CODEOWNERS rule that matches it;
- ``none``: nothing the catalog knows gives it an owner.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote, urlsplit

from catalog.answers.identify import MAX_IDENTIFIER_LENGTH, Identification, identify, nearest
from catalog.answers.ownership import (
    MEMBERS_PER_TEAM,
    Contact,
    LinkInfo,
    Member,
    OwnedService,
    OwnerClaim,
    OwnerRef,
    ResolvedOwner,
    WhoOwns,
    describe,
)
from catalog.core.codeowners import LOCATIONS, PatternError, translate
from catalog.core.refs import repository_key
from catalog.read import CatalogReader, GraphNode, Linked
from catalog.read.entity_owners import ENTITY_LABELS

DIRECT, INHERITED, CODEOWNERS, BUILT_SERVICES, TEAM_HIERARCHY, CODEOWNERS_RULE, NONE = (
    "direct",
    "inherited",
    "codeowners",
    "built-services",
    "team-hierarchy",
    "codeowners-rule",
    "none",
)
LEAD_ROLES = frozenset({"manager", "lead", "maintainer", "owner"})
"""Membership roles (as a source states them, lower-cased) that make a member one of a team's leads."""
MAX_INHERITANCE = 8
"""Most steps up the part-of chain (system, domain, parent domains) an owner is looked for."""

_KINDS: dict[str, str] = {
    "system": "System",
    "domain": "Domain",
    "api": "API",
    "resource": "Resource",
    "group": "Team",
    "team": "Team",
    "platform": "Platform",
    "repository": "Repository",
    "repo": "Repository",
}
"""Kinds a reference may name, as written before its ``:``."""
_KIND_OF_LABEL = {"System": "system", "Domain": "domain", "API": "api", "Resource": "resource", "Team": "team", "Platform": "platform",
                  "Repository": "repository"}  # fmt: skip
_REF = re.compile(r"^(?P<kind>[A-Za-z]+):(?:(?P<ns>[A-Za-z0-9][A-Za-z0-9_.-]*)/)?(?P<name>[^:/\s]+)$")
_NAME = re.compile(r"^(?:(?P<ns>[A-Za-z0-9][A-Za-z0-9_.-]*)/)?(?P<name>[A-Za-z0-9][A-Za-z0-9_. -]*)$")
_SLUG_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_LINE = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d{1,9}))?(?::\d{1,9})?$")
_FRAGMENT_LINE = re.compile(r"^L(?P<line>\d{1,9})")
_BROWSE = frozenset({"blob", "blame", "raw", "edit"})
"""Path segments after which a URL names a file (a `tree` URL names a directory: it reads as its repository)."""


@dataclass(frozen=True)
class Derivation:
    """How the subject's owners were found."""

    method: str
    """``direct``, ``inherited``, ``codeowners``, ``built-services``, ``team-hierarchy``, ``codeowners-rule`` or ``none``."""
    description: str
    """One line for people, e.g. ``no owner of its own: inherited from system payments``."""
    via_label: str | None = None
    via_key: str | None = None
    """The entity the owners come from, when it is another one (the system inherited from)."""
    via_name: str | None = None


@dataclass(frozen=True)
class RuleOwner:
    text: str
    """As written in CODEOWNERS: ``@acme/payments``, ``@alice``, ``alice@acme.example``."""
    kind: str
    """``team``, ``user`` or ``email``."""
    owner: OwnerRef | None
    """The catalog team or person it resolved to at import; null when none."""


@dataclass(frozen=True)
class CodeownersRule:
    line: int
    pattern: str
    owners: tuple[RuleOwner, ...]


@dataclass(frozen=True)
class ServiceRef:
    key: str
    name: str


@dataclass
class FileOwners:
    """Who owns one file of a repository, by its CODEOWNERS."""

    repository: str
    """Key of the repository."""
    slug: str
    path: str
    line: int | None
    """The line the identifier pointed at (``#L10``, ``:123``), if it did."""
    codeowners_path: str | None
    """Which CODEOWNERS file decides (``.github/CODEOWNERS``, ...); null when the repository has none."""
    rule: CodeownersRule | None
    """The rule that matches the path last, which GitHub applies; null when none matches."""
    services: list[ServiceRef] = field(default_factory=list)
    """Services built from the repository."""


@dataclass
class OwnedEntity(OwnedService):
    """An ``OwnedService`` of any kind, with how its owners were derived (and, for a file, its CODEOWNERS rule)."""

    derivation: Derivation | None = None
    file: FileOwners | None = None


# -- the answer ----------------------------------------------------------------------------------


async def who_owns_any(reader: CatalogReader, identifier: str, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns:
    """Who owns what ``identifier`` names, of any kind (see the module docs); never raises on odd input."""
    early = await before_identify(reader, identifier, members_per_team=members_per_team)
    if early is not None:
        return early
    found = await identify(reader, identifier)
    if not found.matches and not found.others:
        late = await after_identify(reader, found, members_per_team=members_per_team)
        if late is not None:
            return late
    return await derived_answer(reader, found, members_per_team=members_per_team)


async def before_identify(reader: CatalogReader, identifier: str, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns | None:
    """The readings stronger than a service's: a file of a known repository, or a reference with its kind."""
    text = identifier.strip()[:MAX_IDENTIFIER_LENGTH]
    if not text:
        return None
    file = await _file_answer(reader, text, members_per_team)
    if file is not None:
        return file
    kind_given, _, body = text.partition(":")
    if body and _KINDS.get(kind_given.lower()) == "Repository":
        return await _repository_ref(reader, text, body.strip(), members_per_team)
    ref = _REF.match(text)
    if ref is None or ref.group("kind").lower() not in _KINDS:
        return None
    kind = ref.group("kind").lower()
    label = _KINDS[kind]
    nodes = await reader.entities_named([label], ref.group("ns") or "default", ref.group("name"))
    if not nodes:
        cores = [ref.group("name").lower()]
        return WhoOwns(text, f"{label.lower()} reference", "none", f"no {_KIND_OF_LABEL[label]} {ref.group('name')!r} in the catalog",
                       nearest=await nearest(reader, cores))  # fmt: skip
    return await _entities_answer(reader, text, nodes, "key", members_per_team)


async def after_identify(reader: CatalogReader, found: Identification, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns | None:
    """When no service, repository or workload matches: a system, domain, API, resource, team, platform or
    repository of that name."""
    named = _NAME.match(found.query)
    if named is None:
        return None
    nodes = await reader.entities_named(ENTITY_LABELS, named.group("ns"), named.group("name").strip())
    if not nodes:
        return None
    return await _entities_answer(reader, found.query, nodes[:25], "name", members_per_team)


async def derived_answer(reader: CatalogReader, found: Identification, *, members_per_team: int = MEMBERS_PER_TEAM) -> WhoOwns:
    """``catalog.answers.ownership.answer`` for an identification, each subject with how its owners were derived."""
    subjects = [*found.matches, *found.others]
    described = await describe(reader, subjects, members_per_team=members_per_team)
    owned = [_entity(o) for o in described]
    await asyncio.gather(*(_derive(reader, o, members_per_team) for o in owned))
    return WhoOwns(found.query, found.interpreted_as, found.kind, _message(found.message, owned), list(owned), found.nearest, found.more)


def _entity(o: OwnedService) -> OwnedEntity:
    return OwnedEntity(**{f.name: getattr(o, f.name) for f in fields(OwnedService)})


def _message(head: str, owned: Sequence[OwnedEntity]) -> str:
    notes = []
    for o in owned:
        d = o.derivation
        if d is not None and d.method == NONE:
            notes.append(f"{o.name} has no owner in the catalog")
        elif d is not None and d.method not in (DIRECT, CODEOWNERS_RULE):
            notes.append(f"{o.name}: {d.description}")
        elif not o.resolved_owners and o.owner_evidence:
            notes.append(f"{o.name}'s owners are not reconciled yet (run `catalog sync`); every claim is shown")
    return "; ".join([head, *notes])


# -- entities of any kind ------------------------------------------------------------------------


async def _entities_answer(reader: CatalogReader, query: str, nodes: Sequence[GraphNode], how: str, members_per_team: int) -> WhoOwns:
    owned = [await _describe_entity(reader, node, how, members_per_team) for node in nodes]
    kinds = sorted({_KIND_OF_LABEL.get(n.label, n.label.lower()) for n in nodes})
    kind = kinds[0] if len(kinds) == 1 else "identifier"
    reading = " or ".join(f"{k} {how}" for k in kinds)
    q = repr(query)
    if len(owned) == 1:
        head = f"{q} → {_KIND_OF_LABEL.get(nodes[0].label, nodes[0].label.lower())} {owned[0].name} ({how})"
    else:
        head = f"{len(owned)} entities share the {how} {q}: " + ", ".join(f"{o.label.lower()} {o.name}" for o in owned)
    return WhoOwns(query, reading, kind, _message(head, owned), list(owned))


async def _describe_entity(reader: CatalogReader, node: GraphNode, how: str, members_per_team: int) -> OwnedEntity:
    name = node.text("slug") if node.label == "Repository" else None
    name = name or node.text("display_name") or node.text("title") or node.text("name") or node.id
    o = OwnedEntity(node.label, node.id, name, f"{_KIND_OF_LABEL.get(node.label, node.label.lower())} {how}")
    if node.label == "Team":
        await _team(reader, o, node, members_per_team)
        return o
    [accountable], [claims] = await asyncio.gather(
        reader.accountable_links(node.label, [node.id]), reader.claim_links(node.label, [node.id])
    )
    o.resolved_owners = [_resolved(link) for link in accountable]
    o.owner_evidence = [_claim(link) for link in claims]
    if node.label == "Repository":
        o.default_owners = list(node.texts("default_owners"))
        if node.text("url"):
            o.links.append(LinkInfo(str(node.text("url")), f"Repository {node.text('slug') or node.id}", "repository", "github", False))
    await _derive(reader, o, members_per_team)
    await _fill_contacts(reader, [o], members_per_team)
    return o


async def _derive(reader: CatalogReader, o: OwnedEntity, members_per_team: int) -> None:
    """Set how ``o``'s owners were derived; inherit them when it has none of its own."""
    own = bool(o.resolved_owners or o.owner_evidence)
    if o.label == "Repository":
        if own:
            o.derivation = _repository_derivation(o)
        else:
            await _from_built_services(reader, o)
    elif own:
        o.derivation = Derivation(DIRECT, f"owned directly: {_own_words(o)}")
    elif o.label in ("Service", "API", "Resource", "Platform", "System", "Domain"):
        await _inherit(reader, o)
    else:
        o.derivation = Derivation(NONE, "no source names an owner")
    if not own and (o.resolved_owners or o.owner_evidence):
        await _fill_contacts(reader, [o], members_per_team)


def _own_words(o: OwnedService) -> str:
    if o.resolved_owners:
        return ", ".join(f"{r.owner.name} ({r.rule or 'resolved'})" for r in o.resolved_owners)
    return "claimed by " + ", ".join(
        dict.fromkeys(f"{c.owner.name} ({c.source or '?'}: {c.evidence or 'claim'})" for c in o.owner_evidence)
    )


def _repository_derivation(o: OwnedService) -> Derivation:
    evidence = [c.evidence or "" for c in o.owner_evidence]
    if any(e.startswith("CODEOWNERS") for e in evidence) or o.default_owners:
        default = f"; its catch-all rule names {' '.join(o.default_owners)}" if o.default_owners else ""
        return Derivation(CODEOWNERS, f"owned through CODEOWNERS: {_own_words(o)}{default}")
    return Derivation(DIRECT, f"owned directly: {_own_words(o)}")


async def _parent_of(reader: CatalogReader, label: str, key: str) -> GraphNode | None:
    if label in ("Service", "API", "Resource"):
        return (await reader.system_of([key]))[0]
    if label == "Platform":
        return (await reader.platform_system([key]))[0]
    if label == "System":
        return (await reader.domain_of([key]))[0]
    if label == "Domain":
        return (await reader.parent_domain([key]))[0]
    return None


async def _inherit(reader: CatalogReader, o: OwnedEntity) -> None:
    """The owners of the nearest entity up the part-of chain that has any."""
    label, key, seen = o.label, o.key, {o.key}
    chain: list[str] = []
    for _ in range(MAX_INHERITANCE):
        parent = await _parent_of(reader, label, key)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        pname = parent.text("title") or parent.text("name") or parent.id
        chain.append(f"{parent.label.lower()} {pname}")
        [accountable], [claims] = await asyncio.gather(
            reader.accountable_links(parent.label, [parent.id]), reader.claim_links(parent.label, [parent.id])
        )
        if accountable or claims:
            why = f"inherited from {parent.label.lower()} {pname}"
            if accountable:
                o.resolved_owners = [
                    ResolvedOwner(r.owner, f"{why}: {r.rule}" if r.rule else why, r.sources, r.strength, r.since)
                    for r in map(_resolved, accountable)
                ]
            else:
                o.resolved_owners = [
                    ResolvedOwner(c.owner, f"{why} (its {c.source or 'source'} claim, not reconciled)", (c.source,) if c.source else (),
                                  c.strength, c.first_seen)
                    for c in {c.owner.key: c for c in map(_claim, claims)}.values()
                ]  # fmt: skip
            path = " → ".join(chain)
            o.derivation = Derivation(INHERITED, f"no owner of its own: inherited from {path}", parent.label, parent.id, pname)
            return
        label, key = parent.label, parent.id
    where = f" (nor has {' → '.join(chain)})" if chain else ""
    o.derivation = Derivation(NONE, f"no source names an owner{where}")


async def _from_built_services(reader: CatalogReader, o: OwnedEntity) -> None:
    [services] = await reader.services_built_from([o.key])
    if not services:
        o.derivation = Derivation(NONE, "no CODEOWNERS owner or team permission names an owner, and no service is built from it")
        return
    keys = [s.id for s in services]
    accountable = await reader.accountable_links("Service", keys)
    owners: dict[str, ResolvedOwner] = {}
    for service, links in zip(services, accountable, strict=True):
        sname = service.text("name") or service.id
        for r in map(_resolved, links):
            owners.setdefault(r.owner.key, ResolvedOwner(r.owner, f"owns service {sname}, built from it", r.sources, r.strength, r.since))
    o.resolved_owners = list(owners.values())
    names = ", ".join(s.text("name") or s.id for s in services)
    if owners:
        o.derivation = Derivation(BUILT_SERVICES, f"no owner of its own: owned through the services built from it ({names})")
    else:
        o.derivation = Derivation(NONE, f"no owner of its own, and the services built from it ({names}) have none either")


async def _team(reader: CatalogReader, o: OwnedEntity, node: GraphNode, members_per_team: int) -> None:
    """A team is answered by its parent team and its leads; its own contact comes first."""
    [parents], [members] = await asyncio.gather(reader.parent_team_links([node.id]), reader.member_links([node.id]))
    parent = parents[0].node if parents else None
    if parent is not None:
        said = tuple(
            dict.fromkeys(link.edge.provenance.source for link in parents if link.node.id == parent.id and link.edge.provenance.source)
        )
        started = min((link.edge.provenance.first_seen or "" for link in parents if link.node.id == parent.id), default="") or None
        o.resolved_owners.append(ResolvedOwner(_ref(parent), f"parent team of {o.name}", said, "declared", started))
    leads: dict[str, ResolvedOwner] = {}
    for link in members:
        role = (link.edge.text("role") or "").lower()
        if role in LEAD_ROLES and link.node.id not in leads:
            source = link.edge.provenance.source
            leads[link.node.id] = ResolvedOwner(
                _ref(link.node), f"{role} of {o.name} ({source or 'source'} membership role)", (source,) if source else (), "declared",
                link.edge.provenance.first_seen,
            )  # fmt: skip
    o.resolved_owners.extend(sorted(leads.values(), key=lambda r: (r.owner.name.lower(), r.owner.key)))
    parts = []
    if parent is not None:
        parts.append(f"parent team {o.resolved_owners[0].owner.name}")
    if leads:
        parts.append("leads " + ", ".join(r.owner.name for r in leads.values()))
    if parts:
        o.derivation = Derivation(TEAM_HIERARCHY, "a team answers to its " + " and ".join(parts), *(("Team", parent.id, _ref(parent).name)
                                  if parent is not None else (None, None, None)))  # fmt: skip
    else:
        o.derivation = Derivation(NONE, "a top-level team: no parent team, and no source names a lead (manager, lead or maintainer role)")
    if node.text("chat_channel"):
        o.links.append(LinkInfo(str(node.text("chat_channel")), f"{o.name} chat channel", "chat", None, False))
    await _fill_contacts(reader, [o], members_per_team, first=node)


# -- a file --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRef:
    host: str | None
    slug: str
    path: str
    ref: str | None
    """The branch, tag or commit of a blob URL (it may really be longer: branch names contain ``/``)."""
    line: int | None


def read_file_ref(text: str) -> FileRef | None:
    """A file in a repository, as a blob URL, ``[host/]org/repo/path[:line[:col]]``; None when the text is no such thing."""
    text = text.strip().strip("\"'")
    if "://" in text:
        parts = urlsplit(text)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        host = (parts.hostname or "").lower().removeprefix("www.")
        line = _fragment_line(parts.fragment)
        if "-" in segments:  # GitLab: group/sub/repo/-/blob/ref/path
            at = segments.index("-")
            slug_parts, rest = segments[:at], segments[at + 1 :]
        else:
            slug_parts, rest = segments[:2], segments[2:]
        if len(slug_parts) < 2 or len(rest) < 3 or rest[0] not in _BROWSE:
            return None
        path = "/".join(rest[2:])
        return FileRef(host, "/".join(slug_parts), path, rest[1], line) if _path_ok(path) else None
    if " " in text or "\\" in text:
        return None
    found = _LINE.match(text)
    if found is None:
        return None
    body, line = found.group("path"), int(found.group("line")) if found.group("line") else None
    segments = [s for s in body.split("/") if s not in ("", ".")]
    named_host: str | None = None
    if segments and "." in segments[0] and len(segments) >= 4:
        named_host, segments = segments[0].lower().removeprefix("www."), segments[1:]
    if len(segments) < 3 or not all(_SLUG_PART.match(s) for s in segments[:2]):
        return None
    ref = None
    if len(segments) >= 5 and segments[2] in _BROWSE:
        ref, rest = segments[3], segments[4:]
    else:
        rest = segments[2:]
    path = "/".join(rest)
    return FileRef(named_host, f"{segments[0]}/{segments[1]}", path, ref, line) if _path_ok(path) else None


def _fragment_line(fragment: str) -> int | None:
    found = _FRAGMENT_LINE.match(fragment)
    return int(found.group("line")) if found else None


def _path_ok(path: str) -> bool:
    return bool(path) and ".." not in path.split("/")


def rules_of(stored: str | None) -> list[CodeownersRule] | None:
    """The rules stored on a repository (``Repository.codeowners_rules``); None when none are stored or they are unreadable."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    rules = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("line"), int) or not isinstance(item.get("pattern"), str):
            continue
        owners = tuple(_rule_owner(o) for o in item.get("owners") or () if isinstance(o, dict) and isinstance(o.get("text"), str))
        rules.append(CodeownersRule(item["line"], item["pattern"], owners))
    return rules


def _rule_owner(item: dict[str, Any]) -> RuleOwner:
    key, label = item.get("key"), item.get("label")
    owner = OwnerRef(str(key), str(label), str(item["text"])) if isinstance(key, str) and label in ("Team", "Person") else None
    return RuleOwner(str(item["text"]), str(item.get("kind") or ""), owner)


def matching_rule(rules: Sequence[CodeownersRule], path: str) -> CodeownersRule | None:
    """The rule GitHub applies to ``path``: the last one that matches (patterns GitHub rejects match nothing)."""
    path = path.lstrip("/")
    for rule in reversed(rules):
        try:
            regex = translate(rule.pattern)
        except PatternError:
            continue
        if re.fullmatch(regex, path):
            return rule
    return None


async def _file_answer(reader: CatalogReader, text: str, members_per_team: int) -> WhoOwns | None:
    ref = read_file_ref(text)
    if ref is None:
        return None
    repos = (
        [n for n in await reader.nodes_by_ids("Repository", [repository_key(ref.host, ref.slug)]) if n is not None]
        if ref.host
        else await reader.repositories_by_slug_any_host([ref.slug])
    )
    if not repos:
        return None
    repo = repos[0]
    path, branch = ref.path, ref.ref
    default = repo.text("default_branch")
    if branch is not None and default and "/" in default and f"{branch}/{path}".startswith(default + "/"):
        branch, path = default, f"{branch}/{path}"[len(default) + 1 :]
    slug = repo.text("slug") or ref.slug
    [services] = await reader.services_built_from([repo.id])
    rules = rules_of(repo.text("codeowners_rules"))
    codeowners_path = repo.text("codeowners_path")
    rule = matching_rule(rules, path) if rules is not None else None
    file = FileOwners(repo.id, slug, path, ref.line, codeowners_path, rule, [ServiceRef(s.id, s.text("name") or s.id) for s in services])
    name = f"{slug}/{path}" + (f":{ref.line}" if ref.line else "")
    o = OwnedEntity("Repository", repo.id, name, f"file {path} in repository {repo.text('host') or ref.host or 'github.com'}/{slug}")
    o.file = file
    o.default_owners = list(repo.texts("default_owners"))
    url = repo.text("url")
    if url:
        o.links.append(LinkInfo(f"{url}/blob/{branch or default or 'HEAD'}/{path}" + (f"#L{ref.line}" if ref.line else ""),
                                f"{slug}/{path}", "repository", "github", False))  # fmt: skip
    built = ", ".join(s.name for s in file.services) or "none"
    if rule is not None:
        where = f"CODEOWNERS {codeowners_path} line {rule.line}"
        named = await _owner_nodes(reader, [ro.owner for ro in rule.owners if ro.owner is not None])
        o.resolved_owners = [
            ResolvedOwner(named.get(ro.owner.key, ro.owner), f"{where}: {rule.pattern} (the last rule matching {path})", ("github",),
                          "declared", repo.provenance.last_seen)
            for ro in rule.owners
            if ro.owner is not None
        ]  # fmt: skip
        unresolved = [ro.text for ro in rule.owners if ro.owner is None]
        said = " ".join(ro.text for ro in rule.owners) or "no owners, which leaves the file unowned"
        extra = f" ({', '.join(unresolved)}: no catalog team or person)" if unresolved else ""
        o.derivation = Derivation(CODEOWNERS_RULE, f"{where} `{rule.pattern}` is the last rule matching {path}: {said}{extra}",
                                  "Repository", repo.id, slug)  # fmt: skip
        head = f"{text!r} → file {path} of {slug}: {where} `{rule.pattern}` names {said}{extra}; services built from it: {built}"
    else:
        if codeowners_path is None:
            why = f"{slug} has no CODEOWNERS file (looked in {', '.join(LOCATIONS)})"
        elif rules is None:
            why = f"the rules of {slug}'s {codeowners_path} are not in the catalog (run `catalog sync` with the GitHub source)"
        else:
            why = f"no rule of {slug}'s {codeowners_path} matches {path}, so the file has no code owner"
        o.derivation = Derivation(NONE, why, "Repository", repo.id, slug)
        head = f"{text!r} → file {path} of {slug}: {why}; services built from it: {built}"
    await _fill_contacts(reader, [o], members_per_team)
    return WhoOwns(text, f"file {path} in repository {slug}", "file", head, [o])


async def _repository_ref(reader: CatalogReader, text: str, body: str, members_per_team: int) -> WhoOwns:
    """``repository:[host/]org/repo``: the repository itself, whether or not services are built from it."""
    body = body.removeprefix("https://").removeprefix("http://").rstrip("/").removesuffix(".git")
    parts = [p for p in body.split("/") if p]
    found: list[GraphNode] = []
    if len(parts) >= 3:
        found = [n for n in await reader.nodes_by_ids("Repository", [repository_key(parts[0], "/".join(parts[1:]))]) if n is not None]
    elif len(parts) == 2:
        found = await reader.repositories_by_slug_any_host(["/".join(parts)])
    if not found:
        return WhoOwns(text, "repository reference", "none", f"no repository {body!r} in the catalog")
    return await _entities_answer(reader, text, found, "key", members_per_team)


# -- shared pieces -------------------------------------------------------------------------------


def _ref(node: GraphNode) -> OwnerRef:
    return OwnerRef(node.id, node.label, node.text("display_name") or node.text("title") or node.text("name") or node.id)


def _resolved(link: Linked) -> ResolvedOwner:
    sources = link.edge.props.get("sources")
    names = tuple(str(s) for s in sources) if isinstance(sources, list | tuple) else ()
    return ResolvedOwner(_ref(link.node), link.edge.text("rule"), names, link.edge.text("strength"), link.edge.provenance.first_seen)


def _claim(link: Linked) -> OwnerClaim:
    p = link.edge.provenance
    return OwnerClaim(_ref(link.node), p.source, p.source_instance, link.edge.text("evidence"), link.edge.text("strength"), p.origin,
                      p.first_seen, p.last_seen)  # fmt: skip


async def _owner_nodes(reader: CatalogReader, refs: Sequence[OwnerRef]) -> dict[str, OwnerRef]:
    """The current names of owners known by key."""
    named: dict[str, OwnerRef] = {}
    for label in ("Team", "Person"):
        keys = [r.key for r in refs if r.label == label]
        for node in await reader.nodes_by_ids(label, keys) if keys else []:
            if node is not None:
                named[node.id] = _ref(node)
    return named


async def _fill_contacts(
    reader: CatalogReader, owned: Sequence[OwnedEntity], members_per_team: int, first: GraphNode | None = None
) -> None:
    """How to reach each subject's owners (``first``, e.g. the team asked about, before them)."""
    owners = {r.owner.key: r.owner for o in owned for r in o.resolved_owners} or {
        c.owner.key: c.owner for o in owned for c in o.owner_evidence
    }
    refs = list(owners.values()) + ([_ref(first)] if first is not None else [])
    nodes: dict[str, GraphNode] = {}
    for label in ("Team", "Person"):
        keys = sorted({r.key for r in refs if r.label == label})
        for node in await reader.nodes_by_ids(label, keys) if keys else []:
            if node is not None:
                nodes[node.id] = node
    teams = sorted(k for k, n in nodes.items() if n.label == "Team")
    members = dict(zip(teams, await reader.members(teams), strict=True)) if teams and members_per_team > 0 else {}
    for o in owned:
        wanted = ([_ref(first)] if first is not None else []) + [r.owner for r in o.resolved_owners]
        if not o.resolved_owners:
            wanted += list({c.owner.key: c.owner for c in o.owner_evidence}.values())
        contacts = []
        for ref in {r.key: r for r in wanted}.values():
            node = nodes.get(ref.key)
            people = sorted(members.get(ref.key, []), key=lambda p: ((p.text("display_name") or p.text("name") or p.id).lower(), p.id))
            contacts.append(
                Contact(
                    ref,
                    node.text("chat_channel") if node is not None and ref.label == "Team" else None,
                    node.text("email") if node is not None else None,
                    tuple(
                        Member(p.id, p.text("display_name") or p.text("name") or p.id, p.text("email")) for p in people[:members_per_team]
                    ),
                    max(0, len(people) - members_per_team),
                )
            )
        o.contacts = contacts


__all__ = [
    "Derivation",
    "FileOwners",
    "FileRef",
    "OwnedEntity",
    "after_identify",
    "before_identify",
    "derived_answer",
    "matching_rule",
    "read_file_ref",
    "rules_of",
    "who_owns_any",
]

"""From whatever identifier a human holds to the service(s) it names.

``identify`` is the one resolver every answer uses for its service argument. It reads the text
as each of these, strongest first, and stops at the first reading that names something:

1. a service key (``component:payments/checkout``), ``[namespace/]name`` or a name in any
   namespace (``Service.name``, case as written or lower-cased);
2. an identifier some source states (``Identifier.value``, any scheme: ``alias``, ``opslevel``,
   ``cortex``, ``repository``, ``pagerduty-service``, ``workload``, ``hostname``), including the
   forms derived from the text: the ``org/repo`` of a repository URL, the host of a URL without
   its port, ``<svc>.<ns>`` of an in-cluster hostname, the id in a PagerDuty URL;
3. a repository: ``https://github.com/org/repo[/tree/...]``, ``git@github.com:org/repo.git``,
   ``github.com/org/repo`` or ``org/repo`` → the services built from it (``BUILT_FROM``);
4. a Kubernetes workload, ``[namespace/]name``, or a pod name with its generated suffix
   (``<deployment>-<pod-template-hash>-<xxxxx>``, ``<statefulset>-<ordinal>``,
   ``<daemonset or job>-<xxxxx>``, ``<cronjob>-<schedule stamp>-<xxxxx>``; also a ReplicaSet or
   a CronJob's Job name) → the service it is an instance of (``INSTANCE_OF``); among the names a
   pod name could stand for, the longest workload that exists and has the right kind wins;
5. a PagerDuty service id (``P`` + 6 upper-case letters or digits) → the service whose
   ``ESCALATES_VIA`` edge names it.

Steps 3 and 4 swap for URLs and ``git@`` addresses. A repository or workload that runs no
catalog service still answers, in ``others``, so its own owners can be shown. When nothing
matches, ``nearest`` holds the closest services (by name and alias tokens, then by string
similarity over a bounded set of names), so the answer is never an empty shrug.

Every step is one indexed lookup through the reader (``catalog.read.identify``: node keys,
``Service.name``, ``Identifier`` keys, ``Workload.name``, ``Repository.slug``); on the Cypher
reader a match costs one to five round trips, the nearest candidates one or two more; the
snapshot reader answers from memory.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from catalog.core.identity import NAME_SCHEMES, SCHEMES, identifier_key, identifier_value, name_token
from catalog.core.refs import entity_key, repository_key
from catalog.read.identify import NEAR_ROWS, SIMILAR_ROWS, IdentifiedService, ServiceAliases
from catalog.read.reader import CatalogReader

MAX_IDENTIFIER_LENGTH = 1024
"""Longer text is no identifier; front ends refuse it and ``identify`` reads only this much."""
MAX_NAMED = 25
"""Most services one identifier is reported to name; the message says how many more there are."""
NEAREST = 5
"""How many nearest candidates an unmatched identifier gets."""
_MIN_TOKEN = 3
_MIN_SIMILARITY = 0.5

SCHEME_NAMES = {
    "alias": "alias",
    "opslevel": "OpsLevel name",
    "cortex": "Cortex tag",
    "repository": "repository",
    "pagerduty-service": "PagerDuty service id",
    "workload": "Kubernetes workload",
    "hostname": "hostname",
    "alert-source": "alert source",
}
"""How each identifier scheme reads in an interpretation, e.g. ``alias shop``."""


@dataclass(frozen=True)
class Candidate:
    key: str
    """Node key, e.g. ``component:default/checkout`` (a service unless ``label`` says otherwise)."""
    name: str
    why: str
    """How the identifier led here: ``name``, ``alias checkout-svc``, ``repository acme/checkout``, ..."""
    label: str = "Service"
    """``Service``; in ``Identification.others``, ``Repository`` or ``Workload``."""
    strength: str | None = None
    """How strong the link the identifier followed is: declared, configured or inferred (null for a name or key)."""
    source: str | None = None
    """The source that stated the link the identifier followed, when one did."""


@dataclass
class Identification:
    query: str
    matches: list[Candidate] = field(default_factory=list)
    """Services the identifier names (several when it is shared, e.g. an alias of two services)."""
    nearest: list[Candidate] = field(default_factory=list)
    """When nothing matches: the closest services, so the answer is never an empty shrug."""
    interpreted_as: str = ""
    """What the identifier was read as: service name, alias, repository, workload, pod, PagerDuty id, hostname."""
    kind: str = "none"
    """The reading, for programs: ``service``, an identifier scheme (``alias``, ``repository``,
    ``pagerduty-service``, ``workload``, ``hostname``, ``opslevel``, ``cortex``; ``identifier`` when the value is stated
    under several schemes), ``pod``, ``none`` or ``empty``."""
    others: list[Candidate] = field(default_factory=list)
    """Repositories or workloads the identifier names that run no catalog service: their own owners still answer."""
    more: int = 0
    """Matches left out beyond ``MAX_NAMED``."""

    @property
    def unique(self) -> Candidate | None:
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def message(self) -> str:
        """One line for people: what the identifier named, that it is shared, or what comes closest."""
        q = repr(self.query)
        if self.kind == "empty":
            return "the identifier is empty; give a service name, alias, repository URL, pod name, PagerDuty service id or hostname"
        if len(self.matches) > 1:
            names = ", ".join(c.name for c in self.matches) + (f" and {self.more} more" if self.more else "")
            return f"{len(self.matches) + self.more} services share the {self.interpreted_as} {q}: {names}"
        if self.matches:
            return f"{q} → service {self.matches[0].name} ({self.interpreted_as})"
        if self.others:
            return f"{q} → {self.interpreted_as}, which runs no catalog service; showing its own owners"
        if self.nearest:
            return f"no service matches {q}; nearest: {', '.join(c.name for c in self.nearest)}"
        return f"no service matches {q}, and none has a similar name"


# -- reading the text ----------------------------------------------------------------------------

_KEY = re.compile(r"^component:(?:[^:/\s]+/)?[^:/\s]+$", re.IGNORECASE)
_NAME = re.compile(r"^(?:(?P<ns>[A-Za-z0-9][A-Za-z0-9_.-]*)/)?(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)$")
_SCP = re.compile(r"^(?:(?P<user>[A-Za-z0-9_.-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/\s][^\s]*/[^\s]*)$")
_HOST = re.compile(r"^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)+\.?$")
_PAGERDUTY_ID = re.compile(r"^P[A-Z0-9]{6}$")
_GIT_HOST = re.compile(r"^(www\.)?(github|gitlab|bitbucket)\.|^(github\.com|gitlab\.com|bitbucket\.org)$")
_WORDS = re.compile(r"[a-z0-9]+")
# Path segments where a hosting service's browse URL leaves the repository path.
_BROWSE = frozenset({"-", "tree", "blob", "src", "browse", "commits", "commit", "raw", "blame", "pulls", "pull", "issues", "actions"})
# Kubernetes generated names (pod suffixes, pod-template hashes) draw from this alphabet: no vowels.
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


@dataclass(frozen=True)
class _PodGuess:
    name: str
    kinds: tuple[str, ...]
    said: str
    """How the text reads if this guess is right, e.g. ``pod of Deployment``."""


# (pattern, kinds, how it reads); a pod name is tried against all and every fit is a guess.
_POD_FORMS: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"^(?P<name>.+)-\d{8,}-[a-z0-9]{5}$"), ("CronJob",), "pod of CronJob"),
    (re.compile(r"^(?P<name>.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$"), ("Deployment",), "pod of Deployment"),
    (re.compile(r"^(?P<name>.+)-\d+$"), ("StatefulSet",), "pod of StatefulSet"),
    (re.compile(r"^(?P<name>.+)-[a-z0-9]{5}$"), ("DaemonSet", "Job"), "pod of DaemonSet or Job"),
    (re.compile(r"^(?P<name>.+)-\d{8,}$"), ("CronJob",), "Job of CronJob"),
    # A bare ReplicaSet name: only with a hash from Kubernetes' alphabet, or `payments-gateway`
    # would read as a ReplicaSet of `payments`.
    (re.compile(rf"^(?P<name>.+)-[{_SAFE}]{{5,10}}$"), ("Deployment",), "ReplicaSet of Deployment"),
)


@dataclass
class _Forms:
    text: str
    service_keys: list[str] = field(default_factory=list)
    service_names: list[str] = field(default_factory=list)
    name_reading: str = ""
    values: list[tuple[str, frozenset[str] | None]] = field(default_factory=list)
    """Identifier values to look up, each with the schemes it may be under (None: any)."""
    repos: list[tuple[str | None, str]] = field(default_factory=list)
    """(host or None, ``org/repo``)."""
    url_like: bool = False
    workload_ns: str | None = None
    workload_name: str | None = None
    pod_guesses: list[_PodGuess] = field(default_factory=list)
    pagerduty: str | None = None
    cores: list[str] = field(default_factory=list)
    """The parts of the text that most likely are (or resemble) a service name, for the nearest search."""

    def value(self, value: str, schemes: Iterable[str] | None = None) -> None:
        norm = value.strip().lower()
        if norm and not any(v == norm for v, _ in self.values):
            self.values.append((norm, None if schemes is None else frozenset(schemes)))

    def core(self, value: str) -> None:
        norm = value.strip().lower()
        if norm and norm not in self.cores:
            self.cores.append(norm)


def _strip_git(name: str) -> str:
    return name[: -len(".git")] if name.lower().endswith(".git") else name


def _repo_from_path(host: str, path: str) -> tuple[str, str] | None:
    segments = [s for s in path.split("/") if s]
    host = host.lower().removeprefix("www.")
    if host == "github.com" or host.startswith("github."):
        segments = segments[:2]
    else:
        for index, segment in enumerate(segments):
            if segment in _BROWSE:
                segments = segments[:index]
                break
    if len(segments) < 2:
        return None
    segments[-1] = _strip_git(segments[-1])
    return (host, "/".join(segments)) if all(segments) else None


def _host_forms(forms: _Forms, host: str) -> None:
    """A hostname, with the ``<svc>.<ns>`` the Kubernetes importer also writes for in-cluster names."""
    host = host.lower().rstrip(".")
    forms.value(host, ["hostname"])
    labels = host.split(".")
    if "svc" in labels[2:3]:
        forms.value(".".join(labels[:2]), ["hostname"])
    forms.core(labels[0])


def _pod_forms(forms: _Forms, name: str) -> None:
    for pattern, kinds, said in _POD_FORMS:
        found = pattern.match(name)
        if found and found.group("name"):
            forms.pod_guesses.append(_PodGuess(found.group("name"), kinds, said))
            forms.core(found.group("name"))


def _display_name_forms(forms: _Forms, text: str) -> None:
    """A name as people write it (``Order Service``, ``Gift Cards!``, ``Order_Service``) reads like the name
    ``order-service``: the same reduction (``catalog.core.identity.name_token``) importers key services and
    match aliases by, so what a descriptor wrote and what a responder types meet."""
    named = _NAME.match(text)
    ns = named.group("ns") if named else None
    name = named.group("name") if named else text.strip()
    token = name_token(name)
    if not token or token == name.lower():
        return
    key = entity_key("component", ns or "default", token)
    if key not in forms.service_keys:
        forms.service_keys.append(key)
    for variant in (name, name.lower(), token) if ns is None else ():
        if variant not in forms.service_names:
            forms.service_names.append(variant)
    forms.name_reading = forms.name_reading or "service name"
    if ns is None:
        forms.value(token, NAME_SCHEMES)
    for word in _WORDS.findall(token):
        if len(word) >= _MIN_TOKEN:
            forms.core(word)


def read_forms(text: str) -> _Forms:
    """Every way ``text`` could name something, in the order ``identify`` tries them."""
    forms = _Forms(text)
    lower = text.lower()
    forms.value(text)
    if _KEY.match(text):
        ns, _, name = lower.removeprefix("component:").rpartition("/")
        forms.service_keys.append(entity_key("component", ns or "default", name))
        forms.name_reading = "service key"
        forms.core(name)
        return forms
    scp = _SCP.match(text)
    if "://" in text or (scp and (scp.group("user") or "." in scp.group("host"))):
        forms.url_like = True
        if "://" in text:
            parts = urlsplit(text)
            host, path = parts.hostname or "", parts.path
        else:
            assert scp is not None
            host, path = scp.group("host"), scp.group("path")
        host = host.lower()
        if host.endswith("pagerduty.com"):
            pid = next((s for s in path.split("/") if _PAGERDUTY_ID.match(s)), None)
            if pid:
                forms.pagerduty = pid
                forms.value(pid, ["pagerduty-service"])
                forms.core(pid)
            return forms
        repo = _repo_from_path(host, path) if host else None
        if repo is not None:
            forms.repos.append(repo)
            forms.value(repo[1], ["repository"])
            forms.core(repo[1].rsplit("/", 1)[-1])
        if host and not _GIT_HOST.match(host):
            _host_forms(forms, host)
        return forms
    segments = text.split("/")
    if len(segments) >= 3 and "." in segments[0] and all(segments[:3]):
        # github.com/org/repo without a scheme
        repo = _repo_from_path(segments[0], "/".join(segments[1:]))
        if repo is not None:
            forms.url_like = True
            forms.repos.append(repo)
            forms.value(repo[1], ["repository"])
            forms.core(repo[1].rsplit("/", 1)[-1])
            return forms
    if _PAGERDUTY_ID.match(text):
        forms.pagerduty = text
    host = text.rsplit(":", 1)[0] if re.search(r":\d+$", text) else text
    hostlike = "." in host and _HOST.match(host.lower()) is not None
    named = _NAME.match(text)
    if named:
        ns, name = named.group("ns"), named.group("name")
        if ns:
            forms.service_keys.append(entity_key("component", ns, name))
            forms.name_reading = "namespace/name of a service"
            # org/repo: a repository slug (GitHub's host by default), or namespace/workload
            slug = f"{ns}/{_strip_git(name)}"
            forms.repos.append((None, slug))
            forms.value(slug, ["repository"])
        else:
            forms.service_keys.append(entity_key("component", "default", name))
            forms.service_names.extend(dict.fromkeys((name, lower)))
            forms.name_reading = "service name"
        forms.workload_ns = ns.lower() if ns else None
        forms.workload_name = name.lower()
        if not hostlike:
            _pod_forms(forms, name.lower())
            forms.core(name)
            for word in _WORDS.findall(name.lower()):
                if len(word) >= _MIN_TOKEN:
                    forms.core(word)
    if not hostlike:
        _display_name_forms(forms, text)
    if hostlike:
        _host_forms(forms, host)
    if not forms.cores:
        for word in _WORDS.findall(lower):
            if len(word) >= _MIN_TOKEN:
                forms.core(word)
    return forms


# -- looking it up -------------------------------------------------------------------------------


async def identify(reader: CatalogReader, text: str) -> Identification:
    """The services ``text`` names, read as described in the module docs; never raises on odd input."""
    query = text.strip()[:MAX_IDENTIFIER_LENGTH]
    if not query:
        return Identification(query, interpreted_as="nothing: the identifier is empty", kind="empty")
    forms = read_forms(query)
    steps = [_by_name, _by_identifier]
    steps += [_by_repository, _by_workload] if forms.url_like else [_by_workload, _by_repository]
    steps.append(_by_escalation)
    for step in steps:
        found = await step(reader, forms)
        if found is not None:
            return found
    return Identification(query, nearest=await nearest(reader, forms.cores), interpreted_as="nothing in the catalog", kind="none")


def _answer(forms: _Forms, kind: str, reading: str, matches: Sequence[Candidate], others: Sequence[Candidate] = ()) -> Identification:
    merged: dict[str, Candidate] = {}
    for c in matches:
        merged.setdefault(c.key, c)
    ordered = sorted(merged.values(), key=lambda c: (c.name.lower(), c.key))
    return Identification(
        forms.text, ordered[:MAX_NAMED], interpreted_as=reading, kind=kind, others=list(others), more=max(0, len(ordered) - MAX_NAMED)
    )


async def _by_name(reader: CatalogReader, forms: _Forms) -> Identification | None:
    rows = await reader.services_named(forms.service_keys, forms.service_names)
    if not rows:
        return None
    exact = [r for r in rows if r.id in forms.service_keys]
    chosen = exact or rows
    why = "service key" if forms.name_reading == "service key" else "name"
    matches = [Candidate(r.id, r.name or r.id, why if r in exact else f"name in namespace {r.namespace}") for r in chosen]
    return _answer(forms, "service", forms.name_reading, matches)


async def _by_identifier(reader: CatalogReader, forms: _Forms) -> Identification | None:
    keys = list(
        dict.fromkeys(
            identifier_key(scheme, v) for v, allowed in forms.values for scheme in SCHEMES if allowed is None or scheme in allowed
        )
    )
    rows = await reader.identified_services(keys)
    if not rows:
        return None
    # The value the text most directly is wins: the text itself, then the forms derived from it.
    rank = {v: i for i, (v, _) in enumerate(forms.values)}
    # A name-like value is stored in its one normal form (``identifier_value``), which may be a derived form.
    rank.update(
        {
            identifier_value(s, v): i
            for i, (v, allowed) in reversed(list(enumerate(forms.values)))
            for s in (allowed or SCHEMES)
            if identifier_value(s, v) not in rank
        }
    )
    best = min(rank.get(r.value or "", len(rank)) for r in rows)
    rows = [r for r in rows if rank.get(r.value or "", len(rank)) == best]
    schemes = sorted({r.scheme or "" for r in rows})
    by_service: dict[str, list[IdentifiedService]] = defaultdict(list)
    for r in rows:
        by_service[r.id].append(r)
    matches = []
    for key, said in by_service.items():
        strongest = min(said, key=lambda r: (_STRENGTH.get(r.strength or "", 9), r.source or ""))
        evidence = "; ".join(sorted({_said(r) for r in said}))
        matches.append(Candidate(key, strongest.name or key, evidence, strength=strongest.strength, source=strongest.source))
    value = rows[0].display or rows[0].value
    reading = " or ".join(SCHEME_NAMES.get(s, s) for s in schemes) + ("" if rows[0].value == forms.text.lower() else f" {value}")
    return _answer(forms, schemes[0] if len(schemes) == 1 else "identifier", reading, matches)


_STRENGTH = {"declared": 0, "configured": 1, "inferred": 2}


def _said(row: IdentifiedService) -> str:
    scheme = SCHEME_NAMES.get(row.scheme or "", row.scheme or "")
    by = f" ({row.evidence})" if row.evidence else ""
    return f"{scheme} {row.display or row.value}{by}"


async def _by_repository(reader: CatalogReader, forms: _Forms) -> Identification | None:
    if not forms.repos:
        return None
    keys = [repository_key(host or "github.com", slug) for host, slug in forms.repos]
    slugs = list(dict.fromkeys(v for _, slug in forms.repos for v in (slug, slug.lower())))
    rows = await reader.repository_services(keys, slugs)
    hosts = {host for host, _ in forms.repos if host}
    if hosts and any(r.host in hosts for r in rows):
        rows = [r for r in rows if r.host in hosts]
    if not rows:
        return None
    repos = sorted({(r.repo, r.host or "", r.slug or r.repo) for r in rows})
    reading = "repository " + " and ".join(f"{host + '/' if host else ''}{slug}" for _, host, slug in repos)
    matches = [
        Candidate(r.id, r.name or r.id, f"built from {r.host}/{r.slug} ({r.evidence or 'BUILT_FROM'})", source=r.source)
        for r in rows
        if r.id is not None
    ]
    served = {r.repo for r in rows if r.id is not None}
    others = [Candidate(key, slug, f"repository {host}/{slug}", label="Repository") for key, host, slug in repos if key not in served]
    return _answer(forms, "repository", reading, matches, others)


async def _by_workload(reader: CatalogReader, forms: _Forms) -> Identification | None:
    if forms.workload_name is None:
        return None
    rows = await reader.workload_services([forms.workload_name, *(g.name for g in forms.pod_guesses)])
    if forms.workload_ns is not None:
        rows = [r for r in rows if (r.namespace or "").lower() == forms.workload_ns]
    if not rows:
        return None
    exact = [r for r in rows if r.wname == forms.workload_name]
    guess: _PodGuess | None = None
    if exact:
        chosen = exact
    else:
        # The longest real workload name that the pod name can stand for, of a kind that makes such pods.
        fits = [(g, r) for g in forms.pod_guesses for r in rows if r.wname == g.name]
        kind_fits = [(g, r) for g, r in fits if r.kind in g.kinds or not r.kind]
        if not kind_fits:
            return None
        longest = max(len(g.name) for g, _ in kind_fits)
        guess = next(g for g, _ in kind_fits if len(g.name) == longest)
        chosen = [r for g, r in kind_fits if len(g.name) == longest]
    unique = list({(r.workload, r.id): r for r in chosen}.values())
    where = sorted({f"{r.kind} {r.namespace}/{r.wname}" for r in unique})
    reading = ("pod of " if guess is not None else "Kubernetes workload ") + " and ".join(where)
    matches = [
        Candidate(
            r.id,
            r.name or r.id,
            f"{r.kind} {r.namespace}/{r.wname} in cluster {r.cluster} runs it ({r.evidence or 'INSTANCE_OF'})",
            strength=r.strength,
            source=r.source,
        )
        for r in unique
        if r.id is not None
    ]
    served = {r.workload for r in unique if r.id is not None}
    others = [
        Candidate(r.workload, f"{r.namespace}/{r.wname}", f"{r.kind} in cluster {r.cluster}", label="Workload")
        for r in unique
        if r.workload not in served
    ]
    return _answer(forms, "pod" if guess is not None else "workload", reading, matches, others)


async def _by_escalation(reader: CatalogReader, forms: _Forms) -> Identification | None:
    """A PagerDuty service linked by name only is written as an escalation, not as an identifier."""
    if forms.pagerduty is None:
        return None
    rows = await reader.escalating_services(forms.pagerduty)
    matches = [
        Candidate(
            r.id,
            r.name or r.id,
            f"PagerDuty service {forms.pagerduty} pages for it ({r.evidence or 'ESCALATES_VIA'})",
            strength=r.strength,
            source=r.source,
        )
        for r in rows
        if forms.pagerduty in str(r.ids or "").split(",")
    ]
    reading = "PagerDuty service id" + ("" if forms.pagerduty == forms.text else f" {forms.pagerduty}")
    return _answer(forms, "pagerduty-service", reading, matches) if matches else None


# -- nearest candidates --------------------------------------------------------------------------


def _tokens(cores: Sequence[str]) -> list[str]:
    tokens: dict[str, None] = {}
    for core in cores:
        if len(core) >= _MIN_TOKEN:
            tokens[core] = None
    for core in cores:
        for word in _WORDS.findall(core):
            if len(word) >= _MIN_TOKEN:
                tokens[word] = None
    return list(tokens)[:8]


async def nearest(reader: CatalogReader, cores: Sequence[str], limit: int = NEAREST) -> list[Candidate]:
    """The services whose names or aliases come closest to ``cores`` (the name-like parts of the text).

    First services whose search text or aliases contain a token of the text; when fewer than
    ``limit`` turn up, also services whose names share the first two letters, ranked by
    string similarity. Both reads are bounded.
    """
    cores = [c for c in cores if c][:6]
    if not cores:
        return []
    tokens = _tokens(cores)
    rows: list[ServiceAliases] = await reader.services_containing(tokens, NEAR_ROWS) if tokens else []
    if len({r.id for r in rows}) < limit:
        prefixes = sorted({c[:2] for c in cores if len(c) >= 2})
        if prefixes:
            rows += await reader.services_starting(prefixes, SIMILAR_ROWS)
    scored: dict[str, tuple[float, Candidate]] = {}
    for row in rows:
        if row.id in scored:
            continue
        found = _score(cores, tokens, row)
        if found is not None:
            scored[row.id] = found
    ranked = sorted(scored.values(), key=lambda item: (-item[0], item[1].name.lower(), item[1].key))
    return [candidate for _, candidate in ranked[:limit]]


def _score(cores: Sequence[str], tokens: Sequence[str], row: ServiceAliases) -> tuple[float, Candidate] | None:
    name = row.name or row.id
    lname = name.lower()
    aliases = row.aliases
    best: tuple[float, str] = (0.0, "")
    for core in cores:
        if core == lname:
            return 1.0, Candidate(row.id, name, f"named {core!r}, like the identifier")
        for alias in aliases:
            if core == alias.lower():
                best = max(best, (0.95, f"alias {alias!r}"))
        ratio = difflib.SequenceMatcher(None, core, lname).ratio()
        best = max(best, (ratio, f"similar name ({round(ratio * 100)}% alike)"))
    for token in tokens:
        if token in lname:
            best = max(best, (0.6 + 0.3 * len(token) / max(len(lname), 1), f"name contains {token!r}"))
        for alias in aliases:
            if token in alias.lower():
                best = max(best, (0.55 + 0.3 * len(token) / max(len(alias), 1), f"alias {alias!r} contains {token!r}"))
    if best[0] < _MIN_SIMILARITY:
        return None
    return best[0], Candidate(row.id, name, best[1])

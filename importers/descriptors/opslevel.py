"""OpsLevel ``opslevel.yml`` (config as code, version 1) → service and repository descriptors.

A service file has a ``service:`` section (``component:`` in OpsLevel's newer spelling)::

    version: 1
    service:
      name: Shopping Cart Service
      owner: order_management_team        # an OpsLevel team alias
      lifecycle: generally_available
      tier: tier_1
      aliases: [cart, shopping-cart]
      tags: [{key: db, value: mysql}]
      repositories: [{name: github.com/acme/cart, path: /, provider: github}]
      tools: [{name: Runbook, category: runbooks, url: https://..., environment: Production}]
      dependencies: [{alias: catalog_service}]
      alert_sources: [{type: pagerduty, external_id: PAQ8CJA}]

A repository file has a ``repository:`` section with ``owner`` (and ``tier``, ``tags``): it
states who owns the repository the file lives in, which is read from the git checkout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from importers.backstage.repository import Repository
from importers.backstage.yaml_lines import Path as FieldPath
from importers.descriptors.build import Format
from importers.descriptors.common import (
    DEFAULT_MAX_FILE_BYTES,
    DependencyRef,
    OwnerRef,
    PagerDutyRef,
    RepositoryDescriptor,
    RepositoryRef,
    ServiceDescriptor,
    service_key,
    snake_alias,
    team_key,
    team_lookups,
)
from importers.descriptors.fields import Doc, describe
from importers.descriptors.files import repository_from_slug, repository_from_url
from importers.descriptors.reader import Parsed, invalid_document, read_descriptors

SOURCE = "opslevel"
LABEL = "opslevel.yml"
FILE_NAMES = ("opslevel.yml", "opslevel.yaml")
FORMAT = Format(SOURCE, LABEL)

PROVIDER_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
_PAGERDUTY_SERVICE_URL = re.compile(r"\.pagerduty\.com/(?:services|service-directory)/([A-Z0-9]{4,})(?:[/?#]|$)")
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def read_opslevel(
    paths: Sequence[Path | str],
    *,
    index: IdentityIndex | None = None,
    instance: str | None = None,
    namespace: str = "default",
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ImportBatch:
    """Read ``opslevel.yml`` files (folders are walked for ``opslevel.yml``/``opslevel.yaml``).

    ``index`` is what the catalog already holds: services it knows are attached to, not
    redeclared. The result is deterministic for the same files and index.
    """
    return read_descriptors(
        FORMAT, FILE_NAMES, parse, paths, index=index, instance=instance, namespace=namespace, max_file_bytes=max_file_bytes
    )


def parse(doc: Doc, namespace: str, checkout: Repository | None) -> Parsed:
    value = doc.document.value
    if not isinstance(value, dict):
        return invalid_document(
            doc,
            f"{LABEL} {doc.file} document {doc.document.index} is {describe(value)}, not a mapping with a service: or repository: section",
            "write the file as in OpsLevel's docs: version: 1, then service: with name, owner, ...",
        )
    version = doc.raw(("version",))
    if version is not None and str(version).strip() != "1":
        doc.report(
            "unsupported-version",
            "warning",
            ("version",),
            f"{LABEL} {doc.file} declares version {version!r}; only version 1 is known, and the file is read as version 1",
            "write version: 1",
        )
    for section in ("service", "component"):
        if doc.raw((section,)) is not None:
            return _service(doc, section, namespace, checkout)
    if doc.raw(("repository",)) is not None:
        return _repository(doc, namespace, checkout)
    return invalid_document(
        doc,
        f"{LABEL} {doc.file} has no service: (or component:) section and no repository: section, so it describes nothing",
        "add a service: section with at least name: (or a repository: section with owner:)",
    )


def _service(doc: Doc, section: str, namespace: str, checkout: Repository | None) -> Parsed:
    s: FieldPath = (section,)
    if doc.mapping(s, fix=f"write {section}: as a mapping with name:, owner:, ...") is None:
        return Parsed(failed=True)
    name = doc.string((*s, "name"))
    if name is None:
        return invalid_document(
            doc,
            f"{LABEL} {doc.file} has no {section}.name, so the service cannot be identified; nothing in it is imported "
            "and what it stated before is kept",
            f"add {section}.name",
            kind="missing-field",
        )
    doc.record = name
    doc.subject = service_key(namespace, name)

    aliases = list(
        dict.fromkeys(text for _, text in doc.strings((*s, "aliases"), fix="write aliases as a list: aliases: [cart, shopping-cart]"))
    )
    labels = {k: doc.string((*s, k)) for k in ("product", "language", "framework", "system")}
    links, pagerduty = _tools(doc, s)
    tags = _tags(doc, s)
    description = doc.string((*s, "description"))
    props = {
        "description": description,
        "type": (doc.string((*s, "type")) if section == "component" else None) or "service",
        "lifecycle": doc.string((*s, "lifecycle")),
        "tier": doc.string((*s, "tier")),
        "tags": tags,
        "labels": json.dumps({k: v for k, v in labels.items() if v}, sort_keys=True) if any(labels.values()) else None,
        "links": json.dumps(links) if links else None,
        "search_text": " ".join(w for w in (name, description, *tags) if w).lower(),
    }
    descriptor = ServiceDescriptor(
        origin=doc.origin,
        name=name,
        name_at=doc.where((*s, "name")),
        own_id=snake_alias(name),
        props=props,
        aliases=aliases,
        aliases_evidence=doc.evidence((*s, "aliases")),
    )
    owner = doc.string((*s, "owner"), fix=f"write {section}.owner as the owning team's alias, e.g. owner: orders_team")
    if owner is not None:
        descriptor.owners.append(_team(doc, (*s, "owner"), owner, namespace))
    descriptor.repositories = _repositories(doc, s, checkout)
    descriptor.dependencies = _dependencies(doc, s)
    descriptor.pagerduty = list({p.service_id: p for p in [*_alert_sources(doc, s, descriptor.alert_sources), *pagerduty]}.values())
    return Parsed(descriptor)


def _repository(doc: Doc, namespace: str, checkout: Repository | None) -> Parsed:
    s: FieldPath = ("repository",)
    if doc.mapping(s, fix="write repository: as a mapping with owner:, tier:, tags:") is None:
        return Parsed(failed=True)
    if checkout is None:
        doc.report(
            "unknown-repository",
            "warning",
            s,
            f"{LABEL} {doc.file} describes the repository it lives in, but it is not inside a git checkout with an origin remote "
            "(looked for up to the folder given), so which repository is unknown; its owner is not recorded",
            "import the folder holding the git checkout (with its .git directory), or state the owner in the service's opslevel.yml",
        )
        return Parsed()
    doc.record = checkout.slug
    doc.subject = checkout.key
    descriptor = RepositoryDescriptor(doc.origin, checkout)
    owner = doc.string((*s, "owner"), fix="write repository.owner as the owning team's alias, e.g. owner: orders_team")
    if owner is not None:
        descriptor.owners.append(_team(doc, (*s, "owner"), owner, namespace))
    return Parsed(descriptor)


def _team(doc: Doc, path: FieldPath, alias: str, namespace: str) -> OwnerRef:
    return OwnerRef(alias, "Team", team_lookups(alias, namespace), team_key(namespace, alias), doc.where(path), doc.evidence(path))


def _tags(doc: Doc, s: FieldPath) -> list[str]:
    tags = []
    for item in doc.mappings((*s, "tags"), fix="write tags as a list of pairs: - key: db, value: mysql"):
        key = doc.string((*item, "key"))
        if key is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no key; the tag is ignored", "add key: to the tag")
            continue
        value = doc.string((*item, "value"))
        tags.append(f"{key}:{value}" if value is not None else key)
    return list(dict.fromkeys(tags))


def _tools(doc: Doc, s: FieldPath) -> tuple[list[dict[str, str]], list[PagerDutyRef]]:
    """Tools become links; a PagerDuty service page among them names the service's PagerDuty service."""
    links: list[dict[str, str]] = []
    pagerduty: list[PagerDutyRef] = []
    for item in doc.mappings((*s, "tools"), fix="write tools as a list of - name:, category:, url:, environment:"):
        url = doc.string((*item, "url"))
        if url is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no url; the tool is ignored", "add url: to the tool")
            continue
        name, category, environment = (doc.string((*item, k)) for k in ("name", "category", "environment"))
        link = {"url": url, "title": f"{name or category or url} ({environment})" if environment else (name or category or url)}
        if category:
            link["type"] = category
        links.append(link)
        found = _PAGERDUTY_SERVICE_URL.search(url)
        if found:
            pagerduty.append(PagerDutyRef(found.group(1), doc.evidence((*s, "tools"))))
    return links, pagerduty


def _alert_sources(doc: Doc, s: FieldPath, others: list[tuple[str, str, str]] | None = None) -> list[PagerDutyRef]:
    """PagerDuty alert sources; every other type (Datadog, Opsgenie, New Relic, ...) goes to ``others``."""
    found = []
    for item in doc.mappings((*s, "alert_sources"), fix="write alert_sources as a list of - type: pagerduty, external_id: PXXXXXX"):
        kind = doc.string((*item, "type"))
        external_id = doc.string((*item, "external_id"))
        if (kind or "").lower() != "pagerduty":
            value = external_id or doc.string((*item, "name"))
            if others is not None and kind and value:
                others.append((kind.strip().lower(), value.strip(), doc.evidence((*s, "alert_sources"))))
            elif others is not None:
                doc.report(
                    "missing-field",
                    "warning",
                    item,
                    f"{doc.of(item)} is an alert source without a type and an external_id or name; it is ignored",
                    "write - type: datadog, external_id: <monitor or service id>",
                )
            continue
        if external_id is None:
            doc.report(
                "missing-field",
                "warning",
                item,
                f"{doc.of(item)} is a PagerDuty alert source without external_id; it is ignored",
                "add external_id:",
            )
            continue
        found.append(PagerDutyRef(external_id, doc.evidence((*s, "alert_sources"))))
    return found


def _repositories(doc: Doc, s: FieldPath, checkout: Repository | None) -> list[RepositoryRef]:
    found: dict[str, RepositoryRef] = {}
    fix = "write repositories as a list of - name: org/repo (or github.com/org/repo), provider: github"
    for item in doc.mappings((*s, "repositories"), fix=fix):
        text = doc.string((*item, "name"))
        if text is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no name; the repository is ignored", fix)
            continue
        repository = _parse_repository(text, doc.string((*item, "provider")))
        if repository is None:
            doc.report(
                "invalid-field", "warning", (*item, "name"), f"{doc.of((*item, 'name'))} is {text!r}, which names no repository", fix
            )
            continue
        found.setdefault(repository.key, RepositoryRef(repository, doc.evidence((*s, "repositories"))))
    if not found and checkout is not None:
        # OpsLevel links a service to the repository its opslevel.yml lives in.
        found[checkout.key] = RepositoryRef(checkout, f"{LABEL} location (git remote)")
    return list(found.values())


def _parse_repository(text: str, provider: str | None) -> Repository | None:
    if "://" in text or text.startswith("git@"):
        return repository_from_url(text)
    segments = [p for p in text.strip().strip("/").split("/") if p]
    if len(segments) >= 3 and _HOST.match(segments[0].lower()):
        return repository_from_slug(segments[0], "/".join(segments[1:]))
    host = PROVIDER_HOSTS.get((provider or "github").strip().lower(), "github.com")
    return repository_from_slug(host, "/".join(segments))


def _dependencies(doc: Doc, s: FieldPath) -> list[DependencyRef]:
    found = []
    fix = "write dependencies as a list of - alias: other_service"
    for item in doc.mappings((*s, "dependencies"), fix=fix):
        alias = doc.string((*item, "alias"))
        if alias is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no alias; the dependency is ignored", fix)
            continue
        found.append(DependencyRef(alias, doc.where((*item, "alias")), doc.evidence((*s, "dependencies"))))
    return found

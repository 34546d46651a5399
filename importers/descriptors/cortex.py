"""Cortex ``cortex.yaml`` entity descriptors → service descriptors.

A descriptor is an OpenAPI document whose ``info`` carries Cortex's extensions::

    openapi: 3.0.1
    info:
      title: Payments API
      description: Takes money.
      x-cortex-tag: payments-api              # the entity's id
      x-cortex-type: service                  # service (default), team, domain or a custom type
      x-cortex-owners:
        - {type: group, name: payments-team, provider: CORTEX}
        - {type: group, name: acme/payments, provider: GITHUB}
        - {type: email, email: alice@acme.example}
      x-cortex-oncall: {pagerduty: {id: PABC123, type: SERVICE}}
      x-cortex-dependency: [{tag: fraud-service, method: POST, path: /v1/evaluate}]
      x-cortex-git: {github: {repository: acme/payments}}
      x-cortex-link: [{name: Runbook, type: runbook, url: https://...}]
      x-cortex-groups: [tier-1, java]
      x-cortex-custom-metadata: {tier: tier-1, lifecycle: production}

Only service entities are imported; teams, domains and custom types are reported and skipped.
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
    RepositoryRef,
    ServiceDescriptor,
    person_key,
    service_key,
    team_key,
    team_lookups,
)
from importers.descriptors.fields import Doc, describe
from importers.descriptors.files import repository_from_slug
from importers.descriptors.reader import Parsed, invalid_document, read_descriptors

SOURCE = "cortex"
LABEL = "cortex.yaml"
FILE_NAMES = ("cortex.yaml", "cortex.yml")
FORMAT = Format(SOURCE, LABEL)

GIT_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
_TIER_GROUP = re.compile(r"^tier[-_ ]?\d+$", re.IGNORECASE)
_INFO: FieldPath = ("info",)


def read_cortex(
    paths: Sequence[Path | str],
    *,
    index: IdentityIndex | None = None,
    instance: str | None = None,
    namespace: str = "default",
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ImportBatch:
    """Read ``cortex.yaml`` files (folders are walked for ``cortex.yaml``/``cortex.yml``).

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
            f"{LABEL} {doc.file} document {doc.document.index} is {describe(value)}, not an OpenAPI document with info:",
            "write the descriptor as in Cortex's docs: openapi: 3.0.1, then info: with title and x-cortex-tag",
        )
    if doc.mapping(_INFO, fix="write info: as a mapping with title:, x-cortex-tag:, ...") is None:
        if doc.raw(_INFO) is not None:
            return Parsed(failed=True)
        return invalid_document(
            doc, f"{LABEL} {doc.file} has no info: section, so it describes nothing", "add info: with title and x-cortex-tag"
        )
    tag = doc.string((*_INFO, "x-cortex-tag"))
    if tag is None:
        return invalid_document(
            doc,
            f"{LABEL} {doc.file} has no info.x-cortex-tag, so the entity cannot be identified; nothing in it is imported "
            "and what it stated before is kept",
            "add info.x-cortex-tag (the entity's unique tag)",
            kind="missing-field",
        )
    doc.record = tag
    entity_type = doc.string((*_INFO, "x-cortex-type")) or "service"
    if entity_type.lower() != "service":
        doc.report(
            "unsupported-entity",
            "info",
            (*_INFO, "x-cortex-type"),
            f"{LABEL} {doc.file} describes {tag!r}, a Cortex {entity_type} entity; only services are imported",
            "nothing to do; import teams and domains from Backstage or the identity provider",
        )
        return Parsed()
    doc.subject = service_key(namespace, tag)

    title = doc.string((*_INFO, "title"))
    description = doc.string((*_INFO, "description"))
    groups = [
        t for p in ("x-cortex-groups", "x-cortex-service-groups") for _, t in doc.strings((*_INFO, p), fix=f"write {p} as a list of names")
    ]
    groups = list(dict.fromkeys(groups))
    metadata = doc.mapping((*_INFO, "x-cortex-custom-metadata"), fix="write x-cortex-custom-metadata as a mapping of keys to values")
    tier = _metadata(doc, metadata, "tier") or next((g for g in groups if _TIER_GROUP.match(g)), None)
    links = _links(doc)
    props = {
        "title": title,
        "description": description,
        "type": "service",
        "lifecycle": _metadata(doc, metadata, "lifecycle"),
        "tier": tier,
        "tags": groups,
        "links": json.dumps(links) if links else None,
        "search_text": " ".join(w for w in (tag, title, description, *groups) if w).lower(),
    }
    descriptor = ServiceDescriptor(
        origin=doc.origin,
        name=tag,
        name_at=doc.where((*_INFO, "x-cortex-tag")),
        own_id=tag,
        props=props,
        # The title is how people name the service: an alias when it differs from the tag.
        aliases=[title] if title and title.strip().lower() != tag.lower() else [],
        aliases_evidence=doc.evidence((*_INFO, "title")),
    )
    descriptor.owners = _owners(doc, namespace)
    descriptor.pagerduty = _oncall(doc)
    descriptor.alert_sources = _alert_sources(doc)
    descriptor.dependencies = _dependencies(doc)
    descriptor.repositories = _git(doc, checkout)
    return Parsed(descriptor)


def _metadata(doc: Doc, metadata: dict[object, object] | None, key: str) -> str | None:
    """``tier: tier-1`` or ``tier: {value: tier-1, description: ...}`` in x-cortex-custom-metadata."""
    if metadata is None or metadata.get(key) is None:
        return None
    path: FieldPath = (*_INFO, "x-cortex-custom-metadata", key)
    if isinstance(metadata[key], dict):
        path = (*path, "value")
    return doc.string(path)


def _owners(doc: Doc, namespace: str) -> list[OwnerRef]:
    owners: list[OwnerRef] = []
    field: FieldPath = (*_INFO, "x-cortex-owners")
    fix = "write x-cortex-owners as a list of - type: group, name: TEAM (or - type: email, email: ADDRESS)"
    for item in doc.mappings(field, fix=fix):
        kind = (doc.string((*item, "type")) or "").lower()
        if kind == "group":
            name = doc.string((*item, "name"))
            if name is None:
                doc.report("missing-field", "warning", item, f"{doc.of(item)} is a group owner without name; it is ignored", fix)
                continue
            provider = (doc.string((*item, "provider")) or "CORTEX").upper()
            team = name.rsplit("/", 1)[-1] if "/" in name else name
            lookups = ((("github", name),) if provider == "GITHUB" else ()) + team_lookups(team, namespace)
            owners.append(OwnerRef(name, "Team", lookups, team_key(namespace, team), doc.where((*item, "name")), doc.evidence(field)))
        elif kind == "email":
            email = doc.string((*item, "email"))
            if email is None:
                doc.report("missing-field", "warning", item, f"{doc.of(item)} is an email owner without email; it is ignored", fix)
                continue
            fallback = person_key(namespace, email.split("@", 1)[0])
            owners.append(OwnerRef(email, "Person", (("email", email),), fallback, doc.where((*item, "email")), doc.evidence(field)))
        elif kind == "slack":
            continue  # a channel to notify, not an owner
        else:
            doc.report(
                "invalid-field",
                "warning",
                (*item, "type"),
                f"{doc.of((*item, 'type'))} is {kind or 'missing'!r}; the owner is ignored",
                "write type: group (with name and provider) or type: email (with email)",
            )
    return owners


def _oncall(doc: Doc) -> list[PagerDutyRef]:
    field: FieldPath = (*_INFO, "x-cortex-oncall", "pagerduty")
    if doc.mapping((*_INFO, "x-cortex-oncall"), fix="write x-cortex-oncall as pagerduty: {id: PXXXXXX, type: SERVICE}") is None:
        return []
    if doc.mapping(field, fix="write x-cortex-oncall.pagerduty as {id: PXXXXXX, type: SERVICE}") is None:
        return []
    pagerduty_id = doc.string((*field, "id"))
    kind = (doc.string((*field, "type")) or "").upper()
    if pagerduty_id is None:
        doc.report(
            "missing-field", "warning", field, f"{doc.of(field)} has no id; the on-call is not linked", "add id: with the PagerDuty id"
        )
        return []
    if kind == "SERVICE":
        return [PagerDutyRef(pagerduty_id, doc.evidence(field))]
    if kind in ("SCHEDULE", "ESCALATION_POLICY"):
        doc.report(
            "not-linked",
            "info",
            (*field, "type"),
            f"{doc.of(field)} names PagerDuty {kind.lower().replace('_', ' ')} {pagerduty_id}, not a PagerDuty service; "
            "the catalog links on-call through services, so it is not linked",
            "point x-cortex-oncall.pagerduty at the PagerDuty service (type: SERVICE), or give the service a "
            "pagerduty.com/service-id annotation in Backstage",
            reference=pagerduty_id,
        )
        return []
    doc.report(
        "invalid-field",
        "warning",
        (*field, "type"),
        f"{doc.of((*field, 'type'))} is {kind or 'missing'!r}; the on-call is not linked",
        "write type: SERVICE, SCHEDULE or ESCALATION_POLICY",
    )
    return []


def _alert_sources(doc: Doc) -> list[tuple[str, str, str]]:
    """On-call and alert tools other than PagerDuty, kept as identifiers: ``x-cortex-oncall.opsgenie`` or
    ``.victorops`` (``{id, type}``), and ``x-cortex-alerts`` items (``{type, tag, value}``)."""
    found: list[tuple[str, str, str]] = []
    oncall: FieldPath = (*_INFO, "x-cortex-oncall")
    if isinstance(doc.raw(oncall), dict):
        for tool in sorted(k for k in doc.raw(oncall) if isinstance(k, str) and k.lower() != "pagerduty"):
            field: FieldPath = (*oncall, tool)
            if doc.mapping(field, fix=f"write x-cortex-oncall.{tool} as {{id: ..., type: ...}}") is None:
                continue
            value = doc.string((*field, "id"))
            if value is not None:
                found.append((tool.lower(), value, doc.evidence(field)))
    alerts: FieldPath = (*_INFO, "x-cortex-alerts")
    for item in doc.mappings(alerts, fix="write x-cortex-alerts as a list of - type: datadog, tag: ..., value: ..."):
        kind = doc.string((*item, "type"))
        value = doc.string((*item, "value")) or doc.string((*item, "tag"))
        if kind and value:
            found.append((kind.strip().lower(), value.strip(), doc.evidence(alerts)))
        else:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no type and value; it is ignored", "write type: and value:")
    return found


def _dependencies(doc: Doc) -> list[DependencyRef]:
    found = []
    field: FieldPath = (*_INFO, "x-cortex-dependency")
    fix = "write x-cortex-dependency as a list of - tag: other-service (with optional method, path, description)"
    for item in doc.mappings(field, fix=fix):
        tag = doc.string((*item, "tag"))
        if tag is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no tag; the dependency is ignored", fix)
            continue
        method, path = doc.string((*item, "method")), doc.string((*item, "path"))
        endpoint = " ".join(p for p in (method.upper() if method else None, path) if p)
        evidence = doc.evidence(field) + (f" ({endpoint})" if endpoint else "")
        found.append(DependencyRef(tag, doc.where((*item, "tag")), evidence))
    return found


def _git(doc: Doc, checkout: Repository | None) -> list[RepositoryRef]:
    field: FieldPath = (*_INFO, "x-cortex-git")
    found: list[RepositoryRef] = []
    if doc.mapping(field, fix="write x-cortex-git as github: {repository: org/repo}") is not None:
        for provider, host in GIT_HOSTS.items():
            if doc.raw((*field, provider)) is None:
                continue
            path: FieldPath = (*field, provider, "repository")
            text = doc.string(path)
            repository = repository_from_slug(host, text) if text else None
            if repository is None:
                doc.report(
                    "invalid-field",
                    "warning",
                    path,
                    f"{doc.of(path)} is {text!r}, which names no repository" if text else f"{doc.of(path)} is missing",
                    f"write {provider}: {{repository: org/repo}}",
                )
                continue
            found.append(RepositoryRef(repository, doc.evidence(field)))
    if not found and checkout is not None:
        # A cortex.yaml in a repository describes the service built from it.
        found.append(RepositoryRef(checkout, f"{LABEL} location (git remote)"))
    return found


def _links(doc: Doc) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    for item in doc.mappings((*_INFO, "x-cortex-link"), fix="write x-cortex-link as a list of - name:, type:, url:"):
        url = doc.string((*item, "url"))
        if url is None:
            doc.report("missing-field", "warning", item, f"{doc.of(item)} has no url; the link is ignored", "add url: to the link")
            continue
        link = {"url": url, "title": doc.string((*item, "name")) or url}
        kind = doc.string((*item, "type"))
        if kind:
            link["type"] = kind.lower()
        links.append(link)
    return links

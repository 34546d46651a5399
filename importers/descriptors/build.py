"""Parsed descriptors → records, resolved against the catalog the import runs into.

A descriptor usually describes a service that Backstage (or another source) already
declares. Each one is resolved against the identity index: when it names another source's
service, this import only attaches its facts to it (owners, identifiers, repositories,
dependencies); otherwise it declares the service itself.

The service it declares is a *weak* record: it is created when nobody holds that key and
refreshed while this source instance holds it, but never overwrites a node another source
holds. So when Backstage later declares the same service, Backstage's record wins and the
descriptor's facts stay attached as edges, instead of the two sources taking turns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from catalog.core.identity import IdentityIndex, Match, identifier_records, name_token
from catalog.core.model import BUILT_FROM, DEPENDS_ON, IDENTIFIER, IDENTIFIES, OWNS, REPOSITORY, SERVICE, TEAM
from catalog.core.records import Finding, NodeRecord, RelRecord
from catalog.core.refs import entity_key
from importers.backstage.rel_set import Node, RelSet
from importers.backstage.repository import Repository
from importers.descriptors.common import (
    DependencyRef,
    OwnerRef,
    RepositoryDescriptor,
    ServiceDescriptor,
    service_key,
)


@dataclass(frozen=True)
class Format:
    source: str
    """The importer's name and identifier scheme: ``opslevel`` or ``cortex``."""
    label: str
    """The file name users know: ``opslevel.yml``, ``cortex.yaml``."""


@dataclass(frozen=True)
class _Accepted:
    descriptor: ServiceDescriptor
    key: str
    declare: bool


class Builder:
    def __init__(self, fmt: Format, namespace: str, index: IdentityIndex) -> None:
        self.fmt = fmt
        self.namespace = namespace
        self.index = index
        self.nodes: dict[tuple[str, str], NodeRecord] = {}
        self.rels = RelSet()
        self.findings: list[Finding] = []
        self._names: dict[str, set[str]] = defaultdict(set)
        self._own_teams: set[str] = set()

    def run(self, services: list[ServiceDescriptor], repositories: list[RepositoryDescriptor]) -> tuple[list[NodeRecord], list[RelRecord]]:
        accepted = self._first_of_each(services)
        for item in accepted:
            d = item.descriptor
            for text in (d.name, d.own_id, *d.aliases):
                self._names[name_token(text) or text.strip().lower()].add(item.key)
        for item in accepted:
            self._service(item)
        for repository in repositories:
            self._repository_owners(repository)
        nodes = sorted(self.nodes.values(), key=lambda n: (n.label, n.id))
        records = self.rels.records()
        for record in records:
            if record.type == OWNS.type and record.src_id in self._own_teams:
                record.props["strength"] = "inferred"  # a team only this source declares: weaker than a declared one
        return nodes, records

    # -- which service ---------------------------------------------------------------------

    def _first_of_each(self, services: list[ServiceDescriptor]) -> list[_Accepted]:
        taken: dict[str, ServiceDescriptor] = {}
        accepted: list[_Accepted] = []
        for d in services:
            key = self._resolve(d)
            first = taken.get(key)
            if first is not None:
                self.findings.append(
                    Finding(
                        "duplicate-entity",
                        "error",
                        f"{self.fmt.label} for {d.name!r} describes {key}, which {first.name_at.file} (line {first.name_at.line}) already "
                        "describes; the first descriptor is kept and this one is not imported",
                        fix="remove one of the two descriptors, or rename one of the services",
                        subject=key,
                        field=d.name_at.field,
                        reference=first.name_at.file,
                        file=d.name_at.file,
                        line=d.name_at.line,
                    )
                )
                continue
            taken[key] = d
            accepted.append(_Accepted(d, key, key == service_key(self.namespace, d.name)))
        return accepted

    def _resolve(self, d: ServiceDescriptor) -> str:
        """The service ``d`` describes: another source's service when the catalog knows one, else its own key.

        Lookups go strongest first: PagerDuty service ids, the name, the aliases, the one
        repository it names, then this format's own id from an earlier import. The index also
        returns the service this import declared itself (its own key); another service found
        by the same evidence is preferred, so a descriptor imported before Backstage moves onto
        Backstage's service once Backstage declares it under another name. Only when several
        services share the descriptor's *name* (one per namespace) does its own key win.
        """
        own = service_key(self.namespace, d.name)
        ambiguous: set[str] = set()
        for kind, (match, several) in self._lookups(d):
            found = {match.key} if match is not None else set(several)
            if kind == "name" and own in found and len(found) > 1:
                return own
            others = found - {own}
            if len(others) == 1:
                return next(iter(others))
            if len(others) > 1 and kind != "repository":  # a monorepo builds many services: not a conflict
                ambiguous |= others
        if ambiguous:
            self.findings.append(
                Finding(
                    "ambiguous-reference",
                    "warning",
                    f"{self.fmt.label} for {d.name!r} matches several services ({', '.join(sorted(ambiguous))}); "
                    f"it is imported as {own} of its own",
                    fix="give the service an alias or PagerDuty service id that names exactly one service, or rename it",
                    subject=own,
                    field=d.name_at.field,
                    reference=d.name,
                    file=d.name_at.file,
                    line=d.name_at.line,
                )
            )
        return own

    def _lookups(self, d: ServiceDescriptor) -> Iterator[tuple[str, tuple[Match | None, list[str]]]]:
        for p in d.pagerduty:
            yield "pagerduty", self.index.service(identifiers=[("pagerduty-service", p.service_id)])
        yield "name", self.index.service(name=d.name)
        for alias in d.aliases:
            yield "alias", self.index.service(aliases=[alias])
        if len(d.repositories) == 1:
            yield "repository", self.index.service(repository=d.repositories[0].repository.slug)
        yield "own", self.index.service(identifiers=[(self.fmt.source, d.own_id)])

    # -- one service -----------------------------------------------------------------------

    def _service(self, item: _Accepted) -> None:
        d = item.descriptor
        node: Node = (SERVICE.label, item.key)
        if item.declare:
            props = {p.name: d.props.get(p.name) for p in SERVICE.props}
            props.update(namespace=self.namespace, name=d.name, aliases=list(d.aliases))
            self._node(NodeRecord(SERVICE.label, item.key, props, d.origin, weak=True))
        named = [(self.fmt.source, d.own_id, f"{self.fmt.label} {d.name_at.field}")]
        named += [("alias", alias, d.aliases_evidence) for alias in d.aliases]
        named += [("pagerduty-service", p.service_id, p.evidence) for p in d.pagerduty]
        named += [("alert-source", f"{kind}:{value}", evidence) for kind, value, evidence in d.alert_sources]
        for scheme, value, evidence in named:
            ident, _ = identifier_records(scheme, value, node, d.origin, strength="declared", evidence=evidence)
            self._node(ident)
            # Through the RelSet, so an identifier stated twice (an alias that is also the id) is one edge.
            self.rels.add(IDENTIFIES, (IDENTIFIER.label, ident.id), node, d.origin, evidence=evidence)
        for owner in d.owners:
            self._owner(owner, node, d.name, d.origin)
        self._built_from(node, ((r.repository, r.evidence) for r in d.repositories), d.origin)
        for dependency in d.dependencies:
            self._dependency(dependency, item, node)

    def _node(self, record: NodeRecord) -> None:
        self.nodes.setdefault((record.label, record.id), record)

    def _built_from(self, node: Node, repositories: Iterable[tuple[Repository, str]], origin: str) -> None:
        for repository, evidence in repositories:
            self._repository_node(repository, origin)
            self.rels.add(BUILT_FROM, node, (REPOSITORY.label, repository.key), origin, evidence=evidence)

    def _repository_node(self, repository: Repository, origin: str) -> None:
        props = {
            "host": repository.host,
            "slug": repository.slug,
            "url": repository.url,
            "name": repository.name,
            "search_text": f"{repository.name} {repository.slug}".lower(),
        }
        # Weak: GitHub, when imported, is the repository's system of record.
        self._node(NodeRecord(REPOSITORY.label, repository.key, props, origin, weak=True))

    # -- references ------------------------------------------------------------------------

    def _owner(self, owner: OwnerRef, node: Node, record: str, origin: str) -> None:
        lookup = self.index.team if owner.label == TEAM.label else self.index.person
        what = "team" if owner.label == TEAM.label else "person"
        target, if_missing = owner.fallback, None
        own = f"group:{self.fmt.source}/"
        for system, handle in owner.lookups:
            # This source's own teams (below) are not matches: the owner resolves the same way on every read.
            keys = {k for k in lookup(system, handle) if not k.startswith(own)}
            if len(keys) == 1:
                target = next(iter(keys))
                break
            if len(keys) > 1:
                self.findings.append(
                    Finding(
                        "ambiguous-reference",
                        "warning",
                        f"{owner.where.field} of {record} ({self.fmt.label}) names {owner.text!r}, which matches several "
                        f"{what}s ({', '.join(sorted(keys))}); no owner is recorded from it",
                        fix=f"name the {what} so it matches exactly one",
                        subject=node[1],
                        field=owner.where.field,
                        reference=owner.text,
                        file=owner.where.file,
                        line=owner.where.line,
                    )
                )
                return
        else:
            if owner.label == TEAM.label:
                target = self._own_team(owner, node, record, origin)
                self.rels.add(OWNS, (owner.label, target), node, origin, evidence=owner.evidence)
                return
            if_missing = Finding(
                "unknown-reference",
                "error",
                f"{owner.where.field} of {record} ({self.fmt.label}) names the {what} {owner.text!r}, which the catalog does not know; "
                f"the ownership is not recorded until {owner.fallback} exists",
                fix=f"import or declare the {what} (e.g. a Backstage Group named {owner.fallback.split('/', 1)[-1]}), "
                f"or correct {owner.where.field}",
                subject=node[1],
                field=owner.where.field,
                reference=owner.fallback,
                file=owner.where.file,
                line=owner.where.line,
            )
        self.rels.add(OWNS, (owner.label, target), node, origin, evidence=owner.evidence, if_missing=if_missing)

    def _own_team(self, owner: OwnerRef, node: Node, record: str, origin: str) -> str:
        """A team that only this source names: recorded as this source's team (``group:<source>/<name>``), with
        weaker evidence and a finding. Once another source declares a team of that name, the owner
        resolves to it and this one is retired (the next read no longer states it)."""
        name = owner.text.strip().split("/")[-1].removeprefix("group:")
        key = entity_key("group", self.fmt.source, name_token(name) or name.lower())
        self._own_teams.add(key)
        props = {"namespace": self.fmt.source, "name": name, "display_name": name, "type": "team", "search_text": name.lower()}
        self._node(NodeRecord(TEAM.label, key, props, origin))
        self.findings.append(
            Finding(
                "source-only-team",
                "warning",
                f"{owner.where.field} of {record} ({self.fmt.label}) names the team {owner.text!r}, which only {self.fmt.label} "
                f"declares; it is recorded as {key}, with weaker (inferred) evidence",
                fix=f"declare the team (e.g. a Backstage Group named {name_token(name) or name}) so the ownership links to it, "
                f"or correct {owner.where.field}",
                subject=node[1],
                field=owner.where.field,
                reference=key,
                file=owner.where.file,
                line=owner.where.line,
            )
        )
        return key

    def _dependency(self, dependency: DependencyRef, item: _Accepted, node: Node) -> None:
        where = dependency.where
        text = dependency.text
        keys = self._names.get(name_token(text) or text.strip().lower(), set())
        several: list[str] = sorted(keys) if len(keys) > 1 else []
        target = next(iter(keys)) if len(keys) == 1 else None
        if target is None and not several:
            match, several = self.index.service(identifiers=[(self.fmt.source, text), ("alias", text)], name=text, aliases=[text])
            target = match.key if match else None
        if several:
            self.findings.append(
                Finding(
                    "ambiguous-reference",
                    "warning",
                    f"{where.field} of {item.descriptor.name} ({self.fmt.label}) names {text!r}, which matches several services "
                    f"({', '.join(several)}); the dependency is not recorded",
                    fix="name the service by an alias or id that matches exactly one",
                    subject=item.key,
                    field=where.field,
                    reference=text,
                    file=where.file,
                    line=where.line,
                )
            )
            return
        if_missing = None
        if target is None:
            target = service_key(self.namespace, text)
            if_missing = Finding(
                "unknown-reference",
                "error",
                f"{where.field} of {item.descriptor.name} ({self.fmt.label}) names the service {text!r}, which neither this import "
                "nor the catalog knows; the dependency is not recorded",
                fix=f"describe {text!r} in its own {self.fmt.label} or in another source, or correct {where.field}",
                subject=item.key,
                field=where.field,
                reference=text,
                file=where.file,
                line=where.line,
            )
        if target == item.key:
            return
        self.rels.add(
            DEPENDS_ON, node, (SERVICE.label, target), item.descriptor.origin, evidence=dependency.evidence, if_missing=if_missing
        )

    # -- repository-level descriptors --------------------------------------------------------

    def _repository_owners(self, d: RepositoryDescriptor) -> None:
        node: Node = (REPOSITORY.label, d.repository.key)
        self._repository_node(d.repository, d.origin)
        for owner in d.owners:
            self._owner(owner, node, d.repository.slug, d.origin)

"""Who and what a PagerDuty record is in the catalog: people, teams and services.

Everything is matched by PagerDuty id or email, never by a PagerDuty name, except the one
explicitly weak rule: a PagerDuty service with no declared or configured link may match a
catalog service by name or alias, and that link is ``inferred``.

People and teams that match nothing become nodes of this source (``user:pagerduty/<id>``,
``group:pagerduty/<id>``). Those are excluded when matching, so the second sync resolves
exactly as the first did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalog.core.discovered import discovered_key
from catalog.core.identity import PAGERDUTY_SERVICE_ANNOTATION, IdentityIndex, Strength
from catalog.core.model import PERSON, TEAM
from catalog.core.records import Finding, NodeRecord
from importers.pagerduty.keys import OWN_NAMESPACE, OWN_PERSON_PREFIX, OWN_TEAM_PREFIX, person_key, team_key


@dataclass(frozen=True)
class ServiceLink:
    service_id: str
    key: str
    """The catalog service."""
    strength: Strength
    evidence: str
    discovered: bool = False
    """The catalog service is one discovered from this PagerDuty service (``catalog.core.discovered``)."""


@dataclass
class Resolution:
    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def ref_id(value: Any) -> str | None:
    """The id of a PagerDuty reference object (``{id, type, summary}``), if it has one."""
    if isinstance(value, dict):
        rid = value.get("id")
        if isinstance(rid, str) and rid.strip():
            return rid.strip()
    return None


def ref_summary(value: Any) -> str | None:
    if isinstance(value, dict):
        summary = value.get("summary") or value.get("name")
        if isinstance(summary, str) and summary.strip():
            return summary.strip()
    return None


def text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class People:
    """PagerDuty users → person keys: a catalog person with the same email, else our own node."""

    def __init__(
        self, source: str, index: IdentityIndex, users: list[dict[str, Any]], out: Resolution, users_where: str, *, listed: bool = True
    ) -> None:
        self.source = source
        self.index = index
        self.users = {u["id"]: u for u in users}
        self.listed = listed
        """False when the users listing was not read: one finding says so, not one per person."""
        self.out = out
        self.users_where = users_where
        self.keys: dict[str, str] = {}

    def resolve_all(self, origin_of: Callable[[str], str]) -> None:
        for user_id in self.users:
            self.key(user_id, origin=origin_of(user_id), where=self.users_where, context=f"user {user_id}")

    def key(self, user_id: str, *, origin: str, where: str, context: str, summary: str | None = None) -> str:
        if user_id in self.keys:
            return self.keys[user_id]
        user = self.users.get(user_id)
        if user is None and not self.listed:
            user = {"id": user_id, "name": summary}
        elif user is None:
            self.out.findings.append(
                Finding(
                    kind="unknown-user",
                    severity="warning",
                    message=(
                        f"{self.source}: {where}: {context} names user {user_id} ({summary or 'no name given'}), which "
                        f"{self.users_where} does not list; the person was recorded from the reference alone"
                    ),
                    fix="check the user still exists in PagerDuty (deleted users linger in references until they are cleaned up)",
                    subject=person_key(user_id),
                    reference=user_id,
                    file=where,
                )
            )
            user = {"id": user_id, "name": summary}
        email = text(user.get("email"))
        matched = {k for k in self.index.person("email", email) if not k.startswith(OWN_PERSON_PREFIX)} if email else set()
        if len(matched) == 1:
            key = next(iter(matched))
        else:
            if len(matched) > 1:
                self.out.findings.append(
                    Finding(
                        kind="ambiguous-person",
                        severity="warning",
                        message=(
                            f"{self.source}: {self.users_where}: user {user_id} has email {email}, which several catalog people share "
                            f"({', '.join(sorted(matched))}); PagerDuty's user was kept apart as {person_key(user_id)}"
                        ),
                        fix="give each catalog person their own email",
                        subject=person_key(user_id),
                        reference=email,
                        file=self.users_where,
                    )
                )
            key = person_key(user_id)
            name = text(user.get("name")) or user_id
            words = [name, email]
            self.out.nodes[key] = NodeRecord(
                PERSON.label,
                key,
                {
                    "namespace": OWN_NAMESPACE,
                    "name": name,
                    "display_name": name,
                    "email": email,
                    "description": text(user.get("description")),
                    "links": _links(user.get("html_url")),
                    "search_text": " ".join(w for w in words if w).lower(),
                },
                origin,
            )
        self.keys[user_id] = key
        return key


class Teams:
    """PagerDuty teams → team keys: the configured team, else the team annotated with the id, else our own node."""

    def __init__(
        self,
        source: str,
        index: IdentityIndex,
        teams: list[dict[str, Any]] | None,
        configured: dict[str, str],
        out: Resolution,
        teams_where: str,
    ) -> None:
        self.source = source
        self.index = index
        self.teams = {t["id"]: t for t in teams or ()}
        self.listed = teams is not None
        """False when the team listing failed: then our own team nodes are left as they are."""
        self.configured = configured
        self.out = out
        self.teams_where = teams_where
        self.keys: dict[str, str] = {}

    def resolve_all(self, origin_of: Callable[[str], str]) -> None:
        for team_id in self.teams:
            self.key(team_id, origin=origin_of(team_id), where=self.teams_where, context=f"team {team_id}")

    def key(self, team_id: str, *, origin: str, where: str, context: str, summary: str | None = None) -> str:
        if team_id in self.keys:
            return self.keys[team_id]
        key = self._catalog_team(team_id)
        if key is None:
            key = team_key(team_id)
            team = self.teams.get(team_id)
            if team is None and self.listed:
                self.out.findings.append(
                    Finding(
                        kind="unknown-team",
                        severity="warning",
                        message=(
                            f"{self.source}: {where}: {context} names team {team_id} ({summary or 'no name given'}), which "
                            f"{self.teams_where} does not list; the team was recorded from the reference alone"
                        ),
                        fix="check the team still exists in PagerDuty",
                        subject=key,
                        reference=team_id,
                        file=where,
                    )
                )
                team = {"id": team_id, "name": summary}
            if team is not None:
                name = text(team.get("name")) or team_id
                description = text(team.get("description"))
                self.out.findings.append(
                    Finding(
                        kind="source-only-team",
                        severity="info",
                        message=(
                            f"{self.source}: {self.teams_where}: team {team_id} ({name}) is known to PagerDuty only; it is recorded as "
                            f"{key}, and what it owns through PagerDuty is inferred evidence"
                        ),
                        fix=f"annotate the catalog's team with pagerduty.com/team-id: {team_id}, or map it under teams: in catalog.yaml",
                        subject=key,
                        reference=team_id,
                        file=self.teams_where,
                    )
                )
                self.out.nodes[key] = NodeRecord(
                    TEAM.label,
                    key,
                    {
                        "namespace": OWN_NAMESPACE,
                        "name": name,
                        "display_name": name,
                        "description": description,
                        "type": "team",
                        "links": _links(team.get("html_url")),
                        "search_text": " ".join(w for w in (name, description) if w).lower(),
                    },
                    origin,
                )
        self.keys[team_id] = key
        return key

    def _catalog_team(self, team_id: str) -> str | None:
        configured = self.configured.get(team_id.lower())
        if configured is not None:
            if configured in self.index.teams:
                return configured
            self.out.findings.append(
                Finding(
                    kind="unknown-reference",
                    severity="warning",
                    message=(
                        f"{self.source}: catalog.yaml maps PagerDuty team {team_id} to {configured}, which is not in the catalog; "
                        "the mapping was ignored"
                    ),
                    fix=f"correct teams[{team_id}] in catalog.yaml, or declare {configured}",
                    subject=configured,
                    field=f"teams.{team_id}",
                    reference=configured,
                    file="catalog.yaml",
                )
            )
        found = {k for k in self.index.team("pagerduty", team_id) if not k.startswith(OWN_TEAM_PREFIX)}
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            self.out.findings.append(
                Finding(
                    kind="ambiguous-team",
                    severity="warning",
                    message=(
                        f"{self.source}: {self.teams_where}: team {team_id} is claimed by several catalog teams "
                        f"({', '.join(sorted(found))}) through the pagerduty.com/team-id annotation; it was kept apart"
                    ),
                    fix=f"keep pagerduty.com/team-id: {team_id} on one team, or map it under teams: in catalog.yaml",
                    subject=team_key(team_id),
                    reference=team_id,
                    file=self.teams_where,
                )
            )
        return None


def link_service(
    source: str,
    index: IdentityIndex,
    service: dict[str, Any],
    configured: dict[str, str],
    where: str,
    findings: list[Finding],
    *,
    discover: bool = False,
) -> ServiceLink | None:
    """The catalog service a PagerDuty service stands for: configured, declared, or (weakest) by name."""
    sid: str = service["id"]
    name = text(service.get("name")) or sid
    label = f"service {sid} ({name!r})"
    # Our own earlier IDENTIFIES edges (from a catalog.yaml mapping) do not count: the mapping
    # is read afresh below, so removing it removes the link.
    declared, ambiguous = index.service(identifiers=[("pagerduty-service", sid)], ignore_instance=source)
    candidates = sorted({declared.key} if declared else set(ambiguous))
    mapped = configured.get(sid.lower())
    if mapped is not None and mapped not in index.services:
        findings.append(
            Finding(
                kind="unknown-reference",
                severity="warning",
                message=f"{source}: catalog.yaml maps PagerDuty {label} to {mapped}, which is not in the catalog; the mapping was ignored",
                fix=f"correct services[{sid}] in catalog.yaml, or declare {mapped}",
                subject=mapped,
                field=f"services.{sid}",
                reference=mapped,
                file="catalog.yaml",
            )
        )
        mapped = None
    if mapped is not None:
        # The mapping is checked first, and the identifier this source writes for it is what a
        # later read finds by id: both say the same service, so the link stays `configured`.
        others = [k for k in candidates if k != mapped]
        if others:
            findings.append(
                Finding(
                    kind="link-conflict",
                    severity="warning",
                    message=(
                        f"{source}: {where}: {label} is claimed by {', '.join(others)} through the {PAGERDUTY_SERVICE_ANNOTATION} "
                        f"annotation, but catalog.yaml maps it to {mapped}; the catalog follows catalog.yaml"
                    ),
                    fix=(
                        f"remove {PAGERDUTY_SERVICE_ANNOTATION}: {sid} from {', '.join(others)}, or correct services[{sid}] in catalog.yaml"
                    ),
                    subject=mapped,
                    reference=sid,
                    file=where,
                )
            )
        return ServiceLink(sid, mapped, "configured", f"catalog.yaml services[{sid}]")
    if declared is not None:
        return ServiceLink(sid, declared.key, "declared", f"identifier pagerduty-service {sid}")
    how = f"the {PAGERDUTY_SERVICE_ANNOTATION} annotation"
    if not ambiguous:
        by_name, ambiguous = index.service(name=name)
        if by_name is not None and by_name.key == discovered_key(name):
            # The service discovered before (by this source or another): the same link, said the same way every read.
            return _discovered(sid, name)
        if by_name is not None:
            return ServiceLink(sid, by_name.key, "inferred", f"PagerDuty service name {name!r}: {by_name.evidence}")
        how = f"name {name!r}"
    if ambiguous:
        findings.append(
            Finding(
                kind="ambiguous-link",
                severity="warning",
                message=(
                    f"{source}: {where}: {label} matches several catalog services by {how} ({', '.join(sorted(ambiguous))}); "
                    "it was linked to none"
                ),
                fix=f"keep {PAGERDUTY_SERVICE_ANNOTATION}: {sid} on exactly one component, or map it under services: in catalog.yaml",
                subject=sid,
                reference=sid,
                file=where,
            )
        )
        return None
    if discover:
        # Nothing declares it: the service is discovered from PagerDuty, so its on-call and teams answer.
        return _discovered(sid, name)
    policy = ref_id(service.get("escalation_policy"))
    findings.append(
        Finding(
            kind="unmatched-pagerduty-service",
            severity="warning",
            message=(
                f"{source}: {where}: {label} (escalation policy {policy or 'none'}) matches no catalog service; "
                "who is on call for it is not linked to anything the catalog knows"
            ),
            fix=f"add `{PAGERDUTY_SERVICE_ANNOTATION}: {sid}` to the component's annotations, or map {sid} under services: in catalog.yaml",
            subject=sid,
            reference=sid,
            file=where,
        )
    )
    return None


def _discovered(sid: str, name: str) -> ServiceLink:
    return ServiceLink(sid, discovered_key(name), "inferred", f"discovered from PagerDuty service {sid} ({name!r})", discovered=True)


def _links(url: Any) -> str | None:
    if isinstance(url, str) and url.strip():
        return json.dumps([{"url": url.strip(), "title": "PagerDuty"}], sort_keys=True)
    return None

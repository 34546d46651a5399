"""Fetched PagerDuty records → node and relationship records (pure; no I/O).

- Escalation policies and schedules become nodes of their own; a policy's levels are its
  ``rules`` and ``ESCALATES_TO`` edges (policy → schedule or person, with the levels).
- Each on-call entry in the read window becomes an ``OnCallShift`` (null start or end: a
  permanent on-call) with ``ON_CALL``, ``SHIFT_OF`` and, unless the policy targets the person
  directly, ``FROM_SCHEDULE``. Nothing is filled in: a level nobody covers at some instant has
  no shift then, which is exactly what a responder needs to see.
- A PagerDuty service linked to a catalog service (see ``resolve.link_service``) gives
  ``ESCALATES_VIA`` service → policy, ``OWNS`` from its PagerDuty teams (``inferred``) and
  PagerDuty's dependencies between linked services as ``DEPENDS_ON``. A policy's teams
  ``ESCALATES_VIA`` it too: the fallback for their services that have no policy of their own.
- ``MEMBER_OF`` person → team from each user's ``teams`` and from ``/teams/{id}/members``, whose
  ``role`` (``manager``, ``responder``, ``observer``) the edge keeps: a manager is one of the team's leads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from catalog.core.clock import iso, parse_iso
from catalog.core.discovered import discovered_alias, discovered_finding, discovered_service
from catalog.core.identity import STRENGTH_ORDER, IdentityIndex, identifier_records
from catalog.core.model import (
    DEPENDS_ON,
    ESCALATES_TO,
    ESCALATES_VIA,
    ESCALATION_POLICY,
    FROM_SCHEDULE,
    MEMBER_OF,
    ON_CALL,
    ON_CALL_SHIFT,
    OWNS,
    PERSON,
    SCHEDULE,
    SERVICE,
    SHIFT_OF,
    TEAM,
)
from catalog.core.records import Finding, ImportBatch, NodeRecord, RelRecord, Window
from importers.pagerduty.client import is_safe_id
from importers.pagerduty.fetch import (
    ONCALLS,
    POLICIES,
    SCHEDULES,
    SERVICES,
    TEAMS,
    USERS,
    Fetched,
    dependencies_path,
    members_path,
    origin,
)
from importers.pagerduty.keys import policy_key, schedule_key, shift_key
from importers.pagerduty.resolve import People, Resolution, ServiceLink, Teams, link_service, ref_id, ref_summary, text

SOURCE = "pagerduty"

_TARGET_TYPES = {"user_reference": "user", "user": "user", "schedule_reference": "schedule", "schedule": "schedule"}


@dataclass(frozen=True)
class Settings:
    source: str
    """The source instance, e.g. ``pagerduty:acme``: every message starts with it."""
    account: str
    services: dict[str, str]
    """Lower-cased PagerDuty service id → catalog service key."""
    teams: dict[str, str]
    """Lower-cased PagerDuty team id → catalog team key."""
    since: datetime
    until: datetime
    discover: bool = True
    """A PagerDuty service that matches no catalog service becomes a discovered one (``catalog.core.discovered``)."""


@dataclass
class _Rels:
    records: dict[tuple[str, str, str], RelRecord] = field(default_factory=dict)

    def add(self, rel: RelRecord) -> RelRecord:
        return self.records.setdefault((rel.type, rel.src_id, rel.dst_id), rel)


def link_services(settings: Settings, index: IdentityIndex, fetched: Fetched, where: Callable[[str], str]) -> dict[str, ServiceLink]:
    """PagerDuty service id → its catalog service, for the services that link to one."""
    findings: list[Finding] = []
    links: dict[str, ServiceLink] = {}
    for service in fetched.services or ():
        link = link_service(settings.source, index, service, settings.services, where(SERVICES), findings, discover=settings.discover)
        if link is not None:
            links[service["id"]] = link
    fetched.findings.extend(findings)
    return links


def translate(
    settings: Settings, index: IdentityIndex, fetched: Fetched, links: dict[str, ServiceLink], where: Callable[[str], str]
) -> ImportBatch:
    return _Translator(settings, index, fetched, links, where).run()


class _Translator:
    def __init__(
        self, settings: Settings, index: IdentityIndex, fetched: Fetched, links: dict[str, ServiceLink], where: Callable[[str], str]
    ) -> None:
        self.s = settings
        self.index = index
        self.f = fetched
        self.links = links
        self.where = where
        self.out = Resolution()
        self.rels = _Rels()
        self.failed: set[str] = set(fetched.failed_origins)
        self.complete = fetched.complete
        self.people = People(settings.source, index, fetched.users, self.out, where(USERS), listed=fetched.users_listed)
        self.teams = Teams(settings.source, index, fetched.teams, settings.teams, self.out, where(TEAMS))
        self.policies = {p["id"]: p for p in fetched.policies or ()}

    def run(self) -> ImportBatch:
        self.people.resolve_all(lambda uid: origin(USERS, uid))
        self.teams.resolve_all(lambda tid: origin(TEAMS, tid))
        self._members()
        for policy in self.f.policies or ():
            self._policy(policy)
        for schedule in self.f.schedules or ():
            # A schedule whose detail failed keeps what was read before; one whose detail the export
            # simply lacks is the listing's record (name, time zone, and layers when it has them).
            if schedule["id"] in self.f.schedule_details or origin(SCHEDULES, schedule["id"]) not in self.failed:
                self._schedule(schedule, detailed=schedule["id"] in self.f.schedule_details)
        self._oncalls()
        self._services()
        self._dependencies()
        self._unused_configuration()
        nodes = sorted(self.out.nodes.values(), key=lambda n: (n.label, n.id))
        rels = sorted(self.rels.records.values(), key=lambda r: (r.type, r.src_id, r.dst_id))
        return ImportBatch(
            source=SOURCE,
            instance=self.s.source,
            nodes=nodes,
            rels=rels,
            findings=sorted(self.f.findings + self.out.findings, key=_finding_order),
            failed_origins=self.failed,
            complete=self.complete,
            # /oncalls returns the shifts that end after `since`; one ending at `since` exactly was not
            # asked for, so the window starts a tick (the stored resolution) later.
            windows={ON_CALL_SHIFT.label: Window("ends_at", iso(self.s.since + timedelta(microseconds=1)), iso(self.s.until))},
        )

    # -- teams ------------------------------------------------------------------------------

    def _members(self) -> None:
        # Membership is in either place an export may hold: each user's `teams`, and /teams/{id}/members.
        for listed in self.f.users:
            uid: str = listed["id"]
            for team_ref in self._items(listed, "teams", USERS, f"user {uid}"):
                team_id = ref_id(team_ref)
                if team_id is None or not is_safe_id(team_id):
                    self._invalid(USERS, f"user {uid}", "has a team reference without an id", None, subject=uid)
                    continue
                at = origin(USERS, uid)
                team = self.teams.key(team_id, origin=at, where=self.where(USERS), context=f"user {uid}", summary=ref_summary(team_ref))
                person = self.people.key(uid, origin=at, where=self.where(USERS), context=f"user {uid}")
                self.rels.add(RelRecord(MEMBER_OF.type, PERSON.label, person, TEAM.label, team, at))
        for team_id, members in sorted(self.f.members.items()):
            path = members_path(team_id)
            team = self.teams.key(team_id, origin=origin(TEAMS, team_id), where=self.where(TEAMS), context=f"team {team_id}")
            for position, member in enumerate(members):
                user = member.get("user") if isinstance(member, dict) else None
                user_id = ref_id(user)
                if user_id is None or not is_safe_id(user_id):
                    self._invalid(path, f"member #{position} of team {team_id}", "has no `user` reference with an id", origin(path))
                    continue
                person = self.people.key(
                    user_id, origin=origin(path, user_id), where=self.where(path), context=f"team {team_id}", summary=ref_summary(user)
                )
                # The listing's role (manager, responder, observer) tells a team's leads; kept whichever listing came first.
                role = member.get("role")
                props = {"role": role.strip().lower()} if isinstance(role, str) and role.strip() else {}
                known = self.rels.records.get((MEMBER_OF.type, person, team))
                if known is not None and props and not known.props:
                    self.rels.records[(MEMBER_OF.type, person, team)] = replace(known, props=props)
                else:
                    self.rels.add(RelRecord(MEMBER_OF.type, PERSON.label, person, TEAM.label, team, origin(path, user_id), props))

    # -- escalation policies ----------------------------------------------------------------

    def _policy(self, policy: dict[str, Any]) -> None:
        pid: str = policy["id"]
        key = policy_key(self.s.account, pid)
        at = origin(POLICIES, pid)
        rules = policy.get("escalation_rules")
        if not isinstance(rules, list):
            self._invalid(
                POLICIES, f"escalation policy {pid}", f"has `escalation_rules` of type {type(rules).__name__}, not a list", at, subject=key
            )
            return
        levels: list[dict[str, Any]] = []
        targets_at: dict[tuple[str, str], list[int]] = defaultdict(list)
        for level, rule in enumerate(rules, start=1):
            targets = rule.get("targets") if isinstance(rule, dict) else None
            if not isinstance(targets, list):
                self._invalid(POLICIES, f"escalation policy {pid}", f"level {level} has no `targets` list", at, subject=key)
                return
            delay = rule.get("escalation_delay_in_minutes")
            out_targets: list[dict[str, Any]] = []
            for position, target in enumerate(targets):
                resolved = self._target(pid, level, position, target)
                if resolved is not None:
                    out_targets.append(resolved)
                    targets_at[(resolved["type"], resolved["key"])].append(level)
            levels.append(
                {
                    "level": level,
                    "id": text(rule.get("id")),
                    "delay_minutes": delay if isinstance(delay, int) and not isinstance(delay, bool) else None,
                    "targets": out_targets,
                }
            )
        num_loops = policy.get("num_loops")
        self.out.nodes[key] = NodeRecord(
            ESCALATION_POLICY.label,
            key,
            {
                "external_id": pid,
                "name": text(policy.get("name")) or text(policy.get("summary")),
                "description": text(policy.get("description")),
                "url": text(policy.get("html_url")),
                "num_loops": num_loops if isinstance(num_loops, int) and not isinstance(num_loops, bool) else None,
                "rules": json.dumps(levels, sort_keys=True),
                "state": "listed",
            },
            at,
        )
        for (kind, target_key), target_levels in sorted(targets_at.items()):
            label = SCHEDULE.label if kind == "schedule" else PERSON.label
            self.rels.add(
                RelRecord(
                    ESCALATES_TO.type,
                    ESCALATION_POLICY.label,
                    key,
                    label,
                    target_key,
                    at,
                    {"levels": sorted(set(target_levels))},
                    if_missing=self._missing(
                        POLICIES, f"escalation policy {pid}", kind, target_key, SCHEDULES if kind == "schedule" else USERS
                    ),
                )
            )
        for team_ref in self._items(policy, "teams", POLICIES, f"escalation policy {pid}"):
            team_id = ref_id(team_ref)
            if team_id is None or not is_safe_id(team_id):
                self._invalid(POLICIES, f"escalation policy {pid}", "has a team reference without an id", None, subject=key)
                continue
            team = self.teams.key(
                team_id, origin=at, where=self.where(POLICIES), context=f"escalation policy {pid}", summary=ref_summary(team_ref)
            )
            self.rels.add(
                RelRecord(
                    ESCALATES_VIA.type,
                    TEAM.label,
                    team,
                    ESCALATION_POLICY.label,
                    key,
                    at,
                    {"strength": "declared", "evidence": f"PagerDuty escalation policy {pid} teams"},
                )
            )

    def _target(self, pid: str, level: int, position: int, target: Any) -> dict[str, Any] | None:
        kind = _TARGET_TYPES.get(str(target.get("type"))) if isinstance(target, dict) else None
        tid = ref_id(target)
        if kind is None or tid is None or not is_safe_id(tid):
            what = f"type {target.get('type')!r}" if isinstance(target, dict) else f"a JSON {type(target).__name__}"
            self.out.findings.append(
                Finding(
                    kind="unknown-target",
                    severity="warning",
                    message=(
                        f"{self.s.source}: {self.where(POLICIES)}: escalation policy {pid} level {level} target #{position} has {what}"
                        f"{'' if tid else ' and no id'}; only user and schedule targets are understood, so it was left out"
                    ),
                    fix="check the policy in PagerDuty; targets are user_reference or schedule_reference",
                    subject=policy_key(self.s.account, pid),
                    field=f"escalation_rules[{level - 1}].targets[{position}]",
                    reference=tid,
                    file=self.where(POLICIES),
                )
            )
            return None
        if kind == "schedule":
            key = schedule_key(self.s.account, tid)
        else:
            key = self.people.key(
                tid,
                origin=origin(POLICIES, pid),
                where=self.where(POLICIES),
                context=f"escalation policy {pid} level {level}",
                summary=ref_summary(target),
            )
        return {"type": kind, "id": tid, "key": key}

    # -- schedules --------------------------------------------------------------------------

    def _schedule(self, schedule: dict[str, Any], *, detailed: bool = True) -> None:
        sid: str = schedule["id"]
        key = schedule_key(self.s.account, sid)
        at = origin(SCHEDULES, sid)
        path = f"{SCHEDULES}/{sid}" if detailed else SCHEDULES
        raw_layers = schedule.get("schedule_layers")
        if raw_layers is None and not detailed:
            self._schedule_node(schedule, key, at, None)
            return
        if not isinstance(raw_layers, list):
            self._invalid(
                path, f"schedule {sid}", f"has `schedule_layers` of type {type(raw_layers).__name__}, not a list", at, subject=key
            )
            return
        layers: list[dict[str, Any]] = []
        for position, layer in enumerate(raw_layers):
            if not isinstance(layer, dict):
                self._invalid(path, f"schedule {sid}", f"layer #{position} is not an object", at, subject=key)
                return
            users: list[dict[str, str]] = []
            for entry in self._items(layer, "users", path, f"schedule {sid} layer #{position}"):
                user = entry.get("user") if isinstance(entry, dict) else None
                uid = ref_id(user)
                if uid is None or not is_safe_id(uid):
                    self._invalid(path, f"schedule {sid}", f"layer #{position} has a user entry without a user id", None, subject=key)
                    continue
                users.append(
                    {
                        "id": uid,
                        "key": self.people.key(
                            uid, origin=at, where=self.where(path), context=f"schedule {sid} layer #{position}", summary=ref_summary(user)
                        ),
                    }
                )
            turn = layer.get("rotation_turn_length_seconds")
            layers.append(
                {
                    "id": text(layer.get("id")),
                    "name": text(layer.get("name")),
                    "start": self._time(layer.get("start"), path, f"schedule {sid} layer #{position} start"),
                    "end": self._time(layer.get("end"), path, f"schedule {sid} layer #{position} end"),
                    "rotation_virtual_start": self._time(
                        layer.get("rotation_virtual_start"), path, f"schedule {sid} layer #{position} rotation_virtual_start"
                    ),
                    "rotation_turn_length_seconds": turn if isinstance(turn, int) and not isinstance(turn, bool) else None,
                    "restrictions": layer.get("restrictions") if isinstance(layer.get("restrictions"), list) else [],
                    "users": users,
                }
            )
        self._schedule_node(schedule, key, at, layers)

    def _schedule_node(self, schedule: dict[str, Any], key: str, at: str, layers: list[dict[str, Any]] | None) -> None:
        """``layers`` None: not known (a listing record without ``schedule_layers``)."""
        self.out.nodes[key] = NodeRecord(
            SCHEDULE.label,
            key,
            {
                "external_id": schedule["id"],
                "name": text(schedule.get("name")) or text(schedule.get("summary")),
                "description": text(schedule.get("description")),
                "url": text(schedule.get("html_url")),
                "time_zone": text(schedule.get("time_zone")),
                "layers": None if layers is None else json.dumps(layers, sort_keys=True),
            },
            at,
        )

    # -- on-calls ---------------------------------------------------------------------------

    def _oncalls(self) -> None:
        where = self.where(ONCALLS)
        for position, entry in enumerate(self.f.oncalls or ()):
            parsed = self._oncall(entry)
            if isinstance(parsed, str):
                self._bad_oncall(position, parsed)
                continue
            policy_id, level, user, schedule_id, starts, ends = parsed
            if (ends is not None and ends <= self.s.since) or (starts is not None and starts >= self.s.until):
                continue  # outside the window (an export may hold more than the window)
            starts_at = iso(starts) if starts else None
            ends_at = iso(ends) if ends else None
            user_id = ref_id(user)
            assert user_id is not None
            key = shift_key(self.s.account, policy_id, level, user_id, schedule_id, starts_at, ends_at)
            if key in self.out.nodes:
                continue
            at = origin(ONCALLS, key)
            context = f"on-call #{position} (policy {policy_id} level {level})"
            person = self.people.key(user_id, origin=at, where=where, context=context, summary=ref_summary(user))
            pkey = policy_key(self.s.account, policy_id)
            skey = schedule_key(self.s.account, schedule_id) if schedule_id else None
            self.out.nodes[key] = NodeRecord(
                ON_CALL_SHIFT.label,
                key,
                {"policy": pkey, "level": level, "person": person, "schedule": skey, "starts_at": starts_at, "ends_at": ends_at},
                at,
            )
            self.rels.add(RelRecord(ON_CALL.type, PERSON.label, person, ON_CALL_SHIFT.label, key, at))
            self.rels.add(
                RelRecord(
                    SHIFT_OF.type,
                    ON_CALL_SHIFT.label,
                    key,
                    ESCALATION_POLICY.label,
                    pkey,
                    at,
                    if_missing=self._missing(ONCALLS, context, "escalation policy", pkey, POLICIES),
                )
            )
            if skey is not None:
                self.rels.add(
                    RelRecord(
                        FROM_SCHEDULE.type,
                        ON_CALL_SHIFT.label,
                        key,
                        SCHEDULE.label,
                        skey,
                        at,
                        if_missing=self._missing(ONCALLS, context, "schedule", skey, SCHEDULES),
                    )
                )

    def _oncall(self, entry: Any) -> tuple[str, int, dict[str, Any], str | None, datetime | None, datetime | None] | str:
        """The entry's parts, or what is wrong with it."""
        if not isinstance(entry, dict):
            return f"is a JSON {type(entry).__name__}, not an object"
        policy_id = ref_id(entry.get("escalation_policy"))
        user = entry.get("user")
        user_id = ref_id(user)
        level = entry.get("escalation_level")
        schedule = entry.get("schedule")
        schedule_id = ref_id(schedule)
        if policy_id is None or not is_safe_id(policy_id):
            return "has no `escalation_policy` reference with an id"
        if user_id is None or not is_safe_id(user_id) or not isinstance(user, dict):
            return f"(policy {policy_id}) has no `user` reference with an id"
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            return f"(policy {policy_id}) has `escalation_level` {level!r}, not a level from 1"
        if schedule is not None and (schedule_id is None or not is_safe_id(schedule_id)):
            return f"(policy {policy_id}) has a `schedule` that is neither null nor a reference with an id"
        times: list[datetime | None] = []
        for name in ("start", "end"):
            value = entry.get(name)
            if value is None:
                times.append(None)
                continue
            moment = _parse_time(value)
            if moment is None:
                return f"(policy {policy_id}) has `{name}` {value!r}, not an ISO-8601 time"
            times.append(moment)
        return policy_id, level, user, schedule_id, times[0], times[1]

    def _bad_oncall(self, position: int, problem: str) -> None:
        # Which shift the entry was is unknown, so every shift read before is kept.
        self.failed.add(origin(ONCALLS))
        self.out.findings.append(
            Finding(
                kind="invalid-record",
                severity="error",
                message=(
                    f"{self.s.source}: {self.where(ONCALLS)}: on-call #{position} {problem}; "
                    "it was skipped and no on-call shift was retired"
                ),
                fix="re-run the sync; if it persists, check api_url points at the PagerDuty REST API (or re-export oncalls)",
                subject=f"{ONCALLS}#{position}",
                reference=ONCALLS,
                file=self.where(ONCALLS),
            )
        )

    # -- services ---------------------------------------------------------------------------

    def _services(self) -> None:
        by_catalog: dict[str, list[str]] = defaultdict(list)
        via: dict[tuple[str, str], list[ServiceLink]] = defaultdict(list)
        services = {s["id"]: s for s in self.f.services or ()}
        for sid, service in services.items():
            link = self.links.get(sid)
            at = origin(SERVICES, sid)
            policy_id = ref_id(service.get("escalation_policy"))
            if link is None:
                continue
            by_catalog[link.key].append(sid)
            if link.discovered:
                name = text(service.get("name")) or sid
                found = f"{self.s.source} PagerDuty service {sid} ({name!r})"
                self.out.nodes.setdefault(link.key, discovered_service(name, at, found))
                alias, names = discovered_alias(name, at, found)
                self.out.nodes.setdefault(alias.id, alias)
                self.rels.add(names)
                claim = f"declare a component named {name} with the annotation pagerduty.com/service-id: {sid}"
                self.out.findings.append(discovered_finding(self.s.source, name, found, claim, file=self.where(SERVICES)))
            if policy_id is None or not is_safe_id(policy_id):
                self._invalid(SERVICES, f"service {sid}", "has no `escalation_policy` reference with an id", at, subject=sid)
            else:
                via[(link.key, policy_key(self.s.account, policy_id))].append(link)
                if self.f.policies is not None and policy_id not in self.policies:
                    self._referenced_policy(sid, service.get("escalation_policy"), policy_id)
            if link.strength == "configured":
                # Only the configured link is written as an identifier: a declared one is already
                # one (the annotation), and an inferred one would read back as declared.
                ident, identifies = identifier_records(
                    "pagerduty-service", sid, (SERVICE.label, link.key), at, strength="configured", evidence=link.evidence
                )
                self.out.nodes.setdefault(ident.id, ident)
                self.rels.add(identifies)
            for team_ref in self._items(service, "teams", SERVICES, f"service {sid}"):
                team_id = ref_id(team_ref)
                if team_id is None or not is_safe_id(team_id):
                    self._invalid(SERVICES, f"service {sid}", "has a team reference without an id", None, subject=sid)
                    continue
                team = self.teams.key(
                    team_id, origin=at, where=self.where(SERVICES), context=f"service {sid}", summary=ref_summary(team_ref)
                )
                self.rels.add(
                    RelRecord(
                        OWNS.type,
                        TEAM.label,
                        team,
                        SERVICE.label,
                        link.key,
                        at,
                        {"strength": "inferred", "evidence": f"PagerDuty service {sid} teams"},
                    )
                )
        for (service_key, pkey), service_links in sorted(via.items()):
            service_links.sort(key=lambda lk: (STRENGTH_ORDER[lk.strength], lk.service_id))
            ids = sorted(lk.service_id for lk in service_links)
            strongest = service_links[0]
            self.rels.add(
                RelRecord(
                    ESCALATES_VIA.type,
                    SERVICE.label,
                    service_key,
                    ESCALATION_POLICY.label,
                    pkey,
                    origin(SERVICES, strongest.service_id),
                    {
                        "external_service": ",".join(ids),
                        "strength": strongest.strength,
                        "evidence": "; ".join(lk.evidence for lk in service_links),
                    },
                    if_missing=self._missing(SERVICES, f"service {strongest.service_id}", "escalation policy", pkey, POLICIES),
                )
            )
        for service_key, ids in sorted(by_catalog.items()):
            if len(ids) > 1:
                self.out.findings.append(
                    Finding(
                        kind="several-pagerduty-services",
                        severity="info",
                        message=(
                            f"{self.s.source}: {self.where(SERVICES)}: {len(ids)} PagerDuty services ({', '.join(sorted(ids))}) "
                            f"link to {service_key}; each one's escalation policy pages for it"
                        ),
                        fix="nothing, if the service really has several PagerDuty services; otherwise correct the links",
                        subject=service_key,
                        reference=",".join(sorted(ids)),
                        file=self.where(SERVICES),
                    )
                )
        if self.f.services is not None:
            self._policy_conflicts(services)

    def _referenced_policy(self, sid: str, ref: Any, policy_id: str) -> None:
        """A policy the service escalates via that the (complete) listing lacks: kept as referenced, never replaced.

        Paging someone else's policy instead (the team's) would page the wrong people; the on-call
        answer names this policy and says its levels are not in the export."""
        key = policy_key(self.s.account, policy_id)
        if key in self.out.nodes:
            return
        summary = ref_summary(ref)
        self.out.nodes[key] = NodeRecord(
            ESCALATION_POLICY.label,
            key,
            {
                "external_id": policy_id,
                "name": summary,
                "url": text(ref.get("html_url")) if isinstance(ref, dict) else None,
                "state": "referenced",
            },
            origin(SERVICES, sid),
        )
        self.out.findings.append(
            Finding(
                kind="unlisted-policy",
                severity="warning",
                message=(
                    f"{self.s.source}: {self.where(SERVICES)}: service {sid} escalates via policy {policy_id} "
                    f"({summary or 'no name given'}), which {self.where(POLICIES)} does not list; the policy is kept as referenced, "
                    "with its levels unknown, and no other policy stands in for it"
                ),
                fix=f"export policy {policy_id} with the listing (or grant the key access to it), or correct the service's policy",
                subject=key,
                reference=policy_id,
                file=self.where(SERVICES),
            )
        )

    def _policy_conflicts(self, services: dict[str, dict[str, Any]]) -> None:
        for pid, policy in sorted(self.policies.items()):
            for ref in self._items(policy, "services", POLICIES, f"escalation policy {pid}"):
                sid = ref_id(ref)
                service = services.get(sid) if sid else None
                if service is None:
                    continue
                actual = ref_id(service.get("escalation_policy"))
                if actual is not None and actual != pid:
                    self.out.findings.append(
                        Finding(
                            kind="policy-conflict",
                            severity="warning",
                            message=(
                                f"{self.s.source}: {self.where(POLICIES)}: escalation policy {pid} lists service {sid}, but "
                                f"{self.where(SERVICES)} says service {sid} escalates via {actual}; the catalog follows the service"
                            ),
                            fix=f"check service {sid}'s escalation policy in PagerDuty; the two were read moments apart and disagree",
                            subject=policy_key(self.s.account, pid),
                            reference=sid,
                            file=self.where(POLICIES),
                        )
                    )

    # -- dependencies -----------------------------------------------------------------------

    def _dependencies(self) -> None:
        reported: set[tuple[str, str]] = set()
        for service_id, relationships in sorted(self.f.dependencies.items()):
            path = dependencies_path(service_id)
            for position, relationship in enumerate(relationships):
                ends = self._ends(relationship)
                if ends is None:
                    self._invalid(
                        path,
                        f"relationship #{position}",
                        "has no `dependent_service` and `supporting_service` references with ids",
                        origin(path),
                    )
                    continue
                dependent, supporting = ends
                if dependent is None or supporting is None:
                    continue  # a business service: not something the catalog lists as a service
                pair = (dependent, supporting)
                source, target = self.links.get(dependent), self.links.get(supporting)
                if source is None or target is None:
                    if pair not in reported:
                        reported.add(pair)
                        unlinked = " and ".join(s for s, lk in ((dependent, source), (supporting, target)) if lk is None)
                        self.out.findings.append(
                            Finding(
                                kind="unlinked-dependency",
                                severity="info",
                                message=(
                                    f"{self.s.source}: {self.where(path)}: PagerDuty says service {dependent} depends on {supporting}, "
                                    f"but {unlinked} links to no catalog service; the dependency was not recorded"
                                ),
                                fix="link the PagerDuty service to its component (pagerduty.com/service-id, or services: in catalog.yaml)",
                                subject=dependent,
                                reference=supporting,
                                file=self.where(path),
                            )
                        )
                    continue
                if source.key == target.key:
                    continue
                rid = ref_id(relationship)
                self.rels.add(
                    RelRecord(
                        DEPENDS_ON.type,
                        SERVICE.label,
                        source.key,
                        SERVICE.label,
                        target.key,
                        origin(path, rid or f"{dependent}>{supporting}"),
                        {"evidence": f"PagerDuty service dependency {dependent} → {supporting}"},
                    )
                )

    @staticmethod
    def _ends(relationship: Any) -> tuple[str | None, str | None] | None:
        """(dependent, supporting) service ids; ``None`` for a business-service end; ``None`` overall when malformed."""
        if not isinstance(relationship, dict):
            return None
        ends: list[str | None] = []
        for name in ("dependent_service", "supporting_service"):
            ref = relationship.get(name)
            rid = ref_id(ref)
            if rid is None or not is_safe_id(rid):
                return None
            kind = ref.get("type") if isinstance(ref, dict) else None
            ends.append(None if isinstance(kind, str) and "business" in kind else rid)
        return ends[0], ends[1]

    # -- configuration ----------------------------------------------------------------------

    def _unused_configuration(self) -> None:
        if self.f.services is None:
            return
        listed = {s["id"].lower() for s in self.f.services}
        for sid, target in sorted(self.s.services.items()):
            if sid not in listed:
                self.out.findings.append(
                    Finding(
                        kind="unused-configuration",
                        severity="info",
                        message=(
                            f"{self.s.source}: catalog.yaml maps PagerDuty service {sid.upper()} to {target}, but "
                            f"{self.where(SERVICES)} lists no such service"
                        ),
                        fix=f"remove services[{sid.upper()}] from catalog.yaml, or correct the id",
                        subject=target,
                        field=f"services.{sid.upper()}",
                        reference=sid.upper(),
                        file="catalog.yaml",
                    )
                )

    # -- helpers ----------------------------------------------------------------------------

    def _time(self, value: Any, path: str, what: str) -> str | None:
        if value is None:
            return None
        moment = _parse_time(value)
        if moment is None:
            self.out.findings.append(
                Finding(
                    kind="invalid-time",
                    severity="warning",
                    message=f"{self.s.source}: {self.where(path)}: {what} is {value!r}, not an ISO-8601 time; it was left empty",
                    fix="check the record in PagerDuty (or the exported file)",
                    reference=path,
                    file=self.where(path),
                )
            )
            return None
        return iso(moment)

    def _items(self, record: dict[str, Any], name: str, path: str, what: str) -> list[Any]:
        """A field that should hold a list (absent or null: empty)."""
        value = record.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self._invalid(path, what, f"has `{name}` of type {type(value).__name__}, not a list", None)
            return []
        return value

    def _invalid(self, path: str, record: str, problem: str, failed_origin: str | None, *, subject: str | None = None) -> None:
        """A record (or part of one) that is not the documented shape; what it said before is kept."""
        if failed_origin is not None:
            self.failed.add(failed_origin)
        self.out.findings.append(
            Finding(
                kind="invalid-record",
                severity="error",
                message=f"{self.s.source}: {self.where(path)}: {record} {problem}"
                + ("; it was skipped and what it said before is kept" if failed_origin else "; that part was skipped"),
                fix="check the record in PagerDuty (or the exported file); the API documents this field",
                subject=subject or record,
                reference=path,
                file=self.where(path),
            )
        )

    def _missing(self, path: str, record: str, kind: str, key: str, listing: str) -> Finding:
        return Finding(
            kind="unknown-reference",
            severity="warning",
            message=(
                f"{self.s.source}: {self.where(path)}: {record} names {kind} {key}, which "
                f"{self.where(listing)} did not list and the catalog does not hold"
            ),
            fix=f"check the {kind} still exists in PagerDuty; the next complete sync corrects this",
            subject=key,
            reference=key,
            file=self.where(path),
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _finding_order(finding: Finding) -> tuple[str, str, str, str, str]:
    return (finding.file or "", finding.kind, finding.subject or "", finding.reference or "", finding.message)

"""The one declaration of the catalog's graph model.

Every node label, relationship type and property the catalog stores is declared here, once.
Neo4j constraints and indexes, the embedded store's DDL, the batched write queries and the
model reference in the docs are all generated from these declarations (see
``catalog.cypher``); nothing else in the code base spells a label or a property list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class PropType(Enum):
    """Storage types that both stores can hold natively.

    Times are stored as fixed-width ISO-8601 UTC strings (``catalog.clock.iso``) so that
    they compare correctly as strings in both engines; maps are stored as JSON text because
    Neo4j properties cannot hold maps.
    """

    STRING = "STRING"
    INT = "INT64"
    BOOL = "BOOLEAN"
    STRING_LIST = "STRING[]"
    INT_LIST = "INT64[]"
    TIME = "TIME"
    JSON = "JSON"


@dataclass(frozen=True)
class Prop:
    name: str
    type: PropType = PropType.STRING
    doc: str = ""
    indexed: bool = False
    """A range index in Neo4j (lookups by equality, ranges and ``STARTS WITH``)."""
    text_indexed: bool = False
    """A text index in Neo4j, which serves ``CONTAINS`` searches."""


@dataclass(frozen=True)
class NodeType:
    label: str
    doc: str
    props: tuple[Prop, ...]
    key: str = "id"
    backstage_kinds: tuple[str, ...] = ()
    """Backstage kinds whose entities become nodes of this label."""
    ownable: bool = False

    @property
    def all_props(self) -> tuple[Prop, ...]:
        return (Prop(self.key, doc="Unique, stable key (see catalog.refs)."),) + self.props + NODE_PROVENANCE

    def prop(self, name: str) -> Prop:
        for p in self.all_props:
            if p.name == name:
                return p
        raise KeyError(f"{self.label} declares no property {name!r}")


@dataclass(frozen=True)
class RelType:
    type: str
    doc: str
    endpoints: tuple[tuple[str, str], ...]
    """Every (from label, to label) pair this relationship may join."""
    props: tuple[Prop, ...] = ()
    joins_history: bool = False
    """The relationship may join a retired node (it records history, e.g. what a retired node became)."""

    @property
    def all_props(self) -> tuple[Prop, ...]:
        return self.props + REL_PROVENANCE

    @property
    def from_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, _ in self.endpoints))

    @property
    def to_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for _, b in self.endpoints))


# Provenance: which source said it, which instance of that source, when it was first and last
# seen, and when it stopped being seen. Nothing is deleted: a fact that disappears from a
# completely read source gets ``retired_at`` and stays in the graph as history.
_PROVENANCE = (
    Prop("source", doc="Importer that asserted the fact, e.g. `backstage`.", indexed=True),
    Prop("source_instance", doc="Which instance of the source: a descriptor root, an org, a cluster.", indexed=True),
    Prop("origin", doc="Where in the source: file and document, or API endpoint and record id."),
    Prop("first_seen", PropType.TIME, "When an import first saw the fact."),
    Prop("last_seen", PropType.TIME, "When an import last saw the fact."),
    Prop("retired_at", PropType.TIME, "When a complete import stopped seeing the fact; null while present."),
    Prop("run_id", doc="The import run that last saw the fact."),
    Prop("content_hash", doc="Hash of the declared properties; tells updated from unchanged."),
)
NODE_PROVENANCE: tuple[Prop, ...] = _PROVENANCE
REL_PROVENANCE: tuple[Prop, ...] = (
    Prop("active", PropType.BOOL, "True while the fact holds; a retired relationship keeps its interval."),
) + _PROVENANCE

_ENTITY = (
    Prop("namespace", doc="Backstage namespace; `default` unless stated.", indexed=True),
    Prop("name", doc="Name as written in the source (matching is case-insensitive).", indexed=True),
    Prop("title"),
    Prop("description"),
    Prop("tags", PropType.STRING_LIST),
    Prop("labels", PropType.JSON, "Map of labels."),
    Prop("annotations", PropType.JSON, "Map of annotations."),
    Prop("links", PropType.JSON, "List of {url, title, icon, type}."),
    Prop("search_text", doc="Lower-cased name, title, description and tags, for text search.", text_indexed=True),
)

TEAM = NodeType(
    "Team",
    "A group of people: a team, department or org unit. Backstage `Group`.",
    _ENTITY
    + (
        Prop("type", doc="team, department, business-unit, ..."),
        Prop("display_name"),
        Prop("email"),
        Prop("picture"),
        Prop("chat_channel", doc="Chat channel, from the `ownership-catalog.io/chat-channel` or `slack.com/channel` annotation."),
    ),
    backstage_kinds=("group",),
)
PERSON = NodeType(
    "Person",
    "A human. Backstage `User`.",
    _ENTITY + (Prop("display_name"), Prop("email", indexed=True), Prop("picture")),
    backstage_kinds=("user",),
)
SERVICE = NodeType(
    "Service",
    "Anything a team builds and runs. Backstage `Component` of any type.",
    _ENTITY
    + (
        Prop("type", indexed=True, doc="service, website, library, ..."),
        Prop("lifecycle", indexed=True, doc="experimental, production, deprecated, ..."),
        Prop("tier", doc="Criticality tier, from the `tier` label or `ownership-catalog.io/tier` annotation."),
        Prop("aliases", PropType.STRING_LIST, "Other names the service is known by."),
        Prop(
            "discovered",
            PropType.BOOL,
            "True for a service no descriptor declares, created from what a live source saw (a Kubernetes workload, a "
            "PagerDuty service) so that its owners, platform, dependencies and on-call answer before anyone claims it. "
            "When a descriptor declares it, the declared service takes its place and this one is retired (`CLAIMED_AS`).",
        ),
        Prop(
            "discovery",
            doc="For a discovered service: the live evidence it was discovered from, e.g. `kubernetes:prod-eu Deployment shop/cart`.",
        ),
    ),
    backstage_kinds=("component",),
    ownable=True,
)
API = NodeType(
    "API",
    "An interface a service provides. Backstage `API`.",
    _ENTITY + (Prop("type"), Prop("lifecycle"), Prop("definition", doc="The API definition text, truncated to 64 KiB.")),
    backstage_kinds=("api",),
    ownable=True,
)
RESOURCE = NodeType(
    "Resource",
    "Infrastructure a service needs: a database, a bucket, a queue. Backstage `Resource`.",
    _ENTITY + (Prop("type"),),
    backstage_kinds=("resource",),
    ownable=True,
)
SYSTEM = NodeType(
    "System",
    "A group of services that together expose a capability. Backstage `System`.",
    _ENTITY,
    backstage_kinds=("system",),
    ownable=True,
)
DOMAIN = NodeType(
    "Domain",
    "A business area that systems belong to. Backstage `Domain`.",
    _ENTITY,
    backstage_kinds=("domain",),
    ownable=True,
)
REPOSITORY = NodeType(
    "Repository",
    "A source repository, keyed by host and slug (`repository:github.com/org/repo`).",
    (
        Prop("host"),
        Prop("slug", indexed=True, doc="`org/repo`."),
        Prop("url"),
        Prop("name"),
        Prop("search_text", text_indexed=True),
        Prop("description"),
        Prop("archived", PropType.BOOL),
        Prop("visibility", doc="public, private or internal."),
        Prop("default_branch"),
        Prop("topics", PropType.STRING_LIST),
        Prop("language"),
        Prop("codeowners_path", doc="Where CODEOWNERS was found: `.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS`."),
        Prop("owned_share", PropType.INT, "Percent of the repository's files that CODEOWNERS gives an owner; null when unknown."),
        Prop("default_owners", PropType.STRING_LIST, "Owners of the catch-all CODEOWNERS rule, as written."),
    ),
    ownable=True,
)
PLATFORM = NodeType(
    "Platform",
    "Where services run: the standard platform or another one. Backstage `Resource` of type `platform`.",
    _ENTITY + (Prop("type"), Prop("standard", PropType.BOOL, "True for the company's standard platform.")),
    ownable=True,
)
FINDING = NodeType(
    "Finding",
    "A problem an import found in its source: a dangling reference, a bad document, a conflict.",
    (
        Prop("kind", indexed=True, doc="e.g. unknown-reference, wrong-kind, duplicate-entity, invalid-document."),
        Prop("severity", indexed=True, doc="error, warning or info."),
        Prop("subject", indexed=True, doc="Id of the entity the finding is about."),
        Prop("field", doc="The field at fault, e.g. `spec.owner`."),
        Prop("reference", doc="The reference that could not be resolved, if any."),
        Prop("message"),
        Prop("fix", doc="What to do about it."),
        Prop("file"),
        Prop("line", PropType.INT),
    ),
)
IDENTIFIER = NodeType(
    "Identifier",
    "A name by which a service is known somewhere: an alias, a repository slug, a PagerDuty service id, "
    "a workload, a hostname. Keyed `ident:<scheme>:<value>`; several sources may name the same identifier.",
    (
        Prop(
            "scheme",
            indexed=True,
            doc="alias, repository, pagerduty-service, workload, hostname, opslevel, cortex, alert-source (`<type>:<id>`, e.g. "
            "`datadog:1234567`, for every alert source and tool type other than PagerDuty).",
        ),
        Prop(
            "value",
            indexed=True,
            doc="The identifier, normalised (lower-cased, trimmed; an alias, OpsLevel or Cortex name as its name token).",
        ),
        Prop("display", doc="The identifier as the source wrote it."),
    ),
)
WORKLOAD = NodeType(
    "Workload",
    "A Kubernetes workload: Deployment, StatefulSet, DaemonSet, CronJob or Job, in one cluster and namespace.",
    (
        Prop("cluster", indexed=True),
        Prop("namespace", indexed=True),
        Prop("kind", doc="Deployment, StatefulSet, DaemonSet, CronJob or Job."),
        Prop("name", indexed=True),
        Prop("app", doc="The application name the workload declares (`app.kubernetes.io/name`, `app`, or its own name)."),
        Prop("labels", PropType.JSON),
        Prop("annotations", PropType.JSON),
        Prop("pod_labels", PropType.JSON, "Labels of the pod template, which Services select on."),
        Prop("images", PropType.STRING_LIST),
        Prop("replicas", PropType.INT),
    ),
    ownable=True,
)
ESCALATION_POLICY = NodeType(
    "EscalationPolicy",
    "A PagerDuty escalation policy: who is paged, level by level.",
    (
        Prop("external_id", indexed=True, doc="The PagerDuty id, e.g. `PABC123`."),
        Prop("name"),
        Prop("description"),
        Prop("url", doc="The policy's page in PagerDuty."),
        Prop("num_loops", PropType.INT, "How many times the policy repeats after its last level."),
        Prop("rules", PropType.JSON, "Levels in order: `[{level, delay_minutes, targets: [{type, id, key}]}]`."),
        Prop(
            "state",
            doc="`listed` (read from the policies listing) or `referenced` (a service escalates via it but the listing lacks it: "
            "its levels are unknown, and the service's on-call answer says so rather than use another policy).",
        ),
    ),
)
SCHEDULE = NodeType(
    "Schedule",
    "A PagerDuty on-call schedule.",
    (
        Prop("external_id", indexed=True, doc="The PagerDuty id."),
        Prop("name"),
        Prop("description"),
        Prop("url"),
        Prop("time_zone"),
        Prop("layers", PropType.JSON, "Schedule layers: `[{name, start, end, rotation_turn_length_seconds, users}]`."),
    ),
)
ON_CALL_SHIFT = NodeType(
    "OnCallShift",
    "One person on call for one escalation policy level over a time interval. A null start or end is open-ended (a permanent on-call).",
    (
        Prop("policy", indexed=True, doc="Key of the escalation policy."),
        Prop("level", PropType.INT, "Escalation level, from 1."),
        Prop("person", doc="Key of the person on call."),
        Prop("schedule", doc="Key of the schedule the shift comes from; null when the policy targets the person directly."),
        Prop("starts_at", PropType.TIME, "Start of the shift; null for a permanent on-call.", indexed=True),
        Prop("ends_at", PropType.TIME, "End of the shift; null for a permanent on-call.", indexed=True),
    ),
)
ADOPTION_SNAPSHOT = NodeType(
    "AdoptionSnapshot",
    "Platform adoption counted at the end of a sync, for the company and for each team, domain and top-level org unit; "
    "the series over time is the adoption trend.",
    (
        Prop("taken_at", PropType.TIME, "When the sync that counted it finished.", indexed=True),
        Prop("scope", indexed=True, doc="company, team, domain or org-unit."),
        Prop("scope_key", indexed=True, doc="Key of the team, domain or org unit; `company` for the whole company."),
        Prop("scope_name"),
        Prop("total", PropType.INT, "Current services in scope."),
        Prop("standard", PropType.INT, "Services that run on the standard platform."),
        Prop("other", PropType.INT, "Services that run only on other platforms."),
        Prop("unknown", PropType.INT, "Services with no known platform."),
    ),
)
AUDIT_SIGHTING = NodeType(
    "AuditSighting",
    "An audit problem seen at the end of a sync, keyed by the audit's stable id; retired when a sync no longer sees the problem.",
    (
        Prop("kind", doc="The audit's kind, e.g. `unowned-service`."),
        Prop("since", PropType.TIME, "When a sync first saw the problem, since it last came back."),
    ),
)
RUN_STARTED, RUN_FINISHED, RUN_FAILED, RUN_INTERRUPTED = "started", "finished", "failed", "interrupted"
RUN_STATUSES: tuple[str, ...] = (RUN_STARTED, RUN_FINISHED, RUN_FAILED, RUN_INTERRUPTED)
"""An import run's ``status``: recorded as started before it writes, and as one of the others after."""

IMPORT_RUN = NodeType(
    "ImportRun",
    "One run of one importer against one source instance, with its report. Recorded as `started` before the run writes "
    "anything, and as `finished`, `failed` or `interrupted` after; a run left `started` stopped without a word (its "
    "process or the store died) and the next sync of its source marks it `interrupted`.",
    (
        Prop("started_at", PropType.TIME, indexed=True),
        Prop("finished_at", PropType.TIME, "When the run finished or failed; null while it runs and for an interrupted run."),
        Prop("complete", PropType.BOOL, "True when the source was read completely; null until the run finished."),
        Prop("report", PropType.JSON, "Counts created, updated, unchanged and retired, per label."),
        Prop("status", doc="started, finished, failed or interrupted; null on runs recorded before statuses (all finished).", indexed=True),
        Prop("error", doc="Why the run failed or was interrupted."),
        Prop("written", PropType.JSON, "Facts written so far, per label and relationship type; kept current while the run writes."),
        Prop("superseded_by", doc="Key of the run that found this one unfinished and took over its source."),
        Prop(
            "shifts_since",
            PropType.TIME,
            "Start of the on-call window the run read shifts over (PagerDuty's `since`); null for a source that reads no shifts. "
            "A later read that covers an instant and no longer lists a shift replaced it.",
        ),
        Prop("shifts_until", PropType.TIME, "End of that on-call window (PagerDuty's `until`); null for a source that reads no shifts."),
    ),
)
SYNC_LOCK = NodeType(
    "SyncLock",
    "A sync's lease on one source instance, held in the store so that it holds across hosts: a second sync of the source "
    "waits or is refused while the lease runs. The holder renews it and deletes it when done; a lease not renewed expires "
    "(`CATALOG_SYNC_LOCK_SECONDS`).",
    (
        Prop("holder", doc="The `run_id` of the import run holding the lease."),
        Prop("host", doc="Host name of the process holding it."),
        Prop("pid", PropType.INT, "Process id of the holder on that host."),
        Prop("acquired_at", PropType.TIME),
        Prop("expires_at", PropType.TIME, "When the lease lapses unless renewed."),
    ),
)

SYNC_GENERATION = NodeType(
    "SyncGeneration",
    "The catalog's sync generation: one node (key `catalog`) whose `generation` each finished `catalog sync` advances. API "
    "processes poll it (`CATALOG_SNAPSHOT_POLL_SECONDS`) and rebuild their in-memory snapshot when it changes.",
    (
        Prop("generation", PropType.INT, "Advanced by one at the end of every finished sync (not a dry run)."),
        Prop("synced_at", PropType.TIME, "When the sync that last advanced it finished."),
    ),
)

API_TOKEN = NodeType(
    "ApiToken",
    "An API token for `CATALOG_AUTH=token`, made by `catalog token create`. Only a hash of the token is kept, so a copy of the "
    "store grants nothing; a revoked token keeps its node with `retired_at` set.",
    (
        Prop("name", indexed=True, doc="The name it was created with: who or what uses it."),
        Prop("selector", indexed=True, doc="The token's public part (`ocat_<selector>_...`), by which a presented token is found."),
        Prop("secret_hash", doc="SHA-256 of the whole token, hex."),
        Prop("scopes", PropType.STRING_LIST, "What it may do: `read`, `contacts`, `admin`."),
        Prop("created_at", PropType.TIME),
        Prop("created_by", doc="The operating-system user who ran `catalog token create`."),
        Prop("expires_at", PropType.TIME, "When it stops working; null: until revoked."),
    ),
)

NODE_TYPES: tuple[NodeType, ...] = (
    TEAM,
    PERSON,
    SERVICE,
    API,
    RESOURCE,
    SYSTEM,
    DOMAIN,
    REPOSITORY,
    PLATFORM,
    IDENTIFIER,
    WORKLOAD,
    ESCALATION_POLICY,
    SCHEDULE,
    ON_CALL_SHIFT,
    ADOPTION_SNAPSHOT,
    AUDIT_SIGHTING,
    FINDING,
    IMPORT_RUN,
    API_TOKEN,
    SYNC_LOCK,
    SYNC_GENERATION,
)

OWNERS = ("Team", "Person")
_OWNED = tuple(n.label for n in NODE_TYPES if n.ownable)

OWNS = RelType(
    "OWNS",
    "The owner is accountable for the entity. An entity may have several owners, one edge per source.",
    tuple((o, t) for o in OWNERS for t in _OWNED),
    (
        Prop("evidence", doc="The field or rule that established ownership."),
        Prop("strength", doc="How strong the evidence is: declared, configured, derived or inferred."),
    ),
)
ACCOUNTABLE_FOR = RelType(
    "ACCOUNTABLE_FOR",
    "The resolved owner: the owner the catalog answers with, taken from the source that comes first in the ownership "
    "precedence. Written by the reconcile step after every sync; its history is the history of ownership.",
    tuple((o, t) for o in OWNERS for t in _OWNED),
    (
        Prop("rule", doc="Why this owner won, e.g. `backstage comes first in ownership.precedence`."),
        Prop("sources", PropType.STRING_LIST, "Sources whose evidence names this owner."),
        Prop("strength", doc="The strongest evidence for it: declared, configured or inferred."),
    ),
)
MEMBER_OF = RelType("MEMBER_OF", "A person belongs to a team.", (("Person", "Team"),))
CHILD_OF = RelType("CHILD_OF", "Team hierarchy: the child team belongs to the parent.", (("Team", "Team"),))
PART_OF = RelType(
    "PART_OF",
    "The part-of chain: service, API, resource or platform → system → domain; subdomain → domain.",
    (("Service", "System"), ("API", "System"), ("Resource", "System"), ("Platform", "System"), ("System", "Domain"), ("Domain", "Domain")),
)
SUBCOMPONENT_OF = RelType("SUBCOMPONENT_OF", "A component is part of a larger component.", (("Service", "Service"),))
DEPENDS_ON = RelType(
    "DEPENDS_ON",
    "Runtime dependency: the source needs the target.",
    (("Service", "Service"), ("Service", "Resource"), ("Resource", "Service"), ("Resource", "Resource"), ("Workload", "Workload")),
    (
        Prop("evidence", doc="Why: `spec.dependsOn`, `consumes API x provided by y`, an environment variable, a PagerDuty dependency."),
        Prop("via_api", doc="The API through which a derived dependency runs."),
    ),
)
PROVIDES_API = RelType("PROVIDES_API", "The service serves the API.", (("Service", "API"),))
CONSUMES_API = RelType("CONSUMES_API", "The service calls the API.", (("Service", "API"),))
BUILT_FROM = RelType("BUILT_FROM", "The service's code lives in the repository.", (("Service", "Repository"),), (Prop("evidence"),))
RUNS_ON = RelType(
    "RUNS_ON",
    "The service or workload runs on the platform.",
    (("Service", "Platform"), ("Workload", "Platform")),
    (Prop("evidence", doc="Annotation, cluster and namespace, or other proof."),),
)
IDENTIFIES = RelType(
    "IDENTIFIES",
    "The identifier names the service (or workload). One edge per source that says so.",
    (("Identifier", "Service"), ("Identifier", "Workload")),
    (
        Prop("strength", doc="declared (an annotation or descriptor), configured (catalog.yaml), or inferred (a name or alias match)."),
        Prop("evidence"),
    ),
)
INSTANCE_OF = RelType(
    "INSTANCE_OF",
    "The workload runs the service.",
    (("Workload", "Service"),),
    (Prop("strength"), Prop("evidence", doc="Which label or name matched.")),
)
CLAIMED_AS = RelType(
    "CLAIMED_AS",
    "A discovered service was claimed: a descriptor declared the service it stood for, which took its place. Written by the "
    "reconcile step from the evidence both share (a workload, an identifier, a PagerDuty service); the discovered one stays "
    "retired, with its interval, as history.",
    (("Service", "Service"),),
    (Prop("evidence", doc="What the two share, e.g. `workload shop/cart runs both`."),),
    joins_history=True,
)
ESCALATES_VIA = RelType(
    "ESCALATES_VIA",
    "Incidents of the service (or, as a fallback, of the team's services) page through the escalation policy.",
    (("Service", "EscalationPolicy"), ("Team", "EscalationPolicy")),
    (
        Prop("external_service", doc="The PagerDuty service id that links them, for a service."),
        Prop("strength", doc="declared, configured or inferred (alias match, weaker)."),
        Prop("evidence"),
    ),
)
ESCALATES_TO = RelType(
    "ESCALATES_TO",
    "The escalation policy pages the schedule's on-call or the person directly, at the given levels.",
    (("EscalationPolicy", "Schedule"), ("EscalationPolicy", "Person")),
    (Prop("levels", PropType.INT_LIST, "Escalation levels (from 1) that target it."),),
)
ON_CALL = RelType("ON_CALL", "The person holds the on-call shift.", (("Person", "OnCallShift"),))
SHIFT_OF = RelType("SHIFT_OF", "The shift belongs to the escalation policy.", (("OnCallShift", "EscalationPolicy"),))
FROM_SCHEDULE = RelType("FROM_SCHEDULE", "The shift comes from the schedule.", (("OnCallShift", "Schedule"),))

REL_TYPES: tuple[RelType, ...] = (
    OWNS,
    ACCOUNTABLE_FOR,
    MEMBER_OF,
    CHILD_OF,
    PART_OF,
    SUBCOMPONENT_OF,
    DEPENDS_ON,
    PROVIDES_API,
    CONSUMES_API,
    BUILT_FROM,
    RUNS_ON,
    IDENTIFIES,
    INSTANCE_OF,
    CLAIMED_AS,
    ESCALATES_VIA,
    ESCALATES_TO,
    ON_CALL,
    SHIFT_OF,
    FROM_SCHEDULE,
)

NODES_BY_LABEL: dict[str, NodeType] = {n.label: n for n in NODE_TYPES}
RELS_BY_TYPE: dict[str, RelType] = {r.type: r for r in REL_TYPES}
LABEL_BY_BACKSTAGE_KIND: dict[str, str] = {k: n.label for n in NODE_TYPES for k in n.backstage_kinds}


@dataclass(frozen=True)
class GraphModel:
    nodes: tuple[NodeType, ...] = NODE_TYPES
    rels: tuple[RelType, ...] = REL_TYPES
    notes: tuple[str, ...] = field(default=())


MODEL = GraphModel()

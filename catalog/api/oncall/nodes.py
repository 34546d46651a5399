"""Escalation policies and schedules as catalog objects: what on-call answers refer to."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from types import MappingProxyType

import strawberry

from catalog.api.context import Info
from catalog.api.entity import Provenance, number_prop, text_prop
from catalog.api.node import Node, node_type
from catalog.api.scalars import URI, uri_prop
from catalog.core.model import ESCALATION_POLICY, SCHEDULE
from catalog.read import GraphNode
from catalog.read import Provenance as ProvenanceRow


def _ref(root: Node) -> str:
    return root.row.id


def _is_retired(root: Node) -> bool:
    return root.row.retired_at is not None


def _provenance(root: Node) -> Provenance:
    return Provenance(row=root.row.provenance)


def _ref_field(example: str) -> str:
    return strawberry.field(resolver=_ref, description=f"The catalog key, e.g. `{example}`.")


def _retired_field() -> bool:
    return strawberry.field(resolver=_is_retired, description="True when it is gone from PagerDuty: answers that use it are history.")


def _provenance_field() -> Provenance:
    return strawberry.field(resolver=_provenance, description="Which source stated it, and when the catalog saw it.")


@node_type("EscalationPolicy")
@strawberry.type(description="A PagerDuty escalation policy: who is paged, level by level.")
class EscalationPolicy(Node):
    ref: str = _ref_field("escalation-policy:pagerduty/acme/pabc123")
    is_retired: bool = _retired_field()
    provenance: Provenance = _provenance_field()
    external_id: str | None = text_prop(ESCALATION_POLICY, "external_id")
    name: str | None = text_prop(ESCALATION_POLICY, "name", "The policy's name.")
    description: str | None = text_prop(ESCALATION_POLICY, "description", "What the policy is for.")
    url: URI | None = uri_prop(ESCALATION_POLICY, "url")
    num_loops: int | None = number_prop(ESCALATION_POLICY, "num_loops")


@node_type("Schedule")
@strawberry.type(description="A PagerDuty on-call schedule.")
class Schedule(Node):
    ref: str = _ref_field("schedule:pagerduty/acme/psch001")
    is_retired: bool = _retired_field()
    provenance: Provenance = _provenance_field()
    external_id: str | None = text_prop(SCHEDULE, "external_id")
    name: str | None = text_prop(SCHEDULE, "name", "The schedule's name.")
    description: str | None = text_prop(SCHEDULE, "description", "What the schedule is for.")
    url: URI | None = uri_prop(SCHEDULE, "url", "The schedule's page in PagerDuty.")
    time_zone: str | None = text_prop(SCHEDULE, "time_zone", "The schedule's IANA time zone, e.g. `Europe/Berlin`.")


def _stub(label: str, key: str, name: str | None) -> GraphNode:
    return GraphNode(label, key, MappingProxyType({"name": name}), ProvenanceRow(None, None, None, None, None))


async def policy_object(info: Info, key: str, name: str | None = None) -> EscalationPolicy:
    """The policy with this key, current or retired."""
    row = await info.context.loaders.node_with_retired("EscalationPolicy").load(key)
    return EscalationPolicy(row=row or _stub("EscalationPolicy", key, name))


async def schedule_object(info: Info, key: str | None, name: str | None = None) -> Schedule | None:
    """The schedule with this key, current or retired; None for no key."""
    if key is None:
        return None
    row = await info.context.loaders.node_with_retired("Schedule").load(key)
    return Schedule(row=row or _stub("Schedule", key, name))

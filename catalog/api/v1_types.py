"""Node types that no query returns by name but ``node(id:)`` and references do: the schema lists them."""

from __future__ import annotations

from catalog.api.audits.types import Audit
from catalog.api.oncall.nodes import EscalationPolicy, Schedule
from catalog.api.platforms.types import Workload

EXTRA_NODE_TYPES = [EscalationPolicy, Schedule, Workload, Audit]

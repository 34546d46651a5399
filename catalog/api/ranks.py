"""Ordered values of the API: a service's criticality ``Tier`` and its ``Lifecycle``.

GraphQL enums have no order of their own; these are declared in their order and each value has a
``rank`` in its description, so clients may sort and compare them (``TIER_1`` is the most critical).
Sources write them as free text (`tier: "1"`, `tier-1`, `lifecycle: production`); a text that is
none of the values reads as null.
"""

from __future__ import annotations

import re
from enum import Enum

import strawberry


@strawberry.enum(description="Criticality, most critical first (rank 1 = TIER_1). Read from `tier: 1`, `tier-1`, `Tier 1`, `t1`.")
class Tier(Enum):
    TIER_1 = strawberry.enum_value("1", description="Rank 1: business critical; an outage is an incident for the company.")
    TIER_2 = strawberry.enum_value("2", description="Rank 2: important; customers notice an outage.")
    TIER_3 = strawberry.enum_value("3", description="Rank 3: internal or degradable.")
    TIER_4 = strawberry.enum_value("4", description="Rank 4: best effort.")
    TIER_5 = strawberry.enum_value("5", description="Rank 5: experimental or unsupported.")


@strawberry.enum(description="Where a component is in its life, in order (rank 1 = EXPERIMENTAL).")
class Lifecycle(Enum):
    EXPERIMENTAL = strawberry.enum_value("experimental", description="Rank 1: an experiment or early work.")
    BETA = strawberry.enum_value("beta", description="Rank 2: in use, not yet held to production standards.")
    PRODUCTION = strawberry.enum_value("production", description="Rank 3: running in production.")
    DEPRECATED = strawberry.enum_value("deprecated", description="Rank 4: to be retired; do not build on it.")


_TIER = re.compile(r"^\s*(?:tier|t)?[\s_-]*([1-5])\s*$", re.IGNORECASE)


def tier_of(text: str | None) -> Tier | None:
    found = _TIER.match(text or "")
    return Tier(found.group(1)) if found else None


def lifecycle_of(text: str | None) -> Lifecycle | None:
    try:
        return None if text is None else Lifecycle(text.strip().lower())
    except ValueError:
        return None

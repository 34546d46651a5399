"""The change policy of the public schema: no undeclared breaking change against the v1 baseline,
and every deprecation says when it may be removed."""

from __future__ import annotations

import pytest

from catalog.api.export_schema import SCHEMA_FILE
from catalog.api.schema_policy import ACCEPTED, BASELINE, accepted, deprecation_problems, undeclared_breaks

BEFORE = """
type Query { service(name: String!): Service }
type Service { name: String! tier: Int owners: [String!]! }
"""


def test_the_schema_makes_no_undeclared_breaking_change_against_the_v1_baseline() -> None:
    breaks = undeclared_breaks(BASELINE.read_text(encoding="utf-8"), SCHEMA_FILE.read_text(encoding="utf-8"), ACCEPTED.read_text())
    assert breaks == [], (
        f"schema.graphql breaks clients of {BASELINE.name}; keep the old field beside the new one with "
        f"@deprecated(reason: '... Removal: YYYY-MM-DD.'), or declare the break in {ACCEPTED.name} with its reason"
    )


def test_every_deprecation_in_the_schema_has_a_removal_date() -> None:
    assert deprecation_problems(SCHEMA_FILE.read_text(encoding="utf-8")) == []


def test_additions_pass_and_removals_renames_and_type_changes_are_caught() -> None:
    added = BEFORE.replace("owners: [String!]! }", "owners: [String!]! lifecycle: String }")
    assert undeclared_breaks(BEFORE, added, "") == []
    renamed = BEFORE.replace("owners:", "ownershipClaims:")
    assert undeclared_breaks(BEFORE, renamed, "") == ["FIELD_REMOVED: Field Service.owners was removed."]
    retyped = BEFORE.replace("tier: Int", "tier: String")
    assert undeclared_breaks(BEFORE, retyped, "") == ["FIELD_CHANGED_KIND: Field Service.tier changed type from Int to String."]
    required = BEFORE.replace("service(name: String!)", "service(name: String!, namespace: String!)")
    assert undeclared_breaks(BEFORE, required, "") == ["REQUIRED_ARG_ADDED: A required argument Query.service(namespace:) was added."]


def test_a_declared_break_passes_only_with_its_reason() -> None:
    renamed = BEFORE.replace("owners:", "ownershipClaims:")
    declared = "FIELD_REMOVED: Field Service.owners was removed. # owners means the resolved owners now; see ownershipClaims\n"
    assert undeclared_breaks(BEFORE, renamed, declared) == []
    with pytest.raises(ValueError, match="gives no reason"):
        accepted("FIELD_REMOVED: Field Service.owners was removed.\n")


def test_a_deprecation_without_a_removal_date_is_refused() -> None:
    dated = BEFORE.replace("tier: Int", 'tier: Int @deprecated(reason: "Use `criticality`. Removal: 2027-06-30.")')
    undated = BEFORE.replace("tier: Int", 'tier: Int @deprecated(reason: "Use `criticality`.")')
    assert deprecation_problems(dated) == []
    assert deprecation_problems(undated) == [
        "Service.tier: @deprecated(reason: 'Use `criticality`.') needs a removal date, e.g. '... Removal: 2027-06-30.'"
    ]

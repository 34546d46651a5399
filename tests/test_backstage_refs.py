"""Entity references: Backstage's defaults, wrong kinds, and references to entities nobody declares."""

from __future__ import annotations

import textwrap
from pathlib import Path

from catalog.core.records import ImportBatch, RelRecord
from importers.backstage import read_backstage


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def edges(batch: ImportBatch, rel_type: str) -> set[tuple[str, str]]:
    return {(r.src_id, r.dst_id) for r in batch.rels if r.type == rel_type}


def rel(batch: ImportBatch, rel_type: str, src: str, dst: str) -> RelRecord:
    (found,) = [r for r in batch.rels if (r.type, r.src_id, r.dst_id) == (rel_type, src, dst)]
    return found


PAYMENTS = """
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: payments-gateway
      namespace: payments
    spec:
      type: service
      lifecycle: production
      owner: payments-core
      system: payments
      subcomponentOf: payments-platform
      dependsOn:
        - component:ledger
        - resource:default/shared-db
      providesApis: [payments-api]
      consumesApis: [api:default/fraud-api]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: payments-core
      namespace: payments
    spec:
      type: team
      parent: engineering-payments
      children: [payments-risk]
      members: [bob, user:default/alice]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: User
    metadata:
      name: carol
      namespace: payments
    spec:
      memberOf: [payments-core]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: System
    metadata:
      name: payments
      namespace: payments
    spec:
      owner: user:carol
      domain: money
    """


def test_a_reference_without_namespace_uses_the_referring_entitys_namespace(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "payments.yaml", PAYMENTS)])

    assert edges(batch, "OWNS") == {
        ("group:payments/payments-core", "component:payments/payments-gateway"),
        ("user:payments/carol", "system:payments/payments"),
    }
    assert edges(batch, "PART_OF") == {
        ("component:payments/payments-gateway", "system:payments/payments"),
        ("system:payments/payments", "domain:payments/money"),
    }
    assert edges(batch, "SUBCOMPONENT_OF") == {("component:payments/payments-gateway", "component:payments/payments-platform")}
    assert edges(batch, "CHILD_OF") == {
        ("group:payments/payments-core", "group:payments/engineering-payments"),
        ("group:payments/payments-risk", "group:payments/payments-core"),
    }
    assert edges(batch, "MEMBER_OF") == {
        ("user:payments/bob", "group:payments/payments-core"),
        ("user:default/alice", "group:payments/payments-core"),
        ("user:payments/carol", "group:payments/payments-core"),
    }


def test_an_explicit_namespace_and_kind_are_kept(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "payments.yaml", PAYMENTS)])

    assert edges(batch, "DEPENDS_ON") == {
        ("component:payments/payments-gateway", "component:payments/ledger"),
        ("component:payments/payments-gateway", "resource:default/shared-db"),
    }
    assert edges(batch, "PROVIDES_API") == {("component:payments/payments-gateway", "api:payments/payments-api")}
    assert edges(batch, "CONSUMES_API") == {("component:payments/payments-gateway", "api:default/fraud-api")}


def test_each_field_has_its_default_kind(tmp_path: Path) -> None:
    # owner → group, system → system, subcomponentOf → component, parent/children/memberOf → group,
    # members → user, providesApis/consumesApis → api, domain → domain: the edges above have the
    # right target labels.
    batch = read_backstage([write(tmp_path, "payments.yaml", PAYMENTS)])

    labels = {(r.type, r.dst_id): (r.src_label, r.dst_label) for r in batch.rels}
    assert labels[("OWNS", "component:payments/payments-gateway")] == ("Team", "Service")
    assert labels[("OWNS", "system:payments/payments")] == ("Person", "System")
    assert labels[("PART_OF", "domain:payments/money")] == ("System", "Domain")
    assert labels[("SUBCOMPONENT_OF", "component:payments/payments-platform")] == ("Service", "Service")
    assert labels[("CONSUMES_API", "api:default/fraud-api")] == ("Service", "API")
    assert labels[("DEPENDS_ON", "resource:default/shared-db")] == ("Service", "Resource")


def test_references_compare_case_insensitively(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: cart
        spec:
          type: service
          lifecycle: production
          owner: Group:Default/Checkout-Team
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: checkout-team
        spec: {type: team, children: []}
        """,
    )
    batch = read_backstage([path])

    owns = rel(batch, "OWNS", "group:default/checkout-team", "component:default/cart")
    assert owns.if_missing is None


def test_a_reference_to_an_entity_nobody_declares_is_kept_with_a_finding_for_the_sync(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: referral-service
        spec:
          type: service
          lifecycle: production
          owner: growth-team
          dependsOn:
            - component:identity
            - resource:referral-db
        """,
    )
    batch = read_backstage([path])

    owns = rel(batch, "OWNS", "group:default/growth-team", "component:default/referral-service")
    assert (owns.src_label, owns.dst_label) == ("Team", "Service")
    assert owns.if_missing is not None
    missing = owns.if_missing
    assert (missing.kind, missing.severity, missing.file, missing.line, missing.field) == (
        "unknown-reference",
        "error",
        "catalog-info.yaml",
        8,
        "spec.owner",
    )
    assert (missing.subject, missing.reference) == ("component:default/referral-service", "group:default/growth-team")
    assert missing.fix == "declare group:default/growth-team or correct spec.owner"

    db = rel(batch, "DEPENDS_ON", "component:default/referral-service", "resource:default/referral-db")
    assert db.dst_label == "Resource"
    assert db.if_missing is not None
    assert (db.if_missing.field, db.if_missing.line) == ("spec.dependsOn[1]", 11)
    # Not reported by the importer itself: the store may know the target from another source.
    assert batch.findings == []


def test_a_reference_of_the_wrong_kind_is_an_error_and_no_relationship(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: payouts
        spec:
          type: service
          lifecycle: production
          owner: system:payments
          consumesApis:
            - api:ledger-api
            - component:ledger
          dependsOn:
            - api:ledger-api
        """,
    )
    batch = read_backstage([path])

    assert edges(batch, "OWNS") == set()
    assert edges(batch, "CONSUMES_API") == {("component:default/payouts", "api:default/ledger-api")}
    assert edges(batch, "DEPENDS_ON") == set()
    assert [(f.kind, f.severity, f.file, f.line, f.field, f.reference) for f in batch.findings] == [
        ("wrong-kind", "error", "catalog-info.yaml", 8, "spec.owner", "system:default/payments"),
        ("wrong-kind", "error", "catalog-info.yaml", 11, "spec.consumesApis[1]", "component:default/ledger"),
        ("wrong-kind", "error", "catalog-info.yaml", 13, "spec.dependsOn[0]", "api:default/ledger-api"),
    ]
    owner = batch.findings[0]
    assert owner.subject == "component:default/payouts"
    assert owner.fix == "write group:NAME or user:NAME in spec.owner"


def test_depends_on_without_a_kind_is_an_error_because_backstage_requires_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: cart
        spec:
          type: service
          lifecycle: production
          owner: checkout-team
          dependsOn:
            - component:identity
            - cart-store
        """,
    )
    batch = read_backstage([path])

    assert edges(batch, "DEPENDS_ON") == {("component:default/cart", "component:default/identity")}
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.file, finding.line, finding.field, finding.reference) == (
        "missing-kind",
        "error",
        "catalog-info.yaml",
        11,
        "spec.dependsOn[1]",
        "cart-store",
    )
    assert finding.fix == "write component:cart-store or resource:cart-store"


def test_a_malformed_reference_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: cart
        spec:
          type: service
          lifecycle: production
          owner: "checkout team"
        """,
    )
    batch = read_backstage([path])

    assert batch.rels == []
    (finding,) = batch.findings
    assert (finding.kind, finding.line, finding.field, finding.reference) == ("invalid-reference", 8, "spec.owner", "checkout team")

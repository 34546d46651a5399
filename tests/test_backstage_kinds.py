"""Given a catalog-info.yaml with one entity of each kind, these nodes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from catalog.core.model import NODES_BY_LABEL
from catalog.core.records import ImportBatch, NodeRecord
from importers.backstage import read_backstage


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def node(batch: ImportBatch, node_id: str) -> NodeRecord:
    (found,) = [n for n in batch.nodes if n.id == node_id]
    return found


ALL_KINDS = """
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: Checkout
      title: Checkout Service
      description: Turns a basket into an order.
      labels:
        tier: "1"
      annotations:
        ownership-catalog.io/aliases: "checkout-svc, co ,"
        pagerduty.com/service-id: PCK9T2V
      tags: [java, rest]
      links:
        - url: https://runbooks.acme.example/checkout
          title: Runbook
          type: runbook
    spec:
      type: service
      lifecycle: production
      owner: checkout-team
    ---
    apiVersion: backstage.io/v1alpha1
    kind: API
    metadata:
      name: checkout-api
    spec:
      type: openapi
      lifecycle: production
      owner: checkout-team
      definition: "openapi: 3.0.3"
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata:
      name: checkout-db
    spec:
      type: database
      owner: checkout-team
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata:
      name: kubernetes
      annotations:
        ownership-catalog.io/standard-platform: "true"
    spec:
      type: platform
      owner: checkout-team
    ---
    apiVersion: backstage.io/v1alpha1
    kind: System
    metadata:
      name: shopping
    spec:
      owner: checkout-team
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Domain
    metadata:
      name: commerce
    spec:
      owner: checkout-team
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: checkout-team
      annotations:
        slack.com/channel: checkout
    spec:
      type: team
      profile:
        displayName: Checkout Team
        email: checkout@acme.example
        picture: https://avatars.acme.example/checkout.png
      children: []
    ---
    apiVersion: backstage.io/v1alpha1
    kind: User
    metadata:
      name: alice
    spec:
      profile:
        displayName: Alice Example
        email: alice@acme.example
      memberOf: [checkout-team]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Location
    metadata:
      name: nothing-to-see
    spec:
      targets: []
    """


def test_every_kind_becomes_its_node_label(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    assert [(n.label, n.id, n.origin) for n in batch.nodes] == [
        ("API", "api:default/checkout-api", "catalog-info.yaml#1"),
        ("Domain", "domain:default/commerce", "catalog-info.yaml#5"),
        ("Identifier", "ident:alias:checkout-svc", "catalog-info.yaml#0"),
        ("Identifier", "ident:alias:co", "catalog-info.yaml#0"),
        ("Identifier", "ident:pagerduty-service:pck9t2v", "catalog-info.yaml#0"),
        ("Person", "user:default/alice", "catalog-info.yaml#7"),
        ("Platform", "platform:default/kubernetes", "catalog-info.yaml#3"),
        ("Resource", "resource:default/checkout-db", "catalog-info.yaml#2"),
        ("Service", "component:default/checkout", "catalog-info.yaml#0"),
        ("System", "system:default/shopping", "catalog-info.yaml#4"),
        ("Team", "group:default/checkout-team", "catalog-info.yaml#6"),
    ]
    assert batch.findings == []
    assert batch.source == "backstage"
    assert batch.complete is True
    assert batch.failed_origins == set()


def test_every_declared_property_is_present_on_every_node(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])
    for record in batch.nodes:
        assert set(record.props) == {p.name for p in NODES_BY_LABEL[record.label].props}, record.label


def test_a_component_is_a_service_with_metadata_as_json_text(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    assert node(batch, "component:default/checkout").props == {
        "namespace": "default",
        "name": "Checkout",
        "title": "Checkout Service",
        "description": "Turns a basket into an order.",
        "tags": ["java", "rest"],
        "labels": '{"tier": "1"}',
        "annotations": json.dumps(
            {"ownership-catalog.io/aliases": "checkout-svc, co ,", "pagerduty.com/service-id": "PCK9T2V"},
            sort_keys=True,
        ),
        "links": '[{"title": "Runbook", "type": "runbook", "url": "https://runbooks.acme.example/checkout"}]',
        "search_text": "checkout checkout service turns a basket into an order. java rest",
        "type": "service",
        "lifecycle": "production",
        "tier": "1",
        "aliases": ["checkout-svc", "co"],
        "discovered": None,  # a declared service, not one discovered from live evidence
        "discovery": None,
    }


def test_absent_metadata_is_none_and_absent_lists_are_empty(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    assert node(batch, "resource:default/checkout-db").props == {
        "namespace": "default",
        "name": "checkout-db",
        "title": None,
        "description": None,
        "tags": [],
        "labels": None,
        "annotations": None,
        "links": None,
        "search_text": "checkout-db",
        "type": "database",
    }


def test_the_tier_annotation_stands_in_for_a_missing_tier_label(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: cart
          annotations:
            ownership-catalog.io/tier: "2"
        spec: {type: service, lifecycle: production, owner: checkout-team}
        """,
    )
    assert node(read_backstage([path]), "component:default/cart").props["tier"] == "2"


def test_a_platform_resource_is_a_platform_node(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    platform = node(batch, "platform:default/kubernetes")
    assert platform.props["standard"] is True
    assert platform.props["type"] == "platform"
    assert not [n for n in batch.nodes if n.id == "resource:default/kubernetes"]


def test_a_platform_without_the_standard_annotation_is_not_standard(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "platforms.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Resource
        metadata:
          name: data-team-emr
        spec:
          type: platform
          owner: data-team
        """,
    )
    assert node(read_backstage([path]), "platform:default/data-team-emr").props["standard"] is False


def test_groups_are_teams_with_profile_and_chat_channel(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    team = node(batch, "group:default/checkout-team").props
    assert (team["type"], team["display_name"], team["email"], team["picture"], team["chat_channel"]) == (
        "team",
        "Checkout Team",
        "checkout@acme.example",
        "https://avatars.acme.example/checkout.png",
        "checkout",
    )


def test_the_catalog_chat_annotation_wins_over_slack(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "team.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: search-team
          annotations:
            slack.com/channel: old-search
            ownership-catalog.io/chat-channel: "#search"
        spec: {type: team, children: []}
        """,
    )
    assert node(read_backstage([path]), "group:default/search-team").props["chat_channel"] == "#search"


def test_users_are_people_with_their_profile(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    person = node(batch, "user:default/alice").props
    assert (person["display_name"], person["email"], person["picture"]) == ("Alice Example", "alice@acme.example", None)


def test_an_api_keeps_its_definition(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])

    api = node(batch, "api:default/checkout-api").props
    assert (api["type"], api["lifecycle"], api["definition"]) == ("openapi", "production", "openapi: 3.0.3")


def test_an_api_definition_over_64_kib_is_truncated_with_a_warning(tmp_path: Path) -> None:
    definition = "é" * 40_000  # 80,000 bytes of UTF-8
    path = write(
        tmp_path,
        "api.yaml",
        f"""
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: big-api
        spec:
          type: openapi
          lifecycle: production
          owner: checkout-team
          definition: "{definition}"
        """,
    )
    batch = read_backstage([path])

    stored = node(batch, "api:default/big-api").props["definition"]
    assert stored == "é" * 32_768
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.file, finding.line, finding.field) == (
        "definition-truncated",
        "warning",
        "api.yaml",
        9,
        "spec.definition",
    )


def test_a_location_is_walked_but_not_stored(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", ALL_KINDS)])
    assert not [n for n in batch.nodes if n.id.startswith("location:")]


def test_documents_that_are_not_backstage_entities_are_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.yaml",
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: checkout
        ---
        # an empty document is skipped silently
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: shopping
        spec:
          owner: checkout-team
        """,
    )
    batch = read_backstage([path])

    assert [n.id for n in batch.nodes] == ["system:default/shopping"]
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.file, finding.line) == ("not-an-entity", "warning", "mixed.yaml", 1)
    assert "document 0" in finding.message
    assert batch.failed_origins == set()


def test_an_unknown_kind_is_an_error_and_the_document_is_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Componnet
        metadata:
          name: checkout
        spec:
          owner: checkout-team
        """,
    )
    batch = read_backstage([path])

    assert batch.nodes == []
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.file, finding.line, finding.field) == (
        "unknown-kind",
        "error",
        "catalog-info.yaml",
        2,
        "kind",
    )
    assert finding.subject == "componnet:default/checkout"
    assert "Component" in finding.fix
    assert batch.failed_origins == {"catalog-info.yaml"}


def test_kinds_are_case_insensitive(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1beta1
        kind: component
        metadata: {name: cart}
        spec: {type: service, lifecycle: production, owner: checkout-team}
        """,
    )
    assert [n.id for n in read_backstage([path]).nodes] == ["component:default/cart"]


def test_an_entity_missing_fields_backstage_requires_is_imported_with_warnings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: email-sender
        spec:
          type: service
        """,
    )
    batch = read_backstage([path])

    assert [n.id for n in batch.nodes] == ["component:default/email-sender"]
    assert [(f.kind, f.severity, f.field, f.line) for f in batch.findings] == [
        ("missing-field", "warning", "spec.lifecycle", 5),
        ("missing-field", "warning", "spec.owner", 5),
    ]
    assert batch.failed_origins == set()

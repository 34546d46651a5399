"""Given entities that refer to each other, these relationships (and the nodes they need)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog.core.records import ImportBatch, RelRecord
from importers.backstage import read_backstage
from importers.backstage.repository import Repository, from_project_slug, from_source_location


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


def component(name: str, spec: str = "", annotations: str = "") -> str:
    """One Component document; ``spec`` and ``annotations`` are extra YAML lines.

    The first annotation is on line 6; spec lines follow ``owner: team-a``.
    """
    lines = ["apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", f"  name: {name}"]
    if annotations:
        lines += ["  annotations:"] + ["    " + line for line in textwrap.dedent(annotations).strip().splitlines()]
    lines += ["spec:", "  type: service", "  lifecycle: production", "  owner: team-a"]
    lines += ["  " + line for line in textwrap.dedent(spec).strip().splitlines()]
    return "\n".join(lines) + "\n"


def catalog(*documents: str) -> str:
    return "---\n".join(documents)


# -- ownership, membership, hierarchy, part-of ----------------------------------------------


def test_the_owner_owns_the_entity_with_spec_owner_as_evidence(tmp_path: Path) -> None:
    batch = read_backstage([write(tmp_path, "catalog-info.yaml", component("cart"))])

    owns = rel(batch, "OWNS", "group:default/team-a", "component:default/cart")
    assert (owns.src_label, owns.dst_label, owns.props, owns.origin) == (
        "Team",
        "Service",
        {"evidence": "spec.owner", "strength": "declared"},
        "catalog-info.yaml#0",
    )


def test_membership_stated_on_both_sides_is_one_relationship(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "org.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: team-a}
        spec: {type: team, children: [], members: [alice]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata: {name: alice}
        spec: {memberOf: [team-a, team-b]}
        """,
    )
    batch = read_backstage([path])

    assert [(r.type, r.src_id, r.dst_id) for r in batch.rels] == [
        ("MEMBER_OF", "user:default/alice", "group:default/team-a"),
        ("MEMBER_OF", "user:default/alice", "group:default/team-b"),
    ]
    stated_twice = rel(batch, "MEMBER_OF", "user:default/alice", "group:default/team-a")
    assert (stated_twice.origin, stated_twice.if_missing) == ("org.yaml#0", None)
    assert rel(batch, "MEMBER_OF", "user:default/alice", "group:default/team-b").if_missing is not None


def test_parent_and_children_give_one_child_of_edge_per_pair(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "org.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: commerce}
        spec: {type: department, children: [team-a, team-b]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: team-a}
        spec: {type: team, parent: commerce, children: []}
        """,
    )
    batch = read_backstage([path])

    assert edges(batch, "CHILD_OF") == {
        ("group:default/team-a", "group:default/commerce"),
        ("group:default/team-b", "group:default/commerce"),
    }
    assert len([r for r in batch.rels if r.type == "CHILD_OF"]) == 2
    assert batch.findings == []


def test_a_cycle_in_the_group_hierarchy_is_a_warning_and_the_edges_are_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "org.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: team-a}
        spec:
          type: team
          parent: team-b
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: team-b}
        spec:
          type: team
          parent: team-a
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: loner}
        spec:
          type: team
          parent: loner
          children: []
        """,
    )
    batch = read_backstage([path])

    assert edges(batch, "CHILD_OF") == {
        ("group:default/team-a", "group:default/team-b"),
        ("group:default/team-b", "group:default/team-a"),
        ("group:default/loner", "group:default/loner"),
    }
    assert [(f.kind, f.severity, f.subject, f.line, f.field) for f in batch.findings] == [
        ("hierarchy-cycle", "warning", "group:default/team-a", 6, "spec.parent"),
        ("hierarchy-cycle", "warning", "group:default/loner", 22, "spec.parent"),
    ]
    assert "group:default/team-a → group:default/team-b → group:default/team-a" in batch.findings[0].message


def test_the_part_of_chain_runs_from_components_apis_and_resources_to_domains(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component("cart", "system: shopping\nsubcomponentOf: checkout"),
            """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: cart-api}
spec: {type: openapi, lifecycle: production, owner: team-a, system: shopping, definition: x}
""",
            """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: cart-store}
spec: {type: database, owner: team-a, system: shopping}
""",
            """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shopping}
spec: {owner: team-a, domain: commerce}
""",
            """\
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: commerce}
spec: {owner: team-a, subdomainOf: retail}
""",
        ),
    )
    batch = read_backstage([path])

    assert edges(batch, "PART_OF") == {
        ("component:default/cart", "system:default/shopping"),
        ("api:default/cart-api", "system:default/shopping"),
        ("resource:default/cart-store", "system:default/shopping"),
        ("system:default/shopping", "domain:default/commerce"),
        ("domain:default/commerce", "domain:default/retail"),
    }
    assert edges(batch, "SUBCOMPONENT_OF") == {("component:default/cart", "component:default/checkout")}


# -- dependencies -----------------------------------------------------------------------------


def test_depends_on_and_dependency_of_give_depends_on_edges(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component("cart", "dependsOn: [resource:cart-store]\ndependencyOf: [component:checkout]"),
            """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: cart-store}
spec: {type: database, owner: team-a, dependsOn: [resource:disks]}
""",
        ),
    )
    batch = read_backstage([path])

    assert edges(batch, "DEPENDS_ON") == {
        ("component:default/cart", "resource:default/cart-store"),
        ("component:default/checkout", "component:default/cart"),
        ("resource:default/cart-store", "resource:default/disks"),
    }
    assert rel(batch, "DEPENDS_ON", "component:default/cart", "resource:default/cart-store").props == {
        "evidence": "spec.dependsOn",
        "via_api": None,
    }
    assert rel(batch, "DEPENDS_ON", "component:default/checkout", "component:default/cart").props["evidence"] == "spec.dependencyOf"


def test_consuming_an_api_depends_on_every_component_that_provides_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component("checkout", "consumesApis: [cart-api, checkout-api]\nprovidesApis: [checkout-api]"),
            component("cart", "providesApis: [cart-api]"),
            component("cart-v2", "providesApis: [cart-api]"),
        ),
    )
    batch = read_backstage([path])

    assert edges(batch, "DEPENDS_ON") == {
        ("component:default/checkout", "component:default/cart"),
        ("component:default/checkout", "component:default/cart-v2"),
    }  # and not on itself through checkout-api
    derived = rel(batch, "DEPENDS_ON", "component:default/checkout", "component:default/cart")
    assert derived.props == {
        "evidence": "consumes api:default/cart-api provided by component:default/cart",
        "via_api": "api:default/cart-api",
    }
    assert (derived.origin, derived.if_missing) == ("catalog-info.yaml#0", None)


def test_a_declared_and_a_derived_dependency_on_the_same_component_are_one_edge(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component("checkout", "consumesApis: [cart-api, basket-api]\ndependsOn: [component:cart]"),
            component("cart", "providesApis: [cart-api, basket-api]"),
        ),
    )
    batch = read_backstage([path])

    (dependency,) = [r for r in batch.rels if r.type == "DEPENDS_ON"]
    assert (dependency.src_id, dependency.dst_id) == ("component:default/checkout", "component:default/cart")
    assert dependency.props == {
        "evidence": "spec.dependsOn; consumes api:default/basket-api provided by component:default/cart; "
        "consumes api:default/cart-api provided by component:default/cart",
        "via_api": "api:default/basket-api",
    }


# -- platforms ----------------------------------------------------------------------------------

PLATFORMS = """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: kubernetes}
spec: {type: platform, owner: platform-team}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: legacy-vms}
spec: {type: platform, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: orders-db}
spec: {type: database, owner: team-a}
"""


def test_the_platform_annotation_means_runs_on(tmp_path: Path) -> None:
    path = write(
        tmp_path, "catalog-info.yaml", catalog(component("cart", annotations="ownership-catalog.io/platform: kubernetes"), PLATFORMS)
    )
    batch = read_backstage([path])

    runs_on = rel(batch, "RUNS_ON", "component:default/cart", "platform:default/kubernetes")
    assert (runs_on.src_label, runs_on.dst_label) == ("Service", "Platform")
    assert runs_on.props == {"evidence": "annotation ownership-catalog.io/platform"}
    assert runs_on.if_missing is None
    assert rel(batch, "OWNS", "group:default/platform-team", "platform:default/kubernetes").dst_label == "Platform"


def test_the_platform_annotation_may_use_the_platform_key_spelling(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(component("cart", annotations="ownership-catalog.io/platform: platform:default/kubernetes"), PLATFORMS),
    )
    batch = read_backstage([path])

    assert edges(batch, "RUNS_ON") == {("component:default/cart", "platform:default/kubernetes")}
    assert batch.findings == []


def test_depending_on_a_platform_resource_means_runs_on_not_depends_on(tmp_path: Path) -> None:
    path = write(
        tmp_path, "catalog-info.yaml", catalog(component("inventory", "dependsOn: [resource:legacy-vms, resource:orders-db]"), PLATFORMS)
    )
    batch = read_backstage([path])

    assert edges(batch, "RUNS_ON") == {("component:default/inventory", "platform:default/legacy-vms")}
    assert rel(batch, "RUNS_ON", "component:default/inventory", "platform:default/legacy-vms").props == {"evidence": "spec.dependsOn"}
    assert edges(batch, "DEPENDS_ON") == {("component:default/inventory", "resource:default/orders-db")}


def test_a_platform_named_twice_is_one_edge_with_both_evidences(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component("cart", "dependsOn: [resource:kubernetes]", annotations="ownership-catalog.io/platform: resource:default/kubernetes"),
            PLATFORMS,
        ),
    )
    batch = read_backstage([path])

    runs_on = rel(batch, "RUNS_ON", "component:default/cart", "platform:default/kubernetes")
    assert runs_on.props == {"evidence": "spec.dependsOn; annotation ownership-catalog.io/platform"}


def test_an_undeclared_platform_is_a_runs_on_edge_with_a_finding_for_the_sync(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", component("cart", annotations="ownership-catalog.io/platform: nomad"))
    batch = read_backstage([path])

    runs_on = rel(batch, "RUNS_ON", "component:default/cart", "platform:default/nomad")
    assert runs_on.dst_label == "Platform"
    assert runs_on.if_missing is not None
    assert (runs_on.if_missing.kind, runs_on.if_missing.line, runs_on.if_missing.field) == (
        "unknown-reference",
        6,
        'metadata.annotations["ownership-catalog.io/platform"]',
    )


def test_a_platform_annotation_naming_a_resource_that_is_no_platform_is_wrong_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path, "catalog-info.yaml", catalog(component("cart", annotations="ownership-catalog.io/platform: orders-db"), PLATFORMS)
    )
    batch = read_backstage([path])

    assert edges(batch, "RUNS_ON") == set()
    (finding,) = batch.findings
    assert (finding.kind, finding.line, finding.reference) == ("wrong-kind", 6, "resource:default/orders-db")


def test_a_platform_belongs_to_its_system_and_unsupported_edges_are_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Resource
        metadata: {name: kubernetes}
        spec:
          type: platform
          owner: platform-team
          system: developer-platform
          dependsOn: [resource:default/dns]
        """,
    )
    batch = read_backstage([path])

    assert edges(batch, "PART_OF") == {("platform:default/kubernetes", "system:default/developer-platform")}
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.subject, finding.line, finding.field) == (
        "unsupported-relationship",
        "info",
        "platform:default/kubernetes",
        8,
        "spec.dependsOn",
    )


# -- repositories -----------------------------------------------------------------------------


def test_a_github_project_slug_is_a_repository_the_service_is_built_from(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", component("cart", annotations="github.com/project-slug: Acme/cart"))
    batch = read_backstage([path])

    (repository,) = [n for n in batch.nodes if n.label == "Repository"]
    assert (repository.id, repository.origin) == ("repository:github.com/acme/cart", "catalog-info.yaml#0")
    assert repository.props == {
        "host": "github.com",
        "slug": "Acme/cart",
        "url": "https://github.com/Acme/cart",
        "name": "cart",
        "search_text": "cart acme/cart",
    }
    built_from = rel(batch, "BUILT_FROM", "component:default/cart", "repository:github.com/acme/cart")
    assert built_from.props == {"evidence": "annotation github.com/project-slug"}


def test_a_source_location_is_a_repository_and_one_repository_is_emitted_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        catalog(
            component(
                "cart",
                annotations="github.com/project-slug: acme/cart\nbackstage.io/source-location: url:https://github.com/acme/cart/tree/main/",
            ),
            component("cart-worker", annotations="backstage.io/source-location: url:https://github.com/acme/cart/tree/main/worker/"),
        ),
    )
    batch = read_backstage([path])

    assert [n.id for n in batch.nodes if n.label == "Repository"] == ["repository:github.com/acme/cart"]
    assert edges(batch, "BUILT_FROM") == {
        ("component:default/cart", "repository:github.com/acme/cart"),
        ("component:default/cart-worker", "repository:github.com/acme/cart"),
    }
    assert rel(batch, "BUILT_FROM", "component:default/cart", "repository:github.com/acme/cart").props == {
        "evidence": "annotation github.com/project-slug; annotation backstage.io/source-location"
    }


def test_an_annotation_that_names_no_repository_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", component("cart", annotations="github.com/project-slug: cart"))
    batch = read_backstage([path])

    assert edges(batch, "BUILT_FROM") == set()
    (finding,) = batch.findings
    assert (finding.kind, finding.severity, finding.line, finding.field) == (
        "invalid-annotation",
        "warning",
        6,
        'metadata.annotations["github.com/project-slug"]',
    )


@pytest.mark.parametrize(
    ("location", "repository"),
    [
        ("url:https://github.com/acme/cart/tree/main/", Repository("github.com", "acme/cart")),
        ("url:https://github.com/acme/cart/blob/main/catalog-info.yaml", Repository("github.com", "acme/cart")),
        ("https://github.com/acme/cart.git", Repository("github.com", "acme/cart")),
        ("url:https://gitlab.com/acme/shop/cart/-/tree/main/", Repository("gitlab.com", "acme/shop/cart")),
        ("url:https://bitbucket.org/acme/cart/src/main/", Repository("bitbucket.org", "acme/cart")),
        ("dir:.", None),
        ("url:https://github.com/acme", None),
    ],
)
def test_source_locations_name_repositories(location: str, repository: Repository | None) -> None:
    assert from_source_location(location) == repository


def test_project_slugs_are_org_slash_repo() -> None:
    assert from_project_slug("acme/cart.git") == Repository("github.com", "acme/cart")
    assert from_project_slug("acme/cart/extra") is None

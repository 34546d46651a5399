"""Translation of Kubernetes objects to records, against a hand-built identity index (no store)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from catalog.core.identity import IdentityIndex
from catalog.core.records import RelRecord
from importers.kubernetes.objects import RawObject
from importers.kubernetes.translate import Settings, Translation, translate

CLUSTER = "prod-eu"


def workload(
    ns: str,
    name: str,
    *,
    kind: str = "Deployment",
    labels: dict[str, str] | None = None,
    pod_labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    env: dict[str, Any] | None = None,
    init_env: dict[str, str] | None = None,
    owners: list[str] | None = None,
) -> dict[str, Any]:
    def containers(values: dict[str, Any] | None, image: str) -> list[dict[str, Any]]:
        items = [{"name": k, "valueFrom": v} if isinstance(v, dict) else {"name": k, "value": v} for k, v in (values or {}).items()]
        return [{"name": name, "image": image, **({"env": items} if items else {})}]

    pod = {"containers": containers(env, f"ghcr.io/acme/{name}:1.0")}
    if init_env is not None:
        pod["initContainers"] = containers(init_env, "busybox:1.36")
    template = {"metadata": {"labels": pod_labels if pod_labels is not None else {"app": name}}, "spec": pod}
    spec: dict[str, Any] = {"template": template}
    if kind in ("Deployment", "StatefulSet"):
        spec["replicas"] = 2
    if kind == "CronJob":
        spec = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels if labels is not None else {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    if owners:
        meta["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": k, "name": "x", "uid": "1"} for k in owners]
    return {"apiVersion": "batch/v1" if kind in ("CronJob", "Job") else "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def service(ns: str, name: str, ports: list[int], selector: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": p, "targetPort": p + 1000} for p in ports]}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def raws(*bodies: dict[str, Any]) -> list[RawObject]:
    return [
        RawObject(body, None, f"export.yaml#L{10 * i + 1}", f"export.yaml line {10 * i + 1}", "export.yaml", 10 * i + 1)
        for i, body in enumerate(bodies)
    ]


def catalog(services: dict[str, str] | None = None, teams: dict[str, str] | None = None) -> IdentityIndex:
    index = IdentityIndex()
    for key, name in (services or {}).items():
        index.add_service(key, name)
    for key, name in (teams or {}).items():
        index.add_team(key, name)
    return index


def run(*bodies: dict[str, Any], index: IdentityIndex | None = None, **settings: Any) -> Translation:
    # These specify matching against the catalog as it is; discovered services (created for what
    # matches nothing) are specified in tests/test_fidelity_kubernetes.py.
    settings.setdefault("discover", False)
    return translate(raws(*bodies), Settings(cluster=CLUSTER, instance=f"kubernetes:{CLUSTER}", **settings), index or IdentityIndex())


def rels(t: Translation, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.src_id, r.dst_id): r.props for r in t.rels if r.type == kind}


def node(t: Translation, key: str) -> dict[str, Any]:
    [found] = [n for n in t.nodes if n.id == key]
    return found.props


def findings(t: Translation, kind: str) -> list[str]:
    return [f.message for f in t.findings if f.kind == kind]


W = "workload:prod-eu"

# -- workload nodes ------------------------------------------------------------------------


def test_a_workload_node_keeps_what_identifies_it_and_drops_what_changes_every_rollout() -> None:
    body = workload(
        "Shop",
        "Checkout",
        labels={"app.kubernetes.io/name": "checkout", "team": "commerce"},
        pod_labels={"app.kubernetes.io/name": "checkout", "pod-template-hash": "5d9f"},
        annotations={
            "kubectl.kubernetes.io/last-applied-configuration": '{"env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}',
            "deployment.kubernetes.io/revision": "12",
            "ownership-catalog.io/runbook": "https://runbooks.example/checkout",
        },
        init_env={"WAIT": "db:5432"},
    )
    t = run(body)
    props = node(t, f"{W}/shop/deployment/checkout")
    assert props["cluster"] == CLUSTER and props["namespace"] == "Shop" and props["kind"] == "Deployment" and props["name"] == "Checkout"
    assert props["app"] == "checkout"
    assert json.loads(props["labels"]) == {"app.kubernetes.io/name": "checkout", "team": "commerce"}
    assert json.loads(props["annotations"]) == {"ownership-catalog.io/runbook": "https://runbooks.example/checkout"}
    assert json.loads(props["pod_labels"]) == {"app.kubernetes.io/name": "checkout"}
    assert props["images"] == ["ghcr.io/acme/Checkout:1.0", "busybox:1.36"]
    assert props["replicas"] == 2
    assert "hunter2" not in json.dumps([n.props for n in t.nodes])


def test_a_cronjob_reads_its_job_template_and_the_jobs_it_created_are_folded_into_it() -> None:
    cron = workload("data", "reporting", kind="CronJob", pod_labels={"app": "reporting"}, env={"ORDERS": "orders.shop:9090"})
    run_of_it = workload("data", "reporting-29366820", kind="Job", owners=["CronJob"], env={"ORDERS": "orders.shop:9090"})
    standalone = workload(
        "data",
        "migrate-42",
        kind="Job",
        pod_labels={"app": "migrate", "controller-uid": "u1", "batch.kubernetes.io/job-name": "migrate-42"},
    )
    orders = workload("shop", "orders")
    t = run(cron, run_of_it, standalone, orders, service("shop", "orders", [9090], {"app": "orders"}))
    keys = sorted(n.id for n in t.nodes if n.label == "Workload")
    assert keys == [f"{W}/data/cronjob/reporting", f"{W}/data/job/migrate-42", f"{W}/shop/deployment/orders"]
    assert json.loads(node(t, f"{W}/data/cronjob/reporting")["pod_labels"]) == {"app": "reporting"}
    assert json.loads(node(t, f"{W}/data/job/migrate-42")["pod_labels"]) == {"app": "migrate"}
    assert node(t, f"{W}/data/cronjob/reporting")["replicas"] is None
    assert (f"{W}/data/cronjob/reporting", f"{W}/shop/deployment/orders") in rels(t, "DEPENDS_ON")


def test_excluded_and_unlisted_namespaces_are_left_out() -> None:
    bodies = [workload("kube-system", "coredns"), workload("shop", "checkout"), workload("data", "etl")]
    assert {n.id for n in run(*bodies).nodes} == {f"{W}/shop/deployment/checkout", f"{W}/data/deployment/etl"}
    only = run(*bodies, namespaces=frozenset({"data", "kube-system"}))
    assert {n.id for n in only.nodes} == {f"{W}/data/deployment/etl"}


# -- which service a workload runs ---------------------------------------------------------

SERVICES = {
    "component:default/checkout": "checkout",
    "component:payments/payments-gateway": "payments-gateway",
    "component:default/gateway": "gateway",
}


def test_the_explicit_service_label_is_declared_and_beats_everything_else() -> None:
    index = catalog(SERVICES)
    index.by_identifier[("workload", "payments/gw")].add("component:default/gateway")
    body = workload("payments", "gw", labels={"ownership-catalog.io/service": "payments-gateway", "app.kubernetes.io/name": "gateway"})
    t = run(body, index=index)
    assert rels(t, "INSTANCE_OF") == {
        (f"{W}/payments/deployment/gw", "component:payments/payments-gateway"): {
            "strength": "declared",
            "evidence": "label ownership-catalog.io/service=payments-gateway",
        }
    }
    assert rels(t, "IDENTIFIES")[("ident:workload:payments/gw", "component:payments/payments-gateway")]["strength"] == "declared"


@pytest.mark.parametrize(
    ("labels", "name", "evidence"),
    [
        ({"app.kubernetes.io/name": "checkout", "app": "web"}, "web-7", "label app.kubernetes.io/name=checkout"),
        ({"app": "checkout"}, "web-7", "label app=checkout"),
        ({}, "checkout", "workload name checkout"),
        ({"app": "Checkout Service"}, "web-7", None),
    ],
)
def test_other_service_labels_and_the_workload_name_are_inferred(labels: dict[str, str], name: str, evidence: str | None) -> None:
    index = catalog(SERVICES)
    index.add_service("component:default/checkout-service", "checkout-service")
    t = run(workload("shop", name, labels=labels, pod_labels={}), index=index)
    [(pair, props)] = rels(t, "INSTANCE_OF").items()
    assert props["strength"] == "inferred"
    if evidence:
        assert pair[1] == "component:default/checkout" and props["evidence"] == evidence
    else:
        # A name as people write it is the same name as its token (catalog.core.identity.name_token): a name match.
        assert pair[1] == "component:default/checkout-service" and props["evidence"] == "label app=Checkout Service"


def test_a_service_label_on_the_pod_template_counts_when_the_workload_has_none() -> None:
    t = run(workload("shop", "web-7", labels={}, pod_labels={"app.kubernetes.io/name": "checkout"}), index=catalog(SERVICES))
    assert list(rels(t, "INSTANCE_OF")) == [(f"{W}/shop/deployment/web-7", "component:default/checkout")]


def test_the_workload_identifier_fills_in_only_when_the_name_decides_nothing() -> None:
    index = catalog({**SERVICES, "component:default/api": "api", "component:payments/api": "api"})
    # Another cluster ran shop/checkout as the gateway: this workload's own name still wins.
    index.by_identifier[("workload", "shop/checkout")].add("component:default/gateway")
    index.by_identifier[("workload", "shop/web-7")].add("component:default/gateway")
    index.by_identifier[("workload", "shop/api")].add("component:payments/api")
    bodies = [workload("shop", "checkout"), workload("shop", "web-7", labels={"app": "web"}, pod_labels={}), workload("shop", "api")]
    assert rels(run(*bodies, index=index), "INSTANCE_OF") == {
        (f"{W}/shop/deployment/checkout", "component:default/checkout"): {"strength": "inferred", "evidence": "label app=checkout"},
        (f"{W}/shop/deployment/web-7", "component:default/gateway"): {
            "strength": "inferred",
            "evidence": "workload identifier shop/web-7 (label app=web matches no single service)",
        },
        (f"{W}/shop/deployment/api", "component:payments/api"): {
            "strength": "inferred",
            "evidence": "workload identifier shop/api (label app=api matches no single service)",
        },
    }


def test_the_identifiers_this_source_wrote_last_time_do_not_change_what_it_writes() -> None:
    body = workload("shop", "checkout", labels={"app": "checkout"})
    first = run(body, index=catalog(SERVICES))
    index = catalog(SERVICES)
    index.by_identifier[("workload", "shop/checkout")].add("component:default/checkout")  # as load_identity_index would see it
    second = run(body, index=index)
    assert [(r.type, r.src_id, r.dst_id, r.props) for r in first.rels] == [(r.type, r.src_id, r.dst_id, r.props) for r in second.rels]


def test_an_ambiguous_name_links_nothing_and_lists_the_candidates() -> None:
    index = catalog({"component:default/api": "api", "component:payments/api": "api"})
    t = run(workload("shop", "api"), index=index)
    assert not rels(t, "INSTANCE_OF")
    [message] = findings(t, "ambiguous-workload")
    assert "component:default/api, component:payments/api" in message and "Deployment shop/api" in message


def test_an_unmatched_workload_is_stored_with_an_info_finding() -> None:
    t = run(workload("shop", "redis"), index=catalog(SERVICES))
    assert [n.id for n in t.nodes] == [f"{W}/shop/deployment/redis"]
    [found] = [f for f in t.findings if f.kind == "unmatched-workload"]
    assert found.severity == "info" and found.subject == f"{W}/shop/deployment/redis"
    assert (found.file, found.line) == ("export.yaml", 1)
    assert "Deployment shop/redis matches no catalog service" in found.message and "ownership-catalog.io/service" in found.fix


# -- owners --------------------------------------------------------------------------------

TEAMS = {
    "group:default/commerce": "commerce",
    "group:default/payments": "payments",
    "group:default/storefront": "storefront",
}


def owns(t: Translation) -> dict[tuple[str, str], dict[str, Any]]:
    return rels(t, "OWNS")


def test_owner_labels_come_first_in_key_order_then_pod_labels_then_annotations() -> None:
    index = catalog(SERVICES, TEAMS)
    body = workload(
        "shop",
        "checkout",
        labels={"owner": "payments", "team": "commerce", "app.kubernetes.io/part-of": "storefront"},
        annotations={"ownership-catalog.io/owner": "group:default/payments"},
    )
    assert owns(run(body, index=index)) == {
        ("group:default/commerce", f"{W}/shop/deployment/checkout"): {
            "strength": "inferred",
            "evidence": "label team=commerce on prod-eu/shop/Deployment/checkout",
        },
        ("group:default/commerce", "component:default/checkout"): {
            "strength": "inferred",
            "evidence": "label team=commerce on prod-eu/shop/Deployment/checkout",
        },
    }
    pod_only = workload("shop", "checkout", labels={"app": "checkout"}, pod_labels={"team": "payments"})
    assert {team for team, _ in owns(run(pod_only, index=index))} == {"group:default/payments"}
    annotated = workload("shop", "checkout", annotations={"ownership-catalog.io/owner": "group:default/payments"})
    [props, _] = owns(run(annotated, index=index)).values()
    assert props == {
        "strength": "declared",
        "evidence": "annotation ownership-catalog.io/owner=group:default/payments on prod-eu/shop/Deployment/checkout",
    }


def test_part_of_names_an_application_so_it_counts_only_when_configured() -> None:
    body = workload("shop", "web", labels={"app.kubernetes.io/part-of": "storefront"})
    assert not owns(run(body, index=catalog({}, TEAMS)))
    configured = run(body, index=catalog({}, TEAMS), owner_keys=("team", "app.kubernetes.io/part-of"))
    assert list(owns(configured)) == [("group:default/storefront", f"{W}/shop/deployment/web")]


def test_an_owner_that_names_no_team_is_a_finding_and_no_owner_is_invented() -> None:
    t = run(workload("shop", "checkout", labels={"team": "growth"}), index=catalog(SERVICES, TEAMS))
    assert not owns(t)
    [found] = [f for f in t.findings if f.kind == "unknown-owner"]
    assert found.severity == "warning" and found.reference == "growth" and found.field == "metadata.labels.team"
    assert "label team=growth on Deployment shop/checkout" in found.message and "names no team" in found.message
    assert "declare a team named growth" in found.fix


def test_an_owner_name_two_teams_share_is_ambiguous() -> None:
    index = catalog({}, {"group:default/ops": "ops", "group:infra/ops": "ops"})
    t = run(workload("shop", "checkout", labels={"team": "ops"}), index=index)
    assert not owns(t)
    [message] = findings(t, "ambiguous-owner")
    assert "group:default/ops, group:infra/ops" in message


def test_unlabelled_workloads_are_summed_up_per_namespace() -> None:
    bodies = [workload("shop", "a"), workload("shop", "b", labels={"team": "commerce"}), workload("data", "c", labels={"owner": "x"})]
    t = run(*bodies, index=catalog({}, TEAMS))
    [found] = [f for f in t.findings if f.kind == "unowned-workloads"]
    assert found.subject == "kubernetes:prod-eu/shop" and "namespace shop: 1 of 2 workloads name no owner" in found.message
    assert "Deployment/a" in found.message


# -- calls from environment values ---------------------------------------------------------


def test_dependencies_resolve_in_the_workloads_own_namespace_or_the_one_named() -> None:
    bodies = [
        workload("a", "api", env={"CACHE": "redis:6379", "OTHER_CACHE": "redis.b:6379"}),
        workload("a", "redis"),
        workload("b", "redis"),
        service("a", "redis", [6379], {"app": "redis"}),
        service("b", "redis", [6379], {"app": "redis"}),
    ]
    assert rels(run(*bodies), "DEPENDS_ON") == {
        (f"{W}/a/deployment/api", f"{W}/a/deployment/redis"): {"evidence": "env CACHE of Deployment/api → Service a/redis:6379"},
        (f"{W}/a/deployment/api", f"{W}/b/deployment/redis"): {"evidence": "env OTHER_CACHE of Deployment/api → Service b/redis:6379"},
    }


def test_only_the_service_port_counts_not_the_target_port() -> None:
    bodies = [workload("shop", "api", env={"ORDERS": "orders:9090", "ORDERS_DIRECT": "orders:10090"}), workload("shop", "orders")]
    t = run(*bodies, service("shop", "orders", [9090], {"app": "orders"}))
    assert list(rels(t, "DEPENDS_ON")) == [(f"{W}/shop/deployment/api", f"{W}/shop/deployment/orders")]
    [found] = [f for f in t.findings if f.kind == "unresolved-endpoint"]
    assert found.severity == "info" and found.reference == "shop/orders:10090"
    assert (
        "env ORDERS_DIRECT of Deployment shop/api addresses Service shop/orders on port 10090, which it does not expose (its ports: 9090)"
        in (found.message)
    )


def test_a_url_without_a_port_needs_the_schemes_port_or_a_single_port() -> None:
    bodies = [
        workload("shop", "api", env={"WEB": "http://web.shop.svc.cluster.local/", "ADMIN": "https://admin/"}),
        workload("shop", "web"),
        workload("shop", "admin"),
        service("shop", "web", [80, 9090], {"app": "web"}),
        service("shop", "admin", [8080, 9090], {"app": "admin"}),
    ]
    t = run(*bodies)
    assert rels(t, "DEPENDS_ON") == {
        (f"{W}/shop/deployment/api", f"{W}/shop/deployment/web"): {"evidence": "env WEB of Deployment/api → Service shop/web:80"}
    }
    assert findings(t, "unresolved-endpoint") == [
        "kubernetes:prod-eu: env ADMIN of Deployment shop/api addresses Service shop/admin without a port, and it exposes 8080, 9090; "
        "no dependency is recorded"
    ]


def test_value_from_bare_words_and_self_calls_make_no_edges_and_no_noise() -> None:
    bodies = [
        workload(
            "shop",
            "api",
            env={"SELF": "http://api:80/health", "LEVEL": "info", "PASSWORD": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ),
        service("shop", "api", [80], {"app": "api"}),
        service("shop", "info", [80], {"app": "info"}),
    ]
    t = run(*bodies)
    assert not rels(t, "DEPENDS_ON")
    assert not findings(t, "unresolved-endpoint") and not findings(t, "invalid-object")


def test_init_container_env_counts_and_selectors_must_be_a_subset_of_the_pod_labels() -> None:
    bodies = [
        workload("shop", "api", init_env={"WAIT_FOR": "db:5432"}),
        workload("shop", "db-primary", pod_labels={"app": "db", "role": "primary"}),
        workload("shop", "db-replica", pod_labels={"app": "db", "role": "replica"}),
        workload("shop", "db-other", pod_labels={"app": "other", "role": "primary"}),
        service("shop", "db", [5432], {"app": "db", "role": "primary"}),
    ]
    assert list(rels(run(*bodies), "DEPENDS_ON")) == [(f"{W}/shop/deployment/api", f"{W}/shop/deployment/db-primary")]


def test_service_edges_need_two_different_matched_services() -> None:
    index = catalog({"component:default/api": "api", "component:default/orders": "orders"})
    bodies = [
        workload("shop", "api", env={"ORDERS": "orders:80", "WORKER": "api-worker:80", "REDIS": "redis:6379"}),
        workload("shop", "orders"),
        workload("shop", "api-worker", labels={"app": "api"}, pod_labels={"app": "api-worker"}),
        workload("shop", "redis"),
        service("shop", "orders", [80], {"app": "orders"}),
        service("shop", "api-worker", [80], {"app": "api-worker"}),
        service("shop", "redis", [6379], {"app": "redis"}),
    ]
    t = run(*bodies, index=index)
    assert len(rels(t, "DEPENDS_ON")) == 4
    service_edges = {pair for pair in rels(t, "DEPENDS_ON") if pair[0].startswith("component:")}
    assert service_edges == {("component:default/api", "component:default/orders")}


def test_services_that_select_nothing_or_do_not_exist_are_reported_when_it_matters() -> None:
    bodies = [
        workload(
            "shop",
            "api",
            env={
                "EXTERNAL": "legacy-db:5432",  # a Service without selector: external endpoints, fine
                "BROKEN": "queue:5672",  # a selector that matches no workload read
                "GONE": "search.shop.svc:9200",  # unmistakably in-cluster, but no such Service
                "ELSEWHERE": "search.other.svc:9200",  # a namespace this read did not cover
                "MAYBE_EXTERNAL": "cache:6379",  # no such Service; may be a host outside the cluster
            },
        ),
        service("shop", "legacy-db", [5432]),
        service("shop", "queue", [5672], {"app": "rabbitmq"}),
    ]
    t = run(*bodies)
    assert not rels(t, "DEPENDS_ON")
    messages = findings(t, "unresolved-endpoint")
    assert len(messages) == 2
    assert any(
        "env BROKEN of Deployment shop/api addresses Service shop/queue, which selects no workload that was read" in m for m in messages
    )
    assert any("env GONE of Deployment shop/api names Service shop/search, which cluster prod-eu does not have" in m for m in messages)


# -- platform ------------------------------------------------------------------------------


def test_workloads_and_their_services_run_on_the_configured_platform() -> None:
    t = run(workload("shop", "checkout"), workload("shop", "redis"), index=catalog(SERVICES), platform="platform:default/k8s-standard")
    runs_on = [r for r in t.rels if r.type == "RUNS_ON"]
    assert {(r.src_label, r.src_id) for r in runs_on} == {
        ("Workload", f"{W}/shop/deployment/checkout"),
        ("Workload", f"{W}/shop/deployment/redis"),
        ("Service", "component:default/checkout"),
    }
    assert all(r.dst_id == "platform:default/k8s-standard" for r in runs_on)
    checkout: RelRecord = next(r for r in runs_on if r.src_id == "component:default/checkout")
    assert checkout.props == {"evidence": "cluster prod-eu namespace shop Deployment/checkout"}
    assert checkout.if_missing is not None and checkout.if_missing.kind == "unknown-platform"
    assert "cluster prod-eu maps to platform platform:default/k8s-standard, which no source declares" in checkout.if_missing.message
    assert "catalog.yaml platforms" in checkout.if_missing.fix
    assert not [r for r in run(workload("shop", "checkout")).rels if r.type == "RUNS_ON"]


# -- bad input -----------------------------------------------------------------------------


def test_a_field_of_the_wrong_type_is_reported_and_the_rest_of_the_object_is_used() -> None:
    body = workload("shop", "checkout", env={"ORDERS": "orders:80"})
    body["spec"]["template"]["spec"]["containers"] = {"name": "checkout"}
    body["metadata"]["labels"]["replicas"] = 3
    t = run(body, workload("shop", "orders"), service("shop", "orders", [80], {"app": "orders"}))
    assert node(t, f"{W}/shop/deployment/checkout")["images"] == []
    [found] = [f for f in t.findings if f.kind == "invalid-object"]
    assert (found.file, found.line, found.subject) == ("export.yaml", 1, f"{W}/shop/deployment/checkout")
    assert "Deployment shop/checkout: " in found.message
    assert "spec.template.spec.containers is a dict, not a list" in found.message and "metadata.labels.replicas is a int" in found.message
    assert "export.yaml#L1" in t.failed_origins  # what it said before is kept
    assert not rels(t, "DEPENDS_ON")


def test_an_object_without_a_name_is_skipped_with_an_error() -> None:
    t = run({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "shop"}, "spec": {}}, workload("shop", "ok"))
    assert [n.id for n in t.nodes] == [f"{W}/shop/deployment/ok"]
    [found] = [f for f in t.findings if f.kind == "invalid-object"]
    assert found.severity == "error" and "an object in export.yaml line 1 has no metadata.name" in found.message


def versioned(body: dict[str, Any], resource_version: str | None = None, generation: int | None = None) -> dict[str, Any]:
    meta = body["metadata"]
    if resource_version is not None:
        meta["resourceVersion"] = resource_version
    if generation is not None:
        meta["generation"] = generation
    return body


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_of_two_copies_of_one_object_the_newest_resource_version_wins_whatever_the_file_order(order: tuple[int, int]) -> None:
    older = versioned(workload("shop", "checkout", labels={"app": "checkout", "v": "old"}), "9800", 3)
    newer = versioned(workload("Shop", "Checkout", labels={"app": "checkout", "v": "new"}), "10250", 2)
    copies = [older, newer]
    t = run(*(copies[i] for i in order), service("shop", "web", [80]), service("shop", "web", [81]))
    # resourceVersion is compared as a number (10250 > 9800), not as text, and beats generation.
    assert json.loads(node(t, f"{W}/shop/deployment/checkout")["labels"])["v"] == "new"
    messages = findings(t, "duplicate-object")
    assert len(messages) == 2
    deployment = next(m for m in messages if "Deployment" in m)
    assert "appears 2 times: in export.yaml line 1, export.yaml line 11" in deployment
    assert "it has the newest resourceVersion, 10250" in deployment


def test_without_resource_versions_generation_then_the_content_hash_decide() -> None:
    low = versioned(workload("shop", "checkout", labels={"app": "checkout", "v": "a"}), generation=4)
    high = versioned(workload("shop", "checkout", labels={"app": "checkout", "v": "b"}), generation=7)
    assert json.loads(node(run(low, high), f"{W}/shop/deployment/checkout")["labels"])["v"] == "b"
    assert json.loads(node(run(high, low), f"{W}/shop/deployment/checkout")["labels"])["v"] == "b"
    one = workload("shop", "orders", labels={"app": "orders", "v": "x"})
    two = workload("shop", "orders", labels={"app": "orders", "v": "y"})
    forward, backward = run(one, two), run(two, one)
    key = f"{W}/shop/deployment/orders"
    assert node(forward, key)["labels"] == node(backward, key)["labels"]
    assert "content hash sorts first" in findings(forward, "duplicate-object")[0]


def test_other_kinds_are_skipped_silently() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "checkout-5d9f-abcde", "namespace": "shop"}}
    t = run(pod, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert not t.nodes and not t.findings


def test_the_result_does_not_depend_on_the_order_objects_come_in() -> None:
    index = catalog(SERVICES, TEAMS)
    bodies = [
        workload("shop", "checkout", labels={"team": "commerce"}, env={"ORDERS": "orders:80", "GW": "payments-gateway.payments:8080"}),
        workload("shop", "orders", labels={"team": "commerce"}, env={"GW": "payments-gateway.payments:8080"}),
        workload("payments", "payments-gateway", labels={"ownership-catalog.io/owner": "payments"}),
        service("shop", "orders", [80], {"app": "orders"}),
        service("payments", "payments-gateway", [8080], {"app": "payments-gateway"}),
    ]

    def records(t: Translation) -> tuple[list[Any], list[Any], list[str]]:
        return (
            [(n.label, n.id, n.props) for n in t.nodes],
            [(r.type, r.src_id, r.dst_id, r.props) for r in t.rels],
            [f.id for f in t.findings],
        )

    expected = records(translate(raws(*bodies), Settings(CLUSTER, f"kubernetes:{CLUSTER}"), index))
    shuffled = list(raws(*bodies))
    random.Random(7).shuffle(shuffled)
    assert records(translate(shuffled, Settings(CLUSTER, f"kubernetes:{CLUSTER}"), index)) == expected

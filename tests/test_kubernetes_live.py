"""The live source against a fake API server (real HTTP, real client, real parser), synced into both stores."""

from __future__ import annotations

import base64
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.backstage import read_backstage
from importers.base import SourceError
from importers.kubernetes import Config, KubernetesSource
from tests.fakes.http_server import FakeApi, Query, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
T0, T1, T2 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3))
TOKEN = "eyJhbGciOiJSUzI1NiJ9.catalog-reader"
W = "workload:prod-eu"
PREFIX = {
    "deployments": "/apis/apps/v1",
    "statefulsets": "/apis/apps/v1",
    "daemonsets": "/apis/apps/v1",
    "cronjobs": "/apis/batch/v1",
    "jobs": "/apis/batch/v1",
    "services": "/api/v1",
}
NAMESPACES = ("data", "default", "kube-system", "payments", "shop")

CATALOG = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: commerce-team}
spec: {type: team}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments-team}
spec: {type: team}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: data-team}
spec: {type: team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout}
spec: {type: service, lifecycle: production, owner: commerce-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders}
spec: {type: service, lifecycle: production, owner: commerce-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments-gateway, namespace: payments}
spec: {type: service, lifecycle: production, owner: group:default/payments-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: reporting}
spec: {type: service, lifecycle: production, owner: data-team}
"""
PLATFORM = """
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: k8s-standard
  annotations: {ownership-catalog.io/standard-platform: "true"}
spec: {type: platform, owner: payments-team}
"""


class FakeCluster:
    """Serves the fixture lists like an API server: per namespace or all, paged by ``limit``/``continue``."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.lists: dict[str, dict[str, Any]] = {r: json.loads((FIXTURES / "api" / f"{r}.json").read_text()) for r in PREFIX}
        for resource, prefix in PREFIX.items():
            api.route(f"{prefix}/{resource}", self._handler(resource, None))
            for ns in NAMESPACES:
                api.route(f"{prefix}/namespaces/{ns}/{resource}", self._handler(resource, ns))

    def drop(self, resource: str, name: str) -> None:
        self.lists[resource]["items"] = [i for i in self.lists[resource]["items"] if i["metadata"]["name"] != name]

    def _handler(self, resource: str, namespace: str | None) -> Any:
        def handle(query: Query, headers: dict[str, str]) -> Reply:
            if headers.get("authorization") != f"Bearer {TOKEN}":
                status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "code": 401}
                return Reply(401, status)
            body = self.lists[resource]
            items = [i for i in body["items"] if namespace is None or i["metadata"]["namespace"] == namespace]
            limit = int(query["limit"][0]) if "limit" in query else len(items)
            start = json.loads(base64.urlsafe_b64decode(query["continue"][0]))["start"] if "continue" in query else 0
            meta: dict[str, Any] = {"resourceVersion": body["metadata"]["resourceVersion"]}
            if start + limit < len(items):
                token = json.dumps({"v": "meta.k8s.io/v1", "rv": 48299991, "start": start + limit}).encode()
                meta["continue"] = base64.urlsafe_b64encode(token).decode()
                meta["remainingItemCount"] = len(items) - start - limit
            return Reply(
                body={"kind": body["kind"], "apiVersion": body["apiVersion"], "metadata": meta, "items": items[start : start + limit]}
            )

        return handle


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeApi]:
    # One server for the module: stopping one takes half a second. Accepted connections inherit
    # TCP_NODELAY, which spares each reply a 40 ms delayed-ACK stall (headers and body are two writes).
    with FakeApi() as fake:
        assert fake._server is not None
        fake._server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        yield fake


@pytest.fixture
def api(_server: FakeApi) -> FakeApi:
    _server.routes.clear()
    _server.scripts.clear()
    _server.requests.clear()
    return _server


@pytest.fixture
def cluster(api: FakeApi) -> FakeCluster:
    return FakeCluster(api)


def write_kubeconfig(path: Path, server: str, user: dict[str, Any] | None = None) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "prod-eu",
        "clusters": [{"name": "prod-eu", "cluster": {"server": server}}],
        "users": [{"name": "catalog-reader", "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [{"name": "prod-eu", "context": {"cluster": "prod-eu", "user": "catalog-reader"}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def live(
    tmp_path: Path, server: str, sleeps: Sleeps | None = None, user: dict[str, Any] | None = None, **settings: Any
) -> KubernetesSource:
    settings.setdefault("discover_services", False)  # discovered services: tests/test_fidelity_kubernetes.py
    config = Config(type="kubernetes", cluster="prod-eu", platform="k8s-standard", kubeconfig=Path("kubeconfig"), **settings)
    write_kubeconfig(tmp_path / "kubeconfig", server, user)
    return KubernetesSource(config, tmp_path, sleep=sleeps or Sleeps(), environ={"PROD_EU_TOKEN": TOKEN})


async def seed(store: GraphStore, tmp_path: Path, platform: bool = True) -> None:
    descriptors = tmp_path / "catalog-info.yaml"
    descriptors.write_text(CATALOG + (PLATFORM if platform else ""))
    report = await sync(store, read_backstage([descriptors], instance="backstage"), now=T0)
    assert report.nodes["Service"].created == 4


async def read(source: KubernetesSource, store: GraphStore) -> ImportBatch:
    return await source.read(await load_identity_index(store))


async def active(store: GraphStore, query: str) -> set[tuple[Any, ...]]:
    return {tuple(row.values()) for row in await store.read(query)}


# -- the whole graph, through pages, retries and a cut connection --------------------------


async def test_a_live_sync_builds_the_graph_and_a_second_identical_sync_changes_nothing(
    store: GraphStore, tmp_path: Path, api: FakeApi, cluster: FakeCluster
) -> None:
    await seed(store, tmp_path)
    api.script("/apis/apps/v1/deployments", Reply(429, {"kind": "Status", "code": 429}, {"Retry-After": "3"}))
    api.script("/api/v1/services", Reply(503, {"kind": "Status", "code": 503}))
    body = json.dumps(cluster.lists["statefulsets"]).encode()
    api.script("/apis/apps/v1/statefulsets", Reply(200, body, cut_after=100))
    sleeps = Sleeps()
    source = live(tmp_path, api.url, sleeps, page_size=2)
    report = await sync(store, await read(source, store), now=T1)
    assert report.complete and report.nodes["Workload"].created == 11

    # Pagination: limit on every call, the continue token of the previous page on the next.
    pages = api.hits("/apis/apps/v1/deployments")
    assert [r.query.get("limit") for r in pages] == [["2"]] * 4  # the 429, then three pages of five items
    assert "continue" not in pages[1].query and pages[2].query["continue"] and pages[3].query["continue"] != pages[2].query["continue"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in api.requests)
    assert sleeps.waits[0] == 3.0 and len(sleeps.waits) == 3  # Retry-After honoured; the 503 and the cut retried

    runs_on = await active(
        store, "MATCH (s:Service)-[r:RUNS_ON]->(p:Platform) WHERE r.active = true AND r.source = 'kubernetes' RETURN s.id, p.id, r.evidence"
    )
    assert runs_on == {
        ("component:default/checkout", "platform:default/k8s-standard", "cluster prod-eu namespace shop Deployment/checkout"),
        ("component:default/orders", "platform:default/k8s-standard", "cluster prod-eu namespace shop Deployment/orders"),
        (
            "component:payments/payments-gateway",
            "platform:default/k8s-standard",
            "cluster prod-eu namespace payments Deployment/payments-gateway",
        ),
        ("component:default/reporting", "platform:default/k8s-standard", "cluster prod-eu namespace data CronJob/reporting"),
    }
    assert await active(store, "MATCH (w:Workload)-[r:RUNS_ON]->(:Platform) WHERE r.active = true RETURN count(w)") == {(11,)}
    assert await active(
        store, "MATCH (w:Workload)-[r:INSTANCE_OF]->(s:Service) WHERE r.active = true RETURN w.id, s.id, r.strength, r.evidence"
    ) == {
        (f"{W}/shop/deployment/checkout", "component:default/checkout", "inferred", "label app.kubernetes.io/name=checkout"),
        (f"{W}/shop/deployment/orders", "component:default/orders", "inferred", "label app=orders"),
        (
            f"{W}/payments/deployment/payments-gateway",
            "component:payments/payments-gateway",
            "declared",
            "label ownership-catalog.io/service=payments-gateway",
        ),
        (f"{W}/data/cronjob/reporting", "component:default/reporting", "inferred", "label app.kubernetes.io/name=reporting"),
    }
    owners = await active(
        store, "MATCH (t:Team)-[r:OWNS]->(x) WHERE r.active = true AND r.source = 'kubernetes' RETURN t.id, x.id, r.strength"
    )
    assert ("group:default/commerce-team", "component:default/checkout", "inferred") in owners
    assert ("group:default/commerce-team", "component:default/orders", "declared") in owners  # the annotation ref
    assert ("group:default/payments-team", f"{W}/payments/statefulset/ledger-db", "inferred") in owners
    assert len(owners) == 11
    owned = {x for _, x, _ in owners}
    assert f"{W}/shop/statefulset/redis" not in owned and f"{W}/shop/job/migrate-orders-42" not in owned
    assert f"{W}/shop/deployment/storefront-web" not in owned  # growth-team is not a team: no owner invented
    assert await active(store, "MATCH (t:Team) RETURN count(t)") == {(3,)}

    calls = await active(store, "MATCH (a:Workload)-[r:DEPENDS_ON]->(b:Workload) WHERE r.active = true RETURN a.id, b.id")
    assert (f"{W}/shop/deployment/checkout", f"{W}/shop/statefulset/redis") in calls
    assert (f"{W}/shop/deployment/checkout", f"{W}/data/statefulset/redis") not in calls
    assert (f"{W}/data/cronjob/reporting", f"{W}/data/statefulset/redis") in calls
    assert (f"{W}/payments/deployment/payments-gateway", f"{W}/payments/statefulset/ledger-db") in calls
    assert len(calls) == 9
    assert await active(
        store,
        "MATCH (a:Service)-[r:DEPENDS_ON]->(b:Service) WHERE r.active = true AND r.source = 'kubernetes' RETURN a.id, b.id, r.evidence",
    ) == {
        (
            "component:default/checkout",
            "component:payments/payments-gateway",
            "env PAYMENTS_URL of Deployment/checkout → Service payments/payments-gateway:8080",
        ),
        ("component:default/checkout", "component:default/orders", "env ORDERS_ADDR of Deployment/checkout → Service shop/orders:9090"),
        (
            "component:default/orders",
            "component:payments/payments-gateway",
            "env PAYMENTS of Deployment/orders → Service payments/payments-gateway:8080",
        ),
        ("component:default/reporting", "component:default/orders", "env ORDERS_API of CronJob/reporting → Service shop/orders:9090"),
    }
    hostnames = await active(
        store, "MATCH (i:Identifier {scheme: 'hostname'})-[r:IDENTIFIES]->(s:Service) WHERE r.active = true RETURN i.value, s.id"
    )
    assert ("orders.shop.svc.cluster.local", "component:default/orders") in hostnames and len(hostnames) == 9
    stored = await active(store, "MATCH (f:Finding) WHERE f.retired_at IS NULL AND f.source = 'kubernetes' RETURN f.kind, f.reference")
    assert {("unknown-owner", "growth-team"), ("unknown-owner", "platform-ops"), ("unresolved-endpoint", "shop/orders:8081")} <= stored

    # The identity index now knows the workloads; a second identical read changes nothing.
    again = await sync(store, await read(live(tmp_path, api.url, page_size=2), store), now=T2)
    totals = again.totals()
    assert (totals.created, totals.updated, totals.retired) == (0, 0, 0)
    assert totals.unchanged == report.totals().created


async def test_a_missing_platform_becomes_a_finding_worded_for_the_cluster(
    store: GraphStore, tmp_path: Path, api: FakeApi, cluster: FakeCluster
) -> None:
    await seed(store, tmp_path, platform=False)
    report = await sync(store, await read(live(tmp_path, api.url), store), now=T1)
    missing = {f.message for f in report.findings if f.kind == "unknown-platform"}
    assert missing == {
        "kubernetes:prod-eu: cluster prod-eu maps to platform platform:default/k8s-standard, which no source declares; "
        "no RUNS_ON is recorded"
    }
    assert await active(store, "MATCH ()-[r:RUNS_ON]->() RETURN count(r)") == {(0,)}


# -- partial reads -------------------------------------------------------------------------


async def test_an_endpoint_failing_for_good_makes_the_read_partial_and_retires_nothing(
    store: GraphStore, tmp_path: Path, api: FakeApi, cluster: FakeCluster
) -> None:
    await seed(store, tmp_path)
    await sync(store, await read(live(tmp_path, api.url), store), now=T1)
    api.route("/apis/apps/v1/statefulsets", lambda q, h: Reply(500, {"kind": "Status", "message": "etcdserver: request timed out"}))
    cluster.drop("deployments", "storefront-web")  # gone from this read, but the read is partial
    batch = await read(live(tmp_path, api.url, max_retries=1), store)
    assert not batch.complete
    [failed] = [f for f in batch.findings if f.kind == "endpoint-failed"]
    assert failed.reference == "GET /apis/apps/v1/statefulsets" and failed.severity == "error"
    assert "listing StatefulSets failed, so the read is incomplete" in failed.message and "HTTP 500" in failed.message
    report = await sync(store, batch, now=T2)
    assert report.totals().retired == 0 and report.retirement_note
    still = await active(store, "MATCH (w:Workload) WHERE w.retired_at IS NULL RETURN count(w)")
    assert still == {(11,)}
    kept = await active(
        store,
        f"MATCH (a:Workload {{id: '{W}/payments/deployment/payments-gateway'}})-[r:DEPENDS_ON]->(b:Workload) "
        "WHERE r.active = true RETURN b.id",
    )
    assert kept == {(f"{W}/payments/statefulset/ledger-db",), (f"{W}/data/statefulset/kafka",)}


async def test_a_body_cut_short_is_an_endpoint_failure_naming_it(tmp_path: Path, api: FakeApi, cluster: FakeCluster) -> None:
    api.route("/apis/batch/v1/jobs", lambda q, h: Reply(200, b'{"kind": "JobList", "apiVersion": "batch/v1", "items": [{"metad'))
    batch = await live(tmp_path, api.url).read(IdentityIndex())
    assert not batch.complete
    [failed] = [f for f in batch.findings if f.kind == "endpoint-failed"]
    assert "GET http://127.0.0.1" in failed.message and "/apis/batch/v1/jobs" in failed.message and "not valid JSON" in failed.message
    assert "GET /apis/batch/v1/jobs" in batch.failed_origins
    assert len([n for n in batch.nodes if n.label == "Workload"]) == 10


async def test_a_forbidden_list_names_the_permission_to_grant(tmp_path: Path, api: FakeApi, cluster: FakeCluster) -> None:
    forbidden = {
        "kind": "Status",
        "message": 'cronjobs.batch is forbidden: User "system:serviceaccount:catalog:reader" cannot list resource',
    }
    api.route("/apis/batch/v1/cronjobs", lambda q, h: Reply(403, forbidden))
    batch = await live(tmp_path, api.url).read(IdentityIndex())
    [failed] = [f for f in batch.findings if f.kind == "endpoint-failed"]
    assert "cannot list resource" in failed.message and "grant the catalog's credentials `list` on cronjobs" in failed.fix


async def test_an_expired_continue_token_restarts_the_list_once(tmp_path: Path, api: FakeApi, cluster: FakeCluster) -> None:
    expired = {"kind": "Status", "code": 410, "reason": "Expired", "message": "The provided continue parameter is too old"}
    handler = api.routes["/apis/apps/v1/deployments"]
    calls: list[Query] = []

    def flaky(query: Query, headers: dict[str, str]) -> Reply:
        calls.append(query)
        return Reply(410, expired) if "continue" in query and len(calls) == 2 else handler(query, headers)

    api.route("/apis/apps/v1/deployments", flaky)
    batch = await live(tmp_path, api.url, page_size=3).read(IdentityIndex())
    assert batch.complete
    assert ["continue" in q for q in calls] == [False, True, False, True]
    assert len([n for n in batch.nodes if n.id.split("/")[2] == "deployment"]) == 4


# -- the source cannot be used at all -----------------------------------------------------


async def test_rejected_credentials_fail_the_source_naming_file_context_and_server(
    tmp_path: Path, api: FakeApi, cluster: FakeCluster
) -> None:
    with pytest.raises(SourceError) as err:
        await live(tmp_path, api.url, user={"token": "expired"}).read(IdentityIndex())
    text = str(err.value)
    assert f"kubeconfig {tmp_path / 'kubeconfig'}" in text and "context 'prod-eu'" in text and f"server {api.url}" in text
    assert "HTTP 401" in text and "refresh the token" in text
    assert len(api.requests) == 1  # no point asking the other endpoints


async def test_a_refused_connection_fails_the_source(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match=r"cannot use kubeconfig .*server http://127\.0\.0\.1:\d+.*ConnectError.*reachable from here"):
        await live(tmp_path, f"http://127.0.0.1:{port}", max_retries=1).read(IdentityIndex())


async def test_an_exec_plugin_fails_before_any_request_unless_a_token_is_given(tmp_path: Path, api: FakeApi, cluster: FakeCluster) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin"}}
    with pytest.raises(
        SourceError, match=r"user 'catalog-reader' .* exec \(command gke-gcloud-auth-plugin\) plugin, which the catalog does not run"
    ):
        await live(tmp_path, api.url, user=user).read(IdentityIndex())
    assert not api.requests
    batch = await live(tmp_path, api.url, user=user, token_env="PROD_EU_TOKEN").read(IdentityIndex())
    assert batch.complete and api.requests
    with pytest.raises(SourceError, match=r"environment variable UNSET_TOKEN \(token_env\) is not set"):
        await live(tmp_path, api.url, user=user, token_env="UNSET_TOKEN").read(IdentityIndex())


async def test_a_missing_kubeconfig_or_context_fails_the_source(tmp_path: Path) -> None:
    config = Config(type="kubernetes", cluster="prod-eu", kubeconfig=Path("nope.yaml"))
    with pytest.raises(SourceError, match=r"kubernetes:prod-eu: kubeconfig .*nope\.yaml does not exist"):
        await KubernetesSource(config, tmp_path).read(IdentityIndex())
    write_kubeconfig(tmp_path / "kubeconfig", "https://k8s.example")
    config = Config(type="kubernetes", cluster="prod-eu", kubeconfig=Path("kubeconfig"), context="staging")
    with pytest.raises(SourceError, match=r"has no context 'staging'; its contexts are \['prod-eu'\]"):
        await KubernetesSource(config, tmp_path).read(IdentityIndex())


async def test_every_list_failing_fails_the_source(tmp_path: Path, api: FakeApi) -> None:
    with pytest.raises(SourceError, match=r"no list could be read from kubeconfig .*HTTP 404"):
        await live(tmp_path, api.url).read(IdentityIndex())


# -- namespaces and the offline export -----------------------------------------------------


async def test_configured_namespaces_are_listed_one_by_one(tmp_path: Path, api: FakeApi, cluster: FakeCluster) -> None:
    batch = await live(tmp_path, api.url, namespaces=["shop", "kube-system"]).read(IdentityIndex())
    paths = sorted({r.path for r in api.requests})
    assert paths == sorted(f"{PREFIX[r]}/namespaces/shop/{r}" for r in PREFIX)
    assert {n.props["namespace"] for n in batch.nodes if n.label == "Workload"} == {"shop"}


def graph(batch: ImportBatch) -> tuple[set[str], set[str]]:
    nodes = {json.dumps([n.label, n.id, n.props], sort_keys=True) for n in batch.nodes}
    rels = {json.dumps([r.type, r.src_id, r.dst_id, r.props], sort_keys=True) for r in batch.rels}
    return nodes, rels


async def test_an_offline_export_gives_the_same_graph_as_the_live_api(
    store: GraphStore, tmp_path: Path, api: FakeApi, cluster: FakeCluster
) -> None:
    await seed(store, tmp_path)
    index = await load_identity_index(store)
    from_api = await live(tmp_path, api.url, page_size=3).read(index)
    shutil.copytree(FIXTURES / "export", tmp_path / "export")
    config = Config(type="kubernetes", cluster="prod-eu", platform="k8s-standard", files=[Path("export")], discover_services=False)
    from_files = await KubernetesSource(config, tmp_path).read(index)
    assert graph(from_files) == graph(from_api)
    assert {(f.kind, f.reference) for f in from_files.findings} == {(f.kind, f.reference) for f in from_api.findings}

    # Switching a cluster from the API to exports changes no fact in the store.
    await sync(store, from_api, now=T1)
    report = await sync(store, from_files, now=T2)
    for label, counts in report.nodes.items():
        if label != "Finding":
            assert (label, counts.created, counts.updated, counts.retired) == (label, 0, 0, 0)
    for kind, counts in report.rels.items():
        assert (kind, counts.created, counts.updated, counts.retired) == (kind, 0, 0, 0)

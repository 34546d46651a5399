"""The identifier resolver every answer uses: each form a responder may hold, on graphs the real importers built.

``tests/fixtures/answers/who_owns/catalog.yaml`` syncs Backstage descriptors (aliases, one of
them shared, a PagerDuty annotation, a project slug, a component in another namespace), a
GitHub export (a repository no service is built from), a Kubernetes export (a Deployment
with a Service, a StatefulSet, a CronJob, a DaemonSet next to a shorter-named Deployment, a
workload no service matches) and a PagerDuty export (a service linked only by name).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.answers.identify import MAX_NAMED, Identification, identify, read_forms
from catalog.config import load_config
from catalog.core.records import ImportBatch, NodeRecord
from catalog.read import CatalogReader
from catalog.runner import sync_sources
from catalog.store.base import GraphStore
from catalog.sync import sync
from importers.backstage import read_backstage

FIXTURES = Path(__file__).parent / "fixtures" / "answers" / "who_owns"
CHECKOUT = "component:default/checkout"
GATEWAY = "component:default/payments-gateway"


async def catalog(store: GraphStore) -> None:
    outcomes = await sync_sources(store, load_config(FIXTURES / "catalog.yaml"))
    assert not [o.error for o in outcomes if o.failed]


def keys(found: Identification) -> list[str]:
    return [c.key for c in found.matches]


# (identifier, kind, matched service keys, other subjects' keys)
FORMS: list[tuple[str, str, list[str], list[str]]] = [
    ("checkout", "service", [CHECKOUT], []),
    ("  Checkout ", "service", [CHECKOUT], []),
    ("component:default/checkout", "service", [CHECKOUT], []),
    ("billing/invoicer", "service", ["component:billing/invoicer"], []),
    ("invoicer", "service", ["component:billing/invoicer"], []),
    ("checkout-svc", "alias", [CHECKOUT], []),
    ("CHECKOUT-SVC", "alias", [CHECKOUT], []),
    ("acme/checkout", "repository", [CHECKOUT], []),
    ("github.com/acme/infra-tools", "repository", [], ["repository:github.com/acme/infra-tools"]),
    ("payments/payments-gateway", "workload", [GATEWAY], []),
    ("payments-gateway-5c9d7f8b6-x2x9q", "pod", [GATEWAY], []),
    ("payments/payments-gateway-5c9d7f8b6-x2x9q", "pod", [GATEWAY], []),
    ("payments-gateway-5c9d7f8b6", "pod", [GATEWAY], []),
    ("ledger-2", "pod", ["component:default/ledger"], []),
    ("payments/ledger-0", "pod", ["component:default/ledger"], []),
    ("ledger-reconcile-28930120-x7k2p", "pod", ["component:default/ledger"], []),
    ("ledger-reconcile-28930120", "pod", ["component:default/ledger"], []),
    ("search-indexer-x7k2p", "pod", ["component:default/search-api"], []),
    ("search/orphan-worker", "workload", [], ["workload:prod-eu/search/deployment/orphan-worker"]),
    ("orphan-worker-7c8d9f6b5-q2w3e", "pod", [], ["workload:prod-eu/search/deployment/orphan-worker"]),
    ("PCK9T2V", "pagerduty-service", [CHECKOUT], []),
    ("https://acme.pagerduty.com/service-directory/PCK9T2V", "pagerduty-service", [CHECKOUT], []),
    ("PSRCH01", "pagerduty-service", ["component:default/search-api"], []),
    ("payments-gateway.payments.svc.cluster.local", "hostname", [GATEWAY], []),
    ("payments-gateway.payments.svc", "hostname", [GATEWAY], []),
    ("payments-gateway.payments:8080", "hostname", [GATEWAY], []),
    ("http://payments-gateway.payments:8080/health", "hostname", [GATEWAY], []),
    ("payments-gateway.payments.svc.cluster.example", "hostname", [GATEWAY], []),
]


async def test_every_identifier_form_names_its_service_or_subject(store: GraphStore) -> None:
    await catalog(store)
    for text, kind, services, others in FORMS:
        found = await identify(CatalogReader(store), text)
        assert (found.kind, keys(found), [c.key for c in found.others]) == (kind, services, others), text
        assert found.nearest == [], text


async def test_a_repository_url_in_every_spelling_names_the_service_built_from_it(store: GraphStore) -> None:
    await catalog(store)
    spellings = [
        "https://github.com/acme/checkout",
        "https://github.com/Acme/Checkout/",
        "https://github.com/acme/checkout.git",
        "https://github.com/acme/checkout/tree/main/src/server",
        "https://github.com/acme/checkout/blob/main/README.md#usage",
        "https://www.github.com/acme/checkout/pulls?q=is%3Aopen",
        "http://github.com/acme/checkout",
        "git@github.com:acme/checkout.git",
        "ssh://git@github.com/acme/checkout.git",
        "github.com/acme/checkout",
        "acme/checkout",
        "ACME/Checkout.git",
    ]
    for text in spellings:
        found = await identify(CatalogReader(store), text)
        assert (found.kind, keys(found)) == ("repository", [CHECKOUT]), text
        assert found.interpreted_as == "repository github.com/acme/checkout", text
        assert "project-slug" in found.matches[0].why, text


async def test_a_shared_alias_names_every_service_that_has_it(store: GraphStore) -> None:
    await catalog(store)
    found = await identify(CatalogReader(store), "shop")
    assert keys(found) == [CHECKOUT, "component:default/storefront"]
    assert found.unique is None
    assert found.kind == "alias"
    assert found.message == "2 services share the alias 'shop': checkout, storefront"
    assert all(c.strength == "declared" and "ownership-catalog.io/aliases" in c.why for c in found.matches)


async def test_a_pod_name_picks_the_longest_workload_of_a_kind_that_makes_such_pods(store: GraphStore) -> None:
    await catalog(store)
    # `search-indexer-x7k2p` fits Deployment `search` (hash `indexer`) and DaemonSet `search-indexer`: the longer one wins.
    found = await identify(CatalogReader(store), "search-indexer-x7k2p")
    assert keys(found) == ["component:default/search-api"]
    assert found.interpreted_as == "pod of DaemonSet search/search-indexer"
    # A StatefulSet ordinal does not fit a Deployment, and a Deployment's pod does not fit a StatefulSet.
    assert (await identify(CatalogReader(store), "search-0")).kind == "none"
    assert (await identify(CatalogReader(store), "ledger-5c9d7f8b6-x2x9q")).kind == "none"
    # A namespace prefix must agree.
    assert (await identify(CatalogReader(store), "search/payments-gateway-5c9d7f8b6-x2x9q")).matches == []
    # A name that merely ends in a word is no ReplicaSet of a shorter Deployment (hashes have no vowels).
    assert (await identify(CatalogReader(store), "search-engine")).kind == "none"


async def test_names_come_before_identifiers_and_identifiers_before_workloads(store: GraphStore) -> None:
    await catalog(store)
    # `payments-gateway` is a service name, a Deployment and the app of a Kubernetes Service.
    found = await identify(CatalogReader(store), "payments-gateway")
    assert (found.kind, keys(found), found.matches[0].why) == ("service", [GATEWAY], "name")
    # `search/search` is a workload identifier (written by the Kubernetes importer) and a Deployment.
    found = await identify(CatalogReader(store), "search/search")
    assert (found.kind, keys(found)) == ("workload", ["component:default/storefront"])
    assert found.matches[0].source == "kubernetes"


async def test_nothing_matching_answers_with_the_nearest_services(store: GraphStore) -> None:
    await catalog(store)
    found = await identify(CatalogReader(store), "chekout")
    assert (found.kind, found.matches, found.others) == ("none", [], [])
    assert [c.key for c in found.nearest][:1] == [CHECKOUT]
    assert found.message.startswith("no service matches 'chekout'; nearest: checkout")
    # A token of a pod name of an unknown workload finds the service named like it.
    found = await identify(CatalogReader(store), "ledger-worker-7c8d9f6b5-q2w3e")
    assert found.kind == "none" and found.nearest[0].key == "component:default/ledger"
    found = await identify(CatalogReader(store), "payment")
    assert [c.key for c in found.nearest] == [GATEWAY]
    assert found.nearest[0].why == "name contains 'payment'"
    # An alias counts too.
    found = await identify(CatalogReader(store), "checkout-service")
    assert CHECKOUT in [c.key for c in found.nearest]
    nothing = await identify(CatalogReader(store), "zzqx")
    assert (nothing.nearest, nothing.message) == ([], "no service matches 'zzqx', and none has a similar name")


async def test_lookups_cost_a_few_round_trips(store: GraphStore) -> None:
    await catalog(store)
    # An identifier (the alias "shop") costs two: which of its possible keys exist, then their services.
    for text, most in [("checkout", 1), ("shop", 3), ("https://github.com/acme/checkout", 3), ("payments/ledger-0", 4), ("PSRCH01", 4)]:
        before = store.round_trips
        assert (await identify(CatalogReader(store), text)).matches, text
        assert store.round_trips - before <= most, text
    before = store.round_trips
    assert (await identify(CatalogReader(store), "chekout")).nearest
    assert store.round_trips - before <= 6


async def test_only_current_services_and_links_count(store: GraphStore, tmp_path: Path) -> None:
    descriptor = tmp_path / "catalog-info.yaml"
    component = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    ownership-catalog.io/aliases: {alias}
spec:
  type: service
  lifecycle: production
  owner: nobody
"""
    descriptor.write_text("---\n".join(component.format(name=f"svc-{i}", alias="common") for i in range(6)))
    await sync(store, read_backstage([descriptor], instance="bs"), now="2026-01-01T00:00:00.000000Z")
    assert len((await identify(CatalogReader(store), "common")).matches) == 6
    descriptor.write_text("---\n".join(component.format(name=f"svc-{i}", alias="common") for i in range(5)))
    await sync(store, read_backstage([descriptor], instance="bs"), now="2026-02-01T00:00:00.000000Z")
    assert [c.key for c in (await identify(CatalogReader(store), "common")).matches] == [f"component:default/svc-{i}" for i in range(5)]
    assert (await identify(CatalogReader(store), "svc-5")).matches == []
    assert "svc-5" not in [c.name for c in (await identify(CatalogReader(store), "svc-5")).nearest]


async def test_a_widely_shared_identifier_lists_a_bounded_number_and_counts_the_rest(store: GraphStore) -> None:
    batch = ImportBatch("backstage", "bs")
    for i in range(MAX_NAMED + 3):
        batch.nodes.append(NodeRecord("Service", f"component:team-{i:02}/api", {"name": "api", "namespace": f"team-{i:02}"}, f"x#{i}"))
    await sync(store, batch, now="2026-01-01T00:00:00.000000Z")
    found = await identify(CatalogReader(store), "api")
    assert (len(found.matches), found.more) == (MAX_NAMED, 3)
    assert found.message.startswith(f"{MAX_NAMED + 3} services share the service name 'api': api, api")
    assert found.message.endswith("and 3 more")


async def test_empty_input_is_read_as_nothing(store: GraphStore) -> None:
    found = await identify(CatalogReader(store), "   ")
    assert (found.kind, found.matches, found.nearest) == ("empty", [], [])
    assert store.round_trips == 0


@pytest.mark.parametrize(
    ("text", "repos", "hosts"),
    [
        ("https://gitlab.example.com/group/sub/repo/-/tree/main", [("gitlab.example.com", "group/sub/repo")], []),
        ("https://bitbucket.org/team/repo/src/main/", [("bitbucket.org", "team/repo")], []),
        ("https://checkout.acme.example/health", [], ["checkout.acme.example"]),
        ("checkout.payments.svc.cluster.local.", [], ["checkout.payments.svc.cluster.local", "checkout.payments"]),
        ("checkout.payments:8080", [], ["checkout.payments"]),
    ],
)
def test_urls_and_hostnames_are_taken_apart(text: str, repos: list[tuple[str, str]], hosts: list[str]) -> None:
    forms = read_forms(text)
    assert forms.repos == repos
    assert [v for v, schemes in forms.values if schemes == frozenset({"hostname"})] == hosts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout-7d9f8b6c5d-x2x9q", {("checkout", "Deployment"), ("checkout-7d9f8b6c5d", "DaemonSet")}),
        ("ledger-12", {("ledger", "StatefulSet")}),
        ("report-28930120-k2x9q", {("report", "CronJob"), ("report-28930120", "Job")}),
        ("report-28930120", {("report", "CronJob")}),
        ("node-exporter-k2x9q", {("node-exporter", "DaemonSet"), ("node", "Deployment")}),
    ],
)
def test_pod_names_are_read_as_their_workloads(text: str, expected: set[tuple[str, str]]) -> None:
    read = {(g.name, kind) for g in read_forms(text).pod_guesses for kind in g.kinds}
    assert expected <= read


@pytest.mark.parametrize("text", ["payments-gateway", "search-engine", "checkout-api", "checkout.payments.svc"])
def test_ordinary_names_are_no_pod_names(text: str) -> None:
    assert read_forms(text).pod_guesses == []

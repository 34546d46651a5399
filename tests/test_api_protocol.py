"""GraphQL over HTTP as the spec gives it, request ids, JSON log lines and the Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalog.api.app import create_app
from catalog.api.media import preferred_media_type
from catalog.logs import JsonFormatter
from catalog.store.base import GraphStore
from tests._api_fixtures import answer_of, api_settings
from tests.test_read_layer import shop

NEW = "application/graphql-response+json"
ALIASES_31 = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (NEW, NEW),
        (f"{NEW}, application/json;q=0.9", NEW),
        (f"application/json, {NEW};q=0.5", "application/json"),
        ("text/html", "application/json"),
    ],
)
def test_the_answer_media_type_follows_accept(accept: str | None, media: str) -> None:
    assert preferred_media_type(accept) == media


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{"}, "Syntax Error: Expected Name, found <EOF>."),
        ({"query": "{ noSuchField }"}, "Cannot query field 'noSuchField' on type 'Query'."),
        (
            {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
            "Variable '$id' has invalid value: Expected value of non-null type 'ID!' not to be None.",
        ),
        ({"query": ALIASES_31}, "'anonymous' uses 31 aliases, above the limit of 30 (CATALOG_MAX_ALIASES); send several smaller requests"),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_json_and_200_for_json(
    store: GraphStore, body: dict[str, object], message: str
) -> None:
    async with client(create_app(api_settings(), store=store)) as http:
        new = await http.post("/graphql", json=body, headers={"accept": NEW})
        legacy = await http.post("/graphql", json=body, headers={"accept": "application/json"})
    assert new.status_code == 400 and new.headers["content-type"] == f"{NEW}; charset=utf-8"
    assert "data" not in new.json() and new.json()["errors"][0]["message"] == message
    assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json; charset=utf-8"
    assert legacy.json()["data"] is None and legacy.json()["errors"][0]["message"] == message


async def test_answers_and_field_errors_are_200_in_both_media_types(store: GraphStore) -> None:
    await shop().sync(store)
    async with client(create_app(api_settings(), store=store)) as http:
        for accept in (NEW, "application/json"):
            found = await http.post("/graphql", json={"query": '{ service(name: "checkout") { name } }'}, headers={"accept": accept})
            assert found.status_code == 200 and answer_of(found) == {"data": {"service": {"name": "checkout"}}}
            refused = await http.post("/graphql", json={"query": "{ services(first: 501) { totalCount } }"}, headers={"accept": accept})
            assert refused.status_code == 200 and refused.json()["data"] == {"services": None}  # v1: root fields are nullable
            assert refused.json()["errors"][0]["path"] == ["services"]


async def test_malformed_requests_get_400_as_json(store: GraphStore) -> None:
    async with client(create_app(api_settings(), store=store)) as http:
        broken = await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
        batch = await http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert broken.status_code == 400 and broken.json()["errors"][0]["message"] == "Unable to parse request body as JSON"
    assert batch.status_code == 400 and "batch" in batch.json()["errors"][0]["message"].lower()


async def test_request_ids_are_kept_when_sane_returned_and_logged(store: GraphStore) -> None:
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    http_log = logging.getLogger("catalog.access")
    http_log.addHandler(handler)
    http_log.setLevel(logging.INFO)
    try:
        async with client(create_app(api_settings(), store=store)) as http:
            kept = await http.post("/graphql", json={"query": "query Probe { __typename }"}, headers={"x-request-id": "incident-42.a"})
            replaced = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "bad id; x" * 3})
    finally:
        http_log.removeHandler(handler)
    assert kept.headers["x-request-id"] == "incident-42.a"
    fresh = replaced.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh), "an unusable id is replaced by a fresh one"
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [(entry["request_id"], entry["operation"], entry["status"]) for entry in logged] == [
        ("incident-42.a", "Probe", 200),
        (fresh, "anonymous", 200),
    ]
    assert logged[0]["message"].startswith("POST /graphql 200 ")
    assert all(isinstance(entry["cost"], int) for entry in logged), "the access line carries the document's estimated cost"


async def test_metrics_count_requests_refusals_and_the_last_sync_of_each_source(store: GraphStore) -> None:
    await shop().sync(store)
    async with client(create_app(api_settings(max_body_bytes=2048), store=store)) as http:
        await http.post("/graphql", json={"query": "query Lookup { __typename }"})
        await http.post("/graphql", json={"query": ALIASES_31})
        await http.post("/graphql", content=b"x" * 5000, headers={"content-type": "application/json"})
        text = (await http.get("/metrics")).text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("catalog_http_requests_total", operation="Lookup", route="/graphql", status="200") == 1
    assert value("catalog_http_request_duration_seconds_count", operation="Lookup", route="/graphql") == 1
    assert value("catalog_refusals_total", limit="CATALOG_MAX_ALIASES") == 1
    assert value("catalog_refusals_total", limit="CATALOG_MAX_BODY_BYTES") == 1
    assert value("catalog_http_requests_total", operation="anonymous", route="/graphql", status="413") == 1
    assert value("catalog_heavy_answers_waiting") == 0
    source = {"source": "backstage", "instance": "test-catalog"}
    assert value("catalog_sync_last_outcome", outcome="complete", **source) == 1
    assert value("catalog_sync_last_outcome", outcome="partial", **source) == 0
    assert value("catalog_sync_last_findings", **source) == 0
    assert value("catalog_sync_last_duration_seconds", **source) >= 0
    assert value("catalog_sync_last_started_timestamp_seconds", **source) > 1.7e9


async def test_store_failures_are_counted_by_class_and_masked_for_clients() -> None:
    from tests.test_api_limits import BrokenStore

    async with client(create_app(api_settings(), store=BrokenStore())) as http:
        failed = await http.post("/graphql", json={"query": '{ service(name: "checkout") { name } }'})
        text = (await http.get("/metrics")).text
    assert failed.json()["errors"][0]["message"] == "Internal error; the server log has the details."
    counted = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "catalog_store_errors_total" and sample.labels == {"error": "StoreError"}
    ]
    assert counted == [2.0]  # the lookup, and the metrics' own read of the import runs

"""Service addresses in environment values: which forms count, which never do, which port is reached."""

from __future__ import annotations

import pytest

from importers.kubernetes.env_refs import Reference, pick_port, references


def ref(
    service: str, namespace: str | None = None, port: int | None = None, scheme: str | None = None, in_cluster: bool = False
) -> Reference:
    return Reference(service, namespace, port, scheme, in_cluster)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("orders:9090", [ref("orders", port=9090)]),
        ("orders.shop:9090", [ref("orders", "shop", 9090)]),
        ("orders.shop.svc", [ref("orders", "shop", in_cluster=True)]),
        ("orders.shop.svc:9090", [ref("orders", "shop", 9090, in_cluster=True)]),
        ("orders.shop.svc.cluster.local", [ref("orders", "shop", in_cluster=True)]),
        ("Orders.Shop.svc.cluster.local.:9090", [ref("orders", "shop", 9090, in_cluster=True)]),
        ("http://orders.shop.svc.cluster.local/", [ref("orders", "shop", scheme="http", in_cluster=True)]),
        ("https://orders:8443/v1/orders?limit=5#x", [ref("orders", port=8443, scheme="https")]),
        ("http://payments", [ref("payments", scheme="http")]),
        ("postgres://orders:s3cret@orders-db:5432/orders", [ref("orders-db", port=5432, scheme="postgres")]),
        ("jdbc:postgresql://ledger-db.payments:5432/ledger", [ref("ledger-db", "payments", 5432, "postgresql")]),
        ("PLAINTEXT://kafka.data:9092", [ref("kafka", "data", 9092, "plaintext")]),
        # A StatefulSet pod behind a headless Service: the Service is the middle label.
        (
            "kafka-0.kafka.data.svc.cluster.local:9092,kafka-1.kafka.data.svc.cluster.local:9092",
            [ref("kafka", "data", 9092, in_cluster=True)],
        ),
        ("redis-a:6379, redis-b.cache:6380", [ref("redis-a", port=6379), ref("redis-b", "cache", 6380)]),
        ("kafka:9092,,broker.example.com", [ref("kafka", port=9092)]),
    ],
)
def test_service_addresses_are_recognised(value: str, expected: list[Reference]) -> None:
    assert references(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "info",
        "true",
        "postgres",  # a bare word is never a Service
        "app.yaml",  # a dotted name without a port is not either
        "log.level",
        "orders.svc",  # .svc needs a namespace in front
        "10.0.0.1:5432",
        "https://api.example.com/v1",
        "api.example.com:443",
        "12:30",
        "redis:0",
        "redis:99999",
        "$(ORDERS_HOST):9090",
        "-Xmx512m -Dfile.encoding=UTF-8",
        "user@orders:22",
        "http://[::1]:8080/",
        "orders: 9090",
        "SELECT a:b FROM t",
    ],
)
def test_other_values_are_not_taken_for_services(value: str) -> None:
    assert references(value) == []


def test_the_cluster_domain_is_configurable() -> None:
    assert references("orders.shop.svc.corp.example:80", "corp.example") == [ref("orders", "shop", 80, in_cluster=True)]
    # With another domain configured, cluster.local is just a long external name.
    assert references("orders.shop.svc.cluster.local:80", "corp.example") == []


def test_display_names_the_namespace_the_reference_resolves_in() -> None:
    assert ref("orders", port=9090).display("shop") == "shop/orders:9090"
    assert ref("orders", "payments").display("shop") == "payments/orders"


@pytest.mark.parametrize(
    ("reference", "ports", "expected"),
    [
        (ref("orders", port=9090), [9090], 9090),
        (ref("orders", port=8081), [9090], None),  # the target port is not the Service port
        (ref("web", scheme="http"), [80, 9090], 80),
        (ref("web", scheme="https"), [80, 443], 443),
        (ref("web", scheme="http"), [8080], 8080),  # exactly one port
        (ref("web", scheme="http"), [8080, 9090], None),
        (ref("db", "data", in_cluster=True), [5432], 5432),
        (ref("db", "data", in_cluster=True), [5432, 5433], None),
        (ref("db", "data", in_cluster=True), [], None),
        (ref("dns", in_cluster=True), [53, 53], 53),  # UDP and TCP on the same port
    ],
)
def test_the_port_must_be_one_the_service_exposes(reference: Reference, ports: list[int], expected: int | None) -> None:
    assert pick_port(reference, ports) == expected

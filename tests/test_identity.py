"""The identity index: what an importer's identifiers resolve to, and how strongly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog.core.identity import IdentityIndex, Match, identifier_key, name_token
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.backstage import read_backstage

T0 = "2026-01-01T00:00:00.000000Z"


def index() -> IdentityIndex:
    idx = IdentityIndex()
    idx.add_service("component:default/checkout", "checkout", ["checkout-svc"], {"pagerduty.com/service-id": "PCK9T2V"})
    idx.add_service("component:default/cart", "cart", ["basket"])
    idx.add_service("component:shop/cart", "cart")
    return idx


def test_a_declared_identifier_wins_over_names() -> None:
    match, ambiguous = index().service(identifiers=[("pagerduty-service", "pck9t2v")], name="cart")
    assert (match, ambiguous) == (Match("component:default/checkout", "declared", "pagerduty-service pck9t2v"), [])


def test_a_name_match_is_inferred_and_a_shared_name_is_ambiguous() -> None:
    assert index().service(name="Checkout") == (Match("component:default/checkout", "inferred", "name Checkout"), [])
    assert index().service(name="cart") == (None, ["component:default/cart", "component:shop/cart"])


def test_an_alias_matches_loosely_as_inferred_evidence() -> None:
    match, _ = index().service(name="Basket")
    assert match == Match("component:default/cart", "inferred", "alias match 'Basket'")
    match, _ = index().service(name="Checkout SVC")
    assert match is not None and match.key == "component:default/checkout"


def test_nothing_matches_nothing() -> None:
    assert index().service(identifiers=[("pagerduty-service", "PNOPE")], name="payments") == (None, [])


def test_keys_and_tokens_are_normalised() -> None:
    assert identifier_key("alias", "  Checkout-SVC ") == "ident:alias:checkout-svc"
    assert name_token("Checkout API (EU)") == "checkout-api-eu"


async def test_the_index_loads_what_backstage_declared(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        textwrap.dedent(
            """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: checkout
              annotations:
                pagerduty.com/service-id: PCK9T2V
                github.com/project-slug: acme/checkout-service
                ownership-catalog.io/aliases: co, checkout-svc
            spec: {type: service, lifecycle: production, owner: payments}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Group
            metadata:
              name: payments
              annotations:
                github.com/team-slug: acme/payments-team
            spec: {type: team, children: []}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: User
            metadata:
              name: alice
              annotations:
                github.com/user-login: alice-gh
            spec: {profile: {email: Alice@Acme.example}, memberOf: [payments]}
            """
        ),
        encoding="utf-8",
    )
    await sync(store, read_backstage([tmp_path / "c.yaml"], instance="bs"), now=T0)
    idx = await load_identity_index(store)
    svc = "component:default/checkout"
    assert idx.service(identifiers=[("pagerduty-service", "PCK9T2V")])[0] == Match(svc, "declared", "pagerduty-service PCK9T2V")
    assert idx.service(repository="Acme/Checkout-Service")[0] == Match(svc, "declared", "repository Acme/Checkout-Service")
    assert idx.service(identifiers=[("alias", "co")])[0] == Match(svc, "declared", "alias co")
    assert idx.team("github", "acme/payments-team") == {"group:default/payments"}
    assert idx.team("name", "Payments") == {"group:default/payments"}
    assert idx.person("email", "alice@acme.example") == {"user:default/alice"}
    assert idx.person("github", "alice-gh") == {"user:default/alice"}


def test_a_source_can_ignore_identifiers_only_it_states() -> None:
    idx = IdentityIndex()
    idx.add_service("component:default/a", "a")
    idx.add_service("component:default/b", "b", annotations={"pagerduty.com/service-id": "P2"}, instance="backstage:x")
    idx.add_identifier("pagerduty-service", "P1", "component:default/a", "pagerduty:acme")
    idx.add_identifier("pagerduty-service", "P2", "component:default/b", "pagerduty:acme")
    assert idx.service(identifiers=[("pagerduty-service", "P1")])[0] == Match("component:default/a", "declared", "pagerduty-service P1")
    assert idx.service(identifiers=[("pagerduty-service", "P1")], ignore_instance="pagerduty:acme") == (None, [])
    # Stated by Backstage too: still found.
    match, _ = idx.service(identifiers=[("pagerduty-service", "P2")], ignore_instance="pagerduty:acme")
    assert match is not None and match.key == "component:default/b"


def test_an_unknown_identifier_scheme_is_refused_naming_the_known_ones() -> None:
    from catalog.answers.identify import SCHEME_NAMES
    from catalog.core.identity import SCHEMES, identifier_records

    # Lookups derive keys from every scheme, so each one written must be on the list, and named.
    assert set(SCHEME_NAMES) == set(SCHEMES)
    with pytest.raises(ValueError, match=r"unknown identifier scheme 'servicenow'.*alias, opslevel"):
        identifier_records("servicenow", "CI0042", ("Service", "component:default/x"), "x.yaml", strength="declared", evidence="test")


def test_a_display_name_is_the_same_name_as_its_token_at_write_and_lookup() -> None:
    from catalog.core.identity import IdentityIndex, identifier_key

    index = IdentityIndex()
    index.add_service("component:default/order-service", "Order Service", aliases=["Gift Cards"])
    for text in ("Order Service", "order-service", "ORDER_SERVICE", "order service!"):
        match, _ = index.service(name=text)
        assert match is not None and match.key == "component:default/order-service" and match.evidence == f"name {text}", text
    match, _ = index.service(identifiers=[("alias", "gift_cards")])
    assert match is not None and match.strength == "declared"
    # One normal form for names, at write and at lookup; other schemes keep their punctuation.
    assert identifier_key("alias", "Gift Cards") == identifier_key("alias", "gift-cards") == "ident:alias:gift-cards"
    assert identifier_key("hostname", "Api.Acme.Example") == "ident:hostname:api.acme.example"


def test_a_declared_service_takes_the_place_of_a_discovered_one_of_the_same_name() -> None:
    from catalog.core.identity import IdentityIndex

    index = IdentityIndex()
    index.add_service("component:discovered/cart", "cart", discovered=True)
    match, _ = index.service(name="cart")
    assert match is not None and match.key == "component:discovered/cart"
    index.add_service("component:default/cart", "cart")
    match, ambiguous = index.service(name="cart")
    assert match is not None and match.key == "component:default/cart" and ambiguous == []

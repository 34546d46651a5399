"""Pieces of the v1 contract that need no store: ranks, in-memory pages, error codes and ids."""

from __future__ import annotations

import pytest

from catalog.answers.blast_radius import DepthRefused
from catalog.answers.history import BadWindow
from catalog.api.errors import BadArgument, Forbidden, LimitExceeded, NotFound, code_of
from catalog.api.node import global_id, parse_global_id
from catalog.api.pagination import backward_connection, encode_cursor, list_connection
from catalog.api.ranks import Lifecycle, Tier, lifecycle_of, tier_of
from catalog.core.refs import InvalidReference
from catalog.read.entities import UnknownEntity


@pytest.mark.parametrize(
    ("text", "tier"),
    [("1", Tier.TIER_1), ("tier-2", Tier.TIER_2), ("Tier 3", Tier.TIER_3), ("t4", Tier.TIER_4), ("TIER_5", Tier.TIER_5), ("gold", None)],
)
def test_tiers_read_the_ways_sources_write_them(text: str, tier: Tier | None) -> None:
    assert tier_of(text) is tier


def test_lifecycles_are_ranked_and_unknown_ones_read_as_null() -> None:
    assert [lifecycle_of(t) for t in ("Production", "beta", "sunset", None)] == [Lifecycle.PRODUCTION, Lifecycle.BETA, None, None]
    assert list(Lifecycle) == [Lifecycle.EXPERIMENTAL, Lifecycle.BETA, Lifecycle.PRODUCTION, Lifecycle.DEPRECATED]


def test_every_refusal_maps_to_a_code_and_server_failures_to_none() -> None:
    assert [code_of(e) for e in (BadArgument("x"), LimitExceeded("x"), NotFound("x"), Forbidden("x"))] == [
        "BAD_USER_INPUT",
        "LIMIT_EXCEEDED",
        "NOT_FOUND",
        "FORBIDDEN",
    ]
    domain = [UnknownEntity("Team", "group:default/x"), DepthRefused("x"), BadWindow("x"), InvalidReference("x")]
    assert [code_of(e) for e in domain] == ["NOT_FOUND", "LIMIT_EXCEEDED", "BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert code_of(RuntimeError("store down")) is None


def test_ids_round_trip_and_carry_no_readable_key() -> None:
    import catalog.api.schema  # noqa: F401  (registers every Node type, as the running API has)

    value = global_id("EscalationPolicy", "escalation-policy:pagerduty/acme/pabc123")
    assert value.startswith("EP1_") and "pagerduty" not in value
    assert parse_global_id(value) == ("EscalationPolicy", "escalation-policy:pagerduty/acme/pabc123")


def test_in_memory_pages_go_forwards_and_backwards() -> None:
    items, keys = list("abcde"), ["k1", "k2", "k3", "k4", "k5"]
    first = list_connection(items, keys, first=2, after=None, max_page_size=10)
    assert [e.node for e in first.edges] == ["a", "b"] and first.page_info.has_next_page
    rest = list_connection(items, keys, first=5, after=first.page_info.end_cursor, max_page_size=10)
    assert rest.nodes() == ["c", "d", "e"] and not rest.page_info.has_next_page
    last = backward_connection(items, keys, last=2, before=None, max_page_size=10)
    assert last.nodes() == ["d", "e"] and last.page_info.has_previous_page
    earlier = backward_connection(items, keys, last=2, before=last.page_info.start_cursor, max_page_size=10)
    assert earlier.nodes() == ["b", "c"] and earlier.page_info.has_next_page
    with pytest.raises(LimitExceeded, match="CATALOG_MAX_PAGE_SIZE"):
        list_connection(items, keys, first=11, after=None, max_page_size=10)
    with pytest.raises(BadArgument, match="no longer in the list"):
        list_connection(items, keys, first=1, after=encode_cursor("gone"), max_page_size=10)

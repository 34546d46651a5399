"""The GraphQL schema: puts the domain queries and types together, and guards against hostile queries."""

from __future__ import annotations

import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from catalog.api.audits.queries import AuditQuery
from catalog.api.errors import is_internal, with_code
from catalog.api.findings.queries import FindingQuery
from catalog.api.findings.types import Finding
from catalog.api.impact.queries import ImpactQuery
from catalog.api.lists import ListQuery
from catalog.api.node import NodeQuery
from catalog.api.oncall.queries import HistoryQuery, OnCallQuery
from catalog.api.ownership.queries import OwnershipQuery
from catalog.api.platforms.queries import PlatformQuery
from catalog.api.platforms.types import Platform, Repository
from catalog.api.scalars import SCALAR_OVERRIDES
from catalog.api.services.queries import ServiceQuery
from catalog.api.services.types import Resource, Service
from catalog.api.systems.queries import SystemQuery
from catalog.api.systems.types import API, Domain, System
from catalog.api.teams.queries import TeamQuery
from catalog.api.teams.types import Person, Team
from catalog.api.v1_types import EXTRA_NODE_TYPES
from catalog.settings import Settings

logger = logging.getLogger(__name__)

CACHE_SIZE = 256
"""Distinct documents whose parse and validation are cached; tools send a handful."""


@strawberry.type(description="Who owns what, who to call, what breaks, and what runs where.")
class Query(
    OwnershipQuery,
    OnCallQuery,
    ImpactQuery,
    HistoryQuery,
    AuditQuery,
    NodeQuery,
    ServiceQuery,
    TeamQuery,
    SystemQuery,
    PlatformQuery,
    FindingQuery,
    ListQuery,
):
    pass


class CatalogSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Refusals are the client's business; only our own failures belong in the server log.
        for error in errors:
            with_code(error)
            if is_internal(error):
                logger.error("GraphQL resolver failed: %s", error.message, exc_info=error.original_error)


def guards(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Per-request extensions: limits on depth, aliases and tokens, document caches, error masking.

    The depth and alias limits are validation rules. Their rule classes are made once, here:
    the validation cache is keyed by the document and the rule classes, and a limiter built per
    request brings new classes each time, so every request would miss the cache and validate
    its document again (half the server time of a small lookup)."""
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=is_internal, error_message="Internal error; the server log has the details."),
    ]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; with settings, also the per-request guards the running API uses."""
    return CatalogSchema(
        query=Query,
        types=[Service, Resource, Team, Person, System, Domain, API, Platform, Repository, Finding, *EXTRA_NODE_TYPES],
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=guards(settings) if settings is not None else (),
    )

"""The GraphQL schema: puts the domain queries and types together, and guards against hostile queries."""

from __future__ import annotations

import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from catalog.api.audits.queries import AuditQuery
from catalog.api.company.queries import CompanyQuery
from catalog.api.errors import is_internal, with_code
from catalog.api.execution import LeanExecutor, fast_union_types, plan_leaf_fields
from catalog.api.findings.queries import FindingQuery
from catalog.api.findings.types import Finding
from catalog.api.impact.queries import ImpactQuery
from catalog.api.lean_fields import ignores_info, lean_resolvers
from catalog.api.lists import ListQuery
from catalog.api.masking import LeanMaskErrors
from catalog.api.node import NodeQuery
from catalog.api.oncall.queries import HistoryQuery, OnCallQuery
from catalog.api.ownership.queries import OwnershipQuery
from catalog.api.platforms.queries import PlatformQuery
from catalog.api.platforms.types import Platform, Repository
from catalog.api.scalars import SCALAR_OVERRIDES
from catalog.api.scorecard.queries import ScorecardQuery
from catalog.api.services.queries import ServiceQuery
from catalog.api.services.types import Resource, Service
from catalog.api.systems.queries import SystemQuery
from catalog.api.systems.types import API, Domain, System
from catalog.api.teams.queries import TeamQuery
from catalog.api.teams.types import Person, Team
from catalog.api.v1_types import EXTRA_NODE_TYPES
from catalog.api.validation import CACHE_SIZE, guard_extensions
from catalog.auth.fields import guard_fields, introspection_rules
from catalog.auth.graphql import AuthQuery
from catalog.settings import Settings
from catalog.store.base import StoreError

logger = logging.getLogger(__name__)

__all__ = ["CACHE_SIZE", "Query", "build_schema", "guards"]


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
    AuthQuery,
    ListQuery,
    ScorecardQuery,
    CompanyQuery,
):
    pass


class CatalogSchema(strawberry.Schema):
    on_error: Callable[[GraphQLError], None] | None = None
    """Called with every error a request meets, before masking (the metrics count them)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Refusals are the client's business; only our own failures belong in the server log.
        for error in errors:
            if isinstance(error.original_error, StoreError):
                # The client gets a code and a safe message (``with_code``); the store's own words stay here.
                logger.warning("store failure: %s", str(error.original_error).splitlines()[0])
            with_code(error)
            if self.on_error is not None:
                self.on_error(error)
            if is_internal(error):
                logger.error("GraphQL resolver failed: %s", error.message, exc_info=error.original_error)


def guards(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Per-request extensions: the document limits with the parse and validation caches
    (``catalog.api.validation``), introspection refused unless enabled, and error masking."""
    return [
        *guard_extensions(settings, tuple(introspection_rules(settings))),
        lambda: LeanMaskErrors(should_mask_error=is_internal, error_message="Internal error; the server log has the details."),
    ]


def build_schema(
    settings: Settings | None = None, *, on_error: Callable[[GraphQLError], None] | None = None, lean: bool = True
) -> strawberry.Schema:
    """The schema; with settings, also the per-request guards the running API uses. ``lean``: fields without
    arguments call their resolvers directly (``catalog.api.lean_fields``) and leaf fields that need no ``info`` skip
    graphql-core's general completion (``catalog.api.execution``); False keeps Strawberry's and graphql-core's paths."""
    schema = CatalogSchema(
        query=Query,
        types=[Service, Resource, Team, Person, System, Domain, API, Platform, Repository, Finding, *EXTRA_NODE_TYPES],
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=guards(settings) if settings is not None else (),
        execution_context_class=LeanExecutor if lean else None,
    )
    if lean:
        lean_resolvers(schema)  # before the guards, which wrap the resolvers they find
        if not schema.exception_handlers:  # (a handler needs Strawberry's wrapper, which the plain attributes then keep)
            plan_leaf_fields(schema, ignores_info)
        fast_union_types(schema)
    guard_fields(schema)
    schema.on_error = on_error
    return schema

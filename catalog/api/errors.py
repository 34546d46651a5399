"""Errors the API reports to clients as they are; anything else is masked and logged."""

from __future__ import annotations

from graphql import GraphQLError


class ApiError(Exception):
    """A request the API refuses; the message goes to the client verbatim, so it names the fix."""


class BadArgument(ApiError):
    """An argument that cannot be used: a malformed cursor, id or reference, an unknown name."""


class LimitExceeded(ApiError):
    """An argument above a configured limit; the message names the setting that sets it."""


def is_internal(error: GraphQLError) -> bool:
    """True for errors raised by the server's own code (a store failure, a bug), which must not
    leak query text or internals to clients. Syntax, validation and ``ApiError`` are the client's."""
    original = error.original_error
    return original is not None and not isinstance(original, ApiError | GraphQLError)

"""Errors the API reports to clients as they are, each with a machine-readable ``extensions.code``;
anything else is masked and logged.

Codes (stable within schema v1; clients branch on them, never on message text):

- ``BAD_USER_INPUT``: an argument that cannot be used (a malformed id, cursor, reference or instant);
- ``LIMIT_EXCEEDED``: an argument above a configured limit (page size, depth);
- ``NOT_FOUND``: an argument that names nothing in the catalog where something must exist;
- ``FORBIDDEN``: the caller may not read what it asked for (reserved for access-control scopes);
- ``STORE_UNAVAILABLE``: the catalog's database did not answer in time or cannot be reached; retry shortly;
- ``QUERY_TIMEOUT``: the database stopped the question for running past ``CATALOG_QUERY_TIMEOUT``; ask a narrower one.

Domain errors raised below the API (``catalog.answers``, ``catalog.read``, ``catalog.refs``) map
to a code here too, so a resolver that lets one through still answers the client correctly.
"""

from __future__ import annotations

from typing import ClassVar

from graphql import GraphQLError

from catalog.answers.audits import AuditArgumentError
from catalog.answers.blast_radius import DepthRefused, UnknownCursor
from catalog.answers.history import BadWindow
from catalog.answers.oncall import BadInstant
from catalog.read.entities import UnknownEntity
from catalog.refs import InvalidReference
from catalog.store.base import QueryTimeout, StoreUnavailable

BAD_USER_INPUT = "BAD_USER_INPUT"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
QUERY_TIMEOUT = "QUERY_TIMEOUT"
CODES = (BAD_USER_INPUT, LIMIT_EXCEEDED, NOT_FOUND, FORBIDDEN, STORE_UNAVAILABLE, QUERY_TIMEOUT)


class ApiError(Exception):
    """A request the API refuses; the message goes to the client verbatim, so it names the fix."""

    code: ClassVar[str] = BAD_USER_INPUT

    @property
    def extensions(self) -> dict[str, str]:
        # graphql-core copies an original error's ``extensions`` onto the error it reports.
        return {"code": self.code}


class BadArgument(ApiError):
    """An argument that cannot be used: a malformed cursor, id or reference, an unknown name."""

    code = BAD_USER_INPUT


class LimitExceeded(ApiError):
    """An argument above a configured limit; the message names the setting that sets it."""

    code = LIMIT_EXCEEDED


class NotFound(ApiError):
    """An argument names nothing in the catalog where the request needs something to exist."""

    code = NOT_FOUND


class Forbidden(ApiError):
    """The caller may not read what it asked for (access-control scopes)."""

    code = FORBIDDEN


DOMAIN_CODES: tuple[tuple[type[Exception], str], ...] = (
    (UnknownEntity, NOT_FOUND),
    (DepthRefused, LIMIT_EXCEEDED),
    (UnknownCursor, BAD_USER_INPUT),
    (BadWindow, BAD_USER_INPUT),
    (BadInstant, BAD_USER_INPUT),
    (AuditArgumentError, BAD_USER_INPUT),
    (InvalidReference, BAD_USER_INPUT),
)
"""Errors of the layers below the API that are the client's doing, and their codes."""


def code_of(error: BaseException | None) -> str | None:
    """The client-facing code of an exception; None for the server's own failures."""
    if isinstance(error, ApiError):
        return error.code
    for kind, code in DOMAIN_CODES:
        if isinstance(error, kind):
            return code
    return None


STORE_MESSAGES: tuple[tuple[type[Exception], str, str], ...] = (
    (
        QueryTimeout,
        QUERY_TIMEOUT,
        "the catalog's database stopped this question for running too long (CATALOG_QUERY_TIMEOUT); ask a narrower one",
    ),
    (
        StoreUnavailable,
        STORE_UNAVAILABLE,
        "the catalog's database did not answer in time or cannot be reached; retry shortly (the server log has the details)",
    ),
)
"""Store failures as clients see them: a code and a message without the store's address or query text."""


def with_code(error: GraphQLError) -> GraphQLError:
    """Sets ``extensions.code`` on a resolver's refusal that does not carry one yet; a store failure
    gets its code and a message that keeps the store's address and the query text in the server log."""
    for kind, store_code, message in STORE_MESSAGES:
        if isinstance(error.original_error, kind):
            error.message = message
            error.extensions = {**(error.extensions or {}), "code": store_code}
            return error
    code = code_of(error.original_error)
    if code is not None and "code" not in (error.extensions or {}):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def is_internal(error: GraphQLError) -> bool:
    """True for errors raised by the server's own code (a store failure, a bug), which must not
    leak query text or internals to clients. Syntax, validation and refusals are the client's."""
    original = error.original_error
    if isinstance(original, QueryTimeout | StoreUnavailable):
        return False  # answered with its code and a safe message by ``with_code``
    return original is not None and not isinstance(original, GraphQLError) and code_of(original) is None

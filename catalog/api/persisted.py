"""Automatic persisted queries (Apollo's APQ protocol): a client sends the SHA-256 of a document
instead of the document, and the document only once.

A request with ``extensions.persistedQuery = {"version": 1, "sha256Hash": H}`` and no ``query``
runs the document registered under ``H``; when none is, the answer is the error
``PersistedQueryNotFound`` (code ``PERSISTED_QUERY_NOT_FOUND``), and the client sends the document
again with the hash, which registers it once the hash is checked. Apollo Client, urql and
graphql-request speak this protocol. Requests without the extension are served as before.

Registered documents live in a bounded LRU per server process, so neither a hostile client nor a
long uptime can grow memory without limit; a worker that has not seen a hash asks for it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

MAX_DOCUMENTS = 512
"""Documents one process remembers; tools send a handful each."""
MAX_DOCUMENT_BYTES = 64 * 1024
"""Longest document that may be registered (CATALOG_MAX_TOKENS bounds what may run anyway)."""

NOT_FOUND = "PersistedQueryNotFound"


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class PersistedQueries:
    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._max = max_documents

    def __len__(self) -> int:
        return len(self._documents)

    def _remember(self, digest: str, document: str) -> None:
        self._documents[digest] = document
        self._documents.move_to_end(digest)
        while len(self._documents) > self._max:
            self._documents.popitem(last=False)

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData | GraphQLError:
        """The request with its document filled in, or the error to answer with.

        Requests without a ``persistedQuery`` extension come back unchanged."""
        persisted: Any = (request.extensions or {}).get("persistedQuery")
        if persisted is None:
            return request
        if not isinstance(persisted, dict) or persisted.get("version") != 1 or not isinstance(persisted.get("sha256Hash"), str):
            return _error(
                'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<hex SHA-256 of the document>"}',
                "PERSISTED_QUERY_INVALID",
            )
        digest = persisted["sha256Hash"].lower()
        if request.query is None:
            document = self._documents.get(digest)
            if document is None:
                return _error(NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
            self._documents.move_to_end(digest)
            return dataclasses.replace(request, query=document)
        if sha256_of(request.query) != digest:
            return _error(
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it; "
                "hash the exact document text (UTF-8) in lower-case hex",
                "PERSISTED_QUERY_HASH_MISMATCH",
            )
        if len(request.query.encode("utf-8")) <= MAX_DOCUMENT_BYTES:
            self._remember(digest, request.query)
        return request

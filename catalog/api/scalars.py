"""Scalars of the API beyond GraphQL's own: ``URI``, and ``DateTime`` documented as ISO-8601 UTC."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, NewType
from urllib.parse import urlsplit

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from catalog.api.errors import BadArgument
from catalog.api.node import Node
from catalog.core.model import NodeType


def _parse_uri(value: object) -> str:
    text = str(value)
    parts = urlsplit(text)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise BadArgument(f"{text!r} is not an absolute URI; write it with its scheme, e.g. https://example.com/runbook")
    return text


_URI_DESCRIPTION = "An absolute URI (RFC 3986), e.g. `https://runbooks.acme.example/checkout`, as the source gave it."
_RFC3986 = "https://www.rfc-editor.org/rfc/rfc3986"

if TYPE_CHECKING:
    URI = NewType("URI", str)
else:
    # Registered with strawberry, so any schema (the tests build partial ones) presents it as the URI scalar.
    URI = strawberry.scalar(
        NewType("URI", str), name="URI", description=_URI_DESCRIPTION, specified_by_url=_RFC3986, serialize=str, parse_value=_parse_uri
    )

DATE_TIME_SCALAR = dataclasses.replace(
    DateTimeDefinition,
    description="An instant, as an ISO-8601 date and time with its UTC offset, e.g. `2026-11-20T03:12:00+00:00`. The API "
    "answers in UTC; arguments must carry an offset (`Z` or `+01:00`).",
    specified_by_url="https://www.iso.org/iso-8601-date-and-time-format.html",
)
"""Strawberry's ``DateTime``, documented: parsing and output are strawberry's."""

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATE_TIME_SCALAR}


def uri_prop(node_type: NodeType, name: str, description: str | None = None) -> URI | None:
    """A field that shows a URL property of ``node_type`` as a ``URI``."""
    prop = node_type.prop(name)
    doc = description or prop.doc
    if not doc:
        raise ValueError(f"{node_type.label}.{name} has no description: document it in catalog.core.model or pass one")

    def resolve(root: Node) -> URI | None:
        text = root.row.text(name)
        return None if text is None else URI(text)

    return strawberry.field(resolver=resolve, description=doc)

"""Which media type a GraphQL answer is sent as, from the request's ``Accept`` header.

The GraphQL-over-HTTP spec defines ``application/graphql-response+json`` (status codes tell
request errors apart) beside the legacy ``application/json`` (always 200 for a well-formed
request). A client gets the new one when it accepts it at least as much as ``application/json``;
no ``Accept``, ``*/*`` or anything else gets ``application/json``, as the spec asks of servers
until its watershed (a client sending neither is answered rather than refused with 406).
"""

from __future__ import annotations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in accept.split(",")[:32]:  # a hostile header with thousands of ranges is read only so far
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        weights[media] = max(weights.get(media, 0.0), q)
    return weights


def preferred_media_type(accept: str | None) -> str:
    if not accept:
        return JSON
    weights = _weights(accept)
    new = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    legacy = max(weights.get(JSON, 0.0), weights.get("application/*", 0.0), weights.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if new > 0 and new >= legacy else JSON

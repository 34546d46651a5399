"""Strawberry's ``MaskErrors`` without its per-request protocol check.

``MaskErrors`` asks ``isinstance(result, _ResultWithErrors)`` of every result, a runtime-checkable
``Protocol``: ``typing`` walks the protocol's attributes on each call, about 3% of a small
request's server time. Every result it is given (Strawberry's ``ExecutionResult``, graphql-core's,
the incremental ones) has an ``errors`` attribute or none at all, so reading it is the same test.
"""

from __future__ import annotations

from strawberry.extensions import MaskErrors


class LeanMaskErrors(MaskErrors):
    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

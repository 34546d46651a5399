"""The CLI's answer commands (who-owns, oncall, blast-radius, adoption, audit): one module each.

Each module exports ``register(commands)``, which adds its sub-command to the ``catalog``
parser, and ``async run(args, store) -> int`` (an exit code), which prints a readable table
by default and JSON with ``--json``. ``print_table`` and ``print_json`` keep the output of
every command alike.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "(none)") -> None:
    """Left-aligned columns, a header line, and ``empty`` when there are no rows."""
    if not rows:
        print(empty)
        return
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


JSON_NAMES: dict[tuple[str, str], str] = {
    ("OwnedService", "resolved_owners"): "owners",
    ("OwnedService", "owner_evidence"): "ownership_claims",
    ("OwnedService", "label"): "kind",
    ("OwnedEntity", "resolved_owners"): "owners",
    ("OwnedEntity", "owner_evidence"): "ownership_claims",
    ("OwnedEntity", "label"): "kind",
    ("WhoOwns", "matches"): "subjects",
    ("WhoOwns", "more"): "more_matches",
    ("Identification", "more"): "more_matches",
    ("OnCallAnswer", "owners"): "owner_contacts",
    ("OwnerAtAnswer", "claims"): "ownership_claims",
    ("OwnerAtAnswer", "retired_service"): "is_service_retired",
    ("OwnerAtAnswer", "record_starts"): "record_starts_at",
    ("ChangesAnswer", "retired_service"): "is_service_retired",
    ("ResolvedOwner", "since"): "started_at",
    ("OwnerClaim", "first_seen"): "started_at",
    ("OwnerClaim", "last_seen"): "last_seen_at",
    ("Interval", "first_seen"): "started_at",
    ("Interval", "retired_at"): "ended_at",
}
"""``--json`` speaks the API's vocabulary (``catalog.api.owners``): where an answer's field has another
name in the GraphQL schema, (class, field) maps to the schema's name in snake case."""


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value).__name__
        return {JSON_NAMES.get((kind, f.name), f.name): to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    print(json.dumps(to_jsonable(value), indent=2, sort_keys=False, default=str))

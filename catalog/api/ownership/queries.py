"""``whoOwns``: from whatever identifier a responder holds to the owners of what it names."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from typing import Annotated

import strawberry

from catalog.answers.entity_owners import who_owns_any
from catalog.answers.identify import MAX_IDENTIFIER_LENGTH
from catalog.api.context import Info
from catalog.api.errors import BadArgument
from catalog.api.ownership.types import WhoOwnsAnswer

Identifier = Annotated[
    str,
    strawberry.argument(
        description="A service name, key or alias; a repository URL or `org/repo`; a workload `namespace/name` or a pod name; "
        "a PagerDuty service id; or a hostname."
    ),
]


def checked_identifier(text: str, argument: str = "identifier") -> str:
    """The identifier, trimmed; a clear refusal when it is empty or too long to be one."""
    value = text.strip()
    if not value:
        raise BadArgument(f"{argument} is empty; give a service name, alias, repository URL, pod name, PagerDuty service id or hostname")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise BadArgument(
            f"{argument} is {len(value)} characters long, over the limit of {MAX_IDENTIFIER_LENGTH}; give the name, URL or id alone"
        )
    return value


@strawberry.type
class OwnershipQuery:
    @strawberry.field(
        description="Who owns what the identifier names: the owning team(s) with the evidence per source and its strength, "
        "how they were derived, contacts, runbook and other links, and platforms. Any kind: a service, system, domain, API, "
        "resource, team (its parent team and leads), platform, repository, workload, or a file of a repository (a blob URL, "
        "`org/repo/path` or `org/repo/path:line`: the CODEOWNERS rule that matches it). Several subjects when the identifier is "
        "shared; the nearest services when it names nothing."
    )
    async def who_owns(self, info: Info, identifier: Identifier) -> WhoOwnsAnswer | None:
        return WhoOwnsAnswer(row=await who_owns_any(info.context.reader, checked_identifier(identifier)))

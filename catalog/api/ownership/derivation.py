"""How a ``whoOwns`` subject's owners were found, and who owns one file by its CODEOWNERS.

The rows are ``catalog.answers.entity_owners``'s; these types only present them.
"""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from enum import Enum

import strawberry

from catalog.answers import entity_owners as answers
from catalog.api.context import Info
from catalog.api.identification import service_object
from catalog.api.node import Node, present
from catalog.api.owners import OwnerKey, owner_object
from catalog.api.services.types import Service
from catalog.api.teams.types import Owner


@strawberry.enum(description="How the owners of what an identifier names were found.")
class DerivationMethod(Enum):
    DIRECT = strawberry.enum_value("direct", description="Its own owners: resolved across sources, or each source's claims.")
    INHERITED = strawberry.enum_value(
        "inherited",
        description="None of its own: those of the nearest entity up its part-of chain that has any (a component's, API's, "
        "resource's or platform's system; a system's domain; a domain's parent domain), named in `from`.",
    )
    CODEOWNERS = strawberry.enum_value(
        "codeowners", description="A repository owned through its CODEOWNERS (or its teams' admin or maintain permission)."
    )
    BUILT_SERVICES = strawberry.enum_value(
        "built-services", description="A repository with no owner of its own, owned through the services built from it."
    )
    TEAM_HIERARCHY = strawberry.enum_value(
        "team-hierarchy", description="A team, answered by its parent team and its leads (a manager, lead or maintainer role)."
    )
    CODEOWNERS_RULE = strawberry.enum_value(
        "codeowners-rule", description="A file, owned through the CODEOWNERS rule that matches it last (the one GitHub applies)."
    )
    NONE = strawberry.enum_value("none", description="Nothing the catalog knows gives it an owner.")


def _method(text: str) -> DerivationMethod:
    try:
        return DerivationMethod(text)
    except ValueError:
        return DerivationMethod.NONE


@strawberry.type(description="How the owners were found: directly, inherited, through CODEOWNERS, the team hierarchy, ...")
class OwnershipDerivation:
    row: strawberry.Private[answers.Derivation]

    @strawberry.field(description="The way the owners were found.")
    def method(self) -> DerivationMethod:
        return _method(self.row.method)

    @strawberry.field(description="One line for people, e.g. `no owner of its own: inherited from system payments`.")
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="The entity the owners come from when it is another one: the system inherited from, the parent team.")
    async def via(self, info: Info) -> Node | None:
        if self.row.via_label is None or self.row.via_key is None:
            return None
        row = await info.context.loaders.node_with_retired(self.row.via_label).load(self.row.via_key)
        return None if row is None else present(row)


@strawberry.type(description="One owner a CODEOWNERS rule names, as written and as the catalog resolved it.")
class CodeownersOwner:
    row: strawberry.Private[answers.RuleOwner]

    @strawberry.field(description="As written: `@org/team`, `@user` or an email address.")
    def text(self) -> str:
        return self.row.text

    @strawberry.field(description="`team`, `user` or `email`, as CODEOWNERS writes it.")
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="The catalog team or person it resolved to when the repository was imported; null when none.")
    async def owner(self, info: Info) -> Owner | None:
        ref = self.row.owner
        return None if ref is None else await owner_object(info, OwnerKey(ref.label, ref.key, ref.name))


@strawberry.type(description="A CODEOWNERS rule: its line in the file, its pattern and its owners.")
class CodeownersRule:
    row: strawberry.Private[answers.CodeownersRule]

    @strawberry.field(description="Its line number in the CODEOWNERS file.")
    def line(self) -> int:
        return self.row.line

    @strawberry.field(description="Its pattern, as written.")
    def pattern(self) -> str:
        return self.row.pattern

    @strawberry.field(description="Its owners, in file order; empty for a rule that leaves its paths unowned.")
    def owners(self) -> list[CodeownersOwner]:
        return [CodeownersOwner(row=o) for o in self.row.owners]


@strawberry.type(description="Who owns one file of a repository, by the repository's CODEOWNERS (GitHub's rules: the last match wins).")
class FileOwnership:
    row: strawberry.Private[answers.FileOwners]

    @strawberry.field(description="The file's path in the repository.")
    def path(self) -> str:
        return self.row.path

    @strawberry.field(description="The line the identifier pointed at (`#L10`, `:123`); null when it named none.")
    def line(self) -> int | None:
        return self.row.line

    @strawberry.field(description="Which CODEOWNERS file decides, e.g. `.github/CODEOWNERS`; null when the repository has none.")
    def codeowners_path(self) -> str | None:
        return self.row.codeowners_path

    @strawberry.field(description="The rule GitHub applies to the file (the last that matches); null when none matches.")
    def rule(self) -> CodeownersRule | None:
        return None if self.row.rule is None else CodeownersRule(row=self.row.rule)

    @strawberry.field(description="The services built from the repository.")
    async def services(self, info: Info) -> list[Service]:
        return [await service_object(info, s.key, s.name) for s in self.row.services]


def derivation_of(row: object) -> OwnershipDerivation | None:
    derivation = getattr(row, "derivation", None)
    return OwnershipDerivation(row=derivation) if isinstance(derivation, answers.Derivation) else None


def file_of(row: object) -> FileOwnership | None:
    file = getattr(row, "file", None)
    return FileOwnership(row=file) if isinstance(file, answers.FileOwners) else None

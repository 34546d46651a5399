"""Entity references in spec fields and annotations, resolved with Backstage's defaults.

A reference is ``[kind:][namespace/]name``. A missing namespace is the *referring* entity's
namespace; a missing kind is the field's default kind (``owner`` → group). The resolver
checks the kind against what the field allows and turns the reference into the key and
label of the node it points at.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from catalog.core.model import LABEL_BY_BACKSTAGE_KIND, PLATFORM
from catalog.core.records import Finding
from catalog.core.refs import EntityRef, InvalidReference, parse_ref, platform_key
from importers.backstage.fields import format_path
from importers.backstage.validate import Entity
from importers.backstage.yaml_lines import Path


@dataclass(frozen=True)
class RefRule:
    """What one field may refer to."""

    default_kind: str | None
    allowed: tuple[str, ...]


OWNER = RefRule("group", ("group", "user"))
SYSTEM = RefRule("system", ("system",))
DOMAIN = RefRule("domain", ("domain",))
GROUP = RefRule("group", ("group",))
USER = RefRule("user", ("user",))
API = RefRule("api", ("api",))
COMPONENT = RefRule("component", ("component",))
DEPENDENCY = RefRule(None, ("component", "resource"))
"""``dependsOn``/``dependencyOf``: Backstage requires the kind."""
RUNS_ON_PLATFORM = RefRule("resource", ("resource",))


@dataclass(frozen=True)
class Target:
    """The node a valid reference points at."""

    ref: EntityRef
    label: str
    id: str
    if_missing: Finding | None
    """Set when no entity in this import declares the target."""

    @property
    def declared(self) -> bool:
        return self.if_missing is None


class Resolver:
    def __init__(self, declared: Mapping[str, Entity], platforms: Collection[str]) -> None:
        self._declared = declared
        self._platforms = platforms
        self.findings: list[Finding] = []

    def resolve(self, entity: Entity, subject: str, path: Path, text: str, rule: RefRule) -> Target | None:
        """The target of ``text`` (found at ``path`` in ``entity``), or ``None`` after a finding."""
        field = format_path(path)
        line = entity.line(path)
        try:
            ref = parse_ref(text, default_kind=rule.default_kind, default_namespace=entity.namespace)
        except InvalidReference as error:
            self.findings.append(self._unparsable(entity, subject, field, line, text, rule, error))
            return None
        if ref.kind not in rule.allowed:
            self.findings.append(
                Finding(
                    "wrong-kind",
                    "error",
                    f"{field} of {subject} refers to {ref}, a {ref.kind}, but {field_name(path)} must name {_kinds(rule.allowed)}; "
                    "the relationship is not recorded",
                    fix=f"write {' or '.join(f'{k}:NAME' for k in rule.allowed)} in {field}",
                    subject=subject,
                    field=field,
                    reference=str(ref),
                    file=entity.file,
                    line=line,
                )
            )
            return None
        if ref.kind == "resource" and ref.key in self._platforms:
            label, node_id = PLATFORM.label, platform_key(ref.namespace, ref.name)
        else:
            label, node_id = LABEL_BY_BACKSTAGE_KIND[ref.kind], ref.key
        if_missing = None
        if ref.key not in self._declared:
            if_missing = Finding(
                "unknown-reference",
                "error",
                f"{field} of {subject} refers to {ref}, which no entity declares",
                fix=f"declare {ref} or correct {field}",
                subject=subject,
                field=field,
                reference=str(ref),
                file=entity.file,
                line=line,
            )
        return Target(ref, label, node_id, if_missing)

    def platform(self, entity: Entity, subject: str, path: Path, text: str) -> Target | None:
        """A platform named by an annotation: a Resource of type ``platform``, keyed as a Platform."""
        try:
            ref = parse_ref(text, default_kind="resource", default_namespace=entity.namespace)
        except InvalidReference:
            pass  # resolve() reports it
        else:
            if ref.kind == "platform":
                # The catalog keys platforms as platform:ns/name; accept that spelling too.
                text = f"resource:{ref.namespace}/{ref.name}"
        target = self.resolve(entity, subject, path, text, RUNS_ON_PLATFORM)
        if target is None:
            return None
        if target.declared and target.label != PLATFORM.label:
            field = format_path(path)
            self.findings.append(
                Finding(
                    "wrong-kind",
                    "error",
                    f"{field} of {subject} names {target.ref}, a resource that is not of type platform; the relationship is not recorded",
                    fix=f"name a Resource with spec.type: platform in {field}, or set spec.type: platform on {target.ref}",
                    subject=subject,
                    field=field,
                    reference=str(target.ref),
                    file=entity.file,
                    line=entity.line(path),
                )
            )
            return None
        return Target(target.ref, PLATFORM.label, platform_key(target.ref.namespace, target.ref.name), target.if_missing)

    def _unparsable(
        self, entity: Entity, subject: str, field: str, line: int, text: str, rule: RefRule, error: InvalidReference
    ) -> Finding:
        if rule.default_kind is None and _parses_with_a_kind(text):
            name = text.strip()
            return Finding(
                "missing-kind",
                "error",
                f"{field} of {subject} is {text!r}, which names no kind; Backstage requires one here",
                fix="write " + " or ".join(f"{k}:{name}" for k in rule.allowed),
                subject=subject,
                field=field,
                reference=text,
                file=entity.file,
                line=line,
            )
        return Finding(
            "invalid-reference",
            "error",
            f"{field} of {subject}: {error}",
            fix=f"write {field} as [kind:][namespace/]name, e.g. {rule.default_kind or rule.allowed[0]}:default/NAME",
            subject=subject,
            field=field,
            reference=text,
            file=entity.file,
            line=line,
        )


def field_name(path: Path) -> str:
    """The field a path ends in, without list indexes: ``spec.dependsOn[2]`` → ``dependsOn``."""
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else ""


def _kinds(kinds: tuple[str, ...]) -> str:
    articles = [f"an {k}" if k[0] in "aeiou" else f"a {k}" for k in kinds]
    return " or ".join(articles)


def _parses_with_a_kind(text: str) -> bool:
    try:
        parse_ref(text, default_kind="component")
    except InvalidReference:
        return False
    return True

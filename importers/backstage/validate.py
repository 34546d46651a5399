"""Backstage's entity envelope and per-kind specs, validated into typed entities.

The models follow Backstage's own schemas: fields have the types Backstage requires (no
coercion, so ``tags: 5`` or ``dependsOn: x`` are errors) and unknown fields are allowed.
Pydantic's errors are translated into findings that name the file, line, field and fix.
Fields Backstage requires but whose absence still leaves a useful entity (an owner, a type)
are checked by the translator, which imports the entity and warns.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from catalog.core.records import Finding
from catalog.core.refs import DEFAULT_NAMESPACE, entity_key
from importers.backstage.fields import format_path
from importers.backstage.yaml_lines import Path, YamlDocument

API_VERSION_PREFIX = "backstage.io/"

# Backstage's KubernetesValidatorFunctions.
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_NAMESPACE = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")
_MAX_NAME = 63


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class SpecBase(_Model):
    """What every kind's ``spec`` has in common: nothing but strictness."""


class Link(_Model):
    url: str
    title: str | None = None
    icon: str | None = None
    type: str | None = None


class Metadata(_Model):
    name: str
    namespace: str = DEFAULT_NAMESPACE
    title: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    tags: list[str] | None = None
    links: list[Link] | None = None

    def annotation(self, key: str) -> str | None:
        return (self.annotations or {}).get(key)

    def label(self, key: str) -> str | None:
        return (self.labels or {}).get(key)


class Profile(_Model):
    display_name: str | None = Field(default=None, alias="displayName")
    email: str | None = None
    picture: str | None = None


class ComponentSpec(SpecBase):
    type: str | None = None
    lifecycle: str | None = None
    owner: str | None = None
    system: str | None = None
    subcomponent_of: str | None = Field(default=None, alias="subcomponentOf")
    provides_apis: list[str] = Field(default_factory=list, alias="providesApis")
    consumes_apis: list[str] = Field(default_factory=list, alias="consumesApis")
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")
    dependency_of: list[str] = Field(default_factory=list, alias="dependencyOf")


class ApiSpec(SpecBase):
    type: str | None = None
    lifecycle: str | None = None
    owner: str | None = None
    system: str | None = None
    definition: Any = None
    """Text as Backstage writes it; any other form (a mapping from ``$yaml``, a number) is kept, never rejected."""


class ResourceSpec(SpecBase):
    type: str | None = None
    owner: str | None = None
    system: str | None = None
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")
    dependency_of: list[str] = Field(default_factory=list, alias="dependencyOf")


class SystemSpec(SpecBase):
    owner: str | None = None
    domain: str | None = None


class DomainSpec(SpecBase):
    owner: str | None = None
    subdomain_of: str | None = Field(default=None, alias="subdomainOf")


class GroupSpec(SpecBase):
    type: str | None = None
    profile: Profile | None = None
    parent: str | None = None
    children: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)


class UserSpec(SpecBase):
    profile: Profile | None = None
    member_of: list[str] = Field(default_factory=list, alias="memberOf")


class LocationSpec(SpecBase):
    type: str | None = None
    target: str | None = None
    targets: list[str] = Field(default_factory=list)
    presence: str | None = None
    """``optional``: a missing target is not an error."""


SPEC_BY_KIND: dict[str, type[SpecBase]] = {
    "component": ComponentSpec,
    "api": ApiSpec,
    "resource": ResourceSpec,
    "system": SystemSpec,
    "domain": DomainSpec,
    "group": GroupSpec,
    "user": UserSpec,
    "location": LocationSpec,
}


class _Envelope(_Model):
    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: Metadata
    spec: Any = None
    """Validated separately, by the model of the entity's kind."""


@dataclass(frozen=True)
class Entity:
    """A validated Backstage entity and where it was declared."""

    kind: str
    """Lower-case Backstage kind."""
    metadata: Metadata
    spec: SpecBase
    file: str
    document: YamlDocument

    @property
    def namespace(self) -> str:
        return self.metadata.namespace

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def key(self) -> str:
        return entity_key(self.kind, self.namespace, self.name)

    @property
    def origin(self) -> str:
        return f"{self.file}#{self.document.index}"

    def line(self, path: Path) -> int:
        return self.document.line_of(path)

    def where(self) -> str:
        return f"{self.file}:{self.line(('metadata', 'name'))} (document {self.document.index})"


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one document."""

    entity: Entity | None = None
    findings: tuple[Finding, ...] = ()
    failed: bool = False
    """True when the document is an entity that could not be accepted."""


def check_document(document: YamlDocument, file: str) -> Checked:
    """Turn one YAML document into an ``Entity``, or into findings that say what is wrong."""
    value = document.value
    if value is None:
        return Checked()
    duplicates = tuple(
        Finding(
            "duplicate-key",
            "warning",
            f"{format_path(d.path)} is given twice (lines {d.first_line} and {d.line}); the later value is used",
            fix=f"remove one of the two {format_path(d.path)} keys",
            field=format_path(d.path),
            file=file,
            line=d.line,
        )
        for d in document.duplicate_keys
    )
    if not isinstance(value, dict):
        finding = Finding(
            "invalid-document",
            "error",
            f"document {document.index} is {_describe(value)}, not a mapping of apiVersion, kind, metadata and spec",
            fix="make the document a mapping, or remove it",
            file=file,
            line=document.line,
        )
        return Checked(findings=(finding,), failed=True)
    api_version = value.get("apiVersion")
    if not isinstance(api_version, str) or not api_version.startswith(API_VERSION_PREFIX):
        seen = f"apiVersion {api_version!r}" if api_version is not None else "no apiVersion"
        finding = Finding(
            "not-an-entity",
            "warning",
            f"document {document.index} is not a Backstage entity ({seen}); skipped",
            fix="add apiVersion: backstage.io/v1alpha1 if this is meant to be an entity, or keep it out of the catalog's paths",
            field="apiVersion",
            file=file,
            line=document.line_of(("apiVersion",)),
        )
        return Checked(findings=(finding,))

    subject = subject_of(value)
    errors: list[Finding] = []
    envelope: _Envelope | None = None
    try:
        envelope = _Envelope.model_validate(value)
    except ValidationError as error:
        errors.extend(_translate_errors(error, document, file, subject))

    kind = value.get("kind")
    spec: SpecBase | None = None
    if isinstance(kind, str):
        spec_model = SPEC_BY_KIND.get(kind.lower())
        if spec_model is None:
            finding = Finding(
                "unknown-kind",
                "error",
                f"kind {kind!r} is not a Backstage kind the catalog knows; the document is skipped",
                fix=f"use one of {', '.join(_KIND_SPELLING[k] for k in SPEC_BY_KIND)}",
                subject=subject,
                field="kind",
                file=file,
                line=document.line_of(("kind",)),
            )
            return Checked(findings=(*duplicates, finding), failed=True)
        try:
            spec = spec_model.model_validate({} if value.get("spec") is None else value["spec"])
        except ValidationError as error:
            errors.extend(_translate_errors(error, document, file, subject, prefix=("spec",)))

    if envelope is not None:
        errors.extend(_check_names(envelope.metadata, document, file, subject))
    if errors or envelope is None or spec is None:
        return Checked(findings=duplicates + tuple(errors), failed=True)
    entity = Entity(envelope.kind.lower(), envelope.metadata, spec, file, document)
    return Checked(entity=entity, findings=duplicates)


_KIND_SPELLING = {
    "component": "Component",
    "api": "API",
    "resource": "Resource",
    "system": "System",
    "domain": "Domain",
    "group": "Group",
    "user": "User",
    "location": "Location",
}


def subject_of(value: dict[Any, Any]) -> str | None:
    kind = value.get("kind")
    metadata = value.get("metadata")
    if not isinstance(kind, str) or not isinstance(metadata, dict):
        return None
    name = metadata.get("name")
    namespace = metadata.get("namespace", DEFAULT_NAMESPACE)
    if not isinstance(name, str) or not isinstance(namespace, str):
        return None
    return entity_key(kind, namespace, name)


def _check_names(metadata: Metadata, document: YamlDocument, file: str, subject: str | None) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    if len(metadata.name) > _MAX_NAME or not _NAME.match(metadata.name):
        findings.append(
            Finding(
                "invalid-name",
                "error",
                f"metadata.name {metadata.name!r} is not a valid Backstage name",
                fix=f"use at most {_MAX_NAME} characters: letters and digits, separated by '-', '_' or '.'",
                subject=subject,
                field="metadata.name",
                file=file,
                line=document.line_of(("metadata", "name")),
            )
        )
    if len(metadata.namespace) > _MAX_NAME or not _NAMESPACE.match(metadata.namespace):
        findings.append(
            Finding(
                "invalid-name",
                "error",
                f"metadata.namespace {metadata.namespace!r} is not a valid Backstage namespace",
                fix=f"use at most {_MAX_NAME} characters: lower-case letters and digits, separated by '-'",
                subject=subject,
                field="metadata.namespace",
                file=file,
                line=document.line_of(("metadata", "namespace")),
            )
        )
    return tuple(findings)


_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _translate_errors(
    error: ValidationError, document: YamlDocument, file: str, subject: str | None, prefix: Path = ()
) -> tuple[Finding, ...]:
    return tuple(_translate_error(detail, document, file, subject, prefix) for detail in error.errors(include_url=False))


def _translate_error(detail: ErrorDetails, document: YamlDocument, file: str, subject: str | None, prefix: Path) -> Finding:
    path: Path = prefix + tuple(detail["loc"])
    field = format_path(path)
    line = document.line_of(path)
    if detail["type"] == "missing":
        return Finding(
            "missing-field",
            "error",
            f"{field} is required",
            fix=f"add {field}",
            subject=subject,
            field=field,
            file=file,
            line=line,
        )
    expected = _EXPECTED.get(detail["type"])
    if expected is None:
        message = f"{field}: {detail['msg']}"
        fix = f"correct {field}"
    else:
        message = f"{field} must be {expected}, not {_describe(detail['input'])}"
        fix = _FIXES.get(expected, "").format(field=field) or f"write {field} as {expected}"
    return Finding("invalid-field", "error", message, fix=fix, subject=subject, field=field, file=file, line=line)


_FIXES = {
    "a string": "write {field} as a string; quote values YAML would read otherwise, such as 1.0, yes or 2024-01-01",
    "a list": "write {field} as a YAML list, one item per line starting with '- '",
    "a mapping": "write {field} as a mapping of key: value lines",
}


def _describe(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 60 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"

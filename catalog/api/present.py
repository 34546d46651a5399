"""Typed constructors for the GraphQL node types that reference each other.

Services, systems, platforms and teams point at one another (a service's system lists its
services), so their modules cannot all import each other. Each type registers itself with
``catalog.api.node`` when its module loads (the schema imports them all); a type that returns one
defined in a module above it builds it here, by label, and the annotation comes from a
``TYPE_CHECKING`` import (with ``strawberry.lazy`` for the schema). No import cycle, and mypy still
sees the concrete type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from catalog.api.node import present_label
from catalog.read import GraphNode

if TYPE_CHECKING:
    from catalog.api.platforms.types import Platform, Repository, Workload
    from catalog.api.services.types import Resource, Service
    from catalog.api.systems.types import API, Domain, System


def service(row: GraphNode) -> Service:
    return cast("Service", present_label("Service", row))


def resource(row: GraphNode) -> Resource:
    return cast("Resource", present_label("Resource", row))


def system(row: GraphNode) -> System:
    return cast("System", present_label("System", row))


def domain(row: GraphNode) -> Domain:
    return cast("Domain", present_label("Domain", row))


def api(row: GraphNode) -> API:
    return cast("API", present_label("API", row))


def platform(row: GraphNode) -> Platform:
    return cast("Platform", present_label("Platform", row))


def repository(row: GraphNode) -> Repository:
    return cast("Repository", present_label("Repository", row))


def workload(row: GraphNode) -> Workload:
    return cast("Workload", present_label("Workload", row))

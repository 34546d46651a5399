"""The evidence a discovered service stands on: which live source saw it, and what it saw running or paging."""

# (``@strawberry.field(...)`` as a decorator is typed ``Any`` without strawberry's mypy plugin.)

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from catalog.api import present
from catalog.api.entity import as_time
from catalog.read.entity_owners import Discovery as DiscoveryRow

if TYPE_CHECKING:
    from catalog.api.platforms.types import Workload


@strawberry.type(
    description="Why a service no descriptor declares is in the catalog: the live source that discovered it, and the workloads "
    "and PagerDuty services that stand for it now. Claim it by declaring it; the declared service then takes its place."
)
class Discovery:
    row: strawberry.Private[DiscoveryRow]

    @strawberry.field(description="What it was first discovered from, e.g. `kubernetes:prod-eu Deployment shop/cart (label app)`.")
    def evidence(self) -> str | None:
        return self.row.evidence

    @strawberry.field(description="The importer that discovered it: `kubernetes` or `pagerduty`.")
    def source(self) -> str | None:
        return self.row.source

    @strawberry.field(description="Which instance of the source, e.g. `kubernetes:prod-eu`.")
    def source_instance(self) -> str | None:
        return self.row.source_instance

    @strawberry.field(description="Where in the source: the manifest file and document, or the API record.")
    def origin(self) -> str | None:
        return self.row.origin

    @strawberry.field(description="When the catalog first discovered it.")
    def discovered_at(self) -> datetime | None:
        return as_time(self.row.first_seen)

    @strawberry.field(description="The Kubernetes workloads that run it now.")
    def workloads(self) -> list[Annotated[Workload, strawberry.lazy("catalog.api.platforms.types")]]:
        return [present.workload(row) for row in self.row.workloads]

    @strawberry.field(description="The PagerDuty service ids that page for it now.")
    def pagerduty_services(self) -> list[str]:
        return list(self.row.pagerduty_services)

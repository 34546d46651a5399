"""The reads behind ``catalog.answers.ownership`` (whoOwns): for services, repositories and workloads,
their resolved owners, every source's owner claim, the platforms they run on and the escalation
policies that page for them, each one batch read however many subjects there are."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.model import ACCOUNTABLE_FOR, ESCALATES_VIA, OWNS, RUNS_ON
from catalog.read.base import ReadBase
from catalog.read.hops import Hop
from catalog.read.nodes import Linked

SUBJECTS = ("Service", "Repository", "Workload")
"""What whoOwns describes: services, or the repository or workload an identifier names when no service runs from it."""
_OWNER_LABELS = ("Team", "Person")
ACCOUNTABLE = Hop("accountable owners", ACCOUNTABLE_FOR, SUBJECTS, _OWNER_LABELS, forward=False)
CLAIMS = Hop("owner claims", OWNS, SUBJECTS, _OWNER_LABELS, forward=False)
PLATFORMS = Hop("platforms run on", RUNS_ON, ("Service", "Workload"), ("Platform",))
ESCALATIONS = Hop("escalations", ESCALATES_VIA, ("Service",), ("EscalationPolicy",))


class OwnershipReads(ReadBase):
    async def accountable_owners(self, ids: Sequence[str]) -> list[list[Linked]]:
        """For each service, repository or workload, its resolved owners (``ACCOUNTABLE_FOR``) with the edge's facts."""
        return await self.neighbours(ACCOUNTABLE, ids) if ids else []

    async def owner_claims(self, ids: Sequence[str]) -> list[list[Linked]]:
        """For each service, repository or workload, every source's ``OWNS`` claim."""
        return await self.neighbours(CLAIMS, ids) if ids else []

    async def platforms_run_on(self, ids: Sequence[str]) -> list[list[Linked]]:
        """For each service or workload, the platforms it runs on, one entry per asserting source."""
        return await self.neighbours(PLATFORMS, ids) if ids else []

    async def escalations_of(self, service_ids: Sequence[str]) -> list[list[Linked]]:
        """For each service, the escalation policies that page for it (``ESCALATES_VIA``)."""
        return await self.neighbours(ESCALATIONS, service_ids) if service_ids else []

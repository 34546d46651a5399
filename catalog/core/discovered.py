"""Discovered services: what a live source saw running that no descriptor declares.

A Kubernetes workload or a PagerDuty service that matches no catalog service would otherwise
leave its owners, platform, dependencies and on-call attached to nothing. Like OpsLevel and
Cortex, the catalog then creates the service from that evidence, marked ``discovered``, and
asks someone to claim it (a ``discovered-service`` finding, listed by the audits).

- The key is ``component:discovered/<name token>``: the same name seen by two sources (the
  workload ``cart`` and the PagerDuty service ``Cart``) is one discovered service, and the
  identity index resolves later reads to it by name.
- The record is weak: the first source instance that sees it creates it, the others leave it
  as it is, so two clusters never overwrite each other.
- When a descriptor declares the service, the index resolves to the declared service first
  (``IdentityIndex._declared_first``), the source stops stating the discovered one, and the
  sync retires it with its interval; ``catalog.reconcile`` links the two (``CLAIMED_AS``).
"""

from __future__ import annotations

from catalog.core.identity import identifier_records, name_token
from catalog.core.model import SERVICE
from catalog.core.records import Finding, NodeRecord, RelRecord
from catalog.core.refs import entity_key

NAMESPACE = "discovered"
FINDING_KIND = "discovered-service"


def discovered_key(name: str) -> str:
    return entity_key("component", NAMESPACE, name_token(name) or name.strip().lower())


def discovered_alias(name: str, origin: str, evidence: str) -> tuple[NodeRecord, RelRecord]:
    """The name as the source wrote it (``Gift Cards``), as an alias: the discovered service's key lives in its own
    namespace, so this is what finds it by the name people write."""
    return identifier_records("alias", name, (SERVICE.label, discovered_key(name)), origin, strength="inferred", evidence=evidence)


def discovered_service(name: str, origin: str, evidence: str) -> NodeRecord:
    """The discovered service named ``name``, with the live evidence it comes from."""
    display = name.strip()
    return NodeRecord(
        SERVICE.label,
        discovered_key(name),
        {
            "namespace": NAMESPACE,
            "name": display,
            "type": "service",
            "discovered": True,
            "discovery": evidence,
            "search_text": display.lower(),
        },
        origin,
        weak=True,
    )


def discovered_finding(source: str, name: str, evidence: str, claim: str, *, file: str | None = None, line: int | None = None) -> Finding:
    """The audit entry that asks someone to claim the service."""
    key = discovered_key(name)
    return Finding(
        FINDING_KIND,
        "info",
        f"{source}: {key} was discovered from {evidence}; no descriptor declares it, so its owners, platform and on-call "
        "come from this source alone",
        fix=f"claim it: {claim}; the declared service then takes its place and keeps its history",
        subject=key,
        reference=name.strip(),
        file=file,
        line=line,
    )


__all__ = ["FINDING_KIND", "NAMESPACE", "discovered_alias", "discovered_finding", "discovered_key", "discovered_service"]

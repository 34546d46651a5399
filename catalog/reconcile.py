"""After the sources sync: resolve each entity's owner across sources, and report disagreements.

Every source keeps its own ``OWNS`` evidence. The resolved owner, the one the catalog answers
with, comes from the source that is first in ``ownership.precedence`` (then the strongest
evidence); it is written as ``ACCOUNTABLE_FOR`` by a batch of its own, so the sync engine gives
it history like any other fact. Sources that name different owners for the same entity make
an ``owner-conflict`` finding that says who said what and which one the catalog follows.

It also links each discovered service that was claimed to the declared service that took its
place (``CLAIMED_AS``), from the evidence both share: a workload that ran the one and now runs
the other, or a PagerDuty service that paged for the one and now pages for the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.core.identity import STRENGTH_ORDER
from catalog.core.model import ACCOUNTABLE_FOR, CLAIMED_AS, ESCALATES_VIA, INSTANCE_OF, SERVICE, WORKLOAD
from catalog.core.records import Finding, ImportBatch, RelRecord
from catalog.store.base import GraphStore

SOURCE = "catalog"
INSTANCE = "catalog:reconcile"


@dataclass(frozen=True)
class _Claim:
    owner_label: str
    owner: str
    source: str
    strength: str
    evidence: str


async def reconcile(store: GraphStore, precedence: Sequence[str]) -> ImportBatch:
    """The resolved owners and the conflicts, as a batch for ``catalog.sync``."""
    d = store.dialect
    rows = await store.read_table(
        "MATCH (o)-[r:OWNS]->(t) WHERE r.active = true AND o.retired_at IS NULL AND t.retired_at IS NULL",
        {
            "owner_label": d.label_of("o"),
            "owner": "o.id",
            "target_label": d.label_of("t"),
            "target": "t.id",
            "source": "r.source",
            "strength": "r.strength",
            "evidence": "r.evidence",
        },
    )
    claims: dict[tuple[str, str], list[_Claim]] = defaultdict(list)
    for row in rows:
        claims[(row["target_label"], row["target"])].append(
            _Claim(row["owner_label"], row["owner"], row["source"] or "?", row["strength"] or "inferred", row["evidence"] or "")
        )
    rank = {name: i for i, name in enumerate(precedence)}
    batch = ImportBatch(SOURCE, INSTANCE)
    for (target_label, target), found in sorted(claims.items()):
        by_source: dict[str, list[_Claim]] = defaultdict(list)
        for claim in found:
            by_source[claim.source].append(claim)

        def order(source: str, claims_of: dict[str, list[_Claim]] = by_source) -> tuple[int, int, str]:
            strongest = min(STRENGTH_ORDER.get(c.strength, 9) for c in claims_of[source])
            return (rank.get(source, len(rank)), strongest, source)

        sources = sorted(by_source, key=order)
        winner = sources[0]
        # Within the winning source only its strongest evidence counts: CODEOWNERS (declared)
        # names the owners, an admin permission on the repository (inferred) does not add one.
        best = min(STRENGTH_ORDER.get(c.strength, 9) for c in by_source[winner])
        owners = {(c.owner_label, c.owner) for c in by_source[winner] if STRENGTH_ORDER.get(c.strength, 9) == best}
        rule = f"{winner} comes first in ownership.precedence" if len(sources) > 1 else f"only {winner} names an owner"
        for owner_label, owner in sorted(owners):
            agreeing = sorted(s for s in sources if (owner_label, owner) in {(c.owner_label, c.owner) for c in by_source[s]})
            strength = min((c.strength for s in agreeing for c in by_source[s] if c.owner == owner), key=lambda v: STRENGTH_ORDER.get(v, 9))
            batch.rels.append(
                RelRecord(
                    ACCOUNTABLE_FOR.type,
                    owner_label,
                    owner,
                    target_label,
                    target,
                    origin=f"reconcile#{target}",
                    props={"rule": rule, "sources": agreeing, "strength": strength},
                )
            )
        differing = [s for s in sources[1:] if {(c.owner_label, c.owner) for c in by_source[s]} != owners]
        if differing:
            said = "; ".join(
                f"{s} says {', '.join(sorted({c.owner for c in by_source[s]}))} ({'; '.join(sorted({c.evidence for c in by_source[s]}))})"
                for s in sources
            )
            batch.findings.append(
                Finding(
                    kind="owner-conflict",
                    severity="warning",
                    subject=target,
                    message=f"sources disagree on who owns {target}: {said}. The catalog answers {', '.join(o for _, o in sorted(owners))} "
                    f"({rule})",
                    fix="correct the owner in the source that is wrong, or change ownership.precedence in catalog.yaml",
                )
            )
    batch.rels.extend(await claimed(store))
    return batch


# A claimed discovered service is retired; its successor is current, not discovered, and holds the
# same evidence now (the discovering source's edge to the discovered one is retired with it).
_CLAIMED_BY_WORKLOAD = (
    f"MATCH (k:{SERVICE.label})<-[:{INSTANCE_OF.type}]-(w:{WORKLOAD.label})-[r:{INSTANCE_OF.type}]->(d:{SERVICE.label}) "
    "WHERE k.discovered = true AND k.retired_at IS NOT NULL AND r.active = true AND d.retired_at IS NULL "
    "AND (d.discovered IS NULL OR d.discovered = false)"
)
_CLAIMED_BY_PAGERDUTY = (
    f"MATCH (k:{SERVICE.label})-[e:{ESCALATES_VIA.type}]->(p:EscalationPolicy)<-[r:{ESCALATES_VIA.type}]-(d:{SERVICE.label}) "
    "WHERE k.discovered = true AND k.retired_at IS NOT NULL AND r.active = true AND d.retired_at IS NULL "
    "AND (d.discovered IS NULL OR d.discovered = false) AND e.external_service = r.external_service"
)


async def claimed(store: GraphStore) -> list[RelRecord]:
    """``CLAIMED_AS`` from every claimed discovered service to the declared service that took its place."""
    evidence: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in await store.read_table(_CLAIMED_BY_WORKLOAD, {"k": "k.id", "d": "d.id", "ns": "w.namespace", "name": "w.name"}):
        evidence[(row["k"], row["d"])].add(f"workload {row['ns']}/{row['name']} ran it and runs {row['d']}")
    for row in await store.read_table(_CLAIMED_BY_PAGERDUTY, {"k": "k.id", "d": "d.id", "ext": "r.external_service"}):
        evidence[(row["k"], row["d"])].add(f"PagerDuty service {row['ext']} paged for it and pages for {row['d']}")
    return [
        RelRecord(CLAIMED_AS.type, SERVICE.label, k, SERVICE.label, d, origin=f"reconcile#{k}", props={"evidence": "; ".join(sorted(said))})
        for (k, d), said in sorted(evidence.items())
    ]

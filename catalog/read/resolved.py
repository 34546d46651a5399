"""The resolved-owner rule as a Cypher fragment, for aggregate reads that group nodes by owner in the store."""

from __future__ import annotations


def resolved_owners(var: str, keep: str) -> str:
    """Cypher that adds ``owners`` (keys of teams and people) for the node bound to ``var``: its current
    ``ACCOUNTABLE_FOR`` owners, or its ``OWNS`` owners when it has none. ``keep`` lists the variables to carry."""
    return (
        f"OPTIONAL MATCH (acc:Team|Person)-[af:ACCOUNTABLE_FOR]->({var}) WHERE af.active = true AND acc.retired_at IS NULL\n"
        f"WITH {keep}, collect(DISTINCT acc.id) AS accountable\n"
        f"OPTIONAL MATCH (own:Team|Person)-[ow:OWNS]->({var}) WHERE size(accountable) = 0 AND ow.active = true AND own.retired_at IS NULL\n"
        f"WITH {keep}, accountable, collect(DISTINCT own.id) AS owning\n"
        f"WITH {keep}, CASE WHEN size(accountable) > 0 THEN accountable ELSE owning END AS owners\n"
    )

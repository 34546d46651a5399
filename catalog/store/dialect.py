"""Where the two Cypher dialects differ, and nowhere else.

The shared query text is written once and asks the dialect for the few expressions the
engines spell differently. Everything else (UNWIND/MERGE, OPTIONAL MATCH, collect, IN,
STARTS WITH, CONTAINS, coalesce) is common to Neo4j 5 and LadybugDB.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import PropType

_EMBEDDED_TYPES = {
    PropType.STRING: "STRING",
    PropType.INT: "INT64",
    PropType.BOOL: "BOOLEAN",
    PropType.STRING_LIST: "STRING[]",
    PropType.INT_LIST: "INT64[]",
    PropType.TIME: "STRING",
    PropType.JSON: "STRING",
}


@dataclass(frozen=True)
class Dialect:
    name: str
    casts_parameters: bool
    """LadybugDB infers a parameter's type from its value, so a null or empty value needs an
    explicit cast to the declared column type; Neo4j has no CAST and needs none."""

    def typed(self, expr: str, prop_type: PropType) -> str:
        if not self.casts_parameters:
            return expr
        return f"CAST({expr} AS {column_type(prop_type)})"

    def label_of(self, var: str) -> str:
        """The label of a node bound to ``var`` (every catalog node has exactly one)."""
        return f"labels({var})[0]" if self.name == "neo4j" else f"label({var})"

    def type_of(self, var: str) -> str:
        """The type of a relationship bound to ``var``."""
        return f"type({var})" if self.name == "neo4j" else f"label({var})"


def column_type(prop_type: PropType) -> str:
    return _EMBEDDED_TYPES[prop_type]


NEO4J = Dialect("neo4j", casts_parameters=False)
EMBEDDED = Dialect("ladybug", casts_parameters=True)

"""The graph model reference, rendered from ``catalog.core.model``.

``python -m catalog.model_doc > docs/graph-model.md`` regenerates the committed copy; a test
fails when it drifts from the declaration.
"""

from __future__ import annotations

from catalog.core.model import MODEL, NODE_PROVENANCE, REL_PROVENANCE, Prop


def _prop_rows(props: tuple[Prop, ...]) -> list[str]:
    rows = ["| property | type | indexed | meaning |", "|---|---|---|---|"]
    for p in props:
        index = "text" if p.text_indexed else ("range" if p.indexed else "")
        rows.append(f"| `{p.name}` | {p.type.name.lower()} | {index} | {p.doc} |")
    return rows


def render() -> str:
    lines = [
        "# Graph model",
        "",
        "Generated from `catalog/core/model.py` by `python -m catalog.model_doc`; do not edit by hand.",
        "",
        "Every node is keyed by `id`, a lower-cased entity reference such as `component:default/checkout`.",
        "Times are ISO-8601 UTC strings; maps are JSON text.",
        "",
        "## Provenance on every node",
        "",
        *_prop_rows(NODE_PROVENANCE),
        "",
        "## Provenance on every relationship",
        "",
        *_prop_rows(REL_PROVENANCE),
        "",
        "## Nodes",
    ]
    for node in MODEL.nodes:
        kinds = f" Backstage kinds: {', '.join(node.backstage_kinds)}." if node.backstage_kinds else ""
        lines += ["", f"### {node.label}", "", f"{node.doc}{kinds}", "", *_prop_rows(node.props)]
    lines += ["", "## Relationships"]
    for rel in MODEL.rels:
        pairs = ", ".join(f"`({a})-[:{rel.type}]->({b})`" for a, b in rel.endpoints)
        lines += ["", f"### {rel.type}", "", rel.doc, "", f"Joins: {pairs}"]
        if rel.props:
            lines += ["", *_prop_rows(rel.props)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")

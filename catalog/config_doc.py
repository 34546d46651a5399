"""The ``catalog.yaml`` reference, rendered from the configuration models.

``python -m catalog.config_doc > docs/sources.md`` regenerates the committed copy; a test fails
when it drifts from the models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from catalog.config import CATALOG_EXAMPLE, OwnershipConfig, PlatformConfig, ScheduleConfig
from catalog.core.safe_load import DOC_NOTES as SAFE_INPUTS
from importers.registry import SOURCES


def _type(info: FieldInfo) -> str:
    text = str(info.annotation).replace("typing.", "").replace("pathlib.", "").replace("<class '", "").replace("'>", "")
    return text.replace("Literal[", "literal[").replace("|", "\\|")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value: Any = info.default_factory()  # type: ignore[call-arg]
    else:
        value = info.default
    if value is PydanticUndefined or value is None:
        return "unset"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        meaning = (info.description or ("Selects this kind of entry." if name == "type" else "")).replace("|", "\\|")
        rows.append(f"| `{name}` | `{_type(info)}` | {_default(info)} | {meaning} |")
    return rows


def render() -> str:
    lines = [
        "# `catalog.yaml`: the sources reference",
        "",
        "Generated from the configuration models by `python -m catalog.config_doc`; do not edit by hand.",
        "",
        "`catalog sync` reads every source listed here (descriptors first, then GitHub, PagerDuty and",
        "Kubernetes, so live sources link to the services the descriptors declare), then resolves owners",
        "across sources. Relative paths are relative to the folder of `catalog.yaml`. Secrets never go in",
        "the file: a source names the environment variable that holds its token.",
        "",
        "```yaml",
        CATALOG_EXAMPLE.strip(),
        "```",
        "",
        "## Top level",
        "",
        "| key | meaning |",
        "|---|---|",
        "| `sources` | The sources, each with a `type` below. |",
        "| `platforms` | Platforms declared here rather than in a descriptor (a descriptor's declaration wins). |",
        "| `ownership` | Which source's owner wins when sources disagree. |",
        "| `sync` | How often `catalog serve` syncs in-process. |",
        "",
        "### `platforms[]`",
        "",
        *_table(PlatformConfig),
        "",
        "### `ownership`",
        "",
        *_table(OwnershipConfig),
        "",
        "### `sync`",
        "",
        *_table(ScheduleConfig),
        "",
        "## Sources",
    ]
    for kind in SOURCES.values():
        lines += ["", f"### `type: {kind.name}`: {kind.title}", ""]
        if kind.summary:
            lines += [kind.summary, ""]
        lines += _table(kind.config)
        if kind.doc_notes:
            lines += ["", kind.doc_notes.strip()]
        if kind.reading_notes:
            lines += ["", "How it is read:", "", *(f"- {note}" for note in kind.reading_notes)]
    lines += ["", "## Bounds on what is read", "", *SAFE_INPUTS.strip().splitlines()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")

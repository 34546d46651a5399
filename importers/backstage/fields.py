"""Field paths as users read them: ``spec.dependsOn[2]``, ``metadata.annotations["github.com/project-slug"]``."""

from __future__ import annotations

import re

from importers.backstage.yaml_lines import Path

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text

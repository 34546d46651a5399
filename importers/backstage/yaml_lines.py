"""A multi-document YAML loader that remembers where every mapping key and list item is.

Values are built with PyYAML's safe constructor (the same semantics as ``yaml.safe_load_all``,
merge keys and anchors included) through ``catalog.core.safe_load``, which bounds alias expansion
and nesting before anything is built; the line of every field is read from the composed node
graph, so findings can point at the exact line of the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from catalog.core.safe_load import YamlError, iter_yaml

Path = tuple[str | int, ...]
"""A field path inside a document: mapping keys and list indexes, e.g. ``("spec", "dependsOn", 2)``."""

YamlSyntaxError = YamlError
"""The text is not well-formed YAML, uses a tag the safe loader refuses, or is past a bound (``catalog.core.safe_load``)."""


@dataclass(frozen=True)
class DuplicateKey:
    path: Path
    line: int
    first_line: int


@dataclass(frozen=True)
class YamlDocument:
    index: int
    """Position of the document in its file, counting from 0 (empty documents count too)."""
    value: Any
    line: int
    """1-based line where the document's content starts."""
    lines: Mapping[Path, int] = field(repr=False)
    """1-based line of every mapping key (the key's line) and list item (the item's line)."""
    duplicate_keys: tuple[DuplicateKey, ...] = ()

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that exists in the document."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return self.line


def load_documents(text: str) -> list[YamlDocument]:
    """Parse every document in ``text``, bounded as ``catalog.core.safe_load`` bounds every YAML file.

    Raises ``YamlSyntaxError`` if any document is malformed or past a bound (alias expansion, nesting).
    """
    documents: list[YamlDocument] = []
    duplicates: list[tuple[DuplicateKey, ...]] = []

    def remember_duplicates(node: yaml.Node) -> None:
        # Duplicates are looked for before construction, lines after: resolving merge keys
        # (``<<``) rewrites the node in place, the line index must describe the merged
        # mapping, and a key that overrides a merged one is not a duplicate.
        duplicates.append(_duplicate_keys(node))

    for node, value in iter_yaml(text, before_construct=remember_duplicates):
        documents.append(YamlDocument(len(documents), value, node.start_mark.line + 1, _index_lines(node), duplicates[-1]))
    return documents


def _walk(root: yaml.Node) -> list[tuple[yaml.Node, Path]]:
    """Every node with the path that first reaches it, in document order.

    Aliases make the node graph a DAG (or a cycle): each node is visited once, so a
    "billion laughs" document stays linear here.
    """
    visited: set[int] = set()
    found: list[tuple[yaml.Node, Path]] = []
    stack: list[tuple[yaml.Node, Path]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        found.append((node, path))
        children: list[tuple[yaml.Node, Path]] = []
        if isinstance(node, yaml.MappingNode):
            children = [(value, (*path, key.value)) for key, value in node.value if isinstance(key, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*path, index)) for index, item in enumerate(node.value)]
        stack.extend(reversed(children))
    return found


def _index_lines(root: yaml.Node) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    for node, path in _walk(root):
        if isinstance(node, yaml.MappingNode):
            # A later key wins, as it does in the constructed value.
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
    return lines


def _duplicate_keys(root: yaml.Node) -> tuple[DuplicateKey, ...]:
    duplicates: list[DuplicateKey] = []
    for node, path in _walk(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        first: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                duplicates.append(DuplicateKey((*path, key.value), line, first[key.value]))
            else:
                first[key.value] = line
    return tuple(duplicates)

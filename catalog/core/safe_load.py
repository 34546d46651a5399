"""Bounded loading of every file an importer reads: YAML, JSON and plain text.

Each importer is handed files written by people and tools it does not control, so every
read here is bounded before anything is built from it:

- **size**: a file is read up to its limit plus one byte, never past it;
- **YAML aliases**: the composed node graph is measured before any value is constructed.
  Aliases make it a DAG, so a few hundred bytes can stand for billions of values (the
  "billion laughs"); a Python value built from it is still small (shared references), but
  anything that walks or serialises it (pydantic's ``model_dump``, ``json.dumps``) expands
  it. What aliases may add, counted in values plus scalar characters, is bounded per file,
  whatever field the alias sits in; a recursive alias is refused;
- **nesting**: YAML and JSON deeper than ``MAX_DEPTH`` levels are refused, so nothing that
  walks the value later recurses out of stack.

Every refusal is an ``InputRefused`` carrying the finding's kind, the 1-based line when one
is known, and the fix, so each importer turns it into a finding that names the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import yaml

MAX_ALIAS_EXPANSION = 1_000_000
"""Values plus scalar characters that YAML aliases may add to one file beyond what it writes out."""
MAX_DEPTH = 100
"""Nesting levels of mappings and lists in one YAML or JSON value."""
MAX_EXPORT_BYTES = 256 * 1024 * 1024
"""Largest JSON export file (GitHub, PagerDuty) read; Kubernetes exports have their own ``max_file_bytes``."""
MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024
"""Largest kubeconfig read: real ones are kilobytes, with embedded certificates a few hundred."""
MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""Largest ``catalog.yaml`` read."""

DOC_NOTES = f"""
Every file a source reads is bounded before anything is built from it, and a file past a bound is
refused with a finding (or, for a source's only files, an error) that names the file, the line when
one is known, the bound and the fix. A file that is refused retires nothing it stated before.

- **YAML** (descriptors of every format, Kubernetes manifests, kubeconfigs, `catalog.yaml`, `$yaml`
  placeholders) is measured before any value is built: what aliases (`*name`) add beyond what the file
  writes out is bounded at {MAX_ALIAS_EXPANSION:,} values plus scalar characters per file, in any field
  (`yaml-alias-expansion`, at the line of the alias that passes the bound; a recursive alias is refused
  too), and nesting at {MAX_DEPTH} levels (`yaml-too-deep`). An 800-byte "billion laughs" is refused in
  milliseconds.
- **JSON exports** (GitHub and PagerDuty `export_dir`, Kubernetes `files`, `$json` placeholders): at
  most {MAX_EXPORT_BYTES:,} bytes per GitHub or PagerDuty file (Kubernetes: `max_file_bytes`), nested at
  most {MAX_DEPTH} levels (`nested-too-deeply`).
- **Kubeconfigs** at most {MAX_KUBECONFIG_BYTES:,} bytes; **`catalog.yaml`** is loaded with the same YAML bounds.
- **CODEOWNERS**: GitHub's 3 MB limit, lines of at most 4,096 characters (longer ones are reported and
  skipped), and at most 5,000 rules (`catalog.core.codeowners.MAX_RULES`; past it the file is reported
  and what it said before is kept).
- **Descriptor files**: `max_file_bytes` per source; symlinks out of the folder given are not followed.

The YAML and JSON bounds are constants in `catalog/core/safe_load.py`.
"""

# libyaml is much faster on big files and has the same safe semantics.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputRefused(ValueError):
    """The input cannot be used as it is: ``kind`` names the finding, ``fix`` what to do."""

    def __init__(self, kind: str, message: str, fix: str, line: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fix = fix
        self.line = line


class YamlError(InputRefused):
    """Malformed YAML, a tag the safe loader refuses, or YAML past a bound (aliases, nesting)."""

    def __init__(self, message: str, line: int | None, *, kind: str = "invalid-yaml", fix: str | None = None) -> None:
        super().__init__(kind, message, fix or "correct the YAML at this line (a YAML linter shows the detail)", line)


# -- bytes and text -----------------------------------------------------------------------


def read_bounded(path: str | os.PathLike[str], max_bytes: int, *, what: str = "file", fix: str | None = None) -> bytes:
    """The bytes of ``path``; ``InputRefused('file-too-large')`` past ``max_bytes``. ``OSError`` is the caller's."""
    with open(path, "rb") as handle:
        # Never read past the limit, even if the file grows while it is read.
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputRefused(
            "file-too-large",
            f"{what} is larger than the {max_bytes}-byte limit and is not read",
            fix or "split or shrink the file",
        )
    return data


def decode_utf8(data: bytes, *, what: str = "the file") -> str:
    """``data`` as text (a UTF-8 byte order mark is dropped); ``InputRefused('unreadable-file')`` with the line otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputRefused(
            "unreadable-file",
            f"{what} is not UTF-8 text (byte 0x{data[error.start]:02x} at line {line})",
            "save it as UTF-8",
            line,
        ) from error


# -- YAML ---------------------------------------------------------------------------------


def iter_yaml(
    text: str,
    *,
    max_alias_expansion: int = MAX_ALIAS_EXPANSION,
    max_depth: int = MAX_DEPTH,
    before_construct: Callable[[yaml.Node], None] | None = None,
) -> Iterator[tuple[yaml.Node, Any]]:
    """Each document of ``text`` as (composed node, value), measured before its value is built.

    ``before_construct`` sees each measured node before construction, which resolves merge
    keys (``<<``) by rewriting the node in place. Raises ``YamlError`` for malformed YAML or a document past a bound; documents before the
    bad one have been yielded already, so callers that fail a file whole collect first.
    """
    loader = _Loader(text)
    budget = _Budget(max_alias_expansion, max_depth)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # only at the end of the stream, which check_node ruled out
                break
            budget.check(node)
            if before_construct is not None:
                before_construct(node)
            yield node, loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        parts = [p for p in (error.context, error.problem) if p]
        raise YamlError(", ".join(parts) if parts else "malformed YAML", mark.line + 1 if mark is not None else None) from error
    except yaml.YAMLError as error:
        raise YamlError(str(error), None) from error
    except RecursionError as error:
        raise YamlError("the document is nested too deeply", None, fix=f"nest at most {max_depth} levels") from error
    finally:
        loader.dispose()


def load_yaml_documents(text: str, *, max_alias_expansion: int = MAX_ALIAS_EXPANSION, max_depth: int = MAX_DEPTH) -> list[Any]:
    """Every document's value (``yaml.safe_load_all``, bounded)."""
    return [value for _, value in iter_yaml(text, max_alias_expansion=max_alias_expansion, max_depth=max_depth)]


def load_yaml(text: str, *, max_alias_expansion: int = MAX_ALIAS_EXPANSION, max_depth: int = MAX_DEPTH) -> Any:
    """The single document's value (``yaml.safe_load``, bounded); ``None`` for an empty text."""
    values = load_yaml_documents(text, max_alias_expansion=max_alias_expansion, max_depth=max_depth)
    if len(values) > 1:
        raise YamlError("expected a single document, but the file holds several (separated by ---)", None, fix="keep one document")
    return values[0] if values else None


class _Budget:
    """What aliases have added so far in one file, against the file's bound."""

    def __init__(self, max_alias_expansion: int, max_depth: int) -> None:
        self.max_alias_expansion = max_alias_expansion
        self.max_depth = max_depth
        self.added = 0

    def check(self, root: yaml.Node) -> None:
        weight, written = self._measure(root)
        self.added += weight[id(root)] - written
        if self.added > self.max_alias_expansion:
            line = _first_costly_alias(root, weight, self.added - (weight[id(root)] - written), self.max_alias_expansion)
            raise YamlError(
                f"its aliases (*name) expand to more than {self.max_alias_expansion:,} values and characters beyond what "
                "the file writes out (an alias bomb, or anchors reused far too often)",
                line,
                kind="yaml-alias-expansion",
                fix="write the repeated values out, or reuse anchors less; the bound is catalog.core.safe_load.MAX_ALIAS_EXPANSION",
            )

    def _measure(self, root: yaml.Node) -> tuple[dict[int, int], int]:
        """Each distinct node's expanded weight (values plus scalar characters), and the weight written once.

        Iterative and linear in the distinct nodes: a node reached again through an alias
        is not walked again. Refuses a recursive alias and nesting past the bound.
        """
        weight: dict[int, int] = {}
        depth: dict[int, int] = {}
        on_path: set[int] = set()
        written = 0
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, finished = stack.pop()
            key = id(node)
            children = _children(node)
            if finished:
                on_path.discard(key)
                own = 1 + len(node.value) if isinstance(node, yaml.ScalarNode) else 1
                written += own
                weight[key] = own + sum(weight[id(c)] for c in children)
                depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
                if depth[key] > self.max_depth:
                    raise YamlError(
                        f"it nests mappings and lists more than {self.max_depth} levels deep",
                        node.start_mark.line + 1,
                        kind="yaml-too-deep",
                        fix=f"nest at most {self.max_depth} levels",
                    )
                continue
            if key in weight:
                continue
            on_path.add(key)
            stack.append((node, True))
            for child in reversed(children):
                if id(child) in on_path:
                    raise YamlError(
                        "an alias refers to a node that contains it (a recursive alias), which has no finite value",
                        child.start_mark.line + 1,
                        kind="yaml-alias-expansion",
                        fix="remove the alias that points back into its own anchor",
                    )
                if id(child) not in weight:
                    stack.append((child, False))
        return weight, written


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _first_costly_alias(root: yaml.Node, weight: dict[int, int], added_before: int, bound: int) -> int:
    """The line of the alias whose expansion takes the file past ``bound``, in document order."""
    added = added_before
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        where: list[tuple[yaml.Node, int]] = []
        if isinstance(node, yaml.MappingNode):
            where = [(child, key.start_mark.line + 1) for key, value in node.value for child in (key, value)]
        elif isinstance(node, yaml.SequenceNode):
            # An alias item keeps no mark of its own: the sequence's line is the nearest one known.
            where = [(child, node.start_mark.line + 1) for child in node.value]
        for child, line in where:
            if id(child) in seen:
                added += weight[id(child)]
                if added > bound:
                    return line
        stack.extend(reversed([child for child, _ in where]))
    return root.start_mark.line + 1


# -- JSON ---------------------------------------------------------------------------------


def load_json(data: bytes | str, *, what: str = "the file", max_depth: int = MAX_DEPTH) -> Any:
    """One JSON value, nested at most ``max_depth`` levels; ``InputRefused`` naming the line otherwise."""
    try:
        value = json.loads(data)
    except json.JSONDecodeError as error:
        raise InputRefused(
            "invalid-json",
            f"{what} is not valid JSON at line {error.lineno} column {error.colno} ({error.msg})",
            "export it again (a truncated file often means the export was cut short)",
            error.lineno,
        ) from error
    except UnicodeDecodeError as error:
        raise InputRefused("unreadable-file", f"{what} is not UTF-8 text ({error.reason})", "save it as UTF-8") from error
    except RecursionError as error:
        raise _too_deep(what, max_depth) from error
    check_depth(value, what=what, max_depth=max_depth)
    return value


def load_json_values(text: str, *, what: str = "the file", max_depth: int = MAX_DEPTH) -> list[Any]:
    """Every JSON value in ``text``, one after another (as ``gh api --paginate`` writes pages)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            return values
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as error:
            raise InputRefused(
                "invalid-json",
                f"{what} is not valid JSON at line {error.lineno} column {error.colno} ({error.msg})",
                "export it again (a truncated file often means the export was cut short)",
                error.lineno,
            ) from error
        except RecursionError as error:
            raise _too_deep(what, max_depth) from error
        check_depth(value, what=what, max_depth=max_depth)
        values.append(value)


def check_depth(value: Any, *, what: str = "the value", max_depth: int = MAX_DEPTH) -> None:
    """Refuse ``value`` when its mappings and lists nest deeper than ``max_depth`` (iterative: no recursion)."""
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[dict[Any, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if level > max_depth:
            raise _too_deep(what, max_depth)
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))


def _too_deep(what: str, max_depth: int) -> InputRefused:
    return InputRefused(
        "nested-too-deeply",
        f"{what} nests objects and arrays more than {max_depth} levels deep and is not read",
        f"export it again; real API responses nest far less than {max_depth} levels (the bound is catalog.core.safe_load.MAX_DEPTH)",
    )

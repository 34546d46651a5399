"""The layers hold: kernel below importers, importers below the application, no import cycles.

- ``catalog.core`` (the kernel) imports nothing from ``catalog`` outside itself, nor ``importers``;
- ``importers`` import nothing from ``catalog`` but ``catalog.core``;
- the application reaches ``importers`` only through ``importers.registry``;
- answers import no ``catalog.store`` module, except the pairs in ``ANSWERS_ON_STORE`` (the reads
  still moving behind the reader); that list can only shrink: a pair that no longer exists fails
  too, so it is removed when its answer moves;
- no module imports itself through others, counting imports inside functions (they run too) but
  not ``TYPE_CHECKING`` ones.

The import graph comes from grimp (the library import-linter is built on), which reads the source
without importing it. The rules are plain functions over that graph, so the tests below also show
each rule failing on a crafted graph and on a small package written to ``tmp_path``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

Graph = Mapping[str, set[str]]
"""Module → the modules of the analysed packages it imports directly."""

ANSWERS_ON_STORE: frozenset[tuple[str, str]] = frozenset()
"""Answers that still import a store module (issue 16 moves them behind the reader). Do not add to it."""

REGISTRY = "importers.registry"


def import_graph(*packages: str) -> dict[str, set[str]]:
    """Direct imports between the modules of ``packages``, read from source by grimp."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _edges(graph: Graph) -> Iterable[tuple[str, str]]:
    for importer in sorted(graph):
        for imported in sorted(graph[importer]):
            yield importer, imported


def importers_outside_core(graph: Graph) -> list[tuple[str, str]]:
    return [(a, b) for a, b in _edges(graph) if _within(a, "importers") and _within(b, "catalog") and not _within(b, "catalog.core")]


def core_reaching_up(graph: Graph) -> list[tuple[str, str]]:
    return [
        (a, b)
        for a, b in _edges(graph)
        if _within(a, "catalog.core") and (_within(b, "importers") or (_within(b, "catalog") and not _within(b, "catalog.core")))
    ]


def application_bypassing_registry(graph: Graph) -> list[tuple[str, str]]:
    return [
        (a, b)
        for a, b in _edges(graph)
        if _within(a, "catalog") and not _within(a, "catalog.core") and _within(b, "importers") and b != REGISTRY
    ]


def answers_on_store(graph: Graph) -> set[tuple[str, str]]:
    return {(a, b) for a, b in _edges(graph) if _within(a, "catalog.answers") and _within(b, "catalog.store")}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected groups of more than one module (and modules importing themselves),
    each sorted: every import cycle lies within one (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(iter(children), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    found.append(sorted(group))
    return sorted(found)


def _explain(cycle: list[str], graph: Graph) -> str:
    members = set(cycle)
    return "; ".join(f"{a} -> {b}" for a in cycle for b in sorted(graph.get(a, ())) if b in members)


# -- the repository ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo_graph() -> dict[str, set[str]]:
    return import_graph("catalog", "importers")


def test_importers_import_only_the_kernel_from_catalog(repo_graph: Graph) -> None:
    assert importers_outside_core(repo_graph) == [], "importers may import only catalog.core from catalog"


def test_the_kernel_imports_nothing_above_it(repo_graph: Graph) -> None:
    assert core_reaching_up(repo_graph) == [], "catalog.core imports only catalog.core (and libraries)"


def test_the_application_reaches_importers_through_the_registry(repo_graph: Graph) -> None:
    assert application_bypassing_registry(repo_graph) == [], f"import what catalog needs from importers through {REGISTRY}"


def test_answers_import_no_store_module_beyond_the_shrinking_allow_list(repo_graph: Graph) -> None:
    found = answers_on_store(repo_graph)
    assert sorted(found - ANSWERS_ON_STORE) == [], "answers read through catalog.read (a reader), never a store module"
    assert sorted(ANSWERS_ON_STORE - found) == [], "these answers no longer import the store: remove them from ANSWERS_ON_STORE"


def test_no_import_cycles(repo_graph: Graph) -> None:
    found = cycles(repo_graph)
    assert found == [], "import cycles: " + " | ".join(_explain(c, repo_graph) for c in found)


def test_the_graph_is_the_repository(repo_graph: Graph) -> None:
    # A rule over an empty or partial graph passes without checking anything.
    assert {"catalog.core.model", "importers.registry", "catalog.config", "catalog.api.services.types"} <= set(repo_graph)
    assert "catalog.core.records" in repo_graph["importers.base"]
    assert REGISTRY in repo_graph["catalog.config"]


# -- the rules fail on violations -----------------------------------------------------------------


def test_each_rule_finds_its_violation_in_a_crafted_graph() -> None:
    graph: dict[str, set[str]] = {
        "importers.github.source": {"catalog.core.records", "catalog.settings"},
        "catalog.core.identity": {"catalog.core.model", "catalog.store.base"},
        "catalog.core.model": set(),
        "catalog.runner": {"importers.registry", "importers.http"},
        "catalog.answers.ownership": {"catalog.store.base", "catalog.read"},
        "catalog.answers.new": {"catalog.store.neo4j_store"},
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e"},
    }
    assert importers_outside_core(graph) == [("importers.github.source", "catalog.settings")]
    assert core_reaching_up(graph) == [("catalog.core.identity", "catalog.store.base")]
    assert application_bypassing_registry(graph) == [("catalog.runner", "importers.http")]
    assert answers_on_store(graph) - ANSWERS_ON_STORE == {
        ("catalog.answers.ownership", "catalog.store.base"),
        ("catalog.answers.new", "catalog.store.neo4j_store"),
    }
    assert cycles(graph) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_a_synthetic_package_with_a_cycle_through_a_function_import_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "layerdemo"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "core" / "__init__.py").write_text("")
    (package / "core" / "model.py").write_text("from layerdemo import app\n")  # the kernel reaching up
    (package / "app.py").write_text("def f():\n    from layerdemo import views\n    return views\n")
    (package / "views.py").write_text("from layerdemo.app import f\n")
    (package / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from layerdemo.views import f\nfrom layerdemo.core import model\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = import_graph("layerdemo")
    assert cycles(graph) == [["layerdemo.app", "layerdemo.views"]]
    assert graph["layerdemo.typed"] == {"layerdemo.core.model"}  # TYPE_CHECKING imports are not edges
    assert graph["layerdemo.core.model"] == {"layerdemo.app"}
    sys.modules.pop("layerdemo", None)

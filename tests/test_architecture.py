"""The package's structure: no import cycle among its modules, and the layers in their order.

Imports are read from the source (module level and inside functions, since a lazy import is still
a dependency; imports under `if TYPE_CHECKING:` are not). A package's `__init__` counts as the
package itself; `from chilecite.x import y` depends on `chilecite.x`, and on `chilecite.x.y` when
that is a module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "chilecite"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules a module imports (resolved to the longest known module name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_block(node):
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module_name(path))
    return found


def graph() -> dict[str, set[str]]:
    paths = list(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by depth-first search (one per strongly connected group is enough to fail)."""
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_walker_finds_a_planted_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycle_among_the_package_modules() -> None:
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


# Lower layers never import higher ones: the pipeline reads models -> loading -> rules -> report ->
# exporters -> citing -> outputs -> workspace -> cli. (The annotations export is made of citations,
# so it alone among the exporters stands above citing.)
LAYERS = [
    ("chilecite.models", {"chilecite.loading", "chilecite.rules", "chilecite.export", "chilecite.citing", "chilecite.workspace", "chilecite.cli"}),
    ("chilecite.corpus", {"chilecite.loading", "chilecite.rules", "chilecite.export", "chilecite.citing", "chilecite.workspace", "chilecite.cli"}),
    ("chilecite.loading", {"chilecite.rules", "chilecite.export", "chilecite.citing", "chilecite.cli", "chilecite.search", "chilecite.workspace"}),
    ("chilecite.rules", {"chilecite.export", "chilecite.citing", "chilecite.cli", "chilecite.workspace", "chilecite.outputs"}),
    ("chilecite.export", {"chilecite.cli", "chilecite.loading", "chilecite.workspace", "chilecite.outputs", "chilecite.edition"}),
    ("chilecite.citing", {"chilecite.cli", "chilecite.workspace", "chilecite.outputs", "chilecite.edition"}),
    ("chilecite.outputs", {"chilecite.cli", "chilecite.workspace"}),
    ("chilecite.workspace", {"chilecite.cli"}),
]


@pytest.mark.parametrize(("layer", "above"), LAYERS, ids=[layer for layer, _ in LAYERS])
def test_layers_do_not_import_upwards(layer: str, above: set[str]) -> None:
    edges = graph()
    mine = {m for m in edges if m == layer or m.startswith(layer + ".")}
    upward = sorted((m, d) for m in mine for d in edges[m] if any(d == a or d.startswith(a + ".") for a in above))
    assert not upward, f"{layer} imports a higher layer: {upward}"


# --------------------------------------------------------------------------- the essay is data


def _code_constants(path: Path) -> list[tuple[int, object]]:
    """The constants of a module's code, docstrings and other bare string statements (comments in effect) left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree) if isinstance(node, ast.Constant) and id(node) not in bare]


def test_no_code_names_the_essays_note_count_date_or_text_file() -> None:
    """86 notes, winter 1984 and the text's file name are in records/essay.yaml and the essay's work record, not in code."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for line, value in _code_constants(path):
            if (isinstance(value, int) and not isinstance(value, bool) and value == 86) or (
                    isinstance(value, str) and ("gonzalez-1984" in value or re.search(r"\b1984\b", value) or "gonzalez1984" in value)):
                found.append(f"{path.relative_to(SRC)}:{line}: {value!r}")
    assert not found, found


def test_no_template_or_edition_file_names_the_essays_facts() -> None:
    """The edition's templates, stylesheet and script take every fact of the essay from the records
    (its second-essay test builds another essay's edition); a word of this essay's here is a leak."""
    found = []
    for path in sorted((PACKAGE / "edition").glob("[st][et]*/*")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"(?<![\w.#-])(86|1984)(?![\w-])|gonzalez|allende|socialism|winter|\bchile\b|\[32\]|#n32|#p124", line, re.IGNORECASE):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not found, found

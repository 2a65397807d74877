"""No import cycles between ccrouter's modules.

Parses every module under ``router/`` (``ccrouter``) and ``transformers/``
(``ccrouter.transformers``), draws an edge for each import that runs when the module is imported
(module level, class bodies, ``try``/``if`` blocks; not inside functions, not under
``if TYPE_CHECKING:``), and fails naming the first cycle it finds. ``from ccrouter.x import y``
counts as an import of ``ccrouter.x.y`` when that is a module, else of ``ccrouter.x``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"ccrouter": ROOT / "router", "ccrouter.transformers": ROOT / "transformers"}

Graph = dict[str, set[str]]


def module_files() -> dict[str, Path]:
    """Module name -> file, for every module of the installed package."""
    out: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_statements(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from import_time_statements(node.body)
            yield from import_time_statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from import_time_statements(block)
            for handler in node.handlers:
                yield from import_time_statements(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from import_time_statements(node.body)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: set[str] = set()
    for node in import_time_statements(tree.body):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            source = _absolute(node, module, path.name == "__init__.py")
            names = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        found.update(name for name in names if name in modules and name != module)
    return found


def import_graph() -> Graph:
    files = module_files()
    return {module: imports_of(module, path, set(files)) for module, path in files.items()}


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or None (iterative DFS, white/grey/black)."""
    state: dict[str, int] = dict.fromkeys(graph, 0)  # 0 new, 1 on the stack, 2 done
    for start in sorted(graph):
        if state[start]:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        state[start] = 1
        while stack:
            node, edges = stack[-1]
            nxt = next(edges, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                path = [name for name, _ in stack]
                return [*path[path.index(nxt) :], nxt]
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(graph[nxt]))))
    return None


def test_there_is_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_graph_sees_the_imports_that_matter() -> None:
    graph = import_graph()
    assert "ccrouter.errors" in graph["ccrouter.userfiles"]  # from ccrouter.errors import ...
    assert "ccrouter.transformers.base" in graph["ccrouter.transformers.registry"]
    # under `if TYPE_CHECKING:` only: not an import-time edge
    assert "ccrouter.config.model" not in graph["ccrouter.transformers.registry"]


def test_find_cycle_names_the_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_from_package_import_module_resolves_to_the_module(tmp_path: Path) -> None:
    source = "from ccrouter.upstream import base\nfrom ccrouter import errors\n"
    path = tmp_path / "m.py"
    path.write_text(source)
    modules = {"ccrouter", "ccrouter.upstream", "ccrouter.upstream.base", "ccrouter.errors"}
    assert imports_of("ccrouter.m", path, modules) == {"ccrouter.upstream.base", "ccrouter.errors"}

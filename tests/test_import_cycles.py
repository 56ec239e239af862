"""No import cycles inside ``src/evalledger``: every module's imports of evalledger modules, at top
level or inside a function, form a graph without cycles (checked by Tarjan's strongly connected
components, each cycle reported with the import lines that make it).

A function-level ("lazy") import still counts: it hides the cycle from import time but not from the
design, and a later top-level import brings it back as an ImportError at a distance. A module
importing a submodule of its own package (``from evalledger.lint.rules import date``) depends on
that submodule; Python's implicit import of a parent package's ``__init__`` does not count as an
edge (otherwise every package ``__init__`` that lists its modules would be a cycle).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "evalledger"


@dataclass(frozen=True)
class Import:
    target: str  # the evalledger module imported
    path: Path
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module a ``from <dots><name> import`` in ``module`` refers to."""
    base = module.split(".")
    if not is_package:
        base.pop()  # the package holding this module
    drop = level - 1
    if drop > len(base) - 1:
        raise ValueError(f"relative import beyond the top-level package in {module}")
    if drop:
        base = base[:-drop]
    return ".".join(base + ([name] if name else []))


def imports_of(module: str, path: Path, modules: dict[str, Path], package: str = PACKAGE) -> list[Import]:
    """The modules of ``package`` that ``module`` imports, anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def add(target: str, node: ast.stmt) -> None:
        # `import evalledger.a.b` (or `from evalledger.a import b` for a name b that is not a module)
        # runs evalledger.a.b: the deepest existing module of the dotted name
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != module:
            found.append(Import(target, path, node.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = resolve_relative(module, is_package, node.level, node.module)
            else:
                base = node.module or ""
            if base != package and not base.startswith(package + "."):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                # `from package import module` imports the module; `from module import name` the module
                add(submodule if submodule in modules else base, node)
    return found


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, list[Import]]:
    modules = discover(root, package)
    return {name: imports_of(name, path, modules, package) for name, path in modules.items()}


def strongly_connected(graph: dict[str, list[Import]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with more than one module, or a self-loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = sorted({edge.target for edge in graph.get(node, [])})
            for position in range(child, len(targets)):
                target = targets[position]
                if target not in index:
                    work.append((node, position + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or any(e.target == node for e in graph.get(node, [])):
                        components.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return sorted(components)


def describe(component: list[str], graph: dict[str, list[Import]], root: Path = ROOT) -> str:
    members = set(component)
    lines = [f"{len(component)} modules in one cycle: {', '.join(component)}"]
    for name in component:
        for edge in sorted(set(graph[name]), key=lambda e: (e.line, e.target)):
            if edge.target in members:
                lines.append(f"  {edge.path.relative_to(root.parent)}:{edge.line}: {name} -> {edge.target}")
    return "\n".join(lines)


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles in src/evalledger:\n" + "\n".join(describe(c, graph) for c in cycles)


# --- the checker itself, on small packages written here: it must find what it is meant to find ---


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, list[Import]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(tmp_path, "pkg")


def test_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "def thing():\n    from pkg import a\n    return a\n",
        },
    )
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]


def test_resolves_relative_imports_and_from_package_import_module(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "from . import c\n",  # package: `.` is pkg.sub itself
            "pkg/sub/c.py": "from ..d import x\n",
            "pkg/d.py": "import pkg.sub.e as e\nx = 1\n",
            "pkg/sub/e.py": "from .c import y\n",
        },
    )
    targets = {name: sorted(edge.target for edge in edges) for name, edges in graph.items()}
    assert targets == {
        "pkg": [],
        "pkg.sub": ["pkg.sub.c"],
        "pkg.sub.c": ["pkg.d"],
        "pkg.d": ["pkg.sub.e"],
        "pkg.sub.e": ["pkg.sub.c"],
    }
    assert strongly_connected(graph) == [["pkg.d", "pkg.sub.c", "pkg.sub.e"]]


def test_importing_a_name_from_a_package_depends_on_the_package_only(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\n",
            "pkg/a.py": "A = 1\n",
            "pkg/b.py": "from pkg import A\n",
        },
    )
    assert sorted(edge.target for edge in graph["pkg.b"]) == ["pkg"]
    assert strongly_connected(graph) == []


def test_two_separate_cycles_are_both_reported(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "import pkg.a\n",
            "pkg/c.py": "if True:\n    from pkg.d import x\n",
            "pkg/d.py": "class K:\n    def m(self):\n        from pkg import c\n",
        },
    )
    cycles = strongly_connected(graph)
    assert cycles == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    assert "pkg/d.py:3: pkg.d -> pkg.c" in describe(cycles[1], graph, tmp_path)


if __name__ == "__main__":  # a map of the cycles, for whoever is breaking them
    g = import_graph()
    for c in strongly_connected(g):
        print(describe(c, g))
    sys.exit(0)

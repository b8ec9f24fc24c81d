"""No module of ours imports, directly or through others, a module that imports it back.

Every import counts, including those inside functions (which only hide a circle until
the day someone moves them to the top). Importing `a.b.c` also runs `a/__init__.py` and
`a/b/__init__.py`, so those count as imported too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "website", "courses", "bookings", "certification")


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            modules[module_name(path)] = path
    return modules


def _resolve_relative(current, is_package, level, target):
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, target] if target else base)


def imported_names(module, path):
    """Every dotted name this module imports, wherever the import statement sits."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = _resolve_relative(module, is_package, node.level, target)
            names.add(target)
            # `from package import submodule` imports the submodule.
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def import_graph():
    modules = project_modules()
    graph = {}
    for module, path in modules.items():
        edges = set()
        # A module's own packages are always imported before it, so naming them (as
        # `from .sibling import x` does) is no circle.
        own_packages = {
            ".".join(module.split(".")[:end]) for end in range(1, module.count(".") + 1)
        }
        for name in imported_names(module, path):
            parts = name.split(".")
            # The module itself and every package above it run on import.
            for end in range(1, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in modules and candidate != module and candidate not in own_packages:
                    edges.add(candidate)
        graph[module] = edges
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm; returns the groups of two or more modules that form circles."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circles():
    circles = strongly_connected(import_graph())
    assert circles == [], "modules that import each other, directly or through others: " + (
        "; ".join(" <-> ".join(group) for group in circles)
    )


def test_the_checker_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The checker itself must catch a circle hidden in a function body."""
    import sys

    for name, body in {
        "a.py": "def f():\n    from pkg import b\n",
        "b.py": "from .a import f\n",
        "__init__.py": "",
    }.items():
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / name).write_text(body)
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "PACKAGES", ("pkg",))
    assert strongly_connected(import_graph()) == [["pkg.a", "pkg.b"]]

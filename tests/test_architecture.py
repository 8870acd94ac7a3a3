"""Strict floors in the package ``workflow/tfbind``: no import cycle between its modules, and no import that
goes up the layer table below.

Every module is parsed with ``ast`` (nothing is imported): each ``import``/``from ... import`` anywhere in it
(module level, inside functions, relative or absolute) that names a module of the package is an edge of the
module graph; ``from pkg import name`` is an edge to the submodule ``pkg.name`` where that module exists,
else to ``pkg``. The implicit import of a module's parent packages is not an edge.

Layers (a *unit* is a subpackage or a top-level module; a unit may import its own modules and the units of
lower tiers, never a unit of its own tier or above). Derived from what the code imports:

====  ==========================================  ========================================================
tier  units                                       role
====  ==========================================  ========================================================
0     ``errors escape ranges logs outputs         import nothing of tfbind: errors, text escaping, numbers,
      correlation consensus demo``, the package   logging, output sets, correlations, the consensus score,
      ``tfbind`` itself                           the synthetic demo's generator
1     ``text_tables readers plan``                rounding for reading; AlphaFold outputs; the pair and
                                                  job plan (parse time)
2     ``io metrics labels``                       writing tables; metrics of one prediction; labels table
3     ``features prepare``                        feature extraction; AlphaFold job inputs
4     ``model``                                   the fusion model
5     ``evaluation``                              evaluation of models (uses ``consensus``)
6     ``ranking``                                 the screen's answer (uses all below)
====  ==========================================  ========================================================

A new import that this test refuses is either the wrong way round (move the shared code down into a unit
both may import, as ``tfbind.consensus`` and ``tfbind.labels`` were) or a deliberate change of the table.
"""

from __future__ import annotations

import ast
import textwrap
from collections import deque
from pathlib import Path

import pytest

from helpers import REPO

PACKAGE = "tfbind"
ROOT = REPO / "workflow" / PACKAGE

LAYERS: dict[str, int] = {
    PACKAGE: 0, "errors": 0, "escape": 0, "ranges": 0, "logs": 0, "outputs": 0, "correlation": 0,
    "consensus": 0, "demo": 0, "defaults": 0,
    "text_tables": 1, "readers": 1, "plan": 1,
    "io": 2, "metrics": 2, "labels": 2,
    "features": 3, "prepare": 3, "plotting": 3,
    "model": 4,
    "evaluation": 5, "settings": 5,
    "ranking": 6,
}

# Known violations, each with its reason; empty since issue 22. An entry must still occur
# (test_known_violations_still_exist), so that a stale exception cannot hide a new violation.
KNOWN_CYCLES: dict[frozenset[str], str] = {}
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


# ---------------------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------------------
def package_modules(root: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``) for every ``.py`` file under ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _known(name: str, modules) -> str | None:
    """The longest prefix of the dotted ``name`` that is a module of the package (None: none is)."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def module_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (see the module docstring)."""
    modules = package_modules(root, package)
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = module.split(".") if is_package else module.split(".")[:-1]  # where relative imports start
        targets: set[str | None] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(_known(alias.name, modules) for alias in node.names
                               if alias.name.split(".")[0] == package)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    if node.level - 1 >= len(here):
                        raise ValueError(f"{path} line {node.lineno}: relative import above the package")
                    parts = here[: len(here) - (node.level - 1)] + ([node.module] if node.module else [])
                    base = ".".join(parts)
                else:
                    base = node.module or ""
                if base.split(".")[0] != package:
                    continue
                targets.update(_known(base if alias.name == "*" else f"{base}.{alias.name}", modules)
                               for alias in node.names)
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module: a shortest cycle through the
    component's first module (by name), as ``[a, b, ..., a]``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):  # iterative Tarjan: no recursion limit on long chains
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
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
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return sorted(_shortest_cycle(graph, component) for component in components)


def _shortest_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    first = min(component)
    came_from = {first: None}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & component):
            if child == first:
                path = [node]  # back to ``first`` along the search tree, then round
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), first]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {first} in its own component")  # cannot happen


def unit_of(module: str) -> str:
    """The layer unit of a module: its subpackage or top-level module (the package itself for ``tfbind``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward_imports(graph: dict[str, set[str]], layers: dict[str, int]) -> list[tuple[str, str, str]]:
    """``(importer, imported, why)`` for every import into another unit of the same or a higher tier."""
    found = []
    for module in sorted(graph):
        for target in sorted(graph[module]):
            mine, theirs = unit_of(module), unit_of(target)
            if mine != theirs and layers[theirs] >= layers[mine]:
                why = (f"{module} (tier {layers[mine]}, {mine}) imports {target} "
                       f"(tier {layers[theirs]}, {theirs})")
                found.append((module, target, why))
    return found


def _format(cycle: list[str]) -> str:
    return " -> ".join(cycle)


# ---------------------------------------------------------------------------------------------------------
# The package
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return module_graph(ROOT, PACKAGE)


def test_no_import_cycle(graph):
    cycles = [c for c in find_cycles(graph) if frozenset(c) not in KNOWN_CYCLES]
    assert not cycles, "import cycles in workflow/tfbind:\n" + "\n".join(_format(c) for c in cycles)


def test_no_import_goes_up_the_layers(graph):
    assert set(LAYERS) == {unit_of(m) for m in graph}, "every unit of the package has exactly one tier"
    bad = [why for module, target, why in upward_imports(graph, LAYERS)
           if (module, target) not in KNOWN_UPWARD]
    assert not bad, "imports up the layer table (tests/test_architecture.py):\n" + "\n".join(bad)


def test_known_violations_still_exist(graph):
    """An entry of KNOWN_CYCLES / KNOWN_UPWARD that no longer occurs is removed, so that it cannot hide a
    new one."""
    cycles = {frozenset(c) for c in find_cycles(graph)}
    assert not set(KNOWN_CYCLES) - cycles, f"fixed, remove from KNOWN_CYCLES: {set(KNOWN_CYCLES) - cycles}"
    upward = {(m, t) for m, t, _ in upward_imports(graph, LAYERS)}
    assert not set(KNOWN_UPWARD) - upward, f"fixed, remove from KNOWN_UPWARD: {set(KNOWN_UPWARD) - upward}"


def test_the_graph_sees_the_package(graph):
    """The checker reads the real package: edges of each import form found in it, checked by reading the
    source (a checker that saw no edges would pass the tests above)."""
    assert len(graph) > 100
    assert "tfbind.consensus" in graph["tfbind.ranking.table"]  # from ..consensus import ...
    assert "tfbind.demo" in graph["tfbind.plan.demo_inputs"]  # from ..demo import ... (in a function)
    assert "tfbind.demo.writers" in graph["tfbind.demo"]  # from . import writers (in a function)
    assert "tfbind.readers.alphafold2" in graph["tfbind.readers"]  # from tfbind.readers import alphafold2
    assert "tfbind.plan.discovery" in graph["tfbind.plan.config"]
    assert "tfbind.plan.discovery" not in graph["tfbind.plan.pairs"]  # the former pass-through is gone


# ---------------------------------------------------------------------------------------------------------
# The checker on small packages
# ---------------------------------------------------------------------------------------------------------
def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "pkg"


def test_checker_reports_a_planted_cycle(tmp_path):
    """a -> b (relative) -> c (absolute, inside a function) -> a (relative from a subpackage): one cycle."""
    root = write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "from .b import f\n",
        "b.py": "def f():\n    import pkg.sub.c\n",
        "sub/__init__.py": "",
        "sub/c.py": "from .. import a\nimport os\n",
        "d.py": "from pkg import a, b\n",  # outside the cycle
    })
    graph = module_graph(root, "pkg")
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"}, "pkg.sub": set(),
                     "pkg.sub.c": {"pkg.a"}, "pkg.d": {"pkg.a", "pkg.b"}}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]
    (root / "sub" / "c.py").write_text("import os\n")  # the cycle broken: nothing reported
    assert find_cycles(module_graph(root, "pkg")) == []


def test_checker_reports_two_module_cycle_and_names_imported_from_packages(tmp_path):
    """``from pkg.sub import name`` is an edge to ``pkg.sub`` when ``name`` is not a module; two cycles in
    separate components are both reported."""
    root = write_package(tmp_path, {
        "__init__.py": "",
        "x.py": "from pkg.y import thing\n",
        "y.py": "from pkg import x\nthing = 1\n",
        "sub/__init__.py": "from pkg.sub.z import value\n",
        "sub/z.py": "from pkg.sub import helper\nvalue = 1\n",
    })
    graph = module_graph(root, "pkg")
    assert graph["pkg.sub.z"] == {"pkg.sub"} and graph["pkg.sub"] == {"pkg.sub.z"}
    assert find_cycles(graph) == [["pkg.sub", "pkg.sub.z", "pkg.sub"], ["pkg.x", "pkg.y", "pkg.x"]]


def test_checker_reports_an_import_up_or_across_the_layers(tmp_path):
    root = write_package(tmp_path, {
        "__init__.py": "",
        "low.py": "def f():\n    from .high import g\n",  # up: refused
        "high/__init__.py": "",
        "high/g.py": "from ..low import f\nfrom . import h\n",  # down, and inside its own unit: fine
        "high/h.py": "",
        "peer.py": "from pkg import low\n",
        "other.py": "import pkg.peer\n",  # across one tier: refused
    })
    graph = module_graph(root, "pkg")
    layers = {"pkg": 0, "low": 0, "peer": 1, "other": 1, "high": 2}
    assert [(m, t) for m, t, _ in upward_imports(graph, layers)] == [("pkg.low", "pkg.high.g"),
                                                                     ("pkg.other", "pkg.peer")]

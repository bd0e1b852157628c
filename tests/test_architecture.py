"""The package's layers: imports run downward only, with no cycle, as docs/architecture.md draws them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "srscards"

# Each layer may import the layers with a lower rank (and itself). Top-level modules are shared helpers.
RANKS = {
    "": 0,  # errors, paths, clock, files, gc_pause
    "model": 1,
    "sources": 2,
    "scheduling": 2,
    "labs": 2,
    "store": 3,
    "views": 3,
    "study": 4,
    "outputs": 5,
    "commands": 6,
    "cli": 6,
}
# Layers of equal rank stay apart.
CLI = {"commands", "cli"}
# Third-party packages the core never imports: the command line is the only place for them.
CLI_ONLY = {"click", "rich"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 2 and parts[1] not in RANKS:
        return ""  # srscards.errors and the other shared helpers
    name = parts[1] if len(parts) > 1 else ""
    return "commands" if name == "cli" else name  # cli.py and commands/ are one layer


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, imported at module level, line) for every import of `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top_level, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top_level, node.lineno))
        elif isinstance(node, ast.If) and id(node) in top_level:
            top_level |= {id(n) for n in node.body}  # `if TYPE_CHECKING:` blocks count as module level
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def own(target: str) -> str | None:
    """The package module an import names (a `from package import name` may name a module)."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, top, _line in imports(path):
            if target.startswith("srscards") and top and (dep := own(target)) and dep != module:
                edges[module].add(dep)
    return edges


def test_there_is_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            if dep.startswith(node + ".") or node == "srscards":
                continue  # a package's face re-exporting its own modules
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "srscards"))
def test_imports_run_downward_between_layers(module):
    here = layer(module)
    upward = []
    for target, _top, line in imports(MODULES[module]):
        dep = own(target) if target.startswith("srscards") else None
        if dep is None or dep == "srscards":
            continue
        there = layer(dep)
        if there != here and RANKS[there] >= RANKS[here]:
            upward.append(f"{MODULES[module].name}:{line} imports {dep} ({there or 'shared'} from {here or 'shared'})")
    assert upward == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) not in CLI))
def test_the_core_imports_its_own_modules_at_the_top_and_no_command_line_library(module):
    problems = []
    for target, top, line in imports(MODULES[module]):
        if target.startswith("srscards") and not top:
            problems.append(f"line {line}: {target} imported inside a function")
        if target.split(".")[0] in CLI_ONLY:
            problems.append(f"line {line}: {target} belongs to the command line")
    assert problems == []


def test_every_layer_is_a_known_package():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(RANKS)

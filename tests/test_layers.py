"""Layers import downwards only: the rule of docs/architecture.md, checked on the source.

Run-time imports (module level and inside functions) are read with ``ast``;
imports under ``if TYPE_CHECKING:`` are annotations, not dependencies, and are
left out. A module may import its own layer or a lower one, never a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cocreate_sim"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("errors", "limits", "fileio", "yamlio", "params")),
    ("mechanisms", ("mechanisms",)),
    ("model", ("metrics", "initiatives", "registry", "agents", "model")),
    ("runner", ("runner", "executor", "scenario", "workspace")),
    ("statistics", ("statistics",)),
    ("outputs", ("reports", "publishing", "patterns", "sweep", "app", "calibration")),
    ("commands", ("cli", "__main__")),
]
"""From the bottom up; the first part of a module's dotted name (inside the package) gives its layer."""

FORBIDDEN_SIDEWAYS = {
    "reports": ("publishing", "patterns", "sweep", "app", "calibration"),
    "publishing": ("patterns", "sweep", "app", "calibration"),
}
"""Within the outputs layer: reports are drawn from statistics alone; publishing writes folders for runs."""


def layer_of(module: str) -> int:
    head = module.split(".")[0]
    for rank, (_, heads) in enumerate(LAYERS):
        if head in heads:
            return rank
    raise KeyError(f"{module} is in no layer of tests/test_layers.py: add it (and to docs/architecture.md)")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(source: str, module: str, is_package: bool) -> set[str]:
    """Package modules imported at run time by ``module`` (dotted names inside the package)."""
    found: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    anchor = base[: len(base) - (child.level - 1)] if child.level > 1 else base
                    target = ".".join([*anchor, *(child.module.split(".") if child.module else [])])
                elif child.module and child.module.startswith("cocreate_sim"):
                    target = child.module.removeprefix("cocreate_sim").lstrip(".")
                else:
                    continue
                if target:
                    found.add(target)
                else:  # "from . import x" names modules (or the package's own names)
                    found.update(alias.name for alias in child.names if alias.name != "__version__")
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("cocreate_sim."):
                        found.add(alias.name.removeprefix("cocreate_sim."))
            visit(child)

    visit(ast.parse(source))
    return found


def upward_imports(path: Path) -> list[str]:
    module = _module_name(path)
    if not module:  # the package's public face imports whatever it shows
        return []
    rank = layer_of(module)
    head = module.split(".")[0]
    wrong = []
    for target in sorted(runtime_imports(path.read_text(), module, path.name == "__init__.py")):
        target_head = target.split(".")[0]
        if target_head == head:
            continue
        if layer_of(target) > rank or target_head in FORBIDDEN_SIDEWAYS.get(head, ()):
            wrong.append(f"{module} imports {target} ({LAYERS[layer_of(target)][0]} layer)")
    return wrong


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        module = _module_name(path)
        if module:
            layer_of(module)


def test_layers_import_downwards_only():
    wrong = [line for path in sorted(PACKAGE.rglob("*.py")) for line in upward_imports(path)]
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from ..model import CoCreationModel\n", "mechanisms.learning", {"model"}),
        ("from .reports import render_run\n", "statistics", {"reports"}),
        ("def f():\n    from cocreate_sim.cli import main\n", "model", {"cli"}),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .model import X\n", "agents.workers", set()),
    ],
)
def test_the_checker_sees_upward_imports(source: str, module: str, expected: set[str]):
    assert runtime_imports(source, module, is_package=False) == expected
    for target in expected:
        assert layer_of(target) > layer_of(module)

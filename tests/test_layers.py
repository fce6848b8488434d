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
    ("base", ("errors", "limits", "fileio", "yamlio", "params", "constants", "constants_table")),
    ("mechanisms", ("mechanisms",)),
    ("model", ("metrics", "initiatives", "registry", "agents", "model")),
    ("runner", ("runner", "executor", "scenario", "workspace", "posterior")),
    ("statistics", ("statistics", "checkpoints")),
    ("language", ("i18n", "locale")),
    (
        "outputs",
        (
            "reports",
            "publishing",
            "published",
            "patterns",
            "patterns_design",
            "sweep",
            "app",
            "calibration",
            "robustness",
            "robust_conclusions",
            "regime",
        ),
    ),
    ("commands", ("cli", "commands", "__main__")),
]
"""From the bottom up; the first part of a module's dotted name (inside the package) gives its layer."""

ALLOWED_SIDEWAYS = {
    "publishing": ("reports",),
    "patterns": ("publishing", "reports", "patterns_design"),
    "sweep": ("publishing",),
    "calibration": ("publishing", "reports", "sweep", "robust_conclusions"),
    "robustness": ("publishing",),
    "robust_conclusions": ("patterns", "patterns_design", "publishing"),
    "regime": ("publishing", "reports"),
    "published": ("publishing", "reports"),
}
"""Within the outputs layer only these links: publishing writes reports into results folders; patterns, sweeps,
calibration and the robustness check publish their own folders; calibration checks the six patterns on its posterior
(robust_conclusions). Reports and the app use none of their neighbours."""


def layer_of(module: str) -> int:
    if module.endswith("__main__"):  # an entry point (python3 -m ...) is a command, whatever package it is in
        return len(LAYERS) - 1
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


def wrong_imports(module: str, source: str, is_package: bool) -> list[str]:
    """The imports of ``module`` that go up a layer, or sideways where the outputs layer does not allow it."""
    if not module:  # the package's public face imports whatever it shows
        return []
    rank = layer_of(module)
    head = module.split(".")[0]
    wrong = []
    for target in sorted(runtime_imports(source, module, is_package)):
        target_head = target.split(".")[0]
        if target_head == head:
            continue
        sideways = layer_of(target) == rank and target_head not in ALLOWED_SIDEWAYS.get(head, ())
        if layer_of(target) > rank or (sideways and LAYERS[rank][0] == "outputs"):
            wrong.append(f"{module} imports {target} ({LAYERS[layer_of(target)][0]} layer)")
    return wrong


def upward_imports(path: Path) -> list[str]:
    return wrong_imports(_module_name(path), path.read_text(), path.name == "__init__.py")


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


@pytest.mark.parametrize(
    ("module", "source", "wrong"),
    [
        ("reports.run", "from ..publishing import provenance\n", True),
        ("app.server", "from ..sweep import run_sweep\n", True),
        ("sweep.design", "from ..publishing import provenance\n", False),
        ("statistics", "from .executor import run_tasks\n", False),
        ("model", "from .statistics import mean_ci\n", True),
    ],
)
def test_the_checker_judges_links_between_layers(module: str, source: str, wrong: bool):
    assert bool(wrong_imports(module, source, is_package=False)) is wrong

"""The design rules of the initiative registry, checked on the source with ``ast``.

Only ``registry.py`` creates initiatives, edits who works on them and keeps
the tallies; agents and initiatives talk to the registry. Each checker is run
on small wrong snippets too, so that it is known to be able to fail.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import cocreate_sim
from cocreate_sim import CoCreationModel
from cocreate_sim.params import PARAMETERS, Params, make_params

PACKAGE = Path(cocreate_sim.__file__).parent
LINKS = {"led", "helping", "duties", "helpers", "participants"}
"""Attributes that link workers, citizens and initiatives: edited in registry.py only."""
MUTATORS = {"append", "remove", "extend", "insert", "pop", "clear"}
BANNED_CALL_PREFIXES = ("propose_by_", "record_")
BANNED_CALLS = {"add_facility"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _agent_and_initiative_modules() -> list[Path]:
    return sorted((PACKAGE / "agents").glob("*.py")) + [PACKAGE / "initiatives.py"]


def _links(node: ast.AST) -> list[str]:
    """Link attributes written by an assignment target (``x.led = ``, ``x.led[0] = ``, ``x.a, x.led = ``)."""
    if isinstance(node, ast.Attribute) and node.attr in LINKS:
        return [node.attr]
    if isinstance(node, ast.Subscript):
        return _links(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return [name for elt in node.elts for name in _links(elt)]
    if isinstance(node, ast.Starred):
        return _links(node.value)
    return []


def link_mutations(source: str) -> list[str]:
    """Every place ``source`` changes a link attribute, as ``'line: what'``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and (
            isinstance(node, ast.AugAssign) or node.value is not None
        ):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            found += [f"{node.lineno}: {type(node).__name__} {name}" for name in _links(target)]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and _links(node.func.value)
        ):
            found.append(f"{node.lineno}: .{node.func.attr}() on {_links(node.func.value)[0]}")
    return found


def banned_calls(source: str) -> list[str]:
    """Every call of ``propose_by_*``, ``record_*`` or ``add_facility`` in ``source``, on anything."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name.startswith(BANNED_CALL_PREFIXES) or name in BANNED_CALLS:
            found.append(f"{node.lineno}: {name}()")
    return found


def runtime_imports(source: str) -> set[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks (relative names keep their dots)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom):
                base = "." * child.level + (child.module or "")
                found.add(base)
                found.update(f"{base}.{alias.name}" if child.module else base + alias.name for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(source))
    return found


# ------------------------------------------------------------ the checkers can fail
@pytest.mark.parametrize(
    "snippet",
    [
        "worker.led.append(ini)",
        "self.helping.remove(x)",
        "ini.helpers.extend(others)",
        "w.duties.insert(0, ini)",
        "ini.participants.pop()",
        "w.led.clear()",
        "ini.participants = []",
        "ini.helpers += [w]",
        "del w.duties[0]",
        "w.led[0] = ini",
        "a.x, ini.participants = 1, []",
        "self.led: list = []",
    ],
)
def test_link_checker_catches_a_mutation(snippet: str) -> None:
    assert link_mutations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    ["n = len(w.led)", "for i in ini.helpers: pass", "x = [i for i in w.led + w.helping]", "self.led: list"],
)
def test_link_checker_lets_reading_pass(snippet: str) -> None:
    assert not link_mutations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    ["model.propose_by_worker(self)", "m.record_end(ini)", "model.add_facility()", "record_decision(x)"],
)
def test_call_checker_catches_model_bookkeeping(snippet: str) -> None:
    assert banned_calls(snippet), snippet


def test_import_checker_sees_through_type_checking_only() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .agents.workers import Worker\n"
    assert not any("workers" in name for name in runtime_imports(source))
    assert any("workers" in name for name in runtime_imports("from .agents import workers\n"))
    assert any("workers" in name for name in runtime_imports("def f():\n    from .agents.workers import Worker\n"))


# ----------------------------------------------------------------- the package
@pytest.mark.parametrize("path", _agent_and_initiative_modules(), ids=lambda p: p.name)
def test_agents_and_initiatives_leave_bookkeeping_to_the_registry(path: Path) -> None:
    assert not banned_calls(path.read_text()), path


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_registry_edits_links(path: Path) -> None:
    if path.name == "registry.py" and path.parent == PACKAGE:
        return
    assert not link_mutations(path.read_text()), path


def test_initiatives_do_not_import_workers_at_run_time() -> None:
    imports = runtime_imports((PACKAGE / "initiatives.py").read_text())
    assert not any("agents" in name or "workers" in name for name in imports), imports


def test_workers_do_not_import_initiatives_at_run_time() -> None:
    imports = runtime_imports((PACKAGE / "agents" / "workers.py").read_text())
    assert not any("initiatives" in name for name in imports), imports


def test_model_has_no_bookkeeping_methods_left() -> None:
    for name in ("propose_by_worker", "propose_by_citizen", "record_decision", "record_end", "add_facility"):
        assert not hasattr(CoCreationModel, name), name


def test_links_stay_consistent_over_a_run() -> None:
    """Every link is two-sided, and only active initiatives are linked to anyone.

    Participants are person ids: each person points back at its initiative,
    and each citizen agent's ``busy`` counts exactly its persons taking part.
    """
    model = CoCreationModel(rng=3, n_citizens=400, leader_dialogue=0.8, task_committees=2)
    pop = model.population
    for _ in range(60):
        model.step()
        for w in model.workers:
            for ini in w.led + w.duties:
                assert ini.lead is w and ini.active
            for ini in w.helping:
                assert w in ini.helpers and ini.active
        taking_part = [0] * pop.n
        seen: set[int] = set()
        for ini in model.registry.initiatives:
            if not ini.active:
                assert not ini.helpers and not ini.participants
            for h in ini.helpers:
                assert ini in h.helping
            for pid in ini.participants:
                assert pid not in seen, "a person takes part in two initiatives at once"
                seen.add(pid)
                assert pop.person_in[pid] == ini.uid
                taking_part[int(pop.person_agent[pid])] += 1
        assert seen == pop.taking_part
        assert pop.busy.tolist() == taking_part
    r = model.registry
    assert r.started == len(r.initiatives) > 0
    assert r.started == r.completed + r.failed + r.abandoned + len(r.active)


def test_each_citizen_agent_points_at_an_initiative_one_of_its_inhabitants_is_in() -> None:
    model = CoCreationModel(rng=3, n_citizens=400, leader_dialogue=0.8, task_committees=2)
    pop = model.population
    for _ in range(60):
        model.step()
        where: dict[int, set[int]] = {}
        for ini in model.registry.active:
            for pid in ini.participants:
                where.setdefault(int(pop.person_agent[pid]), set()).add(ini.uid)
        for agent in range(pop.n):
            if pop.busy[agent] > 0:
                assert int(pop.initiative[agent]) in where.get(agent, set()), (model.week, agent)
            else:
                assert pop.initiative[agent] == -1


# ------------------------------------------------------------------ parameters
def test_params_are_typed_frozen_and_generated_from_the_declarations() -> None:
    p = make_params(leader_dialogue=0.9)
    assert isinstance(p, Params)
    assert [f.name for f in dataclasses.fields(Params)] == list(PARAMETERS)
    assert p.leader_dialogue == 0.9 and isinstance(p.n_citizens, int) and isinstance(p.discretion, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.leader_dialogue = 0.1  # type: ignore[misc]
    assert p.as_dict() == dataclasses.asdict(p)


def test_model_reads_params_by_attribute_nowhere_by_string() -> None:
    """No ``p["name"]`` or ``p.get("name")`` is left in the model, agents, initiatives or registry."""
    paths = [
        PACKAGE / "model.py",
        PACKAGE / "initiatives.py",
        PACKAGE / "registry.py",
        *_agent_and_initiative_modules(),
    ]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)):
                name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
                assert name != "p", f"{path.name}:{node.lineno}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                base = node.func.value
                assert not (isinstance(base, (ast.Name, ast.Attribute)) and ast.unparse(base).endswith("p")), (
                    f"{path.name}:{node.lineno}"
                )

"""A planner's workspace: `run.py new` writes a commented, valid copy outside the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from cocreate_sim.errors import UserError
from cocreate_sim.scenario import load_scenario
from cocreate_sim.workspace import SHIPPED, new_scenario


def test_new_copies_the_baseline_into_the_workspace(tmp_path: Path):
    path = new_scenario("my_town", folder=tmp_path / "my_scenarios")
    assert path == tmp_path / "my_scenarios" / "my_town.yaml"
    text = path.read_text()
    assert text.startswith("# my_town: your own scenario") and "python3 run.py validate" in text
    scenario = load_scenario(path)
    assert scenario.name == "my_town"
    assert scenario.params == load_scenario(SHIPPED / "npm_baseline.yaml").params


def test_new_from_a_scenario_keeps_its_parent_reachable(tmp_path: Path):
    path = new_scenario("gentofte_mine", "gentofte_task_committees", folder=tmp_path)
    original = load_scenario(SHIPPED / "gentofte_task_committees.yaml")
    copy = load_scenario(path)
    assert copy.params == original.params
    assert "extends:" in path.read_text() and "scenarios/npm_baseline.yaml" in path.read_text()


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("../escape", None, "a scenario name is"),
        ("", None, "a scenario name is"),
        ("ok", "gentofte_comittees", "Did you mean 'gentofte_task_committees'"),
    ],
)
def test_new_refuses_bad_names_and_sources(tmp_path: Path, name: str, source: str | None, expected: str):
    with pytest.raises(UserError, match=expected):
        new_scenario(name, source, folder=tmp_path)
    assert not any(tmp_path.iterdir())


def test_new_never_overwrites(tmp_path: Path):
    path = new_scenario("mine", folder=tmp_path)
    path.write_text("# edited by hand\n")
    with pytest.raises(UserError, match="already exists"):
        new_scenario("mine", folder=tmp_path)
    assert path.read_text() == "# edited by hand\n"


def test_a_link_to_nothing_in_the_way_is_never_replaced(tmp_path):
    (tmp_path / "mine.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(UserError, match="already exists"):
        new_scenario("mine", folder=tmp_path)
    assert (tmp_path / "mine.yaml").is_symlink() and not (tmp_path / "elsewhere.yaml").exists()

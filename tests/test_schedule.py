"""Lever schedules: levers that change during a run, from a scenario file through the runs to the report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim.checkpoints import Checkpoint, run_fingerprint
from cocreate_sim.errors import UserError
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.params import INIT_ONLY
from cocreate_sim.scenario import load_scenario, scenario_yaml

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_citizens": 200, "population": 4000}
"""A small municipality: a 30-week run takes a fraction of a second."""
WEEKS = 30
CHANGE_WEEK = 12
REFORM = ((CHANGE_WEEK, {"leader_dialogue": 0.8, "zero_error_culture": 0.2}),)

PARENT = """\
description: A small municipality for the schedule tests.
horizon: 30
replications: 2
params:
  n_citizens: 200
  population: 4000
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    return write(tmp_path, "parent.yaml", PARENT)


def scheduled(folder: Path, entries: str, name: str = "child.yaml", head: str = "extends: parent.yaml\n") -> Path:
    return write(folder, name, f"{head}schedule:\n{entries}")


def problems_of(path: Path, **kw) -> list[str]:
    """Every problem reported for ``path``, each one paragraph."""
    with pytest.raises(UserError) as info:
        load_scenario(path, **kw)
    problems = getattr(info.value, "problems", [str(info.value)])
    assert all("\n" not in p.strip() for p in problems), "each problem is one paragraph"
    return problems


# --------------------------------------------------------------- scenario files
def test_a_schedule_is_read_sorted_by_week_with_every_value_checked(parent: Path):
    path = scheduled(
        parent.parent,
        "  - week: 20\n    params:\n      discretion: 0.6\n"
        "  - week: 12   # the reform\n    params:\n      leader_dialogue: 0.8\n      zero_error_culture: 0.2\n",
    )
    s = load_scenario(path)
    assert s.schedule == ((12, {"leader_dialogue": 0.8, "zero_error_culture": 0.2}), (20, {"discretion": 0.6}))
    assert s.params["leader_dialogue"] == 0.1, "the schedule does not change the values the run starts with"


def test_a_typo_in_a_scheduled_lever_names_file_line_entry_and_the_lever_meant(parent: Path):
    path = scheduled(parent.parent, "  - week: 12\n    params:\n      leader_dialog: 0.8\n")
    (problem,) = problems_of(path)
    assert "child.yaml, line 5" in problem
    assert "'schedule' entry 1 (week 12)" in problem and "'leader_dialog'" in problem
    assert "Did you mean 'leader_dialogue'?" in problem and "python3 run.py params" in problem


def test_a_lever_that_acts_only_when_the_model_is_built_is_refused_with_what_to_do(parent: Path):
    path = scheduled(parent.parent, "  - week: 12\n    params:\n      population: 8000\n")
    (problem,) = problems_of(path)
    assert "child.yaml, line 5" in problem and "'schedule' entry 1 (week 12)" in problem
    assert "'population' cannot change during a run" in problem
    assert "top-level 'params:'" in problem
    assert all(name in problem for name in INIT_ONLY), "the message lists every lever a schedule may not change"


def test_a_week_beyond_the_horizon_names_the_horizon_and_where_it_was_set(parent: Path):
    path = scheduled(parent.parent, "  - week: 40\n    params:\n      discretion: 0.6\n")
    (problem,) = problems_of(path)
    assert "child.yaml, line 3" in problem and "'schedule' entry 1 is at week 40" in problem
    assert "horizon of 30 weeks" in problem and "parent.yaml, line 2" in problem
    assert "from 1 to 30" in problem
    ok = scheduled(parent.parent, "  - week: 25\n    params:\n      discretion: 0.6\n", name="ok.yaml")
    (problem,) = problems_of(ok, steps=20)
    assert "horizon of 20 weeks (given by --steps)" in problem
    (problem,) = problems_of(ok, overrides={"horizon": "20"})
    assert "horizon of 20 weeks (given by --set horizon)" in problem


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ("  week: 12\n", ["child.yaml, line 2", "'schedule' must be a list", "'- week:'", "got a mapping"]),
        ("  - 12\n", ["child.yaml, line 3", "'schedule' entry 1 must be a mapping", "'week' and 'params'", "got 12"]),
        (
            "  - wek: 12\n    params: {discretion: 0.6}\n",
            ["child.yaml, line 3", "unknown key 'wek' in 'schedule' entry 1", "Did you mean 'week'?", "'week'"],
        ),
        ("  - week: 12\n", ["child.yaml, line 3", "'schedule' entry 1 has no 'params'", "the levers that change"]),
        (
            "  - week: 0\n    params: {discretion: 0.6}\n",
            ["child.yaml, line 3", "'week' must be a whole number from 1", "week 0", "top-level 'params:'"],
        ),
        (
            "  - week: 12\n    discretion: 0.6\n    params: {leader_dialogue: 0.8}\n",
            ["child.yaml, line 4", "unknown key 'discretion'", "indent it under the entry's 'params:'"],
        ),
        (
            "  - week: 12\n    params: {}\n",
            ["child.yaml, line 4", "'schedule' entry 1 (week 12), 'params' must list the levers", "got no levers"],
        ),
        (
            "  - week: 12\n    params: {discretion: '0,6'}\n",
            ["child.yaml, line 4", "(week 12), 'discretion'", "Write decimals with a point, not a comma: 0.6"],
        ),
        (
            "  - week: 12\n    params: {discretion: 0.6}\n  - week: 12\n    params: {leader_dialogue: 0.8}\n",
            ["child.yaml, line 5", "'schedule' entry 2 is at week 12, as is entry 1", "in one entry"],
        ),
    ],
    ids=["not-a-list", "not-a-mapping", "typo-key", "no-params", "week-0", "lever-outside", "empty", "comma", "twice"],
)
def test_a_badly_shaped_schedule_says_where_and_what_is_allowed(parent: Path, entries: str, expected: list[str]):
    (problem,) = problems_of(scheduled(parent.parent, entries))
    for text in expected:
        assert text in problem, f"{text!r} not in {problem!r}"


def test_every_mistake_in_a_schedule_is_listed_at_once(parent: Path):
    path = scheduled(
        parent.parent,
        "  - week: 12\n    params:\n      leader_dialog: 0.8\n      population: 1\n      discretion: 2\n"
        "  - week: x\n    params: {discretion: 0.6}\n",
    )
    problems = problems_of(path)
    assert len(problems) == 4
    assert [p.split(":")[0] for p in problems] == [f"{path.parent / 'child.yaml'}, line {n}" for n in (5, 6, 7, 8)]


def test_a_child_schedule_replaces_the_parents_and_set_leaves_it_alone(tmp_path: Path):
    write(tmp_path, "base.yaml", PARENT + "schedule:\n  - week: 5\n    params: {discretion: 0.6}\n")
    inherits = write(tmp_path, "inherits.yaml", "extends: base.yaml\n")
    replaces = scheduled(tmp_path, "  - week: 9\n    params: {leader_dialogue: 0.8}\n", head="extends: base.yaml\n")
    clears = write(tmp_path, "clears.yaml", "extends: base.yaml\nschedule: []\n")
    assert load_scenario(inherits).schedule == ((5, {"discretion": 0.6}),)
    assert load_scenario(replaces).schedule == ((9, {"leader_dialogue": 0.8}),), "replaced whole, never merged"
    assert load_scenario(clears).schedule == ()
    overridden = load_scenario(inherits, {"discretion": "0.2"})
    assert overridden.params["discretion"] == 0.2 and overridden.schedule == ((5, {"discretion": 0.6}),)


def test_the_resolved_scenario_records_the_schedule_and_runs_again_with_it(parent: Path, tmp_path: Path):
    path = scheduled(parent.parent, "  - week: 12\n    params:\n      leader_dialogue: 0.8\n      discretion: 0.5\n")
    first = load_scenario(path, {"zero_error_culture": "0.4"})
    assert first.resolved["schedule"] == [{"week": 12, "params": {"leader_dialogue": 0.8, "discretion": 0.5}}]
    again = load_scenario(write(tmp_path, "resolved.yaml", scenario_yaml(first, {"git_commit": "abc"})))
    assert again.schedule == first.schedule and again.params == first.params
    assert (again.steps, again.seed, again.replications) == (first.steps, first.seed, first.replications)
    plain = load_scenario(parent)
    assert "\nschedule:" not in scenario_yaml(plain), "a scenario without a schedule writes none"


def test_the_shipped_reform_scenario_changes_three_levers_from_year_two():
    s = load_scenario(ROOT / "scenarios" / "reform_in_year_two.yaml")
    assert s.chain[0].name == "npm_baseline.yaml" and s.steps == 520
    assert s.schedule == ((104, {"zero_error_culture": 0.2, "leader_dialogue": 0.8, "measure_cocreation_value": 0.6}),)


# ------------------------------------------------------------------------- runs
def test_the_fingerprint_of_a_run_includes_its_schedule(tmp_path: Path):
    plain, reform = [("a", SMALL)], [("a", SMALL, REFORM)]
    later = [("a", SMALL, ((CHANGE_WEEK + 1, REFORM[0][1]),))]
    prints = {run_fingerprint(runs, WEEKS, [1, 2]) for runs in (plain, reform, later)}
    assert len(prints) == 3, "--resume never mixes runs with different schedules"
    assert run_fingerprint([("a", SMALL, ())], WEEKS, [1, 2]) == run_fingerprint(plain, WEEKS, [1, 2])
    assert Checkpoint(tmp_path, reform, WEEKS, [1, 2]).folder != Checkpoint(tmp_path, plain, WEEKS, [1, 2]).folder


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    from cocreate_sim.statistics import run_replications

    runs = [("plain", SMALL), ("reform", SMALL, REFORM)]
    return run_replications(runs, WEEKS, [1, 2], processes=1, progress=False)


def test_a_scheduled_run_differs_from_an_unscheduled_one_only_from_the_scheduled_week_on(table: pd.DataFrame):
    plain = table[table["scenario"] == "plain"].set_index(["replication", "week"])[COLUMN_NAMES]
    reform = table[table["scenario"] == "reform"].set_index(["replication", "week"])[COLUMN_NAMES]
    before = plain.index.get_level_values("week") < CHANGE_WEEK
    pd.testing.assert_frame_equal(plain[before], reform[before])
    assert not plain[~before].equals(reform[~before]), "the change acts from its week on"


def test_a_comparison_report_marks_and_lists_each_scenarios_schedule(table: pd.DataFrame):
    from cocreate_sim.params import resolve
    from cocreate_sim.reports import render_compare
    from cocreate_sim.statistics import paired_differences, summarize

    params = {"plain": resolve(SMALL), "reform": resolve(SMALL)}
    diffs = paired_differences(table, "plain")
    page = render_compare(["plain", "reform"], {}, params, table, summarize(table), diffs, {}, {"reform": REFORM})
    assert "<h2>Lever schedules</h2>" in page and "<th>Scenario</th><th>From week</th>" in page
    assert page.count(f'"hovertext":"week {CHANGE_WEEK}, reform: leader_dialogue 0.1 \\u2192 0.8') == 6


def test_a_results_folder_reproduces_the_schedule_and_its_report_marks_it(parent: Path, tmp_path: Path):
    from cocreate_sim.published import rebuild_report
    from cocreate_sim.publishing import compare_scenarios, run_scenario

    path = scheduled(parent.parent, f"  - week: {CHANGE_WEEK}\n    params:\n      leader_dialogue: 0.8\n")
    scenario = load_scenario(path)
    folder, _ = run_scenario(scenario, tmp_path / "results", processes=1, progress=False)
    assert load_scenario(folder / "scenario.yaml").schedule == scenario.schedule
    (folder / "report.html").unlink()
    page = rebuild_report(folder).read_text(encoding="utf-8")
    assert "<h2>Lever schedule</h2>" in page
    assert f"From week {CHANGE_WEEK} on: leader_dialogue 0.1 → 0.8" in page
    marker = f'"hovertext":"week {CHANGE_WEEK}: leader_dialogue 0.1 \\u2192 0.8"'
    assert page.count(marker) == 6, "every figure over time marks the week"
    assert page.count('"dash":"dash"') >= 6
    assert "compare scenarios/npm_baseline.yaml" in page, "a schedule alone makes a scenario worth comparing"
    with pytest.raises(UserError, match=r"week 12, beyond the comparison's horizon of 10 weeks; give --steps 12"):
        compare_scenarios([load_scenario(parent), scenario], 10, 2, 1, tmp_path / "results", 1, progress=False)

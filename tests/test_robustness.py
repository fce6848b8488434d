"""The robustness check (`run.py robustness`), the constants listing and docs/lever_effects.py.

Most tests replace the model by a small deterministic stand-in (``robustness.final_outcomes``), so they check
the planning, pairing, table and publishing in a second; a few run the real model on a tiny scenario.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cocreate_sim import cli, robustness
from cocreate_sim.constants import BEHAVIOURAL, CONSTANTS
from cocreate_sim.params import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ["constant", "kind", "change", "outcome", "baseline", "value", "diff", "ci_low", "ci_high", "tolerance"]
TWO = [n for n in BEHAVIOURAL if not CONSTANTS[n].integer][:2]
"""Two behavioural constants that are not whole numbers: both changes run."""


def result_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A tiny scenario extending the baseline: 20 weeks, 200 citizen agents, 4,000 inhabitants."""
    shutil.copy(ROOT / "scenarios" / "npm_baseline.yaml", tmp_path / "npm_baseline.yaml")
    path = tmp_path / "tiny.yaml"
    doc = {"extends": "npm_baseline.yaml", "horizon": 20, "replications": 2, "params": {}}
    doc["params"] = {"n_citizens": 200, "population": 4000}
    path.write_text(yaml.safe_dump(doc))
    return path


def fake_outcomes(task):
    """A stand-in for the model: noisy by seed, shifted by how far each constant moved (deterministic)."""
    steps, seed, params, constants, schedule = task
    shift = sum(value / CONSTANTS[name].value - 1 for name, value in (constants or {}).items())
    noise = np.random.default_rng(seed).random(5)
    return {
        "uptake": 0.3 + 0.2 * noise[0] + 0.01 * shift,
        "inclusion_ratio": 0.6 + 0.3 * noise[1] + 0.5 * shift,
        "trust_mean": 0.5 + 0.1 * noise[2],
        "legitimacy": 0.5 + 0.1 * noise[3] - 0.2 * shift,
        "backlog": 1000 * noise[4] + 2000 * shift,
        "complaints": 3.0,
    }


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(robustness, "final_outcomes", fake_outcomes)


# ---------------------------------------------------------------- planning
def test_changes_are_twenty_percent_and_whole_numbers_round_or_are_skipped():
    for name in BEHAVIOURAL:
        declared = CONSTANTS[name].value
        for change in robustness.CHANGES:
            got = robustness.changed_value(name, change)
            if not CONSTANTS[name].integer:
                assert got == pytest.approx(declared * (1 + change), rel=1e-9)
                continue
            rounded = math.floor(declared * (1 + change) + 0.5)
            assert got == (None if rounded == declared else rounded)
            assert got is None or isinstance(got, int)
    variants, notes = robustness.plan_variants()
    assert variants[0] == robustness.BASELINE
    skipped = {n for n in BEHAVIOURAL for c in robustness.CHANGES if robustness.changed_value(n, c) is None}
    assert len(variants) == 1 + 2 * len(BEHAVIOURAL) - sum(
        robustness.changed_value(n, c) is None for n in skipped for c in robustness.CHANGES
    )
    for name in skipped:
        assert any(name in text and "rounding leaves it unchanged" in text for text in notes)


def test_backlog_tolerance_is_one_week_of_the_operations_department():
    tols = robustness.tolerances({"workers_per_department": 12})
    assert tols["backlog"] == 12 * CONSTANTS["hours_per_week"].value
    assert tols["uptake"] == 0.03 and tols["inclusion_ratio"] == 0.05
    assert tols["trust_mean"] == 0.03 and tols["legitimacy"] == 0.03


def test_an_unknown_constant_is_named_with_a_suggestion():
    misspelt = TWO[0][:-1]
    with pytest.raises(robustness.UserError, match=f"Did you mean '{TWO[0]}'"):
        robustness.parse_constant_names(f"{misspelt}, {TWO[1]}")
    assert robustness.parse_constant_names(f" {TWO[0]},{TWO[1]},{TWO[0]} ") == TWO


def test_the_table_pairs_runs_by_seed():
    """Paired: a constant shift of 0.01 on every seed gives diff 0.01 and a zero-width interval, however noisy."""
    seeds = [1, 2, 3, 4]
    noise = {1: 0.1, 2: 0.9, 3: 0.4, 4: 0.7}
    rows = []
    for name, change, shift in (("", 0.0, 0.0), (TWO[0], -0.2, 0.01)):
        for seed in seeds:
            row = {"constant": name, "change": change, "constant_value": 1.0, "seed": seed}
            row.update({o: noise[seed] + shift for o in robustness.OUTCOMES})
            rows.append(row)
    table = robustness.robustness_table(pd.DataFrame(rows), robustness.tolerances({"workers_per_department": 12}))
    assert list(table.columns[: len(REQUIRED)]) == REQUIRED
    assert len(table) == len(robustness.OUTCOMES)
    assert table["diff"].to_numpy() == pytest.approx(0.01)
    assert table["ci_low"].to_numpy() == pytest.approx(0.01) and table["ci_high"].to_numpy() == pytest.approx(0.01)
    assert table["baseline"].to_numpy() == pytest.approx(np.mean(list(noise.values())))
    assert table["within"].all()


# ------------------------------------------------------- the command (stand-in model)
def test_robustness_writes_a_paired_table_with_provenance(fake_model, tiny, tmp_path, capsys):
    out = tmp_path / "results"
    args = ["robustness", str(tiny), "--constants", ",".join(TWO), "--replications", "3", "--workers", "1"]
    code = cli.main([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (folder,) = result_folders(out)
    assert folder.name.startswith("robustness-tiny-")
    table = pd.read_csv(folder / "robustness.csv")
    assert list(table.columns[: len(REQUIRED)]) == REQUIRED
    assert len(table) == len(TWO) * 2 * len(robustness.OUTCOMES)
    assert set(table["change"]) == {-0.2, 0.2} and set(table["constant"]) == set(TWO)
    assert set(table["kind"]) == {"behavioural"}
    assert table.loc[table["outcome"] == "backlog", "tolerance"].eq(12 * 37.0).all()
    runs = pd.read_csv(folder / "runs.csv", keep_default_na=False)
    assert len(runs) == (1 + 2 * len(TWO)) * 3 and sorted(set(runs["seed"])) == [1, 2, 3]
    base = runs[runs["constant"] == ""].set_index("seed")
    for row in table.itertuples():
        arm = runs[(runs["constant"] == row.constant) & (runs["change"] == row.change)].set_index("seed")
        per_seed = arm[row.outcome] - base.loc[arm.index, row.outcome]
        assert row.diff == pytest.approx(per_seed.mean())
        assert row.baseline == pytest.approx(base[row.outcome].mean())
        assert row.value == pytest.approx(arm[row.outcome].mean())
        assert row.within == (abs(row.diff) <= row.tolerance)
    saved = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert saved["horizon"] == 20 and saved["replications"] == 3
    assert saved["provenance"]["package"] == "cocreate_sim" and "git_commit" in saved["provenance"]
    assert saved["provenance"]["robustness"]["constants"] == sorted(TWO)
    assert (folder / "checksums.json").is_file()
    within = int(table["within"].sum())
    assert f"{within} of {len(table)} (constant, change, outcome) rows have |diff| within tolerance" in captured.out
    assert "Outside tolerance" in captured.out and "Traceback" not in captured.err


def test_replications_default_to_twenty_paired_seeds(fake_model, tiny, tmp_path, capsys):
    out = tmp_path / "results"
    code = cli.main(["robustness", str(tiny), "--constants", TWO[0], "--workers", "1", "--quiet", "--out", str(out)])
    assert code == 0
    (folder,) = result_folders(out)
    assert capsys.readouterr().out.strip().endswith(folder.name)
    runs = pd.read_csv(folder / "runs.csv", keep_default_na=False)
    assert sorted(set(runs["seed"])) == list(range(1, 21))


def test_every_run_follows_the_scenarios_schedule(monkeypatch, tiny, tmp_path):
    scheduled = tiny.with_name("scheduled.yaml")
    doc = {"extends": "tiny.yaml", "schedule": [{"week": 10, "params": {"leader_dialogue": 0.8}}]}
    scheduled.write_text(yaml.safe_dump(doc))
    seen = []

    def recording(task):
        seen.append(task[4])
        return fake_outcomes(task)

    monkeypatch.setattr(robustness, "final_outcomes", recording)
    args = ["robustness", str(scheduled), "--constants", TWO[0], "--replications", "2", "--workers", "1"]
    assert cli.main([*args, "--quiet", "--out", str(tmp_path / "results")]) == 0
    assert len(seen) == 3 * 2 and all(tuple(s) == ((10, {"leader_dialogue": 0.8}),) for s in seen)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--constants", "practise_rate"], "unknown constant 'practise_rate'"),
        (["--constants", ","], "give one or more constant names"),
        (["--horizon", "999999"], "horizon"),
    ],
)
def test_bad_input_is_one_paragraph_and_exit_2(fake_model, tiny, tmp_path, capsys, args, expected):
    out = tmp_path / "results"
    code = cli.main(["robustness", str(tiny), *args, "--workers", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err
    assert not out.exists() or result_folders(out) == []


def test_a_missing_scenario_is_a_clean_error(tmp_path, capsys):
    code = cli.main(["robustness", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)])
    assert code == 2 and "error:" in capsys.readouterr().err


def test_ctrl_c_writes_nothing(monkeypatch, tiny, tmp_path, capsys):
    def interrupted(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(robustness, "final_outcomes", interrupted)
    out = tmp_path / "results"
    code = cli.main(["robustness", str(tiny), "--constants", TWO[0], "--workers", "1", "--out", str(out)])
    assert code == 130 and "no results folder was written" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_a_bug_in_a_run_names_the_run_and_exits_1(monkeypatch, tiny, tmp_path, capsys):
    def broken(task):
        return 1 / 0

    monkeypatch.setattr(robustness, "final_outcomes", broken)
    code = cli.main(["robustness", str(tiny), "--constants", TWO[0], "--workers", "1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and "ZeroDivisionError" in err and "seed 1" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["robustness", "constants"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0 and "usage:" in capsys.readouterr().out


def test_constants_lists_every_constant(capsys):
    assert cli.main(["constants", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.count("\n| `") == len(CONSTANTS)
    assert cli.main(["constants", "--format", "csv", "--kind", "behavioural"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 1 + len(BEHAVIOURAL)
    assert cli.main(["constants"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in CONSTANTS)


# ------------------------------------------------------- the real model, tiny
@pytest.mark.slow
def test_robustness_runs_the_real_model_the_same_on_one_or_two_workers(tiny, tmp_path):
    tables = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        done = subprocess.run(
            [sys.executable, str(ROOT / "run.py"), "robustness", str(tiny), "--constants", ",".join(TWO)]
            + ["--replications", "2", "--workers", workers, "--out", str(out)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert "within tolerance" in done.stdout
        (folder,) = result_folders(out)
        tables.append(pd.read_csv(folder / "robustness.csv"))
    assert len(tables[0]) == len(TWO) * 2 * len(robustness.OUTCOMES)
    pd.testing.assert_frame_equal(tables[0], tables[1])


# ------------------------------------------------------- docs/lever_effects.py
def _lever_effects():
    spec = importlib.util.spec_from_file_location("lever_effects", ROOT / "docs" / "lever_effects.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lever_effects_keeps_the_arms_valid():
    le = _lever_effects()
    base = {name: p.default for name, p in PARAMETERS.items()}
    params, used, note = le.arm("population", PARAMETERS["population"].low, base)
    assert params["n_citizens"] == params["population"] == used and "n_citizens" in note
    params, used, note = le.arm("weak_share", PARAMETERS["weak_share"].high, base)
    assert used == pytest.approx(1 - base["strong_share"]) and "may not exceed 1" in note
    assert "n_citizens" not in le.choose_levers(None) and "population" in le.choose_levers(None)
    with pytest.raises(robustness.UserError, match="resolution"):
        le.choose_levers("n_citizens")
    assert le.relevant_size("uptake", [0.5, 0.1, 0.9]) == 0.02
    assert le.relevant_size("inclusion_ratio", [0.3, 0.1, 0.9]) == 0.05
    assert le.relevant_size("backlog", [0.0, -100.0, 50.0]) == pytest.approx(5.0)


def test_lever_effects_smoke(tmp_path, capsys):
    le = _lever_effects()
    out = tmp_path / "lever_effects.csv"
    argv = ["--levers", "leader_dialogue,zero_error_culture", "--replications", "2", "--horizon", "10"]
    argv += ["--workers", "1", "--quiet", "--set", "n_citizens=200", "--set", "population=4000", "--out", str(out)]
    assert le.main(argv) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out)
    assert list(table.columns) == list(le.CSV_COLUMNS)
    assert set(table["lever"]) == {"leader_dialogue", "zero_error_culture"}
    assert set(table["outcome"]) <= set(le.HEADLINE) and "uptake" in set(table["outcome"])
    assert (table["n"] == 2).all()
    assert printed.count("\n| `") == 2 and "| Lever |" in printed

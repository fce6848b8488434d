"""The command line end to end, as a planner uses it: `python run.py ...` in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cocreate_sim import cli
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.params import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--steps", "8", "--set", "n_citizens=200"]


def run_py(*args: str, cwd: Path = ROOT, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def result_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture
def planner(tmp_path: Path) -> Path:
    """A planner's working folder: a copy of the shipped scenarios."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


# ------------------------------------------------------------------- help
@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["validate"], ["params"], ["patterns"]])
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and "Traceback" not in out


def test_top_level_help_lists_the_commands():
    result = run_py("--help")
    assert result.returncode == 0
    for command in ("compare", "validate", "params", "patterns"):
        assert command in result.stdout


def test_no_arguments_prints_help_and_fails():
    result = run_py()
    assert result.returncode == 2 and "usage:" in result.stderr


def test_mistyped_command_gets_a_suggestion():
    result = run_py("comapre", "a.yaml", "b.yaml")
    assert result.returncode == 2
    assert "Did you mean 'compare'?" in result.stderr and "Traceback" not in result.stderr


# -------------------------------------------------------------------- run
def test_run_writes_a_complete_results_folder(planner: Path):
    result = run_py(
        "scenarios/drop_zero_error_culture.yaml",
        *FAST,
        "--replications",
        "2",
        "--seed",
        "5",
        "--out",
        "out",
        cwd=planner,
    )
    assert result.returncode == 0, result.stderr
    (folder,) = result_folders(planner / "out")
    assert folder.name.startswith("drop_zero_error_culture-")
    assert str(folder.relative_to(planner)) in result.stdout
    assert "Workers co-creating (uptake)" in result.stdout  # the short summary table
    assert sorted(p.name for p in folder.iterdir()) == [
        "report.html",
        "scenario.yaml",
        "summary.csv",
        "timeseries.parquet",
    ]
    series = pd.read_parquet(folder / "timeseries.parquet")
    assert list(series.columns) == ["replication", "seed", "week", *COLUMN_NAMES]
    assert len(series) == 2 * 9 and sorted(series["seed"].unique()) == [5, 6]
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary["outcome"]) == set(COLUMN_NAMES)
    assert {"mean", "ci95_low", "ci95_high"} <= set(summary.columns)
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert resolved["params"]["zero_error_culture"] == 0.2 and resolved["params"]["n_citizens"] == 200
    assert resolved["horizon"] == 8 and resolved["seed"] == 5
    assert resolved["provenance"]["git_commit"] and resolved["provenance"]["package_version"]
    # the resolved scenario runs again, unchanged
    again = run_py(str(folder / "scenario.yaml"), "--quiet", "--out", "out", cwd=planner)
    assert again.returncode == 0, again.stderr
    second = Path(planner / again.stdout.strip())
    pd.testing.assert_frame_equal(series, pd.read_parquet(second / "timeseries.parquet"))


def test_run_never_overwrites(planner: Path):
    for _ in range(2):
        result = run_py(
            "scenarios/maintenance_pool.yaml", *FAST, "--replications", "1", "--quiet", "--out", "o", cwd=planner
        )
        assert result.returncode == 0, result.stderr
    assert len(result_folders(planner / "o")) == 2


def test_run_with_a_set_typo_fails_cleanly(planner: Path):
    result = run_py("scenarios/npm_baseline.yaml", "--set", "zero_eror_culture=0.2", "--out", "o", cwd=planner)
    assert result.returncode == 2
    assert "Did you mean 'zero_error_culture'?" in result.stderr and "Traceback" not in result.stderr
    assert not (planner / "o").exists() or result_folders(planner / "o") == []


# ---------------------------------------------------------------- compare
def test_compare_uses_common_seeds_and_reports_differences(planner: Path):
    result = run_py(
        "compare",
        "scenarios/npm_baseline.yaml",
        "scenarios/extra_bottom_line.yaml",
        *FAST,
        "--replications",
        "3",
        "--out",
        "out",
        cwd=planner,
    )
    assert result.returncode == 0, result.stderr
    (folder,) = result_folders(planner / "out")
    assert folder.name.startswith("compare-npm_baseline-vs-extra_bottom_line-")
    assert {p.name for p in folder.iterdir()} >= {"report.html", "summary.csv", "differences.csv", "timeseries.parquet"}
    series = pd.read_parquet(folder / "timeseries.parquet")
    seeds = series.groupby("scenario")["seed"].apply(lambda s: sorted(s.unique()))
    assert seeds["npm_baseline"] == seeds["extra_bottom_line"] == [1, 2, 3]
    diffs = pd.read_csv(folder / "differences.csv")
    assert set(diffs["scenario"]) == {"extra_bottom_line"} and set(diffs["reference"]) == {"npm_baseline"}
    assert "difference [95% CI]" in result.stdout


def test_compare_needs_two_files(planner: Path):
    result = run_py("compare", "scenarios/npm_baseline.yaml", cwd=planner)
    assert result.returncode == 2 and "at least two" in result.stderr


# --------------------------------------------------------------- validate
def test_validate_typo_names_file_line_and_suggestion(planner: Path):
    mine = planner / "scenarios" / "my_idea.yaml"
    mine.write_text("extends: npm_baseline.yaml\nparams:\n  zero_error_culture: 0.3\n  leader_dialouge: 0.5\n")
    result = run_py("validate", "scenarios/my_idea.yaml", "scenarios/npm_baseline.yaml", cwd=planner)
    assert result.returncode == 2
    assert "scenarios/my_idea.yaml, line 4" in result.stderr
    assert "params.leader_dialouge" in result.stderr and "Did you mean 'leader_dialogue'?" in result.stderr
    assert "Traceback" not in result.stderr
    assert "OK   scenarios/npm_baseline.yaml" in result.stdout


def test_validate_all_shipped_scenarios(planner: Path):
    result = run_py("validate", cwd=planner)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("OK   ") == len(list((ROOT / "scenarios").glob("*.yaml")))


def test_missing_scenario_file_is_a_clean_error(planner: Path):
    result = run_py("scenarios/npm_baselne.yaml", cwd=planner)
    assert result.returncode == 2
    assert "no such file" in result.stderr and "npm_baseline.yaml'?" in result.stderr
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------- params
def test_params_lists_every_parameter_from_the_declaration():
    result = run_py("params")
    assert result.returncode == 0
    for name, p in PARAMETERS.items():
        assert name in result.stdout
        assert p.unit in result.stdout
    markdown = run_py("params", "--format", "markdown")
    assert markdown.stdout.count("\n| `") == len(PARAMETERS)


# ------------------------------------------------------------ interruption
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_leaves_no_results_folder(planner: Path, sig, code):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "scenarios/npm_baseline.yaml", "--steps", "5000", "--replications", "8"]
        + ["--out", "out"],
        cwd=planner,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    time.sleep(4)
    assert proc.poll() is None, "the run finished before it could be interrupted; make it longer"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole group, workers included
    else:
        proc.send_signal(sig)  # kill PID
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    out = planner / "out"
    assert not out.exists() or list(out.iterdir()) == []

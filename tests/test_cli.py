"""The command line end to end, as a planner uses it: `python3 run.py ...` in a subprocess."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cocreate_sim import cli, errors
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.params import PARAMETERS
from cocreate_sim.patterns import update_docs

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--point", "--steps", "8", "--set", "n_citizens=200"]


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
@pytest.mark.parametrize(
    "command", [[], ["run"], ["compare"], ["validate"], ["params"], ["patterns"], ["report"], ["new"]]
)
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and "Traceback" not in out


def test_top_level_help_lists_the_commands():
    result = run_py("--help")
    assert result.returncode == 0
    for command in ("compare", "validate", "params", "patterns", "report", "new"):
        assert command in result.stdout
    assert "python run.py" not in result.stdout and "python3 run.py" in result.stdout


def test_a_missing_extra_names_the_extra_to_install():
    message = errors.missing_extra(ModuleNotFoundError("No module named 'distributed'", name="distributed"))
    assert "python3 -m pip install -e '.[sweep]'" in message
    assert "'.[app]'" in errors.missing_extra(ModuleNotFoundError(name="dash.dcc"))
    assert "'.[calibrate]'" in errors.missing_extra(ModuleNotFoundError(name="pyabc"))
    assert errors.missing_extra(ModuleNotFoundError(name="numpy")) is None


def test_a_command_whose_extra_is_missing_says_which_to_install(tmp_path, monkeypatch, capsys):
    (tmp_path / "feature_without_extra.py").write_text("import not_installed_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(errors.EXTRAS, "not_installed_dependency_xyz", "sweep")
    monkeypatch.setattr(cli, "FEATURES", (("feature_without_extra", ("fancy",)),))
    assert cli.main(["fancy", "sweep.yaml", "--workers", "3"]) == 2
    err = capsys.readouterr().err
    assert "python3 -m pip install -e '.[sweep]'" in err and err.count("\n") == 1


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
        "--point",
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
        "checksums.json",
        "report.html",
        "scenario.yaml",
        "summary.csv",
        "timeseries.parquet",
    ]
    assert sorted(p.name for p in (planner / "out").iterdir()) == [folder.name], "no checkpoint or temporary left"
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
    again = run_py(str(folder / "scenario.yaml"), "--point", "--quiet", "--out", "out", cwd=planner)
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


# ----------------------------------------------------------------- report
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _same_report(a: Path, b: Path) -> bool:
    """Equal but for plotly's random figure ids (the timestamp comes from the folder's provenance)."""
    return UUID.sub("ID", a.read_text()) == UUID.sub("ID", b.read_text())


@pytest.mark.slow
def test_report_rebuilds_the_report_of_a_run_and_of_a_comparison(planner: Path):
    run = run_py("scenarios/maintenance_pool.yaml", *FAST, "--replications", "2", "--quiet", "--out", "o", cwd=planner)
    assert run.returncode == 0, run.stderr
    compare = run_py(
        "compare",
        "scenarios/npm_baseline.yaml",
        "scenarios/maintenance_pool.yaml",
        *FAST,
        "--point",
        "--replications",
        "2",
        "--quiet",
        "--out",
        "o",
        cwd=planner,
    )
    assert compare.returncode == 0, compare.stderr
    for folder in (planner / run.stdout.strip(), planner / compare.stdout.strip()):
        original = planner / f"{folder.name}.html"
        shutil.copy(folder / "report.html", original)
        rebuilt = run_py("report", str(folder), cwd=planner)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "report.html" in rebuilt.stdout
        assert _same_report(original, folder / "report.html")
        assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []  # no temporary left
    elsewhere = run_py("report", run.stdout.strip(), "--out", "copy/report.html", cwd=planner)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert _same_report(planner / "copy" / "report.html", planner / run.stdout.strip() / "report.html")


def test_report_of_a_bad_folder_is_one_clean_paragraph(planner: Path):
    run = run_py("scenarios/maintenance_pool.yaml", *FAST, "--replications", "1", "--quiet", "--out", "o", cwd=planner)
    assert run.returncode == 0, run.stderr
    good = planner / run.stdout.strip()

    def damaged(name: str, change) -> Path:
        folder = planner / name
        shutil.copytree(good, folder)
        change(folder)
        return folder

    cases = {
        "no_such_folder": (planner / "missing", "no such folder"),
        "not_results": (planner / "scenarios", "not a results folder"),
        "bad_parquet": (damaged("p", lambda f: (f / "timeseries.parquet").write_text("x")), "timeseries.parquet"),
        "no_summary": (damaged("s", lambda f: (f / "summary.csv").unlink()), "summary.csv: the file is missing"),
        "bad_summary": (damaged("c", lambda f: (f / "summary.csv").write_text("a,b\n1,2\n")), "summary.csv"),
        "bad_yaml": (damaged("y", lambda f: (f / "scenario.yaml").write_text("name: [\n")), "scenario.yaml"),
    }
    for case, (folder, expected) in cases.items():
        result = run_py("report", str(folder.relative_to(planner)), cwd=planner)
        assert result.returncode == 2, case
        assert expected in result.stderr, (case, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, (case, result.stderr)
    assert (good / "report.html").stat().st_size > 0


# ------------------------------------------------------------------- new
def test_new_writes_a_scenario_to_my_scenarios_and_says_what_next(planner: Path):
    result = run_py("new", "my_idea", "--from", "drop_zero_error_culture", cwd=planner)
    assert result.returncode == 0, result.stderr
    assert (planner / "my_scenarios" / "my_idea.yaml").is_file()
    assert "my_scenarios/my_idea.yaml" in result.stdout
    assert "python3 run.py validate my_scenarios/my_idea.yaml" in result.stdout
    again = run_py("new", "my_idea", cwd=planner)
    assert again.returncode == 2 and "Traceback" not in again.stderr


# --------------------------------------------------------------- patterns
def _tree_digest(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_patterns_publish_a_results_folder_and_leave_docs_alone(tmp_path: Path):
    before = _tree_digest(ROOT / "docs")
    result = run_py(
        "patterns",
        "--replications",
        "2",
        "--steps",
        "3",
        "--processes",
        "1",
        "--out",
        "out",
        "--quiet",
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: a pattern not confirmed (3 weeks is too short)
    assert "Traceback" not in result.stderr
    (folder,) = result_folders(tmp_path / "out")
    assert folder.name.startswith("patterns-")
    assert {p.name for p in folder.iterdir()} == {"validation.md", "effects.csv", "img", "checksums.json"}
    assert len(list((folder / "img").glob("pattern_*.png"))) == 6
    text = (folder / "validation.md").read_text()
    assert "python3 run.py patterns --replications 2 --steps 3 --update-docs" in text
    assert _tree_digest(ROOT / "docs") == before, "docs/ changes only with --update-docs"
    assert not (tmp_path / "docs").exists()
    # what --update-docs copies: the text and its figures, nothing else
    docs = tmp_path / "docs"
    docs.mkdir()
    update_docs([folder / "validation.md", *(folder / "img").glob("*.png")], folder, docs)
    assert (docs / "validation.md").read_text() == text
    assert len(list((docs / "img").glob("pattern_*.png"))) == 6 and not (docs / "effects.csv").exists()


def test_patterns_on_another_seed_block_say_so_and_never_write_docs(tmp_path: Path, capsys):
    from cocreate_sim import cli
    from cocreate_sim.patterns import _command

    argv = ["patterns", "--base-seed", "6000000", "--update-docs", "--replications", "2", "--out", str(tmp_path)]
    assert cli.main(argv) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "--update-docs writes the documented seed block (50,000+)" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir()), "refused before anything was written"
    assert _command(2, 3, 6_000_000) == "python3 run.py patterns --replications 2 --steps 3 --base-seed 6000000"
    assert _command(20, None) == "python3 run.py patterns --update-docs"
    assert _command(20, None, 50_000) == "python3 run.py patterns --update-docs", "the documented block may be named"


# ---------------------------------------------------------------- compare
def test_compare_uses_common_seeds_and_reports_differences(planner: Path):
    result = run_py(
        "compare",
        "scenarios/npm_baseline.yaml",
        "scenarios/extra_bottom_line.yaml",
        *FAST,
        "--point",
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
    assert "difference [95%]" in result.stdout and "P(extra_bottom_line better) (good)" in result.stdout
    assert "95% confidence interval over 3 replications of the point model" in result.stdout


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
WAIT_SECONDS = 300
"""Longest wait for a condition in a subprocess test (a loaded 2-core machine is slow, never this slow)."""
POLL_SECONDS = 0.05
"""Pause between two looks at a condition while waiting for it."""


def wait_for(condition, what: str, proc: subprocess.Popen) -> None:
    """Poll ``condition()`` until it holds; fail if ``proc`` ends first or after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the run ended (status {proc.returncode}) before {what}; make it longer")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(POLL_SECONDS)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_leaves_no_results_folder(planner: Path, sig, code):
    out = planner / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "run.py"),
            "scenarios/npm_baseline.yaml",
            "--steps",
            "300",
            "--point",
            "--replications",
        ]
        + ["40", "--set", "n_citizens=200", "--workers", "2", "--out", "out"],
        cwd=planner,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # a few kilobytes of progress bar: the pipe never fills
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        # Deterministic: once a replication is kept, the workers run and both handlers are installed.
        wait_for(lambda: any(out.glob(".checkpoint-*/rep-*.parquet")), "a replication was kept", proc)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole group, workers included
        else:
            proc.send_signal(sig)  # kill PID
        _, err = proc.communicate(timeout=WAIT_SECONDS)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "no results folder was written" in err
    assert "replications finished and are kept" in err and "--resume" in err
    assert result_folders(out) == [], "no results folder"
    assert not any(p.name.startswith(".partial-") for p in out.iterdir()), "no half-written folder"
    assert list(out.glob(".checkpoint-*/rep-*.parquet")), "finished replications are kept for --resume"


def test_a_bug_inside_a_task_is_one_paragraph_and_exit_1(tmp_path, monkeypatch, capsys):
    from cocreate_sim import runner

    def broken(*args, **kwargs):
        return 1 / 0

    monkeypatch.setattr(runner, "run_timeseries", broken)
    scenario = str(ROOT / "scenarios" / "npm_baseline.yaml")
    code = cli.main(
        ["run", scenario, "--point", "--replications", "2", "--steps", "2", "--workers", "1", "--out", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 1 and "ZeroDivisionError" in err and "replication" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir()), "a failed run publishes nothing"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "x" * 5000 + ".yaml"],
        ["run", "scenarios/npm_baseline.yaml", "--replications", "9" * 5000],
        ["run", "scenarios/npm_baseline.yaml", "--seed", "-" + "1" * 400],
    ],
)
def test_huge_arguments_are_refused_briefly(args, capsys):
    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse refuses an option's value itself
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert len(err) < 1500 and "9" * 200 not in err and "1" * 200 not in err and "x" * 400 not in err


@pytest.mark.parametrize(("args", "code"), [(["params"], 0), (["validate", "no_such_file.yaml"], 2)])
def test_the_entry_point_runs_exit_hooks_and_keeps_the_status(args, code):
    """run_and_exit skips only the native teardown (pyarrow aborts there at times): hooks run, status kept."""
    script = (
        "import atexit, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
        "atexit.register(lambda: print('exit hook ran', flush=True))\n"
        "from cocreate_sim.cli import run_and_exit\n"
        f"run_and_exit({args!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == code and "exit hook ran" in done.stdout

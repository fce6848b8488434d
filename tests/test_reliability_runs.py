"""Runs that must not lose work or write where they should not (issue 12, points 5 to 8 and 11).

Killed runs keep their finished replications and resume with only the missing
ones; results folders carry checksums and every reader verifies them; --out
is checked before anything runs; clean-up removes only what its own process
created; SIGTERM during start-up ends with 143. Subprocess tests wait for a
condition (a file appearing), never for a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim import cli, runner
from cocreate_sim.checkpoints import CHECKPOINT_PREFIX
from cocreate_sim.publishing import PARTIAL_PREFIX

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "npm_baseline.yaml")
OTHER = str(ROOT / "scenarios" / "maintenance_pool.yaml")
TINY = ["--point", "--steps", "3", "--set", "n_citizens=150", "--workers", "1", "--quiet"]
"""A run of a few hundred milliseconds in this process."""
WAIT_SECONDS = 300
"""Longest wait for a condition in a subprocess test (a loaded 2-core machine is slow, never this slow)."""
POLL_SECONDS = 0.05
"""Pause between two looks at a condition while waiting for it."""


def wait_for(condition, what: str, proc: subprocess.Popen | None = None):
    """Poll ``condition()`` until it is truthy and return its value; fail after WAIT_SECONDS or if ``proc`` ends."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process ended (status {proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(POLL_SECONDS)
    pytest.fail(f"timed out waiting for {what}")


def kept_files(out: Path) -> list[Path]:
    return sorted(out.glob(f"{CHECKPOINT_PREFIX}*/rep-*.parquet"))


def results(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def main(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def interrupt_after(monkeypatch, calls: int) -> None:
    """Make the ``calls``-th model run in this process raise KeyboardInterrupt (Ctrl-C after calls - 1 finished)."""
    real = runner.run_timeseries
    count = {"n": 0}

    def run_timeseries(*args, **kwargs):
        count["n"] += 1
        if count["n"] == calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_timeseries", run_timeseries)


def no_simulation(monkeypatch) -> None:
    def started(*args, **kwargs):
        raise AssertionError("the simulation started")

    monkeypatch.setattr(runner, "run_timeseries", started)


# ------------------------------------------------------------------ 7: resume
@pytest.mark.slow
def test_a_killed_run_resumes_with_only_the_missing_replications(tmp_path: Path):
    command = [sys.executable, str(ROOT / "run.py"), BASELINE, "--steps", "150", "--set", "n_citizens=200"]
    command += ["--point", "--replications", "8", "--seed", "3", "--workers", "1", "--quiet"]
    out, clean = tmp_path / "out", tmp_path / "clean"
    proc = subprocess.Popen([*command, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(kept_files(out)) >= 2, "two replications were kept", proc)
        assert proc.poll() is None, "the run ended before it could be killed; make it longer"
        proc.kill()  # SIGKILL: no clean-up at all
    finally:
        proc.kill()
        proc.communicate(timeout=WAIT_SECONDS)
    kept = len(kept_files(out))
    assert 2 <= kept < 8 and results(out) == []

    resumed = subprocess.run([*command, "--out", str(out), "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"reusing {kept} of 8 replications" in resumed.stderr and f"other {8 - kept}" in resumed.stderr
    fresh = subprocess.run([*command, "--out", str(clean)], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    (a,), (b,) = results(out), results(clean)
    pd.testing.assert_frame_equal(pd.read_parquet(a / "timeseries.parquet"), pd.read_parquet(b / "timeseries.parquet"))
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [a.name], "the checkpoint is removed once published"


def test_an_interrupted_comparison_resumes_and_equals_a_clean_one(tmp_path: Path, monkeypatch, capsys):
    args = ["compare", BASELINE, OTHER, *TINY, "--replications", "3"]
    interrupt_after(monkeypatch, 5)  # 4 of the 6 replications finish
    code, _, err = main(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 130 and "kept: 4 of 6 replications" in err and "--resume" in err
    assert len(kept_files(tmp_path / "out")) == 4 and results(tmp_path / "out") == []
    monkeypatch.undo()

    code, printed, err = main(capsys, *args, "--out", str(tmp_path / "out"), "--resume")
    assert code == 0, err
    assert "reusing 4 of 6 replications" in err and "running the other 2" in err
    code, clean, _ = main(capsys, *args, "--out", str(tmp_path / "clean"))
    assert code == 0
    resumed, fresh = Path(printed.strip()), Path(clean.strip())
    for name in ("timeseries.parquet",):
        pd.testing.assert_frame_equal(pd.read_parquet(resumed / name), pd.read_parquet(fresh / name))
    for name in ("summary.csv", "differences.csv"):
        assert (resumed / name).read_bytes() == (fresh / name).read_bytes()
    assert not list((tmp_path / "out").glob(f"{CHECKPOINT_PREFIX}*"))


def test_resume_never_mixes_in_replications_of_other_settings(tmp_path: Path, monkeypatch, capsys):
    out = str(tmp_path / "out")
    interrupt_after(monkeypatch, 3)
    assert main(capsys, BASELINE, *TINY, "--replications", "4", "--out", out)[0] == 130
    monkeypatch.undo()
    before = {p.name: p.read_bytes() for p in kept_files(tmp_path / "out")}
    assert len(before) == 2

    code, _, err = main(capsys, BASELINE, *TINY, "--replications", "4", "--seed", "9", "--out", out, "--resume")
    assert code == 0, err
    assert "running all 4" in err and "never mixed in" in err
    assert {p.name: p.read_bytes() for p in kept_files(tmp_path / "out")} == before, "the other checkpoint is kept"


def test_a_run_without_resume_starts_afresh_and_says_what_is_kept(tmp_path: Path, monkeypatch, capsys):
    out = str(tmp_path / "out")
    interrupt_after(monkeypatch, 2)
    assert main(capsys, BASELINE, *TINY, "--replications", "3", "--out", out)[0] == 130
    monkeypatch.undo()
    code, _, err = main(capsys, BASELINE, *TINY, "--replications", "3", "--out", out)
    assert code == 0 and "holds 1 replication(s) of this same command" in err and "--resume" in err
    assert not list((tmp_path / "out").glob(f"{CHECKPOINT_PREFIX}*"))


# ------------------------------------------------------------- 8: verified reads
def test_resume_names_a_damaged_kept_replication(tmp_path: Path, monkeypatch, capsys):
    out = str(tmp_path / "out")
    interrupt_after(monkeypatch, 3)
    assert main(capsys, BASELINE, *TINY, "--replications", "4", "--out", out)[0] == 130
    monkeypatch.undo()
    damaged = kept_files(tmp_path / "out")[1]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    damaged.write_bytes(bytes(data))

    code, _, err = main(capsys, BASELINE, *TINY, "--replications", "4", "--out", out, "--resume")
    assert code == 2 and damaged.name in err and "damaged" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert results(tmp_path / "out") == []


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A small published run folder (copy it before changing it)."""
    out = tmp_path_factory.mktemp("published")
    assert cli.main([BASELINE, *TINY, "--replications", "2", "--out", str(out)]) == 0
    (folder,) = results(out)
    return folder


def test_results_folders_carry_checksums_of_their_files(run_folder: Path):
    record = json.loads((run_folder / "checksums.json").read_text())
    assert record["algorithm"] == "sha256"
    assert sorted(record["files"]) == ["scenario.yaml", "summary.csv", "timeseries.parquet"]


def test_report_names_a_file_changed_since_the_run(run_folder: Path, tmp_path: Path, capsys):
    folder = tmp_path / "changed"
    shutil.copytree(run_folder, folder)
    summary = pd.read_csv(folder / "summary.csv")
    summary.loc[0, "mean"] += 0.5  # still a valid file: only the checksum tells
    summary.to_csv(folder / "summary.csv", index=False)
    code, _, err = main(capsys, "report", str(folder))
    assert code == 2 and "summary.csv" in err and "checksum" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_report_of_a_folder_written_before_checksums_works_with_a_note(run_folder: Path, tmp_path: Path, capsys):
    folder = tmp_path / "old"
    shutil.copytree(run_folder, folder)
    (folder / "checksums.json").unlink()
    code, _, err = main(capsys, "report", str(folder))
    assert code == 0, err
    assert "note:" in err and "checksums.json" in err and "cannot be verified" in err


# ------------------------------------------------------------------ 5: --out
@pytest.mark.parametrize("out", ["/", "/etc", "/usr", "/usr/lib/results", "/proc/self"])
def test_out_in_a_system_folder_is_refused_before_anything_runs(out: str, monkeypatch, capsys):
    no_simulation(monkeypatch)
    code, _, err = main(capsys, BASELINE, *TINY, "--replications", "2", "--out", out)
    assert code == 2, err
    assert f"--out {out}" in err and "folder of your own" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_out_through_a_link_to_a_system_folder_is_refused(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "link").symlink_to("/etc")
    no_simulation(monkeypatch)
    code, _, err = main(capsys, BASELINE, *TINY, "--out", str(tmp_path / "link" / "results"))
    assert code == 2 and "system folder /etc" in err


def test_out_that_cannot_be_created_is_refused_before_anything_runs(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "a_file").write_text("x")
    no_simulation(monkeypatch)
    for out in (tmp_path / "a_file", tmp_path / "a_file" / "results"):
        code, _, err = main(capsys, "compare", BASELINE, OTHER, *TINY, "--out", str(out))
        assert code == 2, err
        assert "--out" in err and "a_file" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_out_that_is_not_writable_is_refused_before_anything_runs(tmp_path: Path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    no_simulation(monkeypatch)
    code, _, err = main(capsys, BASELINE, *TINY, "--out", str(locked))
    assert code == 2 and "cannot write" in err


# ------------------------------------------------------------- 6: clean-up
def test_a_scenario_named_like_a_temporary_folder_keeps_its_results(tmp_path: Path, capsys):
    scenario = tmp_path / f"{PARTIAL_PREFIX}999999999-x.yaml"  # the pid of no running process
    shutil.copy(ROOT / "scenarios" / "maintenance_pool.yaml", scenario)
    shutil.copy(ROOT / "scenarios" / "npm_baseline.yaml", tmp_path / "npm_baseline.yaml")
    out = tmp_path / "out"
    code, first, err = main(capsys, str(scenario), *TINY, "--replications", "1", "--out", str(out))
    assert code == 0, err
    code, second, err = main(capsys, str(scenario), *TINY, "--replications", "1", "--out", str(out))
    assert code == 0, err
    for printed in (first, second):
        folder = Path(printed.strip())
        assert folder.is_dir() and not folder.name.startswith("."), "a results folder is never hidden"
    assert len(results(out)) == 2


def test_a_run_removes_nothing_it_did_not_create(tmp_path: Path, capsys):
    out = tmp_path / "out"
    foreign = [out / f"{PARTIAL_PREFIX}999999999-old-abc", out / f"{CHECKPOINT_PREFIX}0123456789abcdef"]
    for folder in foreign:
        folder.mkdir(parents=True)
        (folder / "keep.txt").write_text("mine")
    code, _, err = main(capsys, BASELINE, *TINY, "--replications", "1", "--out", str(out))
    assert code == 0, err
    assert all((folder / "keep.txt").read_text() == "mine" for folder in foreign)


# ---------------------------------------------------------------- 11: signals
GATE = """
import importlib.abc, pathlib, runpy, sys, time
ready, run_py = pathlib.Path(sys.argv[1]), sys.argv[2]
class Gate(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "cocreate_sim.cli":  # run.py starts importing the command line: hold it there
            ready.touch()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(0.01)
        return None
sys.meta_path.insert(0, Gate())
sys.argv = [run_py, "params"]
runpy.run_path(run_py, run_name="__main__")
"""
"""Runs run.py as python3 would, but holds it while it imports the command line, and says so with a file."""


def test_sigterm_while_run_py_starts_ends_with_143(tmp_path: Path):
    ready = tmp_path / "importing"
    proc = subprocess.Popen(
        [sys.executable, "-c", GATE, str(ready), str(ROOT / "run.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(ready.exists, "run.py started importing the command line", proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=WAIT_SECONDS)
    finally:
        proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err

"""The sweep engine with real processes: Dask clusters, a killed main process, a killed worker.

Each test starts its own processes in a new session and ends them by process
group in a finalizer, with bounded timeouts, so no test leaves a process
behind or waits forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim.sweep import build_manifest, load_sweep, run_chunk, run_specs, run_sweep
from cocreate_sim.sweep.store import load_runs

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]

SMALL = """\
design: grid
vary:
  zero_error_culture: [0.2, 0.8]
  leader_dialogue: [0.1, 0.5, 0.9]
replications: 2
horizon: 20
seed: 21
params: {n_citizens: 200, n_departments: 3, workers_per_department: 4}
outcomes: [uptake, practice_mean, public_value]
"""

# 5 x 5 x 2 points x 2 replications = 100 runs of a mid-sized model: a few seconds of work on 2 cores.
LONGER = """\
design: grid
vary:
  zero_error_culture: [0.1, 0.3, 0.5, 0.7, 0.9]
  leader_dialogue: [0.1, 0.3, 0.5, 0.7, 0.9]
  discretion: [0.2, 0.6]
replications: 2
horizon: 52
seed: 11
params: {n_citizens: 500, n_departments: 4, workers_per_department: 8}
outcomes: [uptake, public_value]
"""


def write(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def expected_rows(sweep_file: Path, run_ids: list[int]) -> pd.DataFrame:
    """The rows computed directly in this process, without Dask or the store."""
    sweep = load_sweep(sweep_file)
    manifest = build_manifest(sweep)
    return pd.DataFrame(run_chunk(run_specs(manifest, run_ids), sweep.horizon))


def assert_rows_match(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    stored = stored.set_index("run_id").loc[expected["run_id"], list(expected.columns.drop("run_id"))]
    pd.testing.assert_frame_equal(stored.reset_index(), expected, check_dtype=False, check_exact=True)


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def start(args: list[str], log: Path, sigint: bool = False) -> subprocess.Popen:
    """A process in its own session, so that it and every child can be ended by process group.

    ``sigint=True`` gives it Python's default Ctrl-C handling even if this test runs in the background
    (where the shell ignores SIGINT and children inherit that).
    """
    handle = open(log, "w")  # noqa: SIM115 - closed with the process in stop()
    restore = (lambda: signal.signal(signal.SIGINT, signal.default_int_handler)) if sigint else None
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=restore
    )
    proc.log_handle = handle  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):  # orphans of a killed leader
        os.killpg(proc.pid, signal.SIGKILL)
    proc.log_handle.close()  # type: ignore[attr-defined]


def wait_for_chunks(runs: Path, count: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = len(list(runs.glob("chunk-*.parquet"))) if runs.exists() else 0
        if found >= count:
            return found
        if proc.poll() is not None:
            pytest.fail(f"sweep ended (rc {proc.returncode}) before {count} chunks existed:\n{log.read_text()}")
        time.sleep(0.02)
    pytest.fail(f"no {count} chunks within {timeout} s:\n{log.read_text()}")


# ------------------------------------------------------------------------------ embedded cluster
def test_rows_are_identical_on_one_and_two_workers(tmp_path):
    sweep_file = write(tmp_path, SMALL, "small.yaml")
    sweep = load_sweep(sweep_file)
    one = run_sweep(sweep, tmp_path / "one", workers=1, chunk_size=5, progress=False, analyse=False)
    two = run_sweep(  # on Dask: a sweep this small would otherwise run in this process
        sweep, tmp_path / "two", workers=2, chunk_size=1, progress=False, analyse=False, in_process_below=0
    )
    assert one.ran == two.ran == 12
    rows_one, rows_two = load_runs(tmp_path / "one"), load_runs(tmp_path / "two")
    assert rows_one["run_id"].tolist() == list(range(12))
    pd.testing.assert_frame_equal(rows_one, rows_two, check_exact=True)
    assert_rows_match(rows_one, expected_rows(sweep_file, [0, 7, 11]))


def test_killing_the_main_process_loses_and_duplicates_nothing_on_resume(tmp_path):
    sweep_file = write(tmp_path, LONGER, "longer.yaml")
    out, log = tmp_path / "out", tmp_path / "first.log"
    args = [sys.executable, "run.py", "sweep", str(sweep_file), "--out", str(out), "--workers", "2"]
    proc = start([*args, "--chunk-size", "2", "--no-analyse"], log)
    try:
        wait_for_chunks(out / "runs", 4, proc, log)
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a crash would
        proc.wait(timeout=10)
    finally:
        stop(proc)
    before = {p.name for p in (out / "runs").glob("chunk-*.parquet")}
    assert 4 <= len(before) < 50, "the sweep must have been killed mid-way"

    resumed = cli("sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    stored = len(before) * 2
    assert f"({100 - stored} run now, {stored} resumed)" in resumed.stdout
    rows = load_runs(out)
    assert len(rows) == 100 and rows["run_id"].is_unique and rows["run_id"].tolist() == list(range(100))
    assert before <= {p.name for p in (out / "runs").glob("chunk-*.parquet")}  # nothing rewritten
    assert_rows_match(rows, expected_rows(sweep_file, [0, 1, 63, 99]))
    assert (out / "sensitivity.csv").exists() and (out / "report.html").exists()

    again = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress", "--no-analyse")
    assert again.returncode == 0 and "nothing to run" in again.stderr
    assert len(load_runs(out)) == 100


def test_ctrl_c_stops_the_sweep_and_its_workers_cleanly(tmp_path):
    sweep_file = write(tmp_path, LONGER, "longer.yaml")
    out, log = tmp_path / "out", tmp_path / "sweep.log"
    args = [sys.executable, "run.py", "sweep", str(sweep_file), "--out", str(out), "--workers", "2"]
    proc = start([*args, "--chunk-size", "2", "--no-progress"], log, sigint=True)
    try:
        wait_for_chunks(out / "runs", 2, proc, log)
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
        assert proc.wait(timeout=60) == 130
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and group_alive(proc.pid):
            time.sleep(0.1)
        assert not group_alive(proc.pid), "worker processes outlived the interrupted sweep"
    finally:
        stop(proc)
    text = log.read_text()
    assert "finished chunks are safe" in text and "Traceback" not in text
    assert 2 <= len(load_runs(out)) < 100


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_changed_sweep_file_on_the_same_folder_is_refused_without_traceback(tmp_path):
    sweep_file = write(tmp_path, SMALL, "small.yaml")
    out = tmp_path / "out"
    assert cli("sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--no-progress").returncode == 0
    sweep_file.write_text(SMALL.replace("replications: 2", "replications: 3"))
    changed = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress")
    assert changed.returncode == 2
    assert "different sweep (changed: replications)" in changed.stderr and "Traceback" not in changed.stderr
    report = cli("analyse", str(out))
    assert report.returncode == 0 and "report.html" in report.stdout


def test_a_damaged_chunk_file_is_quarantined_reported_and_its_runs_run_again(tmp_path):
    sweep_file = write(tmp_path, SMALL, "small.yaml")
    out = tmp_path / "out"
    first = cli("sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--chunk-size", "4", "--no-progress")
    assert first.returncode == 0, first.stderr
    victim = sorted((out / "runs").glob("chunk-0000004-*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])  # as left by a full disk or a bad copy
    again = cli("sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--no-progress", "--no-analyse")
    assert again.returncode == 0, again.stderr
    assert f"warning: chunk file '{victim}' is damaged" in again.stderr and "quarantine" in again.stderr
    assert "(4 run now, 8 resumed)" in again.stdout
    assert (out / "quarantine" / victim.name).exists()
    rows = load_runs(out)
    assert rows["run_id"].tolist() == list(range(12))
    assert_rows_match(rows, expected_rows(sweep_file, [4, 5, 6, 7]))


# ------------------------------------------------------------------------------ separate Dask cluster
@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory) -> Iterator[dict]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1, on ports the OS picks."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "dask", "scheduler"]
    procs = [
        start(
            [
                *dask,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--idle-timeout",
                "600",
                "--scheduler-file",
                str(scheduler_file),
            ],
            folder / "scheduler.log",
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                pytest.fail("dask scheduler did not start:\n" + (folder / "scheduler.log").read_text())
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            procs.append(start(worker_command(address, f"w{i}"), folder / f"worker{i}.log"))
        yield {"address": address, "folder": folder, "procs": procs}
    finally:
        for proc in reversed(procs):
            stop(proc)


def worker_command(address: str, name: str, nanny: bool = True) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dask",
        "worker",
        address,
        "--nthreads",
        "1",
        "--host",
        "127.0.0.1",
        "--no-dashboard",
        "--name",
        name,
        "--death-timeout",
        "60",
        "--nanny" if nanny else "--no-nanny",
    ]


def test_a_sweep_runs_on_a_separately_started_dask_cluster(tmp_path, dask_cluster):
    sweep_file = write(tmp_path, SMALL, "small.yaml")
    out = tmp_path / "out"
    done = cli("sweep", str(sweep_file), "--out", str(out), "--cluster", dask_cluster["address"], "--no-progress")
    assert done.returncode == 0, done.stderr
    assert f"on cluster {dask_cluster['address']}" in done.stderr
    rows = load_runs(out)
    assert rows["run_id"].tolist() == list(range(12))
    assert_rows_match(rows, expected_rows(sweep_file, list(range(12))))
    assert (out / "report.html").exists()


def test_losing_a_dask_worker_mid_sweep_still_completes_it(tmp_path, dask_cluster):
    from distributed import Client

    address = dask_cluster["address"]
    victim = start(worker_command(address, "victim", nanny=False), tmp_path / "victim.log")
    sweep_file = write(tmp_path, LONGER, "longer.yaml")
    out, log = tmp_path / "out", tmp_path / "sweep.log"
    sweep = None
    try:
        with Client(address, timeout="20s") as client:
            client.wait_for_workers(3, timeout=60)
            sweep = start(
                [
                    sys.executable,
                    "run.py",
                    "sweep",
                    str(sweep_file),
                    "--out",
                    str(out),
                    "--cluster",
                    address,
                    "--chunk-size",
                    "2",
                    "--no-analyse",
                    "--no-progress",
                ],
                log,
            )
            wait_for_chunks(out / "runs", 3, sweep, log)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # kill it while it holds work, so that work must move
                busy = client.run_on_scheduler(
                    lambda dask_scheduler: {w.name: len(w.processing) for w in dask_scheduler.workers.values()}
                )
                if busy.get("victim"):
                    break
                time.sleep(0.01)
            assert busy.get("victim"), f"the victim worker never held a task: {busy}"
            os.killpg(victim.pid, signal.SIGKILL)
        sweep.wait(timeout=180)
        assert sweep.returncode == 0, log.read_text()
    finally:
        stop(victim)
        if sweep is not None:
            stop(sweep)
    rows = load_runs(out)
    assert len(rows) == 100 and rows["run_id"].tolist() == list(range(100))
    assert_rows_match(rows, expected_rows(sweep_file, [5, 50, 98]))

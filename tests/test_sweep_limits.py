"""Everything a sweep reads is verified, and sweeps are sized before they start (issue 12, points 8 and 9).

Bit flips in stored chunks and edits to the manifest end in a clean UserError
naming the file (or, on resume, in quarantine), never in a silently changed
``sensitivity.csv``; a million-run sweep is described by a small manifest,
starts its first chunk quickly and stays within a memory bound.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim.errors import UserError
from cocreate_sim.executor import SequentialExecutor
from cocreate_sim.limits import MAX_HORIZON, MAX_SEED, MAX_SWEEP_RUNS
from cocreate_sim.sweep import build_manifest, execution, load_sweep, run_chunk, run_seed, run_specs, run_sweep
from cocreate_sim.sweep import design as design_module
from cocreate_sim.sweep.analysis import analyse
from cocreate_sim.sweep.store import QUARANTINE, SweepStore, load_runs

ROOT = Path(__file__).resolve().parents[1]

TINY = """\
design: grid
vary:
  zero_error_culture: [0.2, 0.8]
  leader_dialogue: [0.1, 0.9]
replications: 2
horizon: 6
seed: 5
params: {n_citizens: 100, n_departments: 2, workers_per_department: 3}
outcomes: [uptake, practice_mean]
"""

FLIPS = 25
"""Single-bit flips tried per chunk file, spread evenly over its bytes."""
BIG_SIDE = 1000
"""Values per lever of the million-run grid (1000 x 1000 points)."""
MANIFEST_BYTES = 100_000
"""A manifest must stay this small whatever the design's size (it holds the definition, not the points)."""
MAX_PEAK_MB = 500
"""Peak resident memory allowed to the main process of a million-run sweep, in MB."""
FIRST_CHUNK_SECONDS = 120
"""Generous bound on the time to the first stored chunk of a million-run sweep (target: 30 s on an idle machine)."""
REFUSAL_SECONDS = 5
"""A design beyond the limit is refused within this many seconds (it is counted, not built)."""
BUILD_SECONDS = 20
"""Generous bound on building the manifest of a million-run grid (before: about 50 s)."""
NESTING = 100_000
"""Depth of the nested JSON list written over a manifest (deeper than Python's recursion limit)."""
STOP_SECONDS = 60
"""How long an interrupted sweep may take to exit."""
POLL_SECONDS = 0.05
"""How often the million-run test looks for the first chunk and reads the peak memory."""
LOG_TAIL = 3000
"""Characters of a sweep's log shown when the million-run test fails."""
EXIT_INTERRUPTED = 130
"""Exit status of an interrupted sweep (128 + SIGINT)."""


def write(folder: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def big_grid(side: int = BIG_SIDE) -> str:
    values = ", ".join(str(round(i / (side - 1), 6)) for i in range(side))
    return (
        f"design: grid\nvary:\n  zero_error_culture: [{values}]\n  leader_dialogue: [{values}]\n"
        "replications: 1\nhorizon: 1\nseed: 3\n"
        "params: {n_citizens: 50, n_departments: 2, workers_per_department: 3}\noutcomes: [uptake]\n"
    )


@pytest.fixture
def finished(tmp_path):
    """A finished, analysed tiny sweep: (folder, pristine sensitivity.csv bytes)."""
    out = tmp_path / "out"
    run_sweep(load_sweep(write(tmp_path, TINY)), out, chunk_size=4, progress=False, log=open(os.devnull, "w"))
    return out, (out / "sensitivity.csv").read_bytes()


# ------------------------------------------------------------------------------------------- point 8
def test_every_single_bit_flip_in_a_chunk_is_a_clean_error_naming_the_file_or_quarantined(finished):
    out, pristine_csv = finished
    chunk = sorted((out / "runs").glob("chunk-*.parquet"))[0]
    original = chunk.read_bytes()
    positions = [i * (len(original) - 1) // (FLIPS - 1) for i in range(FLIPS)]
    for i, position in enumerate(positions):
        damaged = bytearray(original)
        damaged[position] ^= 1 << (i % 8)
        chunk.write_bytes(bytes(damaged))
        for read in (analyse, load_runs):
            with pytest.raises(UserError) as info:
                read(out)
            assert chunk.name in str(info.value) and "damaged" in str(info.value), (position, str(info.value))
        assert (out / "sensitivity.csv").read_bytes() == pristine_csv, position
        # Resuming moves the damaged chunk aside and counts its runs as not done.
        store = SweepStore.open(out, json.loads((out / "manifest.json").read_text()))
        try:
            done = store.finished_run_ids()
        finally:
            store.close()
        assert len(done) == 4 and (out / QUARANTINE / chunk.name).exists(), position
        (out / QUARANTINE / chunk.name).unlink()
        chunk.write_bytes(original)
    analyse(out)
    assert (out / "sensitivity.csv").read_bytes() == pristine_csv


def _edit(path: Path, change) -> None:
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=1))


MANIFEST_EDITS = {
    "description": lambda m: m.update(description="edited"),
    "n_runs": lambda m: m.update(n_runs=4),
    "seed": lambda m: m["sweep"].update(seed=6),
    "vary": lambda m: m["sweep"]["vary"].update(leader_dialogue=[0.1]),
    "missing columns": lambda m: m.pop("outcome_columns"),
    "outcomes": lambda m: m.update(outcomes=["no_such_column"]),
    "wrong type": lambda m: m["sweep"].update(replications="two"),
}
"""Hand edits of a manifest; each must be refused, whatever it touches."""


@pytest.mark.parametrize("edit", sorted(MANIFEST_EDITS))
def test_a_hand_edited_manifest_is_a_clean_error(finished, edit):
    out, pristine_csv = finished
    _edit(out / "manifest.json", MANIFEST_EDITS[edit])
    for read in (analyse, load_runs):
        with pytest.raises(UserError, match="manifest.json' is damaged or was edited by hand"):
            read(out)
    assert (out / "sensitivity.csv").read_bytes() == pristine_csv


def test_a_damaged_manifest_is_a_clean_error_on_analyse_and_resume(finished, tmp_path):
    out, _ = finished
    path = out / "manifest.json"
    original = path.read_bytes()
    for position in (len(original) // 3, len(original) // 2, len(original) - 10):
        damaged = bytearray(original)
        damaged[position] ^= 0x04
        path.write_bytes(bytes(damaged))
        with pytest.raises(UserError, match=r"manifest\.json"):
            analyse(out)
        with pytest.raises(UserError, match=r"manifest\.json"):
            run_sweep(load_sweep(tmp_path / "sweep.yaml"), out, progress=False, log=open(os.devnull, "w"))
    path.write_bytes(b"[" * NESTING)  # deeply nested JSON: no RecursionError traceback
    with pytest.raises(UserError, match="damaged"):
        load_runs(out)


def test_a_manifest_of_the_earlier_format_listing_its_points_still_resumes_with_the_same_rows(tmp_path):
    from cocreate_sim.sweep.store import LEGACY_FORMAT

    sweep = load_sweep(write(tmp_path, TINY))
    manifest = build_manifest(sweep)
    legacy = {k: v for k, v in manifest.items() if k not in ("checksum", "design_sha256")}
    legacy.update(format=LEGACY_FORMAT, points=design_module.design_points(sweep), morris_matrix=None)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps(legacy))
    design_module._DESIGN_CACHE.clear()
    result = run_sweep(sweep, out, progress=False, log=open(os.devnull, "w"))
    assert result.ran == 8 and json.loads((out / "manifest.json").read_text())["format"] == LEGACY_FORMAT
    frame = load_runs(out)
    expected = pd.DataFrame(run_chunk(run_specs(manifest, list(range(8))), sweep.horizon))
    pd.testing.assert_frame_equal(frame[expected.columns], expected, check_dtype=False)


# ------------------------------------------------------------------------------------------- point 9
def test_a_design_beyond_the_limit_is_refused_before_anything_is_built(tmp_path):
    values = "[" + ", ".join(str(v / 10) for v in range(10)) + "]"
    levers = ["zero_error_culture", "leader_dialogue", "discretion", "silo_strength", "weak_share", "strong_share"]
    text = "design: grid\nvary:\n" + "".join(f"  {name}: {values}\n" for name in levers) + "replications: 3\n"
    started = time.perf_counter()
    with pytest.raises(UserError) as info:
        load_sweep(write(tmp_path, text))
    assert time.perf_counter() - started < REFUSAL_SECONDS
    message = str(info.value)
    assert "1,000,000 points x 3 replications = 3,000,000 runs" in message and f"{MAX_SWEEP_RUNS:,}" in message


def test_horizon_and_seed_caps_hold_at_their_limits(tmp_path):
    ok = load_sweep(write(tmp_path, TINY.replace("horizon: 6", f"horizon: {MAX_HORIZON}")))
    assert ok.horizon == MAX_HORIZON
    assert load_sweep(write(tmp_path, TINY.replace("seed: 5", f"seed: {MAX_SEED}"))).seed == MAX_SEED
    for bad in (MAX_HORIZON + 1, 1_000_000_000, 0):
        with pytest.raises(UserError, match=f"'horizon'.*1 to {MAX_HORIZON:,}"):
            load_sweep(write(tmp_path, TINY.replace("horizon: 6", f"horizon: {bad}")))
    for bad in (MAX_SEED + 1, -1, 10**400):
        with pytest.raises(UserError, match=f"'seed'.*0 to {MAX_SEED:,}"):
            load_sweep(write(tmp_path, TINY.replace("seed: 5", f"seed: {bad}")))


@pytest.mark.timeout(3 * BUILD_SECONDS)
def test_a_million_run_grid_has_a_small_manifest_and_makes_points_on_demand(tmp_path):
    sweep = load_sweep(write(tmp_path, big_grid()))
    started = time.perf_counter()
    manifest = build_manifest(sweep)
    assert time.perf_counter() - started < BUILD_SECONDS
    assert manifest["n_runs"] == BIG_SIDE * BIG_SIDE == MAX_SWEEP_RUNS
    assert "points" not in manifest and len(json.dumps(manifest)) < MANIFEST_BYTES
    last = run_specs(manifest, [MAX_SWEEP_RUNS - 2, MAX_SWEEP_RUNS - 1])
    assert [s["params"]["leader_dialogue"] for s in last] == [round(998 / 999, 6), 1.0]
    assert {s["params"]["zero_error_culture"] for s in last} == {1.0}
    assert [s["seed"] for s in last] == [run_seed(3, MAX_SWEEP_RUNS - 2), run_seed(3, MAX_SWEEP_RUNS - 1)]


def test_chunks_are_handed_over_in_waves_and_rows_do_not_change(tmp_path, monkeypatch):
    sweep = load_sweep(write(tmp_path, TINY))
    monkeypatch.setattr(execution, "WAVE_TASKS_PER_WORKER", 1)
    assert execution.wave_size(1, 1) == 2
    maps = []
    original = SequentialExecutor.map_unordered

    def counting(self, fn, tasks, **kwargs):
        maps.append(len(tasks))
        return original(self, fn, tasks, **kwargs)

    monkeypatch.setattr(SequentialExecutor, "map_unordered", counting)
    out = tmp_path / "out"
    run_sweep(sweep, out, workers=1, chunk_size=1, progress=False, analyse=False, log=open(os.devnull, "w"))
    assert maps == [2, 2, 2, 2]
    expected = pd.DataFrame(run_chunk(run_specs(build_manifest(sweep), list(range(8))), sweep.horizon))
    pd.testing.assert_frame_equal(load_runs(out)[expected.columns], expected, check_dtype=False)


def test_a_bad_design_point_beyond_the_up_front_check_stops_the_sweep_cleanly(tmp_path, monkeypatch):
    text = (
        "design: grid\nvary:\n  weak_share: [0.2, 0.3, 0.4, 0.8]\nreplications: 1\nhorizon: 2\n"
        "params: {n_citizens: 60, n_departments: 2, workers_per_department: 3, strong_share: 0.5}\n"
    )
    monkeypatch.setattr(design_module, "CHECKED_UP_FRONT", 1)
    monkeypatch.setattr(execution, "WAVE_TASKS_PER_WORKER", 1)  # waves of two one-run chunks
    sweep = load_sweep(write(tmp_path, text))
    out = tmp_path / "out"
    with pytest.raises(UserError, match="design point 3 .* must not exceed 1"):
        run_sweep(sweep, out, workers=1, chunk_size=1, progress=False, analyse=False, log=open(os.devnull, "w"))
    assert len(list((out / "runs").glob("chunk-*.parquet"))) == 2  # the first wave was run and kept


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
@pytest.mark.timeout(2 * FIRST_CHUNK_SECONDS + 2 * STOP_SECONDS)
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_a_million_run_sweep_starts_its_first_chunk_quickly_within_the_memory_bound(tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "log.txt"
    args = [sys.executable, "run.py", "sweep", str(write(tmp_path, big_grid())), "--out", str(out), "--no-progress"]
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
        )
    started, peak, first = time.monotonic(), 0.0, None
    try:
        while time.monotonic() - started < FIRST_CHUNK_SECONDS and proc.poll() is None:
            with contextlib.suppress(OSError):
                peak = max(peak, _peak_mb(proc.pid))
            if (out / "runs").is_dir() and any((out / "runs").glob("chunk-*.parquet")):
                first = time.monotonic() - started
                break
            time.sleep(POLL_SECONDS)
        with contextlib.suppress(OSError):
            peak = max(peak, _peak_mb(proc.pid))
        assert first is not None, f"no chunk within {FIRST_CHUNK_SECONDS} s:\n{log.read_text()[-LOG_TAIL:]}"
        assert peak < MAX_PEAK_MB, f"main process peaked at {peak:.0f} MB"
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=STOP_SECONDS) == EXIT_INTERRUPTED, log.read_text()[-LOG_TAIL:]
        assert "Traceback" not in log.read_text()
        assert (out / "manifest.json").stat().st_size < MANIFEST_BYTES
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_SECONDS)

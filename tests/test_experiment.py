"""Replications, seeds, statistics and atomic results folders."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cocreate_sim.checkpoints import Checkpoint
from cocreate_sim.fileio import atomic_write_bytes
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.publishing import PARTIAL_PREFIX, provenance, publishing_dir, unique_names
from cocreate_sim.statistics import (
    mean_ci,
    paired_differences,
    replication_seeds,
    run_replications,
    summarize,
    weekly_bands,
)

SMALL = {"n_citizens": 150, "n_departments": 3, "workers_per_department": 4}


def test_replication_i_uses_base_seed_plus_i():
    assert replication_seeds(41, 4) == [41, 42, 43, 44]


def test_same_seeds_give_the_same_numbers_serial_or_parallel():
    """The process pool must not change results: a replication's numbers depend only on its seed."""
    runs = [("a", SMALL), ("b", {**SMALL, "zero_error_culture": 0.1})]
    serial = run_replications(runs, 6, [5, 6], processes=1, progress=False)
    parallel = run_replications(runs, 6, [5, 6], processes=2, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)
    assert list(serial.columns[:4]) == ["scenario", "replication", "seed", "week"]
    assert list(serial.columns[4:]) == COLUMN_NAMES
    assert len(serial) == 2 * 2 * 7
    assert set(serial.loc[serial["replication"] == 1, "seed"]) == {6}


def test_mean_ci_is_the_student_t_interval():
    mean, sd, low, high = mean_ci([1.0, 2.0, 3.0])
    assert (mean, sd) == (2.0, 1.0)
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2 df)
    assert low == pytest.approx(2.0 - half) and high == pytest.approx(2.0 + half)
    assert math.isnan(mean_ci([4.0])[2])  # one value: no interval
    assert math.isnan(mean_ci([])[0])


def _table(values_a, values_b) -> pd.DataFrame:
    rows = []
    for label, values in (("a", values_a), ("b", values_b)):
        for i, v in enumerate(values):
            for week in (0, 1):
                row = {"scenario": label, "replication": i, "seed": 10 + i, "week": week}
                row.update({c: (v if week == 1 else 0.0) for c in COLUMN_NAMES})
                rows.append(row)
    return pd.DataFrame(rows)


def test_paired_differences_remove_the_shared_noise():
    """With common random numbers a constant shift is exactly measured even when replications vary a lot."""
    a = [1.0, 5.0, 9.0, 2.0]
    b = [x + 0.5 for x in a]
    diffs = paired_differences(_table(a, b), "a")
    row = diffs[diffs["outcome"] == "uptake"].iloc[0]
    assert row["difference"] == pytest.approx(0.5)
    assert row["ci95_low"] == pytest.approx(0.5) and row["ci95_high"] == pytest.approx(0.5)
    assert row["reference_mean"] == pytest.approx(np.mean(a))
    assert set(diffs["scenario"]) == {"b"}


def test_summary_and_bands_use_the_final_week():
    table = _table([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    summary = summarize(table)
    row = summary[(summary["scenario"] == "a") & (summary["outcome"] == "trust_mean")].iloc[0]
    assert (row["week"], row["n"], row["mean"]) == (1, 3, 2.0)
    bands = weekly_bands(table, "uptake")
    last = bands[(bands["scenario"] == "b") & (bands["week"] == 1)].iloc[0]
    assert last["low"] == last["high"] == 2.0


def test_intervals_stay_within_what_an_outcome_can_be():
    """Counts never below 0, shares never outside [0, 1]; differences are not cut."""
    a = [0.0, 0.0, 0.0, 0.9]  # a skewed share: the plain t-interval would go below 0
    b = [1.0, 1.0, 1.0, 0.1]  # ... and above 1
    table = _table(a, b)
    table.loc[table["week"] == 1, "initiatives_completed"] = [0.0, 0.0, 0.0, 3.0] * 2
    summary = summarize(table).set_index(["scenario", "outcome"])
    for scenario in ("a", "b"):
        for column in ("uptake", "burnout_share", "initiatives_completed"):
            row = summary.loc[(scenario, column)]
            assert row["ci95_low"] >= 0.0
            if column != "initiatives_completed":
                assert row["ci95_high"] <= 1.0
    plain = mean_ci(a)
    assert plain[2] < 0 and summary.loc[("a", "uptake"), "ci95_low"] == 0.0
    assert summary.loc[("a", "uptake"), "ci95_high"] == pytest.approx(plain[3])
    bands = weekly_bands(table, "uptake")
    assert (bands["low"].dropna() >= 0).all() and (bands["high"].dropna() <= 1).all()
    diffs = paired_differences(table, "a").set_index("outcome")
    assert diffs.loc["uptake", "ci95_low"] < 0, "a difference may be negative"


def test_published_folder_appears_only_when_complete(tmp_path: Path):
    with publishing_dir(tmp_path, "demo") as (work, final):
        (work / "a.txt").write_text("x")
        assert work.name.startswith(PARTIAL_PREFIX)
        assert [p for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    assert final[0].parent == tmp_path and final[0].name.startswith("demo-")
    assert (final[0] / "a.txt").read_text() == "x"
    assert not any(p.name.startswith(PARTIAL_PREFIX) for p in tmp_path.iterdir())


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_interrupted_publishing_leaves_nothing(tmp_path: Path, interruption):
    with pytest.raises(interruption), publishing_dir(tmp_path, "demo") as (work, _):
        (work / "half.parquet").write_bytes(b"half")
        raise interruption()
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites_an_existing_results_folder(tmp_path: Path):
    names = []
    for k in range(3):
        with publishing_dir(tmp_path, "same") as (work, final):
            (work / "n.txt").write_text(str(k))
        names.append(final[0])
    assert len(set(names)) == 3
    assert sorted((p / "n.txt").read_text() for p in names) == ["0", "1", "2"]


def test_publishing_removes_only_its_own_work_folder(tmp_path: Path):
    """Clean-up is by exact name: a partial folder of another (even a dead) process is never touched."""
    dead = tmp_path / f"{PARTIAL_PREFIX}999999999-old-abc"
    dead.mkdir()
    with pytest.raises(RuntimeError), publishing_dir(tmp_path, "demo") as (work, _):
        raise RuntimeError()
    assert not work.exists() and dead.exists()
    with publishing_dir(tmp_path, ".partial-1-x") as (_, final):
        pass
    assert not final[0].name.startswith("."), "a results folder never looks like a temporary one"
    assert dead.exists()


def test_kept_replications_give_the_same_table(tmp_path: Path):
    """Replications kept by an interrupted run, verified on reading, make the same table as a clean run."""
    runs = [("a", SMALL), ("b", {**SMALL, "zero_error_culture": 0.1})]
    clean = run_replications(runs, 4, [5, 6, 7], processes=1, progress=False)
    kept = Checkpoint(tmp_path, runs, 4, [5, 6, 7])
    assert kept.open()
    part = run_replications(runs[:1], 4, [5, 6], processes=1, progress=False, on_done=kept.save)
    assert len(kept.files()) == 2 and part.equals(clean[clean["scenario"] == "a"].iloc[: len(part)])
    done = kept.load()
    assert sorted(done) == [("a", 0), ("a", 1)]
    resumed = run_replications(runs, 4, [5, 6, 7], processes=1, progress=False, done=done)
    pd.testing.assert_frame_equal(resumed, clean)
    other = Checkpoint(tmp_path, runs, 4, [5, 6, 8])  # another seed: another checkpoint, never mixed in
    assert other.folder != kept.folder
    kept.remove()
    assert not kept.folder.exists()


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "sub" / "f.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]


def test_provenance_records_versions_and_commit():
    info = provenance()
    for key in ("package_version", "git_commit", "python_version", "mesa_version", "timestamp_utc"):
        assert info[key]


def test_unique_names_for_a_comparison():
    assert unique_names(["a", "b", "a", "a"]) == ["a", "b", "a-2", "a-3"]

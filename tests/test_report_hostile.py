"""``report`` on damaged, hostile or mistaken input: one clear paragraph and exit 2, never a traceback or lost data.

A tiny real run folder and comparison folder are built once per module; every test copies one into its own
``tmp_path`` and damages the copy: ``--out`` naming the folder's own files, checksum lists emptied or cut short,
tables with doubled rows or impossible numbers, files far larger than any results folder holds, scenario names
that are paths, and comparisons whose tables disagree about which scenarios were compared.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cocreate_sim import cli, published
from cocreate_sim.limits import MAX_RESULTS_FILE_BYTES, MAX_RESULTS_TABLE_BYTES

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "npm_baseline.yaml")
OTHER = str(ROOT / "scenarios" / "maintenance_pool.yaml")
TINY = ["--point", "--steps", "3", "--replications", "2", "--set", "n_citizens=150", "--workers", "1", "--quiet"]
"""Runs of a few hundred milliseconds in this process."""
BOMB_ROWS = 1_000_000
"""Rows of a Parquet file that is small on disk but large once read (one shared column of zeros)."""


def report(capsys, folder: Path, *extra: str) -> tuple[int, str, str]:
    """``run.py report FOLDER *extra`` in this process: exit status, stdout, stderr."""
    code = cli.main(["report", str(folder), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys, folder: Path, *names: str, extra: tuple[str, ...] = ()) -> str:
    """Assert that ``report`` exits 2 with one clean error paragraph naming every one of ``names``; return it."""
    code, _, err = report(capsys, folder, *extra)
    assert code == cli.EXIT_USER_ERROR, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and err.rstrip("\n").endswith(errors[0]), err
    for name in names:
        assert name in errors[0], (name, errors[0])
    return errors[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """A run folder and a comparison folder (copy them before changing them)."""
    out = tmp_path_factory.mktemp("built")
    assert cli.main([BASELINE, *TINY, "--out", str(out / "run")]) == 0
    assert cli.main(["compare", BASELINE, OTHER, *TINY, "--out", str(out / "compare")]) == 0
    (run,) = [p for p in (out / "run").iterdir() if p.is_dir()]
    (compare,) = [p for p in (out / "compare").iterdir() if p.is_dir()]
    return {"run": run, "compare": compare}


def copy(built: dict[str, Path], kind: str, tmp_path: Path, checksums: bool = False) -> Path:
    """A copy of the ``kind`` folder; without its checksums.json unless ``checksums`` (as an old folder)."""
    folder = tmp_path / kind
    shutil.copytree(built[kind], folder)
    if not checksums:
        (folder / "checksums.json").unlink()
    return folder


def change_table(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    """Read a CSV or Parquet table, let ``change`` edit it (in place or returned) and write it back."""
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    new = change(frame)
    frame = frame if new is None else new
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def grow(path: Path, size: int) -> None:
    """Make ``path`` ``size`` bytes long without writing them (a sparse file: instant, no disk used)."""
    with open(path, "ab") as handle:
        handle.truncate(size)


# ------------------------------------------------------------------ 1: --out
@pytest.mark.parametrize("name", ["summary.csv", "timeseries.parquet", "scenario.yaml", "checksums.json", "sub/x.html"])
def test_out_inside_the_results_folder_is_refused_and_its_files_are_kept(built, tmp_path, capsys, name):
    folder = copy(built, "run", tmp_path, checksums=True)
    target = folder / name
    before = target.read_bytes() if target.exists() else None
    error = refused(capsys, folder, "--out", name, "inside the results folder", ".html", extra=("--out", str(target)))
    assert (target.read_bytes() if target.exists() else None) == before
    assert report(capsys, folder)[0] == 0, "the folder is still whole (its checksums verify)"
    assert "report.html" in error, "says what may be written there"


def test_out_that_is_not_an_html_file_or_an_existing_other_file_is_refused(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    refused(capsys, folder, "--out", "notes.txt", "must end in .html", extra=("--out", str(tmp_path / "notes.txt")))
    assert not (tmp_path / "notes.txt").exists()
    data = tmp_path / "data.html"
    data.write_text("scenario,mean\na,1\n")
    refused(capsys, folder, "--out", "data.html", "not an HTML report", extra=("--out", str(data)))
    assert data.read_text() == "scenario,mean\na,1\n"
    (tmp_path / "a_folder.html").mkdir()
    refused(capsys, folder, "a_folder.html", "is a folder", extra=("--out", str(tmp_path / "a_folder.html")))


def test_out_of_a_pipe_is_refused_without_opening_it(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    os.mkfifo(tmp_path / "pipe.html")  # opening it would block until someone writes
    refused(capsys, folder, "pipe.html", "not an HTML report", extra=("--out", str(tmp_path / "pipe.html")))


def test_out_into_another_results_folder_is_refused(built, tmp_path, capsys):
    folder, other = copy(built, "run", tmp_path, checksums=True), copy(built, "compare", tmp_path, checksums=True)
    before = (other / "report.html").read_bytes()
    refused(capsys, folder, "another results folder", extra=("--out", str(other / "report.html")))
    assert (other / "report.html").read_bytes() == before


def test_out_to_a_new_file_an_earlier_report_or_the_folders_own_report_is_written(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    (tmp_path / "empty.html").write_bytes(b"")  # as mktemp --suffix=.html leaves it
    targets = (tmp_path / "new" / "mine.html", tmp_path / "new" / "mine.html", folder / "report.html")
    for target in (*targets, tmp_path / "empty.html", folder / "report_da.html"):
        code, out, err = report(capsys, folder, "--out", str(target))
        assert code == 0, err
        assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = report(capsys, folder)  # a second report beside the data is not data: the folder still verifies
    assert code == 0 and "cannot be verified" not in err and "does not list" not in err, err


# ------------------------------------------------------------ 2: checksums
def test_an_empty_checksum_list_counts_as_none(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    (folder / "checksums.json").write_text('{"algorithm":"sha256","files":{}}')
    code, _, err = report(capsys, folder)
    assert code == 0, err
    assert "checksums.json does not list" in err and "cannot be verified" in err and "timeseries.parquet" in err


def test_a_checksum_list_that_leaves_a_data_file_out_says_so(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path, checksums=True)
    record = json.loads((folder / "checksums.json").read_text())
    del record["files"]["differences.csv"]
    (folder / "checksums.json").write_text(json.dumps(record))
    code, _, err = report(capsys, folder)
    assert code == 0, err
    assert "does not list differences.csv, so that file cannot be verified" in err


def test_an_unlisted_timeseries_full_of_nan_is_not_rendered(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    (folder / "checksums.json").write_text('{"algorithm":"sha256","files":{}}')
    change_table(folder / "timeseries.parquet", lambda t: t.assign(uptake=np.nan))
    refused(capsys, folder, "timeseries.parquet", "uptake", "finite numbers")


def test_a_complete_checksum_list_still_verifies_without_a_note(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path, checksums=True)
    code, _, err = report(capsys, folder)
    assert code == 0 and err == ""


# ------------------------------------------------------------ 3: table shape
def _doubled_summary(s: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([s, s.iloc[:3]])


def _doubled_week(t: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([t, t.iloc[:1]])


def _set(column: str, value, row: int = 1, as_float: bool = False):
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        if as_float:
            frame[column] = frame[column].astype(float)
        frame.loc[row, column] = value
        return frame

    return change


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("summary.csv", _doubled_summary, "a second row for outcome 'uptake'"),
        ("timeseries.parquet", _doubled_week, "a second row for replication 0, week 0"),
        ("timeseries.parquet", _set("week", 2.5, as_float=True), "whole numbers"),
        ("timeseries.parquet", _set("week", -1), "whole numbers"),
        ("timeseries.parquet", _set("week", 10**9), "whole numbers from 0 to 5,200"),
        ("timeseries.parquet", _set("replication", np.nan, as_float=True), "replication"),
        ("timeseries.parquet", _set("trust_mean", np.inf), "finite numbers"),
        ("summary.csv", _set("mean", np.inf), "finite numbers"),
        ("summary.csv", _set("mean", np.nan), "finite numbers"),
        ("summary.csv", _set("ci95_low", -np.inf), "finite numbers or nothing"),
        ("summary.csv", _set("outcome", np.nan), "outcome is empty"),
    ],
)
def test_a_run_table_of_the_wrong_shape_is_refused(built, tmp_path, capsys, file, change, expected):
    folder = copy(built, "run", tmp_path)
    change_table(folder / file, change)
    refused(capsys, folder, file, expected)


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("summary.csv", _doubled_summary, "a second row for scenario 'npm_baseline', outcome 'uptake'"),
        ("differences.csv", _doubled_summary, "a second row for scenario 'maintenance_pool', outcome 'uptake'"),
        ("timeseries.parquet", _doubled_week, "a second row for scenario 'npm_baseline', replication 0, week 0"),
        ("differences.csv", _set("difference", np.nan), "finite numbers"),
        ("summary.csv", _set("scenario", np.nan), "scenario is empty"),
    ],
)
def test_a_comparison_table_of_the_wrong_shape_is_refused(built, tmp_path, capsys, file, change, expected):
    folder = copy(built, "compare", tmp_path)
    change_table(folder / file, change)
    refused(capsys, folder, file, expected)


def test_a_run_table_with_a_scenario_column_is_refused(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path)
    change_table(folder / "timeseries.parquet", lambda t: t.assign(scenario="x"))
    refused(capsys, folder, "timeseries.parquet", "scenario column")


# ------------------------------------------------------------ 4: size caps
@pytest.mark.parametrize(
    ("file", "size"),
    [("summary.csv", MAX_RESULTS_TABLE_BYTES + 1), ("timeseries.parquet", MAX_RESULTS_FILE_BYTES + 1)],
)
def test_a_file_larger_than_any_results_file_is_refused_before_it_is_read(built, tmp_path, capsys, file, size):
    folder = copy(built, "run", tmp_path)
    grow(folder / file, size)
    refused(capsys, folder, file, f"{size:,} bytes")


def test_a_listed_file_larger_than_any_results_file_is_refused_before_it_is_hashed(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    grow(folder / "timeseries.parquet", MAX_RESULTS_FILE_BYTES + 1)
    refused(capsys, folder, "timeseries.parquet", f"{MAX_RESULTS_FILE_BYTES + 1:,} bytes")


def test_a_small_parquet_file_holding_a_huge_table_is_refused_before_it_is_read(built, tmp_path, capsys, monkeypatch):
    folder = copy(built, "run", tmp_path)
    columns = pd.read_parquet(folder / "timeseries.parquet").columns
    zeros = pa.array(np.zeros(BOMB_ROWS, dtype=np.int8))
    pq.write_table(pa.table({c: zeros for c in columns}), folder / "timeseries.parquet")
    cap = BOMB_ROWS * len(columns)  # above the file's size, below its table's size once read
    assert (folder / "timeseries.parquet").stat().st_size < cap
    monkeypatch.setattr(published, "MAX_RESULTS_FILE_BYTES", cap)
    refused(capsys, folder, "timeseries.parquet", f"{BOMB_ROWS:,} rows", "once read")


@pytest.mark.parametrize("name", ["checksums.json", "summary.csv"])
def test_a_pipe_in_place_of_a_results_file_is_refused_without_opening_it(built, tmp_path, capsys, name):
    folder = copy(built, "run", tmp_path, checksums=name == "checksums.json")
    (folder / name).unlink()
    os.mkfifo(folder / name)  # reading it would block until someone writes
    refused(capsys, folder, name, "not a regular file")


def test_a_huge_checksum_list_is_refused(built, tmp_path, capsys):
    folder = copy(built, "run", tmp_path, checksums=True)
    grow(folder / "checksums.json", MAX_RESULTS_TABLE_BYTES + 1)
    refused(capsys, folder, "checksums.json", "bytes")


# ------------------------------------------------------ 5: scenario names
@pytest.mark.parametrize("name", ["../../../sc/npm_baseline", "/etc/passwd", "a\\b", ".."])
def test_a_scenario_name_that_is_a_path_is_refused(built, tmp_path, capsys, name):
    folder = copy(built, "compare", tmp_path)
    for file in ("timeseries.parquet", "summary.csv", "differences.csv"):
        change_table(folder / file, lambda f: f.replace("npm_baseline", name))
    refused(capsys, folder, "timeseries.parquet", "it names the scenario", "names a file in the folder")


@pytest.mark.parametrize("name", ["v1..v2", "NA", "2025.10"])
def test_a_scenario_name_that_looks_odd_but_names_no_path_is_reported(built, tmp_path, capsys, name):
    folder = copy(built, "compare", tmp_path)
    for file in ("timeseries.parquet", "summary.csv", "differences.csv"):
        change_table(folder / file, lambda f: f.replace("npm_baseline", name))
    (folder / "scenarios" / "npm_baseline.yaml").rename(folder / "scenarios" / f"{name}.yaml")
    code, _, err = report(capsys, folder)
    assert code == 0, err


# ------------------------------------------- 6: the same scenarios throughout
def _without_other(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["scenario"] != "maintenance_pool"]


def test_a_summary_missing_a_compared_scenario_is_refused(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path)
    change_table(folder / "summary.csv", _without_other)
    refused(capsys, folder, "summary.csv", "of scenario maintenance_pool are missing")


def test_a_timeseries_missing_a_compared_scenario_is_refused(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path)
    for file in ("timeseries.parquet", "summary.csv"):
        change_table(folder / file, _without_other)
    refused(capsys, folder, "timeseries.parquet", "maintenance_pool", "scenarios/maintenance_pool.yaml")


def test_a_comparison_of_one_scenario_is_refused(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path)
    (folder / "scenarios" / "maintenance_pool.yaml").unlink()
    for file in ("timeseries.parquet", "summary.csv"):
        change_table(folder / file, _without_other)
    refused(capsys, folder, "timeseries.parquet", "two or more")


@pytest.mark.parametrize(
    ("column", "expected"),
    [("scenario", "names the scenario 'ghost'"), ("reference", "more than one reference")],
)
def test_differences_naming_a_scenario_that_does_not_exist_are_refused(built, tmp_path, capsys, column, expected):
    folder = copy(built, "compare", tmp_path)
    change_table(folder / "differences.csv", _set(column, "ghost", row=0))
    refused(capsys, folder, "differences.csv", expected)


def test_differences_against_a_reference_that_was_not_compared_are_refused(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path)
    change_table(folder / "differences.csv", lambda d: d.assign(reference="ghost"))
    refused(capsys, folder, "differences.csv", "reference 'ghost' is not in timeseries.parquet")


def test_rows_in_another_order_are_still_a_valid_comparison(built, tmp_path, capsys):
    folder = copy(built, "compare", tmp_path)
    change_table(folder / "timeseries.parquet", lambda t: t.sort_values("scenario", kind="stable"))
    code, _, err = report(capsys, folder)
    assert code == 0, err
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<title>cocreate_sim: npm_baseline vs maintenance_pool</title>" in page, "the reference stays first"

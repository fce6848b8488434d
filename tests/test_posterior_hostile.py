"""Damaged and hostile posterior files are refused when read, with one paragraph naming the file and the key.

Each test builds a small crafted Parquet file; nothing here runs a long simulation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cocreate_sim import cli, posterior
from cocreate_sim.constants import CONSTANTS
from cocreate_sim.errors import UserError
from cocreate_sim.limits import MAX_POSTERIOR_PARTICLES, MAX_PROVENANCE_BYTES
from cocreate_sim.posterior import METADATA_KEY, SHIPPED, draw_constants, read_posterior

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "npm_baseline.yaml")
SMALL = ["--steps", "4", "--set", "n_citizens=150", "--workers", "1", "--quiet"]


def shipped_info() -> dict[str, Any]:
    """The provenance record of the shipped posterior: what 'run.py calibrate' writes."""
    return json.loads(pq.ParquetFile(SHIPPED).schema_arrow.metadata[METADATA_KEY])


def particles(n: int = 4, **columns: Any) -> pd.DataFrame:
    """``n`` good particles of recovery and job_strain (mid-range, equal weights), with ``columns`` replaced."""
    frame = pd.DataFrame(
        {
            "recovery": np.full(n, 0.05),
            "job_strain": np.full(n, 0.03),
            "weight": np.full(n, 1.0 / max(n, 1)),
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def write(path: Path, frame: pd.DataFrame | pa.Table | None = None, info: Any = None, raw: bytes | None = None) -> Path:
    """A posterior file at ``path``: the particles with ``info`` (default: the shipped one) or ``raw`` metadata."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(particles() if frame is None else frame)
    meta = raw if raw is not None else json.dumps(shipped_info() if info is None else info).encode()
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: meta}), path)
    return path


def refused(path: Path, *words: str) -> str:
    """The message reading ``path`` is refused with; it names the file and each of ``words``."""
    with pytest.raises(UserError) as caught:
        draw_constants(path, draws=2)
    message = str(caught.value)
    assert path.name in message, message
    for word in words:
        assert word in message, message
    assert "\n" not in message, "one paragraph"
    return message


def with_calibration(**changes: Any) -> dict[str, Any]:
    info = shipped_info()
    info["calibration"] = {**info["calibration"], **changes}
    return info


# ------------------------------------------------------------ the provenance record
@pytest.mark.parametrize(
    "info, key, allowed",
    [
        (with_calibration(constants=5), "calibration.constants", "['recovery', 'job_strain']"),
        (with_calibration(constants=["nope"]), "calibration.constants", "each once"),
        (with_calibration(constants=["recovery", "recovery"]), "calibration.constants", "each once"),
        (with_calibration(constants=["recovery"]), "calibration.constants", "each once"),
        ({**shipped_info(), "calibration": "oops"}, "'calibration'", "a record"),
        ({**shipped_info(), "calibration": None}, "'calibration'", "a record"),
        (with_calibration(epsilon="small"), "calibration.epsilon", "a number of at least 0"),
        (with_calibration(effective_sample_size=float("nan")), "calibration.effective_sample_size", "at least 0"),
        (with_calibration(population=-1), "calibration.population", "a whole number of at least 0"),
        (with_calibration(simulations=True), "calibration.simulations", "a whole number"),
        (with_calibration(stopped=7), "calibration.stopped", "a text"),
        ({**shipped_info(), "targets": "x"}, "'targets'", "a record"),
        ({**shipped_info(), "targets": {"file": 5}}, "targets.file", "a text"),
        ({**shipped_info(), "git_commit": 5}, "'git_commit'", "a text"),
        ({**shipped_info(), "model_code": ["a"]}, "'model_code'", "a text"),
    ],
)
def test_a_damaged_provenance_names_the_key_and_what_is_allowed(tmp_path: Path, info: Any, key: str, allowed: str):
    refused(write(tmp_path / "damaged.parquet", info=info), key, allowed, "provenance", "--posterior")


@pytest.mark.parametrize(
    "raw, words",
    [
        (None, "is missing"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 30_000 + b"]" * 30_000, "not JSON"),  # deeper than Python's recursion limit
        (b"[1, 2]", "not a record"),
        (b'"text"', "not a record"),
        (b" " * (MAX_PROVENANCE_BYTES + 1), f"at most {MAX_PROVENANCE_BYTES:,}"),
    ],
)
def test_a_provenance_that_is_no_record_is_refused(tmp_path: Path, raw: bytes | None, words: str):
    path = tmp_path / "provenance.parquet"
    table = pa.Table.from_pandas(particles())
    pq.write_table(table.replace_schema_metadata({} if raw is None else {METADATA_KEY: raw}), path)
    refused(path, "'cocreate_sim'", words)


def test_keys_the_package_does_not_read_may_hold_anything_and_calibration_may_be_absent(tmp_path: Path):
    info = {**shipped_info(), "a_note": {"nested": [1, None, "x"]}}
    assert draw_constants(write(tmp_path / "extra.parquet", info=info), draws=2).info["a_note"]["nested"][2] == "x"
    drawn = draw_constants(write(tmp_path / "bare.parquet", info={"git_commit": "test"}), draws=2)
    assert drawn.provenance()["epsilon"] is None and drawn.fitted == ("recovery", "job_strain")


def test_a_damaged_provenance_stops_the_run_before_any_replication(tmp_path: Path, capsys):
    bad = write(tmp_path / "post_calstr.parquet", info={**shipped_info(), "calibration": "oops"})
    out = tmp_path / "results"
    out.mkdir()
    code = cli.main([BASELINE, *SMALL, "--draws", "1", "--posterior", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "post_calstr.parquet" in err and "'calibration'" in err and "Traceback" not in err
    assert not list(out.iterdir()), "no results folder and no .checkpoint-* folder"


# ------------------------------------------------------------ the particle count
def test_too_many_particles_are_refused_from_the_footer_before_any_column_is_read(tmp_path: Path, monkeypatch):
    n = MAX_POSTERIOR_PARTICLES + 1
    path = write(tmp_path / "huge.parquet", particles(n))

    def no_reading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the columns were read")

    monkeypatch.setattr(pq.ParquetFile, "read", no_reading)
    refused(path, f"{n:,} particles", f"1 to {MAX_POSTERIOR_PARTICLES:,}")


def test_the_largest_allowed_posterior_is_read_and_checked(tmp_path: Path):
    frame = particles(MAX_POSTERIOR_PARTICLES)
    frame["recovery"] = np.linspace(CONSTANTS["recovery"].low, CONSTANTS["recovery"].high, len(frame))
    drawn = draw_constants(write(tmp_path / "largest.parquet", frame), draws=5)
    assert drawn.particles == MAX_POSTERIOR_PARTICLES


def test_a_posterior_without_particles_is_refused(tmp_path: Path):
    refused(write(tmp_path / "empty.parquet", particles(0)), "0 particles")


# ------------------------------------------------------------ the columns
def test_columns_that_are_not_constants_and_weight_are_refused(tmp_path: Path):
    refused(write(tmp_path / "unknown.parquet", particles(foo=1.0)), "unknown", "'foo'")
    refused(write(tmp_path / "noweight.parquet", particles().drop(columns="weight")), "no 'weight' column")
    refused(write(tmp_path / "onlyweight.parquet", particles()[["weight"]]), "no column of a constant")
    text = pa.Table.from_pandas(particles(recovery=["0.05"] * 4))
    refused(write(tmp_path / "text.parquet", text), "column 'recovery' must hold numbers")
    table = pa.Table.from_pandas(particles())
    twice = pa.Table.from_arrays([*table.columns, table.column("recovery")], names=[*table.column_names, "recovery"])
    refused(write(tmp_path / "twice.parquet", twice), "['recovery']", "more than once")


def test_a_file_that_is_no_parquet_is_refused(tmp_path: Path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really PAR1")
    refused(garbage, "not a posterior written by 'run.py calibrate'")


# ------------------------------------------------------------ the values
@pytest.mark.parametrize(
    "column, values, words",
    [
        ("recovery", [1e9, 0.05, 0.05, 0.05], ["column 'recovery'", "from 0.02 to 0.1", "particle 1 has 1000000000.0"]),
        ("recovery", [0.05, 0.05, 0.05, 0.001], ["column 'recovery'", "particle 4 has 0.001", "1 of 4 refused"]),
        ("recovery", [np.nan] * 4, ["column 'recovery'", "finite number", "4 of 4 refused"]),
        ("job_strain", [0.03, np.inf, 0.03, 0.03], ["column 'job_strain'", "particle 2 has inf"]),
        ("weight", [0.5, 0.5, 0.0, 0.5], ["column 'weight'", "above 0", "particle 3 has 0.0"]),
        ("weight", [0.5, -1.0, 0.5, 0.5], ["column 'weight'", "weights", "particle 2 has -1.0"]),
        ("weight", [0.5, np.nan, 0.5, 0.5], ["column 'weight'", "finite", "particle 2 has nan"]),
        ("weight", [1e308] * 4, ["column 'weight'", "finite sum"]),
    ],
)
def test_values_outside_a_constants_declared_range_and_bad_weights_are_refused(
    tmp_path: Path, column: str, values: list[float], words: list[str]
):
    refused(write(tmp_path / "values.parquet", particles(**{column: values})), *words)


def test_a_whole_number_constant_must_be_whole_and_in_range(tmp_path: Path):
    c = CONSTANTS["network_size"]
    info = {"git_commit": "test"}
    for name, value, words in (("half", c.low + 0.5, "whole number"), ("high", c.high + 1, f"to {c.high:g}")):
        frame = particles()[["weight"]].assign(network_size=float(value))
        refused(write(tmp_path / f"{name}.parquet", frame, info), "column 'network_size'", words)
    whole = particles()[["weight"]].assign(network_size=c.high)
    assert draw_constants(write(tmp_path / "whole.parquet", whole, info), draws=2).draws[0]["network_size"] == c.high


def test_the_ends_of_the_declared_range_are_allowed(tmp_path: Path):
    low, high = CONSTANTS["recovery"].low, CONSTANTS["recovery"].high
    frame, _ = read_posterior(write(tmp_path / "ends.parquet", particles(recovery=[low, high, low, high])))
    assert frame["recovery"].tolist() == [low, high, low, high]


def test_whole_number_columns_with_nulls_are_refused_not_crashed(tmp_path: Path):
    table = pa.Table.from_pandas(particles()[["recovery", "weight"]]).append_column(
        "network_size", pa.array([40, None, 40, 40], type=pa.int64())
    )
    refused(write(tmp_path / "nulls.parquet", table, {"git_commit": "test"}), "column 'network_size'", "particle 2")


def test_the_shipped_posterior_passes_every_check():
    frame, info = read_posterior(SHIPPED)
    assert len(frame) == info["calibration"]["population"] and info["calibration"]["constants"] == [
        "recovery",
        "job_strain",
    ]
    assert posterior.stale(info) in ("", "model code", "constants table", "model code and constants table")

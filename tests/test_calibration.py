"""Calibration: the targets file, its statistics, the error model, ABC-SMC end to end and its resumption."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cocreate_sim.calibration.summaries import STATISTICS
from cocreate_sim.calibration.targets import MISSING_DISTANCE, load_targets
from cocreate_sim.constants import CONSTANTS
from cocreate_sim.errors import UserError
from cocreate_sim.fileio import sha256_file

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "calibration" / "targets.yaml"

SMALL_SCENARIO = """\
extends: {base}
params: {{n_citizens: 150, population: 3000, n_departments: 3, workers_per_department: 5}}
"""

SMALL_TARGETS = """\
name: small
constants: [job_strain, efficacy_success]
targets:
  strain:
    statistic: strain_share_mean
    scenario: small.yaml
    burn_in: 10
    window: 10
    observed: [0.10, 0.25]
    tolerance: {{survey: 0.01, discrepancy: 0.03, municipalities: 0.04}}
    use: fit
    source: test
  repeat:
    statistic: yearly_joins_per_inhabitant
    scenario: small.yaml
    burn_in: 10
    window: 10
    observed: [0.0, 0.4]
    tolerance: {{survey: 0.01, discrepancy: 0.02, municipalities: 0.0}}
    use: check
    source: test
"""


def small_targets(tmp_path: Path, text: str = SMALL_TARGETS) -> Path:
    (tmp_path / "small.yaml").write_text(SMALL_SCENARIO.format(base=ROOT / "scenarios" / "npm_baseline.yaml"))
    path = tmp_path / "targets.yaml"
    path.write_text(text.format())
    return path


# ---------------------------------------------------------------- the shipped targets file
def test_the_shipped_targets_hold_out_a_third_as_checks_including_the_gentofte_context():
    targets = load_targets(TARGETS)
    checks = targets.of("check")
    assert len(checks) * 3 >= len(targets.targets)
    assert any("gentofte" in t.scenario for t in checks), "one check is the Gentofte context"
    assert not any("gentofte" in t.scenario for t in targets.of("fit"))
    assert 1 <= len(targets.constants) <= 8
    for t in targets.targets:
        assert t.source and STATISTICS[t.statistic].doc, t.name
        assert set(t.tolerance) <= {"survey", "discrepancy", "municipalities"} and t.scale > 0


def test_every_statistic_is_documented_once():
    for name, stat in STATISTICS.items():
        assert stat.name == name and len(stat.doc) > 20, name


# ---------------------------------------------------------------- the error model
def test_distance_is_zero_inside_the_range_and_counts_tolerances_outside(tmp_path):
    targets = load_targets(small_targets(tmp_path))
    strain = targets.of("fit")[0]
    tol = math.sqrt(0.01**2 + 0.03**2 + 0.04**2)
    assert strain.scale == pytest.approx(tol)
    assert strain.distance(0.10) == 0 and strain.distance(0.2) == 0
    assert strain.distance(0.25 + 2 * tol) == pytest.approx(2.0)
    assert strain.distance(0.10 - tol / 2) == pytest.approx(0.5)
    assert strain.distance(math.nan) == MISSING_DISTANCE
    # a run's distance is the largest over the fit targets only (checks never enter fitting)
    assert targets.distance({"strain": 0.5, "repeat": 99.0}) == pytest.approx((0.5 - 0.25) / tol)


# ---------------------------------------------------------------- statistics from the model
def test_statistics_are_reproducible_and_respond_to_the_constants_that_drive_them(tmp_path):
    from cocreate_sim.calibration.simulate import simulate

    targets = load_targets(small_targets(tmp_path)).of()
    first = simulate({}, 5, targets)
    assert first == simulate({}, 5, targets), "one seed, one result"
    low = [simulate({"job_strain": CONSTANTS["job_strain"].low}, s, targets)["strain"] for s in range(4)]
    high = [
        simulate({"job_strain": CONSTANTS["job_strain"].high, "overload_strain": 0.1}, s, targets)["strain"]
        for s in range(4)
    ]
    assert np.mean(high) > np.mean(low), (low, high)


def test_a_versus_statistic_runs_the_twin_on_the_same_seed(tmp_path):
    from cocreate_sim.calibration.simulate import simulate

    text = SMALL_TARGETS.replace(
        "  repeat:\n    statistic: yearly_joins_per_inhabitant\n",
        "  repeat:\n    statistic: politician_hours_ratio\n    versus: {{n_politicians: 25}}\n",
    )
    targets = load_targets(small_targets(tmp_path, text)).of()
    assert simulate({}, 3, targets)["repeat"] == pytest.approx(1.0), "twin with the same levers: ratio 1"


# ---------------------------------------------------------------- bad targets files
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    use: fit\n", "    use: fitt\n", "must be 'fit' or 'check'"),
        ("statistic: strain_share_mean", "statistic: strain_share_men", "(?i)did you mean 'strain_share_mean'"),
        ("observed: [0.10, 0.25]", "observed: [0.25, 0.10]", "low end 0.25 is above its high end"),
        (
            "tolerance: {{survey: 0.01, discrepancy: 0.03, municipalities: 0.04}}",
            "tolerance: 0.05",
            "must say what it combines",
        ),
        ("constants: [job_strain, efficacy_success]", "constants: [max_led]", "only behavioural constants"),
        ("constants: [job_strain, efficacy_success]", "constants: [job_strian]", "(?i)did you mean 'job_strain'"),
        (
            "    burn_in: 10\n    window: 10\n    observed: [0.10",
            "    burn_in: 10\n    window: 0\n    observed: [0.10",
            "whole number of weeks",
        ),
        ("    source: test\n  repeat", "    sorce: test\n  repeat", "unknown key"),
        (
            "scenario: small.yaml\n    burn_in: 10\n    window: 10\n    observed: [0.10",
            "scenario: nothere.yaml\n    burn_in: 10\n    window: 10\n    observed: [0.10",
            "no such file",
        ),
    ],
)
def test_a_bad_targets_file_is_one_paragraph_naming_file_line_and_key(tmp_path, old, new, message):
    assert old.format() in SMALL_TARGETS.format() or old in SMALL_TARGETS, old
    path = small_targets(tmp_path, SMALL_TARGETS.replace(old, new))
    with pytest.raises(UserError, match=message) as info:
        load_targets(path)
    text = str(info.value)
    assert "targets.yaml" in text and "\n" not in text.strip()


def test_more_than_eight_constants_are_refused(tmp_path):
    names = [c.name for c in CONSTANTS.values() if c.kind == "behavioural" and not c.integer][:9]
    path = small_targets(tmp_path, SMALL_TARGETS.replace("[job_strain, efficacy_success]", f"[{', '.join(names)}]"))
    with pytest.raises(UserError, match="at most 8"):
        load_targets(path)


# ---------------------------------------------------------------- ABC-SMC end to end
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # two calibrations and a pattern check in subprocesses: about a minute on 2 cores
def test_calibrate_writes_a_posterior_and_report_and_resumes_where_it_stopped(tmp_path):
    pytest.importorskip("pyabc")
    from cocreate_sim.constants import table_digest
    from cocreate_sim.posterior import read_posterior

    # a target no particle reaches: both runs stop at their budget, never at epsilon 1 after the first generation
    # (particles run on fresh seeds, so a reachable target made the resume below add no generation now and then)
    targets = small_targets(tmp_path, SMALL_TARGETS.replace("[0.10, 0.25]", "[0.95, 1.0]"))
    out = tmp_path / "cal"
    common = [
        "calibrate",
        str(targets),
        "--population",
        "8",
        "--workers",
        "1",
        "--predictive",
        "4",
        "--out",
        str(out),
        "--no-progress",
    ]
    no_patterns = ["--pattern-draws", "0"]
    first = run_cli(*common, *no_patterns, "--budget", "10")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "generation 0: epsilon" in first.stderr and "Traceback" not in first.stderr
    posterior, info = read_posterior(out / "posterior.parquet")
    assert list(posterior.columns) == ["job_strain", "efficacy_success", "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    lo, hi = CONSTANTS["job_strain"].low, CONSTANTS["job_strain"].high
    assert posterior["job_strain"].between(lo, hi).all(), "particles stay in the prior's support"
    assert info["constants_table"] == table_digest(["job_strain", "efficacy_success"]) and info["git_commit"]
    done = info["calibration"]
    assert "misfit, target by target" in first.stdout and "strain" in first.stdout
    report = (out / "report.html").read_text()
    assert "check targets (never used in fitting)" in report and "<script" in report and "<script src=" not in report
    assert "Not checked in this run (--pattern-draws 0)" in report

    # the same command with a larger budget resumes: more generations, the first ones kept. The budget is set
    # from what the first run used: particles run on fresh seeds, so generation 0 may take 10 or 60 simulations
    second = run_cli(*common, "--pattern-draws", "1", "--budget", str(done["simulations"] + 10))
    assert second.returncode == 0, second.stderr[-3000:]
    # ... and checks the six patterns on the posterior: in the report, and kept beside the posterior for run/compare
    patterns = pd.read_csv(out / "posterior_robust.csv")
    assert set(patterns["posterior_sha256"]) == {sha256_file(out / "posterior.parquet")}
    report = (out / "report.html").read_text()
    assert "Posterior predictive: the six patterns" in report and "dialogue carries the shift" in report
    assert "resuming" in second.stderr and "generation 0:" not in second.stderr
    _, info2 = read_posterior(out / "posterior.parquet")
    assert info2["calibration"]["generations"] > done["generations"]
    assert info2["calibration"]["simulations"] > done["simulations"]

    # other targets on the same folder are refused, not mixed in
    (tmp_path / "other").mkdir()
    other = small_targets(tmp_path / "other", SMALL_TARGETS.replace("[0.10, 0.25]", "[0.12, 0.25]"))
    third = run_cli("calibrate", str(other), "--workers", "1", "--out", str(out), "--budget", "10", *no_patterns)
    assert third.returncode == 2 and "other targets" in third.stderr and "Traceback" not in third.stderr


def test_a_damaged_posterior_is_a_clear_error(tmp_path):
    from cocreate_sim.posterior import read_posterior

    bad = tmp_path / "posterior.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match="not a posterior written by"):
        read_posterior(bad)


def test_provenance_and_resolved_targets_are_plain_json(tmp_path):
    targets = load_targets(small_targets(tmp_path))
    record = json.loads(json.dumps(targets.record(), default=str))
    assert record["constants"]["job_strain"] == [CONSTANTS["job_strain"].low, CONSTANTS["job_strain"].high]
    assert len(targets.digest()) == 16


def test_screen_ranks_constants_against_noise_and_reports_the_prior_predictive(tmp_path):
    pytest.importorskip("SALib")
    import pandas as pd

    from cocreate_sim.calibration.screen import DUMMY

    out = tmp_path / "screen"
    done = run_cli(
        "screen",
        str(small_targets(tmp_path)),
        "--trajectories",
        "2",
        "--draws",
        "6",
        "--workers",
        "1",
        "--out",
        str(out),
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "constants that visibly move a fit target" in done.stdout
    assert "fit   strain: observed 0.1 to 0.25" in done.stdout and "check repeat" in done.stdout
    screen = pd.read_csv(out / "screening.csv")
    assert set(screen["target"]) == {"strain"}, "only fit targets are screened"
    assert DUMMY in set(screen["constant"]), "the noise reference is screened too"
    chosen = pd.read_csv(out / "chosen.csv")
    assert DUMMY not in set(chosen["constant"]) and chosen["chosen"].sum() <= 8
    cover = pd.read_csv(out / "coverage.csv")
    assert list(cover["target"]) == ["strain", "repeat"] and cover["within_tolerance"].between(0, 1).all()
    assert len(pd.read_csv(out / "prior_predictive.csv")) == 6


def test_simulation_based_calibration_smoke():
    """A smoke test of benchmarks/sbc.py (one truth, a tiny budget): it runs and gives an interval per constant.

    The real check, ten truths and the coverage of their 90% intervals, is docs/calibration.md's figure.
    """
    pytest.importorskip("pyabc")
    from cocreate_sim.calibration.sbc import CONSTANTS_FITTED, run_sbc

    rows = run_sbc(1, population=10, budget=30, workers=1, burn_in=4, window=26, notify=lambda _line: None)
    assert list(rows["constant"]) == list(CONSTANTS_FITTED)
    assert (rows["low"] <= rows["high"]).all()
    for _, row in rows.iterrows():
        c = CONSTANTS[row["constant"]]
        assert c.low <= row["low"] and row["high"] <= c.high


@pytest.mark.slow
def test_calibrate_runs_its_particles_on_the_embedded_dask_cluster(tmp_path):
    pytest.importorskip("pyabc")
    pytest.importorskip("distributed")
    out = tmp_path / "cal"
    done = run_cli(
        "calibrate",
        str(small_targets(tmp_path)),
        "--population",
        "6",
        "--budget",
        "12",
        "--workers",
        "2",
        "--predictive",
        "3",
        "--pattern-draws",
        "0",
        "--out",
        str(out),
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on 2 local workers" in done.stderr and "Traceback" not in done.stderr
    assert (out / "posterior.parquet").stat().st_size > 0 and (out / "report.html").exists()


def test_ctrl_c_keeps_every_finished_generation_and_the_same_command_resumes(tmp_path):
    pytest.importorskip("pyabc")
    import os
    import signal
    import time

    out = tmp_path / "cal"
    # a target no run reaches, so that the calibration is still going when Ctrl-C comes
    targets = small_targets(tmp_path, SMALL_TARGETS.replace("[0.10, 0.25]", "[0.95, 1.0]"))
    args = [
        sys.executable,
        "run.py",
        "calibrate",
        str(targets),
        "--population",
        "8",
        "--budget",
        "100000",
        "--workers",
        "1",
        "--predictive",
        "2",
        "--pattern-draws",
        "0",
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while not (out / "posterior.parquet").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "every finished generation is kept" in err and "Traceback" not in err
    again = run_cli(
        "calibrate",
        str(targets),
        "--population",
        "8",
        "--budget",
        "30",
        "--workers",
        "1",
        "--predictive",
        "2",
        "--pattern-draws",
        "0",
        "--out",
        str(out),
        "--no-progress",
    )
    assert again.returncode == 0 and "resuming" in again.stderr, again.stderr[-2000:]


def test_a_stop_that_pyabcs_cleanup_trips_over_is_still_a_stop():
    """CI saw Ctrl-C land inside a database transaction: pyabc's ``finally: history.done()`` then raised
    SQLAlchemy's PendingRollbackError, and the run ended in a traceback with status 1 instead of 130."""
    from cocreate_sim.calibration.abc import _one_generation

    class CleanupTripsOverTheStop:
        def run(self, **_: object) -> None:
            try:
                raise KeyboardInterrupt
            finally:
                raise RuntimeError("Can't reconnect until invalid transaction is rolled back.")

    class PlainFailure:
        def run(self, **_: object) -> None:
            raise RuntimeError("a real error stays an error")

    with pytest.raises(KeyboardInterrupt):
        _one_generation(CleanupTripsOverTheStop(), 10)
    with pytest.raises(RuntimeError, match="stays an error"):
        _one_generation(PlainFailure(), 10)


def test_a_stop_that_a_library_swallowed_is_raised_again_at_the_next_particle():
    """CI saw a calibration keep running after Ctrl-C: the KeyboardInterrupt was dropped inside a library."""
    from cocreate_sim.calibration import abc

    model = abc.ParticleModel([])
    abc._STOP.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            model({"job_strain": 0.02})
    finally:
        abc._STOP.clear()


# ---------------------------------------------------------------- the shipped posterior
SHIPPED = ROOT / "calibration" / "posterior.parquet"


def test_the_shipped_posterior_was_fitted_to_this_model_code_and_constants_table():
    """A model or constants table changed since the calibration makes it stale: recalibrate (docs/calibration.md)."""
    from cocreate_sim.constants import table_digest
    from cocreate_sim.posterior import model_code_hash, read_posterior

    posterior, info = read_posterior(SHIPPED)
    fitted = info["calibration"]["constants"]  # their declared values may be the calibrated ones (docs/calibration.md)
    assert info["constants_table"] == table_digest(fitted), "the constants table changed since the calibration"
    assert info["model_code"] == model_code_hash(), "the model code changed since the calibration"
    assert info["git_commit"] and "uncommitted" not in info["git_commit"]
    cal = info["calibration"]
    assert len(posterior) >= 300 and cal["effective_sample_size"] >= 200
    assert list(posterior.columns) == [*load_targets(TARGETS).constants, "weight"]
    assert info["targets"]["digest"] == load_targets(TARGETS).digest(), "the targets file changed since"


def test_the_shipped_posterior_carries_a_robust_conclusions_table_for_this_code():
    """Every run and compare report shows it; after a model or constants change it must be made again
    (``python3 run.py robust --attach --update-docs``, about 5 minutes on 2 cores)."""
    from cocreate_sim.patterns_design import HORIZON, PATTERNS
    from cocreate_sim.posterior import CONCLUSIONS_USED, DRAWS, SEEDS_PER_DRAW, draw_constants

    table, status = draw_constants(SHIPPED, 1).conclusions()
    assert status == CONCLUSIONS_USED, f"calibration/posterior_robust.csv is not shown in reports: {status}"
    assert set(table["pattern"]) == {p.key for p in PATTERNS}
    assert (table["draws"] == DRAWS).all() and (table["seeds_per_draw"] == SEEDS_PER_DRAW).all()
    assert (table["horizon"] == HORIZON).all(), "the shipped table is made with the patterns' own horizon"


def test_the_targets_digest_does_not_depend_on_the_working_folder(tmp_path, monkeypatch):
    here = load_targets(TARGETS).digest()
    monkeypatch.chdir(tmp_path)
    assert load_targets(TARGETS).digest() == here


def test_the_highest_density_particle_is_where_the_particles_crowd():
    from cocreate_sim.calibration.report import highest_density

    rng = np.random.default_rng(3)
    crowd = rng.normal([0.05, 0.03], [0.002, 0.001], size=(200, 2))
    stray = np.array([[0.09, 0.012]])
    points = np.vstack([crowd, stray])
    posterior = pd.DataFrame({"recovery": points[:, 0], "job_strain": points[:, 1], "weight": 1 / len(points)})
    best = highest_density(posterior)
    assert abs(best["recovery"] - 0.05) < 0.004 and abs(best["job_strain"] - 0.03) < 0.002
    # two particles give no kernel estimate in two dimensions: the heavier one is taken
    two = pd.DataFrame({"recovery": [0.05, 0.06], "job_strain": [0.03, 0.035], "weight": [0.2, 0.8]})
    assert highest_density(two) == {"recovery": 0.06, "job_strain": 0.035}


def test_the_declared_values_of_the_fitted_constants_are_the_shipped_posteriors_highest_density_particle():
    """Issue 11, point 5: run_model() at defaults is the calibrated model (docs/calibration_defaults.py)."""
    pytest.importorskip("scipy")
    from cocreate_sim.calibration.report import highest_density
    from cocreate_sim.posterior import read_posterior

    posterior, _ = read_posterior(SHIPPED)
    for name, value in highest_density(posterior).items():
        assert CONSTANTS[name].value == float(f"{value:.3g}"), name

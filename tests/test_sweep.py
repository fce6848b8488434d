"""Sweep files, designs, seeds, the results store and the sensitivity analysis (no Dask: fast)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cocreate_sim.errors import UserError
from cocreate_sim.params import PARAMETERS
from cocreate_sim.sweep import (
    build_manifest,
    design_points,
    load_sweep,
    run_chunk,
    run_seed,
    run_specs,
)
from cocreate_sim.sweep.analysis import analyse, sensitivity
from cocreate_sim.sweep.design import Design
from cocreate_sim.sweep.store import QUARANTINE, SweepStore, load_runs

ROOT = Path(__file__).resolve().parents[1]

TINY = """\
design: grid
vary:
  zero_error_culture: [0.2, 0.8]
  leader_dialogue: [0.1, 0.9]
replications: 2
horizon: 8
seed: 5
params: {n_citizens: 100, n_departments: 2, workers_per_department: 3}
outcomes: [uptake, practice_mean]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(UserError) as info:
        load_sweep(write(tmp_path, text))
    return str(info.value)


# ------------------------------------------------------------------------------------------- files
def test_shipped_grid_example_crosses_the_three_institutional_levers():
    sweep = load_sweep(ROOT / "sweeps" / "institutions_grid.yaml")
    assert sweep.design == "grid"
    assert set(sweep.vary) == {"zero_error_culture", "decision_path_length", "leader_dialogue"}
    points = design_points(sweep)
    assert len(points) == np.prod([len(v) for v in sweep.vary.values()])
    assert len({tuple(p.values()) for p in points}) == len(points)


def test_shipped_sobol_example_varies_at_least_eight_levers_within_their_ranges():
    sweep = load_sweep(ROOT / "sweeps" / "sobol_levers.yaml")
    assert sweep.design == "sobol" and len(sweep.vary) >= 8
    points = design_points(sweep)
    assert len(points) == sweep.samples * (len(sweep.vary) + 2)
    for name, bounds in sweep.vary.items():
        values = [p[name] for p in points]
        assert bounds["low"] <= min(values) and max(values) <= bounds["high"]
        assert PARAMETERS[name].low <= bounds["low"] < bounds["high"] <= PARAMETERS[name].high


def test_typo_in_a_varied_lever_names_file_line_and_the_closest_lever(tmp_path):
    message = error_of(tmp_path, TINY.replace("leader_dialogue:", "leader_dialog:"))
    assert "sweep.yaml, line 4, key 'vary.leader_dialog'" in message
    assert "Did you mean 'leader_dialogue'?" in message


def test_bounds_outside_the_declared_range_are_refused_with_the_range(tmp_path):
    text = "design: lhs\nsamples: 4\nvary:\n  discretion: {low: 0.2, high: 1.5}\n"
    message = error_of(tmp_path, text)
    assert "line 4" in message and "vary.discretion.high" in message
    assert "0.0 to 1.0" in message


def test_a_grid_value_out_of_range_names_its_position(tmp_path):
    message = error_of(tmp_path, TINY.replace("[0.2, 0.8]", "[0.2, 1.8]"))
    assert "vary.zero_error_culture.1" in message and "out of range" in message


def test_a_grid_needs_value_lists_and_a_sampled_design_needs_bounds(tmp_path):
    assert "list of values" in error_of(tmp_path, TINY.replace("[0.2, 0.8]", "{low: 0.2, high: 0.8}"))
    text = "design: morris\nsamples: 4\nvary:\n  discretion: [0.1, 0.5]\n  silo_strength: {}\n"
    assert "{low: L, high: H}" in error_of(tmp_path, text)


def test_unknown_keys_designs_and_outcomes_get_did_you_mean_hints(tmp_path):
    assert "Did you mean 'replications'?" in error_of(tmp_path, TINY.replace("replications:", "replicatons:"))
    assert "Did you mean 'sobol'?" in error_of(tmp_path, TINY.replace("design: grid", "design: sobel"))
    assert "Did you mean 'uptake'?" in error_of(tmp_path, TINY.replace("[uptake,", "[uptak,"))


def test_sobol_needs_a_power_of_two_and_grids_take_no_samples(tmp_path):
    text = "design: sobol\nsamples: 100\nvary:\n  discretion: {}\n  silo_strength: {}\n"
    assert "power of two" in error_of(tmp_path, text)
    assert "Remove 'samples'" in error_of(tmp_path, TINY + "samples: 8\n")


def test_whole_numbers_are_required_where_counts_are_meant(tmp_path):
    assert "'replications'" in error_of(tmp_path, TINY.replace("replications: 2", "replications: 0"))
    assert "'horizon'" in error_of(tmp_path, TINY.replace("horizon: 8", "horizon: 2.5"))


def test_a_design_point_breaking_a_joint_constraint_is_reported(tmp_path):
    text = "design: grid\nvary:\n  weak_share: [0.2, 0.8]\n  strong_share: [0.2, 0.5]\nhorizon: 4\n"
    with pytest.raises(UserError, match="design point .* must not exceed 1"):
        build_manifest(load_sweep(write(tmp_path, text)))


def test_integer_levers_are_sampled_as_whole_numbers_across_their_bounds(tmp_path):
    text = "design: lhs\nsamples: 200\nseed: 1\nvary:\n  decision_path_length: {low: 2, high: 5}\n  discretion: {}\n"
    points = design_points(load_sweep(write(tmp_path, text)))
    values = [p["decision_path_length"] for p in points]
    assert all(isinstance(v, int) for v in values)
    assert set(values) == {2, 3, 4, 5}
    assert min(values.count(v) for v in range(2, 6)) >= 40  # the end values are not under-sampled


def test_sampled_designs_are_reproducible_from_the_seed(tmp_path):
    text = "design: {d}\nsamples: 8\nseed: 3\nvary:\n  discretion: {{}}\n  silo_strength: {{}}\n"
    for design in ("lhs", "sobol", "morris"):
        first = design_points(load_sweep(write(tmp_path, text.format(d=design))))
        again = design_points(load_sweep(write(tmp_path, text.format(d=design))))
        assert first == again


def test_base_scenario_is_read_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "small.yaml").write_text("horizon: 30\nreplications: 3\nseed: 9\nparams:\n  discretion: 0.7\n")
    sub = tmp_path / "sw"
    sub.mkdir()
    sweep = load_sweep(write(sub, "base: ../scen/small.yaml\ndesign: grid\nvary:\n  silo_strength: [0.1, 0.9]\n"))
    assert (sweep.horizon, sweep.replications, sweep.seed) == (30, 3, 9)
    assert sweep.params["discretion"] == 0.7
    message = error_of(sub, "base: ../scen/big.yaml\ndesign: grid\nvary:\n  silo_strength: [0.1]\n")
    assert "key 'base'" in message and "does not exist" in message


def test_run_seeds_depend_only_on_base_seed_and_run_id():
    seeds = [run_seed(11, i) for i in range(1000)]
    assert len(set(seeds)) == 1000
    assert seeds[17] == run_seed(11, 17) and run_seed(12, 17) != seeds[17]


# ------------------------------------------------------------------------------------------- store
@pytest.fixture
def tiny(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    return sweep, build_manifest(sweep), tmp_path / "out"


def fill(store: SweepStore, manifest: dict, ids: list[int]) -> None:
    store.write_chunk(run_chunk(run_specs(manifest, ids), manifest["sweep"]["horizon"]))


def test_store_rows_carry_ids_seed_every_parameter_and_every_outcome(tiny):
    sweep, manifest, out = tiny
    store = SweepStore.open(out, manifest)
    fill(store, manifest, [0, 1, 2])
    fill(store, manifest, [5])
    assert store.finished_run_ids() == {0, 1, 2, 5}
    frame = load_runs(out)
    assert frame["run_id"].tolist() == [0, 1, 2, 5]
    assert set(PARAMETERS) <= set(frame.columns) and set(manifest["outcome_columns"]) <= set(frame.columns)
    assert frame.loc[3, "point"] == 2 and frame.loc[3, "replication"] == 1
    assert frame.loc[3, "seed"] == run_seed(5, 5)
    point = Design.of(manifest).points(2, 3)[0]
    assert frame.loc[3, "leader_dialogue"] == point["leader_dialogue"]
    assert frame.loc[3, "n_citizens"] == 100


def test_a_damaged_chunk_is_quarantined_and_its_runs_count_as_not_done(tiny):
    sweep, manifest, out = tiny
    store = SweepStore.open(out, manifest)
    fill(store, manifest, [0, 1])
    fill(store, manifest, [2, 3])
    store.close()
    victim = sorted((out / "runs").glob("chunk-0000002-*"))[0]
    victim.write_bytes(victim.read_bytes()[:-40])  # truncated, as by a disk error
    reopened = SweepStore.open(out, manifest)
    assert reopened.finished_run_ids() == {0, 1}
    assert (out / QUARANTINE / victim.name).exists()
    assert "damaged" in reopened.warnings[0] and "run again" in reopened.warnings[0]


def test_half_written_temporary_files_of_a_killed_sweep_are_ignored_and_removed(tiny):
    sweep, manifest, out = tiny
    store = SweepStore.open(out, manifest)
    fill(store, manifest, [0])
    store.close()
    (out / "runs" / ".chunk-0000001-0000001-x.parquet.abc.tmp").write_bytes(b"PAR1 half")
    reopened = SweepStore.open(out, manifest)
    assert reopened.finished_run_ids() == {0}
    assert not list((out / "runs").glob(".*.tmp"))


def test_a_changed_sweep_on_an_existing_folder_is_refused_naming_what_changed(tiny, tmp_path):
    sweep, manifest, out = tiny
    SweepStore.open(out, manifest).close()
    changed = build_manifest(load_sweep(write(tmp_path, TINY.replace("horizon: 8", "horizon: 9"), "b.yaml")))
    with pytest.raises(UserError, match=r"different sweep \(changed: horizon\)"):
        SweepStore.open(out, changed)
    other = build_manifest(load_sweep(write(tmp_path, TINY.replace("n_citizens: 100", "n_citizens: 90"), "c.yaml")))
    with pytest.raises(UserError, match=r"params \(n_citizens\)"):
        SweepStore.open(out, other)


def test_changed_model_code_on_an_existing_folder_is_refused(tiny, monkeypatch):
    import cocreate_sim.sweep.design as sweep_module

    sweep, manifest, out = tiny
    SweepStore.open(out, manifest).close()
    monkeypatch.setattr(sweep_module, "model_code_hash", lambda: "0123456789abcdef")
    with pytest.raises(UserError, match="different model code"):
        SweepStore.open(out, build_manifest(sweep))


def test_only_changed_outcomes_reuse_the_folder(tiny, tmp_path):
    sweep, manifest, out = tiny
    SweepStore.open(out, manifest).close()
    more = build_manifest(load_sweep(write(tmp_path, TINY.replace("[uptake, practice_mean]", "[backlog]"), "d.yaml")))
    assert SweepStore.open(out, more).manifest["outcomes"] == ["backlog"]
    assert json.loads((out / "manifest.json").read_text())["outcomes"] == ["backlog"]


def test_a_foreign_or_damaged_folder_is_a_clear_error(tiny, tmp_path):
    sweep, manifest, out = tiny
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a sweep results folder"):
        SweepStore.open(foreign, manifest)
    SweepStore.open(out, manifest).close()
    (out / "manifest.json").write_text("{ half")
    with pytest.raises(UserError, match="damaged"):
        SweepStore.open(out, manifest)


def test_two_sweep_processes_never_write_to_one_folder_at_once(tiny):
    sweep, manifest, out = tiny
    first = SweepStore.open(out, manifest)
    with pytest.raises(UserError, match="another sweep process is writing"):
        SweepStore.open(out, manifest)
    first.close()
    SweepStore.open(out, manifest).close()


def test_analysis_of_an_unfinished_sweep_says_how_to_finish_it(tiny):
    sweep, manifest, out = tiny
    store = SweepStore.open(out, manifest)
    fill(store, manifest, [0, 1])
    with pytest.raises(UserError, match="holds 2 of the sweep's 8 runs"):
        analyse(out)


# ------------------------------------------------------------------------------------------- analysis
def synthetic(manifest: dict, formula) -> pd.DataFrame:
    """A results frame whose outcome is a known function of the levers (one replication)."""
    rows = []
    for point, values in enumerate(Design.of(manifest).points()):
        rows.append({"run_id": point, "point": point, "replication": 0, "uptake": formula(values)})
    return pd.DataFrame(rows)


def test_sobol_indices_find_the_only_lever_that_matters(tmp_path):
    text = "design: sobol\nsamples: 256\nseed: 2\noutcomes: [uptake]\nvary:\n" + "".join(
        f"  {n}: {{}}\n" for n in ("discretion", "silo_strength", "leader_dialogue")
    )
    manifest = build_manifest(load_sweep(write(tmp_path, text)))
    table = sensitivity(manifest, synthetic(manifest, lambda v: 3 * v["leader_dialogue"] + 0.01 * v["discretion"]))
    by = table.set_index("parameter")
    assert by.loc["leader_dialogue", "S1"] > 0.9 and by.loc["leader_dialogue", "ST"] > 0.9
    assert by.loc["silo_strength", "ST"] < 0.05
    assert {"S1_conf", "ST_conf"} <= set(table.columns)


def test_morris_ranks_levers_by_mu_star(tmp_path):
    text = "design: morris\nsamples: 20\nseed: 2\noutcomes: [uptake]\nvary:\n  discretion: {}\n  silo_strength: {}\n"
    manifest = build_manifest(load_sweep(write(tmp_path, text)))
    table = sensitivity(manifest, synthetic(manifest, lambda v: v["discretion"] ** 2 + 0.1 * v["silo_strength"]))
    by = table.set_index("parameter")
    assert by.loc["discretion", "mu_star"] > 3 * by.loc["silo_strength", "mu_star"]
    assert by.loc["silo_strength", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no spread


def test_morris_handles_whole_number_levers_with_a_narrow_range(tmp_path):
    text = (
        "design: morris\nsamples: 10\nseed: 4\nlevels: 6\noutcomes: [uptake]\nvary:\n"
        "  decision_path_length: {low: 1, high: 2}\n  discretion: {}\n"
    )
    manifest = build_manifest(load_sweep(write(tmp_path, text)))
    assert {p["decision_path_length"] for p in Design.of(manifest).points()} == {1, 2}
    table = sensitivity(manifest, synthetic(manifest, lambda v: float(v["decision_path_length"]))).set_index(
        "parameter"
    )
    assert np.isfinite(table["mu_star"]).all()
    assert table.loc["decision_path_length", "mu_star"] > 0 and table.loc["discretion", "mu_star"] == 0


def test_grid_main_effect_shares_and_regression_signs(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    manifest = {**build_manifest(sweep), "outcomes": ["uptake"]}
    frame = synthetic(manifest, lambda v: 2 - v["zero_error_culture"])
    frame = pd.concat([frame, frame.assign(replication=1)])
    table = sensitivity(manifest, frame).set_index("parameter")
    assert table.loc["zero_error_culture", "eta2"] == pytest.approx(1.0)
    assert table.loc["zero_error_culture", "src"] < 0 and table.loc["leader_dialogue", "eta2"] == pytest.approx(0)


def test_analyse_writes_csv_and_a_self_contained_report(tiny):
    sweep, manifest, out = tiny
    store = SweepStore.open(out, manifest)
    fill(store, manifest, list(range(manifest["n_runs"])))
    csv, report = analyse(out)
    table = pd.read_csv(csv)
    assert set(table["outcome"]) == {"uptake", "practice_mean"}
    text = report.read_text()
    assert "Plotly" in text and not re.search(r"<script[^>]+src=", text)
    assert "band" in text and "zero_error_culture" in text


def test_a_sweep_over_the_run_limit_is_refused_up_front_naming_its_size(tmp_path):
    text = "design: lhs\nsamples: 1000\nreplications: 1001\nvary:\n  discretion: {}\n"
    message = error_of(tmp_path, text)
    assert "1,000 points x 1,001 replications = 1,001,000 runs" in message and "1,000,000" in message


def test_horizon_and_seed_are_capped(tmp_path):
    assert "'horizon'" in error_of(tmp_path, TINY.replace("horizon: 8", "horizon: 5201"))
    assert "'seed'" in error_of(tmp_path, TINY.replace("seed: 5", "seed: 4294967296"))


def test_the_sweep_package_runs_as_a_module(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cocreate_sim.sweep",
            "sweep",
            str(write(tmp_path, TINY)),
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
            "--no-analyse",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "in this process" in done.stderr and "(8 run now, 0 resumed)" in done.stdout

"""Runs and comparisons that draw their constants from the calibrated posterior (issue 11, point 7)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from cocreate_sim import cli
from cocreate_sim.checkpoints import run_fingerprint
from cocreate_sim.errors import UserError
from cocreate_sim.fileio import sha256_file
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.posterior import METADATA_KEY, SHIPPED, conclusions_path, draw_constants, systematic_resample
from cocreate_sim.runner import run_timeseries
from cocreate_sim.statistics import (
    INTERVAL_PREDICTIVE,
    gain,
    paired_differences,
    probability_better,
    summarize,
    weekly_bands,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "npm_baseline.yaml")
OTHER = str(ROOT / "scenarios" / "npg_layered.yaml")
SMALL = ["--steps", "4", "--set", "n_citizens=150", "--workers", "1", "--quiet"]


def main(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_posterior(path: Path, frame: pd.DataFrame, info: object = None) -> Path:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.dumps({"git_commit": "test"} if info is None else info).encode()
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: meta}), path)
    return path


# ------------------------------------------------------------------ drawing
def test_draws_follow_the_weights_and_the_seed():
    weights = np.array([0.9, 0.1])
    counts = np.bincount(systematic_resample(weights, 1000, np.random.default_rng(1)), minlength=2)
    assert counts.tolist() == [900, 100]  # systematic resampling: exact to within one
    a, b, c = (draw_constants(draws=20, seed=s) for s in (1, 1, 2))
    assert a.draws == b.draws and a.draws != c.draws
    assert set(a.fitted) == {"recovery", "job_strain"} and a.particles >= 300
    assert a.replications == 40 and a.constants_by_replication()[1] == a.draws[0]


def test_a_posterior_file_that_is_not_one_is_a_clean_error(tmp_path: Path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really")
    cases = {
        tmp_path / "absent.parquet": "no posterior file there",
        garbage: "not a posterior written by 'run.py calibrate'",
        write_posterior(tmp_path / "unknown.parquet", pd.DataFrame({"nonsense": [1.0], "weight": [1.0]})): "unknown",
        write_posterior(tmp_path / "negative.parquet", pd.DataFrame({"recovery": [0.05], "weight": [-1.0]})): "weights",
        write_posterior(tmp_path / "bad.parquet", pd.DataFrame({"recovery": [-0.5], "weight": [1.0]})): "cannot run",
    }
    for path, words in cases.items():
        with pytest.raises(UserError, match=words) as caught:
            draw_constants(path, draws=2)
        assert path.name in str(caught.value)
    with pytest.raises(UserError, match="at most"):
        draw_constants(draws=600, seeds_per_draw=2)


# ------------------------------------------------------------- statistics
def test_every_good_direction_names_a_column_and_a_known_direction():
    from cocreate_sim.reports.common import GOOD_WORDS
    from cocreate_sim.statistics import GOOD_DIRECTION

    assert set(GOOD_DIRECTION) <= set(COLUMN_NAMES) and set(GOOD_DIRECTION.values()) <= set(GOOD_WORDS)
    assert {"uptake", "inclusion_ratio", "dropout_rate", "burnout_share"} <= set(GOOD_DIRECTION)


def test_probability_better_uses_each_outcomes_good_direction():
    ref, other = np.array([0.5, 0.5, 0.5, 0.5]), np.array([0.6, 0.4, 0.7, 0.5])
    assert gain("uptake", ref, other).tolist() == pytest.approx([0.1, -0.1, 0.2, 0.0])
    assert gain("backlog", ref, other).tolist() == pytest.approx([-0.1, 0.1, -0.2, 0.0])
    # inclusion: closer to 1 is better, from either side
    assert gain("inclusion_ratio", np.array([0.5, 1.4]), np.array([0.8, 1.1])).tolist() == pytest.approx([0.3, 0.3])
    assert np.isnan(gain("hours_operations", ref, other)).all()
    gains = np.array([0.1, -0.3, 0.2, 0.2, 0.0, 0.0])
    assert probability_better(gains, np.arange(6)) == pytest.approx((3 + 1) / 6)  # ties count half
    assert probability_better(gains, np.array([0, 0, 1, 1, 2, 2])) == pytest.approx((1 + 0.5) / 3)  # per draw


def _table(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for scenario, series in values.items():
        for i, v in enumerate(series):
            rows.append({"scenario": scenario, "replication": i, "seed": i, "week": 1, "uptake": v})
    frame = pd.DataFrame(rows)
    for column in COLUMN_NAMES:
        if column not in frame:
            frame[column] = 0.0
    return frame


def test_predictive_bands_hold_the_runs_not_the_mean():
    values = list(np.linspace(0, 1, 101))
    table = _table({"a": values})
    point = summarize(table).set_index("outcome").loc["uptake"]
    drawn = summarize(table, predictive=True).set_index("outcome").loc["uptake"]
    assert drawn["interval"] == INTERVAL_PREDICTIVE
    assert drawn["ci95_low"] == pytest.approx(0.025) and drawn["ci95_high"] == pytest.approx(0.975)
    assert point["ci95_high"] - point["ci95_low"] < 0.15  # the mean's interval is far narrower
    band = weekly_bands(table, "uptake", predictive=True).iloc[0]
    assert band["low"] == pytest.approx(0.025) and band["high"] == pytest.approx(0.975)


def test_paired_differences_give_the_probability_per_draw():
    table = _table({"a": [0.1, 0.1, 0.1, 0.1], "b": [0.3, 0.0, 0.3, 0.2]})  # gains +0.2, -0.1, +0.2, +0.1
    per_draw = paired_differences(table, "a", per_draw=2).set_index("outcome").loc["uptake"]
    assert per_draw["p_better"] == pytest.approx(1.0)  # both draws gain on average
    per_run = paired_differences(table, "a").set_index("outcome").loc["uptake"]
    assert per_run["p_better"] == pytest.approx(3 / 4) and per_run["good"] == "higher"


def test_the_checkpoint_fingerprint_covers_the_constants():
    runs = [("a", {"n_citizens": 100})]
    plain = run_fingerprint(runs, 4, [1, 2])
    assert plain == run_fingerprint(runs, 4, [1, 2], [None, None])
    drawn = run_fingerprint(runs, 4, [1, 2], [{"recovery": 0.05}, {"recovery": 0.05}])
    other = run_fingerprint(runs, 4, [1, 2], [{"recovery": 0.05}, {"recovery": 0.06}])
    assert len({plain, drawn, other}) == 3


# -------------------------------------------------------------- end to end
def test_run_draws_from_the_shipped_posterior_by_default(tmp_path: Path, capsys):
    code, out, err = main(capsys, BASELINE, *SMALL, "--draws", "3", "--seed", "4", "--out", str(tmp_path))
    assert code == 0, err
    folder = Path(out.strip())
    draws = pd.read_csv(folder / "draws.csv")
    assert draws["replication"].tolist() == list(range(6)) and draws["draw"].tolist() == [0, 0, 1, 1, 2, 2]
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    posterior = resolved["provenance"]["posterior"]
    assert posterior["sha256"] == sha256_file(SHIPPED) and posterior["draws"] == 3 and posterior["seeds_per_draw"] == 2
    assert resolved["replications"] == 6
    summary = pd.read_csv(folder / "summary.csv")
    assert (summary["interval"] == INTERVAL_PREDICTIVE).all()
    series = pd.read_parquet(folder / "timeseries.parquet")
    # replication 3 ran draw 1's constants on seed 4 + 3: rerun it by hand
    row = draws.iloc[3]
    constants = {name: float(row[name]) for name in ("recovery", "job_strain")}
    again = run_timeseries(4, 7, constants=constants, n_citizens=150)
    mine = series[series["replication"] == 3].set_index("week")["energy_mean"]
    assert mine.tolist() == pytest.approx(again["energy_mean"].tolist())
    assert "95% of runs" in (folder / "report.html").read_text()
    # the report is rebuilt the same way, in Danish too
    assert main(capsys, "report", str(folder), "--lang", "da")[0] == 0
    assert "95 % af kørslerne" in (folder / "report.html").read_text()


def test_compare_draws_the_same_constants_for_every_scenario(tmp_path: Path, capsys):
    code, out, err = main(capsys, "compare", BASELINE, OTHER, *SMALL, "--draws", "2", "--out", str(tmp_path))
    assert code == 0, err
    folder = Path(out.strip())
    diffs = pd.read_csv(folder / "differences.csv").set_index("outcome")
    assert diffs["p_better"].dropna().between(0, 1).all() and diffs.loc["inclusion_ratio", "good"] == "closer to 1"
    assert set(diffs["p_better"].dropna() * 2) <= {0.0, 0.5, 1.0, 1.5, 2.0}  # two draws; ties half
    page = (folder / "report.html").read_text()
    assert "Probability better" in page and "closer to 1" in page
    draws = pd.read_csv(folder / "draws.csv")
    assert len(draws) == 4 and draws["draw"].nunique() == 2


def test_point_and_posterior_options_that_do_not_go_together(tmp_path: Path, capsys):
    code, _, err = main(capsys, BASELINE, *SMALL, "--replications", "3", "--out", str(tmp_path))
    assert code == 2 and "--point" in err and "Traceback" not in err
    code, _, err = main(capsys, BASELINE, *SMALL, "--point", "--draws", "3", "--out", str(tmp_path))
    assert code == 2 and "--draws" in err and "drop --point" in err
    missing = tmp_path / "nowhere.parquet"
    code, _, err = main(capsys, BASELINE, *SMALL, "--posterior", str(missing), "--out", str(tmp_path))
    assert code == 2 and "nowhere.parquet" in err and "--point" in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.is_dir()], "nothing ran"


def test_a_posterior_fitted_to_other_model_code_is_used_with_a_note(tmp_path: Path, capsys):
    frame = pd.DataFrame({"recovery": [0.05, 0.06], "job_strain": [0.02, 0.03], "weight": [0.5, 0.5]})
    old = write_posterior(tmp_path / "old.parquet", frame, {"model_code": "0" * 16, "git_commit": "x"})
    code, out, err = main(capsys, BASELINE, *SMALL, "--draws", "1", "--posterior", str(old), "--out", str(tmp_path))
    assert code == 0, err
    assert "fitted to another model code" in err and "Recalibrate" in err
    resolved = yaml.safe_load((Path(out.strip()) / "scenario.yaml").read_text())
    assert resolved["provenance"]["posterior"]["model_code"] == "0" * 16


# ------------------------------------------------------- robust conclusions
def test_a_claim_holds_in_the_draws_whose_mean_effect_has_its_sign():
    from cocreate_sim.patterns import PatternResult
    from cocreate_sim.patterns_design import PATTERNS
    from cocreate_sim.robust_conclusions import conclusions

    pattern = PATTERNS[0]  # zero_error: uptake(strong) - uptake(weak) expected < 0
    weak, strong = pattern.contrasts[0].a, pattern.contrasts[0].b
    finals = {
        weak: {"uptake": np.array([0.10, 0.10, 0.10, 0.10, 0.10, 0.10])},
        strong: {"uptake": np.array([0.05, 0.12, 0.20, 0.20, 0.08, 0.09])},  # draws: -0.015 (holds), +0.1, -0.015
    }
    table = conclusions([PatternResult(pattern, [], finals=finals)], seeds_per_draw=2)
    claim, together = table.iloc[0], table.iloc[1]
    assert claim["draws"] == 3 and claim["share_holding"] == pytest.approx(2 / 3)
    assert together["claim"] == "all claims of the pattern" and together["share_holding"] == pytest.approx(2 / 3)


def test_robust_publishes_the_share_of_draws_for_every_claim(tmp_path: Path, capsys):
    from cocreate_sim.patterns_design import PATTERNS

    mine = tmp_path / "mine.parquet"
    mine.write_bytes(SHIPPED.read_bytes())
    code, out, err = main(
        capsys, "robust", "--draws", "2", "--steps", "6", "--workers", "1", "--quiet", "--out", str(tmp_path),
        "--posterior", str(mine), "--attach",
    )  # fmt: skip
    assert code == 0, err
    attached = pd.read_csv(tmp_path / "mine_robust.csv")  # beside the posterior, where reports find it
    assert set(attached["posterior_sha256"]) == {sha256_file(mine)} and set(attached["pattern"]) == {
        p.key for p in PATTERNS
    }
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("robust-")]
    table = pd.read_csv(folder / "robust.csv")
    assert len(table) == sum(len(p.contrasts) + 1 for p in PATTERNS)
    assert set(table["share_holding"]) <= {0.0, 0.5, 1.0} and (table["draws"] == 2).all()
    page = (folder / "robust.md").read_text()
    assert "share of draws holding" in page and page.count("\n| ") == len(table) + 1
    assert "6 weeks per experiment" in page  # a quick trial's table says it is one
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["posterior"]["sha256"] == sha256_file(mine)
    assert (attached["horizon"] == 6).all() and (attached["seeds_per_draw"] == 2).all()


def _conclusions(posterior: Path, sha: str, **stamp: str) -> None:
    """A robust-conclusions table beside ``posterior`` made (so it says) for the posterior with hash ``sha`` and
    this model code and constants table (unless ``stamp`` says otherwise)."""
    from cocreate_sim.patterns_design import ALL_CLAIMS, PATTERNS
    from cocreate_sim.posterior import draw_constants

    made_for = {**draw_constants(posterior, 1).stamp(), "posterior_sha256": sha, **stamp}

    rows = []
    for k, p in enumerate(PATTERNS):
        for c in p.contrasts:
            rows.append({"pattern": p.key, "title": p.title, "claim": c.claim, "outcome": c.outcome})
        rows.append({"pattern": p.key, "title": p.title, "claim": ALL_CLAIMS, "outcome": ""})
        for row in rows[-len(p.contrasts) - 1 :]:
            row.update(share_holding=0.5 + k / 20, draws=50, seeds_per_draw=2, horizon=156, **made_for)
    pd.DataFrame(rows).to_csv(conclusions_path(posterior), index=False)


def test_reports_carry_the_robust_conclusions_of_the_posterior_they_drew_from(tmp_path: Path, capsys):
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(SHIPPED.read_bytes())
    _conclusions(mine, sha256_file(mine))
    args = [*SMALL, "--draws", "1", "--posterior", str(mine), "--out", str(tmp_path)]
    code, out, err = main(capsys, BASELINE, *args)
    assert code == 0, err
    folder = Path(out.strip())
    page = (folder / "report.html").read_text()
    assert (
        "Robust conclusions" in page and "dialogue carries the shift" in page and "75%" in page
    )  # measurement: 0.5 + 5/20
    assert (folder / "robust_conclusions.csv").is_file()
    # rebuilt from the folder alone, in Danish: titles and claims translated
    assert main(capsys, "report", str(folder), "--lang", "da")[0] == 0
    page = (folder / "report.html").read_text()
    assert "Robuste konklusioner" in page and "dialogen bærer omstillingen" in page and "75\u00a0%" in page
    code, out, err = main(capsys, "compare", BASELINE, OTHER, *args)
    assert code == 0, err
    assert "Robust conclusions" in (Path(out.strip()) / "report.html").read_text()
    # the point model has no posterior, so no such section
    code, out, err = main(capsys, BASELINE, *SMALL, "--point", "--out", str(tmp_path))
    assert code == 0 and "Robust conclusions" not in (Path(out.strip()) / "report.html").read_text()


def test_a_table_made_for_another_posterior_is_not_shown(tmp_path: Path, capsys):
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(SHIPPED.read_bytes())
    _conclusions(mine, "0" * 64)
    code, out, err = main(capsys, BASELINE, *SMALL, "--draws", "1", "--posterior", str(mine), "--out", str(tmp_path))
    assert code == 0, err
    folder = Path(out.strip())
    page = (folder / "report.html").read_text()
    assert "was made for another posterior file" in page and "--attach" in page
    assert not (folder / "robust_conclusions.csv").exists()
    assert main(capsys, "report", str(folder))[0] == 0  # rebuilt from the folder: the same reason
    assert "was made for another posterior file" in (folder / "report.html").read_text()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda mine: None, "No robust-conclusions table was made for this posterior"),
        (lambda mine: _conclusions(mine, sha256_file(mine), model_code="0" * 16), "other model code"),
        (lambda mine: _conclusions(mine, sha256_file(mine), constants_table="0" * 16), "another constants table"),
        (lambda mine: conclusions_path(mine).write_text("pattern,share_holding\nx,often\n"), "cannot be read"),
    ],
)
def test_a_report_says_why_it_shows_no_robust_conclusions(tmp_path: Path, capsys, make, says):
    """A table made before the model code or the constants changed, or a damaged one, is not shown as if valid."""
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(SHIPPED.read_bytes())
    make(mine)
    code, out, err = main(capsys, BASELINE, *SMALL, "--draws", "1", "--posterior", str(mine), "--out", str(tmp_path))
    assert code == 0, err
    assert says in (Path(out.strip()) / "report.html").read_text()

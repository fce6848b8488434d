"""The regime diagram (issue 11, point 8): two histories, a convergence rule, hysteresis only where bands part."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim import cli
from cocreate_sim.regime import BRANCHES, levels_of, summarise


def main(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _runs(cells: dict[tuple[float, str], list[float]], converged: float = 1.0) -> pd.DataFrame:
    rows = []
    for (value, branch), values in cells.items():
        for draw, v in enumerate(values):
            rows.append(
                {
                    "value": value,
                    "branch": branch,
                    "draw": draw,
                    "uptake": v,
                    "uptake_converged": converged,
                    "inclusion_ratio": 0.5,
                    "inclusion_ratio_converged": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_hysteresis_only_where_the_bands_are_disjoint_and_runs_settled():
    npm, npg = BRANCHES
    cells = {
        (0.0, npm): [0.01, 0.02, 0.03],
        (0.0, npg): [0.02, 0.03, 0.04],  # overlapping: no claim
        (1.0, npm): [0.01, 0.02, 0.03],
        (1.0, npg): [0.30, 0.32, 0.34],  # disjoint: hysteresis
    }
    table = summarise(_runs(cells)).set_index(["outcome", "branch", "value"])
    assert not table.loc[("uptake", npm, 0.0), "hysteresis"] and table.loc[("uptake", npm, 1.0), "hysteresis"]
    assert not table.loc[("inclusion_ratio", npm, 1.0), "hysteresis"]  # the same inclusion in both
    # the NPG branch jumps from 0.03 to 0.32 between its two levels: a tipping point after 0.0
    assert table.loc[("uptake", npg, 0.0), "tipping_after"] and not table.loc[("uptake", npm, 0.0), "tipping_after"]
    # paired by draw: the NPG history ends 0.29-0.31 higher in every draw at 1.0, and higher in all at 0.0
    assert table.loc[("uptake", npm, 1.0), "history_gap"] == pytest.approx(0.30)
    assert table.loc[("uptake", npg, 1.0), "npg_higher"] == 1.0
    assert table.loc[("inclusion_ratio", npm, 1.0), "npg_higher"] == 0.0  # equal is not higher
    unsettled = summarise(_runs(cells, converged=0.5))
    assert not unsettled["hysteresis"].any() and not unsettled["tipping_after"].any()


def test_the_report_tells_no_hysteresis_from_runs_that_had_not_settled():
    """Overlapping bands rule hysteresis out only where the runs settled; elsewhere the diagram cannot tell."""
    from cocreate_sim.reports.regime import sentences

    npm, npg = BRANCHES
    cells = {(v, b): [0.01, 0.02, 0.03] for v in (0.0, 0.5, 1.0) for b in (npm, npg)}
    runs = _runs(cells)
    settled = sentences(summarise(runs).assign(lever="leader_dialogue"), "leader_dialogue", 0.8)
    assert "no hysteresis: at every value both histories settled" in settled[0]
    runs.loc[runs["value"] == 1.0, "uptake_converged"] = 0.0
    open_ = sentences(summarise(runs).assign(lever="leader_dialogue"), "leader_dialogue", 0.8)[0]
    assert "no hysteresis can be claimed" in open_ and "overlap at 2 of 3 values" in open_
    assert "= 1 too few runs settled to tell" in open_


def test_levels_spread_over_the_levers_range():
    assert levels_of("leader_dialogue", 3) == [0.0, 0.5, 1.0]
    steps = levels_of("decision_path_length", 6)
    assert steps == sorted(set(steps)) and all(isinstance(s, int) for s in steps)


def test_regime_publishes_a_diagram_from_both_histories(tmp_path: Path, capsys):
    args = ["regime", "leader_dialogue", "--levels", "2", "--draws", "2", "--burn-in", "6", "--horizon", "8"]
    code, out, err = main(capsys, *args, "--set", "n_citizens=150", "--workers", "1", "--quiet", "--out", str(tmp_path))
    assert code == 0, err
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("regime-leader_dialogue-")]
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 2 * 2 * 2 and set(runs["branch"]) == set(BRANCHES)
    # common random numbers: each draw runs on the same seed in every cell
    assert runs.groupby("draw")["seed"].nunique().eq(1).all()
    page = (folder / "regime.html").read_text()
    assert "Regime diagram: Leader dialogue" in page and "<script src" not in page  # opens offline
    assert main(capsys, *args, "--workers", "1", "--quiet", "--lang", "da", "--out", str(tmp_path))[0] == 0
    pages = [(p / "regime.html").read_text() for p in tmp_path.iterdir() if p.name.startswith("regime-")]
    assert any("Regimediagram: Ledelsesdialog" in p for p in pages)


@pytest.mark.parametrize("lever", ["n_citizens", "leader_dialog"])
def test_a_lever_the_diagram_cannot_vary_is_a_clean_error(tmp_path: Path, capsys, lever: str):
    code, _, err = main(capsys, "regime", lever, "--out", str(tmp_path))
    assert code == 2 and "not a lever the diagram can vary" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_a_run_report_draws_the_regime_diagram_on_request(tmp_path: Path, capsys, monkeypatch):
    import yaml

    from cocreate_sim import regime

    for name, value in (("LEVELS", 2), ("DRAWS_REGIME", 2), ("BURN_IN", 6), ("HORIZON", 8)):
        monkeypatch.setattr(regime, name, value)  # the diagram's design, small: the wiring is under test here
    baseline = str(Path(__file__).resolve().parents[1] / "scenarios" / "npm_baseline.yaml")
    small = [baseline, "--steps", "4", "--set", "n_citizens=150", "--draws", "1", "--workers", "1", "--quiet"]
    code, out, err = main(capsys, *small, "--regime", "leader_dialogue", "--out", str(tmp_path))
    assert code == 0, err
    folder = Path(out.strip())
    table = pd.read_csv(folder / "regime.csv")
    assert set(table["lever"]) == {"leader_dialogue"} and len(table) == 2 * 2 * 2  # values x histories x outcomes
    info = yaml.safe_load((folder / "scenario.yaml").read_text())["provenance"]["regime"]
    assert info["lever"] == "leader_dialogue" and info["horizon"] == 8
    page = (folder / "report.html").read_text()
    assert "Regime diagram: Leader dialogue" in page and "8 weeks after a switch" in page
    assert "at least 80% of the runs have settled" in page  # the rule, read from the run's provenance
    # rebuilt from the folder alone, in Danish
    assert main(capsys, "report", str(folder), "--lang", "da")[0] == 0
    assert "Regimediagram" in (folder / "report.html").read_text()


@pytest.mark.parametrize(
    ("extra", "said"), [(["--regime", "leader_dialog"], "not a lever the diagram can vary"), (["--point"], "--point")]
)
def test_regime_in_a_run_refuses_what_cannot_work_before_anything_runs(tmp_path: Path, capsys, extra, said):
    baseline = str(Path(__file__).resolve().parents[1] / "scenarios" / "npm_baseline.yaml")
    args = [baseline, "--steps", "4", "--quiet", "--out", str(tmp_path), *extra]
    if "--regime" not in extra:
        args += ["--regime", "leader_dialogue"]
    code, _, err = main(capsys, *args)
    assert code == 2 and said in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")], "nothing ran"


def test_a_scenario_with_a_lever_schedule_is_refused_before_anything_runs(tmp_path: Path, capsys):
    """The diagram holds a history's levers fixed until the switch: a scheduled scenario would be misdescribed."""
    reform = str(Path(__file__).resolve().parents[1] / "scenarios" / "reform_in_year_two.yaml")
    code, _, err = main(
        capsys, reform, "--steps", "4", "--quiet", "--regime", "leader_dialogue", "--out", str(tmp_path)
    )
    assert code == 2 and "schedule" in err and "Traceback" not in err
    code, _, err = main(capsys, "regime", "leader_dialogue", "--scenario", reform, "--out", str(tmp_path))
    assert code == 2 and "schedule" in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")], "nothing ran"


def test_a_regime_table_without_its_rule_in_the_provenance_is_a_damaged_folder(tmp_path: Path):
    from cocreate_sim.errors import UserError
    from cocreate_sim.published import _read_regime

    (tmp_path / "regime.csv").write_text("lever,value\nleader_dialogue,0\n")
    with pytest.raises(UserError, match="min_converged"):
        _read_regime(tmp_path, {"regime": {"horizon": 520}})

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
    unsettled = summarise(_runs(cells, converged=0.5))
    assert not unsettled["hysteresis"].any() and not unsettled["tipping_after"].any()


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
    assert "Regime diagram: leader_dialogue" in page and "<script src" not in page  # opens offline


@pytest.mark.parametrize("lever", ["n_citizens", "leader_dialog"])
def test_a_lever_the_diagram_cannot_vary_is_a_clean_error(tmp_path: Path, capsys, lever: str):
    code, _, err = main(capsys, "regime", lever, "--out", str(tmp_path))
    assert code == 2 and "not a lever the diagram can vary" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())

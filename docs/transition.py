"""Why co-creation still spreads in the fourth decade: how fast the shift approaches its end (docs/validation.md, 4).

The long-run check (``docs/long_run.py``) finds maintenance still growing between years 30 and 40 where
uptake still rises. This script asks whether that is a transition near its end (a curve bending towards a
plateau, as a tipping point's slow final approach would give) or a steady creep, and whether the learning
constants that set how fast a worker learns decide it:

1. **The zero-error sweep**: the NPM baseline with ``zero_error_culture`` at each of ``--levels`` (the lever
   that ``drop_zero_error_culture.yaml`` moves, from none to the baseline's 0.7). If growth in the fourth
   decade peaked at the values just above a threshold and vanished far from it, the misses would be a slow
   approach near a tipping point; if it stays where the culture is weakest, the spread itself is slow.
2. **The learning constants**: ``drop_zero_error_culture.yaml`` with one learning constant at the end of its
   plausible range that speeds learning (``gap``, ``fade``, ``peer_rate``, ``practice_rate``; ranges in
   ``src/cocreate_sim/constants_table.py``).
3. **The relaxation**: is there a force that pulls the organisation back to a level the
   levers set? At the end of year 10 what every worker has learnt is disturbed, and nothing else, in two
   directions beside an undisturbed twin on the same seed: halved (:func:`learning_shock`: practice and
   mindset times one half) and raised (:func:`learning_gain`: practice and mindset moved halfway to 1). The
   two directions are both needed since model v3: its restoring force acts only on mindset gained above what a
   worker came with, so a halving tests the way back up and a gain tests the way back down. Where a restoring
   force holds the level, the shocked run's uptake returns to its twin's within a few years; where the gap
   persists for decades, nothing pulls the level back and a small push makes it creep. Settings: the NPM
   baseline, ``drop_zero_error_culture.yaml``, and that file with ``staff_turnover`` 0.2 (the lever that
   renews what workers carry) or ``peer_rate`` at the low end of its range.

For every setting: yearly mean uptake at years 5, 10, 20, 30 and 40 (mean over replications), the change in
the second and in the fourth decade (paired difference, 95% CI) and the ratio of yearly mean maintenance
hours, year 40 over year 30 (95% paired bootstrap interval, as ``docs/long_run.py``). A curve that levels
off grows less in the fourth decade than in the second.

For the relaxation: the paired difference in yearly mean uptake, shocked run minus its twin, at years 11, 15,
20, 30 and 40 (95% CI), for the halving (``shock_gap_year_Y``) and the gain (``gain_gap_year_Y``); the other
columns describe the undisturbed twin.

Seeds: the block 5,500,000+ (used by no other check and by no tuning). Writes ``docs/transition.csv``
atomically. Run:
    python3 docs/transition.py [--replications 24] [--workers 2] [--levels 0,0.1,0.2,0.3,0.45,0.7]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from long_run import decade  # noqa: E402

from cocreate_sim.constants import CONSTANTS  # noqa: E402
from cocreate_sim.fileio import atomic_write_text  # noqa: E402
from cocreate_sim.model import CoCreationModel  # noqa: E402
from cocreate_sim.runner import release  # noqa: E402
from cocreate_sim.scenario import load_scenario  # noqa: E402
from cocreate_sim.statistics import replication_seeds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE_SEED = 5_500_000
"""This script's seed block."""
HORIZON = 2080
YEARS = (5, 10, 20, 30, 40)
"""Years whose mean uptake is reported (year n: weeks 52(n-1)+1 to 52n)."""
FASTER = ("gap", "fade", "peer_rate", "practice_rate")
"""Learning constants set to the end of their range that speeds learning (fade: the low end)."""
SHOCK_WEEK = 520
"""The relaxation's disturbance lands after this week (the end of year 10)."""
SHOCK_KEEP = 0.5
"""Share of each worker's practice and mindset the disturbance leaves."""
GAP_YEARS = (11, 15, 20, 30, 40)
"""Years at which the relaxation reports the shocked run's gap to its twin."""


def faster_value(name: str) -> float:
    row = CONSTANTS[name]
    return float(row.low if name == "fade" else row.high)


def settings(levels: list[float]) -> list[tuple[str, str, dict[str, Any], dict[str, float]]]:
    """(design, label, levers, constants) of every arm."""
    baseline = dict(load_scenario(ROOT / "scenarios" / "npm_baseline.yaml").params)
    dropped = dict(load_scenario(ROOT / "scenarios" / "drop_zero_error_culture.yaml").params)
    sweep = "zero-error sweep"
    arms = [(sweep, f"zero_error_culture {z:g}", {**baseline, "zero_error_culture": z}, {}) for z in levels]
    arms.append(("learning constants", "drop_zero_error_culture as shipped", dropped, {}))
    for name in FASTER:
        value = faster_value(name)
        arms.append(("learning constants", f"drop_zero_error_culture, {name} {value:g}", dropped, {name: value}))
    return arms


def relaxation_settings() -> list[tuple[str, str, dict[str, Any], dict[str, float]]]:
    """(design, label, levers, constants) of every setting whose learning is disturbed at SHOCK_WEEK."""
    baseline = dict(load_scenario(ROOT / "scenarios" / "npm_baseline.yaml").params)
    dropped = dict(load_scenario(ROOT / "scenarios" / "drop_zero_error_culture.yaml").params)
    design = "relaxation"
    low_peer = float(CONSTANTS["peer_rate"].low)
    return [
        (design, "NPM baseline", baseline, {}),
        (design, "drop_zero_error_culture as shipped", dropped, {}),
        (design, "drop_zero_error_culture, staff_turnover 0.2", {**dropped, "staff_turnover": 0.2}, {}),
        (design, f"drop_zero_error_culture, peer_rate {low_peer:g}", dropped, {"peer_rate": low_peer}),
    ]


def learning_shock(model: CoCreationModel) -> None:
    """Take away half of what every worker has learnt (practice and mindset), and nothing else."""
    for worker in model.workers:
        worker.practice *= SHOCK_KEEP
        worker.mindset *= SHOCK_KEEP


def learning_gain(model: CoCreationModel) -> None:
    """Give every worker half of what they have not yet learnt (practice and mindset), and nothing else."""
    for worker in model.workers:
        worker.practice += (1.0 - SHOCK_KEEP) * (1.0 - worker.practice)
        worker.mindset += (1.0 - SHOCK_KEEP) * (1.0 - worker.mindset)


SHOCKS: dict[str, Callable[[CoCreationModel], None]] = {"shock": learning_shock, "gain": learning_gain}
"""The relaxation's disturbances, by the prefix of their columns (run in this order after the twin)."""


def yearly(
    levers: dict[str, Any], constants: dict[str, float], seed: int, shock: Callable[[CoCreationModel], None] | None
) -> np.ndarray:
    """Yearly means of uptake and maintenance hours over HORIZON weeks (year x outcome)."""
    model = CoCreationModel(rng=seed, constants=constants or None, **levers)
    try:
        for week in range(1, HORIZON + 1):
            if shock is not None and week == SHOCK_WEEK + 1:
                shock(model)
            model.step()
        ts = model.datacollector.get_model_vars_dataframe()
    finally:
        release(model)
    year = (ts.index.to_numpy() - 1) // 52 + 1
    means = ts[["uptake", "maintenance_hours"]].groupby(year).mean()
    return means.reindex(range(1, HORIZON // 52 + 1)).to_numpy()


def one_run(task: tuple[int, int, dict[str, Any], dict[str, float], bool]) -> tuple[int, np.ndarray]:
    """One seed of one arm: its yearly means, and (relaxation) those of its disturbed twins stacked after them."""
    arm, seed, levers, constants, relax = task
    runs = [yearly(levers, constants, seed, shock=None)]
    if relax:
        runs.extend(yearly(levers, constants, seed, shock=disturb) for disturb in SHOCKS.values())
    return arm, np.stack(runs)


def level_list(text: str) -> list[float]:
    try:
        levels = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated numbers from 0 to 1") from None
    if not levels or any(not 0.0 <= z <= 1.0 for z in levels):
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated numbers from 0 to 1")
    return levels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--levels", type=level_list, default=[0.0, 0.1, 0.2, 0.3, 0.45, 0.7])
    ap.add_argument("--out", default=str(ROOT / "docs" / "transition.csv"))
    args = ap.parse_args(argv)
    if not 2 <= args.replications <= 1000 or not 1 <= args.workers <= 64:
        ap.error("--replications must be 2 to 1,000 and --workers 1 to 64")
    arms = settings(args.levels) + relaxation_settings()
    seeds = replication_seeds(BASE_SEED, args.replications)
    tasks = [
        (i, s, levers, constants, design == "relaxation")
        for i, (design, _, levers, constants) in enumerate(arms)
        for s in seeds
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one_run, tasks, chunksize=1))
    rows = []
    for i, (design, label, _, _) in enumerate(arms):
        both = np.array([r for a, r in results if a == i])  # replication x (twin, *SHOCKS) x year x outcome
        runs = both[:, 0]
        row: dict[str, Any] = dict(design=design, setting=label, n=len(runs))
        for y in YEARS:
            row[f"uptake_year_{y}"] = float(runs[:, y - 1, 0].mean())
        for name, early, late in (("decade_2", 10, 20), ("decade_4", 30, 40)):
            change = decade(label, "uptake", " - ", runs[:, early - 1, 0], runs[:, late - 1, 0])
            row[f"uptake_{name}"], row[f"uptake_{name}_low"], row[f"uptake_{name}_high"] = (
                change["value"],
                change["ci_low"],
                change["ci_high"],
            )
        kept = decade(label, "maintenance_hours", " / ", runs[:, 29, 1], runs[:, 39, 1])
        row["maintenance_ratio"], row["maintenance_ratio_low"], row["maintenance_ratio_high"] = (
            kept["value"],
            kept["ci_low"],
            kept["ci_high"],
        )
        for k, prefix in enumerate(SHOCKS, start=1):
            if both.shape[1] <= k:
                break
            for y in GAP_YEARS:
                gap = decade(label, "uptake", " - ", runs[:, y - 1, 0], both[:, k, y - 1, 0])
                row[f"{prefix}_gap_year_{y}"] = gap["value"]
                row[f"{prefix}_gap_year_{y}_low"], row[f"{prefix}_gap_year_{y}_high"] = gap["ci_low"], gap["ci_high"]
        rows.append(row)
    out = pd.DataFrame(rows)
    atomic_write_text(args.out, out.to_csv(index=False))
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(out.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

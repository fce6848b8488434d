"""Before fitting: which constants move the fit targets, and can the priors reach every target at all?

Two analyses, both on every behavioural constant with a range (uniform on
its plausible range, src/cocreate_sim/constants_table.py):

- **Morris screening** (SALib, the sweep's sensitivity library): ``r``
  trajectories of the fit targets' statistics, each point on a seed of its
  own, with a dummy factor the model never reads (its mu* is seed noise
  alone). A constant's influence on a target is mu* (mean absolute
  elementary effect) in units of the target's tolerance; it *visibly moves*
  a target when that is at least :data:`VISIBLE` and clears the noise
  (:func:`choose_constants`). The calibration fits at most eight of these,
  those that stand out of the noise most first.
- **Prior predictive check**: a Latin hypercube of draws of all those
  constants, every target (fit and check) measured on each. A target no
  draw brings within its tolerance is a *structural misfit*: reported, not
  fitted. The statistics' correlations over the draws say how far the
  targets are separate pieces of evidence.

Neither looks at the check targets to choose anything.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import CONSTANTS
from ..executor import run_tasks
from ..fileio import atomic_write_text
from .simulate import SEED_KEY, simulate_task
from .targets import MAX_FITTED, TargetSet

VISIBLE = 0.25
"""Morris mu*, in tolerances, from which a constant visibly moves a target (a quarter of a tolerance)."""
SIGNAL = 3.0
"""How many times the noise a constant's mu* must be to move a target visibly (assumed; docs/calibration.md
shows which choices a threshold anywhere from 2.5 to 7 gives)."""
LEVELS = 4
"""Morris grid levels."""
SCREEN_SEED = 20_261_201
"""Seed of the screening's designs and the base of its runs' seeds (nothing was tuned on it)."""


def screened_constants() -> list[str]:
    """Every constant the screening varies: behavioural, real-valued, with a range."""
    return [c.name for c in CONSTANTS.values() if c.kind == "behavioural" and not c.integer and c.low < c.high]


DUMMY = "(dummy: changes nothing)"
"""A Morris factor the model never reads: its mu* is what noise alone gives (Khare et al. 2015)."""


def _problem(names: list[str]) -> dict[str, Any]:
    return {
        "num_vars": len(names) + 1,
        "names": [*names, DUMMY],
        "bounds": [*([CONSTANTS[n].low, CONSTANTS[n].high] for n in names), [0.0, 1.0]],
    }


def _run_all(tasks: list, workers: int | None, cluster: str | None, progress: bool, desc: str) -> list[dict]:
    results: list[Any] = [None] * len(tasks)
    for index, result in run_tasks(
        simulate_task, tasks, workers=workers, cluster=cluster, dask=True, progress=progress, desc=desc
    ):
        results[index] = result
    return results


def morris_screen(
    targets: TargetSet,
    trajectories: int,
    workers: int | None = None,
    cluster: str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """mu*, its confidence interval and sigma, in tolerances, of every screened constant on every fit target."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    names = screened_constants()
    problem = _problem(names)
    x = sample.sample(problem, trajectories, num_levels=LEVELS, seed=SCREEN_SEED)
    fit = targets.of("fit")
    # A seed of its own for every point: the dummy's elementary effects are then seed noise alone, the
    # yardstick every constant's effect must clear. (With one seed per trajectory the dummy's effect would
    # be exactly 0, while any real change makes a stochastic run diverge: noise that looks like effect.)
    tasks = [(dict(zip(names, map(float, row[:-1]), strict=True)), SCREEN_SEED + i, fit) for i, row in enumerate(x)]
    results = _run_all(tasks, workers, cluster, progress, "screening runs")
    rows = []
    for target in fit:
        y = np.array([r[target.name] for r in results], dtype=float) / target.scale
        if not np.isfinite(y).all():  # a run with nothing to measure: Morris needs every point; use the median
            y = np.where(np.isfinite(y), y, np.nanmedian(y) if np.isfinite(y).any() else 0.0)
        res = analyze.analyze(problem, x, y, num_levels=LEVELS, seed=SCREEN_SEED, print_to_console=False)
        for i, name in enumerate(problem["names"]):
            rows.append(
                {
                    "target": target.name,
                    "constant": name,
                    "mu_star": float(res["mu_star"][i]),
                    "mu_star_conf": float(res["mu_star_conf"][i]),
                    "sigma": float(res["sigma"][i]),
                }
            )
    return pd.DataFrame(rows)


def choose_constants(screen: pd.DataFrame, limit: int = MAX_FITTED) -> pd.DataFrame:
    """Constants ranked by how far they stand out of the noise on some fit target; the visible ones, up to ``limit``.

    A target's *noise* is the larger of the dummy's mu* and the median mu* over all constants (most constants
    do not act on a given target, so the median is a second, steadier estimate of what seed noise alone
    gives). A constant's *signal* on a target is its mu* over that noise. It visibly moves the target when
    mu* is at least :data:`VISIBLE` tolerances and its signal at least :data:`SIGNAL`: with 145 constants,
    a few clear the noise by a little by chance alone, and a confidence interval of mu* mixes noise with
    the constant's own non-linearity.
    """
    real = screen[screen["constant"] != DUMMY].copy()
    dummy = screen[screen["constant"] == DUMMY].set_index("target")["mu_star"]
    median = real.groupby("target")["mu_star"].median()
    noise = pd.concat([dummy, median], axis=1).max(axis=1)
    real["noise"] = real["target"].map(noise)
    real["signal"] = real["mu_star"] / real["noise"].where(real["noise"] > 0)
    real["visible"] = (real["mu_star"] >= VISIBLE) & (real["signal"] >= SIGNAL)
    real = real.sort_values(["visible", "signal"], ascending=False)
    best = real.drop_duplicates("constant").rename(columns={"target": "moves_most"}).reset_index(drop=True)
    best["chosen"] = best["visible"] & (best.index < limit)
    return best


def prior_predictive(
    targets: TargetSet, draws: int, workers: int | None = None, cluster: str | None = None, progress: bool = True
) -> pd.DataFrame:
    """Every target's statistic on ``draws`` Latin-hypercube draws of all screened constants (one row per draw)."""
    from scipy.stats import qmc

    names = screened_constants()
    unit = qmc.LatinHypercube(d=len(names), seed=SCREEN_SEED).random(draws)
    low = np.array([CONSTANTS[n].low for n in names])
    high = np.array([CONSTANTS[n].high for n in names])
    points = low + unit * (high - low)
    tasks = [
        (dict(zip(names, map(float, p), strict=True)), SCREEN_SEED + 100_000 + i, targets.of())
        for i, p in enumerate(points)
    ]
    results = _run_all(tasks, workers, cluster, progress, "prior draws")
    frame = pd.DataFrame(results).drop(columns=[SEED_KEY])
    return pd.concat([pd.DataFrame(points, columns=names), frame], axis=1)


def coverage(targets: TargetSet, draws: pd.DataFrame) -> pd.DataFrame:
    """Per target: the statistic's 5-50-95% over the draws and the share within tolerance (0: structural misfit)."""
    rows = []
    for t in targets.of():
        values = draws[t.name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        inside = np.array([t.distance(v) <= 1.0 for v in values])
        q = np.quantile(finite, [0.05, 0.5, 0.95]) if len(finite) else [math.nan] * 3
        rows.append(
            {
                "target": t.name,
                "use": t.use,
                "observed": t.observed_text(),
                "tolerance": round(t.scale, 4),
                "q05": q[0],
                "median": q[1],
                "q95": q[2],
                "measurable": len(finite) / len(values),
                "within_tolerance": float(inside.mean()),
                "structural_misfit": not inside.any(),
            }
        )
    return pd.DataFrame(rows)


def write_screening(out: Path, targets: TargetSet, screen: pd.DataFrame, draws: pd.DataFrame) -> list[Path]:
    """screening.csv, chosen.csv, prior_predictive.csv, coverage.csv and correlations.csv in ``out``."""
    chosen = choose_constants(screen)
    cover = coverage(targets, draws)
    stats = draws[[t.name for t in targets.of()]]
    files = {
        "screening.csv": screen,
        "chosen.csv": chosen,
        "prior_predictive.csv": draws,
        "coverage.csv": cover,
        "correlations.csv": stats.corr(method="spearman"),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in files.items():
        path = out / name
        atomic_write_text(path, frame.to_csv(index=name == "correlations.csv"))
        written.append(path)
    return written

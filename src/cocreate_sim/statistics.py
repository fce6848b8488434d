"""Replications, seeds and the statistics over them.

A scenario is run ``replications`` times; replication ``i`` uses the seed
``base seed + i`` (so replication 0 of a scenario with ``seed: 1`` uses seed 1).
``compare`` gives every scenario the same seeds (common random numbers), so
the difference between two scenarios in replication ``i`` is due to the levers,
not to luck. The numbers of a replication depend only on its seed, never on
how or where it ran.

Intervals are honest about what an outcome can be: the interval of a count
or of hours never goes below 0, that of a share never outside [0, 1]
(:func:`outcome_bounds`). Differences between scenarios are not cut: a
difference may be negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .metrics import COLUMN_NAMES, COLUMNS

CONFIDENCE = 0.95
"""Level of every confidence interval the package reports (summary.csv, reports, patterns)."""

UNIT_BOUNDS: tuple[tuple[str, float, float], ...] = (
    ("share", 0.0, 1.0),
    ("0-1", 0.0, 1.0),
    ("count", 0.0, math.inf),
    ("citizens", 0.0, math.inf),
    ("hours", 0.0, math.inf),
    ("per week", 0.0, math.inf),
    ("weeks", 0.0, math.inf),
    ("ratio", 0.0, math.inf),
    ("value units", 0.0, math.inf),
)
"""What a value can be, by the start of its unit in :data:`cocreate_sim.metrics.COLUMNS`."""

BOUNDS_SENTENCE = (
    "Intervals stop at what an outcome can be: counts, hours and ratios never go below 0, and shares and 0–1 "
    "scores never leave 0–1 (0–100%); differences between scenarios are not cut, since they may be negative."
)
"""The one sentence a report uses to say how its intervals are bounded."""


# ----------------------------------------------------------------- seeds
def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """Seeds of the replications: ``base_seed + i``; the same for every scenario in a comparison."""
    return [int(base_seed) + i for i in range(int(replications))]


# -------------------------------------------------------------- running
def _run_one(task: tuple[str, int, int, int, dict[str, Any]]) -> tuple[str, int, int, pd.DataFrame]:
    """One replication (top-level so that worker processes can import it)."""
    from .runner import run_timeseries

    label, replication, seed, steps, params = task
    frame = run_timeseries(steps, seed, **params)
    return label, replication, seed, frame


def run_replications(
    runs: Sequence[tuple[str, dict[str, Any]]],
    steps: int,
    seeds: Sequence[int],
    processes: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every (label, params) with every seed; one row per label, replication and week.

    Columns: ``scenario``, ``replication``, ``seed``, ``week`` and every model
    column. Runs through :mod:`cocreate_sim.executor` with ``processes``
    workers (default: all local cores); small batches run in this process.
    """
    tasks = [(label, i, seed, steps, dict(params)) for label, params in runs for i, seed in enumerate(seeds)]
    results = _execute(tasks, processes, progress)
    order = {label: k for k, (label, _) in enumerate(runs)}
    results.sort(key=lambda r: (order[r[0]], r[1]))
    frames = []
    for label, replication, seed, frame in results:
        frame = frame.reset_index()
        frame.insert(0, "seed", seed)
        frame.insert(0, "replication", replication)
        frame.insert(0, "scenario", label)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["week"] = table["week"].astype("int64")
    return table[["scenario", "replication", "seed", "week", *COLUMN_NAMES]]


def _execute(tasks: list, processes: int | None, progress: bool) -> list:
    """Every task's result, in any order (the caller sorts them by scenario and replication)."""
    from .executor import run_tasks

    # Even two replications are worth their own processes: one model run outlasts a worker's start-up.
    runs = run_tasks(_run_one, tasks, workers=processes, progress=progress, desc="replications", in_process_below=2)
    return [result for _, result in runs]


# ------------------------------------------------------------- intervals
def t_quantile(df: int, level: float = CONFIDENCE) -> float:
    """Two-sided Student-t quantile for a ``level`` confidence interval with ``df`` degrees of freedom."""
    if df < 1:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf((1 + level) / 2, df))


def mean_ci(values: Sequence[float] | np.ndarray, level: float = CONFIDENCE) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the t-interval of the mean; NaN bounds with a single value."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = t_quantile(n - 1, level) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def outcome_bounds(column: str) -> tuple[float, float]:
    """The smallest and largest value ``column`` can take: (0, 1) for shares, (0, inf) for counts and hours."""
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    for start, low, high in UNIT_BOUNDS:
        if unit.startswith(start):
            return low, high
    return -math.inf, math.inf


def clip_interval(column: str, mean: Any, low: Any, high: Any) -> tuple[Any, Any]:
    """``low`` and ``high`` cut to what ``column`` can be (scalars or arrays; NaN stays NaN).

    The interval is never cut off its own mean: with data outside the bounds
    (impossible from the model) the bounds widen to take the mean in.
    """
    floor, ceiling = outcome_bounds(column)
    floor = np.fmin(floor, mean)
    ceiling = np.fmax(ceiling, mean)
    return np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)


# ------------------------------------------------------------- summaries
def _final(table: pd.DataFrame, week: int | None) -> tuple[int, pd.DataFrame]:
    week = int(table["week"].max()) if week is None else week
    return week, table[table["week"] == week]


def summarize(table: pd.DataFrame, week: int | None = None) -> pd.DataFrame:
    """Per scenario and outcome: mean, sd and 95% t-interval (bounded) across replications at ``week``.

    ``week`` defaults to the last week of ``table``.
    """
    week, final = _final(table, week)
    rows = []
    for label, group in final.groupby("scenario", sort=False):
        for column in COLUMN_NAMES:
            mean, sd, low, high = mean_ci(group[column].to_numpy())
            low, high = clip_interval(column, mean, low, high)
            rows.append(
                {
                    "scenario": label,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(group),
                    "mean": mean,
                    "sd": sd,
                    "ci95_low": float(low),
                    "ci95_high": float(high),
                }
            )
    return pd.DataFrame(rows)


def paired_differences(table: pd.DataFrame, reference: str, week: int | None = None) -> pd.DataFrame:
    """Each other scenario minus ``reference`` at ``week``, paired by replication (common seeds), with t-CIs.

    Differences are not bounded: a difference may be negative.
    """
    week, final = _final(table, week)
    final = final.set_index(["scenario", "replication"])
    base = final.loc[reference]
    rows = []
    for label in table["scenario"].unique():
        if label == reference:
            continue
        other = final.loc[label]
        for column in COLUMN_NAMES:
            diff = (other[column] - base[column]).dropna()
            mean, _, low, high = mean_ci(diff.to_numpy())
            rows.append(
                {
                    "scenario": label,
                    "reference": reference,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(diff),
                    "reference_mean": float(base[column].mean()),
                    "scenario_mean": float(other[column].mean()),
                    "difference": mean,
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
    return pd.DataFrame(rows)


def weekly_bands(table: pd.DataFrame, column: str, level: float = CONFIDENCE) -> pd.DataFrame:
    """Per scenario and week: mean of ``column`` and its t-interval across replications, bounded (for plots)."""
    grouped = table.groupby(["scenario", "week"], sort=False)[column]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    q = out["count"].map(lambda n: t_quantile(int(n) - 1, level) if n > 1 else math.nan)
    half = q * out["std"] / np.sqrt(out["count"])
    low, high = clip_interval(column, out["mean"], out["mean"] - half, out["mean"] + half)
    out["low"] = low
    out["high"] = high
    return out

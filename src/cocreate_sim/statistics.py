"""Replications, seeds and the statistics over them.

A scenario is run ``replications`` times; replication ``i`` uses the seed
``base seed + i`` (so replication 0 of a scenario with ``seed: 1`` uses seed 1).
``compare`` gives every scenario the same seeds (common random numbers), so
the difference between two scenarios in replication ``i`` is due to the levers,
not to luck. The numbers of a replication depend only on its seed (and its
levers and lever schedule), never on how or where it ran.

Intervals are honest about what an outcome can be: the interval of a count
or of hours never goes below 0, that of a share never outside [0, 1]
(:func:`outcome_bounds`). Differences between scenarios are not cut: a
difference may be negative.

Finished replications can be kept on disk as they finish (:class:`.checkpoints.Checkpoint`,
one checksummed Parquet file each, under a fingerprint of the runs (levers and
schedules), horizon, seeds and code), so that an interrupted run resumes with only the missing
ones; :func:`run_replications` gives the same table either way.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .metrics import COLUMN_NAMES, COLUMNS

CONFIDENCE = 0.95
"""Level of every confidence interval the package reports (summary.csv, reports, patterns)."""
INTERVAL_MEAN = "95% confidence interval of the mean"
"""The ``interval`` of a summary over seeds of the point model."""
INTERVAL_PREDICTIVE = "95% of runs (constants drawn from the posterior, each on its own seeds)"
"""The ``interval`` of a summary over posterior draws: parameter and stochastic uncertainty together."""

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

GOOD_DIRECTION: dict[str, str] = {
    "uptake": "higher",
    "mindset_mean": "higher",
    "practice_mean": "higher",
    "energy_mean": "higher",
    "strain_share": "lower",
    "burnout_share": "lower",
    "zero_error_state": "lower",
    "initiatives_completed": "higher",
    "initiatives_failed": "lower",
    "initiatives_abandoned": "lower",
    "participants": "higher",
    "volunteer_retention": "higher",
    "inclusion_ratio": "closer to 1",
    "weak_needs_addressed_share": "higher",
    "public_value": "higher",
    "trust_mean": "higher",
    "legitimacy": "higher",
    "unfunded_maintenance_hours": "lower",
    "capacity_returned_hours": "higher",
    "net_payback_hours": "higher",
    "backlog": "lower",
    "complaints": "lower",
    "errors": "lower",
    "decision_weeks_mean": "lower",
    "dropout_rate": "lower",
}
"""Which way a comparison calls an outcome better, the one declaration of that judgement. Outcomes not here
have no better direction: a means (hours co-creating), a count of activity (initiatives started), or a matter
of judgement (politicians' hours). Kept apart from :mod:`metrics` (what is observed) on purpose: it is how a
comparison judges, and changing it must not change the model code's hash."""

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
Schedule = tuple[tuple[int, dict[str, Any]], ...]
"""Lever changes during a run, ``((week, {lever: value}), ...)``, as :func:`.params.check_schedule` returns them."""
Constants = Mapping[str, float] | None
"""Changed internal constants of one replication (drawn from the posterior), or None for the declared values."""


def unpack_run(run: Sequence[Any]) -> tuple[str, dict[str, Any], Schedule]:
    """A run as ``(label, params)`` or ``(label, params, schedule)``: label, levers and schedule (``()`` if none)."""
    label, params, *rest = run
    schedule = tuple((int(week), dict(changes)) for week, changes in (rest[0] if rest and rest[0] else ()))
    return str(label), dict(params), schedule


def _run_one(
    task: tuple[str, int, int, int, dict[str, Any], Schedule, Constants],
) -> tuple[str, int, int, pd.DataFrame]:
    """One replication (top-level so that worker processes can import it)."""
    from .runner import run_timeseries

    label, replication, seed, steps, params, schedule, constants = task
    frame = run_timeseries(steps, seed, schedule=schedule or None, constants=constants or None, **params)
    return label, replication, seed, frame


def replication_rows(label: str, replication: int, seed: int, frame: pd.DataFrame) -> pd.DataFrame:
    """One replication's rows as the table holds them: ``scenario``, ``replication``, ``seed``, ``week``, columns."""
    frame = frame.reset_index()
    frame.insert(0, "seed", seed)
    frame.insert(0, "replication", replication)
    frame.insert(0, "scenario", label)
    frame["week"] = frame["week"].astype("int64")
    return frame[["scenario", "replication", "seed", "week", *COLUMN_NAMES]]


def run_replications(
    runs: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], Schedule]],
    steps: int,
    seeds: Sequence[int],
    processes: int | None = None,
    progress: bool = True,
    *,
    done: Mapping[tuple[str, int], pd.DataFrame] | None = None,
    on_done: Callable[[pd.DataFrame], None] | None = None,
    constants: Sequence[Constants] | None = None,
) -> pd.DataFrame:
    """Run every (label, params) or (label, params, schedule) with every seed; one row per label, replication, week.

    Columns: ``scenario``, ``replication``, ``seed``, ``week`` and every model
    column. Runs through :mod:`cocreate_sim.executor` with ``processes``
    workers (default: all local cores); small batches run in this process.
    ``done`` maps ``(label, replication)`` to the rows (:func:`replication_rows`)
    of replications already run, e.g. kept by an interrupted run: only the
    others run. ``on_done(rows)`` receives each new replication's rows as soon
    as it finishes. ``constants[i]`` (if given) are replication ``i``'s changed
    constants, the same in every run (common draws, as common seeds). The
    table is the same however the replications were split.
    """
    done = dict(done or {})
    constants = replication_constants(constants, seeds)
    tasks = [
        (label, i, seed, steps, params, schedule, constants[i])
        for label, params, schedule in map(unpack_run, runs)
        for i, seed in enumerate(seeds)
        if (label, i) not in done
    ]
    blocks = dict(done)
    with contextlib.closing(_execute(tasks, processes, progress, len(done))) as results:
        for label, replication, seed, frame in results:
            rows = replication_rows(label, replication, seed, frame)
            if on_done is not None:
                on_done(rows)
            blocks[(label, replication)] = rows
    labels = [unpack_run(run)[0] for run in runs]
    table = pd.concat([blocks[(label, i)] for label in labels for i in range(len(seeds))], ignore_index=True)
    table["week"] = table["week"].astype("int64")
    return table


def _execute(tasks: list, processes: int | None, progress: bool, initial: int) -> Iterator:
    """Every task's result as it finishes, in any order; the progress bar starts at ``initial`` already done."""
    from .executor import make_executor

    # Even two replications are worth their own processes: one model run outlasts a worker's start-up.
    with make_executor(len(tasks), processes, in_process_below=2) as executor:
        runs = executor.map_unordered(
            _run_one, tasks, progress=progress, desc="replications", initial=initial, total=initial + len(tasks)
        )
        for _, result in runs:
            yield result


def replication_constants(constants: Sequence[Constants] | None, seeds: Sequence[int]) -> list[Constants]:
    """One entry per seed: ``constants`` checked against the seeds, or None (declared values) for each."""
    if constants is None:
        return [None] * len(seeds)
    if len(constants) != len(seeds):
        raise ValueError(f"{len(constants)} sets of constants for {len(seeds)} seeds")  # a coding error
    return [dict(c) if c else None for c in constants]


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


def predictive_interval(
    values: Sequence[float] | np.ndarray, level: float = CONFIDENCE
) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the central ``level`` range of the values themselves (not of their mean).

    With constants drawn from the posterior, each value is one run of one
    draw on one seed, so the range holds parameter and stochastic
    uncertainty together: ``level`` of such runs fall inside it.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) == 1:
        return mean, math.nan, math.nan, math.nan
    low, high = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(x.std(ddof=1)), float(low), float(high)


def interval_kind(predictive: bool) -> str:
    """What a summary's ``ci95_low``/``ci95_high`` hold (its ``interval`` column)."""
    return INTERVAL_PREDICTIVE if predictive else INTERVAL_MEAN


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


def summarize(table: pd.DataFrame, week: int | None = None, *, predictive: bool = False) -> pd.DataFrame:
    """Per scenario and outcome: mean, sd and 95% t-interval (bounded) across replications at ``week``.

    ``week`` defaults to the last week of ``table``. With ``predictive``
    (replications drawn from the posterior) the interval is the range of 95%
    of runs (:func:`predictive_interval`); the ``interval`` column says which.
    """
    week, final = _final(table, week)
    interval = predictive_interval if predictive else mean_ci
    rows = []
    for label, group in final.groupby("scenario", sort=False):
        for column in COLUMN_NAMES:
            mean, sd, low, high = interval(group[column].to_numpy())
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
                    "interval": interval_kind(predictive),
                }
            )
    return pd.DataFrame(rows)


def gain(column: str, reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """How much better ``other`` is than ``reference`` in ``column``'s good direction (NaN where it has none)."""
    good = GOOD_DIRECTION.get(column, "")
    if good == "higher":
        return other - reference
    if good == "lower":
        return reference - other
    if good == "closer to 1":
        return np.abs(reference - 1) - np.abs(other - 1)
    return np.full(len(other), math.nan)


def probability_better(gains: np.ndarray, groups: np.ndarray) -> float:
    """Share of groups (posterior draws, or replications) whose mean gain is above 0; ties count half."""
    frame = pd.DataFrame({"gain": gains, "group": groups}).dropna()
    if frame.empty:
        return math.nan
    per_group = frame.groupby("group")["gain"].mean().to_numpy()
    return float(((per_group > 0).sum() + 0.5 * (per_group == 0).sum()) / len(per_group))


def paired_differences(
    table: pd.DataFrame, reference: str, week: int | None = None, *, per_draw: int | None = None
) -> pd.DataFrame:
    """Each other scenario minus ``reference`` at ``week``, paired by replication (common seeds), with t-CIs.

    Differences are not bounded: a difference may be negative. ``p_better``
    is the probability that the scenario is better than the reference in the
    outcome's good direction (``good``): the share of paired replications in
    which it is, or, with ``per_draw`` seeds per posterior draw, the share of
    draws whose mean paired gain is positive; the interval is then the range of
    95% of paired differences (:func:`predictive_interval`).
    """
    week, final = _final(table, week)
    interval = predictive_interval if per_draw else mean_ci
    final = final.set_index(["scenario", "replication"])
    base = final.loc[reference]
    rows = []
    for label in table["scenario"].unique():
        if label == reference:
            continue
        other = final.loc[label]
        replications = other.index.to_numpy()
        groups = replications // per_draw if per_draw else replications
        for column in COLUMN_NAMES:
            diff = (other[column] - base[column]).dropna()
            mean, _, low, high = interval(diff.to_numpy())
            gains = gain(column, base[column].reindex(replications).to_numpy(), other[column].to_numpy())
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
                    "interval": interval_kind(bool(per_draw)),
                    "good": GOOD_DIRECTION.get(column, ""),
                    "p_better": probability_better(gains, groups),
                }
            )
    return pd.DataFrame(rows)


def weekly_bands(
    table: pd.DataFrame, column: str, level: float = CONFIDENCE, *, predictive: bool = False
) -> pd.DataFrame:
    """Per scenario and week: mean of ``column`` and its t-interval across replications, bounded (for plots).

    With ``predictive`` the band is the range of ``level`` of the runs (posterior draws and seeds together).
    """
    grouped = table.groupby(["scenario", "week"], sort=False)[column]
    if predictive:
        out = grouped.agg(["mean", "std", "count"]).reset_index()
        for name, q in (("low", (1 - level) / 2), ("high", (1 + level) / 2)):
            bound = grouped.quantile(q).rename(name).reset_index()
            out = out.merge(bound, on=["scenario", "week"], how="left", sort=False)
            out[name] = out[name].where(out["count"] > 1)
        return out
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    q = out["count"].map(lambda n: t_quantile(int(n) - 1, level) if n > 1 else math.nan)
    half = q * out["std"] / np.sqrt(out["count"])
    low, high = clip_interval(column, out["mean"], out["mean"] - half, out["mean"] + half)
    out["low"] = low
    out["high"] = high
    return out

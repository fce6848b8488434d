"""The model statistics that calibration targets name, each defined once.

A target of ``calibration/targets.yaml`` names one of these. Each is a
function of one run's output over a *window*: the weeks from the end of the
burn-in to the end of the window. It reads the model's columns
(:mod:`cocreate_sim.metrics`) week by week over the window and counters
snapshotted at the window's first and last week; a target with ``versus:``
also gets the same run (same seed) with those levers changed, so that a
statistic can be a contrast. How a published figure maps onto a statistic
is a judgement, written next to the target in the targets file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..initiatives import ENDED, Origin, Stage
from ..mechanisms import participation as part
from ..params import WEEKS_PER_YEAR


@dataclass
class Window:
    """One run's output over a target's window (and its ``versus`` twin, if any)."""

    weeks: int
    """Weeks in the window."""
    series: dict[str, np.ndarray]
    """Model columns, one value per week of the window."""
    start: dict[str, Any]
    """Counters at the first week of the window (:func:`snapshot`)."""
    end: dict[str, Any]
    """Counters at the last week of the window."""
    versus: Window | None = field(default=None)
    """The same seed with the target's ``versus`` levers, over the same window."""


@dataclass(frozen=True)
class Statistic:
    """A named function of a window, with the columns it reads and what it means."""

    name: str
    fn: Callable[[Window], float]
    columns: tuple[str, ...]
    unit: str
    needs_versus: bool = False

    @property
    def doc(self) -> str:
        return " ".join((self.fn.__doc__ or "").split())


STATISTICS: dict[str, Statistic] = {}
"""Every statistic a target may name, by name."""


def statistic(
    *columns: str, unit: str, needs_versus: bool = False
) -> Callable[[Callable[[Window], float]], Callable[[Window], float]]:
    """Declare a statistic under its function's name."""

    def declare(fn: Callable[[Window], float]) -> Callable[[Window], float]:
        STATISTICS[fn.__name__] = Statistic(fn.__name__, fn, tuple(columns), unit, needs_versus)
        return fn

    return declare


def snapshot(model: Any) -> dict[str, Any]:
    """The counters statistics difference over a window, copied from a running model."""
    reg = model.registry
    groups = np.bincount(model.population.group, minlength=3) * (model.p.population / len(model.population.group))
    task_committees = [i for i in reg.initiatives if i.origin is Origin.TASK_COMMITTEE and i.stage in ENDED]
    return {
        "joins_by_rung_group": np.array(reg.joins_by_rung_group, dtype=float),
        "joins_total": float(reg.joins_total),
        "inhabitants_by_group": groups,
        "population": float(model.p.population),
        "task_committees_ended": len(task_committees),
        "task_committees_completed": sum(1 for i in task_committees if i.stage is Stage.COMPLETED),
    }


def _mean(window: Window, column: str) -> float:
    values = window.series[column]
    return float(np.mean(values)) if len(values) else math.nan


def _joins_per_inhabitant(window: Window, rungs: range, group: int) -> float:
    joins = window.end["joins_by_rung_group"] - window.start["joins_by_rung_group"]
    inhabitants = window.end["inhabitants_by_group"][group]
    return float(joins[list(rungs), group].sum() / inhabitants) if inhabitants > 0 else math.nan


def _weak_over_strong(window: Window, rungs: range) -> float:
    weak = _joins_per_inhabitant(window, rungs, part.WEAK)
    strong = _joins_per_inhabitant(window, rungs, part.STRONG)
    return weak / strong if strong > 0 else math.nan


LOW_RUNGS = range(0, 2)
"""Co-production of one's own service and volunteering: the bottom of the ladder (002)."""
HIGH_RUNGS = range(4, 6)
"""Dialogue meetings and governance networks: the demanding top of the ladder (002)."""


@statistic("strain_share", unit="share 0-1")
def strain_share_mean(window: Window) -> float:
    """Mean share of frontline workers under strain (energy below the strain level) over the window."""
    return _mean(window, "strain_share")


@statistic("zero_error_state", unit="0-1")
def zero_error_state_mean(window: Window) -> float:
    """Mean lived zero-error culture (the state errors, blame and backing move) over the window."""
    return _mean(window, "zero_error_state")


@statistic(unit="ratio")
def low_rung_participation_ratio(window: Window) -> float:
    """Joins per inhabitant on the two lowest rungs in the window, weak group over strong group."""
    return _weak_over_strong(window, LOW_RUNGS)


@statistic(unit="ratio")
def rung_gradient_steepening(window: Window) -> float:
    """The weak-over-strong join ratio on the two highest rungs minus that on the two lowest (below 0: steeper)."""
    return _weak_over_strong(window, HIGH_RUNGS) - _weak_over_strong(window, LOW_RUNGS)


@statistic("repeat_participation_after_success", "repeat_participation_after_failure", unit="log ratio")
def repeat_after_success_log_ratio(window: Window) -> float:
    """Log of the mean share who join again after a success over the share after a failure, over the window.

    A log, because a ratio of two small shares has a long tail (a few failures make it explode) and the
    distance should weigh a doubling and a halving alike.
    """
    success = _mean(window, "repeat_participation_after_success")
    failure = _mean(window, "repeat_participation_after_failure")
    return math.log(success / failure) if success > 0 and failure > 0 else math.nan


@statistic(unit="per inhabitant and year")
def yearly_joins_per_inhabitant(window: Window) -> float:
    """Joins of an initiative in the window per inhabitant, scaled to a year."""
    joins = window.end["joins_total"] - window.start["joins_total"]
    return joins / window.end["population"] * WEEKS_PER_YEAR / window.weeks


@statistic("politician_hours_total", unit="ratio", needs_versus=True)
def politician_hours_ratio(window: Window) -> float:
    """Mean weekly council hours per politician over the window, this run over its ``versus`` twin."""
    assert window.versus is not None
    other = _mean(window.versus, "politician_hours_total")
    return _mean(window, "politician_hours_total") / other if other > 0 else math.nan


@statistic(unit="share 0-1")
def task_committee_completion(window: Window) -> float:
    """Of the task committees that ended in the window, the share that ended in success."""
    ended = window.end["task_committees_ended"] - window.start["task_committees_ended"]
    done = window.end["task_committees_completed"] - window.start["task_committees_completed"]
    return done / ended if ended > 0 else math.nan

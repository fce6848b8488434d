"""One calibration simulation: the targets' statistics for one set of constants and one seed.

Targets on the same scenario share one run (to the longest of their
horizons); a target with ``versus:`` also reads the twin run with those
levers changed, on the same seed (common random numbers). Only the columns
the statistics read are recorded, week by week.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..limits import MAX_SEED
from ..model import CoCreationModel
from ..runner import release
from .summaries import STATISTICS, Window, snapshot
from .targets import Target

SEED_KEY = "seed"
"""The name under which a simulation returns the seed it ran on (stored with each particle)."""


def fresh_seed() -> int:
    """A seed from the operating system's entropy: fresh in every worker process, never repeated by a fork."""
    return secrets.randbelow(MAX_SEED + 1)


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(params), sort_keys=True, default=str)


class _Run:
    """What one run recorded: its columns week by week and counters at the weeks asked."""

    def __init__(self, params: dict[str, Any], constants: Mapping[str, float], seed: int):
        self.params = params
        self.constants = dict(constants)
        self.seed = seed
        self.columns: set[str] = set()
        self.weeks: set[int] = set()

    def execute(self) -> None:
        horizon = max(self.weeks)
        model = CoCreationModel(rng=self.seed, constants=self.constants, **self.params)
        try:
            self.series = {c: np.empty(horizon) for c in self.columns}
            self.snapshots = {0: snapshot(model)} if 0 in self.weeks else {}
            for week in range(1, horizon + 1):
                model.step()
                for column, values in self.series.items():
                    values[week - 1] = getattr(model, column)
                if week in self.weeks:
                    self.snapshots[week] = snapshot(model)
        finally:
            release(model)

    def window(self, target: Target) -> Window:
        return Window(
            weeks=target.window,
            series={c: v[target.burn_in : target.horizon] for c, v in self.series.items()},
            start=self.snapshots[target.burn_in],
            end=self.snapshots[target.horizon],
        )


def simulate(constants: Mapping[str, float], seed: int, targets: Sequence[Target]) -> dict[str, float]:
    """Each target's statistic (NaN where the run gives nothing to measure) for these constants and seed."""
    runs: dict[str, _Run] = {}

    def need(params: dict[str, Any], target: Target) -> None:
        run = runs.setdefault(_key(params), _Run(params, constants, seed))
        run.columns.update(STATISTICS[target.statistic].columns)
        run.weeks.update((target.burn_in, target.horizon))

    for target in targets:
        need(target.params, target)
        if target.versus:
            need({**target.params, **target.versus}, target)
    for run in runs.values():
        run.execute()
    out: dict[str, float] = {}
    for target in targets:
        window = runs[_key(target.params)].window(target)
        if target.versus:
            window.versus = runs[_key({**target.params, **target.versus})].window(target)
        with np.errstate(all="ignore"):
            value = float(STATISTICS[target.statistic].fn(window))
        out[target.name] = value if math.isfinite(value) else math.nan
    return out


def simulate_task(task: tuple[dict[str, float], int, Sequence[Target]]) -> dict[str, float]:
    """:func:`simulate` for an executor task ``(constants, seed, targets)``; the seed is returned too."""
    constants, seed, targets = task
    return {**simulate(constants, seed, targets), SEED_KEY: float(seed)}

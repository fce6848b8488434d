"""Simulation-based calibration: does the method recover constants it is given?

On a reduced configuration (a small municipality, two constants, two
statistics that each mainly answers to one of them: strain to how much the
ordinary job drains energy, the Gentofte model's politician hours to how
much casework remains when standing committees are cut), truths are drawn from
the prior; each truth's statistics, simulated on a seed of their own, become
the observed values of a targets set; the calibration is run on them as on
real figures. If the method is sound, the 90% credible interval holds the
truth in about 90% of the cases (with few truths, 0.7-1.0). The tolerances
are the statistics' seed-to-seed spread at the middle of the prior (measured
first), as the error model would set them for a survey of that precision.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import CONSTANTS
from ..scenario import load_scenario
from .simulate import simulate
from .targets import Target, TargetSet

ROOT = Path(__file__).resolve().parents[3]
CONSTANTS_FITTED = ("job_strain", "casework_kept")
"""The reduced configuration's constants (the prior predictive check ranks each first for its statistic)."""
SPECS = (
    ("strain_share_mean", "npm_baseline.yaml", {}),
    ("politician_hours_ratio", "gentofte_task_committees.yaml", {"task_committees": 0}),
)
"""Each statistic with the scenario it is measured on and its ``versus`` levers."""
STATISTICS_USED = tuple(statistic for statistic, _, _ in SPECS)
SMALL = {"n_citizens": 300, "population": 6000, "n_departments": 3, "workers_per_department": 8}
"""A small municipality: fast runs, the same mechanisms."""
LEVEL = 0.9
"""Credible level whose coverage is measured."""
MAX_DRAWS = 20
"""Draws of a truth before giving up when its statistics cannot be measured (no joins in the window)."""
NOISE_SEEDS = 8
"""Seeds at the middle of the prior that measure each statistic's seed-to-seed spread."""


def _targets(observed: dict[str, float], tolerance: dict[str, float], burn_in: int, window: int) -> TargetSet:
    targets = tuple(
        Target(
            name=statistic,
            statistic=statistic,
            scenario=f"{scenario} (small)",
            burn_in=burn_in,
            window=window,
            low=observed[statistic],
            high=observed[statistic],
            tolerance={"survey": tolerance[statistic]},
            use="fit",
            source="simulated truth",
            params={**load_scenario(ROOT / "scenarios" / scenario).params, **SMALL},
            versus=versus,
        )
        for statistic, scenario, versus in SPECS
    )
    return TargetSet("sbc", "simulation-based calibration", Path("sbc"), CONSTANTS_FITTED, targets)


def noise(burn_in: int, window: int) -> dict[str, float]:
    """Each statistic's seed-to-seed standard deviation at the middle of the prior."""
    middle = {n: (CONSTANTS[n].low + CONSTANTS[n].high) / 2 for n in CONSTANTS_FITTED}
    probe = _targets(dict.fromkeys(STATISTICS_USED, 0.0), dict.fromkeys(STATISTICS_USED, 1.0), burn_in, window)
    values = pd.DataFrame([simulate(middle, 900_000 + s, probe.targets) for s in range(NOISE_SEEDS)])
    spread = {s: float(values[s].std(ddof=1)) for s in STATISTICS_USED}
    for statistic, sd in spread.items():
        if not sd > 0:
            raise RuntimeError(f"{statistic} does not vary from seed to seed here ({sd}): no tolerance to use")
    return spread


def run_sbc(
    truths: int,
    *,
    population: int,
    budget: int,
    workers: int | None = 1,
    burn_in: int = 52,
    window: int = 52,
    seed: int = 1,
    notify: Callable[[str], None] = print,
) -> pd.DataFrame:
    """One row per truth and constant: the truth, the posterior's 90% interval and whether it holds the truth."""
    from ..posterior import read_posterior
    from ..posterior import weighted_quantiles as quantiles
    from .abc import calibrate

    rng = np.random.default_rng(seed)
    tolerance = noise(burn_in, window)
    notify(f"tolerances (seed-to-seed sd at the prior's middle): {tolerance}")
    rows: list[dict[str, Any]] = []
    probe = _targets(dict.fromkeys(STATISTICS_USED, 0.0), tolerance, burn_in, window)
    for i in range(truths):
        for _attempt in range(MAX_DRAWS):
            truth = {n: float(rng.uniform(CONSTANTS[n].low, CONSTANTS[n].high)) for n in CONSTANTS_FITTED}
            observed = simulate(truth, int(rng.integers(1, 2**31)), probe.targets)
            if all(math.isfinite(v) for v in observed.values()):
                break
            notify(f"truth {i}: a statistic could not be measured ({observed}); drawn again")
        else:
            raise RuntimeError(f"no measurable truth in {MAX_DRAWS} draws: lengthen the window")
        targets = _targets(observed, tolerance, burn_in, window)
        with tempfile.TemporaryDirectory() as tmp:
            calibrate(
                targets, Path(tmp), budget=budget, population=population, workers=workers, notify=lambda _line: None
            )
            posterior, info = read_posterior(Path(tmp) / "posterior.parquet")
        w = posterior["weight"].to_numpy(dtype=float)
        for name in CONSTANTS_FITTED:
            low, high = quantiles(posterior[name].to_numpy(dtype=float), w, ((1 - LEVEL) / 2, (1 + LEVEL) / 2))
            rows.append(
                {
                    "truth": i,
                    "constant": name,
                    "value": truth[name],
                    "low": low,
                    "high": high,
                    "covered": low <= truth[name] <= high,
                    "epsilon": info["calibration"]["epsilon"],
                    "simulations": info["calibration"]["simulations"],
                }
            )
        shown = [f"{r['constant']} {r['value']:.3g} in [{r['low']:.3g}, {r['high']:.3g}]" for r in rows[-2:]]
        notify(f"truth {i}: {'; '.join(shown)}")
    return pd.DataFrame(rows)

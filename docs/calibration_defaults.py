"""Are the model's defaults the calibrated ones, and do they reproduce the fit targets?

The shipped posterior's particle of highest density
(:func:`cocreate_sim.calibration.report.highest_density`) is the model's
declared value of every fitted constant, rounded to three significant digits
(issue 11, point 5). This script says whether the declared values are that
particle and runs every target of the targets file with the point model (the
declared constants, as ``run_model()``, ``--point``, sweeps and the classroom
app run them) on a seed block nothing was calibrated on (4,000,000+): the mean
statistic, its 95% confidence interval, the distance of the mean in units of
the target's tolerance (1 or less: within) and the share of seeds within.
``--posterior`` only chooses the particle the declared values are compared
with: the simulations always run the declared constants, which is what is
being checked. Every row records the posterior's SHA-256 and the targets
file's digest.

Run:  python3 docs/calibration_defaults.py [--seeds 20] [--workers N] [--targets FILE] [--posterior FILE]
                                           [--out FILE]
Writes docs/calibration/defaults_check.csv (or --out), atomically.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cocreate_sim.calibration.report import highest_density
from cocreate_sim.calibration.simulate import simulate_task
from cocreate_sim.calibration.targets import load_targets
from cocreate_sim.constants import CONSTANTS
from cocreate_sim.errors import UserError, display, whole_number_type
from cocreate_sim.executor import run_tasks
from cocreate_sim.fileio import atomic_write_text, sha256_file
from cocreate_sim.posterior import SHIPPED, read_posterior

ROOT = Path(__file__).resolve().parents[1]
BASE_SEED = 4_000_000
"""The seed block of this check (no calibration or test uses it)."""
DIGITS = 3
"""Significant digits the declared values keep."""


def rounded(value: float, digits: int = DIGITS) -> float:
    return float(f"{value:.{digits}g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=whole_number_type(2), default=20, help="seeds, at least 2 (default 20)")
    ap.add_argument("--workers", type=whole_number_type(1), help="worker processes (default: every core)")
    ap.add_argument("--targets", default=str(ROOT / "calibration" / "targets.yaml"), help="the targets file")
    ap.add_argument("--posterior", default=str(SHIPPED), help="the posterior (default: the shipped one)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration" / "defaults_check.csv"), help="the CSV")
    args = ap.parse_args(argv)
    try:
        return check(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def check(args: argparse.Namespace) -> int:
    """Compare the declared values with the particle of highest density, then run the targets at the defaults."""
    posterior, _info = read_posterior(args.posterior)
    best = highest_density(posterior)
    print("particle of highest density:")
    same = True
    for name, value in best.items():
        declared = CONSTANTS[name].value
        ok = declared == rounded(value)
        same &= ok
        print(
            f"  {name:12s} {value:.5f} -> {rounded(value):g}; declared {declared:g} {'(same)' if ok else '(DIFFERENT)'}"
        )

    targets = load_targets(args.targets)
    tasks = [({}, BASE_SEED + i, targets.targets) for i in range(args.seeds)]
    rows = [result for _, result in run_tasks(simulate_task, tasks, workers=args.workers, desc="defaults check")]
    stats = pd.DataFrame(rows)
    out = []
    for t in targets.targets:
        x = stats[t.name].dropna().to_numpy(dtype=float)
        mean = float(x.mean()) if len(x) else math.nan
        half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else math.nan
        within = float(np.mean([t.distance(v) <= 1 for v in x])) if len(x) else math.nan
        out.append(
            {
                "target": t.name,
                "use": t.use,
                "observed": t.observed_text(),
                "tolerance": round(t.scale, 4),
                "seeds": len(x),
                "mean": mean,
                "ci95_low": mean - half,
                "ci95_high": mean + half,
                "distance_of_mean": t.distance(mean),
                "mean_within": t.distance(mean) <= 1,
                "share_of_seeds_within": within,
            }
        )
    table = pd.DataFrame(out)
    table["posterior_sha256"] = sha256_file(args.posterior)
    table["targets_digest"] = targets.digest()
    path = Path(args.out)
    atomic_write_text(path, table.to_csv(index=False))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    print(f"wrote {display(path)}")
    fit_ok = bool(table.loc[table["use"] == "fit", "mean_within"].all())
    print(f"declared values are the particle of highest density: {same}; every fit target within: {fit_ok}")
    return 0 if same and fit_ok else 1


if __name__ == "__main__":
    sys.exit(main())

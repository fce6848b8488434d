"""Do two full calibration runs (fresh seeds each) agree? Their marginals, side by side.

For each fitted constant: each run's weighted 5%, 50% and 95% quantiles, and
the two-sample Kolmogorov-Smirnov distance between the weighted marginals
(the largest gap between their cumulative distributions; with effective
sample sizes of about 250 each, gaps below about 0.12 are what two draws
from one distribution give at the 5% level).

Run:  python3 docs/calibration_runs.py RUN1/posterior.parquet RUN2/posterior.parquet
Writes docs/calibration/runs.csv.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cocreate_sim.posterior import read_posterior, weighted_quantiles

ROOT = Path(__file__).resolve().parents[1]


def _cdf(values: np.ndarray, weights: np.ndarray, grid: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / weights.sum()
    return np.concatenate([[0.0], cum])[np.searchsorted(values[order], grid, side="right")]


def _ess(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / (w**2).sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration" / "runs.csv"))
    args = ap.parse_args(argv)
    (a, ia), (b, ib) = read_posterior(args.first), read_posterior(args.second)
    wa, wb = a["weight"].to_numpy(float), b["weight"].to_numpy(float)
    n = _ess(wa) * _ess(wb) / (_ess(wa) + _ess(wb))
    critical = 1.358 / math.sqrt(n)
    rows = []
    for name in (c for c in a.columns if c != "weight"):
        va, vb = a[name].to_numpy(float), b[name].to_numpy(float)
        grid = np.union1d(va, vb)
        ks = float(np.max(np.abs(_cdf(va, wa, grid) - _cdf(vb, wb, grid))))
        qa, qb = weighted_quantiles(va, wa, (0.05, 0.5, 0.95)), weighted_quantiles(vb, wb, (0.05, 0.5, 0.95))
        rows.append(
            {
                "constant": name,
                "first_q05": qa[0],
                "first_median": qa[1],
                "first_q95": qa[2],
                "second_q05": qb[0],
                "second_median": qb[1],
                "second_q95": qb[2],
                "ks": ks,
                "ks_5pct_critical": critical,
                "agree": ks < critical,
            }
        )
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out, index=False)
    for run, info in (("first", ia), ("second", ib)):
        cal = info["calibration"]
        print(
            f"{run}: {cal['simulations']:,} simulations, {cal['generations']} generations, epsilon "
            f"{cal['epsilon']:.3g}, ESS {cal['effective_sample_size']:.0f}, {cal['wall_seconds'] / 60:.1f} min"
        )
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

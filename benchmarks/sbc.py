"""Simulation-based calibration of the calibration method (issue 11, point 9).

Draws ``--truths`` sets of two constants from their prior, simulates each
truth's statistics on a small municipality, calibrates on them with the
project's ABC-SMC as on real figures, and prints how often the 90% credible
interval holds the truth (expected 0.7-1.0 with ten truths). Writes
docs/sbc.csv. See src/cocreate_sim/calibration/sbc.py for the configuration.

Run:  python3 benchmarks/sbc.py [--truths 10] [--population 100] [--budget 2000] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cocreate_sim.calibration.sbc import LEVEL, run_sbc

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truths", type=int, default=10)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "docs" / "sbc.csv"))
    args = ap.parse_args(argv)
    started = time.monotonic()
    rows = run_sbc(
        args.truths,
        population=args.population,
        budget=args.budget,
        workers=args.workers,
        seed=args.seed,
        notify=lambda line: print(line, flush=True),
    )
    rows.to_csv(args.out, index=False)
    print(f"\n{len(rows)} intervals from {rows['truth'].nunique()} truths, {time.monotonic() - started:.0f} s")
    for name, group in rows.groupby("constant"):
        print(
            f"  {name}: {LEVEL:.0%} interval holds the truth in {group['covered'].mean():.0%} "
            f"({int(group['covered'].sum())} of {len(group)})"
        )
    print(f"  all: {rows['covered'].mean():.0%}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

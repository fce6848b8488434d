"""Ten-year net payback of co-creation, and the levers that flip its sign (the investment loop).

``net_payback_hours`` is cumulative: operations hours returned by what
co-creation built, minus hours spent co-creating, minus unfunded maintenance
(src/cocreate_sim/mechanisms/operations.py). For each context (the NPM
defaults, and the reform of issue 10: zero_error_culture 0.2, leader_dialogue
0.8, measure_cocreation_value 0.6, decision_path_length 2) and each lever
below at its two settings, runs 20 paired seeds for 520 weeks and prints the
mean net payback at week 520 with its 95% CI. A lever flips the sign when one
setting's interval lies wholly below zero and the other's wholly above.
Writes docs/payback.csv. Run:  python3 docs/payback.py [--replications 20] [--horizon 520] [--workers N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cocreate_sim.params import DEFAULTS
from cocreate_sim.statistics import mean_ci, replication_seeds, run_replications

ROOT = Path(__file__).resolve().parents[1]
REFORM = {"zero_error_culture": 0.2, "leader_dialogue": 0.8, "measure_cocreation_value": 0.6, "decision_path_length": 2}
CONTEXTS = {"NPM defaults": {}, "reform": REFORM}
LEVERS = {
    "maintenance_pool": (0.0, 1.0),
    "capacity_set_aside": (0.0, 0.3),
    "outreach_weak_groups": (0.0, 1.0),
    "budget_pressure": (0.0, 1.0),
    "silo_strength": (0.0, 1.0),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--horizon", type=int, default=520)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "docs" / "payback.csv"))
    args = ap.parse_args(argv)
    runs, labels = [], {}
    for context, base in CONTEXTS.items():
        for lever, values in LEVERS.items():
            for value in values:
                label = f"{context}|{lever}|{value}"
                params = {**DEFAULTS, **base, lever: value}
                if label not in labels:
                    labels[label] = (context, lever, value)
                    runs.append((label, params))
    table = run_replications(runs, args.horizon, replication_seeds(3_000_000, args.replications), args.workers)
    final = table[table.week == args.horizon]
    rows = []
    for label, (context, lever, value) in labels.items():
        x = final[final.scenario == label]["net_payback_hours"].to_numpy()
        m, _, lo, hi = mean_ci(x)
        rows.append(dict(context=context, lever=lever, value=value, net_payback_hours=m, ci_low=lo, ci_high=hi))
    out = pd.DataFrame(rows)
    flips = []
    for (context, lever), group in out.groupby(["context", "lever"], sort=False):
        below = (group.ci_high < 0).any()
        above = (group.ci_low > 0).any()
        flips.append(dict(context=context, lever=lever, flips_sign=bool(below and above)))
    out = out.merge(pd.DataFrame(flips), on=["context", "lever"])
    out.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200):
        print(out.round(0).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ten-year net payback of co-creation, and the levers that flip its sign (the investment loop).

``net_payback_hours`` is cumulative: operations hours returned by what
co-creation built, minus hours spent co-creating, minus unfunded maintenance
(src/cocreate_sim/mechanisms/operations.py). For each context (the NPM
defaults; the reform of issue 10: zero_error_culture 0.2, leader_dialogue
0.8, measure_cocreation_value 0.6, decision_path_length 2; and a third of the
way to it) and each lever
below at its two settings, runs 20 paired seeds for 520 weeks and prints the
mean net payback at week 520 with its 95% CI. A lever flips the sign when one
setting's interval lies wholly below zero and the other's wholly above.
Writes docs/payback.csv (with ``--context``, replaces only that context's rows).
Run:  python3 docs/payback.py [--replications 20] [--horizon 520] [--workers N] [--context NAME] [--base-seed S]
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
THIRD = {
    "zero_error_culture": 0.55,
    "leader_dialogue": 0.35,
    "measure_cocreation_value": 0.2,
    "decision_path_length": 3,
}
"""A third of the way from the NPM defaults (0.7, 0.1, 0, 4) to the reform, rounded; chosen after a scan (section 6
of docs/validation.md says how) and confirmed on a fresh block of seeds (--base-seed)."""
CONTEXTS = {"NPM defaults": {}, "reform": REFORM, "a third of the reform": THIRD}
BASE_SEED = 3_000_000
"""First seed of the paired block every context and lever setting is run on."""
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
    ap.add_argument("--context", action="append", choices=list(CONTEXTS), help="only this context (repeatable)")
    ap.add_argument("--base-seed", type=int, default=BASE_SEED, help="first seed of the paired block")
    args = ap.parse_args(argv)
    if args.replications < 2 or args.horizon < 1 or not 0 <= args.base_seed < 2**31:
        print("payback.py: --replications must be at least 2, --horizon at least 1, --base-seed 0 to 2^31-1")
        return 2
    chosen = args.context or list(CONTEXTS)
    runs, labels = [], {}
    for context, base in CONTEXTS.items():
        if context not in chosen:
            continue
        for lever, values in LEVERS.items():
            for value in values:
                label = f"{context}|{lever}|{value}"
                params = {**DEFAULTS, **base, lever: value}
                if label not in labels:
                    labels[label] = (context, lever, value)
                    runs.append((label, params))
    table = run_replications(runs, args.horizon, replication_seeds(args.base_seed, args.replications), args.workers)
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
    out["base_seed"] = args.base_seed
    out["replications"] = args.replications
    kept = Path(args.out)
    if args.context and kept.is_file():  # a subset of contexts replaces only its own rows
        earlier = pd.read_csv(kept)
        out = pd.concat([earlier[~earlier.context.isin(chosen)], out], ignore_index=True)
    out.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200):
        print(out.round(0).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

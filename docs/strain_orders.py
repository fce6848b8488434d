"""How hard ordered trial time strains the workers, and one valve tried (docs/validation.md, section 8).

Pattern 4 misses because ordered trial time (``practice_mandate``) on top of an operations job burns novices
out (the strain loop, ``energy.energy_change``: trial costs energy in proportion to ``1 - practice``). This
script measures how far, and tries one mechanism the model lacks:

1. **Dose** (part ``dose``): the NPM baseline (``scenarios/npm_baseline.yaml``) with ``practice_mandate`` at
   each of :data:`DOSES`, week 260: the shares of workers under strain and burnt out, and uptake, with 95%
   t-intervals. The staff survey puts strain at 0.10-0.25 (shared/EVIDENCE.md); no published figure bounds it
   under ordered co-creation.
2. **A valve** (part ``pattern 4``): pattern 4's arms (``patterns_design``, its context and horizon) run with
   the shipped model and with a variant in which a strained worker drops the ordered hours (decoupling: 003
   says front figures the organisation does not carry become decoupled; the model gives that to front figures
   without backing only, ``Worker._spend_energy``). The variant is patched into this script's processes only;
   the model is not changed. Each arm's final uptake, strain and burn-out shares, and pattern 4's two
   contrasts (paired differences over the same seeds).

Seeds: the block 7,700,000+, which nothing was chosen or tuned on. Writes ``docs/strain_orders.csv``
atomically. Run:
    python3 docs/strain_orders.py [--replications 12] [--workers 2] [--out docs/strain_orders.csv]
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cocreate_sim.agents import workers
from cocreate_sim.fileio import atomic_write_text
from cocreate_sim.mechanisms import time_allocation
from cocreate_sim.patterns_design import BY_KEY
from cocreate_sim.runner import run_model
from cocreate_sim.scenario import load_scenario
from cocreate_sim.statistics import mean_ci, replication_seeds

ROOT = Path(__file__).resolve().parents[1]
BASE_SEED = 7_700_000
DOSES = (0.0, 0.1, 0.2, 0.4, 0.6, 1.0)
"""Values of ``practice_mandate`` in the dose part (0.1 is Rudersdal's; 1 orders a fifth of every week)."""
DOSE_WEEKS = 260
FIGURES = ("uptake", "strain_share", "burnout_share")
VARIANTS = ("shipped", "decoupling")
DECIDE = workers.Worker._decide
MANDATED = time_allocation.mandated_share


def decoupled_decide(self: Any, p: Any) -> None:
    """The model's weekly decision, but a strained worker is ordered into nothing (this script's variant)."""
    if self.strained:
        time_allocation.mandated_share = lambda practice_mandate: 0.0
    try:
        DECIDE(self, p)
    finally:
        time_allocation.mandated_share = MANDATED


def one_run(task: tuple[str, str, str, int, dict, int]) -> tuple[str, str, str, int, dict[str, float]]:
    part, variant, arm, seed, params, weeks = task
    workers.Worker._decide = decoupled_decide if variant == "decoupling" else DECIDE
    out = run_model(steps=weeks, rng=seed, **params)
    return part, variant, arm, seed, {f: float(out[f]) for f in FIGURES}


def tasks(replications: int) -> list[tuple[str, str, str, int, dict, int]]:
    seeds = replication_seeds(BASE_SEED, replications)
    base = dict(load_scenario(ROOT / "scenarios" / "npm_baseline.yaml").params)
    out = [("dose", "shipped", f"{d:g}", s, {**base, "practice_mandate": d}, DOSE_WEEKS) for d in DOSES for s in seeds]
    pattern = BY_KEY["intertwined_learning"]
    for variant in VARIANTS:
        for arm, levers in pattern.arms.items():
            out += [("pattern 4", variant, arm, s, {**pattern.context, **levers}, pattern.horizon) for s in seeds]
    return out


def table(results: list[tuple[str, str, str, int, dict[str, float]]]) -> pd.DataFrame:
    rows = []
    groups: dict[tuple[str, str, str], dict[int, dict[str, float]]] = {}
    for part, variant, arm, seed, figures in results:
        groups.setdefault((part, variant, arm), {})[seed] = figures
    for (part, variant, arm), by_seed in groups.items():
        for f in FIGURES:
            m, _, lo, hi = mean_ci(np.array([x[f] for x in by_seed.values()]))
            rows.append(dict(part=part, variant=variant, arm=arm, figure=f, value=m, ci_low=lo, ci_high=hi))
    for variant in VARIANTS:
        for contrast in BY_KEY["intertwined_learning"].contrasts:
            a, b = groups[("pattern 4", variant, contrast.a)], groups[("pattern 4", variant, contrast.b)]
            diff = np.array([b[s][contrast.outcome] - a[s][contrast.outcome] for s in sorted(a)])
            m, _, lo, hi = mean_ci(diff)
            rows.append(
                dict(part="pattern 4", variant=variant, arm=contrast.claim, figure=f"{contrast.outcome} difference",
                     value=m, ci_low=lo, ci_high=hi)
            )  # fmt: skip
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "docs" / "strain_orders.csv"))
    args = ap.parse_args(argv)
    if not 2 <= args.replications <= 1000 or not 1 <= args.workers <= 64:
        ap.error("--replications must be 2 to 1,000 and --workers 1 to 64")
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(one_run, tasks(args.replications), chunksize=1))
    frame = table(results)
    atomic_write_text(Path(args.out), frame.to_csv(index=False, float_format="%.4f"))
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

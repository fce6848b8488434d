"""Why pattern 4 misses: how hard ordered trial time strains the workers, and variants tried (validation.md, 8).

Pattern 4 ("mindset without practice, or practice without mindset, does not give uptake") misses: courses
alone give more uptake than courses with orders. Ordered trial time (``practice_mandate``) on top of an
operations job burns novices out (the strain loop, ``energy.energy_change``: trial costs energy in proportion
to ``1 - practice``), and courses teach mindset whatever the worker's practice. This script measures both and
tries variants of the model, each patched into this script's processes only (the model is not changed):

- ``shipped``: the model as it is;
- ``decoupling``: a strained worker drops the ordered hours (003: front figures the organisation does not
  carry become decoupled; the model gives that to front figures without backing only);
- ``gating``: courses teach in proportion to practice, as trials teach in proportion to mindset
  (``training_talk * (practice_floor + (1 - practice_floor) * p)``; 000: the two learning processes "are
  closely intertwined and cannot develop in isolation", development "is achieved incrementally");
- ``gating+spread``: gating, with jobs' workloads spread as widely as the constant's range allows
  (``workload_spread`` 0.5, its high end): a workforce whose energy is spread wider has fewer workers near
  the strain line;
- ``gating+cheap-trial``: gating, with a trial's energy cost at the low end of its range (``shift_cost`` 0.06).

Two parts, each for every variant:

1. **dose**: the NPM baseline (``scenarios/npm_baseline.yaml``) with ``practice_mandate`` at each of
   :data:`DOSES`, week 260: the shares of workers under strain and burnt out, and uptake, with 95%
   t-intervals. The staff survey puts strain at 0.10-0.25 (shared/EVIDENCE.md); no published figure bounds
   it under ordered co-creation.
2. **patterns**: every contrast of the six patterns (``patterns_design``: their contexts, arms, horizons and
   the backlog shock of pattern 6), as paired differences with 95% t-intervals, and each arm's final strain
   and burn-out shares: what a variant mends, and what it breaks.

Seeds: the block 7,700,000+, which nothing was chosen or tuned on. Writes ``docs/strain_orders.csv``
atomically. Run:
    python3 docs/strain_orders.py [--replications 12] [--workers 2] [--variants shipped,gating]
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cocreate_sim import patterns
from cocreate_sim.agents import workers
from cocreate_sim.fileio import atomic_write_text
from cocreate_sim.mechanisms import dialogue, time_allocation
from cocreate_sim.patterns_design import PATTERNS, REPORTED_PER_ARM
from cocreate_sim.runner import run_model
from cocreate_sim.scenario import load_scenario
from cocreate_sim.statistics import mean_ci, replication_seeds

ROOT = Path(__file__).resolve().parents[1]
BASE_SEED = 7_700_000
DOSES = (0.0, 0.1, 0.2, 0.4, 1.0)
"""Values of ``practice_mandate`` in the dose part (0.1 is Rudersdal's; 1 orders a fifth of every week)."""
DOSE_WEEKS = 260
FIGURES = ("uptake", "strain_share", "burnout_share")
VARIANTS = ("shipped", "decoupling", "gating", "gating+spread", "gating+cheap-trial")
CONSTANTS = {"gating+spread": {"workload_spread": 0.5}, "gating+cheap-trial": {"shift_cost": 0.06}}
"""Constants a variant changes (declared values otherwise)."""
DECIDE = workers.Worker._decide
LEARN = workers.Worker._learn
MANDATED = time_allocation.mandated_share
TRAINING = dialogue.training_talk


def decoupled_decide(self: Any, p: Any) -> None:
    """The model's weekly decision, but a strained worker is ordered into nothing (variant ``decoupling``)."""
    if self.strained:
        time_allocation.mandated_share = lambda practice_mandate: 0.0
    try:
        DECIDE(self, p)
    finally:
        time_allocation.mandated_share = MANDATED


def gated_learn(self: Any, p: Any) -> None:
    """The model's learning, but courses teach in proportion to the worker's practice (variant ``gating``)."""
    k, practice = self.model.k, self.practice
    dialogue.training_talk = lambda k_, mt: TRAINING(k_, mt) * (k.practice_floor + (1.0 - k.practice_floor) * practice)
    try:
        LEARN(self, p)
    finally:
        dialogue.training_talk = TRAINING


def install(variant: str) -> None:
    workers.Worker._decide = decoupled_decide if variant == "decoupling" else DECIDE
    workers.Worker._learn = gated_learn if variant.startswith("gating") else LEARN


def dose_run(task: tuple[str, float, int, dict]) -> tuple[str, float, int, dict[str, float]]:
    variant, dose, seed, params = task
    install(variant)
    out = run_model(steps=DOSE_WEEKS, rng=seed, constants=CONSTANTS.get(variant), **params)
    return variant, dose, seed, {f: float(out[f]) for f in FIGURES}


def pattern_run(task: tuple[str, patterns.Job]) -> dict[str, np.ndarray]:
    variant, job = task
    install(variant)
    return patterns._run_arm(job)


def dose_rows(results: list[tuple[str, float, int, dict[str, float]]]) -> list[dict[str, Any]]:
    rows = []
    for variant in dict.fromkeys(r[0] for r in results):
        for dose in DOSES:
            mine = [r[3] for r in results if r[0] == variant and r[1] == dose]
            for f in FIGURES:
                m, _, lo, hi = mean_ci(np.array([x[f] for x in mine]))
                rows.append(dict(part="dose", variant=variant, setting=f"practice_mandate {dose:g}", figure=f,
                                 value=m, ci_low=lo, ci_high=hi))  # fmt: skip
    return rows


def pattern_rows(variant: str, runs: list[dict[str, np.ndarray]], replications: int) -> list[dict[str, Any]]:
    rows, start = [], 0
    for p in PATTERNS:
        n = len(p.arms) * replications
        res = patterns._measure(p, runs[start : start + n], replications, p.horizon)
        start += n
        for eff in res.effects:
            rows.append(dict(part="patterns", variant=variant, setting=f"{p.key}: {eff.contrast.claim}",
                             figure=f"{eff.contrast.outcome} difference", value=eff.mean, ci_low=eff.low,
                             ci_high=eff.high, confirmed=eff.confirmed))  # fmt: skip
        for arm in p.arms:
            for f in (p.figure_outcome, *REPORTED_PER_ARM):
                m, _, lo, hi = mean_ci(res.finals[arm][f])
                rows.append(dict(part="patterns", variant=variant, setting=f"{p.key}: {arm}", figure=f, value=m,
                                 ci_low=lo, ci_high=hi))  # fmt: skip
    return rows


def variant_list(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names or set(names) - set(VARIANTS):
        raise argparse.ArgumentTypeError(f"{text!r}: name one or more of {', '.join(VARIANTS)}, comma-separated")
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--variants", type=variant_list, default=list(VARIANTS), help=", ".join(VARIANTS))
    ap.add_argument("--out", default=str(ROOT / "docs" / "strain_orders.csv"))
    args = ap.parse_args(argv)
    if not 2 <= args.replications <= 1000 or not 1 <= args.workers <= 64:
        ap.error("--replications must be 2 to 1,000 and --workers 1 to 64")
    seeds = replication_seeds(BASE_SEED, args.replications)
    base = dict(load_scenario(ROOT / "scenarios" / "npm_baseline.yaml").params)
    doses = [(v, d, s, {**base, "practice_mandate": d}) for v in args.variants for d in DOSES for s in seeds]
    rows = []
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows += dose_rows(list(pool.map(dose_run, doses, chunksize=1)))
        for variant in args.variants:
            constants = [CONSTANTS.get(variant)] * args.replications
            jobs = [(variant, j) for p in PATTERNS for j in patterns._jobs(p, seeds, p.horizon, constants)]
            rows += pattern_rows(variant, list(pool.map(pattern_run, jobs, chunksize=1)), args.replications)
    frame = pd.DataFrame(rows)
    atomic_write_text(Path(args.out), frame.to_csv(index=False, float_format="%.4f"))
    with pd.option_context("display.width", 200, "display.max_rows", 1000, "display.max_colwidth", 70):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

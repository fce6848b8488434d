"""Prior predictive coverage: can the constants' plausible ranges reach each published figure?

shared/EVIDENCE.md sets ranges, never values (nothing is tuned to it; the
calibration fits it). This script draws every behavioural constant from its
declared plausible range (a Latin hypercube over ``[low, high]``, see
src/cocreate_sim/constants_table.py), runs the NPM baseline with each draw,
and reports, for each figure, the spread of the matching model statistic
across draws and whether the figure lies inside it (coverage). The mapping of
figure to statistic is a judgement, written next to each one below.

Run:  python3 docs/prior_predictive.py [--draws 48] [--horizon 260] [--workers N]
Writes docs/prior_predictive.csv.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cocreate_sim.constants import BEHAVIOURAL, CONSTANTS
from cocreate_sim.executor import run_tasks
from cocreate_sim.mechanisms import participation as part
from cocreate_sim.model import CoCreationModel
from cocreate_sim.params import WEEKS_PER_YEAR
from cocreate_sim.runner import release
from cocreate_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIGURES = [
    # statistic, low, high, source and mapping
    (
        "strain_share",
        0.10,
        0.25,
        "13.6% of employees often stressed, ~25% of teachers (NFA 2018): NPM strain 0.10-0.25",
    ),
    (
        "low_rung_ratio",
        0.80,
        0.90,
        "weak/strong volunteering ~0.85 (Kulturvaneundersoegelsen 2020): joins per "
        "inhabitant, weak over strong, on the two lowest rungs",
    ),
    (
        "high_minus_low_ratio",
        -1.0,
        0.0,
        "demanding forms more unequal: ratio on rungs 4-5 minus ratio on rungs 0-1 should be below 0",
    ),
    (
        "repeat_ratio",
        1.4,
        1.75,
        "+57% after a fixed report (Sjoberg et al. 2017): repeat participation after success over after failure",
    ),
    (
        "yearly_join_share",
        0.0,
        0.40,
        "40% volunteer at all (VIVE 2020): joins in the last year per inhabitant is at most that",
    ),
    (
        "gentofte_hours_ratio",
        0.0,
        1.05,
        "total politician time must not rise (004): Gentofte file over the same file without task committees",
    ),
]


def _ratio(joins: list[list[int]], rungs: range, model: CoCreationModel) -> float:
    pop = model.population
    weak = sum(joins[r][part.WEAK] for r in rungs) / max(1, int((pop.group == part.WEAK).sum()))
    strong = sum(joins[r][part.STRONG] for r in rungs) / max(1, int((pop.group == part.STRONG).sum()))
    return weak / strong if strong > 0 else float("nan")


def one(task: tuple[int, dict, dict, dict, int]) -> dict:
    index, constants, npm, gentofte, horizon = task
    model = CoCreationModel(rng=10_000 + index, constants=constants, **npm)
    for _ in range(horizon - WEEKS_PER_YEAR):
        model.step()
    before = model.registry.joins_total
    for _ in range(WEEKS_PER_YEAR):
        model.step()
    reg = model.registry
    low = _ratio(reg.joins_by_rung_group, range(0, 2), model)
    high = _ratio(reg.joins_by_rung_group, range(4, 6), model)
    after_s, after_f = model.repeat_participation_after_success, model.repeat_participation_after_failure
    out = {
        "draw": index,
        "strain_share": model.strain_share,
        "low_rung_ratio": low,
        "high_minus_low_ratio": high - low,
        "repeat_ratio": after_s / after_f if after_f > 0 else float("nan"),
        "yearly_join_share": (reg.joins_total - before) / model.p.population,
    }
    release(model)
    hours = []
    for committees in (gentofte["task_committees"], 0):
        m = CoCreationModel(rng=10_000 + index, constants=constants, **{**gentofte, "task_committees": committees})
        for _ in range(WEEKS_PER_YEAR):
            m.step()
        hours.append(m.politician_hours_total)
        release(m)
    out["gentofte_hours_ratio"] = hours[0] / hours[1]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=48)
    ap.add_argument("--horizon", type=int, default=260)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "docs" / "prior_predictive.csv"))
    args = ap.parse_args(argv)
    npm = dict(load_scenario(ROOT / "scenarios" / "npm_baseline.yaml").params)
    gentofte = dict(load_scenario(ROOT / "scenarios" / "gentofte_task_committees.yaml").params)
    names = [n for n in BEHAVIOURAL if CONSTANTS[n].high > CONSTANTS[n].low]
    unit = qmc.LatinHypercube(d=len(names), seed=7).random(args.draws)
    tasks = []
    for i, row in enumerate(unit):
        draw = {}
        for name, u in zip(names, row, strict=True):
            c = CONSTANTS[name]
            value = c.low + u * (c.high - c.low)
            draw[name] = int(round(value)) if c.integer else value
        tasks.append((i, draw, npm, gentofte, args.horizon))
    results = [r for _, r in run_tasks(one, tasks, workers=args.workers, in_process_below=2, desc="draws")]
    frame = pd.DataFrame(results).sort_values("draw")
    frame.to_csv(args.out, index=False)
    rows = []
    for stat, low, high, note in FIGURES:
        x = frame[stat].dropna().to_numpy()
        q = np.quantile(x, [0.0, 0.05, 0.5, 0.95, 1.0]) if len(x) else [np.nan] * 5
        reached = bool(len(x) and ((x >= low) & (x <= high)).any())
        rows.append(
            dict(
                statistic=stat,
                figure=f"{low}-{high}",
                min=q[0],
                p5=q[1],
                median=q[2],
                p95=q[3],
                max=q[4],
                draws_inside=int(((x >= low) & (x <= high)).sum()),
                draws=len(x),
                covered=reached,
                mapping=note,
            )
        )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(table.drop(columns="mapping").round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

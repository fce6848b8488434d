"""Why the long run does not level off: the NPM ratchet, traced, and one counterweight tried (docs/validation.md, 4).

The operations loop cuts idle hours away (``operations.next_demand_factor``, the ratchet of 003: cuts leave
"no surplus") and never gives them back. This script follows each department's demand factor over forty years
and asks two questions:

1. **Does the ratchet drive the growth?** For every shipped scenario (or those named), on the long-run seed
   block (1,000,000+, the seeds of ``docs/long_run.py``, whose table this arm reproduces): the mean demand
   factor over departments and the share of departments at the ceiling, where operations already demands
   every working hour so that every co-creation hour there becomes backlog, at years 5, 10, 20, 30 and 40.
2. **Would a counterweight level it off?** ``--counterweight`` runs the same seeds a second time with a
   ratchet that also turns back: unmet demand (a positive week's backlog before lending) is funded back at
   ``harvest_rate * pull * (1 - budget_pressure) * unmet / capacity`` a week (the harvest's own rate, by
   symmetry: an assumption), and cuts stop at the ceiling. The model is not changed: the variant is patched
   into this script's processes only. Both arms get the levelling check of ``docs/long_run.py`` on yearly
   means (years 30 to 40, ratio of replication means, 95% paired bootstrap interval) and, beside it, the
   change in the outcome's own unit (paired difference, 95% CI), which a near-empty backlog can be judged by.
3. **Would a restoring force stop the creep?** ``--arms restoring`` runs the shipped model with one force it
   lacks (the relaxation design of ``docs/transition.py`` finds nothing but staff turnover pulls learnt
   practice and mindset back): the daily pull of "sikker drift" and the old logics (our reading of
   003_2ba0a2bc3f04f1f8.txt, where the authority and efficiency logic "is still dominant among most leaders and
   staff") wears a worker's mindset back
   towards the one they came with, ``dm -= restoring_rate * felt_pull * max(0, m - m_start)`` a week, with
   the felt pull of ``time_allocation.felt_pull`` and ``--restoring-rate`` (assumed; default 0.01: at full
   pull a gain halves in about 1.3 years). ``--arms both`` runs it together with the counterweight. Patched
   in this script's processes only, as the counterweight is. Each arm also reports uptake in year 5. Model
   v3 has this force (``learning.mindset_change``): these two arms ran on model v2 (their table is
   ``docs/ratchet_restoring.csv``) and are refused on a model that has it.

Writes ``docs/ratchet.csv`` (one row per arm, scenario and figure), atomically. ``--arms counterweight`` runs
one arm only. Run:
    python3 docs/ratchet.py [--replications 24] [--workers 2] [--counterweight | --arms A,B] [scenario.yaml ...]
    python3 docs/ratchet.py --arms restoring,both --restoring-rate 0.01 --out docs/ratchet_restoring.csv
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from long_run import LEVEL, decade, year_means  # noqa: E402

from cocreate_sim.agents import workers  # noqa: E402
from cocreate_sim.constants import CONSTANTS  # noqa: E402
from cocreate_sim.fileio import atomic_write_text  # noqa: E402
from cocreate_sim.mechanisms import operations, time_allocation  # noqa: E402
from cocreate_sim.model import CoCreationModel  # noqa: E402
from cocreate_sim.runner import release  # noqa: E402
from cocreate_sim.scenario import load_scenario  # noqa: E402
from cocreate_sim.statistics import mean_ci, replication_seeds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 2080
CHECKPOINTS = (260, 520, 1040, 1560, 2080)
"""Weeks at which the demand factors are read (years 5, 10, 20, 30, 40)."""
SHIPPED = operations.next_demand_factor
NEW_PERSON = workers.Worker.new_person
LEARN = workers.Worker._learn
ARMS = ("shipped", "counterweight", "restoring", "both")
RESTORING_RATE = 0.01
"""Weekly share of the mindset gained since a worker started that the full felt pull wears away (assumed)."""


def ceiling(k: Any, budget_pressure: float) -> float:
    """The demand factor at which operations demands every working hour (``operations.demand``'s cap)."""
    return k.max_demand_share / (k.ops_share * (1.0 + k.budget_demand * budget_pressure))


def counterweight(k: Any, factor: float, idle: float, capacity: float, pull: float, bp: float) -> float:
    """The ratchet with a way back (this script's variant, not the model's): see the module docstring.

    Called as the model calls ``operations.next_demand_factor``: ``idle`` is minus the week's backlog before
    lending, so a negative ``idle`` is unmet demand.
    """
    if capacity <= 0 or idle == 0:
        return factor
    if idle > 0:
        top = ceiling(k, bp)
        return factor if factor >= top else min(top, SHIPPED(k, factor, idle, capacity, pull, bp))
    return max(0.0, factor - k.harvest_rate * pull * (1.0 - bp) * -idle / capacity)


def new_person(self: Any) -> None:
    """The model's new person, remembering the mindset they came with (the restoring force's anchor)."""
    NEW_PERSON(self)
    self.start_mindset = self.mindset


def make_learn(rate: float) -> Any:
    """The model's learning with the restoring force after it (this script's variant): module docstring, 3."""

    def learn(self: Any, p: Any) -> None:
        LEARN(self, p)
        pull = time_allocation.felt_pull(self.model.k, self.leader.pull, p.capacity_set_aside)
        self.mindset = max(0.0, self.mindset - rate * pull * max(0.0, self.mindset - self.start_mindset))

    return learn


def install(arm: str, rate: float = RESTORING_RATE) -> None:
    """Each worker process's ratchet and learning: the model's, or the arm's variants."""
    operations.next_demand_factor = counterweight if arm in ("counterweight", "both") else SHIPPED
    restoring = arm in ("restoring", "both")
    workers.Worker.new_person = new_person if restoring else NEW_PERSON
    workers.Worker._learn = make_learn(rate) if restoring else LEARN


def one_run(task: tuple[str, str, int, dict, tuple]) -> tuple[str, str, int, pd.DataFrame, list[dict]]:
    arm, label, seed, params, schedule, rate = task
    install(arm, rate)
    model = CoCreationModel(rng=seed, schedule=schedule or None, **params)
    factors = []
    for week in range(1, HORIZON + 1):
        model.step()
        if week in CHECKPOINTS:
            top = ceiling(model.k, model.p.budget_pressure)
            f = np.array([d.demand_factor for d in model.departments])
            factors.append(dict(week=week, factor=float(f.mean()), at_ceiling=float(np.mean(f >= top - 1e-9))))
    frame = model.datacollector.get_model_vars_dataframe()[["uptake", *LEVEL]].copy()
    frame.index.name = "week"
    release(model)  # Mesa's model and agents refer to each other: without this a worker grows by about 5 MB a run
    return arm, label, seed, frame.reset_index(), factors


def arm_list(text: str) -> list[str]:
    arms = [a.strip() for a in text.split(",") if a.strip()]
    if not arms or any(a not in ARMS for a in arms):
        raise argparse.ArgumentTypeError(f"{text!r}: name one or more of {', '.join(ARMS)}, comma-separated")
    return list(dict.fromkeys(arms))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", help="scenario files (default: every file in scenarios/)")
    ap.add_argument("--replications", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--counterweight", action="store_true", help="also run the ratchet with a way back")
    ap.add_argument(
        "--arms",
        type=arm_list,
        help=f"the arms to run, comma-separated: {', '.join(ARMS)} (default: shipped, with --counterweight "
        "also counterweight)",
    )
    ap.add_argument("--restoring-rate", type=float, default=RESTORING_RATE, help="the restoring force's rate")
    ap.add_argument("--out", default=str(ROOT / "docs" / "ratchet.csv"))
    args = ap.parse_args(argv)
    if not 2 <= args.replications <= 1000 or not 1 <= args.workers <= 64 or not 0 <= args.restoring_rate <= 1:
        ap.error("--replications must be 2 to 1,000, --workers 1 to 64 and --restoring-rate 0 to 1")
    if args.arms and {"restoring", "both"} & set(args.arms) and "restoring_rate" in CONSTANTS:
        ap.error(
            "this model has the restoring force already (restoring_rate): "
            "the arms restoring and both add it to model v2 only"
        )
    files = [Path(f) for f in args.scenarios] or sorted((ROOT / "scenarios").glob("*.yaml"))
    arms = args.arms or (["shipped", "counterweight"] if args.counterweight else ["shipped"])
    seeds = replication_seeds(1_000_000, args.replications)
    tasks = []
    for f in files:
        sc = load_scenario(f)
        tasks += [(arm, f.stem, s, dict(sc.params), sc.schedule, args.restoring_rate) for arm in arms for s in seeds]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        results = list(pool.map(one_run, tasks, chunksize=1))
    rows = []
    for arm in arms:
        for f in files:
            mine = [r for r in results if r[0] == arm and r[1] == f.stem]
            frame = pd.concat([r[3].assign(replication=i) for i, r in enumerate(mine)])
            for week in CHECKPOINTS:
                at = [x for r in mine for x in r[4] if x["week"] == week]
                for figure in ("factor", "at_ceiling"):
                    m, _, lo, hi = mean_ci(np.array([x[figure] for x in at]))
                    rows.append(
                        dict(arm=arm, scenario=f.stem, figure=f"{figure} week {week}", value=m, ci_low=lo, ci_high=hi)
                    )
            m, _, lo, hi = mean_ci(year_means(frame, "uptake", 260))
            rows.append(dict(arm=arm, scenario=f.stem, figure="uptake year 5", value=m, ci_low=lo, ci_high=hi))
            checks = [(col, op) for col in LEVEL for op in ("/", "-")] + [("uptake", "-")]
            for col, op in checks:
                early, late = (year_means(frame, col, end) for end in (1560, 2080))
                row = decade(f.stem, col, f"year to week 2080 {op} year to week 1560", early, late)
                rows.append(
                    dict(
                        arm=arm,
                        scenario=f.stem,
                        figure=f"{col} year 40 {op} year 30",
                        value=row["value"],
                        ci_low=row["ci_low"],
                        ci_high=row["ci_high"],
                        year_30=row["at_1560"],
                        year_40=row["at_2080"],
                    )
                )
    out = pd.DataFrame(rows)
    atomic_write_text(args.out, out.to_csv(index=False))
    with pd.option_context("display.width", 220, "display.max_rows", 2000):
        print(out.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much each lever moves the headline outcomes over its whole declared range.

For each lever of ``cocreate_sim.params.PARAMETERS`` the model runs at the
lever's minimum and at its maximum, every other lever at its default, on the
same seeds (common random numbers); the effect is the mean over seeds of
(run at the maximum - run at the minimum) at the final week, with its 95%
t-interval. A run at the defaults on the same seeds gives each outcome's
baseline mean.

An effect is *relevant* when it is at least the outcome's minimum relevant
size and its interval excludes zero. The minimum relevant size (by the unit
in ``metrics.COLUMNS``) is 0.02 for a share or a 0-1 score, 0.05 for a ratio
(inclusion_ratio: 1 is proportional representation; the robustness check's
tolerance) and otherwise, for counts, hours and value units, 5% of the mean:
the largest absolute mean of the three arms (defaults, minimum, maximum), so
that an outcome whose mean at the defaults is near zero, or that changes sign
(net_payback_hours), does not make every wobble relevant.

``n_citizens`` is left out: it is a resolution (agents per inhabitant), not a
lever. When ``population`` is below ``n_citizens`` (its minimum, 500), the
resolution follows it (one agent per inhabitant). ``weak_share`` and
``strong_share`` together may not exceed 1, so each one's maximum is taken
as 1 minus the other's default. An outcome the model does not have (yet) is
skipped with a note.

Writes ``docs/lever_effects.csv`` (or ``--out``) atomically and prints a
markdown table (one line per lever: the outcome with the largest relevant
effect) for docs/validation.md::

    python3 docs/lever_effects.py                       # 20 seeds, 260 weeks, every lever: a long run
    python3 docs/lever_effects.py --levers leader_dialogue,zero_error_culture --replications 2 --horizon 10
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cocreate_sim.cli import _positive_int  # the package's own check of whole numbers of 1 or more

HEADLINE = (
    "uptake",
    "inclusion_ratio",
    "trust_mean",
    "legitimacy",
    "backlog",
    "complaints",
    "public_value",
    "burnout_share",
    "strain_share",
    "capacity_returned_hours",
    "net_payback_hours",
    "politician_hours_total",
)
"""Outcomes whose effects are measured (those the model has), at the final week."""
NOT_LEVERS = {"n_citizens": "a resolution (citizen agents per inhabitant), not a lever"}
"""Parameters left out, and why."""
ABSOLUTE_RELEVANT = (("share", 0.02), ("0-1", 0.02), ("ratio", 0.05))
"""Minimum relevant effect on an outcome whose unit starts with these words: a share, a 0-1 score, a ratio."""
RELATIVE_RELEVANT = 0.05
"""Minimum relevant effect on any other outcome (counts, hours, value units), as a share of its mean."""
REPLICATIONS = 20
"""Paired seeds per arm."""
HORIZON = 260
"""Weeks: five years, the default horizon."""
BASE_SEED = 1
"""Seed of replication 0; replication i uses BASE_SEED + i (as scenarios do)."""
OUT = Path(__file__).resolve().parent / "lever_effects.csv"
"""Default output file: docs/lever_effects.csv beside this script."""
PAIRED_SHARES = ("weak_share", "strong_share")
"""Two levers whose sum may not exceed 1."""
CSV_COLUMNS = (
    "lever",
    "low",
    "high",
    "outcome",
    "unit",
    "baseline",
    "at_low",
    "at_high",
    "effect",
    "ci_low",
    "ci_high",
    "relevant_size",
    "ratio",
    "clear",
    "relevant",
    "n",
    "note",
)
"""Columns of lever_effects.csv."""


# ------------------------------------------------------------------ planning
def arm(lever: str, value: Any, base: dict[str, Any]) -> tuple[dict[str, Any], Any, str]:
    """The levers of one arm (``lever`` at ``value``, the rest at ``base``), the value used and a note."""
    from cocreate_sim.params import resolve

    params, note = dict(base), ""
    if lever in PAIRED_SHARES:
        partner = PAIRED_SHARES[1 - PAIRED_SHARES.index(lever)]
        if value + params[partner] > 1:
            value = round(1 - params[partner], 12)
            note = f"{lever} at most {value:g} (with {partner} {params[partner]:g}, they may not exceed 1)"
    params[lever] = value
    if lever == "population" and params["n_citizens"] > value:
        params["n_citizens"] = value
        note = f"n_citizens {value} at population {value} (one agent per inhabitant)"
    return resolve(params), value, note


def plan(levers: Sequence[str], base: dict[str, Any]) -> list[tuple[str, str, Any, dict[str, Any], str]]:
    """Arms ``(lever, "low" | "high", value, levers, note)``; the first is the baseline (lever "")."""
    from cocreate_sim.params import PARAMETERS

    arms = [("", "", None, dict(base), "")]
    for lever in levers:
        p = PARAMETERS[lever]
        for end, value in (("low", p.low), ("high", p.high)):
            params, used, note = arm(lever, value, base)
            arms.append((lever, end, used, params, note))
    return arms


def relevant_size(outcome: str, means: Sequence[float]) -> float:
    """The smallest effect on ``outcome`` worth reporting (see the module docstring); ``means`` of its arms."""
    from cocreate_sim.metrics import COLUMNS

    for start, size in ABSOLUTE_RELEVANT:
        if COLUMNS[outcome].unit.startswith(start):
            return size
    finite = [abs(m) for m in means if math.isfinite(m)]
    return RELATIVE_RELEVANT * max(finite, default=0.0)


# ------------------------------------------------------------------- running
def run_arms(arms, steps: int, seeds: Sequence[int], workers: int | None, progress: bool) -> list[list[dict]]:
    """Outcomes at the final week per arm and seed, through the project's executor (one task per run)."""
    from cocreate_sim.executor import make_executor
    from cocreate_sim.robustness import final_outcomes

    jobs = [(k, seed) for k in range(len(arms)) for seed in seeds]
    tasks = [(steps, seed, arms[k][3], None, None) for k, seed in jobs]

    def describe(index: int, task: Any) -> str:
        k, seed = jobs[index]
        lever, end = arms[k][0], arms[k][1]
        return f"the run of {lever} at its {end} with seed {seed}" if lever else f"the baseline run with seed {seed}"

    out: list[list[Any]] = [[None] * len(seeds) for _ in arms]
    with make_executor(len(tasks), workers, in_process_below=2) as executor:
        for index, result in executor.map_unordered(
            final_outcomes, tasks, progress=progress, desc="lever runs", describe=describe
        ):
            k, seed = jobs[index]
            out[k][seeds.index(seed)] = result
    return out


def effects(arms, results, outcomes: Sequence[str]) -> Any:
    """One row per (lever, outcome): the paired effect of the lever's maximum against its minimum."""
    import numpy as np
    import pandas as pd

    from cocreate_sim.metrics import COLUMNS
    from cocreate_sim.statistics import mean_ci

    def values(k: int, outcome: str) -> np.ndarray:
        return np.array([r.get(outcome, np.nan) for r in results[k]], dtype=float)

    rows = []
    for k in range(1, len(arms), 2):
        lever, _, low, _, low_note = arms[k]
        _, _, high, _, high_note = arms[k + 1]
        for outcome in outcomes:
            at_low, at_high, baseline = values(k, outcome), values(k + 1, outcome), values(0, outcome)
            effect, _, ci_low, ci_high = mean_ci(at_high - at_low)
            means = [float(np.nanmean(a)) for a in (baseline, at_low, at_high)]
            size = relevant_size(outcome, means)
            clear = bool(ci_low > 0 or ci_high < 0)
            rows.append(
                {
                    "lever": lever,
                    "low": low,
                    "high": high,
                    "outcome": outcome,
                    "unit": COLUMNS[outcome].unit,
                    "baseline": float(np.nanmean(baseline)),
                    "at_low": float(np.nanmean(at_low)),
                    "at_high": float(np.nanmean(at_high)),
                    "effect": effect,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                    "relevant_size": size,
                    "ratio": abs(effect) / size if size > 0 else (np.inf if effect else 0.0),
                    "clear": clear,
                    "relevant": bool(clear and abs(effect) >= size),
                    "n": int(np.isfinite(at_high - at_low).sum()),
                    "note": "; ".join(n for n in (low_note, high_note) if n),
                }
            )
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def markdown(table: Any) -> str:
    """Per lever: the outcome with the largest relevant effect (else the largest effect against its size)."""
    lines = [
        "| Lever | Outcome (largest relevant effect) | Effect, max - min | 95% CI | Relevant |",
        "|---|---|---|---|---|",
    ]
    for lever, rows in table.groupby("lever", sort=False):
        pool = rows[rows["relevant"]] if rows["relevant"].any() else rows
        top = pool.sort_values("ratio", ascending=False, kind="stable").iloc[0]
        lines.append(
            f"| `{lever}` | {top['outcome']} | {top['effect']:+.3g} | [{top['ci_low']:+.3g}, {top['ci_high']:+.3g}] "
            f"| {'yes' if top['relevant'] else 'no'} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------ command line
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 docs/lever_effects.py",
        description="Effect of each lever, from its minimum to its maximum, on the headline outcomes (paired "
        "seeds, 95%% CIs); writes a CSV and prints a markdown table for docs/validation.md.",
    )
    parser.add_argument("--replications", type=_positive_int, default=REPLICATIONS, metavar="N", help="paired seeds")
    parser.add_argument("--horizon", type=_positive_int, default=HORIZON, metavar="N", help="weeks (default 260)")
    parser.add_argument("--workers", type=_positive_int, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument(
        "--out", default=str(OUT), metavar="FILE", help="CSV to write (default: docs/lever_effects.csv)"
    )
    parser.add_argument("--levers", metavar="A,B", help="only these levers, separated by commas (default: all)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="change a default for every arm (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=BASE_SEED, metavar="N", help="seed of replication 0 (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--outcomes", metavar="A,B", help="outcome columns to measure (default: the headline outcomes)")
    return parser.parse_args(argv)


def choose_levers(text: str | None) -> list[str]:
    from cocreate_sim.errors import UserError, clip, did_you_mean
    from cocreate_sim.params import PARAMETERS

    if text is None:
        return [name for name in PARAMETERS if name not in NOT_LEVERS]
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    for name in names:
        if name not in PARAMETERS:
            raise UserError(f"--levers: unknown lever '{clip(name)}'.{did_you_mean(name, PARAMETERS)}")
        if name in NOT_LEVERS:
            raise UserError(f"--levers: {name} is {NOT_LEVERS[name]}; leave it out.")
    if not names:
        raise UserError("--levers: give one or more lever names separated by commas.")
    return names


def run(args: argparse.Namespace) -> int:
    from cocreate_sim.errors import UserError, display
    from cocreate_sim.fileio import atomic_write_text
    from cocreate_sim.limits import MAX_HORIZON, MAX_REPLICATIONS
    from cocreate_sim.metrics import COLUMNS
    from cocreate_sim.params import resolve
    from cocreate_sim.scenario import parse_set
    from cocreate_sim.statistics import replication_seeds

    if args.horizon > MAX_HORIZON or args.replications > MAX_REPLICATIONS:
        raise UserError(f"--horizon is at most {MAX_HORIZON} weeks and --replications at most {MAX_REPLICATIONS}.")
    levers = choose_levers(args.levers)
    base = resolve(parse_set(args.set))
    wanted = tuple(args.outcomes.split(",")) if args.outcomes else HEADLINE
    outcomes = [o for o in wanted if o in COLUMNS]
    missing = [o for o in wanted if o not in COLUMNS]
    if missing:
        print(f"note: the model has no column {', '.join(missing)} (yet); left out.", file=sys.stderr)
    if args.levers is None:
        for name, why in NOT_LEVERS.items():
            print(f"note: {name} is left out: {why}.", file=sys.stderr)
    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"--out {display(out)}: this is a folder; give a CSV file name.")
    arms = plan(levers, base)
    seeds = replication_seeds(args.seed, args.replications)
    print(
        f"{len(levers)} lever(s) at minimum and maximum, plus the defaults: {len(arms) * len(seeds)} runs of "
        f"{args.horizon} weeks, seeds {seeds[0]}..{seeds[-1]}",
        file=sys.stderr,
    )
    results = run_arms(arms, args.horizon, seeds, args.workers, progress=not args.quiet)
    table = effects(arms, results, outcomes)
    atomic_write_text(out, table.to_csv(index=False))
    print(f"wrote {display(out)}", file=sys.stderr)
    print(markdown(table))
    print(
        f"\nEffect: mean over {len(seeds)} paired seeds of (lever at its maximum - at its minimum) at week "
        f"{args.horizon}, all other levers at their defaults. Relevant: at least 0.02 on a share or 0-1 score, "
        f"0.05 on a ratio, {RELATIVE_RELEVANT:.0%} of the mean otherwise, and the 95% CI excludes 0."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, and turn a user's mistake or Ctrl-C into a one-line message and exit status (2, 130)."""
    from cocreate_sim.errors import UserError

    args = parse_args(argv)
    try:
        return run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was written.", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        if type(exc).__name__ != "TaskError":
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

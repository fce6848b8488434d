"""Long-run figures of docs/validation.md: does a regime hold, and does the long run level off?

For each shipped scenario (or those named), runs ``--replications`` seeds for
``--horizon`` weeks (default 2,080: forty years) with the scenario's levers and
schedule, and prints:

- the regime check: uptake at week 1,040 minus uptake at week 260 (mean and
  95% CI over replications; the issue's criterion: within 0.03 for the NPM
  baseline with no lever changed);
- the levelling-off check: backlog, complaints and maintenance hours at week
  2,080 against week 1,560, as the ratio of replication means (criterion:
  within 10%; a scenario meant to show collapse says so in its description),
  with a 95% bootstrap interval over replications (paired), so that a ratio
  outside 10% can be told from the noise of a small outcome;
- the same check on yearly means (the 52 weeks up to week 2,080 against the
  52 weeks up to week 1,560), which averages out the week-to-week swings of
  backlog and complaints that made the single-week check undecidable at 8
  replications (chosen, with 24 replications, before the rerun);
- beside it, not criteria: the change of each of those yearly means in the
  outcome's own unit (hours, complaints a week; paired difference, 95% CI),
  by which an outcome near zero, whose ratio is noise, can be judged; and the
  change in yearly mean uptake over the same ten years, to say whether a
  scenario whose backlog still grows is one where co-creation still spreads.

Writes ``docs/long_run.csv`` (one row per scenario and outcome), atomically. ``--markdown CSV`` prints the
tables of docs/validation.md, section 4, from such a file. Run:
    python3 docs/long_run.py [--replications 24] [--horizon 2080] [--workers N] [scenario.yaml ...]
    python3 docs/long_run.py --markdown docs/long_run.csv
    python3 docs/long_run.py --constant restoring_rate=0.003 --base-seed 9100000 --out FILE   # a constant changed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cocreate_sim.constants import ConstantError, make_constants
from cocreate_sim.fileio import atomic_write_text
from cocreate_sim.scenario import load_scenario
from cocreate_sim.statistics import mean_ci, replication_seeds, run_replications

ROOT = Path(__file__).resolve().parents[1]
LEVEL = ("backlog", "complaints", "maintenance_hours")
WEEKS = (260, 1040, 1560, 2080)
YEAR = 52
"""Weeks in the yearly means of the levelling-off check."""


BOOTSTRAP = 4000
"""Resamples of the replications for the ratio's 95% interval."""
BOOTSTRAP_SEED = 20_80
"""Seed of the bootstrap (the interval is reproducible)."""


def ratio(a: float, b: float) -> float:
    """b over a; 1 when both are 0, infinite when only a is."""
    return b / a if a > 0 else (1.0 if b == 0 else np.inf)


def ratio_ci(early: np.ndarray, late: np.ndarray) -> tuple[float, float]:
    """95% percentile-bootstrap interval of mean(late) / mean(early), resampling replications (kept paired).

    The criterion (within 10%) is about the ratio of means; the interval says whether a ratio outside it is a
    trend or the noise of a few replications of a small outcome.
    """
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, len(early), size=(BOOTSTRAP, len(early)))
    ratios = [ratio(early[i].mean(), late[i].mean()) for i in picks]
    low, high = np.nanquantile(np.asarray(ratios, dtype=float), [0.025, 0.975])
    return float(low), float(high)


def year_means(frame: pd.DataFrame, col: str, end: int) -> np.ndarray:
    """Each replication's mean of ``col`` over the YEAR weeks up to and including week ``end``."""
    year = frame[(frame.week > end - YEAR) & (frame.week <= end)]
    return year.groupby("replication", sort=True)[col].mean().to_numpy(dtype=float)


def decade(label: str, outcome: str, check: str, early: np.ndarray, late: np.ndarray) -> dict:
    """One row of the ten-year checks: a ratio of means with its bootstrap interval, or (check with " - ") the
    mean paired difference with its 95% CI; per-replication values at week 1,560 and 2,080 (or their years)."""
    if " - " in check:
        value, _, low, high = mean_ci(late - early)
    else:
        value, (low, high) = ratio(early.mean(), late.mean()), ratio_ci(early, late)
    return dict(
        scenario=label,
        outcome=outcome,
        check=check,
        value=value,
        ci_low=low,
        ci_high=high,
        at_1560=early.mean(),
        at_2080=late.mean(),
    )


BASE_SEED = 1_000_000
"""The long-run seed block (no other check uses it)."""
MARGIN = 0.10
"""The levelling criterion: the ten-year ratio within this share of 1 (issue 10, point 6)."""
NAMES = {"backlog": "backlog", "complaints": "complaints", "maintenance_hours": "maintenance hours"}
YEARLY, WEEKLY = "year to week 2080 / year to week 1560", "week 2080 / week 1560"
CHANGE, UPTAKE = "year to week 2080 - year to week 1560", "week 1040 - week 260"


def signed(x: float, digits: int) -> str:
    return f"{x:+.{digits}f}".replace("-", "\u2212")


def plain(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".replace("-", "\u2212")


def interval(row: pd.Series, fmt: Any, digits: int) -> str:
    return f"{fmt(row.value, digits)} [{fmt(row.ci_low, digits)}, {fmt(row.ci_high, digits)}]"


def levelling_cells(rows: pd.DataFrame) -> list[str]:
    """The verdict cells of one scenario's ratios: within 10%, interval inside, clear change."""
    inside = (rows.value - 1).abs() <= MARGIN
    wholly_in = (rows.ci_low >= 1 - MARGIN) & (rows.ci_high <= 1 + MARGIN)
    wholly_out = (rows.ci_low > 1 + MARGIN) | (rows.ci_high < 1 - MARGIN)
    names = [NAMES[o] for o in rows.outcome]
    if wholly_in.all():
        decided = "yes"
    elif wholly_out.any():
        decided = "**no**: " + ", ".join(n for n, out in zip(names, wholly_out, strict=True) if out)
    else:
        decided = "undetermined"
    moves = [
        ("up " if r.ci_low > 1 else "down ") + n
        for n, (_, r) in zip(names, rows.iterrows(), strict=True)
        if r.ci_low > 1 or r.ci_high < 1
    ]
    return ["yes" if inside.all() else "**no**", decided, ", ".join(moves) or "none"]


def markdown(table: pd.DataFrame) -> str:
    """docs/validation.md's tables of section 4, from this script's CSV (so that the page quotes the CSV)."""
    out = ["| scenario | uptake, week 260 | uptake, week 1,040 | change [95% CI] |", "|---|---|---|---|"]
    for _, r in table[table.check == UPTAKE].iterrows():
        out.append(f"| `{r.scenario}` | {r.at_260:.3f} | {r.at_1040:.3f} | {interval(r, signed, 3)} |")
    for check, extra in ((YEARLY, True), (WEEKLY, False)):
        head = (
            "| scenario | backlog | complaints | maintenance hours | within 10% | interval inside ±10% | clear change |"  # noqa: E501
        )
        out += ["", head + (" uptake, year 30 → 40 |" if extra else ""), "|---" * (8 if extra else 7) + "|"]
        for label, rows in table[table.check == check].groupby("scenario", sort=False):
            cells = [interval(r, plain, 2) for _, r in rows.iterrows()] + levelling_cells(rows)
            if extra:
                up = table[(table.scenario == label) & (table.outcome == "uptake") & (table.check == CHANGE)]
                cells.append(interval(up.iloc[0], signed, 3))
            out.append(f"| `{label}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "| scenario | backlog, hours | complaints a week | maintenance, hours a week |",
        "|---|---|---|---|",
    ]
    changes = table[(table.check == CHANGE) & table.outcome.isin(list(LEVEL))]
    for label, rows in changes.groupby("scenario", sort=False):
        cells = [f"{plain(r.at_1560, 1)} → {plain(r.at_2080, 1)}: {interval(r, signed, 1)}" for _, r in rows.iterrows()]
        out.append(f"| `{label}` | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", help="scenario files (default: every file in scenarios/)")
    ap.add_argument("--replications", type=int, default=24)
    ap.add_argument("--horizon", type=int, default=2080)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "docs" / "long_run.csv"))
    ap.add_argument("--markdown", metavar="CSV", help="print docs/validation.md's tables from CSV; run nothing")
    ap.add_argument("--base-seed", type=int, default=BASE_SEED, help=f"first seed of the block (default {BASE_SEED})")
    ap.add_argument(
        "--constant",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="run with an internal constant changed (repeatable), e.g. restoring_rate=0.003",
    )
    args = ap.parse_args(argv)
    if args.markdown:
        try:
            table = pd.read_csv(args.markdown)
            text = markdown(table)
        except (OSError, ValueError, KeyError, AttributeError, IndexError) as err:
            print(f"long_run.py: {args.markdown}: not a table this script wrote ({err})", file=sys.stderr)
            return 2
        print(text, end="")
        return 0
    if not 2 <= args.replications <= 1000 or not 1 <= args.horizon <= 5200:
        ap.error("--replications must be 2 to 1,000 and --horizon 1 to 5,200 weeks")
    changed = {}
    for item in args.constant:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError("write NAME=VALUE")
            changed[name.strip()] = float(value)
            make_constants(changed)
        except (ValueError, ConstantError) as err:
            ap.error(f"--constant {item!r}: {err}")
    files = [Path(f) for f in args.scenarios] or sorted((ROOT / "scenarios").glob("*.yaml"))
    runs = []
    for f in files:
        sc = load_scenario(f)
        runs.append((f.stem, dict(sc.params), getattr(sc, "schedule", ()) or ()))
    seeds = replication_seeds(args.base_seed, args.replications)
    constants = [dict(changed)] * len(seeds) if changed else None
    table = run_replications(runs, args.horizon, seeds, processes=args.workers, constants=constants)
    rows = []
    for label, frame in table.groupby("scenario", sort=False):
        at = {w: frame[frame.week == w] for w in WEEKS if w <= args.horizon}
        if 1040 in at:
            diff = at[1040]["uptake"].to_numpy() - at[260]["uptake"].to_numpy()
            m, _, lo, hi = mean_ci(diff)
            rows.append(
                dict(
                    scenario=label,
                    outcome="uptake",
                    check="week 1040 - week 260",
                    value=m,
                    ci_low=lo,
                    ci_high=hi,
                    at_260=at[260]["uptake"].mean(),
                    at_1040=at[1040]["uptake"].mean(),
                )
            )
        if 2080 in at:
            for col in LEVEL:
                early, late = at[1560][col].to_numpy(dtype=float), at[2080][col].to_numpy(dtype=float)
                rows.append(decade(label, col, "week 2080 / week 1560", early, late))
            for col in LEVEL:
                early, late = (year_means(frame, col, end) for end in (1560, 2080))
                rows.append(decade(label, col, "year to week 2080 / year to week 1560", early, late))
            for col in LEVEL:
                early, late = (year_means(frame, col, end) for end in (1560, 2080))
                rows.append(decade(label, col, "year to week 2080 - year to week 1560", early, late))
            early, late = (year_means(frame, "uptake", end) for end in (1560, 2080))
            rows.append(decade(label, "uptake", "year to week 2080 - year to week 1560", early, late))
    out = pd.DataFrame(rows)
    atomic_write_text(args.out, out.to_csv(index=False))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(out.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

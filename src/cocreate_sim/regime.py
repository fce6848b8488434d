"""The regime shift, drawn: equilibrium uptake and inclusion against one lever, from two histories.

For each of ``levels`` values of the lever, two branches run on the same
seeds and posterior draws (issue 11, point 8):

- **from NPM**: the scenario as it is (an NPM municipality) for ``burn_in``
  weeks, then the lever is set to the value;
- **from NPG**: an established co-creating municipality (the levers of
  ``--npg FILE``, by default ``scenarios/npg_layered.yaml``) for ``burn_in``
  weeks, then every lever returns to the scenario's value and the lever under
  study takes the value.

Both branches then run the same levers for ``horizon`` weeks; only their
history differs. Each draw runs on the same seed in both, so the **history
gap** (from NPG minus from NPM, paired by draw) and the share of draws in
which the NPG history ends higher measure a lasting mark of history even
where it falls short of hysteresis. **Equilibrium**: an outcome's mean over
the last :data:`WINDOW` weeks; a run has **converged** when that mean differs
from the mean of the :data:`WINDOW` weeks before by at most the outcome's
:data:`TOLERANCE`. Each (value, branch) runs ``draws`` sets of constants from
the posterior, one seed each; its band holds 95% of the runs. **Hysteresis**
is claimed at a value only where the two branches' 95% bands are disjoint
(and at least :data:`MIN_CONVERGED` of each cell's runs converged).
A **tipping point** is marked between two neighbouring values where a branch's
bands are disjoint and its mean moves by at least :data:`TIPPING_SHARE` of that
branch's whole range over the levels: an abrupt step, not a slope.

``python3 run.py regime LEVER [--scenario FILE] [--out DIR]`` publishes
``results/regime-LEVER-<timestamp>/`` (``runs.csv``, ``regime.csv``,
``regime.html``, ``provenance.json``).
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UserError, did_you_mean, display, whole_number_type
from .i18n import DEFAULT_LANGUAGE, add_language_option
from .limits import MAX_DESIGN_POINTS, MAX_HORIZON
from .posterior import draw_constants

if TYPE_CHECKING:
    import pandas as pd

OUTCOMES = ("uptake", "inclusion_ratio")
"""What the diagram draws against the lever."""
WINDOW = 52
"""Weeks over which an equilibrium is averaged (and the weeks before it, for convergence)."""
TOLERANCE = {"uptake": 0.01, "inclusion_ratio": 0.05}
"""Largest change between the last two windows for a run to count as converged (uptake: 1 pp)."""
MIN_CONVERGED = 0.8
"""Share of a cell's runs that must have converged before its band may support a claim (hysteresis, tipping)."""
TIPPING_SHARE = 0.5
"""Share of a branch's whole range that one step between neighbouring levels must reach to be a tipping point."""
BURN_IN = 260
"""Weeks in the establishing state before the lever is set (five years)."""
HORIZON = 520
"""Weeks after the switch (ten years): long enough for the slow loops (culture, trust) to settle."""
LEVELS = 6
"""Values of the lever, evenly spread over its range."""
BRANCHES = ("from NPM", "from NPG")
"""The two histories."""
NPG_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "npg_layered.yaml"
"""The established co-creating municipality the second branch starts from."""
QUANTILES = (0.025, 0.975)
"""The band: the range of 95% of runs."""
DRAWS_REGIME = 20
"""Posterior draws per value and branch, one seed each (fewer than a run's 50 x 2: a diagram has 2 x levels cells)."""


def levels_of(lever: str, levels: int) -> list[float | int]:
    """``levels`` values evenly spread over the lever's range (whole-number levers: distinct whole numbers)."""
    import numpy as np

    from .params import PARAMETERS

    p = PARAMETERS[lever]
    values = np.linspace(p.low, p.high, levels)
    if p.integer:
        return sorted({int(round(v)) for v in values})
    return [round(float(v), 6) for v in values]


def window_for(horizon: int) -> int:
    """The equilibrium window: :data:`WINDOW` weeks, or half the weeks after the switch when they are fewer."""
    return min(WINDOW, horizon // 2)


def _task(task: tuple[dict[str, Any], tuple, int, int, dict[str, float], int]) -> dict[str, float]:
    """One run: the equilibrium of each outcome and whether it converged."""
    import numpy as np

    from .runner import run_timeseries

    params, schedule, steps, seed, constants, window = task
    frame = run_timeseries(steps, seed, schedule=schedule, constants=constants, **params)
    out: dict[str, float] = {}
    for outcome in OUTCOMES:
        values = frame[outcome].to_numpy(dtype=float)
        last, before = values[-window:], values[-2 * window : -window]
        with np.errstate(all="ignore"):
            now, then = np.nanmean(last), np.nanmean(before)
        out[outcome] = float(now)
        out[f"{outcome}_converged"] = float(abs(now - then) <= TOLERANCE[outcome])
    return out


def plan(
    lever: str, scenario: Any, npg: Any, levels: int, burn_in: int, horizon: int, posterior: Any
) -> tuple[list[dict[str, Any]], list[tuple]]:
    """The runs: (row describing the run, task) for each value, branch and draw."""
    from .params import INIT_ONLY
    from .runner import check_steps

    if burn_in + horizon > MAX_HORIZON:
        raise UserError(
            f"--burn-in {burn_in:,} and --horizon {horizon:,} make runs of {burn_in + horizon:,} weeks; together "
            f"they may be at most {MAX_HORIZON:,} weeks (a hundred years)."
        )
    check_steps(burn_in + horizon)
    base = dict(scenario.params)
    establishing = {k: v for k, v in npg.params.items() if k not in INIT_ONLY and v != base.get(k)}
    rows, tasks = [], []
    for value in levels_of(lever, levels):
        for branch in BRANCHES:
            start = base if branch == BRANCHES[0] else {**base, **establishing}
            back = {k: base[k] for k in establishing} if branch == BRANCHES[1] else {}
            schedule = ((burn_in, {**back, lever: value}),)
            for draw, constants in enumerate(posterior.draws):
                seed = scenario.seed + draw
                rows.append({"lever": lever, "value": value, "branch": branch, "draw": draw, "seed": seed})
                tasks.append((dict(start), schedule, burn_in + horizon, seed, dict(constants), window_for(horizon)))
    return rows, tasks


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per value, branch and outcome: mean, 95% band, share converged; then hysteresis and tipping marks."""
    import numpy as np
    import pandas as pd

    rows = []
    for (value, branch), group in runs.groupby(["value", "branch"], sort=True):
        for outcome in OUTCOMES:
            x = group[outcome].dropna().to_numpy()
            low, high = np.quantile(x, QUANTILES) if len(x) else (np.nan, np.nan)
            rows.append(
                {
                    "value": value,
                    "branch": branch,
                    "outcome": outcome,
                    "runs": len(group),
                    "measured": len(x),
                    "mean": float(x.mean()) if len(x) else np.nan,
                    "low": float(low),
                    "high": float(high),
                    "converged": float(group[f"{outcome}_converged"].mean()),
                }
            )
    table = pd.DataFrame(rows)
    table["history_gap"] = np.nan
    table["npg_higher"] = np.nan
    for outcome in OUTCOMES:  # the two histories ran the same draws on the same seeds: compare them pairwise
        wide = runs.pivot_table(index=["value", "draw"], columns="branch", values=outcome)
        if set(BRANCHES) <= set(wide.columns):
            gap = (wide[BRANCHES[1]] - wide[BRANCHES[0]]).dropna().groupby(level="value")
            for value, diffs in gap:
                at = (table["outcome"] == outcome) & (table["value"] == value)
                table.loc[at, "history_gap"] = float(diffs.mean())
                table.loc[at, "npg_higher"] = float((diffs > 0).mean())
    table["hysteresis"] = False
    table["tipping_after"] = False
    for outcome in OUTCOMES:
        part = table[table["outcome"] == outcome]
        npm = part[part["branch"] == BRANCHES[0]].set_index("value")
        npg = part[part["branch"] == BRANCHES[1]].set_index("value")
        settled = (npm["converged"] >= MIN_CONVERGED) & (npg["converged"] >= MIN_CONVERGED)
        disjoint = ((npm["high"] < npg["low"]) | (npg["high"] < npm["low"])) & settled
        for value in disjoint[disjoint].index:
            table.loc[(table["outcome"] == outcome) & (table["value"] == value), "hysteresis"] = True
        for branch_table in (npm, npg):
            spread = branch_table["mean"].max() - branch_table["mean"].min()
            values = list(branch_table.index)
            for a, b in zip(values, values[1:], strict=False):
                ra, rb = branch_table.loc[a], branch_table.loc[b]
                apart = (ra["high"] < rb["low"] or rb["high"] < ra["low"]) and min(
                    ra["converged"], rb["converged"]
                ) >= MIN_CONVERGED
                if apart and spread > 0 and abs(rb["mean"] - ra["mean"]) >= TIPPING_SHARE * spread:
                    table.loc[
                        (table["outcome"] == outcome) & (table["value"] == a) & (table["branch"] == ra["branch"]),
                        "tipping_after",
                    ] = True
    return table


def page(table: pd.DataFrame, lever: str, info: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The regime command's own page: the diagram as a report draws it, then what was run (opens offline)."""
    from .reports.common import page as html_page
    from .reports.regime import regime_section

    facts = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in info.items())
    reading = {"horizon": info["after the switch (weeks)"], "min_converged": MIN_CONVERGED}
    body = [*regime_section(table, lever, reading, lang, heading="h1"), f"<ul class='meta'>{facts}</ul>"]
    return html_page(f"regime {lever}", body, lang)


def compute(
    lever: str,
    scenario: Any,
    npg: Any,
    *,
    levels: int = LEVELS,
    draws: int = DRAWS_REGIME,
    burn_in: int = BURN_IN,
    horizon: int = HORIZON,
    posterior_file: str | Path | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Run both branches at every level: (every run, the summarised table with a ``lever`` column, the draws)."""
    import pandas as pd

    from .executor import run_tasks

    check_lever(lever)
    posterior = draw_constants(posterior_file, draws, 1, scenario.seed)
    rows, tasks = plan(lever, scenario, npg, levels, burn_in, horizon, posterior)
    results: list[Any] = [None] * len(tasks)
    for index, result in run_tasks(_task, tasks, workers=workers, progress=progress, desc="regime runs"):
        results[index] = result
    runs = pd.DataFrame([{**row, **res} for row, res in zip(rows, results, strict=True)])
    table = summarise(runs)
    table.insert(0, "lever", lever)
    return runs, table, posterior


def check_lever(lever: str) -> None:
    """A lever the diagram can vary (one a schedule can change), or a UserError naming the allowed ones."""
    from .params import INIT_ONLY, PARAMETERS

    if lever not in PARAMETERS or lever in INIT_ONLY:
        allowed = sorted(set(PARAMETERS) - INIT_ONLY)
        raise UserError(
            f"regime: '{str(lever)[:100]}' is not a lever the diagram can vary.{did_you_mean(str(lever), allowed)} "
            "It must be a lever a schedule can change (not one that sets who exists, like n_citizens); "
            "'python3 run.py params' lists them."
        )


def check_unscheduled(*scenarios: Any) -> None:
    """The diagram's histories hold a scenario's levers fixed: a scenario with a lever schedule is refused."""
    for scenario in scenarios:
        if scenario.schedule:
            weeks = ", ".join(str(week) for week, _ in scenario.schedule)
            raise UserError(
                f"regime: {display(scenario.path)} changes levers on a schedule (week {weeks}), but the diagram "
                "starts its histories from a scenario's levers and holds them until the switch, so it would describe "
                "a history the scenario never has. Draw it from a scenario without a schedule (--scenario FILE, "
                "--npg FILE)."
            )


def run_regime(
    lever: str,
    scenario: Any,
    npg: Any,
    *,
    levels: int = LEVELS,
    draws: int = DRAWS_REGIME,
    burn_in: int = BURN_IN,
    horizon: int = HORIZON,
    posterior_file: str | None = None,
    out: str | Path = "results",
    workers: int | None = None,
    progress: bool = True,
    lang: str = DEFAULT_LANGUAGE,
) -> Path:
    """Run both branches at every level and publish the results folder; return it."""
    from .fileio import atomic_write_text
    from .publishing import provenance, publishing_dir

    check_lever(lever)
    with publishing_dir(out, f"regime-{lever}") as (work, final):  # a bad --out fails before the runs
        runs, table, posterior = compute(
            lever,
            scenario,
            npg,
            levels=levels,
            draws=draws,
            burn_in=burn_in,
            horizon=horizon,
            posterior_file=posterior_file,
            workers=workers,
            progress=progress,
        )
        prov = provenance(posterior)
        info = {
            "scenario": display(scenario.path),
            "established NPG state from": display(npg.path),
            "levels": levels,
            "posterior draws (one seed each)": draws,
            "burn-in (weeks)": burn_in,
            "after the switch (weeks)": horizon,
            "git commit": prov.get("git_commit"),
            "made": prov.get("timestamp_utc"),
        }
        atomic_write_text(work / "runs.csv", runs.to_csv(index=False))
        atomic_write_text(work / "regime.csv", table.to_csv(index=False))
        atomic_write_text(work / "regime.html", page(table, lever, info, lang))
        atomic_write_text(work / "provenance.json", json.dumps({**prov, "regime": info}, indent=1, default=str))
    return final[0]


def _cmd(args: argparse.Namespace) -> int:
    from .scenario import load_scenario, parse_set

    check_lever(args.lever)
    overrides = parse_set(args.set)
    scenario = load_scenario(args.scenario, overrides)
    npg = load_scenario(args.npg, overrides)
    check_unscheduled(scenario, npg)
    folder = run_regime(
        args.lever,
        scenario,
        npg,
        levels=args.levels,
        draws=args.draws,
        burn_in=args.burn_in,
        horizon=args.horizon,
        posterior_file=args.posterior,
        out=args.out,
        workers=args.workers,
        progress=not args.quiet,
        lang=args.lang,
    )
    print(f"wrote {display(folder)}/ (regime.html, regime.csv, runs.csv)")
    return 0


def register(subparsers: Any) -> None:
    """Add 'regime' to the command line (called by cocreate_sim.cli)."""
    regime = subparsers.add_parser(
        "regime",
        help="the regime diagram: equilibrium uptake and inclusion against one lever, from NPM and from NPG",
        description=" ".join((__doc__ or "").split("\n\n")[1].split()),
    )

    positive, at_least_two = whole_number_type(1), whole_number_type(2, MAX_DESIGN_POINTS)
    draws, weeks = whole_number_type(1, MAX_DESIGN_POINTS), whole_number_type(2, MAX_HORIZON)
    burn_in = whole_number_type(1, MAX_HORIZON)
    default_scenario = Path(__file__).resolve().parents[2] / "scenarios" / "npm_baseline.yaml"
    regime.add_argument("lever", metavar="LEVER", help="the lever, e.g. leader_dialogue")
    regime.add_argument("--scenario", default=str(default_scenario), metavar="FILE", help="the NPM scenario")
    regime.add_argument("--npg", default=str(NPG_FILE), metavar="FILE", help="the established NPG state's levers")
    regime.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a lever in both")
    regime.add_argument("--levels", type=at_least_two, default=LEVELS, metavar="N", help=f"lever values ({LEVELS})")
    regime.add_argument("--draws", type=draws, default=DRAWS_REGIME, metavar="N", help="posterior draws")
    regime.add_argument("--burn-in", type=burn_in, default=BURN_IN, metavar="WEEKS", help=f"({BURN_IN})")
    regime.add_argument(
        "--horizon", type=weeks, default=HORIZON, metavar="WEEKS", help=f"weeks after the switch ({HORIZON})"
    )
    regime.add_argument("--posterior", metavar="FILE", help="the posterior (default: calibration/posterior.parquet)")
    regime.add_argument("--workers", type=positive, metavar="N", help="worker processes (default: every core)")
    regime.add_argument("--out", default="results", metavar="DIR", help="folder for results (default: results)")
    regime.add_argument("--quiet", action="store_true", help="no progress bar")
    add_language_option(regime, "the page's language")
    regime.set_defaults(func=_cmd)

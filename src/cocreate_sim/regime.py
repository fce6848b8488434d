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
history differs. **Equilibrium**: an outcome's mean over the last
:data:`WINDOW` weeks; a run has **converged** when that mean differs from the
mean of the :data:`WINDOW` weeks before by at most the outcome's
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


def figure_html(table: pd.DataFrame, lever: str, title: str) -> str:
    """The diagram: one panel per outcome, a line and band per branch, hysteresis and tipping points marked."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .reports.common import PALETTE, rgba

    fig = make_subplots(rows=1, cols=len(OUTCOMES), subplot_titles=[f"equilibrium {o}" for o in OUTCOMES])
    for k, outcome in enumerate(OUTCOMES, start=1):
        part = table[table["outcome"] == outcome]
        for j, branch in enumerate(BRANCHES):
            b = part[part["branch"] == branch].sort_values("value")
            colour = PALETTE[j]
            x = b["value"].tolist()
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=b["high"].tolist() + b["low"].tolist()[::-1],
                    fill="toself",
                    fillcolor=rgba(colour, 0.18),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=1,
                col=k,
            )
            fig.add_trace(
                go.Scatter(
                    x=x, y=b["mean"], mode="lines+markers", name=branch, line={"color": colour}, showlegend=k == 1
                ),
                row=1,
                col=k,
            )
            tips = b[b["tipping_after"]]
            for _, r in tips.iterrows():
                fig.add_vline(x=r["value"], line_dash="dot", line_color=colour, row=1, col=k)
        hyst = part[part["hysteresis"] & (part["branch"] == BRANCHES[0])]
        if len(hyst):
            fig.add_trace(
                go.Scatter(
                    x=hyst["value"],
                    y=[0] * len(hyst),
                    mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": "#c0392b"},
                    name="hysteresis (bands disjoint)",
                    showlegend=k == 1,
                ),
                row=1,
                col=k,
            )
        fig.update_xaxes(title_text=lever, row=1, col=k)
    fig.update_layout(title=title, height=460, template="plotly_white", legend={"orientation": "h", "y": -0.2})
    return fig.to_html(full_html=False, include_plotlyjs=False)


def page(table: pd.DataFrame, lever: str, info: dict[str, Any]) -> str:
    """A self-contained HTML page (plotly inline: it opens offline)."""
    from plotly.offline import get_plotlyjs

    from .reports.common import CSS

    def sentence(outcome: str) -> str:
        part = table[table["outcome"] == outcome]
        hyst = sorted(part.loc[part["hysteresis"], "value"].unique())
        tips = part[part["tipping_after"]]
        text = (
            f"Hysteresis in {outcome} at {lever} = {', '.join(f'{v:g}' for v in hyst)}: there the municipality's "
            "history decides where it settles."
            if hyst
            else f"No hysteresis in {outcome}: at every value the two histories' 95% bands overlap."
        )
        for _, r in tips.iterrows():
            text += f" Tipping point ({r['branch']}) just above {lever} = {r['value']:g}."
        low = part["converged"].min()
        return text + f" Converged runs: at least {low:.0%} in every cell."

    facts = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in info.items())
    rows = "".join(
        f"<tr><td>{r['value']:g}</td><td>{html.escape(r['branch'])}</td><td>{r['outcome']}</td>"
        f"<td class='num'>{r['mean']:.3g}</td><td class='num'>{r['low']:.3g} – {r['high']:.3g}</td>"
        f"<td class='num'>{r['converged']:.0%}</td><td>{'yes' if r['hysteresis'] else ''}</td></tr>"
        for _, r in table.iterrows()
    )
    doc = (__doc__ or "").split("\n\n")
    body = [
        f"<h1>Regime diagram: {html.escape(lever)}</h1>",
        "<p class='help'>" + html.escape(" ".join(" ".join(doc[1:4]).split())) + "</p>",
        "<ul class='lead'>" + "".join(f"<li>{html.escape(sentence(o))}</li>" for o in OUTCOMES) + "</ul>",
        figure_html(table, lever, f"Equilibrium against {lever}: line = mean, band = 95% of runs"),
        f"<ul class='meta'>{facts}</ul>",
        "<details><summary>The table</summary><table><tr><th>value</th><th>branch</th><th>outcome</th>"
        "<th>mean</th><th>95% of runs</th><th>converged</th><th>hysteresis</th></tr>" + rows + "</table></details>",
    ]
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>regime {html.escape(lever)}</title>"
        f"<style>{CSS}</style><script>{get_plotlyjs()}</script></head><body>" + "\n".join(body) + "</body></html>"
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
) -> Path:
    """Run both branches at every level and publish the results folder; return it."""
    import pandas as pd

    from .executor import run_tasks
    from .fileio import atomic_write_text
    from .publishing import provenance, publishing_dir

    posterior = draw_constants(posterior_file, draws, 1, scenario.seed)
    rows, tasks = plan(lever, scenario, npg, levels, burn_in, horizon, posterior)
    with publishing_dir(out, f"regime-{lever}") as (work, final):
        results: list[Any] = [None] * len(tasks)
        for index, result in run_tasks(_task, tasks, workers=workers, progress=progress, desc="regime runs"):
            results[index] = result
        runs = pd.DataFrame([{**row, **res} for row, res in zip(rows, results, strict=True)])
        table = summarise(runs)
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
        atomic_write_text(work / "regime.html", page(table, lever, info))
        atomic_write_text(work / "provenance.json", json.dumps({**prov, "regime": info}, indent=1, default=str))
    return final[0]


def _cmd(args: argparse.Namespace) -> int:
    from .params import INIT_ONLY, PARAMETERS
    from .scenario import load_scenario, parse_set

    if args.lever not in PARAMETERS or args.lever in INIT_ONLY:
        allowed = sorted(set(PARAMETERS) - INIT_ONLY)
        raise UserError(
            f"regime: '{str(args.lever)[:100]}' is not a lever the diagram can vary."
            f"{did_you_mean(args.lever, allowed)} "
            "It must be a lever a schedule can change (not one that sets who exists, like n_citizens); "
            "'python3 run.py params' lists them."
        )
    overrides = parse_set(args.set)
    scenario = load_scenario(args.scenario, overrides)
    npg = load_scenario(args.npg, overrides)
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

    positive, at_least_two = whole_number_type(1), whole_number_type(2)
    default_scenario = Path(__file__).resolve().parents[2] / "scenarios" / "npm_baseline.yaml"
    regime.add_argument("lever", metavar="LEVER", help="the lever, e.g. leader_dialogue")
    regime.add_argument("--scenario", default=str(default_scenario), metavar="FILE", help="the NPM scenario")
    regime.add_argument("--npg", default=str(NPG_FILE), metavar="FILE", help="the established NPG state's levers")
    regime.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a lever in both")
    regime.add_argument("--levels", type=at_least_two, default=LEVELS, metavar="N", help=f"lever values ({LEVELS})")
    regime.add_argument("--draws", type=positive, default=DRAWS_REGIME, metavar="N", help="posterior draws")
    regime.add_argument("--burn-in", type=positive, default=BURN_IN, metavar="WEEKS", help=f"({BURN_IN})")
    regime.add_argument(
        "--horizon", type=at_least_two, default=HORIZON, metavar="WEEKS", help=f"weeks after the switch ({HORIZON})"
    )
    regime.add_argument("--posterior", metavar="FILE", help="the posterior (default: calibration/posterior.parquet)")
    regime.add_argument("--workers", type=positive, metavar="N", help="worker processes (default: every core)")
    regime.add_argument("--out", default="results", metavar="DIR", help="folder for results (default: results)")
    regime.add_argument("--quiet", action="store_true", help="no progress bar")
    regime.set_defaults(func=_cmd)

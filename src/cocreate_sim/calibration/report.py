"""The calibration report: one self-contained HTML page (plotly inline, opens offline).

Prior against posterior for each fitted constant, pairs of the most
correlated constants, the posterior predictive against every target (fit
and check in separate panels, with the share inside each tolerance), and
which constants the figures identify, in words a planner can read.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..constants import CONSTANTS
from ..executor import run_tasks
from ..reports.common import fig_html, page
from . import PREDICTIVE_DRAWS
from .simulate import SEED_KEY, fresh_seed, simulate_task
from .targets import TargetSet

IDENTIFIED = 0.5
"""A constant is identified when its posterior sd is below this share of its prior sd."""
TOGETHER = 0.7
"""Weighted correlation from which the report says two constants are constrained together."""
PAIRS = 3
"""Pairs of constants shown: those with the strongest weighted correlations."""
GRID = "display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0.5em"
"""Small figures side by side where the page is wide enough."""
BLUE, ORANGE, GREY = "#0072B2", "#E69F00", "#999999"
"""Okabe-Ito colours: posterior, prior, observed."""


def predictive(
    targets: TargetSet,
    posterior: pd.DataFrame,
    draws: int = PREDICTIVE_DRAWS,
    workers: int | None = None,
    cluster: str | None = None,
    progress: bool = True,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """Every target's statistic for ``draws`` particles drawn by weight, each on a fresh seed (one row each)."""
    rng = rng or np.random.default_rng(fresh_seed())
    weights = posterior["weight"].to_numpy(dtype=float)
    picks = rng.choice(len(posterior), size=draws, p=weights / weights.sum())
    names = [c for c in posterior.columns if c != "weight"]
    tasks = [({n: float(posterior.iloc[i][n]) for n in names}, fresh_seed(), targets.of()) for i in picks]
    rows: list[Any] = [None] * len(tasks)
    for index, result in run_tasks(
        simulate_task,
        tasks,
        workers=workers,
        cluster=cluster,
        dask=True,
        progress=progress,
        desc="posterior predictive runs",
    ):
        rows[index] = result
    frame = pd.DataFrame(rows)
    frame.insert(0, "particle", picks)
    return frame.rename(columns={SEED_KEY: "seed"})


def _wstats(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    mean = float(np.sum(values * weights) / np.sum(weights))
    return mean, float(math.sqrt(np.sum(weights * (values - mean) ** 2) / np.sum(weights)))


def identifiability(posterior: pd.DataFrame) -> pd.DataFrame:
    """Per fitted constant: prior and posterior mean and sd, their ratio, and whether the figures identify it."""
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for name in (c for c in posterior.columns if c != "weight"):
        c = CONSTANTS[name]
        mean, sd = _wstats(posterior[name].to_numpy(dtype=float), w)
        prior_sd = (c.high - c.low) / math.sqrt(12)
        rows.append(
            {
                "constant": name,
                "declared": c.value,
                "low": c.low,
                "high": c.high,
                "posterior_mean": mean,
                "posterior_sd": sd,
                "prior_sd": prior_sd,
                "sd_ratio": sd / prior_sd,
                "identified": sd < IDENTIFIED * prior_sd,
            }
        )
    return pd.DataFrame(rows)


def highest_density(posterior: pd.DataFrame) -> dict[str, float]:
    """The particle of highest posterior density: the model's calibrated defaults (issue 11, point 5).

    The density is a weighted Gaussian kernel estimate over the particles, each constant scaled to its prior
    range so that no constant dominates the bandwidth by its units; the particle where it peaks is returned
    (a particle, not the peak between particles: every default is a value the model was actually run with).
    With too few distinct particles for a kernel estimate, the particle of largest weight.
    """
    from scipy.stats import gaussian_kde

    names = [c for c in posterior.columns if c != "weight"]
    scaled = np.vstack(
        [
            (posterior[n].to_numpy(dtype=float) - CONSTANTS[n].low) / (CONSTANTS[n].high - CONSTANTS[n].low)
            for n in names
        ]
    )
    weights = posterior["weight"].to_numpy(dtype=float)
    try:
        density = gaussian_kde(scaled, weights=weights)(scaled)
    except (np.linalg.LinAlgError, ValueError):  # too few distinct particles for a kernel estimate
        density = weights
    best = posterior.iloc[int(np.argmax(density))]
    return {n: float(best[n]) for n in names}


def _sentence(row: pd.Series) -> str:
    c = CONSTANTS[row["constant"]]
    if row["identified"]:
        return (
            f"<b>{html.escape(row['constant'])}</b> ({html.escape(c.meaning.rstrip('.'))}) is identified: the "
            f"figures narrow it to about {row['posterior_mean']:.3g} ± {row['posterior_sd']:.2g}, from the "
            f"plausible range {c.low:g} to {c.high:g} (declared {c.value:g})."
        )
    return (
        f"<b>{html.escape(row['constant'])}</b> ({html.escape(c.meaning.rstrip('.'))}) is not identified: the "
        f"figures leave it at about {row['sd_ratio']:.0%} of its prior spread; results that depend on it carry "
        "its whole plausible range."
    )


def _weighted_histogram_figures(posterior: pd.DataFrame) -> list[str]:
    out = []
    for name in (c for c in posterior.columns if c != "weight"):
        c = CONSTANTS[name]
        edges = np.linspace(c.low, c.high, 21)
        hist, _ = np.histogram(posterior[name], bins=edges, weights=posterior["weight"], density=True)
        fig = go.Figure(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=hist,
                width=np.diff(edges),
                name="posterior",
                marker_color=BLUE,
                opacity=0.8,
            )
        )
        density = 1 / (c.high - c.low)
        fig.add_trace(
            go.Scatter(
                x=[c.low, c.high], y=[density, density], name="prior (uniform)", line={"color": ORANGE, "dash": "dash"}
            )
        )
        fig.add_vline(x=c.value, line={"color": GREY, "dash": "dot"})
        fig.update_layout(
            title=f"{name}: posterior (bars) and prior (dashed); dotted: declared value",
            height=260,
            margin={"l": 40, "r": 10, "t": 40, "b": 30},
            template="plotly_white",
            showlegend=False,
        )
        out.append(fig_html(fig))
    return out


def strongest_pairs(posterior: pd.DataFrame) -> list[tuple[str, str, float]]:
    """The :data:`PAIRS` pairs of fitted constants with the strongest weighted correlation, strongest first."""
    names = [c for c in posterior.columns if c != "weight"]
    w = posterior["weight"].to_numpy(dtype=float)
    x = posterior[names].to_numpy(dtype=float)
    mean = (w[:, None] * x).sum(0) / w.sum()
    cov = ((x - mean).T * w) @ (x - mean) / w.sum()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    pairs = [(names[i], names[j], float(corr[i, j])) for i in range(len(names)) for j in range(i + 1, len(names))]
    return sorted(pairs, key=lambda p: -abs(p[2]))[:PAIRS]


def _pairs(posterior: pd.DataFrame) -> list[str]:
    w = posterior["weight"].to_numpy(dtype=float)
    out = []
    for a, b, r in strongest_pairs(posterior):
        fig = go.Figure(
            go.Scatter(
                x=posterior[a],
                y=posterior[b],
                mode="markers",
                marker={"size": 3 + 9 * np.sqrt(w / w.max()), "color": BLUE, "opacity": 0.5},
            )
        )
        fig.update_layout(
            title=f"{a} against {b}: weighted correlation {r:+.2f}",
            xaxis_title=a,
            yaxis_title=b,
            height=320,
            template="plotly_white",
            margin={"l": 50, "r": 10, "t": 40, "b": 40},
        )
        out.append(fig_html(fig))
    return out


def _predictive_panel(targets: TargetSet, pred: pd.DataFrame, use: str) -> tuple[str, pd.DataFrame]:
    chosen = targets.of(use)
    fig = go.Figure()
    rows = []
    for k, t in enumerate(chosen):
        values = pred[t.name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        inside = float(np.mean([t.distance(v) <= 1.0 for v in values])) if len(values) else math.nan
        rows.append(
            {
                "target": t.name,
                "observed": t.observed_text(),
                "tolerance": t.scale,
                "median": float(np.median(finite)) if len(finite) else math.nan,
                "within_tolerance": inside,
                "measurable": len(finite) / max(1, len(values)),
                "source": t.source,
            }
        )
        scale = t.scale
        centre = (t.low + t.high) / 2
        # distances are drawn in tolerances from the observed range's centre, so targets of any unit share an axis
        fig.add_trace(
            go.Box(
                x=(finite - centre) / scale,
                name=t.name,
                marker_color=BLUE,
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                showlegend=False,
            )
        )
        half = (t.high - t.low) / 2 / scale
        fig.add_shape(
            type="rect",
            x0=-half - 1,
            x1=half + 1,
            y0=k - 0.4,
            y1=k + 0.4,
            fillcolor=GREY,
            opacity=0.2,
            line={"width": 0},
        )
    fig.update_layout(
        title=f"{use} targets: posterior predictive, in tolerances from the observed value (grey: within tolerance)",
        height=120 + 70 * len(chosen),
        template="plotly_white",
        xaxis_title="(model - observed) / tolerance",
        margin={"l": 230, "r": 10, "t": 50, "b": 40},
    )
    return fig_html(fig), pd.DataFrame(rows)


def _table(frame: pd.DataFrame, formats: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = row[c]
            text = format(v, formats[c]) if c in formats and isinstance(v, float) and math.isfinite(v) else str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _patterns_section(patterns: pd.DataFrame | None, posterior_file: str) -> list[str]:
    """Posterior-predictive check of the six patterns, as the planner's reports show it (or how to make it)."""
    from ..reports.tables import robust_section

    if patterns is None:
        return [
            "<h2>Posterior predictive: the six patterns</h2>",
            f"<p>Not checked in this run (--pattern-draws 0). <code>python3 run.py robust --posterior "
            f"{html.escape(posterior_file)} --attach</code> checks them and keeps the table beside the posterior.</p>",
        ]
    section = robust_section(patterns, posterior_file)
    section[0] = "<h2>Posterior predictive: the six patterns</h2>"
    return section


def report_html(
    targets: TargetSet,
    posterior: pd.DataFrame,
    info: dict[str, Any],
    pred: pd.DataFrame,
    misfit: pd.DataFrame,
    patterns: pd.DataFrame | None = None,
    posterior_file: str = "posterior.parquet",
) -> str:
    """The calibration report as one HTML page.

    ``patterns``: the six patterns checked on posterior draws (:func:`cocreate_sim.robust_conclusions.table_for`),
    or None when the check was skipped; ``posterior_file``: where the posterior is, for the commands shown.
    """
    cal = info.get("calibration", {})
    ident = identifiability(posterior)
    fit_fig, fit_rows = _predictive_panel(targets, pred, "fit")
    check_fig, check_rows = _predictive_panel(targets, pred, "check")
    pct = {"within_tolerance": ".0%", "measurable": ".0%", "tolerance": ".3g", "median": ".3g"}
    facts = {
        "targets file": info.get("targets", {}).get("file", ""),
        "fitted constants": ", ".join(cal.get("constants", [])),
        "particles a generation": cal.get("population"),
        "generations": cal.get("generations"),
        "simulations": f"{cal.get('simulations', 0):,}",
        "final epsilon (1 = every fit target within tolerance)": f"{cal.get('epsilon', math.nan):.3g}",
        "effective sample size": f"{cal.get('effective_sample_size', math.nan):.0f}",
        "wall time": f"{cal.get('wall_seconds', 0) / 60:.1f} min",
        "stopped": cal.get("stopped", ""),
        "package version": info.get("package_version", ""),
        "git commit": info.get("git_commit", ""),
        "constants table": info.get("constants_table", ""),
        "pyabc": info.get("pyabc_version", ""),
    }
    facts_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts.items())
    body = [
        f"<h1>Calibration: {html.escape(targets.name)}</h1>",
        f"<p>{html.escape(targets.description)}</p>",
        f"<table>{facts_html}</table>",
        "<h2>What the figures tell us about each constant</h2>",
        "<ul>"
        + "".join(f"<li>{_sentence(r)}</li>" for _, r in ident.iterrows())
        + "".join(
            f"<li><b>{html.escape(a)}</b> and <b>{html.escape(b)}</b> are constrained together (weighted "
            f"correlation {r:+.2f}): the figures fix a combination of the two more than either alone.</li>"
            for a, b, r in strongest_pairs(posterior)
            if abs(r) >= TOGETHER
        )
        + "</ul>",
        "<p>A constant is called identified when its posterior standard deviation is below half its prior's. "
        "Constants that are not fitted stay at their declared values.</p>",
        "<p><b>The calibrated defaults.</b> The particle of highest posterior density is "
        + ", ".join(f"<code>{html.escape(n)}</code> = {v:.3g}" for n, v in highest_density(posterior).items())
        + ". Declared as the constants' values in src/cocreate_sim/constants_table.py, they make the point model "
        "(run_model(), --point, sweeps, the classroom app) the calibrated one; python3 docs/calibration_defaults.py "
        "checks that they reproduce the fit targets (docs/calibration.md, section 10).</p>",
        "<h2>Fit targets: what the calibration aimed at</h2>",
        "<p>The last generation's accepted particles, weighted (misfit.csv). 'within tolerance' is the posterior "
        "share of particles whose statistic lies within the target's tolerance.</p>",
        _table(
            misfit,
            {
                "tolerance": ".3g",
                "q05": ".3g",
                "median": ".3g",
                "q95": ".3g",
                "within_tolerance": ".0%",
                "distance_of_median": ".2f",
            },
        ),
        "<h2>Posterior predictive: fit targets</h2>",
        f"<p>{len(pred)} particles drawn by weight, each run again on a fresh seed.</p>",
        fit_fig,
        _table(fit_rows, pct),
        "<h2>Posterior predictive: check targets (never used in fitting)</h2>",
        "<p>These figures were set aside before calibration: they test the posterior out of sample. A check the "
        "model misses is reported here, not tuned away.</p>",
        check_fig,
        _table(check_rows, pct),
        *_patterns_section(patterns, posterior_file),
        "<h2>Prior and posterior of each fitted constant</h2>",
        f"<div style='{GRID}'>{''.join(_weighted_histogram_figures(posterior))}</div>",
        "<h2>The most correlated pairs</h2>",
        "<p>Constants that trade off against each other: the figures constrain their combination more than each. "
        "Marker size: the particle's weight.</p>",
        f"<div style='{GRID}'>{''.join(_pairs(posterior))}</div>",
        "<h2>Identifiability</h2>",
        _table(ident, {"posterior_mean": ".4g", "posterior_sd": ".3g", "prior_sd": ".3g", "sd_ratio": ".2f"}),
    ]
    return page(f"Calibration: {targets.name}", body)

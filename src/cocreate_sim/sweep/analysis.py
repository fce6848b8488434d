"""Sensitivity analysis of a finished sweep: ``sensitivity.csv`` and a self-contained ``report.html``.

Which index fits depends on the design (SALib's third seam, *analyse*):

- **sobol**: first-order S1 and total-order ST with bootstrap confidence
  intervals (``SALib.analyze.sobol``); ST - S1 is what a lever does only in
  interaction with others.
- **morris**: mu* (mean absolute elementary effect: overall influence), mu
  and sigma (spread: non-linearity or interaction), mu*'s confidence
  interval (``SALib.analyze.morris``). A screening method: it ranks, it does
  not apportion variance.
- **grid**: the main-effect share eta^2 = Var(E[Y | lever]) / Var(Y) (on a
  full factorial grid this is the first-order index), plus standardized
  regression coefficients (SRC) and the linear model's R^2.
- **lhs**: SRC and R^2; an R^2 well below 1 says the response is non-linear
  and the SRCs only rank the levers roughly.

All indices are computed on the mean outcome of each design point over its
replications, so replication noise is averaged out before it can pose as a
lever's effect.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError
from ..fileio import atomic_write_bytes
from ..metrics import COLUMNS
from .design import Design
from .store import load_runs, read_manifest

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
"""Plotly's default colours, in order: one per line or bar series."""
INDEX_FIGURE_HEIGHT = 380
"""Height of an indices bar chart, in pixels."""
INDEX_FIGURE_MARGIN = {"t": 50, "b": 40}
"""Top and bottom margins of an indices bar chart, in pixels (room for the title and lever names)."""
GRID_FIGURE_HEIGHT = 420
"""Height of a grid heatmap or line chart, in pixels."""
BAND_OPACITY = 0.2
"""Opacity of the +-1 SD replication bands."""
FINGERPRINT_SHOWN = 16
"""Hex digits of the sweep fingerprint shown in the report."""


def analyse(out: str | Path) -> list[Path]:
    """Write ``sensitivity.csv`` and ``report.html`` into a finished sweep folder; return their paths."""
    out = Path(out)
    manifest = read_manifest(out)
    # Only the columns the analysis reads: a million runs of every column would take gigabytes.
    frame = load_runs(out, columns=["run_id", "point", *manifest["sweep"]["vary"], *manifest["outcomes"]])
    n_runs = manifest["n_runs"]
    if len(frame) != n_runs:
        raise UserError(
            f"'{out}' holds {len(frame)} of the sweep's {n_runs} runs, so its indices would be wrong. Finish it "
            f"first: run the same 'python3 run.py sweep {manifest.get('sweep_file') or 'SWEEP.yaml'} --out {out}' "
            "again (it resumes)."
        )
    table = sensitivity(manifest, frame)
    csv_path, html_path = out / "sensitivity.csv", out / "report.html"
    atomic_write_bytes(csv_path, table.to_csv(index=False).encode())
    atomic_write_bytes(html_path, report_html(manifest, frame, table).encode())
    return [csv_path, html_path]


def point_means(manifest: dict[str, Any], frame: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean of each outcome per design point (over replications), in design order."""
    means = frame.groupby("point")[outcomes].mean().sort_index()
    if len(means) != manifest["n_points"]:
        raise UserError(f"the results hold {len(means)} of {manifest['n_points']} design points; finish the sweep.")
    return means


def _design_matrix(manifest: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    design = Design.of(manifest)
    return design.names, design.values()


def sensitivity(manifest: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome and varied lever with the indices that suit the design (see the module docstring)."""
    design = manifest["sweep"]["design"]
    outcomes = manifest["outcomes"]
    names, x = _design_matrix(manifest)
    means = point_means(manifest, frame, outcomes)
    rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        y = means[outcome].to_numpy(dtype=float)
        note = ""
        if not np.all(np.isfinite(y)):
            note = "outcome is not finite at some design points"
        elif np.ptp(y) == 0:
            note = "outcome does not vary across the design"
        if note:
            rows += [{"outcome": outcome, "parameter": n, "method": design, "note": note} for n in names]
            continue
        if design == "sobol":
            rows += _sobol(manifest, outcome, names, y)
        elif design == "morris":
            rows += _morris(manifest, outcome, names, Design.of(manifest).raw_matrix(), y)
        else:
            rows += _regression(design, outcome, names, x, y)
    table = pd.DataFrame(rows)
    if "note" in table:
        table["note"] = table["note"].fillna("")
    return table


def _sobol(manifest: dict[str, Any], outcome: str, names: list[str], y: np.ndarray) -> list[dict[str, Any]]:
    from SALib.analyze import sobol

    with np.errstate(divide="ignore", invalid="ignore"):
        si = sobol.analyze(manifest["problem"], y, calc_second_order=False, seed=manifest["sweep"]["seed"])
    return [
        {
            "outcome": outcome,
            "parameter": n,
            "method": "sobol",
            "S1": si["S1"][i],
            "S1_conf": si["S1_conf"][i],
            "ST": si["ST"][i],
            "ST_conf": si["ST_conf"][i],
        }
        for i, n in enumerate(names)
    ]


def _morris(
    manifest: dict[str, Any], outcome: str, names: list[str], x: np.ndarray, y: np.ndarray
) -> list[dict[str, Any]]:
    from SALib.analyze import morris

    with np.errstate(divide="ignore", invalid="ignore"):
        si = morris.analyze(
            manifest["problem"], x, y, num_levels=manifest["sweep"]["levels"], seed=manifest["sweep"]["seed"]
        )
    return [
        {
            "outcome": outcome,
            "parameter": n,
            "method": "morris",
            "mu": si["mu"][i],
            "mu_star": si["mu_star"][i],
            "mu_star_conf": si["mu_star_conf"][i],
            "sigma": si["sigma"][i],
        }
        for i, n in enumerate(names)
    ]


def _regression(design: str, outcome: str, names: list[str], x: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Standardized regression coefficients; for grids also each lever's main-effect share eta^2."""
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    zy = (y - y.mean()) / y.std()
    coef, *_ = np.linalg.lstsq(np.column_stack([z, np.ones(len(zy))]), zy, rcond=None)
    r2 = 1.0 - float(np.sum((zy - np.column_stack([z, np.ones(len(zy))]) @ coef) ** 2)) / float(np.sum(zy**2))
    rows = []
    for i, n in enumerate(names):
        row: dict[str, Any] = {"outcome": outcome, "parameter": n, "method": design}
        if design == "grid":
            groups = pd.Series(y).groupby(x[:, i]).mean()
            row["eta2"] = float(groups.var(ddof=0) / y.var()) if len(groups) > 1 else 0.0
        row["src"] = float(coef[i]) if sd[i] > 0 else 0.0
        row["r2"] = r2
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------- report
def report_html(manifest: dict[str, Any], frame: pd.DataFrame, table: pd.DataFrame) -> str:
    """A self-contained HTML page (plotly.js inlined, no network needed) with the indices and, for grids, surfaces."""
    design = manifest["sweep"]["design"]
    sections: list[str] = []
    first = [True]

    def add(fig: dict[str, Any]) -> None:
        import plotly.io as pio

        html_text = pio.to_html(
            fig, full_html=False, include_plotlyjs=bool(first[0]), config={"responsive": True}, validate=False
        )
        sections.append(html_text)
        first[0] = False

    for outcome in manifest["outcomes"]:
        sub = table[table["outcome"] == outcome]
        unit = COLUMNS[outcome].unit if outcome in COLUMNS else ""
        sections.append(
            f"<h2>{html.escape(outcome)} <small>({html.escape(unit)})</small></h2>"
            f"<p>{html.escape(COLUMNS[outcome].meaning if outcome in COLUMNS else '')}</p>"
        )
        notes = sub["note"].unique().tolist() if "note" in sub else []
        notes = [n for n in notes if n]
        if notes:
            sections.append(f"<p><em>No indices: {html.escape(notes[0])}.</em></p>")
        else:
            add(_indices_figure(design, outcome, sub))
        if design == "grid":
            for fig in _grid_figures(manifest, frame, outcome):
                add(fig)
    sweep = manifest["sweep"]
    prov = manifest.get("provenance", {})
    facts = {
        "design": design,
        "varied levers": ", ".join(sweep["vary"]),
        "design points": manifest["n_points"],
        "replications per point": sweep["replications"],
        "runs": manifest["n_runs"],
        "horizon (weeks)": sweep["horizon"],
        "base seed": sweep["seed"],
        "package version": prov.get("package_version", "unknown"),
        "git commit": prov.get("git_commit", "unknown"),
        "sweep fingerprint": manifest["fingerprint"][:FINGERPRINT_SHOWN],
    }
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts.items())
    title = html.escape(f"Sweep '{manifest['name']}'")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}}"
        "th{text-align:left;padding-right:1em}</style></head><body>"
        f"<h1>{title}</h1><p>{html.escape(manifest.get('description') or '')}</p><table>{rows}</table>"
        f"<p>{html.escape(_method_text(design))}</p>{''.join(sections)}</body></html>"
    )


def _method_text(design: str) -> str:
    return {
        "sobol": "Sobol indices (SALib): S1 is the share of output variance due to a lever alone, ST includes its "
        "interactions; bars show 95% bootstrap confidence intervals. Computed on point means over replications.",
        "morris": "Morris screening (SALib): mu* ranks overall influence, sigma shows non-linearity or interaction; "
        "error bars are mu*'s 95% confidence interval.",
        "grid": "Full grid: eta^2 is a lever's main-effect share of the variance of point means (the first-order index "
        "on a full grid); SRC are standardized regression coefficients (sign = direction). Surfaces show the mean "
        "outcome over the first two levers (averaged over any further lever); bands are +-1 standard deviation "
        "over replications (pooled over the levels of any further lever).",
        "lhs": "Latin hypercube: standardized regression coefficients (sign = direction) with the linear model's R^2; "
        "a low R^2 means the response is non-linear and SRCs rank only roughly.",
    }[design]


def _title(text: str) -> dict[str, str]:
    return {"text": text}


def _indices_figure(design: str, outcome: str, sub: pd.DataFrame) -> dict[str, Any]:
    """Bar chart of the indices of one outcome, as a plain plotly figure dict (no validation: fast)."""
    names = sub["parameter"].tolist()
    data: list[dict[str, Any]] = []
    if design == "sobol":
        for key, color in (("S1", PALETTE[0]), ("ST", PALETTE[1])):
            data.append(
                {
                    "type": "bar",
                    "name": key,
                    "x": names,
                    "y": sub[key].tolist(),
                    "marker": {"color": color},
                    "error_y": {"type": "data", "array": sub[f"{key}_conf"].tolist()},
                }
            )
        axis = "Sobol index"
    elif design == "morris":
        data.append(
            {
                "type": "bar",
                "name": "mu*",
                "x": names,
                "y": sub["mu_star"].tolist(),
                "error_y": {"type": "data", "array": sub["mu_star_conf"].tolist()},
            }
        )
        data.append({"type": "bar", "name": "sigma", "x": names, "y": sub["sigma"].tolist()})
        axis = "elementary effect"
    else:
        if design == "grid":
            data.append({"type": "bar", "name": "eta^2 (main-effect share)", "x": names, "y": sub["eta2"].tolist()})
        data.append(
            {"type": "bar", "name": f"SRC (R^2 = {sub['r2'].iloc[0]:.2f})", "x": names, "y": sub["src"].tolist()}
        )
        axis = "index"
    layout = {
        "barmode": "group",
        "yaxis": {"title": _title(axis)},
        "title": _title(f"Sensitivity of {outcome}"),
        "height": INDEX_FIGURE_HEIGHT,
        "margin": INDEX_FIGURE_MARGIN,
    }
    return {"data": data, "layout": layout}


def _grid_figures(manifest: dict[str, Any], frame: pd.DataFrame, outcome: str) -> list[dict[str, Any]]:
    """Heatmap of the mean over the first two levers, and lines over the first lever with replication bands."""
    levers = list(manifest["sweep"]["vary"])
    a = levers[0]
    b = levers[1] if len(levers) > 1 else None
    stats = _grid_stats(frame, outcome, [a, b] if b else [a])
    figs = [_heatmap(stats, outcome, levers)] if b else []
    data: list[dict[str, Any]] = []
    groups = stats.groupby(b) if b else [(None, stats)]
    for i, (value, g) in enumerate(groups):
        data += _band_and_line(g, a, f"{b} = {value}" if b else outcome, PALETTE[i % len(PALETTE)])
    layout = {
        "title": _title(f"{outcome} by {a} (band: +-1 SD over replications)"),
        "xaxis": {"title": _title(a)},
        "yaxis": {"title": _title(outcome)},
        "height": GRID_FIGURE_HEIGHT,
    }
    figs.append({"data": data, "layout": layout})
    return figs


def _heatmap(stats: pd.DataFrame, outcome: str, levers: list[str]) -> dict[str, Any]:
    """The mean of ``outcome`` over the first two levers (averaged over any others)."""
    a, b = levers[0], levers[1]
    grid = stats.pivot(index=b, columns=a, values="mean")
    heatmap = {
        "type": "heatmap",
        "z": grid.to_numpy().tolist(),
        "x": [str(v) for v in grid.columns],
        "y": [str(v) for v in grid.index],
        "colorbar": {"title": _title(outcome)},
    }
    further = " (averaged over " + ", ".join(levers[2:]) + ")" if len(levers) > 2 else ""
    layout = {
        "title": _title(f"Mean {outcome} over {a} x {b}{further}"),
        "xaxis": {"title": _title(a)},
        "yaxis": {"title": _title(b)},
        "height": GRID_FIGURE_HEIGHT,
    }
    return {"data": [heatmap], "layout": layout}


def _band_and_line(g: pd.DataFrame, a: str, label: str, color: str) -> list[dict[str, Any]]:
    """A mean line over lever ``a`` and its +-1 SD band, sharing one legend entry."""
    xs, lo, hi = g[a].tolist(), (g["mean"] - g["std"]).tolist(), (g["mean"] + g["std"]).tolist()
    band = {
        "type": "scatter",
        "x": xs + xs[::-1],
        "y": hi + lo[::-1],
        "fill": "toself",
        "fillcolor": color,
        "opacity": BAND_OPACITY,
        "line": {"width": 0},
        "hoverinfo": "skip",
        "showlegend": False,
        "legendgroup": label,
    }
    line = {
        "type": "scatter",
        "x": xs,
        "y": g["mean"].tolist(),
        "mode": "lines+markers",
        "name": label,
        "line": {"color": color},
        "legendgroup": label,
    }
    return [band, line]


def _grid_stats(frame: pd.DataFrame, outcome: str, keys: list[str]) -> pd.DataFrame:
    """Mean and replication spread per combination of ``keys``.

    Replication spread per design point, then pooled over the levels of any further lever:
    the band shows run-to-run noise, not the effect of the levers left out of the picture.
    """
    per_point = frame.groupby("point").agg(
        mean=(outcome, "mean"), var=(outcome, "var"), **{k: (k, "first") for k in keys}
    )
    per_point["var"] = per_point["var"].fillna(0.0)
    stats = per_point.groupby(keys).agg(mean=("mean", "mean"), var=("var", "mean")).reset_index()
    stats["std"] = np.sqrt(stats["var"])
    return stats

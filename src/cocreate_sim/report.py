"""Reports a policy planner can take to a committee: one self-contained HTML file.

Plotly figures with plotly.js embedded once (the file opens offline, no CDN),
a table of the levers that differ from the baseline, and a short text that
says what moved and by how much, generated from the results. Labels and units
come from :data:`cocreate_sim.metrics.COLUMNS`; lever texts from
:data:`cocreate_sim.params.PARAMETERS`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from .experiment import weekly_bands
from .metrics import COLUMNS
from .params import DEFAULTS, PARAMETERS

PALETTE = [
    "#1f5fa8",
    "#d9541e",
    "#2a9d4b",
    "#8e44ad",
    "#c0392b",
    "#b7950b",
    "#117a8b",
    "#6c757d",
    "#e377c2",
    "#17becf",
    "#7f3b08",
    "#000000",
    "#bcbd22",
    "#9edae5",
]
"""One colour per scenario, the same in every figure of a report."""

HEADLINE = [
    "uptake",
    "participants",
    "inclusion_ratio",
    "initiatives_completed",
    "initiatives_failed",
    "initiatives_abandoned",
    "public_value",
    "trust_mean",
    "legitimacy",
    "hours_cocreation",
    "decision_weeks_mean",
    "dropout_rate",
    "complaints",
    "backlog",
    "errors",
    "burnout_share",
]
"""The outcomes the report's text and difference chart speak about, in reading order."""

LABELS = {
    "uptake": "Workers co-creating (uptake)",
    "mindset_mean": "Understanding of co-creation (mindset)",
    "practice_mean": "Mastery of the work process (practice)",
    "energy_mean": "Worker energy",
    "burnout_share": "Workers burnt out",
    "initiatives_active": "Initiatives under way",
    "initiatives_started": "Initiatives proposed",
    "initiatives_completed": "Initiatives completed",
    "initiatives_failed": "Initiatives failed",
    "initiatives_abandoned": "Initiatives abandoned",
    "participants": "Citizens taking part",
    "weak_share_participants": "Weak groups among participants",
    "weak_share_population": "Weak groups in the population",
    "inclusion_ratio": "Inclusion of weak groups (1 = in proportion)",
    "weak_needs_addressed_share": "Completed initiatives for weak groups' needs",
    "public_value": "Public value created",
    "trust_mean": "Citizens' trust",
    "legitimacy": "Legitimacy of political steering",
    "hours_operations": "Hours on operations",
    "hours_cocreation": "Hours co-creating",
    "maintenance_hours": "Hours maintaining co-created facilities",
    "backlog": "Operations backlog",
    "complaints": "Complaints",
    "errors": "Errors",
    "decision_weeks_mean": "Weeks from proposal to decision",
    "dropout_rate": "Citizen drop-out",
    "power_sharing_mean": "Politicians' readiness to share power",
    "politician_hours_policy": "Politician hours on policy with citizens",
    "politician_hours_casework": "Politician hours on casework",
}


def label(column: str) -> str:
    """Plain-language name of a model column."""
    return LABELS.get(column, column.replace("_", " "))


def _is_share(column: str) -> bool:
    return COLUMNS[column].unit.startswith("share") if column in COLUMNS else False


def fmt_value(column: str, value: float) -> str:
    """A value as a planner reads it: shares as percentages, counts and hours rounded."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if _is_share(column):
        return f"{100 * value:.1f}%"
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    if unit.startswith("hours") or abs(value) >= 100:
        return f"{value:,.0f}"
    if unit.startswith("count") or unit == "citizens":
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def fmt_diff(column: str, value: float) -> str:
    """A difference with its sign; shares in percentage points."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if _is_share(column):
        return f"{100 * value:+.1f} pp"
    text = fmt_value(column, abs(value))
    return ("+" if value >= 0 else "-") + text


def unit_text(column: str) -> str:
    if _is_share(column):
        return "%"
    return COLUMNS[column].unit if column in COLUMNS else ""


def _scale(column: str) -> float:
    return 100.0 if _is_share(column) else 1.0


# ------------------------------------------------------------------ figures
def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _add_band(fig: go.Figure, bands: pd.DataFrame, column: str, name: str, colour: str, row=None, col=None, **kw):
    """A mean line with its 95% confidence band (band drawn only when there are 2+ replications)."""
    s = _scale(column)
    loc = {"row": row, "col": col} if row is not None else {}
    weeks = bands["week"].tolist()
    if bands["low"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=weeks + weeks[::-1],
                y=(bands["high"] * s).tolist() + (bands["low"] * s).tolist()[::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=name,
            ),
            **loc,
        )
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=(bands["mean"] * s).tolist(),
            name=name,
            legendgroup=name,
            line={"color": colour, "width": 2, **kw.pop("line", {})},
            hovertemplate=f"{name}<br>week %{{x}}<br>{label(column)}: %{{y:.3g}} {unit_text(column)}<extra></extra>",
            **kw,
        ),
        **loc,
    )


def _style(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 17}},
        height=height,
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text="week (52 weeks = one year)")
    return fig


def _panels(
    table: pd.DataFrame, columns: Sequence[str], title: str, colours: Mapping[str, str], height: int = 380
) -> go.Figure:
    """One panel per column; each scenario a coloured line with its confidence band."""
    titles = [f"{label(c)} ({unit_text(c)})" for c in columns]
    fig = make_subplots(rows=1, cols=len(columns), subplot_titles=titles, horizontal_spacing=0.08)
    for k, column in enumerate(columns, start=1):
        bands = weekly_bands(table, column)
        for scenario, colour in colours.items():
            part = bands[bands["scenario"] == scenario]
            _add_band(fig, part, column, scenario, colour, row=1, col=k, showlegend=(k == 1))
    fig.update_annotations(font_size=13)
    # Axes start at zero so that a small change does not look like a large one to a reader in a hurry;
    # the text and the difference chart give the exact sizes.
    fig.update_yaxes(rangemode="tozero")
    return _style(fig, title, height)


def figure_uptake(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    return _panels(
        table,
        ["uptake", "mindset_mean", "practice_mean"],
        "Do frontline workers take up co-creation? (line = mean, band = 95% confidence interval)",
        colours,
    )


def figure_inclusion(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    fig = _panels(
        table,
        ["inclusion_ratio", "participants", "weak_needs_addressed_share"],
        "Who takes part? Inclusion of weak groups (1 = they take part in proportion to their numbers)",
        colours,
    )
    fig.add_hline(y=1.0, line_dash="dot", line_color="#555", row=1, col=1)
    return fig


def figure_initiatives(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    """Initiatives by how they ended, at the final week (mean over replications)."""
    outcomes = ["initiatives_completed", "initiatives_failed", "initiatives_abandoned", "initiatives_active"]
    names = ["completed", "failed", "abandoned", "still under way"]
    shades = ["#2a9d4b", "#c0392b", "#e59866", "#95a5a6"]
    last = table[table["week"] == table["week"].max()]
    means = last.groupby("scenario", sort=False)[outcomes].mean().reindex(list(colours))
    fig = go.Figure()
    for column, name, shade in zip(outcomes, names, shades, strict=True):
        fig.add_trace(
            go.Bar(
                y=list(means.index),
                x=means[column],
                name=name,
                orientation="h",
                marker_color=shade,
                text=[f"{v:.1f}" for v in means[column]],
                textposition="inside",
                hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}<extra></extra>",
            )
        )
    week = int(table["week"].max())
    fig.update_layout(barmode="stack")
    _style(fig, f"How did the initiatives end? (all initiatives proposed by week {week}, mean per run)")
    fig.update_layout(height=max(260, 110 + 60 * len(means)), hovermode="closest")
    fig.update_xaxes(title_text="initiatives")
    fig.update_yaxes(autorange="reversed")
    return fig


def figure_hours(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    return _panels(
        table,
        ["hours_operations", "hours_cocreation", "maintenance_hours"],
        "Where do the frontline staff's hours go? (hours per week, all frontline workers together)",
        colours,
    )


def figure_decisions(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    return _panels(
        table,
        ["decision_weeks_mean", "dropout_rate", "complaints"],
        "Waiting and giving up: time to decision, citizen drop-out and complaints",
        colours,
    )


def figure_trust(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    return _panels(
        table,
        ["trust_mean", "legitimacy", "public_value"],
        "What it leaves behind: trust, legitimacy and public value",
        colours,
    )


def figure_staff(table: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    return _panels(
        table,
        ["energy_mean", "burnout_share", "power_sharing_mean"],
        "The cost to people: worker energy, burn-out, and politicians' readiness to share power",
        colours,
    )


CLIP_PERCENT = 200
"""The difference chart's x axis ends at ±200%; larger relative changes are drawn as arrows at the edge."""


def figure_differences(diffs: pd.DataFrame, colours: Mapping[str, str]) -> go.Figure:
    """Each scenario minus the reference, as % of the reference's mean, with the 95% CI of the paired difference."""
    fig = go.Figure()
    rows = [c for c in HEADLINE if c in set(diffs["outcome"])]
    names = [label(c) for c in rows]
    scenarios = list(diffs["scenario"].unique())
    widest = 10.0
    for k, scenario in enumerate(scenarios):
        offset = (k - (len(scenarios) - 1) / 2) * min(0.5 / max(len(scenarios), 1), 0.22)
        part = diffs[diffs["scenario"] == scenario].set_index("outcome").reindex(rows)
        ref = part["reference_mean"].abs()
        rel = 100 * part["difference"] / ref.where(ref > 1e-9)
        low = 100 * part["ci95_low"] / ref.where(ref > 1e-9)
        high = 100 * part["ci95_high"] / ref.where(ref > 1e-9)
        text = [
            f"{fmt_diff(c, d)} {unit_text(c) if not _is_share(c) else ''}".strip() + f" ({r:+.0f}%)"
            for c, d, r in zip(rows, part["difference"], rel.fillna(0.0), strict=True)
        ]
        shown = rel.clip(-CLIP_PERCENT, CLIP_PERCENT)
        off = (rel.abs() > CLIP_PERCENT).fillna(False)
        extent = pd.concat([low, high, rel]).abs().clip(upper=CLIP_PERCENT)
        widest = max(widest, float(extent.max()) if extent.notna().any() else 0.0)
        fig.add_trace(
            go.Scatter(
                x=shown,
                y=[i + offset for i in range(len(rows))],
                mode="markers+text",
                name=scenario,
                marker={
                    "color": colours.get(scenario, "#333"),
                    "size": [14 if o else 10 for o in off],
                    "symbol": [
                        "triangle-right" if (o and v > 0) else "triangle-left" if o else "circle"
                        for o, v in zip(off, rel.fillna(0.0), strict=True)
                    ],
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (high.clip(-CLIP_PERCENT, CLIP_PERCENT) - shown).where(~off, 0),
                    "arrayminus": (shown - low.clip(-CLIP_PERCENT, CLIP_PERCENT)).where(~off, 0),
                },
                text=[f"{v:+.0f}%" if o else "" for o, v in zip(off, rel.fillna(0.0), strict=True)],
                textposition="top center",
                customdata=list(zip(names, text, strict=True)),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra>" + scenario + "</extra>",
            )
        )
    fig.add_vline(x=0, line_color="#333", line_width=1)
    reference = diffs["reference"].iloc[0] if len(diffs) else ""
    _style(fig, f"Differences from {reference} at the final week (% of {reference}'s value, 95% CI, paired)")
    per_row = max(34, 14 * len(scenarios))
    fig.update_layout(height=160 + per_row * len(rows), hovermode="closest", legend={"y": -0.08})
    fig.update_xaxes(
        title_text=f"difference in % of {reference}'s value (0 = no difference; beyond ±{CLIP_PERCENT}% "
        "shown at the edge)",
        zeroline=True,
        range=[-widest * 1.08, widest * 1.08],
    )
    fig.update_yaxes(autorange="reversed", tickvals=list(range(len(rows))), ticktext=names, zeroline=False)
    return fig


# --------------------------------------------------------------------- text
def describe_run(summary: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Sentences on where the headline outcomes went between week 0 and the final week (from the data)."""
    first = table[table["week"] == table["week"].min()]
    last_week = int(table["week"].max())
    n = table["replication"].nunique()
    s = summary.set_index("outcome")

    def ci(column: str) -> str:
        row = s.loc[column]
        if not math.isfinite(row["ci95_low"]):
            return ""
        return f" (95% CI {fmt_value(column, row['ci95_low'])} to {fmt_value(column, row['ci95_high'])})"

    def moved(column: str) -> str:
        start, end = float(first[column].mean()), float(s.loc[column, "mean"])
        if fmt_value(column, start) == fmt_value(column, end):
            return f"{label(column)} stayed at {fmt_value(column, end)}{ci(column)}."
        verb = "rose" if end > start else "fell"
        return f"{label(column)} {verb} from {fmt_value(column, start)} to {fmt_value(column, end)}{ci(column)}."

    out = [moved("uptake")]
    uptake = table.groupby("week")["uptake"].mean()
    final = float(uptake.iloc[-1])
    if final > 0:
        half = int(uptake.index[(uptake >= final / 2).to_numpy().argmax()])
        out[-1] = out[-1][:-1] + f"; half of that level was reached by week {half}."
    inclusion = float(s.loc["inclusion_ratio", "mean"])
    if math.isfinite(inclusion) and float(s.loc["participants", "mean"]) > 0:
        if inclusion < 0.9:
            how = f"under-represented: they take part at {100 * inclusion:.0f}% of their share of the population"
        elif inclusion > 1.1:
            how = f"over-represented: they take part at {100 * inclusion:.0f}% of their share of the population"
        else:
            how = "about in proportion to their share of the population"
        value = fmt_value("inclusion_ratio", inclusion)
        interval = ci("inclusion_ratio").strip(" ()")
        out.append(f"Weak groups are {how} (inclusion ratio {value}{'; ' + interval if interval else ''}).")
    out += [moved("trust_mean"), moved("legitimacy")]
    hours = float(s.loc["hours_cocreation", "mean"])
    total = hours + float(s.loc["hours_operations", "mean"])
    if total > 0:
        out.append(
            f"In the final week frontline staff spent {hours:,.0f} hours co-creating{ci('hours_cocreation')}, "
            f"{100 * hours / total:.1f}% of their working hours."
        )
    burnt = float(s.loc["burnout_share", "mean"])
    out.append("No worker was burnt out at the end." if burnt == 0 else moved("burnout_share"))
    started = float(s.loc["initiatives_started", "mean"])
    if started > 0:
        done = float(s.loc["initiatives_completed", "mean"])
        failed = float(s.loc["initiatives_failed", "mean"])
        gone = float(s.loc["initiatives_abandoned", "mean"])
        out.append(
            f"Of {started:.1f} initiatives proposed on average in {last_week} weeks, {done:.1f} were completed "
            f"({100 * done / started:.0f}%), {failed:.1f} failed and {gone:.1f} were abandoned."
        )
    else:
        out.append(f"No initiative was proposed in {last_week} weeks.")
    if n < 2:
        out.append("With a single replication there are no confidence intervals; run more with --replications.")
    return out


def describe_differences(diffs: pd.DataFrame) -> list[str]:
    """Per scenario, an HTML paragraph: which headline outcomes clearly moved (95% CI excludes 0) and by how much."""
    out = []
    for scenario in diffs["scenario"].unique():
        part = diffs[diffs["scenario"] == scenario].set_index("outcome")
        reference = part["reference"].iloc[0]
        moved, unclear = [], []
        for column in HEADLINE:
            if column not in part.index:
                continue
            r = part.loc[column]
            low, high, d = r["ci95_low"], r["ci95_high"], r["difference"]
            if not math.isfinite(d) or (abs(d) < 1e-12 and not (math.isfinite(low) and high - low > 1e-12)):
                continue
            if math.isfinite(low) and not (low > 0 or high < 0):
                unclear.append(label(column))
                continue
            ref_mean = r["reference_mean"]
            rel = f", {100 * d / abs(ref_mean):+.0f}%" if abs(ref_mean) > 1e-9 and not _is_share(column) else ""
            ci = f"; 95% CI {fmt_diff(column, low)} to {fmt_diff(column, high)}" if math.isfinite(low) else ""
            moved.append(
                f"<b>{html.escape(label(column))}</b> {'up' if d > 0 else 'down'}: "
                f"{fmt_value(column, ref_mean)} → {fmt_value(column, r['scenario_mean'])} "
                f"({html.escape(fmt_diff(column, d))}{rel}{html.escape(ci)})"
            )
        text = f"<p><b>{html.escape(scenario)}</b> compared with <b>{html.escape(reference)}</b>:</p>"
        if moved:
            text += "<ul>" + "".join(f"<li>{m}</li>" for m in moved) + "</ul>"
        else:
            text += "<p>No headline outcome moved clearly.</p>"
        if unclear:
            text += (
                "<p class='help'>No clear difference (the 95% interval includes zero) in: "
                + html.escape(", ".join(unclear).lower())
                + ".</p>"
            )
        out.append(text)
    return out


# ------------------------------------------------------------------- tables
def levers_table(scenarios: Mapping[str, Mapping[str, Any]]) -> str:
    """HTML table of every lever that differs from the baseline defaults in at least one scenario."""
    names = [n for n in PARAMETERS if any(p[n] != DEFAULTS[n] for p in scenarios.values())]
    if not names:
        return "<p>All levers are at the baseline values (a municipality under New Public Management).</p>"
    head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
    rows = []
    for n in names:
        par = PARAMETERS[n]
        cells = "".join(
            f"<td class='num{' changed' if p[n] != DEFAULTS[n] else ''}'>{_num(p[n])}</td>" for p in scenarios.values()
        )
        rows.append(
            f"<tr><td><b>{html.escape(n)}</b><div class='meaning'>{html.escape(par.meaning)}</div></td>"
            f"<td class='num'>{_num(par.default)}</td>{cells}<td>{html.escape(par.unit)}</td>"
            f"<td>{html.escape(par.source)}</td></tr>"
        )
    return (
        "<table class='levers'><thead><tr><th>Lever</th><th>Baseline</th>"
        f"{head}<th>Unit</th><th>Sources</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return html.escape(str(value))


def summary_table(summary: pd.DataFrame) -> str:
    """All outcomes at the final week: mean and 95% CI per scenario (collapsed by default)."""
    scenarios = list(summary["scenario"].unique())
    head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
    rows = []
    for column in COLUMNS:
        cells = []
        for s in scenarios:
            r = summary[(summary["scenario"] == s) & (summary["outcome"] == column)].iloc[0]
            ci = (
                f"<span class='ci'>{fmt_value(column, r['ci95_low'])} – {fmt_value(column, r['ci95_high'])}</span>"
                if math.isfinite(r["ci95_low"])
                else ""
            )
            cells.append(f"<td class='num'>{fmt_value(column, r['mean'])} {ci}</td>")
        rows.append(
            f"<tr><td>{html.escape(label(column))}<div class='meaning'>{html.escape(COLUMNS[column].meaning)}</div>"
            f"</td><td>{html.escape(unit_text(column))}</td>{''.join(cells)}</tr>"
        )
    return (
        f"<table class='summary'><thead><tr><th>Outcome</th><th>Unit</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def differences_table(diffs: pd.DataFrame) -> str:
    rows = []
    for _, r in diffs.iterrows():
        c = r["outcome"]
        ci = f"{fmt_diff(c, r['ci95_low'])} to {fmt_diff(c, r['ci95_high'])}" if math.isfinite(r["ci95_low"]) else ""
        rows.append(
            f"<tr><td>{html.escape(r['scenario'])}</td><td>{html.escape(label(c))}</td>"
            f"<td class='num'>{fmt_value(c, r['reference_mean'])}</td>"
            f"<td class='num'>{fmt_value(c, r['scenario_mean'])}</td>"
            f"<td class='num'>{fmt_diff(c, r['difference'])}</td><td class='num'>{ci}</td></tr>"
        )
    return (
        "<table class='summary'><thead><tr><th>Scenario</th><th>Outcome</th><th>Reference</th><th>Scenario</th>"
        f"<th>Difference</th><th>95% CI</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


# ------------------------------------------------------------------- page
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1180px;margin:24px auto;
padding:0 18px;color:#222;line-height:1.45}
h1{font-size:26px;margin-bottom:4px} h2{font-size:20px;margin-top:34px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:13px} .lead{font-size:16px;background:#f5f8fc;border-left:4px solid #1f5fa8;
padding:10px 16px} .lead li{margin:4px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%} th,td{border-bottom:1px solid #e3e3e3;
padding:5px 8px;text-align:left;vertical-align:top} th{background:#f3f3f3} td.num{text-align:right;white-space:nowrap}
td.changed{background:#fff3cd;font-weight:600} .meaning{color:#666;font-size:12px;max-width:520px}
.ci{color:#777;font-size:11px;display:block} .figure{margin:10px 0 26px} details{margin:12px 0}
summary{cursor:pointer;font-weight:600} .help{color:#555;font-size:14px}
"""


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def _fig_html(fig: go.Figure) -> str:
    snippet = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
    return f"<div class='figure'>{snippet}</div>"


def _meta(info: Mapping[str, Any]) -> str:
    prov = info.get("provenance", {})
    parts = [
        f"{info['steps']} weeks",
        f"{info['replications']} replication{'s' if info['replications'] != 1 else ''} (seeds {info['seeds']})",
        f"cocreate_sim {prov.get('package_version', '?')}",
        f"git {str(prov.get('git_commit', 'unknown'))[:12]}",
        f"Mesa {prov.get('mesa_version', '?')}, Python {prov.get('python_version', '?')}",
        f"made {prov.get('timestamp_utc', '')}",
    ]
    return f"<p class='meta'>{html.escape(' · '.join(parts))}</p>"


def _seed_text(seeds: Sequence[int]) -> str:
    seeds = list(seeds)
    return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])


HOW_TO_READ = (
    "<p class='help'>Each line is the mean over the replications (runs of the same municipality with different "
    "random seeds); the shaded band is the 95% confidence interval of that mean. Where bands of two scenarios do "
    "not overlap, the difference is unlikely to be chance. The model is a thinking tool: compare scenarios with "
    "each other rather than reading the numbers as forecasts.</p>"
)


def render_run(
    scenario_name: str,
    description: str,
    params: Mapping[str, Any],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    provenance: Mapping[str, Any],
) -> str:
    """The HTML report of one scenario."""
    colours = {scenario_name: PALETTE[0]}
    seeds = sorted(table["seed"].unique())
    info = {
        "steps": int(table["week"].max()),
        "replications": table["replication"].nunique(),
        "seeds": _seed_text(seeds),
        "provenance": provenance,
    }
    sentences = describe_run(summary, table)
    body = [
        f"<h1>Scenario: {html.escape(scenario_name)}</h1>",
        _meta(info),
        f"<p>{html.escape(description)}</p>" if description else "",
        "<h2>What happened</h2>",
        "<ul class='lead'>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>",
        "<p class='help'>To see what the levers change, compare this scenario with the baseline: "
        f"<code>python run.py compare scenarios/npm_baseline.yaml {html.escape(str(provenance.get('source', '')))}"
        "</code>.</p>",
        "<h2>Levers that differ from the baseline</h2>",
        "<p class='help'>The baseline is a mid-sized Danish municipality under New Public Management "
        "(<code>scenarios/npm_baseline.yaml</code>). Changed values are highlighted.</p>",
        levers_table({scenario_name: params}),
        "<h2>Over time</h2>",
        HOW_TO_READ,
    ]
    body += [_fig_html(f(table, colours)) for f in _FIGURES]
    body += [
        "<h2>All outcomes at the final week</h2>",
        "<details><summary>Show the table (mean and 95% confidence interval)</summary>",
        summary_table(summary),
        "</details>",
    ]
    return _page(f"cocreate_sim: {scenario_name}", body)


def render_compare(
    names: Sequence[str],
    descriptions: Mapping[str, str],
    params: Mapping[str, Mapping[str, Any]],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    diffs: pd.DataFrame,
    provenance: Mapping[str, Any],
) -> str:
    """The HTML report of a comparison: scenarios side by side, differences from the first with 95% CIs."""
    colours = {n: PALETTE[k % len(PALETTE)] for k, n in enumerate(names)}
    seeds = sorted(table["seed"].unique())
    info = {
        "steps": int(table["week"].max()),
        "replications": table["replication"].nunique(),
        "seeds": _seed_text(seeds) + ", the same for every scenario",
        "provenance": provenance,
    }
    sentences = describe_differences(diffs)
    desc = "".join(
        f"<li><b style='color:{colours[n]}'>{html.escape(n)}</b>: {html.escape(descriptions.get(n, ''))}</li>"
        for n in names
    )
    body = [
        f"<h1>Comparison: {html.escape(' vs '.join(names))}</h1>",
        _meta(info),
        f"<ul>{desc}</ul>",
        "<h2>What moved</h2>",
        "<p class='help'>Differences are paired: replication <i>i</i> of every scenario used the same random seed "
        "(common random numbers), so a difference reflects the levers, not luck. A difference is called clear when "
        "its 95% confidence interval excludes zero; pp = percentage points.</p>",
        "<div class='lead'>" + "".join(sentences) + "</div>",
        _fig_html(figure_differences(diffs, colours)) if len(diffs) else "",
        "<h2>Levers</h2>",
        "<p class='help'>Every lever that differs from the baseline defaults in at least one scenario; "
        "highlighted cells differ from the baseline.</p>",
        levers_table(params),
        "<h2>Over time</h2>",
        HOW_TO_READ,
    ]
    body += [_fig_html(f(table, colours)) for f in _FIGURES]
    body += [
        "<h2>Tables</h2>",
        "<details><summary>Differences from the first scenario at the final week (all outcomes)</summary>",
        differences_table(diffs),
        "</details>",
        "<details><summary>All outcomes at the final week (mean and 95% confidence interval)</summary>",
        summary_table(summary),
        "</details>",
    ]
    return _page(f"cocreate_sim: {' vs '.join(names)}", body)


_FIGURES = [
    figure_uptake,
    figure_inclusion,
    figure_initiatives,
    figure_hours,
    figure_decisions,
    figure_trust,
    figure_staff,
]

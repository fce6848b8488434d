"""What every report shares: colours, labels, value formatting, confidence bands, lever schedules, the page shell.

Labels and units come from :data:`cocreate_sim.metrics.COLUMNS`; a report
speaks of shares as percentages and of counts and hours as rounded numbers.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ..metrics import COLUMNS
from ..params import DEFAULTS
from ..statistics import BOUNDS_SENTENCE

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
"""Plain-language name of every model column."""

PERCENT = 100.0
"""Shares are shown as percentages."""
ROUND_ABOVE = 100
"""Values this large or larger are shown without decimals."""
SMALL_VALUE = 10
"""Values smaller than this (in size) keep three significant digits."""
TINY = 1e-9
"""A reference value closer to zero than this has no meaningful relative change."""
BAND_ALPHA = 0.18
"""Opacity of a confidence band under its line."""
LINE_WIDTH = 2
"""Width of a mean line in pixels."""
FIGURE_HEIGHT = 380
"""Default height of a figure in pixels."""
TITLE_FONT = 17
"""Font size of a figure's title."""
PANEL_TITLE_FONT = 13
"""Font size of a panel's title."""
MARGINS = {"l": 60, "r": 20, "t": 70, "b": 50}
"""Figure margins in pixels (room for the title above and the legend below)."""
TITLE_X = 0.01
"""A figure's title starts at the left edge."""
LEGEND_Y = -0.18
"""A figure's legend sits under the x axis."""
PANEL_SPACING = 0.08
"""Horizontal space between panels, as a share of the figure's width."""
WEEKS_AXIS = "week (52 weeks = one year)"
"""Title of every time axis."""


def label(column: str) -> str:
    """Plain-language name of a model column."""
    return LABELS.get(column, column.replace("_", " "))


def is_share(column: str) -> bool:
    """True when ``column`` is a share 0-1, shown as a percentage."""
    return COLUMNS[column].unit.startswith("share") if column in COLUMNS else False


def fmt_value(column: str, value: float) -> str:
    """A value as a planner reads it: shares as percentages, counts and hours rounded."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if is_share(column):
        return f"{PERCENT * value:.1f}%"
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    if unit.startswith("hours") or abs(value) >= ROUND_ABOVE:
        return f"{value:,.0f}"
    if unit.startswith("count") or unit == "citizens":
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < SMALL_VALUE else f"{value:.1f}"


def fmt_diff(column: str, value: float) -> str:
    """A difference with its sign; shares in percentage points."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if is_share(column):
        return f"{PERCENT * value:+.1f} pp"
    text = fmt_value(column, abs(value))
    return ("+" if value >= 0 else "-") + text


def unit_text(column: str) -> str:
    """The unit shown next to a value: % for shares, else the unit of :data:`COLUMNS`."""
    if is_share(column):
        return "%"
    return COLUMNS[column].unit if column in COLUMNS else ""


def scale(column: str) -> float:
    """Factor from the model's value to the value shown (100 for shares)."""
    return PERCENT if is_share(column) else 1.0


# ------------------------------------------------------------------ figures
def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` with an opacity, as CSS ``rgba()``."""
    r, g, b = bytes.fromhex(hex_colour.lstrip("#"))
    return f"rgba({r},{g},{b},{alpha})"


def add_band(fig: go.Figure, bands: pd.DataFrame, column: str, name: str, colour: str, row=None, col=None, **kw):
    """A mean line with its 95% confidence band (band drawn only when there are 2+ replications)."""
    s = scale(column)
    loc = {"row": row, "col": col} if row is not None else {}
    weeks = bands["week"].tolist()
    if bands["low"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=weeks + weeks[::-1],
                y=(bands["high"] * s).tolist() + (bands["low"] * s).tolist()[::-1],
                fill="toself",
                fillcolor=rgba(colour, BAND_ALPHA),
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
            line={"color": colour, "width": LINE_WIDTH, **kw.pop("line", {})},
            hovertemplate=f"{name}<br>week %{{x}}<br>{label(column)}: %{{y:.3g}} {unit_text(column)}<extra></extra>",
            **kw,
        ),
        **loc,
    )


def style(fig: go.Figure, title: str, height: int = FIGURE_HEIGHT) -> go.Figure:
    """The house style: title top left, white template, legend under the figure, weeks on x."""
    fig.update_layout(
        title={"text": title, "x": TITLE_X, "font": {"size": TITLE_FONT}},
        height=height,
        margin=MARGINS,
        template="plotly_white",
        legend={"orientation": "h", "y": LEGEND_Y, "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=WEEKS_AXIS)
    return fig


def fig_html(fig: go.Figure) -> str:
    """A figure as an HTML fragment that uses the page's one copy of plotly.js."""
    snippet = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
    return f"<div class='figure'>{snippet}</div>"


# ---------------------------------------------------------------- schedules
SCHEDULE_LINE = "#555"
"""Colour of the dashed line marking a week where levers change (in a one-scenario report)."""
SCHEDULE_SHOWN = 3
"""Most lever changes written on a figure at one week; the rest are counted ('+2 more') and shown on hover."""

Move = tuple[str, Any, Any]
"""One lever's change at a scheduled week: ``(lever, value before, value after)``."""


def schedule_moves(params: Mapping[str, Any], schedule: Sequence[Any]) -> list[tuple[int, list[Move]]]:
    """Each week where levers change, with every changed lever's value before and after (sorted by week)."""
    current = {**DEFAULTS, **params}
    out = []
    for week, changes in sorted(schedule or (), key=lambda entry: entry[0]):
        out.append((int(week), [(lever, current.get(lever), value) for lever, value in changes.items()]))
        current.update(changes)
    return out


def num(value: Any) -> str:
    """A lever's value as written in a scenario file (``0.8``, ``4``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def move_text(moves: Sequence[Move]) -> str:
    """``leader_dialogue 0.1 → 0.8, discretion 0.3 → 0.5``."""
    return ", ".join(f"{lever} {num(old)} → {num(new)}" for lever, old, new in moves)


def schedule_marks(
    params: Mapping[str, Mapping[str, Any]], schedules: Mapping[str, Sequence[Any]] | None, colours: Mapping[str, str]
) -> list[tuple[int, str, str, str]]:
    """What the figures mark: ``(week, short text, full text, colour)`` per scenario and week where levers change.

    The text is ``week 104: leader_dialogue 0.1 → 0.8``, one lever a line; with
    more than one scenario in the report it starts with a line ``week 104, NAME:``.
    """
    marks = []
    several = len(colours) > 1
    for name, schedule in (schedules or {}).items():
        colour = colours.get(name, SCHEDULE_LINE) if several else SCHEDULE_LINE
        for week, moves in schedule_moves(params.get(name, {}), schedule):
            lines = [move_text([move]) for move in moves]
            extra = len(lines) - SCHEDULE_SHOWN
            shown = lines[:SCHEDULE_SHOWN] + ([f"+{extra} more"] if extra > 0 else [])
            head = f"week {week}, {name}:" if several else f"week {week}:"
            text = html.escape(head) + ("<br>" if several else " ") + "<br>".join(map(html.escape, shown))
            marks.append((week, text, f"{head} {move_text(moves)}", colour))
    return marks


# --------------------------------------------------------------------- page
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
"""The page's style sheet (inline: the report is one file)."""

HOW_TO_READ = (
    "<p class='help'>Each line is the mean over the replications (runs of the same municipality with different "
    "random seeds); the shaded band is the 95% confidence interval of that mean. Where bands of two scenarios do "
    f"not overlap, the difference is unlikely to be chance. {BOUNDS_SENTENCE} The model is a thinking tool: "
    "compare scenarios with each other rather than reading the numbers as forecasts.</p>"
)
"""How to read the figures over time, said once under their heading."""

GIT_SHOWN = 12
"""Characters of the git commit shown in a report's header line."""


def page(title: str, body: list[str]) -> str:
    """A whole HTML page with the style sheet and plotly.js inline (it opens offline)."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def run_info(table: pd.DataFrame, provenance: Mapping[str, Any], seeds_note: str = "") -> dict[str, Any]:
    """Horizon, replications, seeds and provenance of a table, for :func:`meta`."""
    return {
        "steps": int(table["week"].max()),
        "replications": table["replication"].nunique(),
        "seeds": seed_text(sorted(table["seed"].unique())) + seeds_note,
        "provenance": provenance,
    }


def meta(info: Mapping[str, Any]) -> str:
    """The report's header line: horizon, replications and seeds, versions, when it was made."""
    prov = info.get("provenance", {})
    parts = [
        f"{info['steps']} weeks",
        f"{info['replications']} replication{'s' if info['replications'] != 1 else ''} (seeds {info['seeds']})",
        f"cocreate_sim {prov.get('package_version', '?')}",
        f"git {str(prov.get('git_commit', 'unknown'))[:GIT_SHOWN]}",
        f"Mesa {prov.get('mesa_version', '?')}, Python {prov.get('python_version', '?')}",
        f"made {prov.get('timestamp_utc', '')}",
    ]
    return f"<p class='meta'>{html.escape(' · '.join(parts))}</p>"


def seed_text(seeds: Sequence[int]) -> str:
    """``1–10`` for consecutive seeds, or the one seed."""
    seeds = list(seeds)
    return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])

"""What every report shares: colours, labels, value formatting, confidence bands, lever schedules, the page shell.

Labels come from :data:`cocreate_sim.i18n.COLUMN_LABELS`, units from
:data:`cocreate_sim.metrics.COLUMNS`; a report speaks of shares as percentages
and of counts and hours as rounded numbers. Every function that writes words
takes ``lang`` (``"en"``, ``"da"``) and reads them from the ``reports`` message
catalogue; numbers get the language's decimal mark and thousands separator.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ..i18n import (
    DEFAULT_LANGUAGE,
    N_,
    PERCENT_SIGNS,
    check_language,
    column_label,
    gettext_for,
    ngettext_for,
    number_text,
    plotly_separators,
    unit,
)
from ..metrics import COLUMNS
from ..params import DEFAULTS
from ..statistics import BOUNDS_SENTENCE, INTERVAL_PREDICTIVE

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
WEEKS_AXIS = N_("week (52 weeks = one year)")
"""Title of every time axis."""
DOMAIN = "reports"
"""The message catalogue of the reports (cocreate_sim/locale/*/LC_MESSAGES/reports.po)."""


def label(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Plain-language name of a model column."""
    return column_label(column, lang)


def is_share(column: str) -> bool:
    """True when ``column`` is a share 0-1, shown as a percentage."""
    return COLUMNS[column].unit.startswith("share") if column in COLUMNS else False


def fmt_number(value: float, spec: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``format(value, spec)`` with the language's decimal mark and thousands separator."""
    return number_text(format(value, spec), lang)


def fmt_percent(percent: float, spec: str = ".1f", lang: str = DEFAULT_LANGUAGE) -> str:
    """A number of percent with its sign, as the language writes it: ``12.3%``, ``12,3 %``."""
    return fmt_number(percent, spec, lang) + PERCENT_SIGNS[lang]


def fmt_value(column: str, value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A value as a planner reads it: shares as percentages, counts and hours rounded."""
    if value is None or not math.isfinite(value):
        _ = gettext_for(lang, DOMAIN)
        return _("n/a")
    if is_share(column):
        return fmt_percent(PERCENT * value, ".1f", lang)
    kind = COLUMNS[column].unit if column in COLUMNS else ""
    if kind.startswith("hours") or abs(value) >= ROUND_ABOVE:
        spec = ",.0f"
    elif kind.startswith("count") or kind == "citizens":
        spec = ",.1f"
    else:
        spec = ".3g" if abs(value) < SMALL_VALUE else ".1f"
    return fmt_number(value, spec, lang)


def fmt_diff(column: str, value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A difference with its sign; shares in percentage points."""
    _ = gettext_for(lang, DOMAIN)
    if value is None or not math.isfinite(value):
        return _("n/a")
    if is_share(column):
        return _("{value} pp").format(value=fmt_number(PERCENT * value, "+.1f", lang))
    text = fmt_value(column, abs(value), lang)
    return ("+" if value >= 0 else "-") + text


def unit_text(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The unit shown next to a value: % for shares, else the unit of :data:`COLUMNS`."""
    if is_share(column):
        return "%"
    return unit(COLUMNS[column].unit, lang) if column in COLUMNS else ""


def scale(column: str) -> float:
    """Factor from the model's value to the value shown (100 for shares)."""
    return PERCENT if is_share(column) else 1.0


# ------------------------------------------------------------------ figures
def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` with an opacity, as CSS ``rgba()``."""
    r, g, b = bytes.fromhex(hex_colour.lstrip("#"))
    return f"rgba({r},{g},{b},{alpha})"


def add_band(
    fig: go.Figure,
    bands: pd.DataFrame,
    column: str,
    name: str,
    colour: str,
    row=None,
    col=None,
    lang: str = DEFAULT_LANGUAGE,
    **kw,
):
    """A mean line with its 95% confidence band (band drawn only when there are 2+ replications)."""
    _ = gettext_for(lang, DOMAIN)
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
    week = _("week {week}").format(week="%{x}")
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=(bands["mean"] * s).tolist(),
            name=name,
            legendgroup=name,
            line={"color": colour, "width": LINE_WIDTH, **kw.pop("line", {})},
            hovertemplate=f"{name}<br>{week}<br>{label(column, lang)}: %{{y:.3g}} {unit_text(column, lang)}"
            "<extra></extra>",
            **kw,
        ),
        **loc,
    )


def style(fig: go.Figure, title: str, height: int = FIGURE_HEIGHT, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """The house style: title top left, white template, legend under the figure, weeks on x, the language's numbers."""
    fig.update_layout(
        title={"text": title, "x": TITLE_X, "font": {"size": TITLE_FONT}},
        height=height,
        margin=MARGINS,
        template="plotly_white",
        legend={"orientation": "h", "y": LEGEND_Y, "x": 0},
        hovermode="x unified",
        separators=plotly_separators(lang),
    )
    fig.update_xaxes(title_text=gettext_for(lang, DOMAIN)(WEEKS_AXIS))
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


def num(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A lever's value as written in a scenario file (``0.8``, ``4``), with the language's decimal mark."""
    return number_text(f"{value:g}", lang) if isinstance(value, float) else str(value)


def move_text(moves: Sequence[Move], lang: str = DEFAULT_LANGUAGE) -> str:
    """``leader_dialogue 0.1 → 0.8, discretion 0.3 → 0.5`` (levers by the names scenario files use)."""
    return ", ".join(f"{lever} {num(old, lang)} → {num(new, lang)}" for lever, old, new in moves)


def schedule_marks(
    params: Mapping[str, Mapping[str, Any]],
    schedules: Mapping[str, Sequence[Any]] | None,
    colours: Mapping[str, str],
    lang: str = DEFAULT_LANGUAGE,
) -> list[tuple[int, str, str, str]]:
    """What the figures mark: ``(week, short text, full text, colour)`` per scenario and week where levers change.

    The text is ``week 104: leader_dialogue 0.1 → 0.8``, one lever a line; with
    more than one scenario in the report it starts with a line ``week 104, NAME:``.
    """
    _, ngettext = gettext_for(lang, DOMAIN), ngettext_for(lang, DOMAIN)
    marks = []
    several = len(colours) > 1
    for name, schedule in (schedules or {}).items():
        colour = colours.get(name, SCHEDULE_LINE) if several else SCHEDULE_LINE
        for week, moves in schedule_moves(params.get(name, {}), schedule):
            lines = [move_text([move], lang) for move in moves]
            extra = len(lines) - SCHEDULE_SHOWN
            more = [ngettext("+{n} more", "+{n} more", extra).format(n=extra)] if extra > 0 else []
            shown = lines[:SCHEDULE_SHOWN] + more
            head = _("week {week}, {scenario}:") if several else _("week {week}:")
            head = head.format(week=week, scenario=name)
            text = html.escape(head) + ("<br>" if several else " ") + "<br>".join(map(html.escape, shown))
            marks.append((week, text, f"{head} {move_text(moves, lang)}", colour))
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
.caution{color:#8a4b00;font-size:12px;max-width:520px;font-weight:600}
.ci{color:#777;font-size:11px;display:block} .figure{margin:10px 0 26px} details{margin:12px 0}
summary{cursor:pointer;font-weight:600} .help{color:#555;font-size:14px} code.lever{color:#666;font-size:12px}
"""
"""The page's style sheet (inline: the report is one file)."""

HOW_TO_READ = N_(
    "Each line is the mean over the replications (runs of the same municipality with different random seeds); "
    "the shaded band is the 95% confidence interval of that mean. Where bands of two scenarios do not overlap, "
    "the difference is unlikely to be chance. {bounds} The model is a thinking tool: compare scenarios with each "
    "other rather than reading the numbers as forecasts."
)
"""How to read the figures over time, said once under their heading."""
HOW_TO_READ_POSTERIOR = N_(
    "Each run drew its behavioural constants from the calibrated posterior (docs/calibration.md) and ran on its own "
    "random seed. Each line is the mean over the runs; the shaded band holds 95% of the runs, so it shows the "
    "uncertainty in the constants and the play of chance together (it does not shrink with more runs). {bounds} "
    "The model is a thinking tool: compare scenarios with each other rather than reading the numbers as forecasts."
)
"""How to read the figures when the constants were drawn from the posterior."""

GIT_SHOWN = 12
"""Characters of the git commit shown in a report's header line."""


def tag(name: str, text: str) -> str:
    """``<name>text</name>`` with ``text`` HTML-escaped: a heading, a table cell."""
    return f"<{name}>{html.escape(text)}</{name}>"


def help_text(text: str, **fields: str) -> str:
    """A paragraph of help: ``text`` (already translated) HTML-escaped, then ``fields`` (HTML) put in."""
    return f"<p class='help'>{html.escape(text).format(**fields)}</p>"


def how_to_read(lang: str = DEFAULT_LANGUAGE, predictive: bool = False) -> str:
    """:data:`HOW_TO_READ` (or, for runs drawn from the posterior, :data:`HOW_TO_READ_POSTERIOR`) in ``lang``."""
    _ = gettext_for(lang, DOMAIN)
    text = HOW_TO_READ_POSTERIOR if predictive else HOW_TO_READ
    return help_text(_(text), bounds=html.escape(_(BOUNDS_SENTENCE)))


def is_predictive(frame: pd.DataFrame) -> bool:
    """Whether a summary or differences table was drawn from the posterior (its ``interval`` column says so)."""
    return "interval" in frame.columns and bool((frame["interval"] == INTERVAL_PREDICTIVE).any())


def interval_text(row: Mapping[str, Any], low: str, high: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``95% CI a to b``, or ``95% of runs a to b`` for a row drawn from the posterior."""
    _ = gettext_for(lang, DOMAIN)
    if row.get("interval") == INTERVAL_PREDICTIVE:
        return _("95% of runs {low} to {high}").format(low=low, high=high)
    return _("95% CI {low} to {high}").format(low=low, high=high)


GOOD_WORDS = {"higher": N_("higher"), "lower": N_("lower"), "closer to 1": N_("closer to 1")}
"""How a report says which way an outcome is better (:data:`cocreate_sim.statistics.GOOD_DIRECTION`)."""


def posterior_file(provenance: Mapping[str, Any]) -> str:
    """The posterior a results folder drew from, as its provenance names it (empty for the point model)."""
    posterior = provenance.get("posterior")
    return str(posterior.get("file", "")) if isinstance(posterior, Mapping) else ""


def conclusions_problem(provenance: Mapping[str, Any]) -> str:
    """Why a folder drawn from a posterior holds no robust-conclusions table, as its provenance records it."""
    posterior = provenance.get("posterior")
    status = posterior.get("robust_conclusions") if isinstance(posterior, Mapping) else None
    return str(status) if status else "none"


def good_text(good: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """``higher``, ``lower`` or ``closer to 1`` in ``lang``; empty for an outcome with no better direction."""
    _ = gettext_for(lang, DOMAIN)
    return _(GOOD_WORDS[good]) if good in GOOD_WORDS else ""


def page(title: str, body: list[str], lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole HTML page in ``lang``, with the style sheet and plotly.js inline (it opens offline)."""
    return (
        f'<!DOCTYPE html><html lang="{check_language(lang)}"><head><meta charset="utf-8">'
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


def meta(info: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The report's header line: horizon, replications and seeds, versions, when it was made."""
    _, ngettext = gettext_for(lang, DOMAIN), ngettext_for(lang, DOMAIN)
    prov = info.get("provenance", {})
    runs = info["replications"]
    parts = [
        ngettext("{n} week", "{n} weeks", info["steps"]).format(n=info["steps"]),
        ngettext("{n} replication (seeds {seeds})", "{n} replications (seeds {seeds})", runs).format(
            n=runs, seeds=info["seeds"]
        ),
        *(
            [
                _("constants drawn from the posterior: {draws} draws x {seeds} seeds").format(
                    draws=prov["posterior"].get("draws", "?"), seeds=prov["posterior"].get("seeds_per_draw", "?")
                )
            ]
            if isinstance(prov.get("posterior"), Mapping)
            else []
        ),
        f"cocreate_sim {prov.get('package_version', '?')}",
        "git " + str(prov.get("git_commit", _("unknown")))[:GIT_SHOWN],
        f"Mesa {prov.get('mesa_version', '?')}, Python {prov.get('python_version', '?')}",
        _("made {when}").format(when=prov.get("timestamp_utc", "")),
    ]
    return f"<p class='meta'>{html.escape(' · '.join(parts))}</p>"


def seed_text(seeds: Sequence[int]) -> str:
    """``1–10`` for consecutive seeds, or the one seed."""
    seeds = list(seeds)
    return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])

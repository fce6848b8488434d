"""What the server sends the page each tick: only what changed since the page's last frame.

Why frames: sending whole figures every tick cost 22-34 kB and most of the
server's time in JSON encoding (docs/reliability.md, item 10). A frame holds
the chart points the page does not have yet (the page says which week it has),
the organisation pictures' moving parts, the monitors and the lever-change
markers; the browser (``cocreate.js``) adds the points to its charts and draws
the pictures' moving parts, on a canvas while the run plays (``live.js``) and
with Plotly when it stops. Chart
skeletons (titles, axes, styles) and the pictures' fixed parts are sent only
when a run starts or the page has lost track.

Charts use the Okabe-Ito palette, and every series also has its own marker
symbol, with run B dashed, so series stay distinguishable without colour.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from .. import __version__
from ..i18n import N_, gettext_for, lever_label
from ..metrics import COLUMNS
from ..model import CoCreationModel
from ..params import PARAMETERS

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
"""The Okabe-Ito colour-blind-safe palette (blue, vermillion, green, purple, orange, sky blue, black)."""
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x")
"""Marker symbol of each series in a chart, in order, so series differ in shape as well as colour."""
RUN_DASHES = ("solid", "dash")
"""Line style of run A and run B."""
MARKERS_SHOWN = 14
"""Markers drawn along a line (plotly's ``maxdisplayed``): enough to tell series apart, few enough to read."""
CHART_DIGITS = 4
"""Decimal places of chart values sent to the page."""
MONITOR_DIGITS = 3
"""Decimal places of monitor values sent to the page."""
CHART_HEIGHT = 270
"""Height of each chart in pixels (the projector view scales text, not this)."""
CHART_MARGIN = {"l": 50, "r": 10, "t": 36, "b": 62}
"""Chart margins in pixels (room for the axis titles and the legend below)."""
MARKER_COLOUR = "#555555"
"""Colour of the vertical line marking a lever change."""
REFERENCE_COLOUR = "#999999"
"""Colour of a chart's dotted reference line."""

Translate = Callable[[str], str]

CHARTS: dict[str, tuple[str, tuple[tuple[str, str], ...], str]] = {
    "uptake": (
        N_("Uptake, mind-set and practice"),
        (("uptake", N_("uptake")), ("mindset_mean", N_("mean mind-set")), ("practice_mean", N_("mean practice"))),
        N_("share 0-1"),
    ),
    "inclusion": (
        N_("Inclusion of weak groups (1 = in proportion)"),
        (
            ("inclusion_ratio", N_("inclusion ratio")),
            ("weak_share_participants", N_("weak share of participants")),
        ),
        N_("ratio / share"),
    ),
    "outcomes": (
        N_("Initiatives by outcome (cumulative)"),
        (
            ("initiatives_completed", N_("completed")),
            ("initiatives_failed", N_("failed")),
            ("initiatives_abandoned", N_("abandoned")),
            ("initiatives_active", N_("active now")),
        ),
        N_("initiatives"),
    ),
    "backlog": (
        N_("Backlog and trust"),
        (("backlog_weeks", N_("backlog (weeks of operations)")), ("trust_mean", N_("citizens' trust"))),
        N_("weeks / 0-1"),
    ),
}
"""Chart key -> (title, (column, short label) pairs, y-axis title); every column is a model column."""
REFERENCE_LINES = {"inclusion": 1.0}
"""Chart key -> height of a dotted reference line (inclusion: 1 = in proportion)."""
DERIVED: dict[str, Callable[[dict[str, list]], list[float]]] = {}
"""Chart series computed from model columns (filled below)."""


def _backlog_weeks(table: dict[str, list]) -> list[float]:
    """Backlog in weeks of operations hours, so it shares an axis with 0-1 trust."""
    hours = table["hours_operations"]
    return [b / h if h > 0 else 0.0 for b, h in zip(table["backlog"], hours, strict=True)]


DERIVED["backlog_weeks"] = _backlog_weeks

MONITORS: tuple[tuple[str, str], ...] = (
    ("uptake", N_("Uptake of co-creation")),
    ("weak", N_("Weak groups: share of participants / of inhabitants")),
    ("backlog", N_("Backlog (hours)")),
    ("trust", N_("Citizens' trust")),
)
"""The large-number monitors: key and label."""


def _series(table: dict[str, list], column: str, since: int, until: int | None) -> list[float]:
    values = DERIVED[column](table) if column in DERIVED else table[column]
    end = None if until is None else until + 1
    return [round(float(v), CHART_DIGITS) for v in values[since + 1 : end]]


def chart_skeletons(labels: list[str], horizon: int, lang: str) -> dict[str, dict[str, Any]]:
    """Empty charts with their traces named and styled, one trace per (series, run), series-major."""
    _ = gettext_for(lang, "app")
    meaning = gettext_for(lang, "reports")  # column meanings are shared with the reports
    return {key: _skeleton(key, labels, horizon, _, meaning) for key in CHARTS}


def _skeleton(key: str, labels: list[str], horizon: int, _: Translate, meaning_of: Translate) -> dict[str, Any]:
    title, series, unit = CHARTS[key]
    traces = []
    for s, (column, short) in enumerate(series):
        meaning = meaning_of(COLUMNS[column].meaning) if column in COLUMNS else _(short)
        for k, label in enumerate(labels):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": [],
                    "y": [],
                    "name": _(short) if len(labels) == 1 else _(short) + f" ({label})",
                    "legendgroup": column,
                    "line": {"color": OKABE_ITO[s], "width": 2, "dash": RUN_DASHES[k]},
                    "marker": {"symbol": SYMBOLS[s], "size": 7, "maxdisplayed": MARKERS_SHOWN},
                    "hovertemplate": meaning + "<br>" + _("week") + " %{x}: %{y:.3f}<extra></extra>",
                }
            )
    shapes = []
    if key in REFERENCE_LINES:
        height = REFERENCE_LINES[key]
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y",
                "x0": 0,
                "x1": horizon,
                "y0": height,
                "y1": height,
                "line": {"color": REFERENCE_COLOUR, "dash": "dot", "width": 1},
                "layer": "below",  # under the traces, where the live canvas leaves it too (live.js)
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": _(title), "x": 0.02, "font": {"size": 15}},
            "height": CHART_HEIGHT,
            "margin": dict(CHART_MARGIN),
            "xaxis": {"title": {"text": _("week"), "standoff": 2}, "range": [0, horizon]},
            "yaxis": {"title": {"text": _(unit)}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.3},
            "shapes": shapes,
            "plot_bgcolor": "#fafafa",
            "paper_bgcolor": "white",
            "uirevision": key,
        },
        "reference_shapes": len(shapes),
    }


def chart_points(models: list[CoCreationModel], since: int, until: int | None = None) -> dict[str, dict[str, list]]:
    """Points after week ``since`` (up to ``until``, else the last) of every chart trace, in the skeleton's order."""
    tables = [m.datacollector.model_vars for m in models]
    n = len(tables[0]["uptake"]) if until is None else until + 1
    weeks = list(range(since + 1, n))
    out = {}
    for key, (_title, series, _unit) in CHARTS.items():
        xs, ys = [], []
        for column, _short in series:
            for table in tables:
                xs.append(weeks)
                ys.append(_series(table, column, since, until))
        out[key] = {"x": xs, "y": ys}
    return out


def monitor_values(model: CoCreationModel) -> dict[str, float]:
    """This week's headline outcomes of one run (the monitors)."""
    table = model.datacollector.model_vars
    last = {c: float(table[c][-1]) for c in ("uptake", "weak_share_participants", "weak_share_population")}
    last["backlog"] = float(table["backlog"][-1])
    last["trust_mean"] = float(table["trust_mean"][-1])
    last["participants"] = float(table["participants"][-1])
    return {k: round(v, MONITOR_DIGITS) for k, v in last.items()}


def monitor_texts(values: dict[str, float], lang: str) -> list[str]:
    """The four monitor texts of one run, in the order of MONITORS."""
    _ = gettext_for(lang, "app")
    weak = (
        f"{100 * values['weak_share_participants']:.0f}% / {100 * values['weak_share_population']:.0f}%"
        if values["participants"] > 0
        else _("nobody takes part") + f" / {100 * values['weak_share_population']:.0f}%"
    )
    return [
        f"{100 * values['uptake']:.0f}%",
        weak,
        f"{values['backlog']:,.0f}".replace(",", " "),
        f"{values['trust_mean']:.2f}",
    ]


def marker_label(name: str, value: float | int, lang: str) -> str:
    """A lever change as the vertical marker's label: 'Leader dialogue = 0.8'."""
    return f"{lever_label(name, lang)} = {value:g}"


def csv_text(
    models: list[CoCreationModel],
    header: list[tuple[str, str]],
    run_labels: list[str],
) -> str:
    """The run's weekly time series (every model column), both runs when side by side, header lines first.

    Header lines start with ``#`` (``pandas.read_csv(..., comment="#")`` skips them) and say what was run:
    package version, preset, seed, levers, the compared lever and every mid-run lever change.
    """
    buffer = io.StringIO()
    buffer.write(f"# cocreate_sim {__version__}: weekly time series from the classroom app\n")
    for key, value in header:
        buffer.write(f"# {key}: {value}\n")
    columns = [c for c in COLUMNS if c in models[0].datacollector.model_vars]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "week", *columns])
    for label, model in zip(run_labels, models, strict=True):
        table = model.datacollector.model_vars
        for week in range(len(table[columns[0]])):
            writer.writerow([label, week, *(_csv_value(table[c][week]) for c in columns)])
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    return f"{float(value):.6g}"


def levers_text(levers: dict[str, Any]) -> str:
    """Levers as 'name=value; ...' for a CSV header (only those a lever table declares)."""
    return "; ".join(f"{k}={v:g}" for k, v in sorted(levers.items()) if k in PARAMETERS)

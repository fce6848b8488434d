"""Pictures for the app, as plain plotly figure dictionaries (cheap to build and send).

The organisation picture puts departments on a ring, one cluster of workers
each, coloured from red (New Public Management habits) to green (co-creation
in mind-set and practice), front figures as stars and burnt-out workers as
crosses. Around it sit citizens in three arcs by resource group (a fixed
sample, plus everyone now taking part); lines join each initiative's lead
worker to its citizens and helpers. Positions are computed once per model
from indices alone, so drawing never touches the model's random generator.

The picture is built from named parts: :func:`initiative_traces`,
:func:`citizen_traces`, :func:`worker_traces`, :func:`waiting_trace`,
:func:`department_labels` and :func:`citizen_labels`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..initiatives import Stage
from ..metrics import COLUMNS
from ..model import CoCreationModel

# ------------------------------------------------------------------ geometry
GROUP_NAMES = ("weak resources", "middle resources", "strong resources")
"""Citizens' resource groups, in the order of ``population.group`` (0, 1, 2)."""
N_GROUPS = len(GROUP_NAMES)
"""Number of resource groups, one arc of citizens each."""
GOLDEN = 0.6180339887498949
"""The golden ratio's fractional part: spreads citizens evenly between the arc's inner and outer radius."""
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
"""Angle between successive workers in a cluster (a sunflower pattern, no overlaps)."""
RING = 1.0
"""Radius of the ring the department clusters sit on."""
MAX_CLUSTER_RADIUS = 0.34
"""Largest radius of one department's cluster of workers."""
CLUSTER_FILL = 0.85
"""A cluster's radius as a share of half the distance between neighbouring departments (few departments)."""
CITIZENS_INNER, CITIZENS_OUTER = 1.55, 2.05
"""Inner and outer radius of the citizens' arcs."""
ARC_GAP = 0.08
"""Angle (radians) left empty between two arcs of citizens."""
MIN_LABELLED_ARC = 0.05
"""An arc narrower than this (radians) gets no label."""
LIMIT = 2.45
"""Half the width and height of the visible picture."""
SIDE_ROOM = 0.4
"""Extra width on the left and right for the arcs' labels."""
DEPARTMENT_LABEL_GAP = 0.09
"""Distance between a cluster's top and its department's name."""
ARC_LABEL_X, ARC_LABEL_Y = 2.12, 2.2
"""Horizontal and vertical radius at which the arcs' labels sit."""
SIDEWAYS = 0.3
"""A label whose direction's cosine (or sine) exceeds this is anchored to the side (or top/bottom)."""

# ------------------------------------------------------------- what is drawn
CITIZEN_SAMPLE = 300
"""Citizens always drawn, faint, as the background of each arc."""
MAX_PARTICIPANTS_DRAWN = 800
"""Most citizens taking part drawn (with their links), so a figure stays small."""
POSITION_DIGITS = 4
"""Decimal places of positions sent to the browser."""
SHIFT_DIGITS = 3
"""Decimal places of a worker's shift (the marker colour)."""
CHART_DIGITS = 5
"""Decimal places of chart values."""

# ------------------------------------------------------------------ colours
GROUP_COLOURS = ("#e66101", "#8c96a0", "#2c5d9b")
"""Orange, grey and blue for the weak, middle and strong resource groups."""
SHIFT_SCALE = [[0.0, "#c0392b"], [0.35, "#f1c40f"], [1.0, "#1e8449"]]
"""Worker colour by shift: red (old habits) through yellow to green (co-creation)."""
LINK_COLOUR = "rgba(30,132,73,0.45)"
"""Lines from an initiative's lead to its citizens."""
HELP_COLOUR = "rgba(90,90,90,0.6)"
"""Dotted lines from an initiative's lead to helping colleagues."""
PARTICIPANT_EDGE = "#222"
"""Outline of a citizen taking part."""
WORKER_EDGE = "#333"
"""Outline of a worker."""
LABEL_COLOUR = "#333"
"""Department names."""
WAITING_COLOUR = "#7d3c98"
"""Purple ring around a worker whose idea waits for approval."""
REFERENCE_COLOUR = "#999"
"""The dotted line at 1 on the inclusion chart."""
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
"""One colour per series of a chart (A solid, B dashed in the same colour)."""
CHART_BACKGROUND = "#fafafa"
"""Plot area of the charts."""

# -------------------------------------------------------------------- sizes
ORG_HEIGHT = 520
"""Height of an organisation picture in pixels."""
CHART_HEIGHT = 270
"""Height of a chart in pixels."""
LINK_WIDTH = 1.2
"""Width of a line from lead to citizen."""
HELP_WIDTH = 1.5
"""Width of a line from lead to helper."""
SAMPLE_SIZE = 5
"""Marker size of a background citizen."""
SAMPLE_OPACITY = 0.35
"""Opacity of a background citizen."""
PARTICIPANT_SIZE = 8
"""Marker size of a citizen taking part."""
WORKER_SIZE = 10
"""Marker size of a worker (and of a burnt-out worker's cross)."""
CHAMPION_SIZE = 16
"""Marker size of a front figure's star."""
WAITING_SIZE = 17
"""Size of the ring around a worker whose idea waits for approval."""
WAITING_LINE = 2
"""Line width of that ring."""
COLORBAR_THICKNESS = 10
"""Width of the shift colour bar in pixels."""
COLORBAR_LENGTH = 0.5
"""Length of the shift colour bar as a share of the picture's height."""
SERIES_WIDTH = 2
"""Line width of a chart's series."""
ORG_TITLE_SIZE, CHART_TITLE_SIZE = 14, 13
"""Font sizes of the titles."""
LABEL_SIZE = 11
"""Font size of labels in the picture and of a chart's x-axis title."""
SMALL_SIZE = 10
"""Font size of legends and of a chart's y-axis title."""
TITLE_X = 0.02
"""Titles start this far from the left edge (share of the width)."""
ORG_MARGIN = {"l": 5, "r": 5, "t": 40, "b": 5}
"""Margins around an organisation picture in pixels."""
CHART_MARGIN = {"l": 45, "r": 10, "t": 36, "b": 58}
"""Margins around a chart in pixels (room for the legend below)."""
ORG_LEGEND_Y, CHART_LEGEND_Y = -0.02, -0.36
"""Vertical position of the legends below the plot (share of the plot's height)."""
X_TITLE_STANDOFF = 2
"""Gap in pixels between a chart's x axis and its title."""

WORKER_KINDS: tuple[tuple[str, str, int], ...] = (
    ("worker", "circle", WORKER_SIZE),
    ("front figure (champion)", "star", CHAMPION_SIZE),
    ("burnt out", "x", WORKER_SIZE),
)
"""Legend name, marker symbol and size of each kind of worker, in drawing order."""

Point = tuple[float, float]


class OrgLayout:
    """Fixed positions of one model's workers and citizens (depends on indices only)."""

    def __init__(self, model: CoCreationModel) -> None:
        self._place_workers(model.departments)
        self._place_citizens(np.asarray(model.population.group))

    def _place_workers(self, departments: list[Any]) -> None:
        """Departments on a ring (the first at the top, clockwise), workers in a sunflower around each centre."""
        n_dep = len(departments)
        self.cluster_radius = min(MAX_CLUSTER_RADIUS, CLUSTER_FILL * math.sin(math.pi / n_dep))
        self.centres: list[Point] = []
        self.workers: dict[int, Point] = {}
        for d, dept in enumerate(departments):
            angle = math.pi / 2 - 2 * math.pi * d / n_dep
            cx, cy = RING * math.cos(angle), RING * math.sin(angle)
            self.centres.append((cx, cy))
            m = len(dept.workers)
            for k, worker in enumerate(dept.workers):
                r = self.cluster_radius * math.sqrt((k + 0.5) / m)
                phi = k * GOLDEN_ANGLE
                self.workers[id(worker)] = (cx + r * math.cos(phi), cy + r * math.sin(phi))

    def _place_citizens(self, group: np.ndarray) -> None:
        """One arc per resource group, its length in proportion to the group; a fixed sample for the background."""
        n = len(group)
        counts = np.bincount(group, minlength=N_GROUPS).astype(float)
        usable = 2 * math.pi - N_GROUPS * ARC_GAP
        spans = usable * counts / max(1.0, counts.sum())
        start = -math.pi / 2 - spans[0] / 2  # the weak arc is centred at the bottom
        self.arcs: list[tuple[float, float]] = []
        for g in range(N_GROUPS):
            self.arcs.append((start, start + spans[g]))
            start += spans[g] + ARC_GAP
        x = np.empty(n)
        y = np.empty(n)
        for g in range(N_GROUPS):
            idx = np.flatnonzero(group == g)
            if not len(idx):
                continue
            rank = np.arange(len(idx))
            a0, a1 = self.arcs[g]
            angle = a0 + (a1 - a0) * (rank + 0.5) / len(idx)
            radius = CITIZENS_INNER + (CITIZENS_OUTER - CITIZENS_INNER) * np.mod((rank + 0.5) * GOLDEN, 1.0)
            x[idx] = radius * np.cos(angle)
            y[idx] = radius * np.sin(angle)
        self.citizen_x = x
        self.citizen_y = y
        self.group = group
        self.sample = np.unique(np.linspace(0, n - 1, min(n, CITIZEN_SAMPLE)).round().astype(np.int64))


def _short(name: str) -> str:
    return name.split(" (")[0].split(" and ")[0]


def _rounded(values: np.ndarray) -> list[float]:
    return values.round(POSITION_DIGITS).tolist()


# -------------------------------------------------------- the organisation
def organisation_figure(model: CoCreationModel, layout: OrgLayout, title: str) -> dict[str, Any]:
    """The live picture of one municipality this week."""
    joined = np.flatnonzero(model.population.initiative >= 0)[:MAX_PARTICIPANTS_DRAWN]
    traces = [
        *initiative_traces(model, layout, joined),
        *citizen_traces(layout, joined),
        *worker_traces(model, layout),
        waiting_trace(model, layout),
    ]
    annotations = department_labels(model, layout) + citizen_labels(layout)
    return {"data": traces, "layout": _org_layout(title, annotations)}


def initiative_traces(model: CoCreationModel, layout: OrgLayout, joined: np.ndarray) -> list[dict[str, Any]]:
    """Initiatives as links: lead -> participating citizens, lead -> helping colleagues."""
    pos = layout.workers
    population = model.population
    lead_of = {ini.uid: pos.get(id(ini.lead)) for ini in model.active}
    link_x: list[float | None] = []
    link_y: list[float | None] = []
    for i, uid in zip(joined.tolist(), population.initiative[joined].tolist(), strict=True):
        start = lead_of.get(uid)
        if start is None:
            continue
        link_x += [start[0], float(layout.citizen_x[i]), None]
        link_y += [start[1], float(layout.citizen_y[i]), None]
    help_x: list[float | None] = []
    help_y: list[float | None] = []
    for ini in model.active:
        start = pos.get(id(ini.lead))
        if start is None:
            continue
        for helper in ini.helpers:
            end = pos.get(id(helper))
            if end is not None:
                help_x += [start[0], end[0], None]
                help_y += [start[1], end[1], None]
    return [
        _lines(link_x, link_y, "initiative ↔ citizen", LINK_COLOUR, LINK_WIDTH),
        _lines(help_x, help_y, "colleague helping", HELP_COLOUR, HELP_WIDTH, dash="dot"),
    ]


def citizen_traces(layout: OrgLayout, joined: np.ndarray) -> list[dict[str, Any]]:
    """Citizens: a fixed background sample per group, then everyone taking part now."""
    sample = layout.sample
    traces = [
        _citizen_dots(
            layout,
            sample[layout.group[sample] == g],
            f"citizen, {GROUP_NAMES[g]}",
            g,
            {"size": SAMPLE_SIZE, "color": GROUP_COLOURS[g], "opacity": SAMPLE_OPACITY},
        )
        for g in range(N_GROUPS)
    ]
    traces += [
        _citizen_dots(
            layout,
            joined[layout.group[joined] == g],
            f"taking part, {GROUP_NAMES[g]}",
            g,
            {"size": PARTICIPANT_SIZE, "color": GROUP_COLOURS[g], "line": {"width": 1, "color": PARTICIPANT_EDGE}},
            showlegend=False,
        )
        for g in range(N_GROUPS)
    ]
    return traces


def _citizen_dots(
    layout: OrgLayout, idx: np.ndarray, name: str, group: int, marker: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """One group's citizens as dots at their fixed places on the citizens' arc."""
    return {
        "type": "scatter",
        "mode": "markers",
        "x": _rounded(layout.citizen_x[idx]),
        "y": _rounded(layout.citizen_y[idx]),
        "name": name,
        "legendgroup": f"g{group}",
        **extra,
        "marker": marker,
        "hoverinfo": "name",
    }


def _worker_kind(worker: Any) -> str:
    if worker.burnt_out:
        return "burnt out"
    return "front figure (champion)" if worker.champion else "worker"


def worker_traces(model: CoCreationModel, layout: OrgLayout) -> list[dict[str, Any]]:
    """Workers: colour = shift, star = front figure, cross = burnt out; the first trace carries the colour bar."""
    by_kind: dict[str, list[Any]] = {label: [] for label, _, _ in WORKER_KINDS}
    for dept in model.departments:
        for w in dept.workers:
            by_kind[_worker_kind(w)].append(w)
    traces = []
    for n, (label, symbol, size) in enumerate(WORKER_KINDS):
        workers = by_kind[label]
        xy = [layout.workers[id(w)] for w in workers]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [round(p[0], POSITION_DIGITS) for p in xy],
                "y": [round(p[1], POSITION_DIGITS) for p in xy],
                "name": label,
                "marker": {
                    "size": size,
                    "symbol": symbol,
                    "color": [round(w.shift, SHIFT_DIGITS) for w in workers],
                    "cmin": 0.0,
                    "cmax": 1.0,
                    "colorscale": SHIFT_SCALE,
                    "showscale": n == 0,
                    "colorbar": {
                        "title": {"text": "shift", "side": "right"},
                        "thickness": COLORBAR_THICKNESS,
                        "len": COLORBAR_LENGTH,
                    },
                    "line": {"width": 1, "color": WORKER_EDGE},
                },
                "text": [
                    f"{_short(w.department.name)}: mind-set {w.mindset:.2f}, practice {w.practice:.2f}, "
                    f"energy {w.energy:.2f}, leads {len(w.led)}"
                    for w in workers
                ],
                "hoverinfo": "text",
            }
        )
    return traces


def waiting_trace(model: CoCreationModel, layout: OrgLayout) -> dict[str, Any]:
    """A ring around each lead whose initiative waits for approval."""
    waiting: list[Point] = []
    for ini in model.active:
        start = layout.workers.get(id(ini.lead))
        if start is not None and ini.stage is Stage.APPROVAL:
            waiting.append(start)
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [p[0] for p in waiting],
        "y": [p[1] for p in waiting],
        "name": "idea waiting for approval",
        "marker": {
            "size": WAITING_SIZE,
            "symbol": "circle-open",
            "color": WAITING_COLOUR,
            "line": {"width": WAITING_LINE},
        },
        "hoverinfo": "name",
    }


def department_labels(model: CoCreationModel, layout: OrgLayout) -> list[dict[str, Any]]:
    """Each department's short name above its cluster."""
    return [
        {
            "x": cx,
            "y": cy + layout.cluster_radius + DEPARTMENT_LABEL_GAP,
            "text": _short(dept.name),
            "showarrow": False,
            "font": {"size": LABEL_SIZE, "color": LABEL_COLOUR},
        }
        for dept, (cx, cy) in zip(model.departments, layout.centres, strict=True)
    ]


def citizen_labels(layout: OrgLayout) -> list[dict[str, Any]]:
    """Each arc's resource group, outside the arc's middle (side labels broken over lines)."""
    labels = []
    for g, (a0, a1) in enumerate(layout.arcs):
        if a1 - a0 < MIN_LABELLED_ARC:
            continue
        mid = 0.5 * (a0 + a1)
        cos, sin = math.cos(mid), math.sin(mid)
        name = GROUP_NAMES[g].replace(" ", "<br>") if abs(cos) > SIDEWAYS else GROUP_NAMES[g]
        labels.append(
            {
                "x": ARC_LABEL_X * cos,
                "y": ARC_LABEL_Y * sin,
                "text": "citizens,<br>" + name,
                "showarrow": False,
                "xanchor": "right" if cos < -SIDEWAYS else ("left" if cos > SIDEWAYS else "center"),
                "yanchor": "top" if sin < -SIDEWAYS else ("bottom" if sin > SIDEWAYS else "middle"),
                "font": {"size": LABEL_SIZE, "color": GROUP_COLOURS[g]},
            }
        )
    return labels


def _org_layout(title: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    axis = {"visible": False, "range": [-LIMIT, LIMIT], "fixedrange": True}
    x_axis = {**axis, "range": [-LIMIT - SIDE_ROOM, LIMIT + SIDE_ROOM]}  # room for the side labels
    return {
        "title": {"text": title, "font": {"size": ORG_TITLE_SIZE}, "x": TITLE_X},
        "height": ORG_HEIGHT,
        "margin": dict(ORG_MARGIN),
        "xaxis": x_axis,
        "yaxis": {**axis, "scaleanchor": "x"},
        "showlegend": True,
        "legend": {"orientation": "h", "y": ORG_LEGEND_Y, "font": {"size": SMALL_SIZE}},
        "annotations": annotations,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "uirevision": "org",
    }


def _lines(x: list, y: list, name: str, colour: str, width: float, dash: str = "solid") -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": x,
        "y": y,
        "name": name,
        "line": {"color": colour, "width": width, "dash": dash},
        "hoverinfo": "skip",
    }


# ------------------------------------------------------------------- charts
CHARTS: dict[str, tuple[str, tuple[tuple[str, str], ...], str]] = {
    "uptake": (
        "Uptake: workers who choose to co-create",
        (("uptake", "uptake"), ("mindset_mean", "mind-set"), ("practice_mean", "practice")),
        "share 0-1",
    ),
    "inclusion": (
        "Inclusion of weak groups (1 = in proportion)",
        (("inclusion_ratio", "inclusion ratio"), ("weak_share_participants", "weak share of participants")),
        "ratio / share",
    ),
    "outcomes": (
        "Initiatives by outcome (cumulative)",
        (
            ("initiatives_completed", "completed"),
            ("initiatives_failed", "failed"),
            ("initiatives_abandoned", "abandoned"),
            ("initiatives_active", "active now"),
        ),
        "initiatives",
    ),
    "dropout": (
        "Drop-out: citizens who left before the end",
        (("dropout_rate", "drop-out rate"),),
        "share of all who joined",
    ),
}
"""Chart key -> (title, (column, short label) pairs, y-axis title)."""

REFERENCE_LINES = {"inclusion": 1}
"""Chart key -> height of a dotted reference line across the chart (inclusion: 1 = in proportion)."""


def chart_figures(models: list[CoCreationModel], labels: list[str], horizon: int) -> dict[str, dict[str, Any]]:
    """The time-series charts; with two models, B is drawn dashed over A."""
    tables = [m.datacollector.model_vars for m in models]
    return {key: _chart(key, tables, labels, horizon) for key in CHARTS}


def _chart(key: str, tables: list[dict[str, list]], labels: list[str], horizon: int) -> dict[str, Any]:
    title, series, unit = CHARTS[key]
    traces = []
    for s, (column, short) in enumerate(series):
        for k, (table, label) in enumerate(zip(tables, labels, strict=True)):
            name = short if len(tables) == 1 else f"{short} ({label})"
            traces.append(_series_trace(table[column], column, name, SERIES_COLOURS[s], dashed=k > 0))
    shapes = [_reference_line(REFERENCE_LINES[key], horizon)] if key in REFERENCE_LINES else []
    return {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": CHART_TITLE_SIZE}, "x": TITLE_X},
            "height": CHART_HEIGHT,
            "margin": dict(CHART_MARGIN),
            "xaxis": {
                "title": {"text": "week", "font": {"size": LABEL_SIZE}, "standoff": X_TITLE_STANDOFF},
                "range": [0, horizon],
            },
            "yaxis": {"title": {"text": unit, "font": {"size": SMALL_SIZE}}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": CHART_LEGEND_Y, "font": {"size": SMALL_SIZE}},
            "shapes": shapes,
            "plot_bgcolor": CHART_BACKGROUND,
            "uirevision": key,
        },
    }


def _series_trace(values: list, column: str, name: str, colour: str, dashed: bool) -> dict[str, Any]:
    """One column of one model's DataCollector as a line, hover text from the column's meaning."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": list(range(len(values))),
        "y": [round(float(v), CHART_DIGITS) for v in values],
        "name": name,
        "legendgroup": column,
        "line": {"color": colour, "width": SERIES_WIDTH, "dash": "dash" if dashed else "solid"},
        "hovertemplate": f"{COLUMNS[column].meaning}<br>week %{{x}}: %{{y:.3f}}<extra></extra>",
    }


def _reference_line(height: float, horizon: int) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": 0,
        "x1": horizon,
        "y0": height,
        "y1": height,
        "line": {"color": REFERENCE_COLOUR, "dash": "dot", "width": 1},
    }

"""Pictures for the app, as plain plotly figure dictionaries (cheap to build and send).

The organisation picture puts departments on a ring, one cluster of workers
each, coloured from red (New Public Management habits) to green (co-creation
in mind-set and practice), front figures as stars and burnt-out workers as
crosses. Around it sit citizens in three arcs by resource group (a fixed
sample, plus everyone now taking part); lines join each initiative's lead
worker to its citizens and helpers. Positions are computed once per model
from indices alone, so drawing never touches the model's random generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..initiatives import Stage
from ..metrics import COLUMNS
from ..model import CoCreationModel

GROUP_NAMES = ("weak resources", "middle resources", "strong resources")
GROUP_COLOURS = ("#e66101", "#8c96a0", "#2c5d9b")
SHIFT_SCALE = [[0.0, "#c0392b"], [0.35, "#f1c40f"], [1.0, "#1e8449"]]
CITIZEN_SAMPLE = 300
MAX_PARTICIPANTS_DRAWN = 800
GOLDEN = 0.6180339887498949
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
RING = 1.0
CITIZENS_INNER, CITIZENS_OUTER = 1.55, 2.05
LIMIT = 2.45
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
CHART_HEIGHT = 270
ORG_HEIGHT = 520


class OrgLayout:
    """Fixed positions of one model's workers and citizens (depends on indices only)."""

    def __init__(self, model: CoCreationModel) -> None:
        departments = model.departments
        n_dep = len(departments)
        self.cluster_radius = min(0.34, 0.85 * math.sin(math.pi / n_dep))
        self.centres: list[tuple[float, float]] = []
        self.workers: dict[int, tuple[float, float]] = {}
        for d, dept in enumerate(departments):
            angle = math.pi / 2 - 2 * math.pi * d / n_dep
            cx, cy = RING * math.cos(angle), RING * math.sin(angle)
            self.centres.append((cx, cy))
            m = len(dept.workers)
            for k, worker in enumerate(dept.workers):
                r = self.cluster_radius * math.sqrt((k + 0.5) / m)
                phi = k * GOLDEN_ANGLE
                self.workers[id(worker)] = (cx + r * math.cos(phi), cy + r * math.sin(phi))
        group = np.asarray(model.population.group)
        n = len(group)
        counts = np.bincount(group, minlength=3).astype(float)
        gap = 0.08
        usable = 2 * math.pi - 3 * gap
        spans = usable * counts / max(1.0, counts.sum())
        start = -math.pi / 2 - spans[0] / 2  # the weak arc is centred at the bottom
        self.arcs: list[tuple[float, float]] = []
        for g in range(3):
            self.arcs.append((start, start + spans[g]))
            start += spans[g] + gap
        x = np.empty(n)
        y = np.empty(n)
        for g in range(3):
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


def organisation_figure(model: CoCreationModel, layout: OrgLayout, title: str) -> dict[str, Any]:
    """The live picture of one municipality this week."""
    pos = layout.workers
    traces: list[dict[str, Any]] = []

    # initiatives as links: lead -> participating citizens, lead -> helping colleagues
    population = model.population
    joined = np.flatnonzero(population.initiative >= 0)[:MAX_PARTICIPANTS_DRAWN]
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
    waiting: list[tuple[float, float]] = []
    for ini in model.active:
        start = pos.get(id(ini.lead))
        if start is None:
            continue
        if ini.stage is Stage.APPROVAL:
            waiting.append(start)
        for helper in ini.helpers:
            end = pos.get(id(helper))
            if end is not None:
                help_x += [start[0], end[0], None]
                help_y += [start[1], end[1], None]
    traces.append(_lines(link_x, link_y, "initiative ↔ citizen", "rgba(30,132,73,0.45)", 1.2))
    traces.append(_lines(help_x, help_y, "colleague helping", "rgba(90,90,90,0.6)", 1.5, dash="dot"))

    # citizens: a fixed background sample, then everyone taking part now
    sample = layout.sample
    for g in range(3):
        idx = sample[layout.group[sample] == g]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": layout.citizen_x[idx].round(4).tolist(),
                "y": layout.citizen_y[idx].round(4).tolist(),
                "name": f"citizen, {GROUP_NAMES[g]}",
                "legendgroup": f"g{g}",
                "marker": {"size": 5, "color": GROUP_COLOURS[g], "opacity": 0.35},
                "hoverinfo": "name",
            }
        )
    for g in range(3):
        idx = joined[layout.group[joined] == g]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": layout.citizen_x[idx].round(4).tolist(),
                "y": layout.citizen_y[idx].round(4).tolist(),
                "name": f"taking part, {GROUP_NAMES[g]}",
                "legendgroup": f"g{g}",
                "showlegend": False,
                "marker": {"size": 8, "color": GROUP_COLOURS[g], "line": {"width": 1, "color": "#222"}},
                "hoverinfo": "name",
            }
        )

    # workers: colour = shift, star = front figure, cross = burnt out
    kinds = {"worker": ([], "circle", 10), "front figure (champion)": ([], "star", 16), "burnt out": ([], "x", 10)}
    for dept in model.departments:
        for w in dept.workers:
            kind = "burnt out" if w.burnt_out else ("front figure (champion)" if w.champion else "worker")
            kinds[kind][0].append(w)
    first = True
    for label, (workers, symbol, size) in kinds.items():
        xy = [pos[id(w)] for w in workers]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [round(p[0], 4) for p in xy],
                "y": [round(p[1], 4) for p in xy],
                "name": label,
                "marker": {
                    "size": size,
                    "symbol": symbol,
                    "color": [round(w.shift, 3) for w in workers],
                    "cmin": 0.0,
                    "cmax": 1.0,
                    "colorscale": SHIFT_SCALE,
                    "showscale": first,
                    "colorbar": {"title": {"text": "shift", "side": "right"}, "thickness": 10, "len": 0.5},
                    "line": {"width": 1, "color": "#333"},
                },
                "text": [
                    f"{_short(w.department.name)}: mind-set {w.mindset:.2f}, practice {w.practice:.2f}, "
                    f"energy {w.energy:.2f}, leads {len(w.led)}"
                    for w in workers
                ],
                "hoverinfo": "text",
            }
        )
        first = False
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [p[0] for p in waiting],
            "y": [p[1] for p in waiting],
            "name": "idea waiting for approval",
            "marker": {"size": 17, "symbol": "circle-open", "color": "#7d3c98", "line": {"width": 2}},
            "hoverinfo": "name",
        }
    )
    annotations = [
        {
            "x": cx,
            "y": cy + layout.cluster_radius + 0.09,
            "text": _short(dept.name),
            "showarrow": False,
            "font": {"size": 11, "color": "#333"},
        }
        for dept, (cx, cy) in zip(model.departments, layout.centres, strict=True)
    ]
    for g, (a0, a1) in enumerate(layout.arcs):
        if a1 - a0 < 0.05:
            continue
        mid = 0.5 * (a0 + a1)
        cos, sin = math.cos(mid), math.sin(mid)
        annotations.append(
            {
                "x": 2.12 * cos,
                "y": 2.2 * sin,
                "text": "citizens,<br>" + (GROUP_NAMES[g].replace(" ", "<br>") if abs(cos) > 0.3 else GROUP_NAMES[g]),
                "showarrow": False,
                "xanchor": "right" if cos < -0.3 else ("left" if cos > 0.3 else "center"),
                "yanchor": "top" if sin < -0.3 else ("bottom" if sin > 0.3 else "middle"),
                "font": {"size": 11, "color": GROUP_COLOURS[g]},
            }
        )
    axis = {"visible": False, "range": [-LIMIT, LIMIT], "fixedrange": True}
    x_axis = {**axis, "range": [-LIMIT - 0.4, LIMIT + 0.4]}  # room for the side labels
    return {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": 14}, "x": 0.02},
            "height": ORG_HEIGHT,
            "margin": {"l": 5, "r": 5, "t": 40, "b": 5},
            "xaxis": x_axis,
            "yaxis": {**axis, "scaleanchor": "x"},
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.02, "font": {"size": 10}},
            "annotations": annotations,
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "uirevision": "org",
        },
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


def chart_figures(models: list[CoCreationModel], labels: list[str], horizon: int) -> dict[str, dict[str, Any]]:
    """The time-series charts; with two models, B is drawn dashed over A."""
    out: dict[str, dict[str, Any]] = {}
    tables = [m.datacollector.model_vars for m in models]
    for key, (title, series, unit) in CHARTS.items():
        traces = []
        for s, (column, short) in enumerate(series):
            for k, (table, label) in enumerate(zip(tables, labels, strict=True)):
                values = table[column]
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": list(range(len(values))),
                        "y": [round(float(v), 5) for v in values],
                        "name": short if len(models) == 1 else f"{short} ({label})",
                        "legendgroup": column,
                        "line": {"color": SERIES_COLOURS[s], "width": 2, "dash": "solid" if k == 0 else "dash"},
                        "hovertemplate": f"{COLUMNS[column].meaning}<br>week %{{x}}: %{{y:.3f}}<extra></extra>",
                    }
                )
        shapes = []
        if key == "inclusion":
            shapes.append(
                {
                    "type": "line",
                    "x0": 0,
                    "x1": horizon,
                    "y0": 1,
                    "y1": 1,
                    "line": {"color": "#999", "dash": "dot", "width": 1},
                }
            )
        out[key] = {
            "data": traces,
            "layout": {
                "title": {"text": title, "font": {"size": 13}, "x": 0.02},
                "height": CHART_HEIGHT,
                "margin": {"l": 45, "r": 10, "t": 36, "b": 58},
                "xaxis": {"title": {"text": "week", "font": {"size": 11}, "standoff": 2}, "range": [0, horizon]},
                "yaxis": {"title": {"text": unit, "font": {"size": 10}}, "rangemode": "tozero"},
                "legend": {"orientation": "h", "y": -0.36, "font": {"size": 10}},
                "shapes": shapes,
                "plot_bgcolor": "#fafafa",
                "uirevision": key,
            },
        }
    return out

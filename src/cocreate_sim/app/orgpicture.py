"""The organisation picture: one municipality's people and initiatives, cheap to redraw many times a second.

The council sits in the middle; around it the departments, each a cluster of
frontline workers around their leader (a diamond that grows with the
leader's backing for co-creation); outside them the co-creation initiatives,
and on the outer ring the citizens in three arcs by resource group. Workers
are coloured by how far their shift to co-creation has come (mind-set and
practice), front figures (*frontfigurer*, 003) are stars, and a ring marks
whoever co-creates this week. An initiative's marker shows its stage, the
digit above it its rung on the ladder of co-creation (*samskabelsesstigen*,
002); lines join it to its lead, its helpers and its citizens, and to the
council while it waits for the council's decision or is a task committee
(*opgaveudvalg*, 004). Proposals turned down, failed or abandoned fade out
over a few weeks. Dotted lines from a leader are this week's value talks
(000); dashed ones mean the leader backs a worker who co-creates (003).

The picture comes in two parts so that the server sends only what changes:
:func:`org_static` (axes, legend, labels and the traces that never change
during a run) once per run, and :func:`org_dynamic` (the traces that change,
always the same number in the same order) every week; the browser draws
``static["data"] + dynamic`` with ``static["layout"]``. Positions come from
:class:`OrgLayout`, built once per run from indices alone, so drawing never
touches the model's random generator. Colours are the Okabe-Ito palette and
every kind of thing has its own marker symbol or line dash, so the picture
reads in greyscale.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..i18n import gettext_for
from ..initiatives import Origin, Stage
from ..mechanisms.approval import council_step
from ..model import DEPARTMENT_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel

# ------------------------------------------------------------------ geometry
RING, STRETCH = 1.1, 1.12
"""Radius of the ring the departments' centres sit on, and how much taller than wide it is (room for names)."""
MAX_CLUSTER_RADIUS, CLUSTER_FILL, LEADER_HOLE = 0.3, 0.8, 2.5
"""A cluster of workers: largest radius; radius as a share of half the distance between neighbouring departments
(many departments); room left in its middle for the leader, in workers' places."""
GOLDEN = 0.6180339887498949
"""The golden ratio's fractional part: spreads citizens evenly between their arc's inner and outer radius."""
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
"""Angle between successive people in a cluster or the council (a sunflower pattern, no overlaps)."""
COUNCIL_RADIUS, COUNCIL_EDGE = 0.3, 0.36
"""Radius of the council's sunflower in the middle, and of its dotted outline (where lines to it end)."""
LABEL_GAP, LABEL_BOX = 0.03, (0.6, 0.22)
"""A department's name sits this far from its cluster, on the side towards the middle line; the half width and
height it may take (generous: long names)."""
MARKER_EXTENT, DIGIT_EXTENT = 0.12, 0.3
"""How far an initiative's marker reaches, and its digit (above it in the upper half, below in the lower)."""
LABEL_FONT, ARC_FONT, SMALL_FONT = 12, 11, 10
"""Font sizes of the departments' names, the arcs' names and the legend (fixed, so that a larger page font never
makes them overlap or crowd out the picture)."""
MAX_LABELLED_DEPARTMENTS = 8
"""With more departments their names would overlap; they are left to the leaders' hover texts."""
INITIATIVE_GAP, INITIATIVE_ROW_GAP, INITIATIVE_SPACING, SECTOR_USE = 0.16, 0.22, 0.24, 0.86
"""Initiatives: distance from a cluster's edge to their first row, between the two rows, and between neighbours on
a row; the share of the department's sector of the ring they may spread over."""
CITIZENS_INNER, CITIZENS_OUTER, ARC_GAP = 1.94, 2.34, 0.08
"""Inner and outer radius of the citizens' arcs, and the angle (radians) left empty between two arcs."""
MIN_LABELLED_ARC, ARC_LABEL_RADIUS, SIDEWAYS = 0.05, 2.44, 0.3
"""An arc narrower than this (radians) is not named; radius of the arcs' names; a name whose direction's cosine
(or sine) exceeds SIDEWAYS is anchored to the side (or top or bottom)."""
LIMIT, SIDE_ROOM = 2.6, 0.75
"""Half the height of the visible picture, and the extra width on each side for the arcs' names."""
SCALE = 50
"""Positions are sent as whole 50ths of the ring's radius (under two pixels at the page's size): short JSON."""

# ------------------------------------------------------------- what is drawn
CITIZEN_SAMPLE, MAX_PARTICIPANTS_DRAWN = 300, 150
"""Citizen agents drawn faint as the arcs' background; most citizens taking part drawn in one picture (an equal
share per initiative when there are more), so that a week's update stays small."""
FADE_WEEKS = 6
"""Weeks over which an initiative that ended fades out."""
ORG_HEIGHT, ORG_MARGIN = 520, {"l": 4, "r": 4, "t": 36, "b": 4}
"""Height of the picture (as the page's box) and its margins, in pixels."""
LEGEND_HEIGHT = 0.3
"""Most of the figure's height the legend may take (all of it when wide); in a narrow picture it scrolls."""

# ------------------------------------------------------------------ colours
ORANGE, SKY_BLUE, GREEN, YELLOW = "#E69F00", "#56B4E9", "#009E73", "#F0E442"
BLUE, VERMILLION, PURPLE, BLACK = "#0072B2", "#D55E00", "#CC79A7", "#000000"
"""The Okabe-Ito palette, safe for colour-blind readers."""
GROUP_COLOURS = (ORANGE, SKY_BLUE, BLUE)
"""Citizens with weak, middle and strong resources."""
GROUP_SYMBOLS = ("triangle-up", "hexagon", "pentagon")
"""Marker of each resource group."""
GROUP_LINKS = ("rgba(230,159,0,0.4)", "rgba(86,180,233,0.4)", "rgba(0,114,178,0.4)")
"""The groups' colours, mostly transparent, for the lines from an initiative to its citizens."""
SHIFT_SCALE = [[0.0, YELLOW], [0.5, GREEN], [1.0, BLUE]]
"""Worker colour by shift (0-100 %): light yellow (old habits) through green to dark blue (co-creation)."""
OUTLINE, GREY = {"width": 0.6, "color": "#000"}, "#BBBBBB"
"""Outline of markers; outlines of the departments and the council."""

# ------------------------------------------------------------ marker styles
SAMPLE_SIZE, SAMPLE_OPACITY, PARTICIPANT_SIZE = 5, 0.35, 8
"""Background citizens (small, faint) and citizens taking part."""
RING_SIZE, CHAMPION_RING_SIZE = 16, 22
"""Size of the 'co-creating this week' ring around a worker and around a front figure."""
LEADER_SIZE, LEADER_SIZE_PER_SUPPORT = 10, 10
"""A leader's diamond grows with its backing for co-creation (0-1)."""
INITIATIVE_SIZE, INITIATIVE_SIZE_PER_RUNG = 9, 1.2
"""An initiative's marker grows with its rung on the ladder."""
MARKERS: dict[str, dict[str, Any]] = {
    "worker": {"symbol": "circle", "size": 9, "line": OUTLINE},
    "front": {"symbol": "star", "size": 15, "line": OUTLINE},
    "burnt": {"symbol": "x", "size": 9, "color": BLACK},
    "ring": {"symbol": "circle-open", "size": RING_SIZE, "color": PURPLE, "line": {"width": 2}},
    "leader": {"symbol": "diamond", "size": 13, "color": BLACK, "line": {"width": 1, "color": "white"}},
    "council": {"symbol": "square", "size": 5, "color": VERMILLION},
    "seat": {"symbol": "square-open", "size": 9, "color": VERMILLION, "line": {"width": 1}},
    "wait": {"symbol": "hourglass", "color": ORANGE, "line": OUTLINE},
    "run": {"symbol": "triangle-right", "color": GREEN, "line": OUTLINE},
    "build": {"symbol": "star-square", "color": SKY_BLUE, "line": OUTLINE},
    "done": {"symbol": "star-diamond", "color": BLUE, "line": OUTLINE},
    "refused": {"symbol": "circle-x", "color": VERMILLION, "line": OUTLINE},
    "ended": {"symbol": "triangle-down", "color": PURPLE, "line": OUTLINE},
}
"""Marker of each kind of thing drawn (a legend entry each); no two share a symbol."""
LEGEND_COLOURS = {"worker": YELLOW, "front": GREEN}
"""Colour of the legend entries of workers and front figures (whose colour in the picture is their shift)."""
WORKER_KINDS = ("worker", "front", "burnt")
STAGE_KEYS = ("wait", "run", "build", "done", "refused", "ended")
"""Initiative traces, in drawing order: waiting for approval, running, being realised, completed, turned down,
failed or abandoned."""
STAGE_KINDS = {Stage.APPROVAL: "wait", Stage.RUNNING: "run", Stage.REALISING: "build", Stage.COMPLETED: "done",
               Stage.FAILED: "ended", Stage.ABANDONED: "ended"}  # fmt: skip
"""The trace of an initiative in each stage (one turned down has its own)."""
ENDINGS = {Stage.COMPLETED: "done", Stage.FAILED: "failed", Stage.ABANDONED: "abandoned"}
"""The word for how an initiative ended, in its hover text."""
LINES: dict[str, dict[str, Any]] = {
    "talk": {"color": PURPLE, "width": 1.5, "dash": "dot"},
    "back": {"color": BLACK, "width": 1, "dash": "longdash"},
    "lead": {"color": "rgba(0,0,0,0.55)", "width": 1.2, "dash": "solid"},
    "help": {"color": "rgba(0,0,0,0.55)", "width": 1.2, "dash": "dot"},
    "cwait": {"color": VERMILLION, "width": 1.2, "dash": "dash"},
    "committee": {"color": "rgba(213,94,0,0.45)", "width": 0.8, "dash": "dashdot"},
}
"""Each kind of link, in drawing order (an initiative's line to a citizen is thin, solid, in the group's colour)."""
LEGEND_GROUP, LINK_WIDTH = {"help": "lead", "committee": "seat"}, 0.7
"""Links that share another kind's legend entry; width of a line from an initiative to one of its citizens."""

Point = tuple[float, float]


def _round(v: float) -> int:
    """A position in the picture's units (SCALE to the ring's radius), as a whole number."""
    return int(round(SCALE * float(v)))


def _centre(angle: float) -> tuple[float, float]:
    """Centre of the department in direction ``angle`` (unrounded)."""
    return RING * math.cos(angle), STRETCH * RING * math.sin(angle)


def _polar(radius: float, angle: float) -> Point:
    return _round(radius * math.cos(angle)), _round(radius * math.sin(angle))


class OrgLayout:
    """Fixed positions in one model's picture (from indices alone), and which slot each initiative has.

    Built once per run. :func:`org_dynamic` keeps here which initiatives are
    on the picture and in which slot, so an initiative stays where it was
    first drawn (call it with the session's lock held, as for the model).
    """

    def __init__(self, model: CoCreationModel) -> None:
        self._place_departments(model.departments)
        n = len(model.council)
        self.council = [_polar(COUNCIL_RADIUS * math.sqrt((k + 0.5) / n), k * GOLDEN_ANGLE) for k in range(n)]
        self.politicians = {id(pol): xy for pol, xy in zip(model.council, self.council, strict=True)}
        self._place_citizens(np.asarray(model.population.group))
        self._seen, self._shown, self._slot_of = 0, [], {}  # registry entries read; on the picture; slot by uid
        self._taken: list[set[int]] = [set() for _ in model.departments]

    def _place_departments(self, departments: list[Any]) -> None:
        """Departments on a ring (the first at the top, clockwise), workers in a sunflower around the leader."""
        n_dep = len(departments)
        r = self.cluster_radius = min(MAX_CLUSTER_RADIUS, CLUSTER_FILL * math.sin(math.pi / n_dep))
        angles = [math.pi / 2 - 2 * math.pi * d / n_dep for d in range(n_dep)]
        self.centre_units = [_centre(a) for a in angles]
        self.centres = [(_round(x), _round(y)) for x, y in self.centre_units]
        boxes = [self._label_place(a, r) for a in angles]
        self.labels = [(_round(x), _round(y), anchor) for x, y, anchor in boxes]
        self.workers: dict[int, Point] = {}
        self.worker_order: list[Point] = []
        for (cx, cy), dept in zip(self.centre_units, departments, strict=True):
            m = len(dept.workers)
            for k, worker in enumerate(dept.workers):
                rk = r * math.sqrt((k + 0.5 + LEADER_HOLE) / (m + LEADER_HOLE))
                xy = (_round(cx + rk * math.cos(k * GOLDEN_ANGLE)), _round(cy + rk * math.sin(k * GOLDEN_ANGLE)))
                self.workers[id(worker)] = xy
                self.worker_order.append(xy)
        half = SECTOR_USE * math.pi / n_dep
        self.slots: list[list[Point]] = []
        for a in angles:
            slots = []
            for row in (0, 1):  # the second row only when the first is full, staggered
                radius = math.hypot(*_centre(a)) + r + INITIATIVE_GAP + row * INITIATIVE_ROW_GAP
                n = max(1, int(2 * half * radius / INITIATIVE_SPACING) - row)
                for i in sorted(range(n), key=lambda i, n=n: abs(i - (n - 1) / 2)):  # from the middle out
                    phi = a + half * ((2 * i + 1 + row) / (n + row) - 1)
                    if not any(self._under_label(radius * math.cos(phi), radius * math.sin(phi), b) for b in boxes):
                        slots.append(_polar(radius, phi))
            self.slots.append(slots or [_polar(math.hypot(*_centre(a)) + r + INITIATIVE_GAP, a)])

    @staticmethod
    def _label_place(angle: float, r: float) -> tuple[float, float, str]:
        """Where a department's name goes (x, y, yanchor): beside its cluster, clear of council and initiatives."""
        cx, cy = _centre(angle)
        above = cy < -1e-9  # towards the picture's middle line, away from the initiatives
        return cx, cy + (r + LABEL_GAP) * (1 if above else -1), "bottom" if above else "top"

    @staticmethod
    def _under_label(x: float, y: float, label: tuple[float, float, str]) -> bool:
        """Whether an initiative at (x, y), with its digit, would cover a department's name."""
        lx, ly, anchor = label
        low, high = (ly, ly + LABEL_BOX[1]) if anchor == "bottom" else (ly - LABEL_BOX[1], ly)
        bottom, top = (y - MARKER_EXTENT, y + DIGIT_EXTENT) if y >= 0 else (y - DIGIT_EXTENT, y + MARKER_EXTENT)
        return abs(x - lx) < LABEL_BOX[0] + MARKER_EXTENT and bottom < high and top > low

    def _place_citizens(self, group: np.ndarray) -> None:
        """One arc per resource group, its length in proportion to the group; a fixed sample for the background."""
        n = len(group)
        counts = np.bincount(group, minlength=3).astype(float)
        spans = (2 * math.pi - 3 * ARC_GAP) * counts / max(1.0, counts.sum())
        start = -math.pi / 2 - spans[0] / 2  # the weak arc is centred at the bottom
        self.arcs: list[tuple[float, float]] = []
        for g in range(3):
            self.arcs.append((start, start + spans[g]))
            start += spans[g] + ARC_GAP
        x, y = np.zeros(n), np.zeros(n)
        for g, (a0, a1) in enumerate(self.arcs):
            idx = np.flatnonzero(group == g)
            rank = np.arange(len(idx))
            angle = a0 + (a1 - a0) * (rank + 0.5) / max(1, len(idx))
            radius = CITIZENS_INNER + (CITIZENS_OUTER - CITIZENS_INNER) * np.mod((rank + 0.5) * GOLDEN, 1.0)
            x[idx] = radius * np.cos(angle)
            y[idx] = radius * np.sin(angle)
        self.citizen_x = (SCALE * x).round().astype(np.int64)
        self.citizen_y = (SCALE * y).round().astype(np.int64)
        self.group = group
        self.sample = np.unique(np.linspace(0, n - 1, min(n, CITIZEN_SAMPLE)).round().astype(np.int64))

    def shown(self, model: CoCreationModel) -> list[tuple[Initiative, Point]]:
        """Initiatives to draw this week (active, or ended fewer than FADE_WEEKS ago) and where, oldest first."""
        every = model.registry.initiatives
        self._shown.extend(every[self._seen :])
        self._seen = len(every)
        kept = []
        for ini in self._shown:
            if ini.active or model.week - ini.week_ended < FADE_WEEKS:
                kept.append(ini)
            elif ini.uid in self._slot_of:
                self._taken[ini.department.index].discard(self._slot_of.pop(ini.uid))
        self._shown = kept
        return [(ini, self._slot(ini)) for ini in kept]

    def _slot(self, ini: Initiative) -> Point:
        """The initiative's slot outside its department: the first free one when it is first drawn."""
        d, slot = ini.department.index, self._slot_of.get(ini.uid)
        slots = self.slots[d]
        if slot is None:
            taken = self._taken[d]
            slot = next((s for s in range(len(slots)) if s not in taken), ini.uid % len(slots))
            taken.add(slot)
            self._slot_of[ini.uid] = slot
        return slots[slot]


# ------------------------------------------------------------------ the words
@cache
def _texts(lang: str) -> dict[str, Any]:
    """Every word the picture shows, in ``lang`` (English is the source text; the ``app`` catalogue)."""
    _ = gettext_for(lang, "app")
    rungs = (_("co-production"), _("volunteering"), _("e-panel"), _("crowdsourcing"), _("dialogue meeting"),
             _("governance network"))  # fmt: skip
    departments = (_("Operations"), _("Culture"), _("Social"), _("Children"), _("Employment"), _("Planning"))
    citizens, workers, committee = _("citizens' idea"), _("a worker's idea"), _("task committee")
    t: dict[str, Any] = {
        "worker": _("worker (light to dark: shift)"),
        "front": _("front figure"),
        "burnt": _("burnt out"),
        "ring": _("co-creating this week"),
        "leader": _("leader (size: backing)"),
        "council": _("council member"),
        "seat": _("on a task committee"),
        "groups": (_("weak resources"), _("middle resources"), _("strong resources")),
        "citizens": _("citizens"),
        "wait": _("waiting for approval"),
        "run": _("running"),
        "build": _("being realised"),
        "done": _("completed"),
        "refused": _("turned down"),
        "ended": _("failed or abandoned"),
        "failed": _("failed"),
        "abandoned": _("abandoned"),
        "lead": _("works on it (dotted: helps)"),
        "talk": _("value talk this week"),
        "back": _("leader backs it"),
        "cwait": _("waits for the council"),
        "ladder": _("digit: rung on the ladder of co-creation"),
        "rungs": rungs,
        "origins": {Origin.CITIZEN: citizens, Origin.MUNICIPALITY: workers, Origin.TASK_COMMITTEE: committee},
        "departments": dict(zip(DEPARTMENT_NAMES, departments, strict=True)),
        "department_n": _("Department {n}"),
        "approval_step": _("waiting for approval, step {step} of {steps}"),
        "council_step": _("waiting for the council's decision"),
        "hover_active": _("Initiative {uid}: {stage}<br>rung {rung}: {form}<br>{origin}; citizens: {n}"),
        "hover_ended": _("Initiative {uid}: {stage} in week {week}<br>rung {rung}: {form}<br>{origin}; {n} took part"),
        "leader_hover": _(
            "Leader, {department}<br>backing {support}, pull to operations {pull}<br>value talks: {talks}"
        ),
    }
    data = [f"%{{customdata[{i}]}}" for i in range(4)]
    values = _("mind-set {m}%, practice {p}%<br>energy {e}%").format(m=data[0], p=data[1], e=data[2])
    names = {"worker": _("worker"), "front": t["front"], "burnt": t["burnt"]}
    t["templates"] = {key: f"{names[key]}<br>{values}<extra></extra>" for key in WORKER_KINDS}
    leader = t.pop("leader_hover").format(department=data[0], support=data[1], pull=data[2], talks=data[3])
    t["templates"]["leader"] = f"{leader}<extra></extra>"
    return t


def _department_name(dept: Any, t: dict[str, Any]) -> str:
    return t["departments"].get(dept.name) or t["department_n"].format(n=dept.index + 1)


def _trace(group: str, mode: str, x: list, y: list, **style: Any) -> dict[str, Any]:
    """A scatter trace in legend group ``group``, with no legend entry of its own (plotly lists no empty trace)."""
    if not x:
        return {"x": x, "y": y, "legendgroup": group}
    return {"mode": mode, "x": x, "y": y, "legendgroup": group, "showlegend": False, **style}


# -------------------------------------------------------------- static part
def org_static(layout: OrgLayout, model: CoCreationModel, title: str, lang: str) -> dict[str, Any]:
    """The picture's fixed part for one run: layout, legend, labels, background citizens and the council.

    Plain lists and dicts only (JSON-ready). The legend's entries are traces
    without points; each week's traces of a kind share their legend group,
    so the legend is complete from week 0 and a click hides a kind all week.
    """
    t = _texts(lang)
    entries = [_legend_entry(kind, t[kind]) for kind in (*WORKER_KINDS, "ring", "leader")]
    council = _trace("council", "markers", *_split(layout.council))
    council.update(name=t["council"], showlegend=True, marker=MARKERS["council"], hoverinfo="name")
    entries += [council, _legend_entry("seat", t["seat"])]
    entries += [_legend_entry(key, t[key]) for key in STAGE_KEYS]
    entries += [_legend_entry(key, t[key], line=True) for key in ("lead", "talk", "back", "cwait")]
    entries.append(_trace("rungs", "text", [None], [None], text=["3"], name=_ladder_key(t), showlegend=True))
    background = []
    for g in range(3):
        idx = layout.sample[layout.group[layout.sample] == g]
        marker = {"symbol": GROUP_SYMBOLS[g], "size": SAMPLE_SIZE, "color": GROUP_COLOURS[g], "opacity": SAMPLE_OPACITY}
        dots = _trace(f"g{g}", "markers", layout.citizen_x[idx].tolist(), layout.citizen_y[idx].tolist())
        background.append({**dots, "name": f"{t['citizens']}, {t['groups'][g]}", "marker": marker, "hoverinfo": "name"})
    return {"data": [*background, *entries], "layout": _figure_layout(layout, model, title, t)}


def _legend_entry(key: str, name: str, line: bool = False) -> dict[str, Any]:
    """A legend entry with no points of its own."""
    entry = _trace(key, "lines" if line else "markers", [None], [None], name=name, showlegend=True, hoverinfo="skip")
    marker = {"color": LEGEND_COLOURS.get(key, BLACK), "size": INITIATIVE_SIZE + 2, **MARKERS.get(key, {})}
    return {**entry, "line": LINES[key]} if line else {**entry, "marker": marker}


def _figure_layout(layout: OrgLayout, model: CoCreationModel, title: str, t: dict[str, Any]) -> dict[str, Any]:
    axis = {"visible": False, "range": [-SCALE * LIMIT, SCALE * LIMIT], "fixedrange": True, "constrain": "domain"}
    r = layout.cluster_radius + 0.04
    shapes = [_circle(cx, cy, r, "solid") for cx, cy in layout.centre_units]
    shapes.append(_circle(0.0, 0.0, COUNCIL_EDGE, "dot"))
    annotations = _arc_labels(layout, t)
    if len(model.departments) <= MAX_LABELLED_DEPARTMENTS:
        names = [_department_name(dept, t) for dept in model.departments]
        annotations += [
            _label(x, y, name, LABEL_FONT, yanchor=a) for name, (x, y, a) in zip(names, layout.labels, strict=True)
        ]
    return {
        "title": {"text": title, "x": 0.02},
        "height": ORG_HEIGHT,
        "margin": dict(ORG_MARGIN),
        "xaxis": {**axis, "range": [-SCALE * (LIMIT + SIDE_ROOM), SCALE * (LIMIT + SIDE_ROOM)]},
        "yaxis": {**axis, "scaleanchor": "x"},
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "y": 0,
            "yanchor": "top",
            "font": {"size": SMALL_FONT},
            "itemsizing": "constant",
            "maxheight": LEGEND_HEIGHT,
        },
        "coloraxis": {"colorscale": SHIFT_SCALE, "cmin": 0, "cmax": 100, "showscale": False},
        "shapes": shapes,
        "annotations": annotations,
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "uirevision": "org",
    }


def _circle(cx: float, cy: float, r: float, dash: str) -> dict[str, Any]:
    return {"type": "circle", "xref": "x", "yref": "y", "x0": _round(cx - r), "x1": _round(cx + r),
            "y0": _round(cy - r), "y1": _round(cy + r), "line": {"color": GREY, "width": 1, "dash": dash},
            "layer": "below"}  # fmt: skip


def _label(x: int, y: int, text: str, size: int, **anchors: str) -> dict[str, Any]:
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": size}, **anchors}


def _ladder_key(t: dict[str, Any]) -> str:
    """The ladder of co-creation's rungs, as a legend entry's name (three lines)."""
    rungs = [f"{rung} {name}" for rung, name in enumerate(t["rungs"])]
    return f"{t['ladder']}:<br>{', '.join(rungs[:3])}<br>{', '.join(rungs[3:])}"


def _arc_labels(layout: OrgLayout, t: dict[str, Any]) -> list[dict[str, Any]]:
    """Each arc's resource group, outside the arc's middle (side labels broken over lines)."""
    labels = []
    for g, (a0, a1) in enumerate(layout.arcs):
        if a1 - a0 < MIN_LABELLED_ARC:
            continue
        cos, sin = math.cos(0.5 * (a0 + a1)), math.sin(0.5 * (a0 + a1))
        name = t["groups"][g]
        text = f"{t['citizens']},<br>{name.replace(' ', '<br>')}" if abs(cos) > SIDEWAYS else f"{t['citizens']}, {name}"
        x_anchor = "right" if cos < -SIDEWAYS else ("left" if cos > SIDEWAYS else "center")
        y_anchor = "top" if sin < -SIDEWAYS else ("bottom" if sin > SIDEWAYS else "middle")
        x, y = _polar(ARC_LABEL_RADIUS, 0.5 * (a0 + a1))
        labels.append(_label(x, y, text, ARC_FONT, xanchor=x_anchor, yanchor=y_anchor))
    return labels


# ------------------------------------------------------------- dynamic part
def org_dynamic(model: CoCreationModel, layout: OrgLayout, lang: str) -> list[dict[str, Any]]:
    """This week's moving parts: always the same 21 traces in the same order, empty when nothing is to be drawn.

    Links first (value talks, backing, leads, helpers, waiting for the
    council, task-committee seats), then the citizens taking part (weak,
    middle, strong), workers, front figures, burnt-out workers, rings around
    those co-creating this week, leaders, council members on task
    committees, and the initiatives by stage (waiting for approval, running,
    being realised, completed, turned down, failed or abandoned).
    """
    t = _texts(lang)
    lines: dict[str, tuple[list, list]] = {key: ([], []) for key in LINES}
    people = _people(model, layout, t, lines)
    initiatives, citizens = _initiatives(model, layout, t, lines)
    seats = [layout.politicians[id(pol)] for pol in model.council if pol.seats > 0]
    links = [_trace(LEGEND_GROUP.get(k, k), "lines", *xy, line=LINES[k], hoverinfo="skip") for k, xy in lines.items()]
    seat = _trace("seat", "markers", *_split(seats), marker=MARKERS["seat"], hoverinfo="skip")
    return [*links, *citizens, *people, seat, *initiatives]


def _split(points: list[Point]) -> tuple[list, list]:
    return [p[0] for p in points], [p[1] for p in points]


def _link(lines: tuple[list, list], start: Point, end: Point) -> None:
    lines[0].extend((start[0], end[0], None))
    lines[1].extend((start[1], end[1], None))


def _people(
    model: CoCreationModel, layout: OrgLayout, t: dict[str, Any], lines: dict[str, tuple[list, list]]
) -> list[dict[str, Any]]:
    """Workers by kind (colour: shift), rings around those co-creating this week, leaders; talk and backing lines."""
    kinds: dict[str, tuple[list, ...]] = {key: ([], [], []) for key in WORKER_KINDS}
    rings: tuple[list, list] = ([], [])
    backs = model.k.decoupling_support  # the backing without which a strained front figure is decoupled (003)
    positions = iter(layout.worker_order)
    leader_size, leader_data = [], []
    for dept, centre in zip(model.departments, layout.centres, strict=True):
        leader = dept.leader
        for w in dept.workers:
            xy = next(positions)
            where, shift, values = kinds["burnt" if w.burnt_out else ("front" if w.champion else "worker")]
            where.append(xy)
            shift.append(round(50 * (w.mindset + w.practice)))
            values.append([round(100 * w.mindset), round(100 * w.practice), round(100 * w.energy)])
            if w.weeks_since_dialogue == 0 and w.willingness > 0:  # talked with this week (a newcomer has not)
                _link(lines["talk"], centre, xy)
            if w.hours_cocreation > 0 and not w.burnt_out:
                rings[0].append(xy)
                rings[1].append(CHAMPION_RING_SIZE if w.champion else RING_SIZE)
                if leader.support >= backs:
                    _link(lines["back"], centre, xy)
        leader_size.append(round(LEADER_SIZE + LEADER_SIZE_PER_SUPPORT * leader.support))
        leader_data.append([_department_name(dept, t), round(leader.support, 2), round(leader.pull, 2), leader.talks])
    traces = []
    for key, (where, shift, values) in kinds.items():
        marker = MARKERS[key] if key == "burnt" else {**MARKERS[key], "color": shift, "coloraxis": "coloraxis"}
        hover = {"customdata": values, "hovertemplate": t["templates"][key]}
        traces.append(_trace(key, "markers", *_split(where), marker=marker, **hover))
    ring = {**MARKERS["ring"], "size": rings[1]}
    traces.append(_trace("ring", "markers", *_split(rings[0]), marker=ring, hoverinfo="skip"))
    hover = {"customdata": leader_data, "hovertemplate": t["templates"]["leader"]}
    marker = {**MARKERS["leader"], "size": leader_size}
    traces.append(_trace("leader", "markers", *_split(layout.centres), marker=marker, **hover))
    return traces


def _hover(ini: Initiative, t: dict[str, Any]) -> str:
    stage = ini.stage
    rung = ini.form.rung
    words = {"uid": ini.uid, "rung": rung, "form": t["rungs"][rung], "origin": t["origins"][ini.origin]}
    if not ini.active:
        done = t["refused" if ini.turned_down else ENDINGS[stage]]
        return t["hover_ended"].format(stage=done, week=ini.week_ended, n=ini.joined, **words)
    now = t[STAGE_KINDS[stage]]
    if stage is Stage.APPROVAL:
        at_council = council_step(rung, ini.step_index, ini.steps)
        now = t["council_step"] if at_council else t["approval_step"].format(step=ini.step_index + 1, steps=ini.steps)
    return t["hover_active"].format(stage=now, n=len(ini.participants), **words)


def _initiatives(
    model: CoCreationModel, layout: OrgLayout, t: dict[str, Any], lines: dict[str, tuple[list, list]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Initiatives by stage (digit: rung) with their links to people; and the citizens taking part, by group."""
    parts: dict[str, tuple[list, ...]] = {key: ([], [], [], [], [], [], []) for key in STAGE_KEYS}
    members = []
    person_agent = model.population.person_agent
    for ini, (x, y) in layout.shown(model):
        xs, ys, text, where, size, opacity, hover = parts["refused" if ini.turned_down else STAGE_KINDS[ini.stage]]
        rung = ini.form.rung
        xs.append(x)
        ys.append(y)
        text.append(str(rung))
        where.append("top center" if y >= 0 else "bottom center")
        size.append(round(INITIATIVE_SIZE + INITIATIVE_SIZE_PER_RUNG * rung))
        opacity.append(1 if ini.active else round(1 - (model.week - ini.week_ended) / FADE_WEEKS, 2))
        hover.append(_hover(ini, t))
        if not ini.active:
            continue
        _link(lines["lead"], layout.workers[id(ini.lead)], (x, y))
        for helper in ini.helpers:
            _link(lines["help"], layout.workers[id(helper)], (x, y))
        if ini.stage is Stage.APPROVAL and council_step(rung, ini.step_index, ini.steps):
            edge = _polar(COUNCIL_EDGE, math.atan2(y, x))
            _link(lines["cwait"], (x, y), edge)
        if ini.politicians:  # a fan from the task committee to its council members
            seats = [layout.politicians[id(pol)] for pol in ini.politicians]
            lines["committee"][0].extend([x, *(v for p in seats for v in (p[0], x)), None])
            lines["committee"][1].extend([y, *(v for p in seats for v in (p[1], y)), None])
        if ini.participants:
            members.append(((x, y), np.unique(person_agent[np.asarray(ini.participants, dtype=np.int64)])))
    traces = []
    for key, (xs, ys, text, where, size, opacity, hover) in parts.items():
        marker = {**MARKERS[key], "size": size}
        if any(o < 1 for o in opacity):
            marker["opacity"] = opacity
        style = {"text": text, "textposition": where, "marker": marker, "hovertext": hover, "hoverinfo": "text"}
        traces.append(_trace(key, "markers+text", xs, ys, **style))
    return traces, _citizens(layout, members)


def _citizens(layout: OrgLayout, members: list[tuple[Point, np.ndarray]]) -> list[dict[str, Any]]:
    """Citizens taking part, one trace per group: a fan of lines from each initiative, a marker at each citizen.

    The fan runs initiative, citizen, initiative, citizen, ...; markers are
    drawn at the citizens only (size 0 at the initiative), so each citizen
    costs two points and nothing is sent twice for the markers.
    """
    total = sum(len(agents) for _, agents in members)
    limit = total if total <= MAX_PARTICIPANTS_DRAWN else max(1, MAX_PARTICIPANTS_DRAWN // len(members))
    fans: list[tuple[list, list, list]] = [([], [], []) for _ in range(3)]
    for (x, y), agents in members:
        agents = agents[:limit]
        groups = layout.group[agents]
        for g, (fx, fy, size) in enumerate(fans):
            mine = agents[groups == g]
            if not len(mine):
                continue
            fx += [x, *(v for c in layout.citizen_x[mine].tolist() for v in (c, x)), None]
            fy += [y, *(v for c in layout.citizen_y[mine].tolist() for v in (c, y)), None]
            size += [0, *[PARTICIPANT_SIZE, 0] * len(mine), 0]
    traces = []
    for g, (fx, fy, size) in enumerate(fans):
        marker = {"symbol": GROUP_SYMBOLS[g], "size": size, "color": GROUP_COLOURS[g], "line": OUTLINE}
        line = {"color": GROUP_LINKS[g], "width": LINK_WIDTH}
        traces.append(_trace(f"g{g}", "lines+markers", fx, fy, line=line, marker=marker, hoverinfo="skip"))
    return traces

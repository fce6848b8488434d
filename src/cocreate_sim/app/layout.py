"""The page of the classroom app: styles, levers, run and compare controls, graphs.

Kept apart from the callbacks (:mod:`.server`) so that what a class sees can be
read, and changed, in one place; every lever comes from
:data:`cocreate_sim.params.PARAMETERS` through :mod:`.levers`.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from ..limits import MAX_SEED
from ..params import PARAMETERS, SEED_FILES
from .figures import CHARTS
from .levers import (
    DEFAULT_SPEED,
    LEVERS,
    MAIN_LEVERS,
    MORE_LEVERS,
    SPEEDS,
    plain,
    slider_step,
)
from .presets import DEFAULT_KEY, DEFAULT_SEED, Preset

TITLE = "Co-creation in a municipality: move the levers"
"""The page's title and heading."""
COMPARE_LEVER = "leader_dialogue"
"""The lever that differs in run B until the teacher picks another."""
SEED_BOX_WIDTH = 110
"""Width of the seed field in pixels (room for ten digits)."""
EMPTY_GRAPH_HEIGHT = 250
"""Height in pixels of a graph before its first figure arrives."""

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #222; background: #f3f4f6; }
header { padding: 10px 18px; background: #1f3b57; color: white; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; font-size: 13px; opacity: 0.9; }
.page { display: grid; grid-template-columns: 370px minmax(0, 1fr); gap: 12px; padding: 12px; }
.controls { background: white; border-radius: 6px; padding: 10px 12px; max-height: calc(100vh - 90px);
            overflow-y: auto; font-size: 13px; }
.controls h2 { font-size: 14px; margin: 12px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.lever { margin: 8px 0 14px; }
.lever label { font-weight: 600; display: block; }
.lever .why { color: #444; margin: 2px 0 0; }
.lever .src { color: #777; font-size: 11px; margin: 1px 0 0; }
.buttons { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0 8px; }
.buttons button { font-size: 14px; padding: 6px 12px; border-radius: 4px; border: 1px solid #1f3b57;
                  background: white; color: #1f3b57; cursor: pointer; }
.buttons button#play { background: #1f3b57; color: white; min-width: 90px; }
.week { font-size: 15px; font-weight: 600; margin: 4px 0; }
.main { min-width: 0; }
.orgs { display: flex; gap: 12px; }
.orgs > div { flex: 1 1 0; min-width: 0; background: white; border-radius: 6px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
.charts > div { background: white; border-radius: 6px; }
.alert { background: #fdecea; border: 1px solid #e0a39b; color: #7b1e12; padding: 6px 10px; border-radius: 4px;
         margin-bottom: 8px; font-size: 13px; }
.note { background: #eef5fb; border: 1px solid #b6d0e8; padding: 6px 10px; border-radius: 4px; margin-bottom: 8px;
        font-size: 13px; }
.preset-info { color: #444; margin: 4px 0; }
.small { font-size: 11px; color: #666; }
details summary { cursor: pointer; font-weight: 600; margin: 10px 0 4px; }
"""
"""The page's styles, inlined (no stylesheet file, no web font)."""

INDEX = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n{%metas%}\n<title>{%title%}</title>\n{%favicon%}\n{%css%}\n'
    f"<style>{CSS}</style>\n</head>\n<body>\n{{%app_entry%}}\n<footer>\n{{%config%}}\n{{%scripts%}}\n"
    "{%renderer%}\n</footer>\n</body>\n</html>\n"
)
"""Dash's page template with the styles inlined."""

NO_INPUT_BOX = {"allow_direct_input": False} if "allow_direct_input" in dcc.Slider().available_properties else {}
"""Dash 4 draws a number box next to each slider; the panel is narrow, so we leave it out."""

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
"""Plotly's toolbar without the logo and the selection tools."""


def _source_text(source: str) -> str:
    """'001, 003' -> 'Allentoft 2017 (001); Vordingborg 2019 (003)'."""
    parts = []
    for code in (c.strip() for c in source.split(",")):
        full = SEED_FILES.get(code, "")
        short = full.split("(", 1)[1].split(":", 1)[0].strip() if "(" in full else code
        parts.append(f"{short} ({code})")
    return "; ".join(parts)


def lever_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def slider_marks(low: float, high: float) -> dict[float, str]:
    return {low: f"{low:g}", high: f"{high:g}"}


def _lever(name: str) -> html.Div:
    p = PARAMETERS[name]
    return html.Div(
        className="lever",
        children=[
            html.Label(lever_label(name), title=name),
            dcc.Slider(
                id={"type": "lever", "name": name},
                min=p.low,
                max=p.high,
                step=slider_step(p),
                value=p.default,
                marks=slider_marks(p.low, p.high),
                tooltip={"placement": "bottom", "always_visible": False},
                updatemode="mouseup",
                **NO_INPUT_BOX,
            ),
            html.P(plain(p), className="why"),
            html.P(f"{p.unit} · source: {_source_text(p.source)}", className="src", title=p.meaning),
        ],
    )


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, figure={"data": [], "layout": {"height": EMPTY_GRAPH_HEIGHT}})


def build_layout(presets: dict[str, Preset], notes: list[str], session_id: str) -> html.Div:
    """The page, carrying the session id the server issued for this page load."""
    return html.Div(
        [
            dcc.Store(id="session", data=session_id),
            dcc.Store(id="preset-applied"),
            dcc.Interval(id="clock", interval=SPEEDS[DEFAULT_SPEED].interval_ms, disabled=True),
            html.Header(
                [
                    html.H1(TITLE),
                    html.P(
                        "An agent-based model of a Danish municipality moving from New Public Management to "
                        "co-creation. Move a lever, press play, and watch who takes part and who is left out."
                    ),
                ]
            ),
            html.Div(
                className="page",
                children=[
                    html.Div(className="controls", children=_controls(presets, notes)),
                    html.Div(
                        className="main",
                        children=[
                            html.Div(id="message", role="status"),
                            html.Div(
                                className="orgs",
                                children=[
                                    html.Div(_graph("org-a")),
                                    html.Div(_graph("org-b"), id="org-b-box", style={"display": "none"}),
                                ],
                            ),
                            html.Div(className="charts", children=[html.Div(_graph(f"chart-{k}")) for k in CHARTS]),
                        ],
                    ),
                ],
            ),
        ]
    )


def _controls(presets: dict[str, Preset], notes: list[str]) -> list[Any]:
    """The left-hand panel: starting point, run controls, side by side, levers."""
    return [
        html.H2("Starting point"),
        dcc.Dropdown(
            id="preset",
            options=[{"label": p.label, "value": key} for key, p in presets.items()],
            value=DEFAULT_KEY,
            clearable=False,
        ),
        html.Div(id="preset-info", className="preset-info"),
        *[html.Div(note, className="note") for note in notes],
        *_run_controls(),
        *_compare_controls(),
        html.H2("Levers (change them while it runs)"),
        *[_lever(n) for n in MAIN_LEVERS],
        html.Details([html.Summary("More levers"), *[_lever(n) for n in MORE_LEVERS]]),
    ]


def _run_controls() -> list[Any]:
    """Play/pause, step and reset, the week, the speed slider and the seed."""
    return [
        html.H2("Run"),
        html.Div(
            className="buttons",
            children=[
                html.Button("▶ Play", id="play", n_clicks=0),
                html.Button("Step one week", id="step", n_clicks=0),
                html.Button("Reset", id="reset", n_clicks=0),
            ],
        ),
        html.Div(id="week", className="week"),
        html.Label("Speed"),
        dcc.Slider(
            id="speed",
            min=0,
            max=len(SPEEDS) - 1,
            step=1,
            value=DEFAULT_SPEED,
            marks={i: s.label for i, s in enumerate(SPEEDS)},
            **NO_INPUT_BOX,
        ),
        html.Label("Seed (same seed, same run) ", htmlFor="seed"),
        dcc.Input(
            id="seed",
            type="number",
            min=0,
            max=MAX_SEED,
            step=1,
            value=DEFAULT_SEED,
            debounce=True,
            style={"width": SEED_BOX_WIDTH},
        ),
    ]


def _compare_controls() -> list[Any]:
    """The side-by-side tick box, the lever that differs in run B and its value there."""
    first = PARAMETERS[COMPARE_LEVER]  # the compare_range callback sets the slider for the chosen lever
    return [
        html.H2("Side by side"),
        dcc.Checklist(
            id="compare-on",
            options=[{"label": " compare with a second run that differs in one lever", "value": "on"}],
            value=[],
        ),
        html.Div(
            id="compare-box",
            children=[
                html.Label("Lever that differs in run B"),
                dcc.Dropdown(
                    id="compare-lever",
                    options=[{"label": lever_label(n), "value": n} for n in LEVERS],
                    value=COMPARE_LEVER,
                    clearable=False,
                ),
                html.Label("Its value in run B"),
                dcc.Slider(
                    id="compare-value",
                    min=first.low,
                    max=first.high,
                    step=slider_step(first),
                    value=first.high,
                    **NO_INPUT_BOX,
                ),
                html.P(
                    "Both runs use the same seed and restart together; every other lever you move applies to both.",
                    className="small",
                ),
            ],
        ),
    ]

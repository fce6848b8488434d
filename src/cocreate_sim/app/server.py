"""The Dash app: levers, run controls, the organisation picture and the charts.

Why Dash: it serves its renderer, its components and plotly.js from the
installed Python packages (``serve_locally=True``), so the page works in a
classroom without internet. Mesa's SolaraViz loads Solara's assets from a CDN
by default and rendered empty offline in a trial (see ``docs/app.md``). The
app drives :class:`~cocreate_sim.model.CoCreationModel` directly; the model
state stays on the server (:mod:`.sessions`) and every value the browser sends
is checked there (:mod:`.levers`) before it reaches a model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from werkzeug.exceptions import HTTPException

from ..errors import shorten
from ..limits import MAX_SEED
from ..params import PARAMETERS, SEED_FILES, ParameterError
from .figures import CHARTS, chart_figures, organisation_figure
from .levers import (
    DEFAULT_SPEED,
    LEVERS,
    MAIN_LEVERS,
    MORE_LEVERS,
    SPEEDS,
    Speed,
    check_lever,
    check_levers,
    check_seed,
    check_speed,
    plain,
    slider_step,
)
from .presets import DEFAULT_KEY, DEFAULT_SEED, Preset, load_presets
from .sessions import SessionStore, new_session_id

log = logging.getLogger("cocreate_sim.app")

TITLE = "Co-creation in a municipality: move the levers"
"""The page's title and heading."""
COMPARE_LEVER = "leader_dialogue"
"""The lever that differs in run B until the teacher picks another."""
SEED_BOX_WIDTH = 110
"""Width of the seed field in pixels (room for ten digits)."""
EMPTY_GRAPH_HEIGHT = 250
"""Height in pixels of a graph before its first figure arrives."""
HTTP_BAD_REQUEST = 400
"""The answer to a malformed request."""

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


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _marks(low: float, high: float) -> dict[float, str]:
    return {low: f"{low:g}", high: f"{high:g}"}


def _lever(name: str) -> html.Div:
    p = PARAMETERS[name]
    return html.Div(
        className="lever",
        children=[
            html.Label(_label(name), title=name),
            dcc.Slider(
                id={"type": "lever", "name": name},
                min=p.low,
                max=p.high,
                step=slider_step(p),
                value=p.default,
                marks=_marks(p.low, p.high),
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


def build_layout(presets: dict[str, Preset], notes: list[str]) -> html.Div:
    """The page; each page load gets a fresh session id."""
    return html.Div(
        [
            dcc.Store(id="session", data=new_session_id()),
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
                    options=[{"label": _label(n), "value": n} for n in LEVERS],
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


# ---------------------------------------------------------------- the app
def create_app(scenarios: str | Path | None = None, max_sessions: int | None = None) -> dash.Dash:
    """The Dash app with its callbacks; presets are read from ``scenarios`` once, at start."""
    presets, notes = load_presets(scenarios)
    store = SessionStore() if max_sessions is None else SessionStore(max_sessions)
    app = _offline_dash()
    app.layout = lambda: build_layout(presets, notes)
    app.presets = presets  # type: ignore[attr-defined]
    app.sessions = store  # type: ignore[attr-defined]
    app.server.register_error_handler(Exception, _malformed)
    _add_preset_callback(app, presets)
    _add_compare_callback(app)
    _add_update_callback(app, presets, store)
    return app


def _offline_dash() -> dash.Dash:
    """A Dash app that serves everything itself and never asks another host for anything."""
    app = dash.Dash(
        __name__,
        title=TITLE,
        serve_locally=True,
        external_stylesheets=[],
        external_scripts=[],
        include_assets_files=False,
        update_title=None,
        assets_folder=str(Path(__file__).with_name("no_assets")),
    )
    # the upgrade check would ask dash-version.plotly.com; a classroom offline must not try
    try:
        app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    except TypeError:  # Dash versions without the check have nothing to turn off
        app.enable_dev_tools(debug=False)
    app.index_string = INDEX
    return app


def _malformed(err: Exception):
    """A hand-made request gets an answer (HTTP 400), not a 500 with a traceback."""
    if isinstance(err, HTTPException):
        return err
    log.warning("rejected a malformed request: %s: %s", type(err).__name__, err)
    return {"error": f"malformed request ({type(err).__name__})"}, HTTP_BAD_REQUEST


def _add_preset_callback(app: dash.Dash, presets: dict[str, Preset]) -> None:
    """Choosing a preset sets the sliders and the seed; ``preset-applied`` then restarts the run."""

    @app.callback(
        Output({"type": "lever", "name": ALL}, "value"),
        Output("preset-applied", "data"),
        Output("preset-info", "children"),
        Output("seed", "value"),
        Input("preset", "value"),
        State("preset-applied", "data"),
    )
    def apply_preset(key: Any, previous: Any):
        preset = presets.get(key) if isinstance(key, str) else None
        if preset is None:
            return [no_update] * len(ctx.outputs_list[0]), no_update, f"Unknown preset {shorten(key)}.", no_update
        values = []
        for item in ctx.outputs_list[0]:
            name = item["id"].get("name") if isinstance(item.get("id"), dict) else None
            values.append(preset.params.get(name, no_update) if name in LEVERS else no_update)
        count = previous.get("count", 0) + 1 if isinstance(previous, dict) else 1
        info = f"{preset.description} Horizon {preset.steps} weeks, seed {preset.seed}."
        return values, {"key": key, "count": count}, info, preset.seed


def _add_compare_callback(app: dash.Dash) -> None:
    """The run-B slider takes the range of the chosen lever."""

    @app.callback(
        Output("compare-value", "min"),
        Output("compare-value", "max"),
        Output("compare-value", "step"),
        Output("compare-value", "marks"),
        Output("compare-value", "value"),
        Input("compare-lever", "value"),
        Input("compare-on", "value"),
        State({"type": "lever", "name": ALL}, "value"),
    )
    def compare_range(name: Any, _on: Any, values: list[Any]):
        """B starts at the far end of the lever from A's current value, so the difference shows."""
        if not isinstance(name, str) or name not in LEVERS:
            return (no_update,) * 5
        p = PARAMETERS[name]
        current = p.default
        for item in ctx.states_list[0]:
            if isinstance(item.get("id"), dict) and item["id"].get("name") == name:
                try:
                    current = p.check(item.get("value"))
                except ParameterError:
                    pass
        other = p.high if (current - p.low) <= (p.high - current) else p.low
        return p.low, p.high, slider_step(p), _marks(p.low, p.high), other


UPDATE_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("org-a", "figure"),
    ("org-b", "figure"),
    ("org-b-box", "style"),
    *((f"chart-{k}", "figure") for k in CHARTS),
    ("week", "children"),
    ("message", "children"),
    ("clock", "disabled"),
    ("clock", "interval"),
    ("play", "children"),
)
"""What every update sets, in the order :func:`_render` returns it."""
MESSAGE_OUTPUT = UPDATE_OUTPUTS.index(("message", "children"))
"""Position of the message box among UPDATE_OUTPUTS."""
LEVER_INPUT = 4
"""Position of the levers (a pattern-matching input) among the update's inputs."""


def _add_update_callback(app: dash.Dash, presets: dict[str, Preset], store: SessionStore) -> None:
    """The one callback that restarts, steps and draws: clock ticks, buttons, levers, seed, side by side."""

    @app.callback(
        *[Output(component, prop) for component, prop in UPDATE_OUTPUTS],
        Input("clock", "n_intervals"),
        Input("play", "n_clicks"),
        Input("step", "n_clicks"),
        Input("reset", "n_clicks"),
        Input({"type": "lever", "name": ALL}, "value"),  # LEVER_INPUT
        Input("preset-applied", "data"),
        Input("seed", "value"),
        Input("compare-on", "value"),
        Input("compare-lever", "value"),
        Input("compare-value", "value"),
        Input("speed", "value"),
        State("session", "data"),
    )
    def update(*args: Any):
        try:
            return _update(presets, store, *args)
        except ParameterError as err:
            return _only_message([str(err)])
        except Exception as err:  # never a 500: the page shows what went wrong and the run stays as it was
            log.exception("the app's update failed")
            return _only_message([f"Something went wrong on the server ({type(err).__name__}: {err})."])


def _only_message(errors: list[str]) -> tuple:
    out: list[Any] = [no_update] * len(UPDATE_OUTPUTS)
    out[MESSAGE_OUTPUT] = [html.Div(e, className="alert") for e in errors]
    return tuple(out)


def _triggered() -> set[str]:
    names = set()
    for value in ctx.triggered_prop_ids.values():
        names.add(value.get("type", "") if isinstance(value, dict) else str(value))
    return names


# ----------------------------------------------------------- one update
RESTARTS = {"reset", "preset-applied"}
"""Inputs that always restart the run at week 0."""


def _update(
    presets: dict[str, Preset],
    store: SessionStore,
    _ticks: Any,
    _plays: Any,
    _steps: Any,
    _resets: Any,
    _lever_values: Any,
    preset_applied: Any,
    seed_value: Any,
    compare_on: Any,
    compare_lever: Any,
    compare_value: Any,
    speed_value: Any,
    session_id: Any,
) -> tuple:
    """Check everything the page sent, apply what is valid to its session, step, and draw."""
    trig = _triggered()
    errors: list[str] = []
    notes: list[str] = []
    speed = _checked_speed(speed_value, errors)
    levers = _checked_levers(errors)
    preset = _chosen_preset(presets, preset_applied, errors)
    session = store.get(session_id)
    new = session is None
    if session is None:
        session = _new_session(store, session_id, preset or presets[DEFAULT_KEY], trig, notes)

    with session.lock:
        seed = _checked_seed(seed_value, session.seed, errors)
        compare = _checked_compare(session.compare, compare_on, compare_lever, compare_value, errors)
        if new or trig & RESTARTS or seed != session.seed or compare != session.compare:
            if preset is not None and ("preset-applied" in trig or new):
                session.preset = preset
            _restart(session, levers, seed, compare, errors)
            if not new and not trig & RESTARTS:
                both = "Both runs restarted" if session.compare else "Restarted"
                notes.append(f"{both} at week 0 with seed {session.seed}.")
        else:
            try:
                session.set_levers(levers)
            except ParameterError as err:
                errors.append(f"Not applied: {err}")
        _advance(session, trig, speed, notes)
        return _render(session, errors, notes, session.playing, speed)


def _checked_speed(value: Any, errors: list[str]) -> Speed:
    try:
        return check_speed(value)
    except ParameterError as err:
        errors.append(str(err))
        return SPEEDS[DEFAULT_SPEED]


def _checked_levers(errors: list[str]) -> dict[str, float | int]:
    """The lever values of this request (read with their ids, so a value is never matched to the wrong lever)."""
    items = ctx.inputs_list[LEVER_INPUT] if isinstance(ctx.inputs_list[LEVER_INPUT], list) else []
    names = [item.get("id", {}).get("name") if isinstance(item.get("id"), dict) else None for item in items]
    values = [item.get("value") for item in items]
    levers, lever_errors = check_levers(names, values)
    errors += [f"Not applied: {e}" for e in lever_errors]
    return levers


def _chosen_preset(presets: dict[str, Preset], applied: Any, errors: list[str]) -> Preset | None:
    key = applied.get("key") if isinstance(applied, dict) else DEFAULT_KEY
    preset = presets.get(key) if isinstance(key, str) else None
    if preset is None:
        errors.append(f"Unknown preset {shorten(key)}; kept the current one.")
    return preset


def _new_session(store: SessionStore, session_id: Any, preset: Preset, trig: set[str], notes: list[str]) -> Any:
    """A session for a page the server does not know (a new page, or one whose run was dropped)."""
    session = store.create(session_id, preset)
    if "preset-applied" not in trig:  # not this page's first call: its run was dropped
        notes.append(
            "This page's run was dropped (the server restarted, or many pages were open), so it started again "
            "at week 0. Choose the starting point again if you had changed it."
        )
    if len(store) >= store.max_sessions:
        notes.append("Many pages are open; the least recently used ones will have to be reloaded.")
    return session


def _checked_seed(value: Any, current: int, errors: list[str]) -> int:
    try:
        return check_seed(value)
    except ParameterError as err:
        errors.append(f"Not applied: {err}")
        return current


def _checked_compare(
    current: tuple[str, float | int] | None, on: Any, lever: Any, value: Any, errors: list[str]
) -> tuple[str, float | int] | None:
    """The side-by-side setting the page asks for, or the current one if the request is invalid."""
    if isinstance(on, list) and "on" in on:
        try:
            return check_lever(lever, value)
        except ParameterError as err:
            errors.append(f"Side by side not changed: {err}")
            return current
    if on in ([], None):
        return None
    errors.append(f"Side by side not changed: expected a list of ticked options, got {shorten(on)}.")
    return current


def _restart(
    session: Any,
    levers: dict[str, float | int],
    seed: int,
    compare: tuple[str, float | int] | None,
    errors: list[str],
) -> None:
    """Back to week 0 with the page's levers (all of them dropped if they do not combine), seed and comparison."""
    merged = {**session.levers, **levers}
    try:
        session.levers = {k: v for k, v in merged.items() if k in LEVERS}
        session.params_a()
    except ParameterError as err:
        errors.append(f"Not applied: {err}")
        session.levers = {}
    session.seed = seed
    session.compare = compare
    session.rebuild()
    session.playing = False


def _advance(session: Any, trig: set[str], speed: Speed, notes: list[str]) -> None:
    """Play/pause, step, or a clock tick; the server, not the browser, knows whether the clock runs."""
    # so a late tick cannot restart a paused run
    if "play" in trig:
        session.playing = not session.playing
    if "step" in trig:
        session.step(1)
    if "clock" in trig and session.playing:
        session.step(speed.weeks_per_tick)
    if session.finished:
        if session.playing or "play" in trig or "step" in trig:
            notes.append(f"The run has reached its horizon of {session.horizon} weeks; press Reset to start again.")
        session.playing = False


def _render(session: Any, errors: list[str], notes: list[str], playing: bool, speed: Speed) -> tuple:
    """Everything the page shows, in the order of UPDATE_OUTPUTS."""
    models = session.models
    if session.compare is not None:
        name, value = session.compare
        a_value = session.params_a()[name]
        labels = ["A", "B"]
        titles = [f"A: {_label(name)} = {a_value:g}", f"B: same seed, {_label(name)} = {value:g}"]
    else:
        labels = ["A"]
        titles = [f"{session.preset.label} · week {session.week}"]
    org_a = organisation_figure(models[0], session.layouts[0], titles[0])
    if len(models) > 1:
        org_b = organisation_figure(models[1], session.layouts[1], titles[1])
        b_style = {"display": "block"}
    else:
        org_b = no_update
        b_style = {"display": "none"}
    charts = chart_figures(models, labels, session.horizon)
    week = f"Week {session.week} of {session.horizon}"
    message = [html.Div(e, className="alert") for e in errors] + [html.Div(n, className="note") for n in notes]
    return (
        org_a,
        org_b,
        b_style,
        *[charts[k] for k in CHARTS],
        week,
        message,
        not playing,
        speed.interval_ms,
        "Pause" if playing else "▶ Play",
    )

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

from ..params import PARAMETERS, SEED_FILES, ParameterError
from .figures import CHARTS, chart_figures, organisation_figure
from .levers import (
    DEFAULT_SPEED,
    LEVERS,
    MAIN_LEVERS,
    MAX_SEED,
    MORE_LEVERS,
    SPEEDS,
    check_lever,
    check_levers,
    check_seed,
    check_speed,
    plain,
    slider_step,
)
from .presets import DEFAULT_KEY, Preset, load_presets
from .sessions import SessionStore, new_session_id

log = logging.getLogger("cocreate_sim.app")

TITLE = "Co-creation in a municipality: move the levers"

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

INDEX = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n{%metas%}\n<title>{%title%}</title>\n{%favicon%}\n{%css%}\n'
    f"<style>{CSS}</style>\n</head>\n<body>\n{{%app_entry%}}\n<footer>\n{{%config%}}\n{{%scripts%}}\n"
    "{%renderer%}\n</footer>\n</body>\n</html>\n"
)

NO_INPUT_BOX = {"allow_direct_input": False} if "allow_direct_input" in dcc.Slider().available_properties else {}
"""Dash 4 draws a number box next to each slider; the panel is narrow, so we leave it out."""

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


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
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, figure={"data": [], "layout": {"height": 250}})


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
        dcc.Input(id="seed", type="number", min=0, max=MAX_SEED, step=1, value=1, debounce=True, style={"width": 110}),
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
                    value="leader_dialogue",
                    clearable=False,
                ),
                html.Label("Its value in run B"),
                dcc.Slider(id="compare-value", min=0, max=1, step=0.02, value=1.0, **NO_INPUT_BOX),
                html.P(
                    "Both runs use the same seed and restart together; every other lever you move applies to both.",
                    className="small",
                ),
            ],
        ),
        html.H2("Levers (change them while it runs)"),
        *[_lever(n) for n in MAIN_LEVERS],
        html.Details([html.Summary("More levers"), *[_lever(n) for n in MORE_LEVERS]]),
    ]


def create_app(scenarios: str | Path | None = None, max_sessions: int | None = None) -> dash.Dash:
    """The Dash app with its callbacks; presets are read from ``scenarios`` once, at start."""
    presets, notes = load_presets(scenarios)
    store = SessionStore() if max_sessions is None else SessionStore(max_sessions)
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
    app.layout = lambda: build_layout(presets, notes)
    app.presets = presets  # type: ignore[attr-defined]
    app.sessions = store  # type: ignore[attr-defined]

    @app.server.errorhandler(Exception)
    def _malformed(err: Exception):  # a hand-made request must get an answer, not a 500 traceback
        if isinstance(err, HTTPException):
            return err
        log.warning("rejected a malformed request: %s: %s", type(err).__name__, err)
        return {"error": f"malformed request ({type(err).__name__})"}, 400

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
            return [no_update] * len(ctx.outputs_list[0]), no_update, f"Unknown preset {key!r}.", no_update
        values = []
        for item in ctx.outputs_list[0]:
            name = item["id"].get("name") if isinstance(item.get("id"), dict) else None
            values.append(preset.params.get(name, no_update) if name in LEVERS else no_update)
        count = previous.get("count", 0) + 1 if isinstance(previous, dict) else 1
        info = f"{preset.description} Horizon {preset.steps} weeks, seed {preset.seed}."
        return values, {"key": key, "count": count}, info, preset.seed

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

    outputs = [
        Output("org-a", "figure"),
        Output("org-b", "figure"),
        Output("org-b-box", "style"),
        *[Output(f"chart-{k}", "figure") for k in CHARTS],
        Output("week", "children"),
        Output("message", "children"),
        Output("clock", "disabled"),
        Output("clock", "interval"),
        Output("play", "children"),
    ]

    @app.callback(
        *outputs,
        Input("clock", "n_intervals"),
        Input("play", "n_clicks"),
        Input("step", "n_clicks"),
        Input("reset", "n_clicks"),
        Input({"type": "lever", "name": ALL}, "value"),
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
            return _only_message(len(outputs), [str(err)])
        except Exception as err:  # never a 500: the page shows what went wrong and the run stays as it was
            log.exception("the app's update failed")
            return _only_message(len(outputs), [f"Something went wrong on the server ({type(err).__name__}: {err})."])

    return app


def _only_message(n_outputs: int, errors: list[str]) -> tuple:
    out = [no_update] * n_outputs
    out[8] = [html.Div(e, className="alert") for e in errors]
    return tuple(out)


def _triggered() -> set[str]:
    names = set()
    for value in ctx.triggered_prop_ids.values():
        names.add(value.get("type", "") if isinstance(value, dict) else str(value))
    return names


def _update(
    presets: dict[str, Preset],
    store: SessionStore,
    _ticks: Any,
    _plays: Any,
    _steps: Any,
    _resets: Any,
    lever_values: Any,
    preset_applied: Any,
    seed_value: Any,
    compare_on: Any,
    compare_lever: Any,
    compare_value: Any,
    speed_value: Any,
    session_id: Any,
) -> tuple:
    trig = _triggered()
    errors: list[str] = []
    notes: list[str] = []
    try:
        speed = check_speed(speed_value)
    except ParameterError as err:
        errors.append(str(err))
        speed = SPEEDS[DEFAULT_SPEED]
    lever_items = ctx.inputs_list[4] if isinstance(ctx.inputs_list[4], list) else []
    names = [item.get("id", {}).get("name") if isinstance(item.get("id"), dict) else None for item in lever_items]
    values = [item.get("value") for item in lever_items]
    levers, lever_errors = check_levers(names, values)
    errors += [f"Not applied: {e}" for e in lever_errors]

    preset_key = preset_applied.get("key") if isinstance(preset_applied, dict) else DEFAULT_KEY
    preset = presets.get(preset_key) if isinstance(preset_key, str) else None
    if preset is None:
        errors.append(f"Unknown preset {preset_key!r}; kept the current one.")

    session = store.get(session_id)
    new = session is None
    if new:
        session = store.create(session_id, preset or presets[DEFAULT_KEY])
        if "preset-applied" not in trig:  # not this page's first call: its run was dropped
            notes.append(
                "This page's run was dropped (the server restarted, or many pages were open), so it started again "
                "at week 0. Choose the starting point again if you had changed it."
            )
        if len(store) >= store.max_sessions:
            notes.append("Many pages are open; the least recently used ones will have to be reloaded.")

    with session.lock:
        try:
            seed = check_seed(seed_value)
        except ParameterError as err:
            errors.append(f"Not applied: {err}")
            seed = session.seed
        compare = session.compare
        if isinstance(compare_on, list) and "on" in compare_on:
            try:
                compare = check_lever(compare_lever, compare_value)
            except ParameterError as err:
                errors.append(f"Side by side not changed: {err}")
        elif compare_on in ([], None):
            compare = None
        else:
            errors.append(f"Side by side not changed: expected a list of ticked options, got {compare_on!r}.")

        restart = new or bool(trig & {"reset", "preset-applied"})
        if not restart and (seed != session.seed or compare != session.compare):
            restart = True
        if restart:
            if preset is not None and ("preset-applied" in trig or new):
                session.preset = preset
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
            if not new and not trig & {"reset", "preset-applied"}:
                both = "Both runs restarted" if session.compare else "Restarted"
                notes.append(f"{both} at week 0 with seed {session.seed}.")
        else:
            try:
                session.set_levers(levers)
            except ParameterError as err:
                errors.append(f"Not applied: {err}")

        # whether the clock runs is kept here, not in the browser, so a late tick cannot restart a paused run
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
        return _render(session, errors, notes, session.playing, speed)


def _render(session: Any, errors: list[str], notes: list[str], playing: bool, speed: Any) -> tuple:
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

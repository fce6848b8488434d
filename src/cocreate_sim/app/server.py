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
import flask
from dash import ALL, Input, Output, State, ctx, html, no_update
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import shorten
from ..limits import MAX_REQUEST_BYTES
from ..params import PARAMETERS, ParameterError
from .figures import CHARTS, chart_figures, organisation_figure
from .layout import INDEX, TITLE, build_layout, lever_label, slider_marks
from .levers import (
    DEFAULT_SPEED,
    LEVERS,
    SPEEDS,
    Speed,
    check_lever,
    check_levers,
    check_seed,
    check_speed,
    slider_step,
)
from .presets import DEFAULT_KEY, Preset, load_presets
from .sessions import IdState, Session, SessionError, SessionStore

log = logging.getLogger("cocreate_sim.app")

HTTP_BAD_REQUEST = 400
"""The answer to a malformed request."""
SERVER_FAILED = (
    "Something went wrong on the server, so this step was not done; the run is as it was. If it happens again, "
    "press Reset or reload the page."
)
"""What the page says when a callback fails inside (the details go to the server's log, never to the page)."""
SESSION_EXPIRED = (
    "Your session expired, start again: press Reset (your levers are kept) or reload the page. The server keeps "
    "the runs of the {count} most recently used pages, and this page's run was dropped to make room."
)
"""What a page whose session was dropped says."""
SESSION_UNKNOWN = (
    "This page has no run on the server: its session id was not issued by this server (it may have restarted "
    "since the page was loaded). Reload the page to start again."
)
"""What a page says whose session id the server never issued (made up, malformed, or from before a restart)."""


# ---------------------------------------------------------------- the app
def create_app(scenarios: str | Path | None = None, max_sessions: int | None = None) -> dash.Dash:
    """The Dash app with its callbacks; presets are read from ``scenarios`` once, at start."""
    presets, notes = load_presets(scenarios)
    store = SessionStore() if max_sessions is None else SessionStore(max_sessions)
    app = _offline_dash()
    app.layout = lambda: build_layout(presets, notes, store.issue())
    app.presets = presets  # type: ignore[attr-defined]
    app.sessions = store  # type: ignore[attr-defined]
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.server.before_request(_refuse_large_bodies)
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


def _refuse_large_bodies() -> None:
    """Refuse (HTTP 413) a body larger than MAX_REQUEST_BYTES before anything reads it."""
    length = flask.request.content_length
    if length is not None and length > MAX_REQUEST_BYTES:
        raise RequestEntityTooLarge()


def _malformed(err: Exception):
    """A hand-made request gets an answer (HTTP 4xx) in one plain sentence, not a 500 with a traceback."""
    if isinstance(err, RequestEntityTooLarge):
        return {"error": f"The request is larger than {MAX_REQUEST_BYTES} bytes; it was refused."}, err.code
    if isinstance(err, HTTPException):
        return err
    log.warning("rejected a malformed request: %s: %s", type(err).__name__, err)
    return {"error": "The request was malformed; it was refused."}, HTTP_BAD_REQUEST


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


COMPARE_RANGE_OUTPUTS = ("min", "max", "step", "marks", "value")
"""What the run-B slider takes from the chosen lever."""


def _add_compare_callback(app: dash.Dash) -> None:
    """The run-B slider takes the range of the chosen lever."""

    @app.callback(
        *[Output("compare-value", prop) for prop in COMPARE_RANGE_OUTPUTS],
        Input("compare-lever", "value"),
        Input("compare-on", "value"),
        State({"type": "lever", "name": ALL}, "value"),
    )
    def compare_range(name: Any, _on: Any, values: list[Any]):
        """B starts at the far end of the lever from A's current value, so the difference shows."""
        if not isinstance(name, str) or name not in LEVERS:
            return (no_update,) * len(COMPARE_RANGE_OUTPUTS)
        p = PARAMETERS[name]
        current = p.default
        for item in ctx.states_list[0]:
            if isinstance(item.get("id"), dict) and item["id"].get("name") == name:
                try:
                    current = p.check(item.get("value"))
                except ParameterError:
                    pass
        other = p.high if (current - p.low) <= (p.high - current) else p.low
        return p.low, p.high, slider_step(p), slider_marks(p.low, p.high), other


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
        except Exception:  # never a 500: the page says what happened in plain words, the log has the details
            log.exception("the app's update failed")
            return _only_message([SERVER_FAILED])


def _only_message(errors: list[str], *, stop: bool = False) -> tuple:
    """Outputs that change only the message (and, with ``stop``, stop the page's clock)."""
    out: list[Any] = [no_update] * len(UPDATE_OUTPUTS)
    out[MESSAGE_OUTPUT] = [html.Div(e, className="alert") for e in errors]
    if stop:
        out[UPDATE_OUTPUTS.index(("clock", "disabled"))] = True
        out[UPDATE_OUTPUTS.index(("play", "children"))] = "▶ Play"
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
        session = _open_session(store, session_id, preset or presets[DEFAULT_KEY], trig, notes)
        if session is None:
            return _no_session(store, session_id)

    with session.lock:
        if session.closed:  # dropped while this request waited for it
            return _no_session(store, session_id)
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


def _open_session(
    store: SessionStore, session_id: Any, preset: Preset, trig: set[str], notes: list[str]
) -> Session | None:
    """The session of a page's first callback, or of an expired page that presses Reset; else None.

    The server creates sessions only under ids it issued: a made-up id gets none.
    """
    state = store.state(session_id)
    if state is IdState.EXPIRED and "reset" not in trig:
        return None
    if state not in (IdState.ISSUED, IdState.EXPIRED):
        return None
    try:
        session = store.open(session_id, preset)
    except SessionError:
        return None
    if state is IdState.EXPIRED:
        notes.append("Started again at week 0 after your session expired.")
    if len(store) >= store.max_sessions:
        notes.append("Many pages are open; the least recently used ones will have to start again.")
    return session


def _no_session(store: SessionStore, session_id: Any) -> tuple:
    """The page's answer when it has no session: why, in one sentence, and its clock stopped."""
    if store.state(session_id) is IdState.EXPIRED:
        return _only_message([SESSION_EXPIRED.format(count=store.max_sessions)], stop=True)
    return _only_message([SESSION_UNKNOWN], stop=True)


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
        titles = [f"A: {lever_label(name)} = {a_value:g}", f"B: same seed, {lever_label(name)} = {value:g}"]
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

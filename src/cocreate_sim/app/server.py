"""The Dash app: the page from its address, lessons, levers, run controls, and a frame per tick.

Why Dash: it serves its renderer, its components and plotly.js from the
installed Python packages (``serve_locally=True``), so the page works in a
classroom without internet. The app drives
:class:`~cocreate_sim.model.CoCreationModel` directly; the model state stays on
the server (:mod:`.sessions`) and every value the browser sends is checked
there (:mod:`.levers`, :mod:`.setup`) before it reaches a model. Each tick the
server sends a small frame (:mod:`.frames`) that the page's script
(``cocreate.js``) paints.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import dash
import flask
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, no_update
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import shorten
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, check_language, gettext_for
from ..limits import APP_SESSIONS, MAX_REQUEST_BYTES
from ..params import DEFAULTS, PARAMETERS, ParameterError
from .frames import csv_text, levers_text
from .layout import TITLE, build_page, build_shell, index_string, lesson_box, preset_info, slider_marks
from .lessons import LESSONS
from .levers import DEFAULT_SPEED, LEVERS, check_lever, check_levers, check_seed, slider_step
from .presets import DEFAULT_KEY, Preset, load_presets
from .sessions import SessionStore
from .setup import LESSON_KEYS, LESSON_PRESET, SPEED_INDEX, Setup, far_end, make_query, parse_query
from .update import add_update_callback, checked_language

log = logging.getLogger("cocreate_sim.app")

HTTP_BAD_REQUEST = 400
"""The answer to a malformed request."""
RESTORED = N_("Restored the setup from the page address (levers, seed, speed); the run starts at week 0.")
"""What a page loaded from an address with a setup says (a reload or a shared link)."""
LANG_TOKEN = "{%lang%}"
"""Placeholder for the page's language in the page template (filled per request)."""
TIMED_PATH = "/_dash-update-component"
"""Requests whose server time is reported in a Server-Timing header (the benchmarks read it)."""


RENDERER_HOOKS = {
    "request_pre": "function (payload) { if (window.cocreateRequestPre) window.cocreateRequestPre(payload); }",
    "request_post": "function (payload) { if (window.cocreateRequestPost) window.cocreateRequestPost(payload); }",
}
"""Dash renderer hooks into the page's script (cocreate.js): a clock tick never overtakes the one before it."""


def lesson_presets(lang_default: str = DEFAULT_LANGUAGE) -> dict[str, Preset]:
    """One preset per lesson: the model's defaults with the lesson's run-A levers, its horizon and seed."""
    out = {}
    for lesson in LESSONS:
        params = {**DEFAULTS, **lesson.base}
        out[LESSON_PRESET + lesson.key] = Preset(
            LESSON_PRESET + lesson.key, lesson.title, params, lesson.steps, lesson.seed, lesson.setup
        )
    return out


# ---------------------------------------------------------------- the app
def create_app(
    scenarios: str | Path | None = None,
    max_sessions: int | None = None,
    lang: str = DEFAULT_LANGUAGE,
    worker: tuple[int, int] = (0, 1),
) -> dash.Dash:
    """The Dash app with its callbacks; presets are read from ``scenarios`` once, at start.

    ``worker`` is this process's place (index, count) among the server's worker processes (:mod:`.proxy`).
    """
    lang = check_language(lang)
    presets, notes = load_presets(scenarios)
    every = {**presets, **lesson_presets()}
    store = SessionStore(APP_SESSIONS if max_sessions is None else max_sessions, worker)
    app = _offline_dash(lang)
    app.layout = lambda: build_shell(store.issue())
    app.presets = presets  # type: ignore[attr-defined]
    app.sessions = store  # type: ignore[attr-defined]
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.server.before_request(_refuse_large_bodies)
    app.server.after_request(_server_timing)
    app.server.register_error_handler(Exception, _malformed)
    _add_page_callback(app, presets, notes, lang)
    _add_preset_callbacks(app, presets)
    _add_lesson_callbacks(app)
    _add_compare_callbacks(app)
    add_update_callback(app, every, store)
    _add_address_callback(app, presets)
    _add_download_callback(app, store)
    _add_client_callbacks(app)
    return app


def _offline_dash(lang: str) -> dash.Dash:
    """A Dash app that serves everything itself and never asks another host for anything."""
    app = dash.Dash(
        __name__,
        title=gettext_for(lang, "app")(TITLE),
        serve_locally=True,
        external_stylesheets=[],
        external_scripts=[],
        include_assets_files=False,
        update_title=None,
        suppress_callback_exceptions=True,  # the page is built from its address after the shell arrives
        assets_folder=str(Path(__file__).with_name("no_assets")),
        hooks=RENDERER_HOOKS,
    )
    # the upgrade check would ask dash-version.plotly.com; a classroom offline must not try
    try:
        app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    except TypeError:  # Dash versions without the check have nothing to turn off
        app.enable_dev_tools(debug=False)
    app.index_string = index_string(LANG_TOKEN)
    plain_index = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        """The page in the language its address asks for (``?lang=da``), else the server's: ``<html lang>``, title."""
        asked = flask.request.args.get("lang") if flask.has_request_context() else None
        page_lang = asked if asked in LANGUAGES else lang
        kwargs["title"] = gettext_for(page_lang, "app")(TITLE)
        return plain_index(**kwargs).replace(LANG_TOKEN, page_lang)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]
    return app


def _refuse_large_bodies() -> None:
    """Refuse (HTTP 413) a body larger than MAX_REQUEST_BYTES before anything reads it; start the clock."""
    flask.g.started = time.perf_counter()
    length = flask.request.content_length
    if length is not None and length > MAX_REQUEST_BYTES:
        raise RequestEntityTooLarge()


def _server_timing(response: flask.Response) -> flask.Response:
    """Say how long the server worked on a callback (``Server-Timing: app;dur=ms``), for the benchmarks."""
    started = getattr(flask.g, "started", None)
    if started is not None and flask.request.path == TIMED_PATH:
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.2f}"
    return response


def _malformed(err: Exception):
    """A hand-made request gets an answer (HTTP 4xx) in one plain sentence, not a 500 with a traceback."""
    if isinstance(err, RequestEntityTooLarge):
        return {"error": f"The request is larger than {MAX_REQUEST_BYTES} bytes; it was refused."}, err.code
    if isinstance(err, HTTPException):
        return err
    log.warning("rejected a malformed request: %s: %s", type(err).__name__, err)
    return {"error": "The request was malformed; it was refused."}, HTTP_BAD_REQUEST


# ------------------------------------------------------ page and controls
def _add_page_callback(app: dash.Dash, presets: dict[str, Preset], notes: list[str], lang: str) -> None:
    """The page, built once from its address (later changes of the address are the page's own)."""

    @app.callback(Output("page", "children"), Input("url", "search"), State("page", "children"))
    def page(search: Any, built: Any):
        if built:
            return no_update
        setup = parse_query(search, presets, lang)
        _ = gettext_for(setup.lang, "app")
        messages = list(setup.notes)
        if isinstance(search, str) and search.strip("?"):
            messages.insert(0, _(RESTORED))
        return build_page(setup, presets, notes, messages)


def _lever_outputs(values: dict[str, Any]) -> list[Any]:
    """Values for the pattern-matched lever sliders, in the page's order (no_update for those not given)."""
    out = []
    for item in ctx.outputs_list[0]:
        name = item["id"].get("name") if isinstance(item.get("id"), dict) else None
        out.append(values.get(name, no_update) if name in LEVERS else no_update)
    return out


def _applied(key: str, previous: Any) -> dict[str, Any]:
    """The new value of ``preset-applied``: the starting point's key and a count that changes every time."""
    count = previous.get("count", 0) + 1 if isinstance(previous, dict) else 1
    return {"key": key, "count": count}


def _add_preset_callbacks(app: dash.Dash, presets: dict[str, Preset]) -> None:
    """Choosing a preset sets the sliders and the seed; ``preset-applied`` then restarts the run."""

    @app.callback(
        Output({"type": "lever", "name": ALL}, "value", allow_duplicate=True),
        Output("preset-applied", "data", allow_duplicate=True),
        Output("preset-info", "children"),
        Output("seed", "value", allow_duplicate=True),
        Output("lesson", "value", allow_duplicate=True),
        Input("preset", "value"),
        State("preset-applied", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def apply_preset(key: Any, previous: Any, lang: Any):
        lang = checked_language(lang)
        preset = presets.get(key) if isinstance(key, str) else None
        if preset is None:
            return _lever_outputs({}), no_update, f"Unknown preset {shorten(key)}.", no_update, no_update
        return (
            _lever_outputs(preset.params),
            _applied(key, previous),
            preset_info(preset, lang),
            str(preset.seed),
            "",
        )


def _add_lesson_callbacks(app: dash.Dash) -> None:
    """A lesson sets up both runs with one click; Play waits until the class has made its prediction."""

    @app.callback(
        Output({"type": "lever", "name": ALL}, "value", allow_duplicate=True),
        Output("preset-applied", "data", allow_duplicate=True),
        Output("seed", "value", allow_duplicate=True),
        Output("compare-on", "value", allow_duplicate=True),
        Output("compare-lever", "value", allow_duplicate=True),
        Output("compare-value", "value", allow_duplicate=True),
        Output("lesson-box", "children"),
        Output("lesson-box", "style"),
        Output("prediction", "value"),
        Output("prediction", "style"),
        Input("lesson", "value"),
        State("preset-applied", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def apply_lesson(key: Any, previous: Any, lang: Any):
        lang = checked_language(lang)
        lesson = LESSON_KEYS.get(key) if isinstance(key, str) else None
        hidden = {"display": "none"}
        if lesson is None:
            return (_lever_outputs({}), *([no_update] * 5), [], hidden, None, hidden)
        return (
            _lever_outputs({**DEFAULTS, **lesson.base}),
            _applied(LESSON_PRESET + lesson.key, previous),
            str(lesson.seed),
            ["on"],
            lesson.lever,
            lesson.value,
            lesson_box(lesson, lang),
            {"display": "block"},
            None,
            {"display": "block"},
        )

    @app.callback(
        Output("play", "disabled"),
        Output("step", "disabled"),
        Input("lesson", "value"),
        Input("prediction", "value"),
    )
    def gate_play(key: Any, prediction: Any):
        waiting = isinstance(key, str) and key in LESSON_KEYS and prediction not in ("up", "down", "none")
        return waiting, waiting


COMPARE_RANGE_OUTPUTS = ("min", "max", "step", "marks", "value")
"""What the run-B slider takes from the chosen lever."""


def _add_compare_callbacks(app: dash.Dash) -> None:
    """The run-B slider takes the range of the chosen lever; run B's controls show only side by side."""

    @app.callback(
        *[Output("compare-value", prop, allow_duplicate=prop == "value") for prop in COMPARE_RANGE_OUTPUTS],
        Input("compare-lever", "value"),
        Input("compare-on", "value"),
        State({"type": "lever", "name": ALL}, "value"),
        State("lesson", "value"),
        prevent_initial_call=True,
    )
    def compare_range(name: Any, on: Any, _values: list[Any], lesson_key: Any):
        """B starts at the far end of the lever from A's value (or at the lesson's value), so the difference shows.

        Set whenever side by side is ticked or its lever changes, so run B never starts equal to run A.
        """
        if not isinstance(name, str) or name not in LEVERS or not (isinstance(on, list) and "on" in on):
            return (no_update,) * len(COMPARE_RANGE_OUTPUTS)
        p = PARAMETERS[name]
        lesson = LESSON_KEYS.get(lesson_key) if isinstance(lesson_key, str) else None
        if lesson is not None and lesson.lever == name:
            value = lesson.value
        else:
            current = p.default
            for item in ctx.states_list[0]:
                if isinstance(item.get("id"), dict) and item["id"].get("name") == name:
                    try:
                        current = p.check(item.get("value"))
                    except ParameterError:
                        pass
            value = far_end(name, current)
        return p.low, p.high, slider_step(p), slider_marks(p.low, p.high), value

    @app.callback(
        Output("compare-box", "style"),
        Output("orgs", "className"),
        Output("org-b-box", "style"),
        Input("compare-on", "value"),
        prevent_initial_call=True,
    )
    def compare_box(on: Any):
        two = isinstance(on, list) and "on" in on
        shown = {"display": "block" if two else "none"}
        return shown, "orgs two" if two else "orgs", shown


# ---------------------------------------------------------- address, CSV
def _add_address_callback(app: dash.Dash, presets: dict[str, Preset]) -> None:
    """The page address follows the setup, so a reload or a shared link restores it."""

    @app.callback(
        Output("address", "data"),
        Input({"type": "lever", "name": ALL}, "value"),
        Input("seed", "value"),
        Input("speed", "value"),
        Input("preset-applied", "data"),
        Input("compare-on", "value"),
        Input("compare-lever", "value"),
        Input("compare-value", "value"),
        Input("lesson", "value"),
        Input("view", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def address(_levers, seed, speed, applied, on, lever, value, lesson, view, lang):
        names = [i["id"]["name"] for i in ctx.inputs_list[0] if isinstance(i.get("id"), dict)]
        good, _errors = check_levers(names, [i.get("value") for i in ctx.inputs_list[0]])
        key = applied.get("key") if isinstance(applied, dict) else DEFAULT_KEY
        preset_key = key if key in presets else DEFAULT_KEY
        try:
            seed_number: int | None = check_seed(seed.strip() if isinstance(seed, str) else seed)
        except ParameterError:
            seed_number = None
        try:
            compare = check_lever(lever, value) if isinstance(on, list) and "on" in on else None
        except ParameterError:
            compare = None
        setup = Setup(
            lang=checked_language(lang),
            projector=isinstance(view, list) and "projector" in view,
            preset=preset_key,
            lesson=lesson if isinstance(lesson, str) and lesson in LESSON_KEYS else None,
            seed=seed_number,
            speed=speed if isinstance(speed, int) and speed in SPEED_INDEX.values() else DEFAULT_SPEED,
            levers=good,
            compare=compare,
        )
        return make_query(setup, presets)


def _add_download_callback(app: dash.Dash, store: SessionStore) -> None:
    """'Download CSV': the run's weekly time series (both runs side by side), levers and seed in the header."""

    @app.callback(
        Output("download-csv", "data"),
        Input("download", "n_clicks"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def download(_clicks: Any, session_id: Any):
        session = store.get(session_id)
        if session is None:
            return no_update
        with session.lock:
            if session.closed or not session.models:
                return no_update
            header = [
                ("preset", session.preset.key),
                ("seed", str(session.seed)),
                ("week", f"{session.week} of {session.horizon}"),
                ("levers of run A", levers_text(session.params_a())),
            ]
            labels = ["A"]
            if session.compare is not None:
                header.append(("run B differs in", f"{session.compare[0]}={session.compare[1]:g}"))
                labels.append("B")
            for week, name, value in session.changes:
                header.append(("lever changed", f"week {week}: {name}={value:g}"))
            text = csv_text(session.models, header, labels)
        name = f"cocreate_sim-{session.preset.key.replace(':', '-')}-seed{session.seed}-week{session.week}.csv"
        return dcc.send_string(text, name)


def _add_client_callbacks(app: dash.Dash) -> None:
    """Callbacks that run in the browser (``cocreate.js``): painting frames, language, view, drawer."""
    app.clientside_callback(
        ClientsideFunction("cocreate", "paint"), Output("have", "data"), Input("frame", "data"), State("have", "data")
    )
    app.clientside_callback(
        ClientsideFunction("cocreate", "address"), Output("address", "className"), Input("address", "data")
    )
    app.clientside_callback(
        ClientsideFunction("cocreate", "language"),
        Output("lang-switch", "className"),
        Input("lang-switch", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(ClientsideFunction("cocreate", "view"), Output("view", "className"), Input("view", "value"))
    app.clientside_callback(
        ClientsideFunction("cocreate", "tabs"),
        Output("panel-model", "style"),
        Output("panel-info", "style"),
        Output("tab-model", "className"),
        Output("tab-info", "className"),
        Input("tab-model", "n_clicks"),
        Input("tab-info", "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cocreate", "drawer"),
        Output("controls", "className"),
        Input("drawer-toggle", "n_clicks"),
        prevent_initial_call=True,
    )

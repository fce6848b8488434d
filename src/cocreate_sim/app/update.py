"""The one callback that restarts, steps and sends a frame: clock ticks, buttons, levers, seed, side by side.

Everything the page sends is checked here before it reaches a session; a failure inside answers with one plain
sentence (the details go to the server's log). A clock tick steps the run only while the page keeps up with
painting (``MAX_LEAD_WEEKS``), so a slow browser slows the run instead of falling behind it. While a run plays,
the weeks the next tick will need are stepped after the answer has gone (:func:`_step_ahead`), so a tick's
answer waits for building a frame, not for the model.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dash
import flask
from dash import ALL, Input, Output, State, ctx, html, no_update

from ..errors import shorten
from ..i18n import DEFAULT_LANGUAGE, N_, check_language, gettext_for
from ..limits import MAX_SEED
from ..params import ParameterError
from .lessons import measured_change
from .levers import DEFAULT_SPEED, LEVERS, SPEEDS, Speed, check_lever, check_levers, check_seed
from .presets import DEFAULT_KEY, Preset
from .sessions import MAX_WEEKS_PER_FRAME, IdState, Session, SessionError, SessionStore
from .setup import LESSON_KEYS

log = logging.getLogger("cocreate_sim.app")

SERVER_FAILED = N_(
    "Something went wrong on the server, so this step was not done; the run is as it was. If it happens again, "
    "press Reset or reload the page."
)
"""What the page says when a callback fails inside (the details go to the server's log, never to the page)."""
SESSION_EXPIRED = N_(
    "Your session expired, start again: press Reset (your levers are kept) or reload the page. The server keeps "
    "the runs of the {count} most recently used pages, and this page's run was dropped to make room."
)
"""What a page whose session was dropped says."""
SESSION_UNKNOWN = N_(
    "This page has no run on the server: its session id was not issued by this server (it may have restarted "
    "since the page was loaded). Reload the page to start again."
)
"""What a page says whose session id the server never issued (made up, malformed, or from before a restart)."""

UPDATE_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("frame", "data"),
    ("week", "children"),
    ("message", "children"),
    ("lesson-result", "children"),
    ("clock", "disabled"),
    ("clock", "interval"),
    ("play", "children"),
)
"""What every update sets, in the order :func:`_render` returns it."""
MESSAGE_OUTPUT = UPDATE_OUTPUTS.index(("message", "children"))
"""Position of the message box among UPDATE_OUTPUTS."""
LEVER_INPUT = 4
"""Position of the levers (a pattern-matching input) among the update's inputs."""


def add_update_callback(app: dash.Dash, presets: dict[str, Preset], store: SessionStore) -> None:
    """The one callback that restarts, steps and sends a frame: clock ticks, buttons, levers, seed, side by side."""

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
        State("have", "data"),
        State("lang", "data"),
        State("lesson", "value"),
        State("prediction", "value"),
    )
    def update(*args: Any):
        lang = checked_language(args[-3])
        try:
            return _update(presets, store, *args)
        except ParameterError as err:
            return _only_message([str(err)])
        except Exception:  # never a 500: the page says what happened in plain words, the log has the details
            log.exception("the app's update failed")
            return _only_message([gettext_for(lang, "app")(SERVER_FAILED)])


def checked_language(value: Any) -> str:
    """A language code from the page, or the default for anything else (never an error: it only picks texts)."""
    try:
        return check_language(value)
    except ValueError:
        return DEFAULT_LANGUAGE


def _only_message(errors: list[str], *, stop: bool = False) -> tuple:
    """Outputs that change only the message (and, with ``stop``, stop the page's clock)."""
    out: list[Any] = [no_update] * len(UPDATE_OUTPUTS)
    out[MESSAGE_OUTPUT] = [html.Div(e, className="alert") for e in errors]
    if stop:
        out[UPDATE_OUTPUTS.index(("clock", "disabled"))] = True
    return tuple(out)


def _triggered() -> set[str]:
    names = set()
    for value in ctx.triggered_prop_ids.values():
        names.add(value.get("type", "") if isinstance(value, dict) else str(value))
    return names


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
    have: Any,
    lang: Any,
    lesson_key: Any,
    prediction: Any,
) -> tuple:
    """Check everything the page sent, apply what is valid to its session, step, and send a frame."""
    lang = checked_language(lang)
    _ = gettext_for(lang, "app")
    trig = _triggered()
    errors: list[str] = []
    notes: list[str] = []
    speed = _checked_speed(speed_value, errors, _)
    levers = _checked_levers(errors, _)
    preset = _chosen_preset(presets, preset_applied, errors, _)
    session = store.get(session_id)
    new = session is None
    if session is None:
        session = _open_session(store, session_id, preset or presets[DEFAULT_KEY], trig, notes, _)
        if session is None:
            return _no_session(store, session_id, _)

    with session.lock:
        if session.closed:  # dropped while this request waited for it
            return _no_session(store, session_id, _)
        seed = _checked_seed(seed_value, session.seed, errors, _)
        compare = _checked_compare(session.compare, compare_on, compare_lever, compare_value, errors, _)
        restart_preset = preset is not None and (new or "preset-applied" in trig) and preset is not session.preset
        if new or trig & RESTARTS or restart_preset or seed != session.seed or compare != session.compare:
            if preset is not None and ("preset-applied" in trig or new):
                session.preset = preset
            _restart(session, levers, seed, compare, errors, _)
            if not new and not trig & RESTARTS:
                both = _("Both runs restarted") if session.compare else _("Restarted")
                notes.append(_("{what} at week 0 with seed {seed}.").format(what=both, seed=session.seed))
        else:
            try:
                session.set_levers(levers)
            except ParameterError as err:
                errors.append(_("Not applied: {error}").format(error=err))
        stepped = _advance(session, trig, speed, have)
        if session.playing:
            _after_answer(session, speed, have)
        if trig == {"clock"} and not stepped and _page_has(session, have):
            return _idle(session, speed)  # the page is painting what it has: nothing new to send
        return _render(session, have, lang, errors, notes, speed, lesson_key, prediction)


def _checked_speed(value: Any, errors: list[str], _: Any) -> Speed:
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in range(len(SPEEDS)):
        errors.append(
            _("The speed must be one of 0..{last}; got {got}.").format(last=len(SPEEDS) - 1, got=shorten(value))
        )
        return SPEEDS[DEFAULT_SPEED]
    return SPEEDS[int(value)]


def _checked_levers(errors: list[str], _: Any) -> dict[str, float | int]:
    """The lever values of this request (read with their ids, so a value is never matched to the wrong lever)."""
    items = ctx.inputs_list[LEVER_INPUT] if isinstance(ctx.inputs_list[LEVER_INPUT], list) else []
    names = [item.get("id", {}).get("name") if isinstance(item.get("id"), dict) else None for item in items]
    values = [item.get("value") for item in items]
    levers, lever_errors = check_levers(names, values)
    errors += [_("Not applied: {error}").format(error=e) for e in lever_errors]
    return levers


def _chosen_preset(presets: dict[str, Preset], applied: Any, errors: list[str], _: Any) -> Preset | None:
    key = applied.get("key") if isinstance(applied, dict) else DEFAULT_KEY
    preset = presets.get(key) if isinstance(key, str) else None
    if preset is None:
        errors.append(_("Unknown preset {key}; kept the current one.").format(key=shorten(key)))
    return preset


def _open_session(
    store: SessionStore, session_id: Any, preset: Preset, trig: set[str], notes: list[str], _: Any
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
        notes.append(_("Started again at week 0 after your session expired."))
    if len(store) >= store.max_sessions:
        notes.append(_("Many pages are open; the least recently used ones will have to start again."))
    return session


def _no_session(store: SessionStore, session_id: Any, _: Any) -> tuple:
    """The page's answer when it has no session: why, in one sentence, and its clock stopped."""
    if store.state(session_id) is IdState.EXPIRED:
        return _only_message([_(SESSION_EXPIRED).format(count=store.max_sessions)], stop=True)
    return _only_message([_(SESSION_UNKNOWN)], stop=True)


def _checked_seed(value: Any, current: int, errors: list[str], _: Any) -> int:
    try:
        return check_seed(value.strip() if isinstance(value, str) else value)
    except ParameterError:
        got = _("an empty field") if value in (None, "") else shorten(value)
        errors.append(
            _("Not applied: the seed must be a whole number from 0 to {max}; got {got}.").format(max=MAX_SEED, got=got)
        )
        return current


def _checked_compare(
    current: tuple[str, float | int] | None, on: Any, lever: Any, value: Any, errors: list[str], _: Any
) -> tuple[str, float | int] | None:
    """The side-by-side setting the page asks for, or the current one if the request is invalid."""
    if isinstance(on, list) and "on" in on:
        try:
            return check_lever(lever, value)
        except ParameterError as err:
            errors.append(_("Side by side not changed: {error}").format(error=err))
            return current
    if on in ([], None):
        return None
    errors.append(_("Side by side not changed: expected a list of ticked options, got {got}.").format(got=shorten(on)))
    return current


def _restart(
    session: Session,
    levers: dict[str, float | int],
    seed: int,
    compare: tuple[str, float | int] | None,
    errors: list[str],
    _: Any,
) -> None:
    """Back to week 0 with the page's levers (all of them dropped if they do not combine), seed and comparison."""
    merged = {**session.levers, **levers}
    try:
        session.levers = {k: v for k, v in merged.items() if k in LEVERS}
        session.params_a()
    except ParameterError as err:
        errors.append(_("Not applied: {error}").format(error=err))
        session.levers = {}
    session.seed = seed
    session.compare = compare
    session.rebuild()
    session.playing = False


MAX_LEAD_WEEKS = 12
"""Most weeks the server may run ahead of what the page has painted: Pause stops the run within this many weeks
of what the class sees, and a slow browser slows the run rather than falling behind it (docs/app.md, Speed)."""


def _page_has(session: Session, have: Any) -> bool:
    """Whether the page has received every week of this run (Store#have, written by cocreate.js)."""
    return isinstance(have, dict) and have.get("run") == session.run_id and have.get("week") == session.week


def _unsent(session: Session, have: Any) -> int | None:
    """Weeks of this run stepped ahead that the page has not received yet; None when the page lost track."""
    week = have.get("week") if isinstance(have, dict) and have.get("run") == session.run_id else None
    if not isinstance(week, int) or isinstance(week, bool) or not 0 <= session.week - week <= MAX_WEEKS_PER_FRAME:
        return None
    return session.week - week


def _painted(have: Any) -> int:
    painted = have.get("painted") if isinstance(have, dict) else None
    return painted if isinstance(painted, int) and not isinstance(painted, bool) else -1


MAX_WEEKS_PER_TICK = 2
"""Most ticks' worth of weeks one callback may step: enough to keep the pace when the browser paints slowly, and
bounded so that a server slowed by many pages does not take on more work per tick when it falls behind."""


PACE_SLACK = 1e-6
"""Ticks' worth of rounding forgiven when counting the ticks due (a pace started one tick ago is one tick due,
whatever the floating point says)."""


def _weeks_due(session: Session, speed: Speed, at: float) -> int:
    """Weeks the run should have moved on by wall-clock time ``at``, counted from where its pace started."""
    started, from_week, _speed = session.pace
    ticks = int((at - started) / (speed.interval_ms / 1000) + PACE_SLACK)
    return from_week + ticks * speed.weeks_per_tick - session.week


def _room(session: Session, have: Any) -> int:
    """Weeks the run may still step for this page: none if the page lost track, else up to MAX_LEAD_WEEKS ahead
    of what it painted and MAX_WEEKS_PER_FRAME ahead of what it received."""
    unsent = _unsent(session, have)
    if unsent is None:
        return 0
    lead = MAX_LEAD_WEEKS - (session.week - _painted(have))
    return max(0, min(lead, MAX_WEEKS_PER_FRAME - unsent))


def _advance(session: Session, trig: set[str], speed: Speed, have: Any) -> bool:
    """Play/pause, step, or a clock tick; whether the run moved on.

    The server, not the browser, knows whether the clock runs (so a late tick cannot restart a paused run).
    The pace is kept by the clock on the wall, not by the ticks: a tick that comes late (the browser was busy
    painting) catches up the weeks that were due, so normal speed holds a week every 0.3 s. A tick steps only
    while the page keeps up (it has received every week but those stepped ahead, and painted all but
    MAX_LEAD_WEEKS), so a slow browser slows the run instead of falling behind it; then the pace starts again
    from where the run is.
    """
    stepped = False
    if "play" in trig:
        session.playing = not session.playing
        session.pace = None
        if session.playing:  # the pace starts one tick ago: the weeks of the first tick are stepped ahead
            session.pace = (time.monotonic() - speed.interval_ms / 1000, session.week, speed)
    if "step" in trig and (not session.playing or _room(session, have) > 0):  # never a frame over the cap
        stepped = session.step(1) > 0
    if "clock" in trig and session.playing:
        now = time.monotonic()
        if session.pace is None or session.pace[2] != speed:
            session.pace = (now - speed.interval_ms / 1000, session.week, speed)  # the first tick steps at once
        due = _weeks_due(session, speed, now)
        todo = max(0, min(due, _room(session, have), MAX_WEEKS_PER_TICK * speed.weeks_per_tick))
        if todo:
            stepped = session.step(todo) > 0
        if todo < due:  # behind the pace (the page is slow): keep the pace from here, do not rush to catch up
            session.pace = (now, session.week, speed)
    if session.finished:
        session.playing = False
    return stepped


def _after_answer(session: Session, speed: Speed, have: Any) -> None:
    """Have :func:`_step_ahead` run once this request's answer has gone to the page (outside a request: never)."""
    if not flask.has_request_context():
        return
    sent = {"run": session.run_id, "week": session.week, "painted": _painted(have)}  # the run as it was answered

    @flask.after_this_request
    def _later(response: flask.Response) -> flask.Response:
        response.call_on_close(lambda: _step_ahead(session, speed, sent))
        return response


def _step_ahead(session: Session, speed: Speed, sent: dict[str, Any]) -> None:
    """Step now the weeks the next clock tick will be due, so that its answer only has to send them.

    Runs after the answer went out, while the page paints it. Only what the next tick would step anyway (the
    pace, MAX_WEEKS_PER_FRAME and MAX_LEAD_WEEKS hold as for a tick), and nothing if the run changed meanwhile.
    """
    try:
        with session.lock:
            if session.closed or not session.playing or session.run_id != sent["run"] or session.week != sent["week"]:
                return
            if session.pace is None or session.pace[2] != speed:
                return
            # what the page will have: the frame this answer sent (a lost frame sent again is behind the run)
            last = session.sent
            received = last[1] if last is not None and last[0] == session.run_id else sent["week"]
            page = {"run": session.run_id, "week": received, "painted": sent["painted"]}
            due = _weeks_due(session, speed, time.monotonic() + speed.interval_ms / 1000)
            todo = max(0, min(due, _room(session, page), speed.weeks_per_tick))
            if todo:
                session.step(todo)
    except Exception:  # the page's next tick steps instead; never an error after the answer has gone
        log.exception("stepping ahead failed")


def _idle(session: Session, speed: Speed) -> tuple:
    """A tick that changed nothing: only the clock's state (so the page keeps asking while it plays)."""
    out: list[Any] = [no_update] * len(UPDATE_OUTPUTS)
    out[UPDATE_OUTPUTS.index(("clock", "disabled"))] = not session.playing
    out[UPDATE_OUTPUTS.index(("clock", "interval"))] = speed.interval_ms
    return tuple(out)


def _render(
    session: Session,
    have: Any,
    lang: str,
    errors: list[str],
    notes: list[str],
    speed: Speed,
    lesson_key: Any,
    prediction: Any,
) -> tuple:
    """Everything the page gets this tick, in the order of UPDATE_OUTPUTS."""
    _ = gettext_for(lang, "app")
    if session.finished:  # stays on the page until the run restarts, whatever else is moved
        notes.append(
            _("The run has reached its horizon of {weeks} weeks; press Reset to start again.").format(
                weeks=session.horizon
            )
        )
    message = [html.Div(e, className="alert") for e in errors] + [html.Div(n, className="note") for n in notes]
    frame = session.frame(have, lang)
    week = _("Week {week} of {horizon}").format(week=frame["week"], horizon=session.horizon)
    play = _("Pause") if session.playing else "▶ " + _("Play")
    result = _lesson_result(session, lesson_key, prediction, lang)
    return (
        frame,
        week,
        message,
        result,
        not session.playing,
        speed.interval_ms,
        play,
    )


def _lesson_result(session: Session, lesson_key: Any, prediction: Any, lang: str) -> Any:
    """After a lesson's run: the class's prediction next to the measured change, and what to notice."""
    lesson = LESSON_KEYS.get(lesson_key) if isinstance(lesson_key, str) else None
    if lesson is None or not session.finished or len(session.models) < 2:
        return []
    _ = gettext_for(lang, "app")
    t = gettext_for(lang, "info")
    if session.compare is None or session.compare[0] != lesson.lever:
        return html.Div(_("The lesson's setup was changed, so its result is not shown."), className="note")
    a = float(session.models[0].datacollector.model_vars[lesson.outcome][-1])
    b = float(session.models[1].datacollector.model_vars[lesson.outcome][-1])
    words = {"up": _("goes up"), "down": _("goes down"), "none": _("no change")}
    measured = measured_change(lesson, a, b)
    picked = words.get(prediction, _("no prediction"))
    verdict = _("The class's prediction was right.") if prediction == measured else _("The model did otherwise.")
    return html.Div(
        className="result",
        children=[
            html.Strong(t(lesson.outcome_label)),
            html.P(
                _(
                    "Your prediction: {picked}. Measured at week {week}: run A {a:.3f}, "
                    "run B {b:.3f} ({diff:+.3f}): {m}."
                ).format(picked=picked, week=session.week, a=a, b=b, diff=b - a, m=words[measured])
                + " "
                + verdict
            ),
            html.P(t(lesson.notice)),
        ],
    )

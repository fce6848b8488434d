"""How a playing run is stepped: at most one frame's weeks per answer, the next tick's weeks stepped ahead.

Issue 13 asks that the fastest speed shows at least 60 weeks a second in frames of at most 6 weeks, with the
server working at most 20 ms per callback. So each answer brings at most ``MAX_WEEKS_PER_FRAME`` weeks, and
while a run plays the weeks the next tick will need are stepped after the answer has gone
(``update._step_ahead``, run from the answer's ``close`` as a WSGI server calls it, and from the worker's
channel only after the answer is sent). These tests speak to the app in process through Flask's test client.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("dash")

from test_app_unit import _Page  # noqa: E402

from cocreate_sim.app import update  # noqa: E402
from cocreate_sim.app.channel import call_app, pack, read_message, serve_channel  # noqa: E402
from cocreate_sim.app.levers import SPEEDS  # noqa: E402
from cocreate_sim.app.sessions import MAX_WEEKS_PER_FRAME  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FASTEST = len(SPEEDS) - 1
"""Index of the fastest speed."""
NORMAL = 1
"""Index of the normal speed (one week a tick)."""


def _playing_page(speed: int = FASTEST) -> tuple[_Page, object]:
    from cocreate_sim.app.server import create_app

    app = create_app(REPO / "no-such-folder")
    page = _Page(app)
    page.send("preset-applied.data")
    page.send("play.n_clicks", play=1, speed=speed)
    session = app.sessions.get(page.sid)
    page.store = app.sessions
    return page, session


def _tick(page: _Page, session, week: int, painted: int | None = None, speed: int = FASTEST) -> dict:
    have = {"run": session.run_id, "week": week, "painted": week if painted is None else painted}
    return page.send("clock.n_intervals", clock=1, play=1, speed=speed, have=have)


def _week(answer: dict) -> int:
    return int(answer["week"]["children"].split()[1])


def test_a_late_tick_brings_at_most_one_frame_of_weeks() -> None:
    """A tick that comes long after the last one catches up at most MAX_WEEKS_PER_FRAME weeks, not all that were due."""
    page, session = _playing_page()
    _tick(page, session, 0)  # the page's first tick: the pace starts here
    week = session.week
    started, from_week, speed = session.pace
    session.pace = (started - 10.0, from_week, speed)  # ten seconds late: 800 weeks due at the fastest speed
    answer = _tick(page, session, week)
    frame = answer["frame"]["data"]
    assert 0 < _week(answer) - week <= MAX_WEEKS_PER_FRAME
    assert max(frame["points"]["uptake"]["x"][0]) == _week(answer)
    assert session.week - week <= 2 * MAX_WEEKS_PER_FRAME, "stepped ahead more than one more frame"


def test_the_next_ticks_weeks_are_stepped_after_the_answer_and_sent_by_it() -> None:
    page, session = _playing_page()
    answer = _tick(page, session, 0)
    sent = _week(answer)
    assert sent == SPEEDS[FASTEST].weeks_per_tick, "the first tick steps at once"
    assert session.week == sent + SPEEDS[FASTEST].weeks_per_tick, "the next tick's weeks were not stepped ahead"
    ahead = session.week
    answer = _tick(page, session, sent)  # the next tick, at once: nothing is due yet, but the weeks are ready
    assert _week(answer) == ahead
    assert min(answer["frame"]["data"]["points"]["uptake"]["x"][0]) == sent + 1, "the page gets every week once"


def test_a_playing_page_that_lost_an_answer_gets_that_frame_again_not_twelve_weeks_at_once() -> None:
    """Dash drops an answer that a newer request overtook; the run had been stepped ahead meanwhile."""
    page, session = _playing_page()
    lost = _week(_tick(page, session, 0))  # this answer never reaches the page
    ahead = session.week
    assert ahead - 0 > MAX_WEEKS_PER_FRAME
    answer = _tick(page, session, 0)  # the page still has week 0
    frame = answer["frame"]["data"]
    assert frame["week"] == _week(answer) == lost, "the lost frame is sent again, with its own week"
    assert frame["points"]["uptake"]["x"][0] == list(range(1, lost + 1))
    answer = _tick(page, session, lost)
    assert (
        _week(answer) - lost <= MAX_WEEKS_PER_FRAME
        and answer["frame"]["data"]["points"]["uptake"]["x"][0][0] == lost + 1
    )


def test_nothing_is_stepped_ahead_when_paused_or_when_the_page_is_far_behind() -> None:
    page, session = _playing_page()
    answer = _tick(page, session, 0)
    week = session.week
    page.send("play.n_clicks", play=2, speed=FASTEST, have={"run": session.run_id, "week": _week(answer)})
    assert not session.playing and session.week == week, "a paused run moved on"

    page.send("play.n_clicks", play=3, speed=FASTEST)
    _tick(page, session, session.week, painted=0)  # painted only week 0: the page is a whole lead behind
    stuck = session.week
    _tick(page, session, stuck, painted=0)
    assert session.week == stuck, "stepped past MAX_LEAD_WEEKS ahead of what the page painted"
    assert stuck <= update.MAX_LEAD_WEEKS


def test_stepping_ahead_leaves_a_run_that_changed_meanwhile_alone() -> None:
    _page, session = _playing_page()
    session.pace = (time.monotonic() - 1.0, session.week, SPEEDS[FASTEST])
    week = session.week
    session.sent = (session.run_id, week, [], [])  # the page has every week
    sent = {"run": session.run_id + 1, "week": week, "painted": week}
    update._step_ahead(session, SPEEDS[FASTEST], sent)
    assert session.week == week, "a step ahead for a run that was restarted moved the new run"
    update._step_ahead(session, SPEEDS[FASTEST], {**sent, "run": session.run_id})
    assert session.week > week


def test_the_workers_channel_closes_an_answer_only_when_asked_after_sending_it() -> None:
    """The work an app defers to its answer's close (stepping ahead) must not delay the answer."""
    closed: list[str] = []

    class Body(list):
        def close(self) -> None:
            closed.append("closed")

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"hello"])

    head, body, close = call_app(wsgi, {"method": "GET", "target": "/", "headers": []}, b"")
    assert head["status"] == "200 OK" and body == b"hello"
    assert closed == [], "the answer was closed before it was sent"
    close()
    assert closed == ["closed"]


def test_at_normal_speed_only_the_next_ticks_week_is_stepped_ahead() -> None:
    """The step ahead keeps the pace: one week a tick at normal speed, however soon it runs after the answer."""
    page, session = _playing_page(NORMAL)
    assert session.week == 1, "Play steps the first tick's week ahead"
    answer = _tick(page, session, 0, speed=NORMAL)
    assert _week(answer) == 1 and session.week == 2
    answer = _tick(page, session, 1, speed=NORMAL)  # at once: the week already due was sent, no more
    assert _week(answer) == 2 and session.week == 2


def test_no_step_ahead_for_a_session_dropped_or_a_run_moved_on_meanwhile() -> None:
    page, session = _playing_page()
    week = session.week
    sent = {"run": session.run_id, "week": week, "painted": 0}
    session.step(1)  # something stepped the run after the answer (another request of this page)
    update._step_ahead(session, SPEEDS[FASTEST], sent)
    assert session.week == week + 1, "stepped ahead from a week the answer did not send"
    now = session.week
    page.store.drop(page.sid)
    assert session.closed
    update._step_ahead(session, SPEEDS[FASTEST], {**sent, "week": now})  # must neither step nor raise
    assert session.closed and not session.models, "a dropped session was stepped"


def test_step_pressed_while_playing_never_makes_a_frame_over_the_cap() -> None:
    page, session = _playing_page()
    _tick(page, session, 0)  # sends weeks 1-6, steps 7-12 ahead
    answer = page.send("step.n_clicks", step=1, play=1, speed=FASTEST, have={"run": session.run_id, "week": 6})
    frame = answer["frame"]["data"]
    assert len(frame["points"]["uptake"]["x"][0]) <= MAX_WEEKS_PER_FRAME


def test_the_workers_channel_sends_an_answer_before_closing_it() -> None:
    front, worker = socket.socketpair()
    seen: list[bool] = []

    class Body(list):
        def close(self) -> None:  # what the classroom defers to here must find the answer already sent
            seen.append(bool(select.select([front], [], [], 0)[0]))

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"hello"])

    serving = threading.Thread(target=serve_channel, args=(wsgi, worker), daemon=True)
    serving.start()
    with front, front.makefile("rb") as incoming:
        front.sendall(pack({"method": "GET", "target": "/", "headers": []}, b""))
        deadline = time.monotonic() + 30
        while not seen and time.monotonic() < deadline:  # read only after the close: it must find the answer
            time.sleep(0.01)
        head, body = read_message(incoming)
        assert head["status"] == "200 OK" and body == b"hello"
        front.shutdown(socket.SHUT_WR)  # the front goes away: the worker's loop ends
        serving.join(timeout=30)
    assert seen == [True], "the answer was closed before it was sent"

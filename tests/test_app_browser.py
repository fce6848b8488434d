"""The app in a real browser: move a slider, press play, watch the pictures change, compare two runs.

Drives Debian's chromium headless through Playwright (fixtures in
``conftest.py``: every request leaving the app's server is blocked, so the
test also shows that the page works offline). Every wait is for a condition
in the page, with generous timeouts, never a fixed sleep.

The screenshot goes to pytest's temporary folder; no test writes a tracked
file. ``COCREATE_UPDATE_DOCS_IMG=1`` steps the run to a fixed week and copies
the screenshot to ``docs/img/app.png`` (the picture in ``docs/app.md``), on
purpose only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS_IMG = REPO / "docs" / "img" / "app.png"
"""The picture in docs/app.md; written only with COCREATE_UPDATE_DOCS_IMG=1."""
UPDATE_DOCS_IMG = os.environ.get("COCREATE_UPDATE_DOCS_IMG") == "1"
"""Opt-in: step to DOCS_WEEK and copy this run's screenshot to DOCS_IMG."""
DOCS_WEEK = 104
"""The week of the docs' screenshot (two years), reached by single steps so that it is the same every run."""
PAUSE_FROM_WEEK = 60
"""Side by side plays at the fastest speed until this week, leaving many ticks of margin before DOCS_WEEK."""
MAX_PAUSE_LAG_WEEKS = 30
"""Pause pressed at the fastest speed stops the run at most this many weeks (ten ticks) after the week on screen."""
DOCS_HEIGHT = 1320
"""Window height of the docs' screenshot: the first row of charts shows whole, legends included."""
MIN_SCREENSHOT_BYTES = 20_000
"""A screenshot smaller than this is an empty page."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(start_app, tmp_path_factory) -> str:
    """The app serving the repository's scenario files (without scratch files, whose names start with '_' or '.')."""
    folder = tmp_path_factory.mktemp("scenarios")
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        if not path.name.startswith(("_", ".")):
            shutil.copy(path, folder / path.name)
    return start_app("--scenarios", str(folder))


def test_move_a_slider_press_play_and_watch_the_municipality_change(app_url, open_page, tmp_path) -> None:
    app = open_page(app_url, height=DOCS_HEIGHT) if UPDATE_DOCS_IMG else open_page(app_url)
    page = app.page
    assert app.week() == 0
    org_before = app.graph_data("org-a")
    uptake_before = app.graph_data("chart-uptake")
    assert len(uptake_before[0]["x"]) == 1

    # move a lever: leader dialogue to its maximum, with the keyboard as a teacher at a projector might
    assert app.press_slider(app.lever("leader_dialogue"), "End") == "1"
    page.wait_for_url("**leader_dialogue=1**")  # the address follows the levers

    app.play()
    app.wait_week(12)
    week = app.pause()  # fails by timeout if pause does not stop the clock

    uptake_after = app.graph_data("chart-uptake")
    assert len(uptake_after[0]["x"]) == week + 1 > len(uptake_before[0]["x"])
    org_after = app.graph_data("org-a")
    assert org_after != org_before, "the organisation picture must change as the weeks pass"
    assert not app.alerts(), app.alerts()
    assert app.step() == week + 1

    # side by side: B differs from A in leader dialogue only (A was moved to 1, so B gets 0)
    app.side_by_side()
    assert app.week() == 0, "side by side restarts both runs"
    app.fastest()
    app.play()
    shown = app.wait_week(PAUSE_FROM_WEEK)
    week = app.pause()
    paused_at = week
    if UPDATE_DOCS_IMG:  # step to a fixed week, so that the docs' picture is the same every run
        assert week <= DOCS_WEEK, f"paused at week {week}, past the screenshot's week {DOCS_WEEK}"
        while app.week() < DOCS_WEEK:
            app.step()
    week = app.week()
    org_b = app.graph_data("org-b")
    assert org_b and any(t.get("x") for t in org_b)
    titles = [page.inner_text("#org-a-title"), page.inner_text("#org-b-title")]
    assert any(t.startswith("A: Leader dialogue = 1") and t.endswith(f"week {week}") for t in titles), titles
    assert any(t.startswith("B: same seed, Leader dialogue = 0") for t in titles), titles
    ranges = page.evaluate(
        "() => ['org-a', 'org-b'].map(id => { const l = document.querySelector('#' + id + ' .js-plotly-plot')"
        "._fullLayout; return [l.xaxis.range, l.yaxis.range]; })"
    )
    from cocreate_sim.app.orgpicture import LIMIT, SCALE, SIDE_ROOM

    declared = [-SCALE * (LIMIT + SIDE_ROOM), SCALE * (LIMIT + SIDE_ROOM), -SCALE * LIMIT, SCALE * LIMIT]
    drawn = [x + y for x, y in ranges]  # each picture's x range, then its y range
    assert all(d == pytest.approx(declared) for d in drawn), f"a picture is drawn zoomed: {ranges} vs {declared}"
    names = [t["name"] for t in app.graph_data("chart-uptake")]
    assert "uptake (A)" in names and "uptake (B)" in names
    assert all(len(t["x"]) == week + 1 for t in app.graph_data("chart-uptake")), "every week of both runs is drawn"
    assert not app.alerts(), app.alerts()
    assert page.locator("#controls .note").count() == 0, "every repository scenario should load as a preset"
    to_cloud = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(gd => gd._context.showSendToCloud || gd.querySelector('[data-title=\"Share chart...\"]'))"
        ".map(gd => gd.parentElement.id)"
    )
    assert not to_cloud, f"graphs offer to send their data to plotly's cloud: {to_cloud}"

    assert paused_at <= shown + MAX_PAUSE_LAG_WEEKS, (
        f"Pause, pressed with week {shown} on screen, stopped the run at week {paused_at}: the server runs ahead "
        "of what the page has painted"
    )

    screenshot = tmp_path / "app.png"
    page.screenshot(path=str(screenshot), full_page=False)
    assert screenshot.stat().st_size > MIN_SCREENSHOT_BYTES
    if UPDATE_DOCS_IMG:
        shutil.copyfile(screenshot, DOCS_IMG)


PLOTS = ("org-a", "org-b", "chart-uptake", "chart-inclusion", "chart-outcomes", "chart-backlog")
"""The six plots of a side-by-side page."""
LIVE_STATE = """ids => ids.map((id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const canvas = gd && gd._cocreateCanvas;
  let inked = 0;
  if (canvas && canvas.width) {
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < px.length; i += 4) if (px[i]) inked += 1;
  }
  const layer = gd && gd.querySelector('.scatterlayer');
  return {id, live: !!gd && gd.classList.contains('cocreate-live'), inked,
          hidden: !!layer && getComputedStyle(layer).visibility === 'hidden'};
})"""
"""Per plot: whether it is drawn live, how many canvas pixels carry ink, whether plotly's own traces are hidden."""
ALL_LIVE = "ids => (" + LIVE_STATE + ")(ids).every((s) => s.live && s.hidden && s.inked > 500)"
NONE_LIVE = "ids => (" + LIVE_STATE + ")(ids).every((s) => !s.live && !s.hidden && s.inked === 0)"


def test_a_playing_run_is_drawn_live_in_frames_of_six_weeks_at_most_and_plotly_takes_over_on_pause(
    app_url, open_page
) -> None:
    """At the fastest speed the six plots are drawn on a canvas (plotly's traces hidden); Pause hands them back."""
    from cocreate_sim.app.sessions import MAX_WEEKS_PER_FRAME

    app = open_page(app_url + "?compare=leader_dialogue:0.9&speed=3")
    page = app.page
    page.evaluate(
        "() => { window.__frames = [0]; document.addEventListener('cocreate:painted',"
        " (e) => window.__frames.push(e.detail.week)); }"
    )
    page.wait_for_function(NONE_LIVE, arg=list(PLOTS))
    app.play()
    app.wait(ALL_LIVE, list(PLOTS))  # fails by timeout if any plot is not drawn live while the run plays
    # Autoscale while live (plotly's autorange knows only the data of when the run went live): the whole run
    page.evaluate(
        "() => window.Plotly.relayout(document.querySelector('#chart-uptake .js-plotly-plot'),"
        " {'xaxis.autorange': true, 'yaxis.autorange': true})"
    )
    app.wait(
        "h => document.querySelector('#chart-uptake .js-plotly-plot')._fullLayout.xaxis.range[1] === h",
        app.horizon(),
    )
    app.wait_week(PAUSE_FROM_WEEK)
    week = app.pause()
    app.wait(NONE_LIVE, list(PLOTS))  # fails by timeout if a plot stays on the canvas after Pause
    frames = page.evaluate("() => window.__frames")
    jumps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    assert frames[-1] == week, str(frames)
    # while playing, one frame is at most MAX_WEEKS_PER_FRAME weeks; Pause pressed while a tick's answer was on
    # its way (Dash then drops that answer) brings the weeks stepped ahead too (docs/app.md, Speed)
    assert max(jumps[:-1]) <= MAX_WEEKS_PER_FRAME and jumps[-1] <= 2 * MAX_WEEKS_PER_FRAME, str(frames)
    assert all(len(t["x"]) == week + 1 for t in app.graph_data("chart-backlog")), "the data have every week"
    drawn = page.evaluate("() => document.querySelector('#chart-backlog .js-plotly-plot').calcdata.map(c => c.length)")
    assert drawn == [week + 1] * len(drawn), f"plotly did not redraw every week on Pause: {drawn}"
    assert page.evaluate("() => window.cocreateStats.errors") == []


SLOW_BROWSER = 4
"""Chrome's CPU throttling rate for a browser four times slower than the development machine's."""
SLOW_BROWSER_WEEKS = 30
"""Weeks a page on such a browser must reach at the fastest speed (before ticks waited for each other, such a page
in headed chromium stayed at week 6 for five minutes: every answer was overtaken by the next tick and dropped)."""


def _ticks_in_flight(page) -> list[int]:
    """Record, for each clock tick the page sends, how many of its ticks are then on their way (itself included)."""
    flying: set[object] = set()
    counts: list[int] = []

    def is_tick(request) -> bool:
        return "/_dash-update-component" in request.url and '"clock.n_intervals"' in (request.post_data or "")

    def sent(request) -> None:
        if is_tick(request):
            flying.add(request)
            counts.append(len(flying))

    def done(request) -> None:
        flying.discard(request)

    page.on("request", sent)
    page.on("requestfinished", done)
    page.on("requestfailed", done)
    return counts


def test_a_slow_browser_at_the_fastest_speed_keeps_moving_in_frames_of_six_weeks_at_most(app_url, open_page) -> None:
    """A tick is sent only once the one before it was answered: Dash drops an answer a newer tick overtook."""
    from cocreate_sim.app.sessions import MAX_WEEKS_PER_FRAME

    app = open_page(app_url + "?compare=leader_dialogue:0.9&speed=3")
    page = app.page
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": SLOW_BROWSER})
    page.evaluate(
        "() => { window.__frames = [0]; document.addEventListener('cocreate:painted',"
        " (e) => window.__frames.push(e.detail.week)); }"
    )
    in_flight = _ticks_in_flight(page)
    app.play()
    app.wait_week(SLOW_BROWSER_WEEKS)  # fails by timeout if the page stops moving
    app.pause()
    frames = page.evaluate("() => window.__frames")
    jumps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    assert max(jumps[:-1]) <= MAX_WEEKS_PER_FRAME, str(frames)
    assert in_flight and max(in_flight) == 1, f"ticks overtook each other: {in_flight}"

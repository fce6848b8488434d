"""The app in a real browser: move a slider, press play, watch the pictures change.

Drives Debian's chromium headless through Playwright (Playwright's own browser
download does not work here). Every request that leaves the app's own server
is blocked and recorded, so the test also shows that the page works offline.
Every wait is for a condition in the page (with generous timeouts), never a
fixed sleep, so the test passes on a loaded two-core laptop.

The screenshot goes to pytest's temporary folder; no test writes a tracked
file. ``COCREATE_UPDATE_DOCS_IMG=1`` also copies it to ``docs/img/app.png``
(the picture in ``docs/app.md``), on purpose only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (apt-get install -y chromium)."""
REPO = Path(__file__).resolve().parents[1]
DOCS_IMG = REPO / "docs" / "img" / "app.png"
"""The picture in docs/app.md; written only with COCREATE_UPDATE_DOCS_IMG=1."""
UPDATE_DOCS_IMG = os.environ.get("COCREATE_UPDATE_DOCS_IMG") == "1"
"""Opt-in: copy this run's screenshot to DOCS_IMG."""
TARGET_WEEK = 104
"""The week of the screenshot (two years), reached by single steps so that it is the same every run."""
PAUSE_FROM_WEEK = 60
"""Side by side plays at the fastest speed until this week, leaving many ticks of margin before TARGET_WEEK."""
START_TIMEOUT = 120.0
"""Seconds the app may take to print its address (a loaded machine imports slowly)."""
TIMEOUT_MS = 60_000
"""Longest wait for any condition in the page, in milliseconds."""
STILL_TICKS = 3
"""A paused run must keep its week for this many clock intervals."""
MIN_SCREENSHOT_BYTES = 20_000
"""A screenshot smaller than this is an empty page."""
VIEWPORT = {"width": 1500, "height": 1100}
"""The browser window: a projector's resolution."""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Chromium flags: headless in a container, and no requests of its own to other hosts."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)", allow_module_level=True
    )
playwright_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed")
pytest.importorskip("dash", reason="the Python package 'dash' is not installed")


def _start_server(*extra: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", proc.stdout.readline())
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the app did not start within {START_TIMEOUT:.0f} s: {proc.communicate()}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    # the repository's scenario files, without scratch files (names starting with '_' or '.')
    folder = tmp_path_factory.mktemp("scenarios")
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        if not path.name.startswith(("_", ".")):
            shutil.copy(path, folder / path.name)
    proc, url = _start_server("--scenarios", str(folder))
    yield url
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True, timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()


def _graph_data(page, graph_id: str):
    return page.evaluate(
        "id => { const el = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return el && el.data ? JSON.parse(JSON.stringify(el.data)) : null; }",
        graph_id,
    )


def _week(page) -> int:
    text = page.inner_text("#week")
    match = re.match(r"Week (\d+) of (\d+)", text)
    assert match, text
    return int(match.group(1))


WEEK_AT_LEAST = """n => {
    const m = /Week (\\d+) of/.exec(document.querySelector('#week').innerText);
    return m !== null && Number(m[1]) >= n;
}"""
"""True once the page shows week n or later."""

PAUSED = """() => document.querySelector('#play').innerText.includes('Play')
    && window.dash_component_api.getLayout('clock').props.disabled === true"""
"""True once the server has answered a pause: the button offers Play and the page's clock is off."""

WEEK_STILL = """ms => {
    const week = document.querySelector('#week').innerText;
    const now = performance.now();
    const seen = window.__weekSeen;
    if (!seen || seen.week !== week) { window.__weekSeen = {week: week, since: now}; return false; }
    return now - seen.since >= ms;
}"""
"""True once the week shown has not changed for ms milliseconds."""


def _wait_week(page, at_least: int) -> int:
    page.wait_for_function(WEEK_AT_LEAST, arg=at_least, timeout=TIMEOUT_MS)
    return _week(page)


def _pause(page) -> int:
    """Press pause; return the week once the clock is off and the week has stayed put for a few ticks."""
    page.click("#play")
    page.wait_for_function(PAUSED, timeout=TIMEOUT_MS)
    interval = page.evaluate("() => window.dash_component_api.getLayout('clock').props.interval")
    page.evaluate("() => { window.__weekSeen = null; }")
    page.wait_for_function(WEEK_STILL, arg=STILL_TICKS * interval, timeout=TIMEOUT_MS)
    return _week(page)


def _lever_handle(page, name: str):
    component = json.dumps({"name": name, "type": "lever"}, separators=(",", ":"))
    return page.locator(f"[id='{component}'] [role='slider']").first


def test_move_a_slider_press_play_and_watch_the_municipality_change(app_url, browser, tmp_path) -> None:
    host = urlparse(app_url).netloc
    off_host: list[str] = []
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)

    def guard(route) -> None:
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            off_host.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page_errors: list[str] = []
    page.on("pageerror", lambda err: page_errors.append(str(err)))

    page.goto(app_url)
    page.wait_for_function(
        "() => { const el = document.querySelector('#org-a .js-plotly-plot');"
        " return el && el.data && el.data.length; }",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_function("() => /Week 0 of/.test(document.querySelector('#week').innerText)", timeout=TIMEOUT_MS)
    org_before = _graph_data(page, "org-a")
    uptake_before = _graph_data(page, "chart-uptake")
    assert len(uptake_before[0]["x"]) == 1

    # move a lever: leader dialogue to its maximum, with the keyboard as a teacher at a projector might
    handle = _lever_handle(page, "leader_dialogue")
    handle.focus()
    handle.press("End")
    page.wait_for_function(
        '() => document.querySelector("[id=\'{\\"name\\":\\"leader_dialogue\\",\\"type\\":\\"lever\\"}\'] '
        "[role='slider']\").getAttribute('aria-valuenow') === '1'",
        timeout=TIMEOUT_MS,
    )

    page.click("#play")
    _wait_week(page, 12)
    week = _pause(page)  # fails by timeout if pause does not stop the clock

    uptake_after = _graph_data(page, "chart-uptake")
    assert len(uptake_after[0]["x"]) == week + 1 > len(uptake_before[0]["x"])
    org_after = _graph_data(page, "org-a")
    assert org_after != org_before, "the organisation picture must change as the weeks pass"
    assert page.locator("#message .alert").count() == 0, page.inner_text("#message")

    page.click("#step")
    _wait_week(page, week + 1)

    # side by side: B differs from A in leader dialogue only (A was moved to 1, so B gets 0)
    page.click("#compare-on input[type='checkbox']")
    page.wait_for_function("() => document.querySelector('#org-b-box').style.display === 'block'", timeout=TIMEOUT_MS)
    page.wait_for_function("() => /Week 0 of/.test(document.querySelector('#week').innerText)", timeout=TIMEOUT_MS)
    speed = page.locator("#speed [role='slider']").first
    speed.focus()
    speed.press("End")
    page.click("#play")
    _wait_week(page, PAUSE_FROM_WEEK)
    week = _pause(page)
    assert week <= TARGET_WEEK, f"paused at week {week}, past the screenshot's week {TARGET_WEEK}"
    for _ in range(TARGET_WEEK - week):  # step to a fixed week, so that the screenshot is the same every run
        before = _week(page)
        page.click("#step")
        _wait_week(page, before + 1)
    assert _week(page) == TARGET_WEEK
    org_b = _graph_data(page, "org-b")
    assert org_b and any(t.get("x") for t in org_b)
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.gtitle')).map(t => t.textContent)")
    assert any(t.startswith("A: Leader dialogue = 1") for t in titles), titles
    assert any(t.startswith("B: same seed, Leader dialogue = 0") for t in titles), titles
    chart = _graph_data(page, "chart-uptake")
    names = [t["name"] for t in chart]
    assert "uptake (A)" in names and "uptake (B)" in names
    assert page.locator("#message .alert").count() == 0, page.inner_text("#message")
    assert page.locator(".note").count() == 0, "every repository scenario should load as a preset"
    presets = page.evaluate("() => document.querySelector('#preset').innerText")
    assert presets

    screenshot = tmp_path / "app.png"
    page.screenshot(path=str(screenshot), full_page=False)
    assert screenshot.stat().st_size > MIN_SCREENSHOT_BYTES
    if UPDATE_DOCS_IMG:
        shutil.copyfile(screenshot, DOCS_IMG)
    assert not page_errors, page_errors
    assert not off_host, f"the page tried to reach other hosts: {off_host}"
    page.close()

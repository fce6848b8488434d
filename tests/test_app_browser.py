"""The app in a real browser: move a slider, press play, watch the pictures change.

Drives Debian's chromium headless through Playwright (Playwright's own browser
download does not work here). Every request that leaves the app's own server
is blocked and recorded, so the test also shows that the page works offline.
Saves the screenshot the README shows (``docs/img/app.png``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "img" / "app.png"
TARGET_WEEK = 104
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

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
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", proc.stdout.readline())
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the app did not start within 10 s: {proc.communicate()}")


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
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
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


def _wait_week(page, at_least: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        week = _week(page)
        if week >= at_least:
            return week
        page.wait_for_timeout(200)
    raise AssertionError(f"the run did not reach week {at_least} in {timeout} s (at {_week(page)})")


def _lever_handle(page, name: str):
    component = json.dumps({"name": name, "type": "lever"}, separators=(",", ":"))
    return page.locator(f"[id='{component}'] [role='slider']").first


def test_move_a_slider_press_play_and_watch_the_municipality_change(app_url, browser) -> None:
    host = urlparse(app_url).netloc
    off_host: list[str] = []
    page = browser.new_page(viewport={"width": 1500, "height": 1100})

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
        timeout=20000,
    )
    page.wait_for_function("() => /Week 0 of/.test(document.querySelector('#week').innerText)", timeout=20000)
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
        timeout=10000,
    )

    page.click("#play")
    _wait_week(page, 12)
    page.click("#play")  # pause
    page.wait_for_timeout(400)
    week = _week(page)
    page.wait_for_timeout(800)
    assert _week(page) == week, "pause must stop the clock"

    uptake_after = _graph_data(page, "chart-uptake")
    assert len(uptake_after[0]["x"]) == week + 1 > len(uptake_before[0]["x"])
    org_after = _graph_data(page, "org-a")
    assert org_after != org_before, "the organisation picture must change as the weeks pass"
    assert page.locator("#message .alert").count() == 0, page.inner_text("#message")

    page.click("#step")
    _wait_week(page, week + 1, timeout=10)

    # side by side: B differs from A in leader dialogue only (A was moved to 1, so B gets 0)
    page.click("#compare-on input[type='checkbox']")
    page.wait_for_function("() => document.querySelector('#org-b-box').style.display === 'block'", timeout=10000)
    page.wait_for_function("() => /Week 0 of/.test(document.querySelector('#week').innerText)", timeout=10000)
    speed = page.locator("#speed [role='slider']").first
    speed.focus()
    speed.press("End")
    page.click("#play")
    _wait_week(page, 80, timeout=60)
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#play').innerText.includes('Play')", timeout=10000)
    page.wait_for_timeout(600)
    week = _week(page)
    assert week <= TARGET_WEEK, f"paused at week {week}, past the screenshot's week {TARGET_WEEK}"
    for _ in range(TARGET_WEEK - week):  # step to a fixed week, so that the screenshot is the same every run
        before = _week(page)
        page.click("#step")
        _wait_week(page, before + 1, timeout=10)
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

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 20000
    assert not page_errors, page_errors
    assert not off_host, f"the page tried to reach other hosts: {off_host}"
    page.close()

"""Shared fixtures: the classroom app served on a free port and driven in a real browser.

The browser is Debian's chromium driven through Playwright (Playwright's own
browser download does not work here). Every request that leaves the app's own
server is blocked and recorded, so each browser test also shows that the page
works offline. Waits are for conditions in the page with generous timeouts,
never fixed sleeps, so the tests pass on a loaded two-core laptop.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (apt-get install -y chromium)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Chromium flags: headless in a container, and no requests of its own to other hosts."""
APP_START_TIMEOUT = 120.0
"""Seconds the app may take to print its address (a loaded machine imports slowly)."""
PAGE_TIMEOUT_MS = 60_000
"""Longest wait for any condition in a page, in milliseconds."""
DESKTOP = {"width": 1500, "height": 1100}
"""A teacher's laptop at a projector."""
POLL_MS = 100
"""How often a wait checks its condition (Playwright's default, once per animation frame, can starve while
plotly repaints at the fastest speed)."""
STILL_TICKS = 3
"""A paused run must keep its week for this many clock intervals."""


def start_server(*extra: str) -> tuple[subprocess.Popen, str]:
    """``python -m cocreate_sim.app --port 0 *extra``: the process and the address it prints (the one app starter)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + APP_START_TIMEOUT
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    out, err = proc.communicate()
    raise AssertionError(f"the app printed no address within {APP_START_TIMEOUT:.0f} s: {line!r} {out!r} {err!r}")


@pytest.fixture(scope="module")
def start_app() -> Iterator[Callable[..., str]]:
    """``start_app(*args)``: the address of an app started with these command-line arguments (once per module).

    Every app started is stopped when the module's tests are done; none may have printed a traceback.
    """
    pytest.importorskip("dash", reason="the Python package 'dash' is not installed")
    started: dict[tuple[str, ...], tuple[subprocess.Popen, str]] = {}

    def start(*extra: str) -> str:
        if extra not in started:
            started[extra] = start_server(*extra)
        return started[extra][1]

    yield start
    errors = []
    for proc, _ in started.values():
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        errors.append(err)
    for err in errors:  # shown when a test of the module failed: what the server logged (a refused request...)
        for line in err.splitlines():
            if line.strip() and line.strip() != "stopped.":
                print(f"server: {line}")
    for err in errors:
        assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for a module's browser tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=PAGE_TIMEOUT_MS
        )
        yield browser
        browser.close()


WEEK_AT_LEAST = """n => {
    const el = document.querySelector('#week');
    const m = el && /(\\d+)\\D+\\d+/.exec(el.innerText);
    return m !== null && Number(m[1]) >= n;
}"""
"""True once the page shows week n or later (in any language: 'Week 3 of 260', 'Uge 3 af 260')."""
CLOCK_OFF = "() => window.dash_component_api.getLayout('clock').props.disabled === true"
"""True once the page's clock is off (the server answered a pause, or the run ended)."""
WEEK_STILL = """ms => {
    const week = document.querySelector('#week').innerText;
    const busy = document.querySelector('[data-dash-is-loading="true"]') !== null;
    const now = performance.now();
    const seen = window.__weekSeen;
    if (busy || !seen || seen.week !== week) { window.__weekSeen = {week: week, since: now}; return false; }
    return now - seen.since >= ms;
}"""
"""True once no callback is pending and the week shown has not changed for ms milliseconds."""
PAINTED = """() => {
    const ids = ['org-a', 'chart-uptake', 'chart-inclusion', 'chart-outcomes', 'chart-backlog'];
    const week = document.querySelector('#week');
    const levers = document.querySelectorAll('.lever');
    return week && /\\d/.test(week.innerText) && ids.every(id => {
        const gd = document.querySelector('#' + id + ' .js-plotly-plot');
        return gd && gd.data && gd.data.length;
    }) && document.querySelector("#speed [role='slider']")
        && levers.length > 0 && [...levers].every(el => el.querySelector("[role='slider']"));
}"""
"""True once the page shows its week, the organisation picture and charts have their first frame, and every
slider has its handle (Dash loads the slider's code on demand; a test that moves a lever before it has come
would wait for a handle that a busy page has not drawn yet)."""


class AppPage:
    """A page of the app in the browser, with the waits every test needs."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def open(self, url: str) -> AppPage:
        """Load ``url`` and wait until the first frame is painted."""
        self.page.goto(url)
        self.wait_painted()
        return self

    def wait_painted(self) -> None:
        self.wait(PAINTED)

    def wait(self, script: str, arg: Any = None, timeout_ms: float = PAGE_TIMEOUT_MS) -> Any:
        """Wait until the JavaScript function ``script`` returns something truthy for ``arg`` (checked often)."""
        return self.page.wait_for_function(script, arg=arg, timeout=timeout_ms, polling=POLL_MS)

    def week_and_horizon(self) -> tuple[int, int]:
        """The week shown and the run's horizon ('Week 3 of 260', 'Uge 3 af 260')."""
        text = self.page.inner_text("#week")
        match = re.search(r"(\d+)\D+(\d+)", text)
        assert match, text
        return int(match.group(1)), int(match.group(2))

    def week(self) -> int:
        return self.week_and_horizon()[0]

    def horizon(self) -> int:
        return self.week_and_horizon()[1]

    def wait_week(self, at_least: int, timeout_ms: float = PAGE_TIMEOUT_MS) -> int:
        self.wait(WEEK_AT_LEAST, at_least, timeout_ms)
        return self.week()

    def step(self) -> int:
        """Press Step; the week once the server has stepped."""
        before = self.week()
        self.page.click("#step")
        return self.wait_week(before + 1)

    def play(self) -> None:
        """Press Play; return once the server has answered it (its clock then runs until Pause or the run's end).

        Not "once the clock runs": the page stops its clock while each tick is on its way (cocreate.js), and a
        short run at the fastest speed may end before a poll sees the clock on.
        """

        def play_answered(response: Any) -> bool:
            return "_dash-update-component" in response.url and '"play.n_clicks"' in (response.request.post_data or "")

        with self.page.expect_response(play_answered, timeout=PAGE_TIMEOUT_MS):
            self.page.click("#play")

    def pause(self) -> int:
        """Press Pause; the week once the clock is off and the week has stayed put for a few ticks."""
        self.page.click("#play")
        return self.wait_paused()

    def wait_paused(self, timeout_ms: float = PAGE_TIMEOUT_MS) -> int:
        self.wait(CLOCK_OFF, timeout_ms=timeout_ms)
        interval = self.page.evaluate("() => window.dash_component_api.getLayout('clock').props.interval")
        self.page.evaluate("() => { window.__weekSeen = null; }")
        self.wait(WEEK_STILL, STILL_TICKS * interval, timeout_ms)
        return self.week()

    def slider(self, component_id: str | dict) -> Any:
        """The handle of a slider (a lever by name, or ``speed``), which takes the keyboard."""
        if isinstance(component_id, str) and not component_id.startswith("{"):
            return self.page.locator(f"#{component_id} [role='slider']").first
        key = json.dumps(component_id, separators=(",", ":"), sort_keys=True)
        return self.page.locator(f"[id='{key}'] [role='slider']").first

    def lever(self, name: str) -> Any:
        return self.slider({"name": name, "type": "lever"})

    def press_slider(self, handle: Any, key: str) -> str:
        """Press a key on a slider's handle; its new aria-valuenow once the slider shows the change."""
        before = handle.get_attribute("aria-valuenow")
        handle.focus()
        handle.press(key)
        self.wait("([el, before]) => el.getAttribute('aria-valuenow') !== before", [handle.element_handle(), before])
        return handle.get_attribute("aria-valuenow")

    def fastest(self) -> None:
        """Move the speed slider to 'fastest' with the keyboard; return once the page's clock ticks that fast."""
        from cocreate_sim.app.levers import FASTEST_MS

        handle = self.slider("speed")
        handle.focus()
        handle.press("End")
        self.wait(f"() => window.dash_component_api.getLayout('clock').props.interval === {FASTEST_MS}")

    def side_by_side(self) -> None:
        """Tick 'side by side' and wait until run B's picture is shown and painted at week 0."""
        self.page.click("#compare-on input[type='checkbox']")
        self.wait(
            "() => document.querySelector('#org-b-box').style.display === 'block'"
            " && (document.querySelector('#org-b .js-plotly-plot') || {}).data"
            " && document.querySelector('#monitor-uptake').innerText.includes('B')"
        )

    def graph_data(self, graph_id: str) -> Any:
        return self.page.evaluate(
            "id => { const el = document.querySelector('#' + id + ' .js-plotly-plot');"
            " return el && el.data ? JSON.parse(JSON.stringify(el.data)) : null; }",
            graph_id,
        )

    def alerts(self) -> list[str]:
        return self.page.locator("#message .alert").all_inner_texts()


@pytest.fixture
def open_page(chromium) -> Iterator[Callable[..., AppPage]]:
    """``open_page(url, width=..., height=...)``: a fresh page of the app (own browser context), first frame painted.

    Requests to any host but the app's are blocked; at the end no page may have tried one or thrown an error.
    """
    contexts: list[Any] = []
    off_host: list[str] = []
    page_errors: list[str] = []
    console_errors: list[str] = []
    own_failed: list[str] = []

    def new_page(url: str | None = None, width: int = DESKTOP["width"], height: int = DESKTOP["height"]) -> AppPage:
        context = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)

        def guard(route: Any) -> None:
            host = urlparse(route.request.url).hostname
            if host == "127.0.0.1":
                route.continue_()
            else:
                off_host.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.on("pageerror", lambda err: page_errors.append(str(err)))
        page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
        page.on(
            "requestfailed",
            lambda req: (
                urlparse(req.url).hostname == "127.0.0.1"
                and own_failed.append(f"{req.method} {urlparse(req.url).path}: {req.failure}")
            ),
        )
        app_page = AppPage(page)
        return app_page.open(url) if url else app_page

    yield new_page
    # Shown with a failed test's report: what the page could not load from the app (a request cut off when
    # the page closes is normal, so these are printed, not asserted).
    for line in [*(f"console error: {e}" for e in console_errors), *(f"request failed: {r}" for r in own_failed)]:
        print(line)
    for context in contexts:
        context.close()
    assert not off_host, f"the page tried to reach other hosts: {off_host}"
    assert not page_errors, page_errors

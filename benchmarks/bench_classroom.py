"""Speed as a class sees it: the real page, side by side, in headed chromium at 1280x720.

The issue's targets, for a full 260-week run with side by side on, on the 2-core
development machine in headed chromium under Xvfb: the normal speed holds its pace
(0.3 s a week, within 10%); the fastest speed reaches at least 60 weeks a second,
with the organisation pictures and every chart repainted at least 10 times a second
(no more than 6 weeks per frame); the server works at most 20 ms per callback.

How it measures: a script injected into the page before it loads records the time
of every change of ``#week``, every repaint of the six plots (``#org-a``, ``#org-b``
and the four charts: the page's ``cocreate:painted`` event, sent after each frame is
drawn, by Plotly or on the live canvas, with the week it shows), how
long each Plotly call of the page takes (a burst of calls is one repaint of the page)
and the browser's resource timing of each ``/_dash-update-component`` call;
Playwright's ``response`` events give each callback's ``Server-Timing: app;dur=`` and
size. Chromium's own counters (``Performance.getMetrics``: task, script, layout and
style time of the page's main thread) and the machine's CPU time (``/proc``) say where
the time goes and whether other programs took some of it. Each speed gets a fresh
page at ``?compare=leader_dialogue:0.9&speed=S``, waits until the charts show week 0,
presses Play and waits for the run to end (at most 5 minutes; a run that has not
ended by then is measured as far as it got). Weeks a second are counted from pressing
Play to the first repaint that shows the last week.

Run:  python3 benchmarks/bench_classroom.py                      # both speeds, full runs (a few minutes)
      python3 benchmarks/bench_classroom.py --seconds-normal 20  # normal speed for its first 20 s only
      python3 benchmarks/bench_classroom.py --url http://127.0.0.1:8050/   # an app already running
      python3 benchmarks/bench_classroom.py --headless           # no X server (the issue's figures are headed)
      python3 benchmarks/bench_classroom.py --cpu-throttle 4     # the page on a browser four times slower

Needs Playwright (``pip install playwright``, no browser download: Debian's
``/usr/bin/chromium`` is used) and, for the headed run, Xvfb (``apt-get install xvfb``)
unless ``DISPLAY`` is set. Without ``--url`` the app is started on 127.0.0.1, port 0.
Every request that would leave 127.0.0.1 is blocked (the page must work offline).
Prints PASS or MISS per target and exits 0 either way; exit 1 means the page did not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium, driven by Playwright (no downloaded browser)."""
WIDTH, HEIGHT = 1280, 720
"""The classroom projector's size: window, viewport and Xvfb screen."""
COMPARE = "leader_dialogue:0.9"
"""Run B of the side-by-side page (any lever will do: both runs cost the same)."""
NORMAL, FASTEST = 1, 3
"""Speed slider positions measured (levers.SPEEDS: 1 week / 300 ms and 3 weeks / 50 ms)."""
NORMAL_S_PER_WEEK, NORMAL_TOLERANCE = 0.30, 0.10
"""Target: normal speed holds 0.3 s a week within 10%."""
TARGET_WEEKS_PER_S = 60.0
"""Target: weeks a second at the fastest speed."""
TARGET_REPAINTS_PER_S = 10.0
"""Target: repaints a second of every plot at the fastest speed."""
TARGET_WEEKS_PER_FRAME = 6
"""Target: most weeks advanced between two repaints of a plot."""
TARGET_SERVER_MS = 20.0
"""Target: server time of a callback (read from its Server-Timing header)."""
MAX_THROTTLE = 20.0
"""Largest --cpu-throttle accepted (Chrome's own emulation allows more; beyond this nothing runs in time)."""
GRAPHS = ("org-a", "org-b", "chart-uptake", "chart-inclusion", "chart-outcomes", "chart-backlog")
"""The six plot divs of the side-by-side page."""
LOAD_TIMEOUT_S = 90.0
"""Longest wait for the page to show week 0 with all its plots."""
START_TIMEOUT_S = 60.0
"""Longest wait for the app or Xvfb to start."""
RUN_TIMEOUT_S = 300.0
"""Longest wait for a full run to end (four times its target length if that is longer); what ran is measured."""
END_GRACE_S = 15.0
"""Longest wait, after the last week is shown, for every plot to paint it."""
PERCENTILES = (50, 90, 99)
"""Percentiles printed for times."""
BURST_GAP_MS = 5.0
"""Plotly calls less than this apart belong to one repaint of the page."""
UPDATE_PATH = "/_dash-update-component"
"""The path of every Dash callback request."""
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts the page may reach; everything else goes to a closed proxy port and fails."""
BLOCKING_PROXY = "http://127.0.0.1:9"
"""A proxy nobody listens on: chromium sends every request to another host there, so it fails at once."""

# Recorded in the page before any of its scripts run: weeks shown, plot repaints, callback timings.
PROBE_JS = r"""
(() => {
  const GRAPHS = __GRAPHS__;
  const B = window.__bench = {week: [], paints: {}, calls: [], plotly: {}, play: [], longtasks: 0, longtaskMs: 0};
  GRAPHS.forEach((g) => { B.paints[g] = []; });
  let weekEl = null, lastText = null;
  const number = (text) => { const m = /(\d+)\D+(\d+)/.exec(text || ""); return m ? [+m[1], +m[2]] : [null, null]; };
  B.shown = () => (weekEl ? number(weekEl.textContent)[0] : null);
  const onWeek = () => {
    if (weekEl.textContent !== lastText) B.week.push([performance.now(), ...number(lastText = weekEl.textContent)]);
  };
  const wrapPlotly = () => {  // time each Plotly call the page makes, by plot: the cost of one repaint
    const P = window.Plotly;
    if (!P || P.__bench) return;
    ["react", "extendTraces", "relayout"].forEach((name) => {
      const call = P[name];
      P[name] = function (gd) {
        const started = performance.now();
        const out = call.apply(this, arguments);
        const el = typeof gd === "string" ? document.getElementById(gd) : gd;
        const plot = el && el.parentElement ? el.parentElement.id : "?";
        (B.plotly[plot + " " + name] = B.plotly[plot + " " + name] || []).push([started, performance.now() - started]);
        return out;
      };
    });
    P.__bench = true;
  };
  const attach = () => {
    wrapPlotly();
    if (!weekEl && (weekEl = document.getElementById("week"))) {
      new MutationObserver(onWeek).observe(weekEl, {childList: true, characterData: true, subtree: true});
      onWeek();
    }
    GRAPHS.forEach((id) => {
      const outer = document.getElementById(id);
      const gd = outer && outer.querySelector(".js-plotly-plot");
      if (gd && typeof gd.on === "function" && !gd.__benchOn) {
        gd.__benchOn = true;
      }
    });
  };
  window.setInterval(attach, 100);  // plots appear after the page is built from its address
  document.addEventListener("cocreate:painted", (e) => {  // a frame drawn: what the class now sees, plot by plot
    const now = performance.now();
    e.detail.plots.forEach((id) => { if (B.paints[id]) B.paints[id].push([now, e.detail.week]); });
  });
  document.addEventListener("click", (e) => {
    if (e.target.closest && e.target.closest("#play")) B.play.push(performance.now());
  }, true);
  new PerformanceObserver((list) => {
    list.getEntries().forEach((e) => { if (e.name.includes("__PATH__")) B.calls.push([e.startTime, e.responseEnd]); });
  }).observe({type: "resource", buffered: true});
  try {
    new PerformanceObserver((list) => {
      list.getEntries().forEach((e) => { B.longtasks += 1; B.longtaskMs += e.duration; });
    }).observe({type: "longtask"});
  } catch (err) { /* no long-task timing in this browser */ }
})();
""".replace("__GRAPHS__", json.dumps(GRAPHS)).replace("__PATH__", UPDATE_PATH)

READY_JS = """() => {
  const B = window.__bench;
  if (!B || !B.week.length || B.week[B.week.length - 1][1] !== 0) return false;
  return __GRAPHS__.every((id) => {
    const outer = document.getElementById(id);
    const gd = outer && outer.querySelector(".js-plotly-plot");
    return gd && gd.__benchOn && gd.data && gd.data.length && gd.data.some((t) => t.x && t.x.length);
  });
}""".replace("__GRAPHS__", json.dumps(GRAPHS))
"""True once the page shows week 0 and every plot has data and is being watched."""

ENDED_JS = """([stopAt]) => {
  const B = window.__bench, last = B.week[B.week.length - 1];
  return (last && last[2] !== null && last[1] >= last[2]) || (stopAt !== null && performance.now() >= stopAt);
}"""
"""True once the run shows its last week, or (a shortened normal run) the page's clock passed ``stopAt``."""

PAINTED_JS = """([week]) => Object.values(window.__bench.paints).every((p) => p.some((e) => e[1] >= week))"""
"""True once every plot has painted ``week``."""


@dataclass
class Run:
    """What one speed's run recorded."""

    speed: int
    week: list[list[float]]
    paints: dict[str, list[list[float]]]
    calls: list[list[float]]
    plotly: dict[str, list[list[float]]]
    play_at: float
    server_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    longtasks: tuple[int, float] = (0, 0.0)
    messages: list[str] = field(default_factory=list)


class PageFailed(RuntimeError):
    """The page did not load or did not run; the benchmark has no figures."""


def leaves(url: str) -> bool:
    """Whether a request would leave this computer (an http(s) address on a host not in LOCAL_HOSTS)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def cpu_seconds(server_pid: int | None) -> dict[str, float]:
    """CPU seconds so far (Linux /proc): the machine (all cores), this benchmark's process tree, the app (with
    its workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {"wall": time.monotonic()}
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return {}
    out["machine"] = (sum(fields) - fields[3] - fields[4]) / ticks  # all but idle and iowait
    parents, used = {}, {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # not a process, or one that just ended
            continue
        parents[int(entry)] = int(stat[1])
        used[int(entry)] = (int(stat[11]) + int(stat[12])) / ticks  # utime + stime
    ours, todo = set(), [os.getpid()]
    while todo:  # chromium, the Playwright driver, Xvfb and the app are all children of this process
        pid = todo.pop()
        ours.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid and child not in ours]
    out["ours"] = sum(used.get(pid, 0.0) for pid in ours)
    if server_pid is not None:  # the app and its worker processes (serve --workers)
        workers = [child for child, parent in parents.items() if parent == server_pid]
        out["server"] = used.get(server_pid, 0.0) + sum(used.get(pid, 0.0) for pid in workers)
    return out


# ------------------------------------------------------------------ processes
def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display at the projector's size; return it and its DISPLAY."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    deadline = time.monotonic() + START_TIMEOUT_S
    text = b""
    while not text.endswith(b"\n") and select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        chunk = os.read(read_fd, 64)  # Xvfb writes the number, then the newline: it exits if the pipe closes between
        if not chunk:
            break
        text += chunk
    os.close(read_fd)
    number = text.decode().strip()
    if number.isdigit() and proc.poll() is None:  # written once the display accepts connections
        return proc, f":{number}"
    proc.kill()
    raise PageFailed(f"Xvfb did not start within {START_TIMEOUT_S:.0f} s")


def start_app() -> tuple[subprocess.Popen, str]:
    """Start ``python -m cocreate_sim.app --port 0`` and read its address from its first lines."""
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe would stall the app mid-run
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0"], stdout=subprocess.PIPE, stderr=log, text=True
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if match:
            return proc, match.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    log.seek(0)
    raise PageFailed("the app did not print its address: " + " / ".join(log.read().strip().splitlines()[-3:]))


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a process this benchmark started (SIGTERM, then SIGKILL after 15 s)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# ------------------------------------------------------------------ one run
def run_speed(
    context: Any, url: str, speed: int, stop_after_s: float | None, server_pid: int | None, throttle: float = 1.0
) -> Run:
    """Open a fresh side-by-side page at ``speed``, press Play, wait for the end; what the page recorded."""
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_S * 1000)
    errors: list[str] = []
    responses: list[tuple[float, int]] = []
    page.on("pageerror", lambda err: errors.append(f"page error: {err}"))

    def on_response(response: Any) -> None:
        if urlsplit(response.url).path == UPDATE_PATH:
            headers = response.headers
            match = re.search(r"app;dur=([0-9.]+)", headers.get("server-timing", ""))
            size = int(headers.get("content-length", -1))
            responses.append((float(match.group(1)) if match else -1.0, size))

    page.on("response", on_response)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    if throttle > 1:  # a slower computer's browser (the server is not slowed)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    try:
        page.goto(f"{url.rstrip('/')}/?compare={COMPARE}&speed={speed}", wait_until="load")
        page.wait_for_function(READY_JS, timeout=LOAD_TIMEOUT_S * 1000, polling=100)
    except Exception as err:  # Playwright's TimeoutError and navigation errors
        message = page.locator("#message").inner_text(timeout=2000) if page.locator("#message").count() else ""
        raise PageFailed(f"speed {speed}: the page did not show week 0 with its plots ({err}); {message}") from None
    responses.clear()
    before_metrics = _metrics(cdp)
    before_cpu = cpu_seconds(server_pid)
    page.click("#play")
    play_at = page.evaluate("window.__bench.play[window.__bench.play.length - 1]")
    stop_at = play_at + stop_after_s * 1000 if stop_after_s is not None else None
    expected = 260 * (0.3 if speed == NORMAL else 1 / TARGET_WEEKS_PER_S)
    timeout = max(RUN_TIMEOUT_S, 4 * expected) if stop_at is None else stop_after_s + 60
    try:
        page.wait_for_function(ENDED_JS, arg=[stop_at], timeout=timeout * 1000, polling=200)
        ended = stop_at is None
    except Exception:  # Playwright's TimeoutError: measure what ran
        shown = page.locator("#week").inner_text(timeout=2000)
        errors.append(f"the run did not reach its end within {timeout:.0f} s (it shows {shown!r}); figures so far")
        ended = False
    if not ended:
        page.click("#play")  # pause: the measured part of the run is over
    last = page.evaluate("window.__bench.week[window.__bench.week.length - 1][1]")
    try:
        page.wait_for_function(PAINTED_JS, arg=[last], timeout=END_GRACE_S * 1000, polling=100)
    except Exception:
        errors.append(f"not every plot painted week {last} within {END_GRACE_S:.0f} s")
    after_cpu = cpu_seconds(server_pid)
    after_metrics = _metrics(cdp)
    data = page.evaluate("window.__bench")
    frame_ms = page.evaluate("(window.cocreateStats || {}).paintMs || []")
    alerts = page.locator("#message .alert").all_inner_texts()
    page.close()
    run = Run(speed, data["week"], data["paints"], data["calls"], data["plotly"], play_at)
    run.frame_ms = frame_ms
    run.server_ms = [ms for ms, _ in responses if ms >= 0]
    run.sizes = [size for _, size in responses if size >= 0]
    run.metrics = {k: after_metrics[k] - before_metrics.get(k, 0.0) for k in after_metrics}
    run.cpu = {k: after_cpu[k] - before_cpu[k] for k in after_cpu if k in before_cpu}
    run.longtasks = (data["longtasks"], data["longtaskMs"])
    run.messages = errors + [f"page says: {a}" for a in alerts]
    return run


def _metrics(cdp: Any) -> dict[str, float]:
    wanted = ("Timestamp", "TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] in wanted}


# ------------------------------------------------------------------ figures
@dataclass
class Figures:
    """One run's figures."""

    weeks: int
    seconds: float
    weeks_per_s: float
    week_changes: int
    repaints_per_s: dict[str, float]
    weeks_per_frame: dict[str, int]
    calls_per_s: float
    round_trip_ms: list[float]
    paint_ms: list[float]
    plotly_ms: dict[str, list[float]]


def figures(run: Run) -> Figures:
    """Weeks a second from pressing Play to the last week shown; repaints and weeks per frame of each plot."""
    before = [w for t, w, _h in run.week if t <= run.play_at and w is not None]
    t0, w0 = run.play_at, before[-1] if before else 0
    shown = sorted(run.paints.get(GRAPHS[0], []))
    changes = [(t, w) for t, w in shown if t > run.play_at and w is not None]
    w1 = max((w for _t, w in changes), default=w0)
    t1 = min((t for t, w in changes if w == w1), default=t0)
    seconds = (t1 - t0) / 1000
    rates, frames = {}, {}
    for graph, paints in run.paints.items():
        rates[graph] = sum(t0 < t <= t1 for t, _w in paints) / seconds if seconds > 0 else 0.0
        shown = [w0] + [w for t, w in paints if t > t0 and w is not None]
        frames[graph] = max((b - a for a, b in zip(shown, shown[1:], strict=False)), default=w1 - w0)
    calls = [c for c in run.calls if t0 <= c[0] <= t1]
    return Figures(
        weeks=w1 - w0,
        seconds=seconds,
        weeks_per_s=(w1 - w0) / seconds if seconds > 0 else 0.0,
        week_changes=len(changes),
        repaints_per_s=rates,
        weeks_per_frame=frames,
        calls_per_s=len(calls) / seconds if seconds > 0 else 0.0,
        round_trip_ms=[c[1] - c[0] for c in calls],
        paint_ms=bursts([c for v in run.plotly.values() for c in v if t0 <= c[0] <= t1]),
        plotly_ms={k: [c[1] for c in v if t0 <= c[0] <= t1] for k, v in sorted(run.plotly.items())},
    )


def bursts(calls: list[list[float]]) -> list[float]:
    """Wall time of each burst of Plotly calls (one repaint of the page: calls that follow each other closely)."""
    out: list[float] = []
    start = end = None
    for begun, took in sorted(calls):
        if end is None or begun > end + BURST_GAP_MS:
            if end is not None:
                out.append(end - start)
            start = begun
        end = max(end or begun, begun + took)
    if end is not None:
        out.append(end - start)
    return out


def spread(values: list[float], what: str = "callbacks") -> str:
    if not values:
        return "none recorded"
    shown = ", ".join(f"p{p} {percentile(values, p):.1f}" for p in PERCENTILES)
    return f"{shown}, max {max(values):.1f} ms ({len(values)} {what})"


def report(run: Run, fig: Figures) -> None:
    """Print one run's figures and where its time went."""
    name = "normal" if run.speed == NORMAL else "fastest"
    print(f"\n== speed {run.speed} ({name}): {fig.weeks} weeks in {fig.seconds:.2f} s from pressing Play")
    if run.speed == NORMAL:
        print(f"  seconds per week: {fig.seconds / max(fig.weeks, 1):.3f} (target {NORMAL_S_PER_WEEK:.2f} ± 10%)")
    print(
        f"  weeks per second: {fig.weeks_per_s:.1f}; callbacks per second: {fig.calls_per_s:.1f}; "
        f"{fig.week_changes} frames painted; {len(fig.round_trip_ms)} answers"
    )
    for graph in GRAPHS:
        print(
            f"  {graph:16s} repaints/s {fig.repaints_per_s[graph]:5.1f}   "
            f"max weeks per frame {fig.weeks_per_frame[graph]}"
        )
    print(f"  server time per callback (Server-Timing): {spread(run.server_ms)}")
    print(f"  round trip as the page sees it (request start to response end): {spread(fig.round_trip_ms)}")
    print(f"  painting the page once (a burst of Plotly calls, wall time): {spread(fig.paint_ms, 'repaints')}")
    print(f"  painting one frame, all six plots (cocreate.js, last 500): {spread(run.frame_ms, 'frames')}")
    for call, times in fig.plotly_ms.items():
        if times:
            median, most = statistics.median(times), max(times)
            print(f"    {call:28s} median {median:6.1f} ms, max {most:6.1f} ms, {len(times)} calls")
    if run.sizes:
        print(
            f"  response size: median {statistics.median(run.sizes):,.0f} B, max {max(run.sizes):,.0f} B, "
            f"total {sum(run.sizes) / 1e6:.2f} MB"
        )
    wall = run.metrics.get("Timestamp", 0.0)
    if wall > 0:
        busy = {k: run.metrics.get(k, 0.0) / wall for k in ("TaskDuration", "ScriptDuration", "LayoutDuration")}
        print(
            f"  page main thread busy {100 * busy['TaskDuration']:.0f}% of the time (script "
            f"{100 * busy['ScriptDuration']:.0f}%, layout {100 * busy['LayoutDuration']:.0f}%, style "
            f"{100 * run.metrics.get('RecalcStyleDuration', 0.0) / wall:.0f}%); long tasks (> 50 ms): "
            f"{run.longtasks[0]}, {run.longtasks[1] / 1000:.1f} s in all"
        )
    if run.cpu.get("wall"):
        cores, wall = os.cpu_count() or 1, run.cpu["wall"]
        line = (
            f"  machine CPU busy {100 * run.cpu['machine'] / wall / cores:.0f}% of {cores} cores: this benchmark's "
            f"processes {100 * run.cpu['ours'] / wall:.0f}% of one core"
        )
        if "server" in run.cpu:
            line += f" (the app {100 * run.cpu['server'] / wall:.0f}%)"
        others = max(0.0, run.cpu["machine"] - run.cpu["ours"])
        print(f"{line}, other programs {100 * others / wall:.0f}%")
    for message in run.messages[:10]:
        print(f"  note: {message}")


def verdicts(normal: Figures | None, fast_run: Run, fast: Figures) -> list[tuple[str, bool]]:
    """One line and PASS (True) or MISS (False) per target of the issue."""
    out = []
    if normal is not None:
        s_per_week = normal.seconds / max(normal.weeks, 1)
        ok = abs(s_per_week - NORMAL_S_PER_WEEK) <= NORMAL_TOLERANCE * NORMAL_S_PER_WEEK
        out.append((f"normal speed {s_per_week:.3f} s a week (0.30 ± 10%)", ok))
    slowest = min(fast.repaints_per_s, key=fast.repaints_per_s.get)
    worst = max(fast.weeks_per_frame, key=fast.weeks_per_frame.get)
    low, most = fast.repaints_per_s[slowest], fast.weeks_per_frame[worst]
    out += [
        (f"fastest {fast.weeks_per_s:.1f} weeks a second (>= {TARGET_WEEKS_PER_S:.0f})", fast.weeks_per_s >= 60),
        (f"every plot >= {TARGET_REPAINTS_PER_S:.0f} repaints a second (least: {slowest} {low:.1f})", low >= 10),
        (f"<= {TARGET_WEEKS_PER_FRAME} weeks per frame (most: {worst} {most})", most <= TARGET_WEEKS_PER_FRAME),
    ]
    if fast_run.server_ms:
        ms = fast_run.server_ms
        line = f"server time <= {TARGET_SERVER_MS:.0f} ms per callback ({spread(ms)})"
        out.append((line, max(ms) <= TARGET_SERVER_MS))
    return out


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="a running app (default: start one on 127.0.0.1, port 0)")
    parser.add_argument(
        "--seconds-normal",
        type=float,
        default=None,
        metavar="N",
        help="measure normal speed for its first N seconds only (about N/0.3 weeks; default: the full 260-week "
        "run, 78 s); 0 skips it",
    )
    parser.add_argument(
        "--headless", action="store_true", help="no X server needed; the issue's figures are for headed chromium"
    )
    parser.add_argument(
        "--cpu-throttle",
        type=float,
        default=1.0,
        metavar="R",
        help="slow the page's main thread R times (Chrome's CPU throttling; 1 to 20), to see how a slower "
        "computer's browser would keep up; the server runs at full speed",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.cpu_throttle <= MAX_THROTTLE:
        parser.error(f"--cpu-throttle must be between 1 and {MAX_THROTTLE:g}; got {args.cpu_throttle:g}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench_classroom needs Playwright: pip install playwright (it drives /usr/bin/chromium)")
        return 1
    if not os.path.exists(CHROMIUM):
        print(f"bench_classroom needs {CHROMIUM}: apt-get install chromium")
        return 1
    env = dict(os.environ)
    xvfb = app = None
    try:
        if not args.headless and not env.get("DISPLAY"):
            if shutil.which("Xvfb") is None:
                print("DISPLAY is unset and Xvfb is missing: apt-get install xvfb (or pass --headless)")
                return 1
            xvfb, env["DISPLAY"] = start_xvfb()
        url = args.url
        if url is None:
            app, url = start_app()
        mode = "headless" if args.headless else f"headed on DISPLAY {env.get('DISPLAY')}"
        print(
            f"bench_classroom: {url}, chromium {mode}, {WIDTH}x{HEIGHT}, side by side ({COMPARE}); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        if args.headless:
            print("note: the issue's figures are for headed chromium under Xvfb; headless paints differently")
        if args.cpu_throttle > 1:
            print(f"note: the page's main thread is slowed {args.cpu_throttle:g} times (--cpu-throttle)")
        runs = _run_all(sync_playwright, env, url, args, app.pid if app is not None else None)
    except PageFailed as err:
        print(f"the page did not run: {err}")
        return 1
    finally:
        stop(app)
        stop(xvfb)
    normal_run, fast_run = runs.get(NORMAL), runs[FASTEST]
    normal = figures(normal_run) if normal_run is not None else None
    fast = figures(fast_run)
    for run, fig in ((normal_run, normal), (fast_run, fast)):
        if fig is not None and fig.week_changes == 0:
            print(f"the page did not run: at speed {run.speed} the week never changed after Play; {run.messages[:3]}")
            return 1
    if normal is not None:
        report(normal_run, normal)
    report(fast_run, fast)
    print()
    for line, ok in verdicts(normal, fast_run, fast):
        print(f"{'PASS' if ok else 'MISS'}  {line}")
    return 0


def _run_all(sync_playwright: Any, env: dict[str, str], url: str, args: argparse.Namespace, pid: int | None) -> dict:
    runs: dict[int, Run] = {}
    hosts = ";".join(f"[{h}]" if ":" in h else h for h in LOCAL_HOSTS)
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=args.headless,
            env=env,
            args=[
                "--no-sandbox",
                f"--window-size={WIDTH},{HEIGHT}",
                "--window-position=0,0",
                f"--proxy-server={BLOCKING_PROXY}",
                f"--proxy-bypass-list={hosts}",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            context.add_init_script(PROBE_JS)
            context.on("request", lambda r: blocked.append(r.url) if leaves(r.url) else None)
            if args.seconds_normal != 0:
                runs[NORMAL] = run_speed(context, url, NORMAL, args.seconds_normal, pid, args.cpu_throttle)
            runs[FASTEST] = run_speed(context, url, FASTEST, None, pid, args.cpu_throttle)
        finally:
            browser.close()
    example = f", e.g. {blocked[0]}" if blocked else ""
    print(f"requests that would have left this computer (blocked): {len(blocked)}{example}")
    return runs


if __name__ == "__main__":
    sys.exit(main())

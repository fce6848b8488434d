"""Where the browser's time goes at the fastest speed: a JavaScript CPU profile of the real page.

bench_classroom.py says how fast the page is; this says why. It starts the app,
opens ``?compare=leader_dialogue:0.9&speed=3`` in Debian's chromium (headless,
1280x720, every request off 127.0.0.1 blocked), waits until the charts show
week 0, starts Chrome's sampling profiler (``Profiler.start`` over the DevTools
protocol), presses Play and stops the profiler after ``--seconds``. It prints
the total time sampled and, for the page's own drawing functions (cocreate.js:
``paintOrgs``, ``paintCharts``, ...) and for each script file (plotly, the Dash
renderer, React, the polyfills), the time spent inside them (inclusive), then
the functions with the most time of their own.

Run:  python3 benchmarks/profile_classroom.py [--seconds 5] [--top 15]

Needs the ``[test]`` extra (Playwright, pytest: the app is started and the page
judged painted as the browser tests do it, ``tests/conftest.py``; no browser
download: ``/usr/bin/chromium`` is used). Percentages are of the time sampled,
idle included (the "(idle)" line says how much of it the page was waiting).
Prints figures; exits 1 if the run did not move past week 0 while profiled.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
OWN_FUNCTIONS = ("paintPending", "paintOrgs", "restyleDynamic", "paintCharts", "paintMonitors", "paintLegend")
"""cocreate.js's drawing functions, reported one by one."""
WIDTH, HEIGHT = 1280, 720
"""The classroom projector's size."""
SAMPLING_US = 200
"""Profiler sampling interval, in microseconds."""


def _file(url: str) -> str:
    name = url.split("/")[-1].split("?")[0]
    return name.split(".v")[0] if ".v" in name else (name or "(the page itself)")


def summarise(profile: dict[str, Any], top: int) -> list[str]:
    """The profile's time, inclusive per own function and per script file, and the top self times."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", ())}
    spent: collections.Counter[int] = collections.Counter()
    deltas = profile["timeDeltas"]
    for i, sample in enumerate(profile["samples"]):  # a sample's time is the gap to the next one (as DevTools)
        spent[sample] += deltas[i + 1] if i + 1 < len(deltas) else 0
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for node_id, us in spent.items():
        frame = nodes[node_id]["callFrame"]
        where = f" [{_file(frame['url'])}]" if frame["url"] else ""
        own[f"{frame['functionName'] or '(anonymous)'}{where}"] += us
        seen: set[str] = set()
        current: int | None = node_id
        while current is not None:
            call = nodes[current]["callFrame"]
            keys = [f"file {_file(call['url'])}"] if call["url"] else []
            if call["functionName"] in OWN_FUNCTIONS:
                keys.append(f"cocreate.js {call['functionName']}")
            for key in keys:
                if key not in seen:
                    inclusive[key] += us
                    seen.add(key)
            current = parent.get(current)
    total = sum(spent.values())
    lines = [f"sampled {total / 1e6:.2f} s of the page's main thread"]
    lines.append("inside (inclusive):")
    for key, us in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {us / 1e3:8.0f} ms  {100 * us / total:5.1f}%  {key}")
    lines.append(f"most time of their own (top {top}):")
    for key, us in own.most_common(top):
        lines.append(f"  {us / 1e3:8.0f} ms  {100 * us / total:5.1f}%  {key}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to profile after pressing Play")
    parser.add_argument("--top", type=int, default=15, help="functions listed by their own time")
    args = parser.parse_args(argv)
    if not 0.5 <= args.seconds <= 120 or not 1 <= args.top <= 200:
        parser.error("--seconds must be 0.5-120 and --top 1-200")
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, PAINTED, start_server  # the tests' app starter, flags, wait
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.route(
                "**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1" else r.abort()
            )
            page.goto(url + "?compare=leader_dialogue:0.9&speed=3")
            page.wait_for_function(PAINTED, timeout=60_000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
            cdp.send("Profiler.start")
            page.click("#play")
            page.wait_for_timeout(args.seconds * 1000)
            profile = cdp.send("Profiler.stop")["profile"]
            week = page.inner_text("#week")
            browser.close()
    finally:
        proc.kill()
        proc.communicate()
    shown = re.search(r"\d+", week)
    if not profile.get("samples") or not shown or int(shown.group()) == 0:
        print(f"profile_classroom: the run did not move while profiled (the page shows {week!r}).", file=sys.stderr)
        return 1
    print(f"profile_classroom: {url} headless {WIDTH}x{HEIGHT}, side by side, fastest, {args.seconds:g} s; {week}")
    print("\n".join(summarise(profile, args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

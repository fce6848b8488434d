"""The classroom app under a class: many pages playing at once, replayed over raw HTTP.

Each simulated page sends what a browser page sends (the requests were read off
chromium driving the real page): it loads ``/_dash-layout``, which issues its
session id; sends the page callback (``page.children <- url.search``) and reads
its own component values from the page it gets; sends the callbacks the page's
Dash renderer fires when the page appears (the ``update`` callback and the Play
gate); presses Play, and then sends its own clock ticks at the "normal" speed
(one week every 300 ms, 3.3 callbacks a second). Every ``update`` request
carries the inputs and states listed by ``/_dash-dependencies`` with this page's
values, including ``have``: the run and week the page received and the week it
painted, as the page's script (``cocreate.js``) writes them, so the server sends
only what changed (and steps only while the page keeps up, which this one does).
A page whose run reaches its horizon presses Reset and Play again, as a
teacher would. Ticks of one page never overlap (the renderer waits for the
previous answer), so a slow server makes a page tick late rather than pile up.

Prints the number of callbacks and how many were asked for, their time as the
page sees it (median, 90th and 99th percentile, worst) and as the server reports
it (``Server-Timing``), the answers' sizes, the CPU the app's processes used
(the front and each worker, ``serve --workers``), how many weeks the pages got of
those asked for, and how many pages were reset or told their session expired (the
issue's target: nobody, and a 99th percentile under 250 ms for 60 pages over 2
minutes on the 2-core development machine; this script also asks that the pages
get at least 95% of their weeks). Exits 0 when the target is met, 1 when not.

Run:  python3 benchmarks/bench_app_load.py                        # 60 pages, 2 minutes
      python3 benchmarks/bench_app_load.py --sessions 10 --duration 15   # a quick run
      python3 benchmarks/bench_app_load.py --url http://127.0.0.1:8050/  # a server already running
      python3 benchmarks/bench_app_load.py --workers 1                  # the app in one process

Only the standard library is used on the client side (asyncio streams, one
connection per page, kept alive when the server allows it: werkzeug's server
closes it after every answer, so each callback opens a new one, as a browser's
does); without ``--url`` the script starts ``python3 -m cocreate_sim.app --port 0``
on 127.0.0.1 and stops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

SESSIONS = 60
"""Pages playing at once (a class of 30 in pairs, twice over)."""
DURATION_S = 120.0
"""How long the pages play, in seconds."""
RATE_PER_S = 1000 / 300
"""Callbacks a second per page: the app's "normal" speed ticks every 300 ms."""
TARGET_P99_MS = 250.0
"""The issue's target for the 99th percentile callback time."""
TARGET_PACE = 0.95
"""Least share of the weeks asked for (3.3 a second per page) that the pages must get: they keep their pace."""
START_TIMEOUT_S = 60.0
"""Longest wait for the server to print its address."""
REQUEST_TIMEOUT_S = 30.0
"""Longest wait for one answer before the page counts it as failed."""
STOP_TIMEOUT_S = 15.0
"""Longest wait for the server to stop after SIGTERM."""
PERCENTILES = (50, 90, 99)
"""Percentiles printed."""
MS = 1000.0
"""Milliseconds per second."""
UPDATE_PATH = "/_dash-update-component"
"""Where every Dash callback is sent."""
PAGE, UPDATE, GATE = "page.children", "frame.data", "play.disabled"
"""Outputs that name the callbacks a page sends: the page itself, the update per tick, the Play gate."""
WEEK = re.compile(r"(\d+)\D+(\d+)")
"""Week and horizon in the week line ("Week 12 of 260", "Uge 12 af 260")."""
SERVER_TIMING = re.compile(rb"app;dur=([0-9.]+)")
"""The server's own time of a callback, in its Server-Timing header."""
UNWANTED = ("expired", "was dropped", "not issued", "Something went wrong")
"""Words of a message that means the page lost its run or the server failed."""


@dataclass
class Tally:
    """What all pages saw."""

    times_ms: list[float] = field(default_factory=list)
    tick_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    full_sizes: list[int] = field(default_factory=list)
    failed: int = 0
    resets: int = 0
    lost_frames: int = 0
    weeks: int = 0
    stalled: int = 0
    expired: int = 0
    restarts_asked: int = 0
    problems: list[str] = field(default_factory=list)


def key_of(component_id: Any) -> str:
    """A component id as a dictionary key (pattern ids as Dash writes them: JSON with sorted keys)."""
    return (
        component_id
        if isinstance(component_id, str)
        else json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    )


def components(tree: Any):
    """Every component (``{"type", "namespace", "props"}``) in a Dash layout, in the page's order."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in (tree["props"] if "props" in tree and "type" in tree else tree).values():
            yield from components(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from components(item)


def matches(pattern: dict, component_id: Any) -> bool:
    """Whether a pattern id of /_dash-dependencies (wildcards written ``["ALL"]``) matches a component's id."""
    if not isinstance(component_id, dict) or set(component_id) != set(pattern):
        return False
    return all(isinstance(want, list) or component_id[k] == want for k, want in pattern.items())


def as_js(value: Any) -> Any:
    """``value`` as the browser writes it back: JSON.stringify has no 1.0, only 1."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: as_js(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_js(v) for v in value]
    return value


def painted(frame: dict, have: Any) -> dict:
    """Store#have as ``cocreate.js`` leaves it once it has painted ``frame``: {run, week received, week painted}.

    The page's ``paint`` merges the frame into what it has (a frame of a run whose start it lost makes it ask for
    everything again), paints at most every 90 ms and then reports the week it painted; ticks come every 300 ms,
    so a page that keeps up has painted every frame before its next tick, as this one does.
    """
    if not frame.get("full") and (not isinstance(have, dict) or have.get("run") != frame.get("run")):
        return {"run": None, "week": -1, "painted": -1}
    week = max(frame["week"], -1 if frame.get("full") else have["week"])
    return {"run": frame["run"], "week": week, "painted": frame["week"]}


class Connection:
    """One page's HTTP/1.1 connection to the app (opened again whenever the server closes it)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes, float | None]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length, chunked, close, server_ms = 0, False, False, None
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                close = True
            elif name == b"server-timing" and (found := SERVER_TIMING.search(value)):
                server_ms = float(found.group(1))
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, data, server_ms

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None


class Page:
    """One browser page: its own connection, session id, component values and callbacks."""

    def __init__(self, host: str, port: int, deps: list[dict], tally: Tally, search: str = "") -> None:
        self.tally, self.search = tally, search
        self.deps = {name: next(d for d in deps if name in d["output"]) for name in (PAGE, UPDATE, GATE)}
        self.http = Connection(host, port)
        self.props: dict[str, dict] = {}
        self.order: list[Any] = []
        self.week = 0
        self.horizon = 0

    # ------------------------------------------------------------ the page's values
    def learn(self, tree: Any) -> None:
        """Take the component values of a layout (the shell, or the page the page callback built)."""
        for component in components(tree):
            cid = component["props"].get("id")
            if cid is not None:
                self.props[key_of(cid)] = component["props"]
                self.order.append(cid)

    def item(self, spec: dict) -> Any:
        """One input or state of a callback request, with this page's value (a list for a pattern id)."""
        if spec["id"].startswith("{"):
            pattern = json.loads(spec["id"])
            return [self.value(cid, spec["property"]) for cid in self.order if matches(pattern, cid)]
        return self.value(spec["id"], spec["property"])

    def value(self, cid: Any, prop: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": cid, "property": prop}
        props = self.props.get(key_of(cid), {})
        if prop in props:  # the renderer leaves out a value the component does not have (clock.n_intervals at first)
            out["value"] = props[prop]
        return out

    def body(self, name: str, changed: list[str]) -> bytes:
        """A callback's request body as the page's renderer sends it, ``changed`` being the inputs that changed."""
        dep = self.deps[name]
        inputs = [self.item(spec) for spec in dep["inputs"]]
        if dep["output"].startswith(".."):
            outputs: Any = []
            for part in dep["output"][2:-2].split("..."):
                component, prop = part.split("@")[0].rsplit(".", 1)
                outputs.append({"id": component, "property": prop})
        else:
            component, prop = dep["output"].rsplit(".", 1)
            outputs = {"id": component, "property": prop}
        request = {"output": dep["output"], "outputs": outputs, "inputs": inputs, "changedPropIds": changed}
        request["parsedChangedPropsIds"] = changed  # the same, as the renderer writes it for ids that are strings
        if dep["state"]:
            request["state"] = [self.item(spec) for spec in dep["state"]]
        return json.dumps(as_js(request), separators=(",", ":")).encode()

    # ------------------------------------------------------------ callbacks
    async def callback(self, name: str, changed: list[str], *, tick: bool = False) -> dict | None:
        """Send one callback, take its answer into the page's values; the answer, or None if it failed."""
        started = time.perf_counter()
        try:
            status, data, server_ms = await asyncio.wait_for(
                self.http.request("POST", UPDATE_PATH, self.body(name, changed)), REQUEST_TIMEOUT_S
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as err:
            self.tally.failed += 1
            self.tally.problems.append(f"{name}: {type(err).__name__}")
            self.http.close()
            return None
        elapsed = (time.perf_counter() - started) * MS
        self.tally.times_ms.append(elapsed)
        if tick:
            self.tally.tick_ms.append(elapsed)
        if server_ms is not None:
            self.tally.server_ms.append(server_ms)
        if status != 200:
            self.tally.failed += 1
            self.tally.problems.append(f"{name}: HTTP {status}")
            return None
        answer = json.loads(data).get("response", {})
        for cid, values in answer.items():
            self.props.setdefault(cid, {}).update(values)
        if name == PAGE:
            self.learn(answer.get("page", {}).get("children"))
        if name == UPDATE:
            self.take_frame(answer, len(data))
        if any(word in json.dumps(answer.get("message", "")) for word in UNWANTED):
            self.tally.expired += 1
        return answer

    def take_frame(self, answer: dict, size: int) -> None:
        """Paint the frame as the page's script does (Store#have), and check that the run went on."""
        frame = answer.get("frame", {}).get("data")
        if isinstance(frame, dict):
            have = self.props["have"].get("data")
            if frame.get("full") and isinstance(have, dict) and have.get("run") == frame.get("run"):
                self.tally.lost_frames += 1  # the server sent everything although the page had this run
            (self.tally.full_sizes if frame.get("full") else self.tally.sizes).append(size)
            self.props["have"]["data"] = painted(frame, have)
        found = WEEK.search(str(answer.get("week", {}).get("children", "")))
        if found:
            week, self.horizon = int(found.group(1)), int(found.group(2))
            if week < self.week:  # back to an earlier week without pressing Reset: the page's run was lost
                self.tally.resets += 1
            self.tally.weeks += max(0, week - self.week)
            self.week = week

    async def open(self) -> None:
        """Load the page: the shell (with the session id), the page from its address, its first callbacks."""
        status, data, _ = await self.http.request("GET", "/_dash-layout")
        if status != 200:
            raise RuntimeError(f"/_dash-layout answered HTTP {status}")
        self.learn(json.loads(data))
        if not self.props.get("session", {}).get("data"):
            raise RuntimeError("the layout carries no session id")
        self.props.setdefault("url", {})["search"] = self.search  # what the Location component reads off the address
        await self.callback(PAGE, ["url.search"])
        # the renderer's first calls for the new page (read off chromium): the update and the Play gate
        await self.callback(UPDATE, [])
        await self.callback(GATE, [])
        await self.press("play")

    async def press(self, button: str) -> None:
        self.props[button]["n_clicks"] = self.props[button].get("n_clicks", 0) + 1
        if button == "reset":  # back to week 0 because this page asked for it
            self.tally.restarts_asked += 1
            self.week = 0
        await self.callback(UPDATE, [f"{button}.n_clicks"])

    async def tick(self) -> None:
        clock = self.props["clock"]
        clock["n_intervals"] = clock.get("n_intervals", 0) + 1
        before = self.week
        if await self.callback(UPDATE, ["clock.n_intervals"], tick=True) is not None and self.week == before:
            self.tally.stalled += 1  # a playing page's tick that advanced no week
        if self.horizon and self.week >= self.horizon:  # the run is over: start again, as a teacher would
            await self.press("reset")
            await self.press("play")

    async def play(self, start_at: float, stop_at: float, rate: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        try:
            await self.open()
        except (RuntimeError, OSError, ValueError, KeyError) as err:
            self.tally.failed += 1
            self.tally.problems.append(f"opening the page: {err}")
            return
        period = 1.0 / rate
        due = time.monotonic()
        while (now := time.monotonic()) < stop_at:
            await asyncio.sleep(max(0.0, due - now))
            await self.tick()
            due = max(due + period, time.monotonic() - period)  # late ticks are not made up in a burst
        self.http.close()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def run_load(url: str, sessions: int, duration: float, rate: float) -> Tally:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    tally = Tally()
    probe = Connection(host, port)
    status, deps_raw, _ = await probe.request("GET", "/_dash-dependencies")
    probe.close()
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered HTTP {status}")
    deps = json.loads(deps_raw)
    start = time.monotonic()
    stop = start + duration
    spread = 1.0 / rate  # pages open spread over one tick, as pages of a class would not open in the same ms
    pages = [Page(host, port, deps, tally) for _ in range(sessions)]
    await asyncio.gather(*(p.play(start + spread * i / sessions, stop, rate) for i, p in enumerate(pages)))
    return tally


def start_server(workers: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0", "--workers", workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"the app did not print its address within {START_TIMEOUT_S:.0f} s")


def process_cpu(pid: int) -> float:
    """CPU seconds so far of process ``pid`` (Linux /proc; 0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (the app's worker processes, when it has any)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def cpu_seconds(pids: list[int]) -> tuple[float, list[float]]:
    """CPU seconds so far of the whole machine (all cores, Linux /proc) and of each process in ``pids``."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return 0.0, [0.0] * len(pids)
    machine = (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    return machine, [process_cpu(pid) for pid in pids]


def spread(values: list[float]) -> str:
    shown = ", ".join(f"p{p} {percentile(values, p):.0f}" for p in PERCENTILES)
    return f"{shown}, mean {statistics.fmean(values):.0f}, worst {max(values):.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS, help=f"pages playing at once (default {SESSIONS})")
    parser.add_argument("--duration", type=float, default=DURATION_S, help=f"seconds (default {DURATION_S:.0f})")
    parser.add_argument("--rate", type=float, default=RATE_PER_S, help="callbacks a second per page (default 3.3)")
    parser.add_argument("--url", default=None, help="a running app (default: start one on 127.0.0.1, port 0)")
    parser.add_argument(
        "--workers", default="auto", help="the started app's --workers (default auto: one per core, at most 4)"
    )
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.duration <= 0 or args.rate <= 0:
        parser.error("--sessions, --duration and --rate must be positive")
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(args.workers)
    server_pids = [proc.pid, *children(proc.pid)] if proc else []
    load_before = os.getloadavg()[0]
    try:
        machine0, server0 = cpu_seconds(server_pids)
        client0, started = time.process_time(), time.perf_counter()
        tally = asyncio.run(run_load(url, args.sessions, args.duration, args.rate))
        wall = time.perf_counter() - started
        machine1, server1 = cpu_seconds(server_pids)
        client = time.process_time() - client0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
    times = tally.times_ms
    if not times:
        print("no callback answered")
        return 1
    asked = args.sessions * args.rate
    print(
        f"{args.sessions} pages, {args.duration:.0f} s at {args.rate:.2f} ticks/s each ({asked:.0f} ticks/s asked): "
        f"{len(tally.tick_ms)} ticks ({len(tally.tick_ms) / wall:.0f}/s), {len(times)} callbacks in all "
        f"({len(times) / wall:.0f}/s)"
    )
    print(f"  callback time as the page sees it, all callbacks: {spread(times)}")
    if tally.tick_ms:
        print(f"  clock ticks only:                                 {spread(tally.tick_ms)}")
    if tally.server_ms:
        print(f"  server time (Server-Timing):                      {spread(tally.server_ms)}")
    if tally.sizes:
        print(
            f"  tick answers: median {statistics.median(tally.sizes):,.0f} B, max {max(tally.sizes):,.0f} B; "
            f"full frames (page load, reset): {len(tally.full_sizes)}, median "
            f"{statistics.median(tally.full_sizes or [0]):,.0f} B"
        )
    cores = os.cpu_count() or 1
    line = f"  machine CPU busy {100 * (machine1 - machine0) / wall / cores:.0f}% of {cores} cores"
    used = [100 * (b - a) / wall for a, b in zip(server0, server1, strict=True)]
    if len(used) == 1:
        line += f"; the app's process {used[0]:.0f}% of one core"
    elif used:
        shown = ", ".join(f"{u:.0f}%" for u in used[1:])
        line += f"; the app's front {used[0]:.0f}% and its {len(used) - 1} workers {shown} of one core each"
    print(f"{line}; this client {100 * client / wall:.0f}% of one core; load average before {load_before:.1f}")
    ticks = len(tally.tick_ms)
    pace = tally.weeks / (asked * wall)
    print(
        f"  weeks advanced {tally.weeks:,} ({tally.weeks / max(ticks, 1):.2f} a tick), {100 * pace:.0f}% of the "
        f"weeks asked for; ticks that moved none {tally.stalled} (the pace follows the wall clock: a tick that "
        "comes early steps nothing, the next one steps two)"
    )
    print(
        f"  failed {tally.failed}; pages reset without asking {tally.resets}; full frames the page did not need "
        f"{tally.lost_frames}; answers saying a run was lost {tally.expired}; deliberate resets at the horizon "
        f"{tally.restarts_asked}"
    )
    for problem in sorted(set(tally.problems))[:10]:
        print(f"  problem: {problem}")
    p99 = percentile(times, 99)
    ok = tally.failed == 0 and tally.resets == 0 and tally.expired == 0 and pace >= TARGET_PACE and p99 < TARGET_P99_MS
    print(
        f"target (p99 < {TARGET_P99_MS:.0f} ms, nobody reset, at least {100 * TARGET_PACE:.0f}% of the weeks asked "
        f"for, no failure): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

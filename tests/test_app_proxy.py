"""The app served by several worker processes behind the front (``serve --workers N``).

Unit tests of what the front reads from a request, then raw HTTP against a real server with two workers:
every page's callbacks reach the worker that holds its session, requests the front refuses get a plain
answer, a worker that dies is started again, and SIGTERM stops the front and every worker.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

pytest.importorskip("dash")

from test_app_http import START_TIMEOUT, _defaults, get, post, start_server, stop_server, update_request  # noqa: E402
from test_app_sessions import TINY_KEY, _tiny_scenarios, callback, issued, message, week  # noqa: E402

from cocreate_sim.app import checked_workers  # noqa: E402
from cocreate_sim.app.channel import pack, read_message, wsgi_environ  # noqa: E402
from cocreate_sim.app.proxy import (  # noqa: E402
    BadRequest,
    Front,
    Request,
    body_length,
    http_answer,
    parse_head,
    plain_answer,
    session_in,
    worker_of,
)
from cocreate_sim.app.sessions import SessionStore, new_session_id  # noqa: E402
from cocreate_sim.errors import UserError  # noqa: E402
from cocreate_sim.limits import MAX_APP_WORKERS, MAX_REQUEST_BYTES  # noqa: E402

WORKERS = 2
"""Worker processes of the server these tests start."""
TINY_APPLIED = {"key": TINY_KEY, "count": 1}
"""The page's preset-applied store: the tiny scenario."""


# ------------------------------------------------------------ unit tests
@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_each_worker_issues_only_ids_that_name_it(workers: int) -> None:
    for k in range(workers):
        ids = {new_session_id(k, workers) for _ in range(50)}
        assert len(ids) == 50 and all(len(i) == 32 for i in ids)
        assert {worker_of(i, workers) for i in ids} == {k}
    store = SessionStore(10, (1, 3))
    assert {worker_of(store.issue(), 3) for _ in range(20)} == {1}


def test_the_front_finds_the_session_in_a_callback_as_dash_writes_it() -> None:
    sid = new_session_id()
    body = json.dumps(
        {
            "output": "..frame.data...week.children..",
            "inputs": [{"id": "clock", "property": "n_intervals", "value": 3}],
            "state": [{"id": "session", "property": "data", "value": sid}, {"id": "have", "property": "data"}],
        },
        separators=(",", ":"),
    ).encode()
    assert session_in(body) == sid
    assert session_in(json.dumps({"state": [{"id": "session", "property": "data", "value": sid}]}).encode()) == sid
    assert session_in(b'{"inputs":[{"id":"url","property":"search","value":"?seed=3"}]}') is None
    assert session_in(b'{"state":[{"id":"session","property":"data","value":"../etc"}]}') is None


def test_the_front_reads_only_well_formed_heads_with_a_small_length() -> None:
    method, path, headers = parse_head(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12")
    assert (method, path, body_length(headers)) == ("POST", "/x", 12)
    assert body_length(parse_head(b"GET / HTTP/1.1\r\nHost: a")[2]) == 0
    assert parse_head(b"GET http://other:9/p?q=1 HTTP/1.1")[1] == "/p?q=1", "an absolute target is read as its path"
    for head, status in [
        (b"GARBAGE", 400),
        (b"GET / SPDY/3\r\nHost: a", 400),
        (b"GET / HTTP/1.1\r\nno colon here", 400),
        (b"GET / HTTP/1.1\r\n Host: a", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -1", 400),
        ("POST / HTTP/1.1\r\nContent-Length: \u00b2".encode("latin-1"), 400),
        (b"GET nowhere HTTP/1.1", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked", 411),
        (f"POST / HTTP/1.1\r\nContent-Length: {MAX_REQUEST_BYTES + 1}".encode(), 413),
    ]:
        with pytest.raises(BadRequest) as caught:
            body_length(parse_head(head)[2])
        assert caught.value.status == status, head


def test_a_request_crosses_the_channel_whole_and_becomes_the_wsgi_environ_a_server_would_give() -> None:
    head = {
        "method": "POST",
        "target": "/_dash-update-component?x=%C3%A6&y=2",
        "headers": [["Content-Type", "application/json"], ["Accept", "a"], ["accept", "b"], ["Content-Length", "3"]],
        "remote": "10.0.0.7",
        "host": "0.0.0.0",
        "port": 8050,
    }
    stream = io.BytesIO(pack(head, b"{}\n") + pack({"n": 2}, b""))
    assert read_message(stream) == (head, b"{}\n")
    assert read_message(stream) == ({"n": 2}, b"")
    assert read_message(stream) is None, "the end of the channel"
    assert read_message(io.BytesIO(pack(head, b"abc")[:-1])) is None, "a message cut short"
    environ = wsgi_environ(head, b"{}\n")
    assert environ["PATH_INFO"] == "/_dash-update-component" and environ["QUERY_STRING"] == "x=%C3%A6&y=2"
    assert environ["CONTENT_TYPE"] == "application/json" and environ["CONTENT_LENGTH"] == "3"
    assert environ["HTTP_ACCEPT"] == "a,b" and environ["REMOTE_ADDR"] == "10.0.0.7"
    assert environ["wsgi.input"].read() == b"{}\n"
    assert wsgi_environ({**head, "target": "/a%20b"}, b"")["PATH_INFO"] == "/a b"


def test_the_front_answers_whole_and_closes() -> None:
    answer = http_answer("200 OK", [("Content-Type", "text/plain"), ("Connection", "keep-alive")], b"hi")
    head, body = answer.split(b"\r\n\r\n", 1)
    assert body == b"hi" and head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Length: 2" in head and b"Connection: close" in head and b"keep-alive" not in head
    head_only = http_answer("200 OK", [("Content-Length", "28628")], b"", head=True)
    assert b"Content-Length: 28628" in head_only, "a HEAD answer keeps the length of what a GET would get"
    not_modified = http_answer("304 NOT MODIFIED", [("ETag", "x")], b"")
    assert b"Content-Length" not in not_modified and b"Date: " in not_modified
    refused = plain_answer(413, 'too "big"')
    assert refused.startswith(b"HTTP/1.1 413 ") and json.loads(refused.split(b"\r\n\r\n", 1)[1]) == {
        "error": 'too "big"'
    }


def test_new_pages_are_shared_out_evenly_whatever_else_a_browser_asks_for() -> None:
    front = Front([None, None], "127.0.0.1", 0, 100)
    front.workers[:] = [_Ready(), _Ready()]
    layout = Request("GET", "/_dash-layout", [], b"")
    other = Request("GET", "/favicon.ico", [], b"")
    pages = []
    for _ in range(12):  # a page load: the page, its favicon, its layout, its dependencies
        front.pick(other)
        front.pick(other)
        pages.append(front.pick(layout))
        front.pick(other)
    assert pages.count(0) == pages.count(1) == 6
    front.workers[0].broken = True
    assert {front.pick(layout) for _ in range(6)} == {1}, "a worker being restarted gets no new pages"
    sid = new_session_id(0, 2)
    state = json.dumps({"state": [{"id": "session", "property": "data", "value": sid}]}, separators=(",", ":"))
    callback = Request("POST", "/_dash-update-component", [], state.encode())
    assert front.pick(callback) == 0, "a page's callbacks go to its own worker, even one being restarted"


class _Ready:
    broken = False


def test_workers_is_auto_or_a_small_whole_number() -> None:
    assert 1 <= checked_workers("auto") <= 4
    assert checked_workers("3") == 3
    for bad in ("0", "-1", "two", "1.5", str(MAX_APP_WORKERS + 1), "9" * 500):
        with pytest.raises(UserError) as caught:
            checked_workers(bad)
        assert "--workers" in str(caught.value) and len(str(caught.value)) < 200


# ------------------------------------------------- a server with two workers
def worker_pids(front: int) -> list[int]:
    """The front's worker processes (its children), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == front:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def wait_until(condition, timeout: float = START_TIMEOUT):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    scenarios = _tiny_scenarios(tmp_path_factory.mktemp("scenarios"))
    proc, url = start_server("--scenarios", str(scenarios), "--workers", str(WORKERS))
    yield proc, url
    err = stop_server(proc)
    assert "Traceback" not in err, err


def test_every_page_keeps_its_run_on_the_worker_that_holds_it(two_workers) -> None:
    proc, url = two_workers
    assert len(worker_pids(proc.pid)) == WORKERS
    pages = [issued(url) for _ in range(12)]
    assert {worker_of(sid, WORKERS) for sid in pages} == set(range(WORKERS)), "new pages are shared out"
    for sid in pages:
        assert week(callback(url, sid, "preset-applied.data")) == 0
    for steps in (1, 2, 3):
        for sid in pages:
            answer = callback(url, sid, "step.n_clicks", step=steps)
            assert week(answer) == steps, message(answer)
    made_up = "b" * 32
    assert "not issued by this server" in message(callback(url, made_up, "step.n_clicks", step=1))


def test_the_front_refuses_what_the_app_would_refuse_and_keeps_serving(two_workers) -> None:
    proc, url = two_workers
    status, response = post(urljoin(url, "/_dash-update-component"), b"{" + b" " * (MAX_REQUEST_BYTES + 10) + b"}")
    assert status == 413 and b"larger than" in response
    parsed = urlparse(url)
    for raw in (b"NONSENSE\r\n\r\n", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"):
        with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as conn:
            conn.sendall(raw)
            answer = conn.recv(4096)
        assert answer.split(b" ", 2)[1] in (b"400", b"411"), answer
        assert b"Traceback" not in answer
    status, page, _ = get(url)
    assert status == 200 and b"<html" in page
    assert proc.poll() is None


def _raw(url: str, request: bytes, *, then: bytes = b"") -> bytes:
    """Send ``request`` (and ``then`` once the server answered something), read until the server closes."""
    parsed = urlparse(url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=60) as conn:
        conn.sendall(request)
        chunks = [conn.recv(65536)]
        if then:
            conn.sendall(then)
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_head_and_expect_100_continue_work_as_with_one_process(two_workers) -> None:
    _, url = two_workers
    page = get(url)[1]
    head = _raw(url, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and f"Content-Length: {len(page)}".encode() in head
    assert head.endswith(b"\r\n\r\n"), "no body after a HEAD answer"
    body = b'{"output":"x"}'
    request = (
        b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer = _raw(url, request, then=body)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 "), answer[:200]


def test_a_worker_that_dies_is_started_again_and_its_pages_are_told_to_reload(tmp_path: Path) -> None:
    proc, url = start_server("--scenarios", str(_tiny_scenarios(tmp_path)), "--workers", str(WORKERS))
    try:
        first = worker_pids(proc.pid)
        pages = {worker_of(sid, WORKERS): sid for sid in (issued(url) for _ in range(8))}
        for sid in pages.values():
            assert week(callback(url, sid, "step.n_clicks", step=1)) == 1
        victim = first[0]
        os.kill(victim, signal.SIGKILL)
        now = wait_until(
            lambda: (pids := worker_pids(proc.pid)) and len(pids) == WORKERS and victim not in pids and pids
        )
        assert now and victim not in now, "a new worker took the dead one's place"
        answers = {sid: wait_until(lambda s=sid: _answered(url, s)) for sid in pages.values()}
        lost = [sid for sid, answer in answers.items() if "not issued by this server" in message(answer)]
        assert len(lost) == 1, "exactly the dead worker's page lost its run and is told to reload"
        kept = [sid for sid in pages.values() if sid not in lost]
        assert week(callback(url, kept[0], "step.n_clicks", step=2)) == 2, "the other worker's page kept its run"
        fresh = issued(url)
        assert week(callback(url, fresh, "step.n_clicks", step=1)) == 1
    finally:
        err = stop_server(proc)
    assert "worker" in err and "stopped" in err and "Traceback" not in err


def _answered(url: str, sid: str) -> dict | None:
    """A callback that changes nothing (the speed, unchanged): its answer, or None while the front answers 502."""
    body = update_request(url, _defaults(), session=sid, changed="speed.value", preset_applied=TINY_APPLIED)
    status, response = post(urljoin(url, "/_dash-update-component"), json.dumps(body).encode())
    return json.loads(response)["response"] if status == 200 else None


def test_sigterm_stops_the_front_and_every_worker(tmp_path: Path) -> None:
    proc, url = start_server("--scenarios", str(_tiny_scenarios(tmp_path)), "--workers", str(WORKERS))
    workers = worker_pids(proc.pid)
    assert len(workers) == WORKERS
    parsed = urlparse(url)
    idle = [socket.create_connection((parsed.hostname, parsed.port)) for _ in range(3)]  # as a browser's preconnect
    idle[0].sendall(b"GET / HTTP/1.1\r\n")  # and one that stops half-way
    get(url)  # the front has taken them all in
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=START_TIMEOUT)
    for conn in idle:
        conn.close()
    assert (proc.returncode, err.strip()) == (0, "stopped."), "open connections are closed quietly"
    assert wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 30)


def test_workers_stop_when_their_front_is_killed(tmp_path: Path) -> None:
    proc, _url = start_server("--scenarios", str(_tiny_scenarios(tmp_path)), "--workers", str(WORKERS))
    workers = worker_pids(proc.pid)
    proc.kill()
    _, err = proc.communicate(timeout=START_TIMEOUT)
    assert wait_until(lambda: not any(_alive(pid) for pid in workers), 30), "no worker outlives its front"
    assert "Traceback" not in err, err


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for init to reap it does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_bad_workers_option_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0", "--workers", "lots"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--workers" in done.stderr and "Traceback" not in done.stderr


def test_a_burst_of_connections_past_the_open_file_limit_gets_one_line_not_a_flood(tmp_path: Path) -> None:
    import resource

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FEW_FILES, FEW_FILES))

    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_sim.app", "--port", "0", "--workers", str(WORKERS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        preexec_fn=few_files,
    )
    try:
        url = wait_until(lambda: re.search(r"http://127\.0\.0\.1:\d+/", proc.stdout.readline()))
        assert url, "the app printed its address"
        parsed = urlparse(url.group(0))
        burst = []
        for _ in range(2 * FEW_FILES):
            with contextlib.suppress(OSError):
                burst.append(socket.create_connection((parsed.hostname, parsed.port), timeout=30))
        for conn in burst:
            conn.close()
        assert wait_until(lambda: _status(url.group(0)) == 200, 30), "the front serves again once they are gone"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=START_TIMEOUT)
    assert "Traceback" not in err and len(err.splitlines()) <= 3, err[-2000:]


FEW_FILES = 128
"""An open-file limit low enough to reach with one test's connections."""


def _status(url: str) -> int | None:
    try:
        return get(url)[0]
    except OSError:
        return None

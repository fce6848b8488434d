"""Sessions under a class: only ids the server issued get a run, 200+ pages keep theirs, limits on requests.

Raw HTTP against a real server started on port 0, as in ``test_app_http.py``:
a page is simulated by fetching ``/_dash-layout`` (where the server issues the
page's session id) and sending the update callback its renderer would send.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest

pytest.importorskip("dash")

from test_app_http import START_TIMEOUT, _defaults, get, post, start_server, stop_server, update_request  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TINY = {"n_citizens": 60, "n_departments": 2, "workers_per_department": 3}
"""A municipality small enough that hundreds of pages start in seconds."""
TINY_KEY = "scenario:tiny"
"""The tiny scenario's key among the presets."""
KEPT = 200
"""The issue: at least this many pages keep their run."""
SMALL_CAP = 2
"""A cap small enough to see a page's session dropped."""
MAX_QUOTED = 100
"""Most characters of an input an error on the page may quote."""
SESSION_IN_LAYOUT = re.compile(r'"id":\s*"session"[^{}]*?"data":\s*"([0-9a-f]+)"|"data":\s*"([0-9a-f]+)"[^{}]*?"id":')


def _tiny_scenarios(folder: Path) -> Path:
    (folder / "npm_baseline.yaml").write_text((REPO / "scenarios" / "npm_baseline.yaml").read_text())
    params = "\n".join(f"  {k}: {v}" for k, v in TINY.items())
    (folder / "tiny.yaml").write_text(
        f"extends: npm_baseline.yaml\ndescription: a tiny municipality for tests\nhorizon: 50\nparams:\n{params}\n"
    )
    return folder


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    proc, url = start_server("--scenarios", str(_tiny_scenarios(tmp_path_factory.mktemp("scenarios"))))
    yield proc, url
    err = stop_server(proc)
    assert "Traceback" not in err, err


def issued(url: str) -> str:
    """Load a page the way a browser does and return the session id the server issued for it."""
    status, body, _ = get(urljoin(url, "/_dash-layout"))
    assert status == 200
    match = SESSION_IN_LAYOUT.search(body.decode())
    assert match, "the layout carries the page's session id"
    return match.group(1) or match.group(2)


def callback(url: str, session: str, changed: str, **inputs: object) -> dict:
    """Send the update callback for ``session``; the JSON answer (status must be 200)."""
    inputs.setdefault("preset_applied", {"key": TINY_KEY, "count": 1})
    body = update_request(url, _defaults(), session=session, changed=changed, **inputs)
    status, response = post(urljoin(url, "/_dash-update-component"), json.dumps(body).encode())
    assert status == 200, response[:300]
    return json.loads(response)["response"]


def week(answer: dict) -> int | None:
    text = answer.get("week", {}).get("children")
    return int(text.split()[1]) if text else None


def message(answer: dict) -> str:
    return json.dumps(answer.get("message", {}))


def test_an_id_the_server_did_not_issue_gets_no_session_and_is_told_so(tiny_server) -> None:
    _, url = tiny_server
    made_up = "a" * 32
    for _ in range(2):  # asking again does not create one either
        answer = callback(url, made_up, "step.n_clicks", step=1)
        assert week(answer) is None, "no run may start under an id the server did not issue"
        assert "not issued by this server" in message(answer) and "Reload the page" in message(answer)
        assert answer["clock"]["disabled"] is True
    mine = issued(url)
    assert week(callback(url, mine, "preset-applied.data")) == 0
    assert week(callback(url, mine, "step.n_clicks", step=1)) == 1


def test_two_hundred_pages_keep_their_runs(tiny_server) -> None:
    _, url = tiny_server
    pages = [issued(url) for _ in range(KEPT + 10)]
    for sid in pages:  # a page's first update opens its run; this one also steps it
        assert week(callback(url, sid, "step.n_clicks", step=1)) == 1
    for sid in pages:  # the first ones opened are the least recently used: a cap under KEPT + 10 drops them
        answer = callback(url, sid, "step.n_clicks", step=2)
        assert week(answer) == 2, f"a page's run was lost: {message(answer)}"
        assert "alert" not in message(answer) and "note" not in message(answer), message(answer)


def test_a_dropped_page_is_told_its_session_expired_and_reset_starts_it_again(tmp_path: Path) -> None:
    proc, url = start_server("--scenarios", str(_tiny_scenarios(tmp_path)), "--max-sessions", str(SMALL_CAP))
    try:
        first, *others = [issued(url) for _ in range(SMALL_CAP + 1)]
        assert week(callback(url, first, "preset-applied.data")) == 0
        assert week(callback(url, first, "step.n_clicks", step=1)) == 1
        for sid in others:
            callback(url, sid, "preset-applied.data")
        answer = callback(url, first, "clock.n_intervals", clock=1, play=1)
        assert week(answer) is None
        assert "Your session expired, start again" in message(answer)
        assert answer["clock"]["disabled"] is True, "the page stops ticking"
        answer = callback(url, first, "reset.n_clicks", reset=1)
        assert week(answer) == 0 and "Started again" in message(answer)
    finally:
        err = stop_server(proc)
    assert "Traceback" not in err


def test_an_oversized_body_is_refused_with_413(tiny_server) -> None:
    proc, url = tiny_server
    body = update_request(url, _defaults(), session=issued(url), changed="step.n_clicks", step=1)
    body["padding"] = "x" * 40_000  # well-formed JSON a page never sends: ten times its largest body
    status, response = post(urljoin(url, "/_dash-update-component"), json.dumps(body).encode())
    assert status == 413, response[:300]
    assert b"Traceback" not in response
    assert proc.poll() is None and get(url)[0] == 200


@pytest.mark.parametrize(
    ("inputs", "levers"),
    [
        ({"seed": "9" * 5000}, {}),
        ({"seed": 10**400}, {}),
        ({"speed": "fast" * 2000}, {}),
        ({"compare_on": ["on"], "compare_lever": "z" * 5000}, {}),
        ({"compare_on": ["on"], "compare_value": "1" * 5000}, {}),
        ({"preset_applied": {"key": "k" * 5000}}, {}),
        ({}, {"zero_error_culture": "7" * 5000}),
        ({}, {"zero_error_culture": [1] * 500}),
        ({}, {"y" * 5000: 1}),
    ],
)
def test_errors_on_the_page_are_plain_and_quote_at_most_100_characters(tiny_server, inputs, levers) -> None:
    _, url = tiny_server
    sid = issued(url)
    callback(url, sid, "preset-applied.data")
    body = update_request(url, {**_defaults(), **levers}, session=sid, changed="seed.value", **inputs)
    status, response = post(urljoin(url, "/_dash-update-component"), json.dumps(body).encode())
    assert status == 200, response[:300]
    text = message(json.loads(response)["response"])
    assert "alert" in text
    for value in [*inputs.values(), *levers.values(), *levers]:
        assert not quotes_too_much(text, value), f"an error quotes more than {MAX_QUOTED} characters: {text[:300]}"
    assert not re.search(r"\b[A-Z]\w*(Error|Exception)\b|Traceback", text), text


def quotes_too_much(text: str, value: object) -> bool:
    """Whether ``text`` holds more than MAX_QUOTED characters in a row of ``value`` (as str or repr)."""
    for shown in {str(value), repr(value)}:
        period = 4  # the inputs repeat a pattern of at most this many characters, so these shifts cover them
        for start in range(min(period, max(0, len(shown) - MAX_QUOTED))):
            if shown[start : start + MAX_QUOTED + 1] in text:
                return True
    return False


def read_until(proc: subprocess.Popen, word: str, timeout: float) -> str:
    """The first line of the process's output holding ``word`` ("" if none within ``timeout`` s or at its end)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if word in line:
            return line
    return ""


def test_serve_stops_cleanly_on_sigterm_while_starting_and_while_serving(tmp_path: Path) -> None:
    """SIGTERM, as a service manager sends it, says "stopped." (never "nothing was written") at any moment."""
    for entry in (["-m", "cocreate_sim.app"], [str(REPO / "run.py"), "serve"]):
        for wait_for in ("starting", "ready"):
            proc = subprocess.Popen(
                [sys.executable, *entry, "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp_path,
            )
            try:
                line = read_until(proc, wait_for, START_TIMEOUT)
                proc.terminate()
                _, err = proc.communicate(timeout=START_TIMEOUT)
            finally:
                proc.kill()
            assert wait_for in line, (entry, wait_for, line)
            assert (proc.returncode, err.strip()) == (0, "stopped."), (entry, wait_for, proc.returncode, err)

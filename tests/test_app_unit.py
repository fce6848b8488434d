"""The app's pieces without a browser: levers, sessions, frames, the page address, presets, the serve command.

The organisation picture has its own tests (``test_app_orgpicture.py``), the
lessons theirs (``test_app_lessons.py``).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import weakref
from pathlib import Path

import pandas as pd
import pytest

from cocreate_sim.app import DEFAULT_HOST, DEFAULT_PORT, NEEDS_APP_EXTRA, register, serve
from cocreate_sim.app.__main__ import main as app_main
from cocreate_sim.app.frames import (
    CHARTS,
    MONITORS,
    chart_points,
    chart_skeletons,
    csv_text,
    marker_label,
    monitor_texts,
    monitor_values,
)
from cocreate_sim.app.levers import (
    LEVERS,
    MAIN_LEVERS,
    SPEEDS,
    check_lever,
    check_levers,
    check_seed,
    check_speed,
    plain,
    slider_step,
)
from cocreate_sim.app.orgpicture import OrgLayout, org_dynamic, org_static
from cocreate_sim.app.presets import DEFAULT_KEY, Preset, load_presets
from cocreate_sim.app.sessions import SessionStore
from cocreate_sim.app.setup import MAX_QUERY, Setup, far_end, make_query, parse_query
from cocreate_sim.errors import UserError
from cocreate_sim.i18n import lever_label
from cocreate_sim.limits import APP_MAX_HORIZON, MAX_SEED, MAX_SHOWN_CHARS
from cocreate_sim.model import CoCreationModel
from cocreate_sim.params import DEFAULTS, PARAMETERS, ParameterError

SMALL = {"n_citizens": 300, "n_departments": 4, "workers_per_department": 6}
REPO = Path(__file__).resolve().parents[1]


def small_preset(steps: int = 30, **params: object) -> Preset:
    return Preset("small", "small", {**DEFAULTS, **SMALL, **params}, steps, 3, "a small test municipality")


# ------------------------------------------------------------------ levers
def test_the_issues_levers_are_all_sliders_declared_in_params() -> None:
    issue = {
        "zero_error_culture",
        "decision_path_length",
        "leader_dialogue",
        "measure_cocreation_value",
        "outreach_weak_groups",
        "task_committees",
        "maintenance_pool",
    }
    assert issue <= set(MAIN_LEVERS)
    assert set(LEVERS) <= set(PARAMETERS)
    for name in LEVERS:
        p = PARAMETERS[name]
        assert plain(p).endswith(".") and len(plain(p)) > 20
        step = slider_step(p)
        assert step == 1 if p.integer else 0 < step <= (p.high - p.low) / 10


def test_structural_settings_are_not_live_levers() -> None:
    for name in ("n_citizens", "n_departments", "workers_per_department", "weak_share", "champion_share"):
        assert name not in LEVERS
        with pytest.raises(ParameterError, match="not a lever the app lets you move"):
            check_lever(name, DEFAULTS[name])


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("zero_error_culture", 1.5, "out of range"),
        ("zero_error_culture", "abc", "must be a number"),
        ("zero_error_culture", float("nan"), "finite"),
        ("zero_error_culture", True, "must be a number"),
        ("decision_path_length", 2.5, "whole number"),
        ("task_committees", 13, "out of range"),
        ("leader_dialog", 0.5, "not a lever"),
        (None, 0.5, "not a lever"),
    ],
)
def test_bad_lever_values_are_refused_with_the_allowed_range(name, value, fragment) -> None:
    good, errors = check_levers([name], [value])
    assert good == {}
    assert len(errors) == 1 and fragment in errors[0]


def test_good_lever_values_are_coerced_to_the_parameter_type() -> None:
    good, errors = check_levers(["decision_path_length", "leader_dialogue"], ["3", 1])
    assert errors == []
    assert good == {"decision_path_length": 3, "leader_dialogue": 1.0}
    assert isinstance(good["decision_path_length"], int)


def test_seed_and_speed_checks() -> None:
    assert check_seed(7) == 7 and check_seed("12") == 12
    assert check_seed(2**31) == 2**31 and check_seed(MAX_SEED) == MAX_SEED == 2**32 - 1
    for bad in (-1, 1.5, "x", None, MAX_SEED + 1, True, float("inf"), 10**400):
        with pytest.raises(ParameterError, match="seed"):
            check_seed(bad)
    assert check_speed(0) is SPEEDS[0]
    for bad in (len(SPEEDS), -1, 0.5, "1", None):
        with pytest.raises(ParameterError, match="speed"):
            check_speed(bad)


def test_errors_quote_a_huge_value_shortened() -> None:
    huge = "x" * 100_000
    for check in (lambda: check_seed(huge), lambda: check_speed(huge), lambda: check_lever(huge, 0.5)):
        with pytest.raises(ParameterError) as caught:
            check()
        message = str(caught.value)
        assert "x" * MAX_SHOWN_CHARS not in message and "xxx..." in message


# ---------------------------------------------------------------- sessions
def test_side_by_side_with_an_equal_lever_gives_identical_runs() -> None:
    store = SessionStore()
    session = store.open(store.issue(), small_preset())
    session.set_compare(("leader_dialogue", DEFAULTS["leader_dialogue"]))
    session.step(20)
    a, b = (m.datacollector.get_model_vars_dataframe() for m in session.models)
    assert session.week == 20 and len(a) == 21
    assert a.equals(b)


def test_side_by_side_runs_differ_only_in_the_compared_lever() -> None:
    store = SessionStore()
    session = store.open(store.issue(), small_preset())
    session.set_levers({"leader_dialogue": 0.0, "outreach_weak_groups": 0.5})
    session.set_compare(("leader_dialogue", 1.0))
    assert session.week == 0, "turning side by side on restarts both runs"
    a, b = session.models
    pa, pb = a.p.as_dict(), b.p.as_dict()
    diff = {k for k in pa if pa[k] != pb[k]}
    assert diff == {"leader_dialogue"} and b.p.leader_dialogue == 1.0
    session.step(10)
    session.set_levers({"zero_error_culture": 0.1, "leader_dialogue": 0.3})  # moved mid-run
    assert a.p.zero_error_culture == b.p.zero_error_culture == 0.1
    assert a.p.leader_dialogue == 0.3 and b.p.leader_dialogue == 1.0
    session.step(30)
    assert session.week == 30, "never past the horizon"
    assert session.finished and session.step(5) == 0
    ma = a.datacollector.model_vars["mindset_mean"]
    mb = b.datacollector.model_vars["mindset_mean"]
    assert ma != mb


def test_the_session_store_is_capped_and_refuses_malformed_ids() -> None:
    store = SessionStore(max_sessions=2)
    ids = [store.issue() for _ in range(3)]
    for sid in ids:
        store.open(sid, small_preset())
    assert len(store) == 2
    assert store.get(ids[0]) is None and store.get(ids[2]) is not None
    for bad in ("../../etc/passwd", "A" * 32, 12, None, {"x": 1}):
        assert store.get(bad) is None
        with pytest.raises(ParameterError, match="reload the page"):
            store.open(bad, small_preset())


# ------------------------------------------------------------------- frames
def test_drawing_never_touches_the_models_random_numbers() -> None:
    drawn = CoCreationModel(rng=11, **SMALL)
    plain_run = CoCreationModel(rng=11, **SMALL)
    layout = OrgLayout(drawn)
    org_static(layout, drawn, "t", "en")
    for week in range(25):
        drawn.step()
        plain_run.step()
        org_dynamic(drawn, layout, "en")
        chart_points([drawn], week - 1)
        monitor_texts(monitor_values(drawn), "en")
    chart_skeletons(["A"], 25, "en")
    assert drawn.outcomes() == plain_run.outcomes()


def test_charts_overlay_b_dashed_over_a_with_every_series_a_model_column() -> None:
    models = [CoCreationModel(rng=2, **SMALL), CoCreationModel(rng=2, **SMALL, leader_dialogue=1.0)]
    for _ in range(5):
        for m in models:
            m.step()
    skeletons = chart_skeletons(["A", "B"], 52, "en")
    points = chart_points(models, -1)
    assert set(skeletons) == set(points) == set(CHARTS)
    for key, (_title, series, _unit) in CHARTS.items():
        traces = skeletons[key]["data"]
        assert len(traces) == 2 * len(series) == len(points[key]["x"]) == len(points[key]["y"])
        assert [t["line"]["dash"] for t in traces[:2]] == ["solid", "dash"]
        assert traces[0]["line"]["color"] == traces[1]["line"]["color"], "A and B of a series share its colour"
        assert len({t["marker"]["symbol"] for t in traces}) == len(series), "each series has its own marker"
        assert skeletons[key]["layout"]["xaxis"]["range"] == [0, 52]
        assert all(x == list(range(6)) for x in points[key]["x"])
        assert all(s["layer"] == "below" for s in skeletons[key]["layout"]["shapes"]), "under the lines, as live"
    uptake = points["uptake"]["y"]
    assert uptake[0] == [round(v, 4) for v in models[0].datacollector.model_vars["uptake"]]
    assert chart_points(models, 3)["uptake"]["x"] == [[4, 5], [4, 5]] * 3, "only the weeks after the page's last"


def test_a_page_gets_the_whole_run_once_and_then_only_the_weeks_it_lacks() -> None:
    store = SessionStore()
    session = store.open(store.issue(), small_preset())
    session.step(5)
    full = session.frame(None, "en")
    assert full["full"] and set(full["charts"]) == set(CHARTS) and full["week"] == 5
    assert all(part["static"] is not None for part in full["org"])
    assert full["points"]["uptake"]["x"][0] == list(range(6))
    assert full["monitors"] == [monitor_texts(monitor_values(session.models[0]), "en")]
    assert len(full["monitors"][0]) == len(MONITORS)
    session.step(2)
    later = session.frame({"run": full["run"], "week": 5}, "en")
    assert not later["full"] and "charts" not in later and later["org"][0]["static"] is None
    assert later["points"]["uptake"]["x"][0] == [6, 7]
    for lost in ({"run": full["run"] + 1, "week": 5}, {"run": full["run"], "week": 99}, {"week": "x"}, "junk"):
        assert session.frame(lost, "en")["full"], f"a page that has {lost!r} must get the whole run"


def test_a_lever_moved_mid_run_is_marked_with_its_label_and_week() -> None:
    store = SessionStore()
    session = store.open(store.issue(), small_preset())
    session.set_levers({"leader_dialogue": 0.5})
    assert session.frame(None, "en")["markers"] == [], "a lever set at week 0 is the setup, not a change"
    session.step(4)
    session.set_levers({"leader_dialogue": 0.8, "zero_error_culture": DEFAULTS["zero_error_culture"]})
    assert session.frame(None, "en")["markers"] == [[4, "Leader dialogue = 0.8"]]
    assert marker_label("leader_dialogue", 0.8, "da") == f"{lever_label('leader_dialogue', 'da')} = 0.8"
    session.rebuild()
    assert session.frame(None, "en")["markers"] == [], "a restart clears the markers"


def test_monitors_say_when_nobody_takes_part() -> None:
    values = {"uptake": 0.125, "weak_share_participants": 0.0, "weak_share_population": 0.3}
    values |= {"backlog": 12345.0, "trust_mean": 0.456, "participants": 0.0}
    assert monitor_texts(values, "en") == ["12%", "nobody takes part / 30%", "12 345", "0.46"]
    assert monitor_texts({**values, "participants": 4.0, "weak_share_participants": 0.25}, "en")[1] == "25% / 30%"


def test_the_csv_holds_every_week_of_both_runs_after_a_header_saying_what_was_run() -> None:
    models = [CoCreationModel(rng=4, **SMALL), CoCreationModel(rng=4, **SMALL, leader_dialogue=1.0)]
    for _ in range(3):
        for m in models:
            m.step()
    text = csv_text(models, [("seed", "4"), ("run B differs in", "leader_dialogue=1")], ["A", "B"])
    first, *header = text.splitlines()[:3]
    assert first.startswith("# cocreate_sim ") and header == ["# seed: 4", "# run B differs in: leader_dialogue=1"]
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns[:3]) == ["run", "week", "uptake"]
    assert list(table["run"]) == ["A"] * 4 + ["B"] * 4 and list(table["week"]) == [0, 1, 2, 3] * 2
    for k, model in enumerate(models):
        expected = model.datacollector.model_vars["trust_mean"]
        assert table["trust_mean"][4 * k : 4 * k + 4].tolist() == pytest.approx(expected, rel=1e-5)


# ------------------------------------------------------------- the address
def test_an_address_round_trips_and_keeps_only_levers_that_differ_from_the_preset() -> None:
    presets, _ = load_presets(REPO / "no-such-folder")
    setup = Setup(
        lang="da",
        projector=True,
        seed=7,
        speed=3,
        levers={"leader_dialogue": 0.8, "zero_error_culture": DEFAULTS["zero_error_culture"]},
        compare=("task_committees", 6),
    )
    query = make_query(setup, presets)
    assert "zero_error_culture" not in query, "a lever at the preset's value is left out of the address"
    back = parse_query(query, presets, "en")
    assert back.notes == ()
    assert (back.lang, back.projector, back.seed, back.speed) == ("da", True, 7, 3)
    assert back.compare == ("task_committees", 6)
    assert back.levers == {"leader_dialogue": 0.8}
    assert make_query(back, presets) == query
    assert parse_query("", presets, "da") == Setup(lang="da")
    assert far_end("leader_dialogue", 0.1) == PARAMETERS["leader_dialogue"].high


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("?seed=-5", "seed"),
        ("?seed=1.5", "seed"),
        ("?speed=9", "speed"),
        ("?lang=fr", "lang"),
        ("?preset=scenario:../../etc", "preset"),
        ("?lesson=nope", "lesson"),
        ("?leader_dialogue=7", "leader_dialogue"),
        ("?compare=n_citizens:5", "n_citizens"),
        ("?drop_tables=1", "drop_tables"),
        ("?seed=" + "9" * 500, "seed"),
        ("?seed=" + "9" * MAX_QUERY, "longer than"),
    ],
)
def test_what_an_address_may_not_set_is_left_out_with_a_note(query, fragment) -> None:
    presets, _ = load_presets(REPO / "no-such-folder")
    setup = parse_query(query, presets, "en")
    assert len(setup.notes) == 1 and fragment in setup.notes[0]
    assert "9" * (MAX_SHOWN_CHARS + 1) not in setup.notes[0], "a note quotes a long value shortened"
    assert (setup.seed, setup.levers, setup.compare, setup.lang) == (None, {}, None, "en")


# ------------------------------------------------------------------ presets
def test_presets_include_the_default_and_skip_broken_files_with_a_note(tmp_path: Path) -> None:
    presets, notes = load_presets(tmp_path / "missing")
    assert list(presets) == [DEFAULT_KEY] and "does not exist" in notes[0]
    (tmp_path / "broken.yaml").write_text("params: [unclosed\n")
    presets, notes = load_presets(tmp_path)
    assert list(presets) == [DEFAULT_KEY]
    assert len(notes) == 1 and notes[0].startswith("broken.yaml skipped")


def test_a_long_scenario_is_shortened_to_the_classrooms_cap(tmp_path: Path) -> None:
    pytest.importorskip("cocreate_sim.scenario")
    (tmp_path / "long.yaml").write_text("description: a long run\nhorizon: 2000\nseed: 4\n")
    presets, notes = load_presets(tmp_path)
    assert presets["scenario:long"].steps == APP_MAX_HORIZON == 1040, notes
    assert notes == [f"long.yaml: horizon shortened from 2000 to {APP_MAX_HORIZON} weeks for the app."]


def test_the_repositorys_scenarios_load_as_presets() -> None:
    pytest.importorskip("cocreate_sim.scenario")
    files = [p for p in sorted((REPO / "scenarios").glob("*.yaml")) if not p.name.startswith(("_", "."))]
    if not files:
        pytest.skip("no scenario files in the repository yet")
    presets, _ = load_presets(REPO / "scenarios")
    for path in files:
        preset = presets[f"scenario:{path.stem}"]
        assert set(preset.params) == set(PARAMETERS) and preset.steps >= 1


# -------------------------------------------------------------- the command
def test_register_adds_serve_bound_to_localhost_by_default() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.host, args.port, args.func) == (DEFAULT_HOST, DEFAULT_PORT, serve)
    assert DEFAULT_HOST == "127.0.0.1"
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


@pytest.mark.parametrize(
    ("host", "port", "fragment"),
    [("127.0.0.1", 70000, "--port"), ("127.0.0.1", -5, "--port"), ("no such host.invalid", 8050, "--host")],
)
def test_serve_refuses_bad_addresses_with_a_user_error(host, port, fragment) -> None:
    with pytest.raises(UserError, match=fragment):
        serve(argparse.Namespace(host=host, port=port, scenarios=None))


def test_serve_refuses_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match="choose another with --port"):
            serve(argparse.Namespace(host="127.0.0.1", port=port, scenarios=None))


def test_serve_without_dash_asks_for_the_app_extra(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "dash", None)  # ``import dash`` now fails as if it were not installed
    with pytest.raises(UserError) as caught:
        serve(argparse.Namespace(host="127.0.0.1", port=0, scenarios=None))
    assert str(caught.value) == NEEDS_APP_EXTRA
    assert "python3 -m pip install -e '.[app]'" in NEEDS_APP_EXTRA and "\n" not in NEEDS_APP_EXTRA
    assert app_main(["--port", "0"]) == 2
    assert capsys.readouterr().err == f"error: {NEEDS_APP_EXTRA}\n"


def test_the_serve_subcommand_is_a_light_import() -> None:
    """Adding ``serve`` to the command line imports no Dash, plotly, pandas or model (``--help`` stays quick)."""
    heavy = {"dash", "plotly", "pandas", "flask", "werkzeug", "mesa", "cocreate_sim.model"}
    code = (
        "import sys\n"
        "import cocreate_sim\n"
        "before = set(sys.modules)\n"
        "import argparse, cocreate_sim.app\n"
        "cocreate_sim.app.register(argparse.ArgumentParser().add_subparsers())\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    added = done.stdout.split()
    assert "cocreate_sim.app" in added
    assert not [m for m in added if m in heavy or m.split(".")[0] in heavy], added


# ------------------------------------------------------- the app in process
class _Page:
    """One page spoken to through Flask's test client: its issued session id and its update callback.

    The page itself is never built: the server answers an update from what the request carries.
    """

    VALUES: dict[str, object] = {
        "clock": None,
        "play": 0,
        "step": 0,
        "reset": 0,
        "preset-applied": {"key": DEFAULT_KEY, "count": 1},
        "seed": "1",
        "compare-on": [],
        "compare-lever": "leader_dialogue",
        "compare-value": 1.0,
        "speed": 1,
        "have": {"run": None, "week": -1},
        "lang": "en",
        "lesson": "",
        "prediction": None,
    }
    """What a freshly built page sends (inputs and states by component id)."""

    def __init__(self, app: object) -> None:
        self.client = app.server.test_client()
        layout = json.dumps(self.client.get("/_dash-layout").get_json())
        self.sid = re.search(r'"id": "session", "data": "([0-9a-f]+)"', layout).group(1)
        deps = self.client.get("/_dash-dependencies").get_json()
        self.update = next(d for d in deps if d["output"].strip(".").startswith("frame.data"))

    def send(self, changed: str, **values: object) -> dict:
        values = {**self.VALUES, "session": self.sid, **{k.replace("_", "-"): v for k, v in values.items()}}

        def item(spec: dict) -> object:
            if spec["id"].startswith("{"):
                return []  # no lever sliders: the session keeps its levers
            return {**spec, "value": values[spec["id"]]}

        specs = [s.split("@")[0].rsplit(".", 1) for s in self.update["output"].strip(".").split("...")]
        body = {
            "output": self.update["output"],
            "outputs": [{"id": component, "property": prop} for component, prop in specs],
            "inputs": [item(i) for i in self.update["inputs"]],
            "state": [item(s) for s in self.update["state"]],
            "changedPropIds": [changed],
        }
        with self.client.post("/_dash-update-component", json=body) as answer:  # closed once read, as a server does
            assert answer.status_code == 200, answer.data[:300]
            return answer.get_json()["response"]

    def download(self) -> dict:
        """What 'Download CSV' gets: Dash's ``send_string`` dict (content, filename)."""
        body = {
            "output": "download-csv.data",
            "outputs": {"id": "download-csv", "property": "data"},
            "inputs": [{"id": "download", "property": "n_clicks", "value": 1}],
            "state": [{"id": "session", "property": "data", "value": self.sid}],
            "changedPropIds": ["download.n_clicks"],
        }
        answer = self.client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200, answer.data[:300]
        return answer.get_json()["response"]["download-csv"]["data"]


def test_reset_and_eviction_release_the_sessions_models() -> None:
    """Mesa 3.3 keeps every model alive (issue #3179) unless the app releases the ones it stops using."""
    from cocreate_sim.app.server import create_app

    app = create_app(REPO / "no-such-folder", max_sessions=1)
    page = _Page(app)
    page.send("preset-applied.data")
    page.send("step.n_clicks", step=1)
    before_reset = weakref.ref(app.sessions.get(page.sid).models[0])
    page.send("reset.n_clicks", step=1, reset=1)
    gc.collect()
    assert before_reset() is None, "a reset leaves the old model alive"
    evicted = weakref.ref(app.sessions.get(page.sid).models[0])
    _Page(app).send("preset-applied.data")  # a second page: the first one's session is dropped
    assert app.sessions.get(page.sid) is None
    gc.collect()
    assert evicted() is None, "a dropped session leaves its model alive"


def test_a_failure_inside_the_server_shows_a_plain_sentence_not_python_text(monkeypatch) -> None:
    from cocreate_sim.app.server import create_app
    from cocreate_sim.app.sessions import Session

    page = _Page(create_app(REPO / "no-such-folder"))
    assert page.send("step.n_clicks", step=1)["week"]["children"].startswith("Week 1 of")

    def broken(self, weeks):
        raise RuntimeError("internal detail of /srv/secret.py line 7")

    monkeypatch.setattr(Session, "step", broken)
    shown = json.dumps(page.send("step.n_clicks", step=2)["message"])
    assert "RuntimeError" not in shown and "internal detail" not in shown
    assert "Something went wrong on the server" in shown and "\\n" not in shown


def test_serves_default_session_cap_is_the_stores() -> None:
    from cocreate_sim.app.sessions import SessionStore
    from cocreate_sim.limits import APP_SESSIONS

    assert SessionStore().max_sessions == APP_SESSIONS >= 200


def test_the_csv_download_names_the_run_and_lists_the_levers_seed_and_changes() -> None:
    from cocreate_sim.app.server import create_app

    page = _Page(create_app(REPO / "no-such-folder"))
    page.send("seed.value", seed="5", compare_on=["on"], compare_lever="task_committees", compare_value=6)
    page.send("step.n_clicks", seed="5", compare_on=["on"], compare_lever="task_committees", compare_value=6, step=1)
    download = page.download()
    assert download["filename"] == "cocreate_sim-default-seed5-week1.csv"
    text = download["content"]
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert "# seed: 5" in header and "# preset: default" in header and "# run B differs in: task_committees=6" in header
    assert any(line.startswith("# levers of run A: ") and "leader_dialogue=" in line for line in header)
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table["run"]) == ["A", "A", "B", "B"] and list(table["week"]) == [0, 1, 0, 1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_during_the_apps_imports_acts_only_once_they_are_over(signum: int) -> None:
    """A signal raised inside a compiled extension's import made it panic (exit 1, a Rust backtrace)."""
    from cocreate_sim.app import _HeldSignals, _Stop

    before = signal.getsignal(signum)
    finished = False
    with pytest.raises(_Stop if signum == signal.SIGTERM else KeyboardInterrupt):
        with _HeldSignals():
            os.kill(os.getpid(), signum)
            for _ in range(1000):  # the interpreter runs Python handlers between bytecodes: give it many
                sum(range(10))
            finished = True
    assert finished, "the signal interrupted the block it should wait for"
    assert signal.getsignal(signum) is before

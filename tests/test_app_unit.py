"""The app's pieces without a browser: levers, sessions, pictures, presets, the serve command."""

from __future__ import annotations

import argparse
import gc
import json
import re
import socket
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

from cocreate_sim.app import DEFAULT_HOST, DEFAULT_PORT, NEEDS_APP_EXTRA, register, serve
from cocreate_sim.app.__main__ import main as app_main
from cocreate_sim.app.figures import (
    CHARTS,
    CITIZENS_INNER,
    CITIZENS_OUTER,
    OrgLayout,
    chart_figures,
    organisation_figure,
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
from cocreate_sim.app.presets import DEFAULT_KEY, Preset, load_presets
from cocreate_sim.app.sessions import SessionStore
from cocreate_sim.errors import UserError
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


# ----------------------------------------------------------------- pictures
def _organisation_after(weeks: int) -> tuple[CoCreationModel, OrgLayout, dict[str, dict]]:
    model = CoCreationModel(rng=5, **SMALL, leader_dialogue=1.0, zero_error_culture=0.0, measure_cocreation_value=1.0)
    layout = OrgLayout(model)
    for _ in range(weeks):
        model.step()
    fig = organisation_figure(model, layout, "t")
    return model, layout, {t["name"]: t for t in fig["data"]}


def test_the_organisation_picture_shows_every_worker_and_every_citizen_agent_taking_part() -> None:
    model, layout, traces = _organisation_after(60)
    workers = sum(len(traces[k]["x"]) for k in ("worker", "front figure (champion)", "burnt out"))
    assert workers == len(model.workers) == 24
    shifts = traces["worker"]["marker"]["color"] + traces["front figure (champion)"]["marker"]["color"]
    assert all(0.0 <= s <= 1.0 for s in shifts)
    taking_part = int((model.population.busy > 0).sum())  # citizen agents with an inhabitant taking part now
    assert taking_part > 0
    drawn = sum(len(t["x"]) for name, t in traces.items() if name.startswith("taking part"))
    assert drawn == taking_part
    radius = np.hypot(layout.citizen_x, layout.citizen_y)
    assert radius.min() >= CITIZENS_INNER - 1e-9 and radius.max() <= CITIZENS_OUTER + 1e-9


def test_the_organisation_picture_links_every_citizen_agent_taking_part_to_a_lead() -> None:
    model, _, traces = _organisation_after(60)
    taking_part = int((model.population.busy > 0).sum())
    assert taking_part > 0
    links = traces["initiative ↔ citizen"]["x"]
    assert len(links) == 3 * taking_part


def test_drawing_never_touches_the_models_random_numbers() -> None:
    drawn = CoCreationModel(rng=11, **SMALL)
    plain_run = CoCreationModel(rng=11, **SMALL)
    layout = OrgLayout(drawn)
    for _ in range(25):
        drawn.step()
        plain_run.step()
        organisation_figure(drawn, layout, "t")
        chart_figures([drawn], ["A"], 25)
    assert drawn.outcomes() == plain_run.outcomes()


def test_charts_overlay_b_dashed_over_a() -> None:
    models = [CoCreationModel(rng=2, **SMALL), CoCreationModel(rng=2, **SMALL, leader_dialogue=1.0)]
    for _ in range(5):
        for m in models:
            m.step()
    charts = chart_figures(models, ["A", "B"], 52)
    assert set(charts) == set(CHARTS)
    uptake = charts["uptake"]["data"]
    assert [t["line"]["dash"] for t in uptake[:2]] == ["solid", "dash"]
    assert all(len(t["x"]) == 6 for t in uptake)
    assert charts["uptake"]["layout"]["xaxis"]["range"] == [0, 52]


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
    """One page spoken to through Flask's test client: its issued session id and its update callback."""

    def __init__(self, app: object) -> None:
        self.client = app.server.test_client()
        layout = json.dumps(self.client.get("/_dash-layout").get_json())
        self.sid = re.search(r'"id": "session", "data": "([0-9a-f]+)"', layout).group(1)
        deps = self.client.get("/_dash-dependencies").get_json()
        self.update = next(d for d in deps if "org-a.figure" in d["output"])

    def send(self, changed: str, **values: object) -> dict:
        values = {"preset-applied": {"key": DEFAULT_KEY, "count": 1}, "seed": 1, "speed": 1, **values}
        values |= {"compare-on": [], "compare-lever": "leader_dialogue", "compare-value": 1.0}
        inputs = [[] if i["id"].startswith("{") else {**i, "value": values.get(i["id"])} for i in self.update["inputs"]]
        specs = [s.rsplit(".", 1) for s in self.update["output"].strip(".").split("...")]
        body = {
            "output": self.update["output"],
            "outputs": [{"id": component, "property": prop} for component, prop in specs],
            "inputs": inputs,
            "state": [{"id": "session", "property": "data", "value": self.sid}],
            "changedPropIds": [changed],
        }
        answer = self.client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200, answer.data[:300]
        return answer.get_json()["response"]


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

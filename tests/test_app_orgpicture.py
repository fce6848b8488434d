"""The organisation picture (app/orgpicture.py): whole, stable, small, plain JSON, and in Danish too.

Runs the app's default municipality (seed 1) as the page does; no browser.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cocreate_sim.app.orgpicture import (
    FADE_WEEKS,
    MAX_PARTICIPANTS_DRAWN,
    OrgLayout,
    org_dynamic,
    org_static,
)
from cocreate_sim.app.presets import default_preset
from cocreate_sim.app.sessions import Session
from cocreate_sim.model import CoCreationModel

RUNG_WORDS = ("co-production", "volunteering", "e-panel", "crowdsourcing", "dialogue meeting", "governance network")
"""The ladder of co-creation's rungs (002) as the hover texts name them."""


def _run(weeks: int, **levers: Any) -> tuple[CoCreationModel, OrgLayout, list[list[dict]]]:
    """The default preset as the app runs it, drawn every week; the model, its layout and every week's traces."""
    session = Session(default_preset())
    if levers:
        session.set_levers(levers)
    model = session.models[0]
    layout = OrgLayout(model)
    weeks_drawn = [org_dynamic(model, layout, "en")]
    for _ in range(weeks):
        session.step(1)
        weeks_drawn.append(org_dynamic(model, layout, "en"))
    return model, layout, weeks_drawn


@pytest.fixture(scope="module")
def default_run() -> tuple[CoCreationModel, OrgLayout, list[list[dict]]]:
    return _run(104)


def _by_group(traces: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for trace in traces:
        out.setdefault(trace["legendgroup"], []).append(trace)
    return out


def _hovers(traces: list[dict]) -> list[str]:
    return [text for trace in traces for text in trace.get("hovertext", [])]


def _plain(value: Any, where: str = "figure") -> None:
    """Only JSON's own types: no numpy numbers hiding as floats, no tuples."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: key {key!r}"
            _plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _plain(item, f"{where}[{i}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), f"{where}: {type(value).__name__}"


def test_the_picture_shows_leaders_council_departments_workers_and_three_citizen_groups(default_run) -> None:
    model, layout, drawn = default_run
    static = org_static(layout, model, "A", "en")
    traces = _by_group(static["data"] + drawn[-1])
    assert len(traces["leader"][-1]["x"]) == len(model.departments) == 6
    assert len(traces["council"][0]["x"]) == len(model.council) == 25
    workers = sum(len(t["x"]) for t in drawn[-1] if t["legendgroup"] in ("worker", "front", "burnt"))
    assert workers == len(model.workers) == 72
    circles = [s for s in static["layout"]["shapes"] if s["type"] == "circle"]
    assert len(circles) == len(model.departments) + 1  # each department's outline, and the council's
    notes = " ".join(a["text"] for a in static["layout"]["annotations"])
    for name in ("Operations", "Culture", "Social", "Children", "Employment", "Planning"):
        assert name in notes
    for g, group in enumerate(("weak", "middle", "strong")):
        background = traces[f"g{g}"][0]
        assert background["x"] and group in background["name"] and group in notes


def test_an_initiatives_rung_and_stage_appear_in_its_hover_text(default_run) -> None:
    model, _, drawn = default_run
    hovers = _hovers(drawn[-1])
    assert hovers, "initiatives on the picture in week 104"
    for ini in model.active:
        (text,) = [h for h in hovers if h.startswith(f"Initiative {ini.uid}:")]
        assert f"rung {ini.form.rung}: {RUNG_WORDS[ini.form.rung]}" in text
        stage = {"approval": "waiting for", "running": "running", "realising": "being realised"}[ini.stage.value]
        assert stage in text


def test_a_proposal_is_drawn_in_the_first_weeks_for_seed_1_and_fades_after_it_is_turned_down(default_run) -> None:
    model, _, drawn = default_run
    first = model.initiatives[0]  # seed 1 at the defaults: a citizens' idea in week 5, turned down in week 11
    assert first.week_proposed <= 8
    in_approval = [h for h in _hovers(drawn[first.week_proposed]) if h.startswith(f"Initiative {first.uid}:")]
    assert in_approval and "waiting for" in in_approval[0]
    assert first.turned_down and first.week_ended is not None
    ended = first.week_ended
    for week in range(ended, ended + FADE_WEEKS):
        (refused,) = _by_group(drawn[week])["refused"]
        assert any(h.startswith(f"Initiative {first.uid}: turned down") for h in refused["hovertext"])
        opacity = refused["marker"]["opacity"] if "opacity" in refused["marker"] else [1]
        assert min(opacity) < 1 or week == ended
    assert not any(h.startswith(f"Initiative {first.uid}:") for h in _hovers(drawn[ended + FADE_WEEKS]))


def test_the_number_and_order_of_the_weekly_traces_stay_the_same_for_104_weeks(default_run) -> None:
    _, _, drawn = default_run
    shapes = {tuple(t["legendgroup"] for t in week) for week in drawn}
    assert len(shapes) == 1 and len(drawn) == 105
    assert all(len(t["x"]) == len(t["y"]) for week in drawn for t in week)


def test_the_picture_is_plain_json_and_the_weekly_part_is_small(default_run) -> None:
    model, layout, drawn = default_run
    static = org_static(layout, model, "A · week 104", "en")
    _plain(static)
    json.dumps(static)
    for week in drawn:
        _plain(week)
    sizes = [len(json.dumps(week, separators=(",", ":"))) for week in drawn]
    assert max(sizes) < 12_000, "a week's update at the defaults stays around 8 kB (Dash sends compact JSON)"


def test_citizens_taking_part_are_drawn_up_to_the_cap_and_task_committees_link_to_the_council() -> None:
    model, _, drawn = _run(40, task_committees=12, task_committee_citizens=30)
    traces = _by_group(drawn[-1])
    drawn_citizens = sum(1 for g in range(3) for size in traces[f"g{g}"][0].get("marker", {}).get("size", []) if size)
    assert 0 < drawn_citizens <= MAX_PARTICIPANTS_DRAWN
    seats = sum(1 for pol in model.council if pol.seats)
    (ring,) = [t for t in traces["seat"] if t.get("mode") == "markers"]
    assert seats and len(ring["x"]) == seats
    assert len(json.dumps(drawn[-1], separators=(",", ":"))) < 16_000


def test_leaders_who_back_co_creation_are_linked_to_the_workers_who_co_create() -> None:
    _, _, drawn = _run(30, cocreation_logic=1.0, top_management_focus=1.0, political_anchoring=1.0, budget_pressure=0.0)
    traces = _by_group(drawn[-1])
    rings = traces["ring"][0]["x"]
    assert rings and len(traces["back"][0]["x"]) == 3 * len(rings)  # start, end, gap for each


def test_the_picture_in_danish_has_the_same_traces(default_run) -> None:
    model, layout, drawn = default_run
    static = org_static(layout, model, "A", "da")
    _plain(static)
    json.dumps(static)
    danish = org_dynamic(model, layout, "da")
    assert [(t["legendgroup"], len(t["x"])) for t in danish] == [(t["legendgroup"], len(t["x"])) for t in drawn[-1]]
    assert all(isinstance(h, str) and h for h in _hovers(danish))


def test_drawing_never_touches_the_models_random_numbers() -> None:
    drawn, plain_run = CoCreationModel(rng=11), CoCreationModel(rng=11)
    layout = OrgLayout(drawn)
    org_static(layout, drawn, "t", "en")
    for _ in range(40):
        drawn.step()
        plain_run.step()
        org_dynamic(drawn, layout, "en")
    assert drawn.outcomes() == plain_run.outcomes()

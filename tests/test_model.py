"""The model's contract: Mesa conventions, parameters, determinism, outputs."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest

from cocreate_sim import COLUMNS, PARAMETERS, CoCreationModel, ParameterError, run_model, run_timeseries
from cocreate_sim.agents import Citizen, Leader, Politician, Worker

SHORT = 26
SMALL = {"n_citizens": 300}


def test_model_builds_every_kind_of_agent():
    model = CoCreationModel(rng=1)
    p = model.p
    assert len(model.agents_by_type[Worker]) == p.n_departments * p.workers_per_department
    assert len(model.agents_by_type[Leader]) == p.n_departments
    assert len(model.agents_by_type[Politician]) == p.n_politicians
    assert len(model.agents_by_type[Citizen]) == p.n_citizens
    assert model.departments[0].is_operations
    assert sum(d.is_operations for d in model.departments) == 1


def test_citizen_groups_follow_the_configured_shares():
    model = CoCreationModel(rng=2, n_citizens=1000, weak_share=0.4, strong_share=0.1)
    groups = [c.group for c in model.citizens]
    assert groups.count("weak") == 400
    assert groups.count("strong") == 100
    weak = np.array([c.resources for c in model.citizens if c.group == "weak"])
    strong = np.array([c.resources for c in model.citizens if c.group == "strong"])
    assert weak.mean() < 0.4 < 0.6 < strong.mean()


def test_datacollector_has_every_documented_column():
    model = CoCreationModel(rng=3, **SMALL)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 4  # week 0 and three steps
    assert frame.notna().all().all()


def test_run_model_returns_every_outcome_as_float():
    out = run_model(steps=SHORT, rng=4, **SMALL)
    assert set(out) == set(COLUMNS)
    assert all(isinstance(v, float) and math.isfinite(v) for v in out.values())


def test_same_rng_gives_identical_numbers():
    assert run_model(steps=SHORT, rng=11, **SMALL) == run_model(steps=SHORT, rng=11, **SMALL)


def test_different_rng_gives_different_numbers():
    a = run_model(steps=52, rng=11, **SMALL)
    b = run_model(steps=52, rng=12, **SMALL)
    assert a != b


def test_timeseries_is_reproducible_week_by_week():
    a = run_timeseries(steps=SHORT, rng=5, **SMALL)
    b = run_timeseries(steps=SHORT, rng=5, **SMALL)
    assert a.equals(b)
    assert a.index.name == "week" and a.index[-1] == SHORT


def test_unknown_parameter_names_the_closest_valid_one():
    with pytest.raises(ParameterError, match=r"zero_eror_culture.*Did you mean 'zero_error_culture'"):
        CoCreationModel(rng=1, zero_eror_culture=0.5)


@pytest.mark.parametrize(
    "name,value",
    [("zero_error_culture", 1.5), ("decision_path_length", 0), ("leader_dialogue", -0.1), ("n_citizens", 10)],
)
def test_out_of_range_parameter_is_refused_with_its_range(name, value):
    with pytest.raises(ParameterError, match=name) as err:
        CoCreationModel(rng=1, **{name: value})
    assert str(PARAMETERS[name].low) in str(err.value)


def test_non_numeric_and_fractional_integer_values_are_refused():
    with pytest.raises(ParameterError, match="leader_dialogue"):
        CoCreationModel(rng=1, leader_dialogue="lots")
    with pytest.raises(ParameterError, match="task_committees"):
        CoCreationModel(rng=1, task_committees=2.5)


def test_shares_of_weak_and_strong_citizens_cannot_exceed_one():
    with pytest.raises(ParameterError, match="weak_share"):
        CoCreationModel(rng=1, weak_share=0.7, strong_share=0.5)


def test_every_parameter_is_declared_with_range_unit_meaning_and_source():
    required = {
        "zero_error_culture",
        "decision_path_length",
        "leader_dialogue",
        "measure_cocreation_value",
        "measure_inclusion",
        "outreach_weak_groups",
        "task_committees",
        "maintenance_pool",
        "champion_share",
        "n_citizens",
        "weak_share",
    }
    assert required <= set(PARAMETERS)
    for p in PARAMETERS.values():
        assert p.low <= p.default <= p.high, p.name
        assert p.unit and p.meaning and p.source, p.name


def test_set_param_changes_a_lever_mid_run_and_validates():
    model = CoCreationModel(rng=1, **SMALL)
    model.step()
    before = model.p
    model.set_param("leader_dialogue", 0.9)
    assert model.p.leader_dialogue == 0.9
    assert model.p.as_dict() == {**before.as_dict(), "leader_dialogue": 0.9}
    assert before.leader_dialogue != 0.9, "the old object is frozen, not edited"
    with pytest.raises(ParameterError):
        model.set_param("leader_dialogue", 9)
    with pytest.raises(ParameterError, match="Did you mean"):
        model.set_param("leader_dialog", 0.5)
    with pytest.raises(ParameterError, match="weak_share"):
        model.set_param("weak_share", 0.9)
    assert model.p.leader_dialogue == 0.9
    model.step()


@pytest.mark.parametrize("steps", [0, -1, 5201, 10**400, 2.5, "10", True, None])
def test_run_model_refuses_steps_outside_one_to_the_horizon_before_building(steps):
    with pytest.raises(ParameterError, match="steps") as err:
        run_model(steps=steps, n_citizens=10**400)
    assert len(str(err.value)) < 200 and "\n" not in str(err.value)
    with pytest.raises(ParameterError, match="steps"):
        run_timeseries(steps=steps)


@pytest.mark.parametrize(
    "name,value", [("n_citizens", 10**400), ("n_citizens", float("inf")), ("leader_dialogue", 10**400)]
)
def test_huge_or_infinite_values_give_a_short_parameter_error(name, value):
    with pytest.raises(ParameterError, match=name) as err:
        run_model(steps=1, **{name: value})
    assert len(str(err.value)) < 400


def test_mesa_batch_run_drives_the_model_with_seeds():
    """Mesa 3.3 takes seeds as a parameter; Mesa 3.5 as batch_run's own rng=."""
    kwargs = dict(
        parameters={"n_citizens": 200, "leader_dialogue": [0.0, 1.0]},
        max_steps=10,
        number_processes=1,
        display_progress=False,
    )
    major_minor = tuple(int(x) for x in mesa.__version__.split(".")[:2])
    if major_minor >= (3, 4):
        runs = mesa.batch_run(CoCreationModel, rng=[1, 2], **kwargs)
        again = mesa.batch_run(CoCreationModel, rng=[1, 2], **kwargs)
    else:
        kwargs["parameters"] = {**kwargs["parameters"], "rng": [1, 2]}
        runs = mesa.batch_run(CoCreationModel, **kwargs)
        again = mesa.batch_run(CoCreationModel, **kwargs)
    assert len(runs) == 4
    assert {r["leader_dialogue"] for r in runs} == {0.0, 1.0}
    assert all("uptake" in r and "inclusion_ratio" in r for r in runs)
    key = lambda r: (r["RunId"], r["Step"])  # noqa: E731
    assert [r["uptake"] for r in sorted(runs, key=key)] == [r["uptake"] for r in sorted(again, key=key)]


def test_task_committees_shift_politicians_from_casework_to_policy_without_more_hours():
    base = run_model(steps=SHORT, rng=7, **SMALL)
    gentofte = run_model(steps=SHORT, rng=7, task_committees=5, **SMALL)
    assert gentofte["politician_hours_policy"] > base["politician_hours_policy"]
    assert gentofte["politician_hours_casework"] < base["politician_hours_casework"]
    total = lambda o: o["politician_hours_policy"] + o["politician_hours_casework"]  # noqa: E731
    assert total(gentofte) <= total(base) + 1e-9


def test_task_committees_raise_power_sharing():
    base = run_model(steps=104, rng=8, **SMALL)
    gentofte = run_model(steps=104, rng=8, task_committees=5, **SMALL)
    assert gentofte["power_sharing_mean"] > base["power_sharing_mean"]


@pytest.mark.slow
def test_maintenance_pool_keeps_facility_care_off_the_operations_backlog():
    # Checked where the pool acts: the facility care billed to operations (unfunded maintenance). Its effect on
    # the total backlog after three years of this reform is small against the backlog's seed-to-seed spread (at
    # model v3 not told from zero on 24 seeds), so four seeds cannot assert it as model v2's version of this test
    # did. What the pool does to ten-year net payback is in docs/validation.md section 6.
    lever = dict(leader_dialogue=1.0, measure_cocreation_value=0.6, zero_error_culture=0.2, silo_strength=0.0)
    without = [run_model(steps=156, rng=s, maintenance_pool=0.0, **lever) for s in range(4)]
    with_pool = [run_model(steps=156, rng=s, maintenance_pool=1.0, **lever) for s in range(4)]
    for runs in (without, with_pool):
        assert np.mean([o["maintenance_hours"] for o in runs]) > 0  # facilities need care in both arms
    assert np.mean([o["unfunded_maintenance_hours"] for o in without]) > 0
    assert all(o["unfunded_maintenance_hours"] == 0 for o in with_pool)


def test_accounting_identities_hold_every_week():
    frame = run_timeseries(steps=104, rng=9, leader_dialogue=0.8, **SMALL)
    ended = frame["initiatives_completed"] + frame["initiatives_failed"] + frame["initiatives_abandoned"]
    assert (frame["initiatives_started"] == ended + frame["initiatives_active"]).all()
    assert (frame["initiatives_started"].diff().dropna() >= 0).all()
    assert ((frame["uptake"] >= 0) & (frame["uptake"] <= 1)).all()
    hours = frame["hours_operations"] + frame["hours_cocreation"]
    assert (hours <= 37.0 * 72 + 1e-6).all()


def test_capacity_set_aside_raises_uptake():
    base = [run_model(steps=104, rng=s, leader_dialogue=0.5, **SMALL)["uptake"] for s in range(4)]
    funded = [
        run_model(steps=104, rng=s, leader_dialogue=0.5, capacity_set_aside=0.2, **SMALL)["uptake"] for s in range(4)
    ]
    assert np.mean(funded) > np.mean(base)


def test_task_committees_recruit_their_configured_number_of_citizens():
    model = CoCreationModel(rng=5, task_committees=2, task_committee_citizens=4, n_citizens=1000)
    for _ in range(20):
        model.step()
    committees = [i for i in model.active if i.origin.value == "task_committee"]
    assert committees and all(len(i.participants) <= 4 for i in committees)


def test_repeat_participation_is_a_share_of_ended_participations():
    levers = {
        "leader_dialogue": 1.0,
        "zero_error_culture": 0.3,
        "measure_cocreation_value": 0.8,
        "citizen_initiative_rate": 2.0,
        "volunteer_attrition": 0.2,  # people often leave for their own reasons and come back
    }
    model = CoCreationModel(rng=1, n_citizens=100, population=500, workers_per_department=8, **levers)
    for _ in range(160):
        model.step()
        assert 0.0 <= model.repeat_participation_after_success <= 1.0
        assert 0.0 <= model.repeat_participation_after_failure <= 1.0

"""The six patterns of the model brief, each an experiment over paired seeds.

Every assertion is on an effect measured from model runs: the sign the brief
predicts, with a 95% confidence interval that excludes zero.
"""

from __future__ import annotations

import pytest

from cocreate_sim.patterns import BY_KEY, REPLICATIONS, run_pattern, s_shape

pytestmark = pytest.mark.slow
"""Six experiments of 20 paired replications: minutes on 2 cores (run with the full suite)."""


@pytest.fixture(scope="module")
def results():
    return {}


def measured(results, key):
    if key not in results:
        results[key] = run_pattern(BY_KEY[key], REPLICATIONS)
    return results[key]


def assert_confirmed(result):
    for eff in result.effects:
        assert eff.confirmed, (
            f"{result.pattern.key}: {eff.contrast.outcome} {eff.contrast.b} vs {eff.contrast.a} "
            f"= {eff.mean:+.4f} [{eff.low:+.4f}, {eff.high:+.4f}], expected sign {eff.contrast.sign:+d}"
        )


def test_stronger_zero_error_culture_lowers_uptake(results):
    assert_confirmed(measured(results, "zero_error"))


def test_longer_decision_paths_raise_dropout_and_lower_completions(results):
    assert_confirmed(measured(results, "decision_path"))


def test_leader_dialogue_carries_the_shift_in_an_s_shaped_rise(results):
    res = measured(results, "leader_dialogue")
    assert_confirmed(res)
    without = res.finals["no leader dialogue"]["uptake"].mean()
    with_dialogue = res.finals["leader dialogue (1.0)"]["uptake"].mean()
    assert without < 0.25 * with_dialogue, "without dialogue the shift should stall"
    shape = s_shape(res.curves["leader dialogue (1.0)"])
    # slow start, steeper middle, flat end: not a straight line
    assert shape["max_rise"] > 1.3 * shape["first_rise"]
    assert shape["max_rise_week"] > 26
    assert shape["last_rise"] < 0.25 * shape["max_rise"]


def test_mindset_and_practice_must_develop_together(results):
    assert_confirmed(measured(results, "intertwined_learning"))


def test_outreach_and_network_design_narrow_the_inclusion_gap(results):
    res = measured(results, "outreach")
    assert_confirmed(res)
    from cocreate_sim.statistics import mean_ci

    _, _, low, high = mean_ci(res.finals["no outreach"]["inclusion_ratio"])
    assert high < 1.0, "without outreach weak groups should be under-represented"


def test_measuring_cocreation_value_raises_uptake_and_frees_staff_from_operations(results):
    assert_confirmed(measured(results, "measurement"))

"""The six patterns of the model brief, each an experiment over paired seeds.

Every assertion on a pattern is on an effect measured from model runs on the
fixed seed block of :mod:`cocreate_sim.patterns` (``BASE_SEED``, a block no
constant was tuned on): the sign the brief predicts, with a 95% confidence
interval that excludes zero. The experiments are marked ``slow`` (about two
minutes on 2 cores together); the fast tests at the end check the machinery
(the shock and its twin, and how ``--update-docs`` merges docs/validation.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cocreate_sim.model import CoCreationModel
from cocreate_sim.patterns import (
    BASE_SEED,
    BEGIN,
    BY_KEY,
    END,
    REPLICATIONS,
    TITLE,
    BacklogShock,
    backlog_shock,
    merged_validation,
    run_pattern,
    s_shape,
)
from cocreate_sim.statistics import mean_ci


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


# ------------------------------------------------------------- the six patterns (slow)
@pytest.mark.slow
def test_stronger_zero_error_culture_lowers_uptake(results):
    assert_confirmed(measured(results, "zero_error"))


@pytest.mark.slow
def test_longer_decision_paths_raise_dropout_and_lower_completions(results):
    assert_confirmed(measured(results, "decision_path"))


@pytest.mark.slow
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


@pytest.mark.slow
def test_practice_without_mindset_does_not_give_uptake(results):
    res = measured(results, "intertwined_learning")
    orders = [e for e in res.effects if "orders" in e.contrast.a or "practice only" in e.contrast.a]
    assert orders, [(e.contrast.a, e.contrast.b) for e in res.effects]
    for eff in orders:
        assert eff.confirmed, (eff.mean, eff.low, eff.high)


def _contrasts(effects: list, what: str, count: int | None = None) -> list:
    """The contrasts an expected-miss test measures; a missing one is a LookupError, never the expected miss."""
    if not effects or (count is not None and len(effects) != count):
        raise LookupError(f"the pattern design no longer has the contrast(s) {what}: {len(effects)} found")
    return effects


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="Model v2 and v3 miss (docs/validation.md, P4): ordered trial time on top of an operations job that the NPM "
    "ratchet has left without slack burns novices out (strain loop), so courses plus orders give less uptake "
    "than courses alone, which lead to voluntary trial in this context. Reported, not tuned away.",
)
def test_mindset_without_practice_does_not_give_uptake(results):
    res = measured(results, "intertwined_learning")
    courses = [e for e in res.effects if "courses" in e.contrast.a or "mindset only" in e.contrast.a]
    for eff in _contrasts(courses, "from courses alone"):
        assert eff.confirmed, (eff.mean, eff.low, eff.high)


@pytest.mark.slow
def test_outreach_and_network_design_each_narrow_the_inclusion_gap(results):
    res = measured(results, "outreach")
    assert_confirmed(res)  # outreach alone, network design alone, and both
    _, _, _, high = mean_ci(res.finals["no outreach"]["inclusion_ratio"])
    assert high < 1.0, "without outreach weak groups should be under-represented"


@pytest.mark.slow
def test_a_backlog_shock_pulls_leaders_and_staff_back_to_operations(results):
    res = measured(results, "measurement")
    shock = [e for e in res.effects if e.contrast.after_shock]
    assert len(shock) == 2
    assert_confirmed(dataclasses.replace(res, effects=shock))
    week, _ = res.shock_timing
    twin = res.curves["old KPIs only (undisturbed)"]
    shocked = res.curves["old KPIs only, backlog shock"]
    # the twins are the same run up to the shock, and leaders read the backlog the very next week
    assert np.array_equal(twin[: week + 1], shocked[: week + 1])
    assert shocked[week + 1] > twin[week + 1]


@pytest.mark.slow
def test_measuring_cocreation_value_raises_uptake(results):
    # Model v2's calibrated defaults missed this (interval not excluding zero); model v3 confirms it on the same
    # seed block, and across the posterior it holds in 90% of draws (docs/robust_conclusions.md).
    res = measured(results, "measurement")
    value = _contrasts([e for e in res.effects if not e.contrast.after_shock], "of measuring value", count=1)
    assert_confirmed(dataclasses.replace(res, effects=value))


# ------------------------------------------------------------------ machinery (fast)
def test_the_seed_block_is_not_the_one_the_first_constants_were_tuned_on():
    assert not set(range(BASE_SEED, BASE_SEED + REPLICATIONS)) & set(range(20_260, 20_280))


def test_a_backlog_shock_adds_weeks_of_capacity_to_every_department():
    model = CoCreationModel(rng=1)
    before = [d.backlog for d in model.departments]
    backlog_shock(model, 2.0)
    for dept, old in zip(model.departments, before, strict=True):
        assert dept.backlog == pytest.approx(old + 2.0 * dept.capacity)


def test_a_shock_fits_into_a_short_horizon():
    shock = BacklogShock(week=104, size=1.0, window=13)
    assert shock.timing(156) == (104, 117)
    assert shock.timing(110) == (104, 110)
    assert shock.timing(104) == (52, 65)
    assert shock.timing(3) == (1, 3)
    assert shock.timing(1) == (0, 1)


def test_a_short_shock_experiment_is_paired_until_the_shock():
    res = run_pattern(BY_KEY["measurement"], replications=2, processes=1, horizon=12)
    week, last = res.shock_timing
    assert (week, last) == (6, 12)
    twin = res.curves["old KPIs only (undisturbed)"]
    shocked = res.curves["old KPIs only, backlog shock"]
    assert np.array_equal(twin[: week + 1], shocked[: week + 1])
    assert shocked[week + 1] > twin[week + 1]  # the pull responds the week after
    assert [e.contrast.after_shock for e in res.effects] == [True, True, False]


def _report(body: str) -> str:
    return f"{TITLE}\n\n{BEGIN}\n\n{body}\n{END}\n"


def test_update_docs_replaces_only_the_pattern_section_of_docs_validation():
    new = _report("## The six patterns\n\nnew numbers")
    other = "# Validation\n\n## Constants\n\ntable\n\n{section}\n\n## Robustness\n\nmore\n"
    current = other.format(section=f"{BEGIN}\nold numbers\n{END}")
    merged = merged_validation(new, current)
    assert merged == other.format(section=f"{BEGIN}\n\n## The six patterns\n\nnew numbers\n{END}")


def test_update_docs_writes_a_new_file_whole_and_appends_to_one_without_markers():
    new = _report("## The six patterns\n\nnew numbers")
    assert merged_validation(new, None) == new
    assert merged_validation(new, _report("old").replace(BEGIN + "\n", "").replace(END + "\n", "")) == new
    others = "# Validation\n\n## Constants\n\ntable\n"
    merged = merged_validation(new, others)
    assert merged.startswith(others) and merged.rstrip().endswith(END) and "new numbers" in merged
    # an old pattern report is replaced, but not once someone has added sections of their own to it
    old_report = f"{TITLE}\n\nGenerated by ...\n\n## 1. A stronger zero-error culture\n\nold\n"
    assert merged_validation(new, old_report) == new
    extended = old_report + "\n## Robustness\n\ntable\n"
    assert merged_validation(new, extended).startswith(extended)

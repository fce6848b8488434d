"""Each mechanism's arithmetic, tested without building a model.

Every mechanism takes the model's constants ``k`` first; these tests pass the
declared values (:data:`cocreate_sim.constants.DEFAULT_CONSTANTS`) or change
one with :func:`~cocreate_sim.constants.make_constants`.
"""

from __future__ import annotations

import numpy as np
import pytest

from cocreate_sim.constants import DEFAULT_CONSTANTS as K
from cocreate_sim.constants import make_constants
from cocreate_sim.mechanisms import (
    approval,
    dialogue,
    energy,
    governance,
    learning,
    maintenance,
    measurement,
    operations,
    outreach,
    participation,
    politics,
    time_allocation,
    zero_error,
)


# --- learning (000) ---------------------------------------------------------
def test_practice_is_learnt_only_by_trial():
    assert learning.practice_change(K, p=0.3, m=0.6, trial=0.0, reflection=1.0) <= 0
    assert learning.practice_change(K, p=0.3, m=0.6, trial=1.0, reflection=1.0) > 0


def test_a_trial_teaches_more_to_one_who_understands_why():
    low = learning.practice_change(K, p=0.2, m=0.1, trial=1.0, reflection=1.0)
    high = learning.practice_change(K, p=0.2, m=0.8, trial=1.0, reflection=1.0)
    assert high > 3 * low


def test_mindset_unconfirmed_by_practice_fades():
    calm = dict(talk=0.0, peer_practice=0.0, pull=0.0, start=0.0)
    assert learning.mindset_change(K, m=0.8, p=0.1, **calm) < 0
    assert learning.mindset_change(K, m=0.3, p=0.2, **calm) == 0


def test_the_old_logics_pull_wears_back_only_what_was_gained_since_starting():
    gained = learning.mindset_change(K, m=0.5, p=0.5, talk=0.0, peer_practice=0.0, pull=1.0, start=0.2)
    assert gained == pytest.approx(-K.restoring_rate * 0.3)  # the gain since starting, at full pull
    half = learning.mindset_change(K, m=0.5, p=0.5, talk=0.0, peer_practice=0.0, pull=0.5, start=0.2)
    assert half == pytest.approx(gained / 2)  # in proportion to the felt pull
    assert learning.mindset_change(K, m=0.2, p=0.2, talk=0.0, peer_practice=0.0, pull=1.0, start=0.4) == 0
    assert learning.mindset_change(K, m=0.5, p=0.5, talk=0.0, peer_practice=0.0, pull=0.0, start=0.2) == 0


def test_routine_without_understanding_slides_back():
    assert learning.practice_change(K, p=0.8, m=0.1, trial=0.0, reflection=1.0) < -K.fade * 0.4


def test_colleagues_who_practise_pull_mindset_up():
    assert learning.mindset_change(K, m=0.3, p=0.2, talk=0.0, peer_practice=0.7, pull=1.0, start=0.3) > 0


def test_a_changed_constant_changes_the_arithmetic():
    faster = make_constants({"practice_rate": 2 * K.practice_rate})
    base = learning.practice_change(K, p=0.2, m=0.5, trial=1.0, reflection=1.0)
    assert learning.practice_change(faster, p=0.2, m=0.5, trial=1.0, reflection=1.0) == pytest.approx(2 * base)


# --- dialogue (000) -----------------------------------------------------------
def test_full_dialogue_reaches_every_worker_once_a_cycle():
    talks = [dialogue.talks_per_week(K, 1.0, 12, f) for f in np.linspace(0, 0.999, 100)]
    assert np.mean(talks) == pytest.approx(12 / K.dialogue_cycle_weeks, abs=0.05)
    assert dialogue.talks_per_week(K, 0.0, 12, 0.0) == 0


def test_dialogue_doubles_what_a_trial_teaches_and_challenges_to_try():
    assert dialogue.reflection(K, True) == (1 + K.reflection_gain) * dialogue.reflection(K, False)
    assert dialogue.reflection(K, True) == 2 * dialogue.reflection(K, False)  # at the declared reflection_gain = 1
    assert dialogue.challenge_share(K, True) > 0 == dialogue.challenge_share(K, False)


def test_leaders_talk_first_to_those_mid_shift_tired_or_waiting():
    assert dialogue.priority(K, 0.5, 0.5, 1.0, 0) > dialogue.priority(K, 0.05, 0.05, 1.0, 0)
    assert dialogue.priority(K, 0.5, 0.5, 0.2, 0) > dialogue.priority(K, 0.5, 0.5, 1.0, 0)
    assert dialogue.priority(K, 0.05, 0.05, 1.0, 8) > dialogue.priority(K, 0.5, 0.5, 1.0, 0)


# --- measurement (003) -------------------------------------------------------
def test_measuring_cocreation_value_weakens_the_pull_of_old_kpis():
    only_old = measurement.operations_pull(K, 0.9, 0.0, 0.0)
    extra_line = measurement.operations_pull(K, 0.9, 0.7, 0.0)
    assert 0 < extra_line < only_old < 1


def test_backlog_makes_old_kpis_bite_harder():
    assert measurement.operations_pull(K, 0.9, 0.5, 1.0) > measurement.operations_pull(K, 0.9, 0.5, 0.0)
    calm = measurement.kpi_pressure(K, 0.0, 400.0, 0.0, 0.0, 10)
    behind = measurement.kpi_pressure(K, 200.0, 400.0, 0.0, 0.0, 10)
    assert calm == 0.0 < behind == pytest.approx(0.5)
    assert measurement.kpi_pressure(K, 1e6, 400.0, 50.0, 50.0, 10) == 1.0


# --- zero-error culture (001, 003) ------------------------------------------------
def test_zero_error_culture_scales_risk_rejection_and_sanction():
    assert zero_error.perceived_risk(0.0, 0.1) == 0
    assert zero_error.perceived_risk(1.0, 0.1) > zero_error.perceived_risk(1.0, 0.9)
    assert zero_error.step_rejection(K, 1.0, 1.0) > zero_error.step_rejection(K, 0.2, 1.0)
    assert zero_error.sanction(K, 0.0) == (0.0, 0.0)


def _culture(z=0.5, s=0.5, errors=0.0, blamed=0, completed=0, support=0.0, workers=72):
    return zero_error.next_state(K, z, s, errors, blamed, completed, support, workers)


def test_culture_with_no_signals_moves_towards_the_sanction_practice():
    assert _culture(z=0.2, s=0.7) > 0.2
    assert _culture(z=0.9, s=0.7) < 0.9
    assert _culture(z=0.7, s=0.7) == pytest.approx(0.7)
    assert _culture(z=0.2, s=0.7) - 0.2 == pytest.approx(K.culture_rate * (0.7 - 0.2))


def test_errors_and_blamed_failures_harden_the_culture():
    quiet = _culture()
    assert _culture(errors=20.0) > quiet
    assert _culture(blamed=3) > quiet
    assert _culture(errors=20.0, blamed=3) > _culture(errors=20.0)


def test_backing_and_successes_soften_the_culture():
    quiet = _culture()
    assert _culture(support=0.8) < quiet
    assert _culture(completed=5) < quiet
    assert _culture(support=0.8, completed=5) < _culture(support=0.8)


def test_without_sanctions_errors_harden_nothing():
    assert _culture(z=0.0, s=0.0, errors=1e3, blamed=50) == 0.0


@pytest.mark.parametrize("z", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("s", [0.0, 0.6, 1.0])
def test_culture_stays_between_0_and_1(z: float, s: float):
    hard = _culture(z=z, s=s, errors=1e9, blamed=10**6, workers=1)
    soft = _culture(z=z, s=s, support=1.0, completed=10**6, workers=1)
    assert 0.0 <= soft <= hard <= 1.0


# --- time allocation (000, 001, 003) ------------------------------------------------
def test_willingness_needs_motivation_and_efficacy_together():
    kw = dict(champion=False, discretion=0.5, leader_support=0.5, risk=0.1, pull=0.5)
    both = time_allocation.willingness(K, 0.7, 0.7, **kw)
    mindset_only = time_allocation.willingness(K, 0.7, 0.0, **kw)
    practice_only = time_allocation.willingness(K, 0.0, 0.7, **kw)
    assert practice_only == 0
    assert both > 2.5 * mindset_only


def test_risk_and_pull_hold_willingness_back():
    kw = dict(m=0.6, p=0.5, champion=False, discretion=0.5, leader_support=0.5)
    assert time_allocation.willingness(K, **kw, risk=0.6, pull=0.5) < time_allocation.willingness(
        K, **kw, risk=0.0, pull=0.5
    )
    assert time_allocation.willingness(K, **kw, risk=0.1, pull=0.9) < time_allocation.willingness(
        K, **kw, risk=0.1, pull=0.1
    )


def test_capacity_set_aside_relieves_the_pull_of_operations():
    assert time_allocation.felt_pull(K, 0.8, 0.0) == 0.8
    assert time_allocation.felt_pull(K, 0.8, 0.15) < 0.8
    assert time_allocation.felt_pull(K, 0.8, K.h_max) == 0.0


def test_chosen_share_is_capped():
    assert time_allocation.chosen_share(K, 10.0, False) == K.h_max
    assert time_allocation.chosen_share(K, 10.0, True) == K.h_max_champion


# --- energy: the strain loop (000, 003) ----------------------------------------------
def _energy(e=0.8, p=0.1, trial=1.0, budget_pressure=0.0, overload=0.0, workload=1.0, support=0.0):
    return energy.energy_change(K, e, p, trial, budget_pressure, overload, workload, support)


def test_trying_a_new_process_costs_energy_mastery_less_so():
    assert _energy(p=0.1) < _energy(p=0.9)
    assert _energy(e=0.5, p=0.0, trial=0.0) > 0


def test_a_leader_who_backs_the_learner_carries_part_of_the_cost():
    alone = _energy(support=0.0)
    carried = _energy(support=1.0)
    assert alone < carried
    cost_alone = _energy(trial=0.0) - alone
    cost_carried = _energy(trial=0.0) - carried
    assert cost_carried == pytest.approx((1.0 - K.carry) * cost_alone)


def test_cuts_overload_and_a_heavy_job_drain_energy():
    base = _energy(trial=0.0)
    assert _energy(trial=0.0, budget_pressure=1.0) < base
    assert _energy(trial=0.0, overload=0.5) < base
    assert _energy(trial=0.0, workload=1.6) < base < _energy(trial=0.0, workload=0.5)


def test_strain_is_low_energy_and_makes_people_leave_more_often():
    assert energy.strained(K, K.strain_level - 0.01)
    assert not energy.strained(K, K.strain_level)
    assert energy.leaving_factor(K, K.strain_level - 0.01) == K.strain_leaving > 1.0
    assert energy.leaving_factor(K, 0.9) == 1.0


# --- approval (001, 004) ----------------------------------------------------------------
def test_discretion_lets_small_initiatives_skip_steps_only():
    assert approval.steps_needed(K, 4, 1.0, rung=0) < 4
    assert approval.steps_needed(K, 4, 1.0, rung=4) == 4
    assert approval.steps_needed(K, 1, 1.0, rung=0) == 1


def test_council_says_yes_more_when_ready_to_share_power():
    assert approval.council_yes(K, 0.9) > approval.council_yes(K, 0.1)
    assert approval.council_step(rung=4, step_index=3, steps=4)
    assert not approval.council_step(rung=1, step_index=3, steps=4)


# --- participation: the efficacy loop (000, 001, 002, 003) -------------------------------
def test_usual_networks_reach_the_resource_strong_and_outreach_the_weak():
    ties = np.array([1.0, 9.0])  # a weak citizen with few ties, a strong one with many
    usual = participation.visibility(ties, network_design=0.0)
    assert usual[1] > 5 * usual[0]
    reached = participation.visibility(ties, network_design=0.8) * np.array([participation.weak_reach(K, 1.0), 1.0])
    assert reached[0] / reached[1] > 1.0
    assert participation.weak_reach(K, 0.0) == 1.0  # no relations built, no extra reach


def _join(resources, group, rung=0, knowledge=0.0, experience=participation.NOVICE, trust=0.5):
    resources = np.asarray(resources, dtype=float)
    return participation.join_probability(
        K,
        resources,
        np.full(len(resources), trust),
        np.asarray(group),
        rung,
        knowledge,
        np.full(len(resources), experience, dtype=np.int8),
    )


def test_higher_rungs_ask_more_and_deter_those_with_few_resources():
    r = [0.2, 0.8]
    g = [participation.WEAK, participation.STRONG]
    low = _join(r, g, rung=0)
    high = _join(r, g, rung=5)
    assert (high <= low).all() and high[0] / low[0] < high[1] / low[1]


def test_the_resource_gradient_is_steeper_on_every_higher_rung():
    gradients = [participation.gradient(K, rung) for rung in range(participation.TOP_RUNG + 1)]
    assert gradients[0] == pytest.approx(K.gradient_low)
    assert gradients[-1] == pytest.approx(K.gradient_high)
    assert all(a < b for a, b in zip(gradients, gradients[1:], strict=False))
    ratios = [_join([0.2, 0.8], [participation.MIDDLE] * 2, rung=rung) for rung in range(participation.TOP_RUNG + 1)]
    weak_over_strong = [j[0] / j[1] for j in ratios]
    assert all(a > b for a, b in zip(weak_over_strong, weak_over_strong[1:], strict=False))


def test_success_makes_people_come_back_more_readily_than_novices_and_failure_less():
    kw = dict(resources=[0.5], group=[participation.MIDDLE], rung=2)
    novice = _join(**kw, experience=participation.NOVICE)[0]
    success = _join(**kw, experience=participation.AFTER_SUCCESS)[0]
    failure = _join(**kw, experience=participation.AFTER_FAILURE)[0]
    assert success > novice > failure > 0
    assert success == pytest.approx(novice * (1 + K.efficacy_success))
    assert failure == pytest.approx(novice * (1 - K.efficacy_failure))


def test_join_probability_stays_a_probability():
    p = _join([1.0, 1.0], [participation.WEAK] * 2, knowledge=1.0, experience=participation.AFTER_SUCCESS, trust=1.0)
    assert ((0.0 <= p) & (p <= 1.0)).all()


def test_a_worker_who_knows_weak_groups_needs_helps_them_join():
    g = [participation.WEAK, participation.STRONG]
    blind = _join([0.3, 0.3], g, knowledge=0.0)
    knowing = _join([0.3, 0.3], g, knowledge=1.0)
    assert knowing[0] > blind[0] and knowing[1] == blind[1]


def test_waiting_and_steering_wear_motivation_down():
    r = np.array([0.3])
    g = np.array([participation.MIDDLE])
    kw = dict(weak_knowledge=1.0, progressed=False)
    idle = participation.motivation_change(K, r, g, waiting=False, steering=0.0, **kw)
    waiting = participation.motivation_change(K, r, g, waiting=True, steering=0.0, **kw)
    steered = participation.motivation_change(K, r, g, waiting=False, steering=0.8, **kw)
    assert waiting < idle and steered < idle


def test_steering_style_falls_with_mindset():
    assert participation.steering_style(K, 0.8, 0.9, False) < participation.steering_style(K, 0.8, 0.1, False)


# --- outreach (000, 001, 002) ---------------------------------------------------------------
def test_outreach_is_hours_only_while_engaged():
    assert outreach.hours(K, 1.0, engaged=True) == K.outreach_hours
    assert outreach.hours(K, 1.0, engaged=False) == 0.0


def test_relations_with_weak_groups_grow_only_with_outreach_hours():
    assert outreach.relations_change(K, 0.0, 0.0) == 0.0
    assert outreach.relations_change(K, 0.4, 0.0) < 0  # unused relations wear off
    assert outreach.relations_change(K, 0.0, K.outreach_hours) > 0
    assert outreach.relations_change(K, 0.4, K.outreach_hours) > outreach.relations_change(K, 0.4, 0.5)


def test_knowledge_of_weak_groups_needs_grows_only_with_contact():
    assert outreach.knowledge_change(K, 0.2, weak_contact=0.0, outreach_hours=0.0, focus=0.0, trial=1.0) == 0.0
    more = outreach.knowledge_change(K, 0.2, weak_contact=0.0, outreach_hours=K.outreach_hours, focus=0.0, trial=1.0)
    less = outreach.knowledge_change(K, 0.2, weak_contact=0.0, outreach_hours=0.5, focus=0.0, trial=1.0)
    assert more > less > 0
    assert outreach.knowledge_change(K, 1.0, 1.0, K.outreach_hours, 1.0, 1.0) == 0.0  # full knowledge stays full


# --- maintenance and operations: the investment loop (003) ----------------------------------
def test_pool_and_open_silos_open_the_operations_door():
    closed = maintenance.operations_accepts(K, 1.0, 0.0, False, 0.0)
    pooled = maintenance.operations_accepts(K, 1.0, 1.0, False, 0.0)
    assert closed < pooled == 1.0
    assert maintenance.unfunded_hours(10.0, 0.0, 1.0) == 0.0
    assert maintenance.unfunded_hours(10.0, 0.5, 0.0) == 5.0


def test_facilities_leave_the_stock_faster_where_citizens_trust():
    assert maintenance.leaves_stock(K, 0.0) == pytest.approx(1.0 / K.facility_lifetime_weeks)
    assert maintenance.leaves_stock(K, 0.8) > maintenance.leaves_stock(K, 0.2) > 0


def test_backlog_grows_when_operations_hours_fall_short():
    assert operations.next_backlog(K, 0.0, owed=100.0, done=80.0) == 20.0
    assert operations.next_backlog(K, 100.0, owed=100.0, done=120.0) < 100.0
    assert operations.next_backlog(K, 10.0, owed=0.0, done=500.0) == 0.0
    assert operations.overload(100.0, 80.0) == pytest.approx(0.2)


def test_cuts_raise_demand_and_capacity_set_aside_lowers_it():
    calm = operations.demand(K, 10, 37.0, 0.0, 0.0, 1.0)
    assert operations.demand(K, 10, 37.0, 1.0, 0.0, 1.0) > calm
    assert operations.demand(K, 10, 37.0, 0.0, 0.2, 1.0) == pytest.approx(0.8 * calm)
    assert operations.demand(K, 10, 37.0, 1.0, 0.0, 50.0) == pytest.approx(10 * 37.0 * K.max_demand_share)


def test_mobilised_citizens_relieve_operations_and_wear_off():
    relief = operations.next_volunteer_relief(K, 0.0, 0.01, new_value=4.0)
    assert relief == pytest.approx(4.0 * K.relief_per_value)
    assert operations.next_volunteer_relief(K, relief, 0.01, 0.0) < relief
    assert operations.next_volunteer_relief(K, relief, 0.0, 0.0) == relief


def test_better_fitting_solutions_lower_demand_and_wear_off_as_needs_change():
    fit = operations.next_fit_relief(K, 0.0, new_value=4.0)
    assert fit == pytest.approx(4.0 * K.fit_per_value)
    assert operations.next_fit_relief(K, fit, 0.0) == pytest.approx((1 - K.fit_decay) * fit)


def test_returned_capacity_is_capped_by_what_a_department_can_hand_over():
    assert operations.returned(K, 3.0, 2.0, demand_hours=200.0) == pytest.approx(5.0)
    assert operations.returned(K, 300.0, 200.0, demand_hours=200.0) == pytest.approx(K.max_relief_share * 200.0)
    assert operations.returned(K, 0.0, 0.0, demand_hours=200.0) == 0.0


@pytest.mark.parametrize("idle", [0.0, -50.0])
def test_harvest_ratchet_leaves_demand_alone_without_idle_hours(idle: float):
    assert operations.next_demand_factor(K, 1.1, idle, 400.0, 0.9, 0.8) == 1.1


def test_harvest_ratchet_cuts_idle_hours_away_and_only_goes_up():
    factor = 1.0
    for idle in (40.0, 0.0, -80.0, 10.0, 0.0):
        new = operations.next_demand_factor(K, factor, idle, 400.0, 0.9, 0.8)
        assert new >= factor
        assert (new > factor) == (idle > 0)
        factor = new
    step = operations.next_demand_factor(K, 1.0, 40.0, 400.0, 0.9, 0.8) - 1.0
    assert step == pytest.approx(K.harvest_rate * 0.9 * 0.8 * 40.0 / 400.0)
    assert operations.next_demand_factor(K, 1.0, 40.0, 400.0, 0.9, 0.0) == 1.0  # no cuts, no harvest
    assert operations.next_demand_factor(K, 1.0, 40.0, 0.0, 0.9, 0.8) == 1.0  # no capacity, nothing to read


def test_lending_share_opens_with_open_silos_and_top_focus():
    assert operations.lending_share(K, 1.0, 1.0) == 0.0
    assert operations.lending_share(K, 0.0, 0.0) == pytest.approx(K.lending_base)
    assert operations.lending_share(K, 0.0, 1.0) == pytest.approx(1.0)
    assert operations.lending_share(K, 0.5, 0.8) > operations.lending_share(K, 0.5, 0.2)


def test_lend_moves_spare_hours_to_departments_with_backlog():
    moved = operations.lend([10.0, 0.0, 0.0], [0.0, 5.0, 15.0], share=0.5)
    assert moved == pytest.approx([-5.0, 1.25, 3.75])
    assert operations.lend([100.0, 0.0], [0.0, 5.0], share=1.0) == pytest.approx([-5.0, 5.0])  # only what is needed
    assert operations.lend([10.0, 0.0], [0.0, 0.0], share=1.0) == [0.0, 0.0]  # nobody behind
    assert operations.lend([0.0, 0.0], [3.0, 5.0], share=1.0) == [0.0, 0.0]  # nobody spare
    assert operations.lend([10.0, 0.0], [0.0, 5.0], share=0.0) == [0.0, 0.0]  # closed silos


@pytest.mark.parametrize("seed", range(20))
def test_lend_conserves_hours_and_gives_only_spare_to_backlog(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    remaining = rng.normal(0.0, 50.0, n)  # each department is either behind (> 0) or has spare hours (< 0)
    spare = [max(0.0, -r) for r in remaining]
    backlog = [max(0.0, r) for r in remaining]
    share = float(rng.random())
    moved = operations.lend(spare, backlog, share)
    assert sum(moved) == pytest.approx(0.0, abs=1e-9)
    assert -sum(m for m in moved if m < 0) <= share * sum(spare) + 1e-9
    for m, s, b in zip(moved, spare, backlog, strict=True):
        if b == 0.0:
            assert -share * s - 1e-9 <= m <= 0.0  # a department without backlog only gives, at most its share
        if s == 0.0:
            assert 0.0 <= m <= b + 1e-9  # a department without spare hours only receives, at most its backlog


def test_complaints_follow_backlog_and_disappointment_and_errors_follow_overload_and_untried_hours():
    assert operations.complaints(K, 0.0, 37.0, 0) == 0.0
    assert operations.complaints(K, 370.0, 37.0, 0) == pytest.approx(10 * K.complaints_per_backlog_week)
    assert operations.complaints(K, 0.0, 37.0, 4) == pytest.approx(4 * K.complaints_per_disappointed)
    assert operations.errors(K, 0.0, 0.0, 37.0) == 0.0
    assert operations.errors(K, 2.0, 0.0, 37.0) > 0 and operations.errors(K, 0.0, 37.0, 37.0) > 0


# --- politics: the political loop (004) -------------------------------------------------------
def test_gentofte_cut_keeps_politicians_total_time_from_rising():
    npm = politics.casework_hours(K, 0, 25) + politics.policy_hours(K, 0)
    gentofte = politics.casework_hours(K, 5, 25) + politics.policy_hours(K, 1)
    assert gentofte <= npm
    assert politics.policy_hours(K, 1) > politics.policy_hours(K, 0)


def test_task_committees_cut_standing_committee_hours_and_delegate_casework():
    assert politics.standing_hours(K, 0) == K.standing_hours
    assert politics.standing_hours(K, 3) == K.gentofte_standing_hours < K.standing_hours
    npm = politics.casework_hours(K, 0, 25)
    gentofte = politics.casework_hours(K, 3, 25)
    assert npm == pytest.approx(K.council_hours + K.standing_hours + K.casework_hours)
    assert gentofte == pytest.approx(K.council_hours + K.gentofte_standing_hours + K.casework_hours * K.casework_kept)
    assert politics.casework_hours(K, 1, 25) == politics.casework_hours(K, 12, 25)  # the cut, not a count


def test_a_larger_council_splits_the_casework_more_ways():
    assert politics.casework_hours(K, 0, 50) < politics.casework_hours(K, 0, 25) < politics.casework_hours(K, 0, 11)


def test_a_task_committee_seat_costs_six_meetings_of_three_hours_prepared_over_45_weeks():
    assert politics.task_committee_hours(K, 1) == pytest.approx(6 * 3 * 2 / 45)
    assert politics.task_committee_hours(K, 0) == 0.0
    assert politics.task_committee_hours(K, 3) == pytest.approx(3 * politics.task_committee_hours(K, 1))
    assert politics.policy_hours(K, 2) == pytest.approx(K.policy_hours + 2 * 6 * 3 * 2 / 45)


# --- governance (003, 004) ------------------------------------------------------------------
def test_power_sharing_is_learnt_by_sharing_it():
    assert governance.power_sharing_change(K, 0.2, seats=1, baseline=0.2) > 0
    assert governance.power_sharing_change(K, 0.6, seats=0, baseline=0.2) < 0


def test_political_anchoring_raises_the_power_sharing_baseline():
    assert governance.power_sharing_baseline(K, 0.2, 0.0) == 0.2
    assert governance.power_sharing_baseline(K, 0.2, 1.0) > 0.2


def test_leader_support_grows_with_focus_and_falls_with_cuts():
    calm = governance.leader_support_target(0.5, 0.5, 0.5, 0.5, 0.0)
    cut = governance.leader_support_target(0.5, 0.5, 0.5, 0.5, 1.0)
    assert cut < calm
    assert governance.leader_support_target(0.5, 0.9, 0.5, 0.5, 0.0) > calm


def test_a_swamped_operations_leaves_complaints_unanswered():
    assert governance.complaint_answered(K, 0.0) == 1.0
    assert governance.complaint_answered(K, 1.0) == pytest.approx(1.0 - K.unanswered_at_full_backlog)

"""Each mechanism's arithmetic, tested without building a model."""

from __future__ import annotations

import numpy as np
import pytest

from cocreate_sim.mechanisms import (
    approval,
    dialogue,
    energy,
    governance,
    learning,
    maintenance,
    measurement,
    operations,
    participation,
    time_allocation,
    zero_error,
)


# --- learning (000) ---------------------------------------------------------
def test_practice_is_learnt_only_by_trial():
    assert learning.practice_change(p=0.3, m=0.6, trial=0.0, reflection=1.0) <= 0
    assert learning.practice_change(p=0.3, m=0.6, trial=1.0, reflection=1.0) > 0


def test_a_trial_teaches_more_to_one_who_understands_why():
    low = learning.practice_change(p=0.2, m=0.1, trial=1.0, reflection=1.0)
    high = learning.practice_change(p=0.2, m=0.8, trial=1.0, reflection=1.0)
    assert high > 3 * low


def test_mindset_unconfirmed_by_practice_fades():
    assert learning.mindset_change(m=0.8, p=0.1, talk=0.0, peer_practice=0.0) < 0
    assert learning.mindset_change(m=0.3, p=0.2, talk=0.0, peer_practice=0.0) == 0


def test_routine_without_understanding_slides_back():
    assert learning.practice_change(p=0.8, m=0.1, trial=0.0, reflection=1.0) < -learning.FADE * 0.4


def test_colleagues_who_practise_pull_mindset_up():
    assert learning.mindset_change(m=0.3, p=0.2, talk=0.0, peer_practice=0.7) > 0


# --- dialogue (000) -----------------------------------------------------------
def test_full_dialogue_reaches_every_worker_once_a_cycle():
    talks = [dialogue.talks_per_week(1.0, 12, f) for f in np.linspace(0, 0.999, 100)]
    assert np.mean(talks) == pytest.approx(12 / dialogue.CYCLE_WEEKS, abs=0.05)
    assert dialogue.talks_per_week(0.0, 12, 0.0) == 0


def test_dialogue_doubles_what_a_trial_teaches_and_challenges_to_try():
    assert dialogue.reflection(True) == 2 * dialogue.reflection(False)
    assert dialogue.challenge_share(True) > 0 == dialogue.challenge_share(False)


def test_leaders_talk_first_to_those_mid_shift_tired_or_waiting():
    assert dialogue.priority(0.5, 0.5, 1.0, 0) > dialogue.priority(0.05, 0.05, 1.0, 0)
    assert dialogue.priority(0.5, 0.5, 0.2, 0) > dialogue.priority(0.5, 0.5, 1.0, 0)
    assert dialogue.priority(0.05, 0.05, 1.0, 8) > dialogue.priority(0.5, 0.5, 1.0, 0)


# --- measurement (003) -------------------------------------------------------
def test_measuring_cocreation_value_weakens_the_pull_of_old_kpis():
    only_old = measurement.operations_pull(0.9, 0.0, 0.0)
    extra_line = measurement.operations_pull(0.9, 0.7, 0.0)
    assert 0 < extra_line < only_old < 1


def test_backlog_makes_old_kpis_bite_harder():
    assert measurement.operations_pull(0.9, 0.5, 1.0) > measurement.operations_pull(0.9, 0.5, 0.0)


# --- zero-error culture (001, 003) ------------------------------------------------
def test_zero_error_culture_scales_risk_rejection_and_sanction():
    assert zero_error.perceived_risk(0.0, 0.1) == 0
    assert zero_error.perceived_risk(1.0, 0.1) > zero_error.perceived_risk(1.0, 0.9)
    assert zero_error.step_rejection(1.0, 1.0) > zero_error.step_rejection(0.2, 1.0)
    assert zero_error.sanction(0.0) == (0.0, 0.0)


# --- time allocation (000, 001, 003) ------------------------------------------------
def test_willingness_needs_motivation_and_efficacy_together():
    kw = dict(champion=False, discretion=0.5, leader_support=0.5, risk=0.1, pull=0.5)
    both = time_allocation.willingness(0.7, 0.7, **kw)
    mindset_only = time_allocation.willingness(0.7, 0.0, **kw)
    practice_only = time_allocation.willingness(0.0, 0.7, **kw)
    assert practice_only == 0
    assert both > 2.5 * mindset_only


def test_risk_and_pull_hold_willingness_back():
    kw = dict(m=0.6, p=0.5, champion=False, discretion=0.5, leader_support=0.5)
    assert time_allocation.willingness(**kw, risk=0.6, pull=0.5) < time_allocation.willingness(**kw, risk=0.0, pull=0.5)
    assert time_allocation.willingness(**kw, risk=0.1, pull=0.9) < time_allocation.willingness(**kw, risk=0.1, pull=0.1)


def test_capacity_set_aside_relieves_the_pull_of_operations():
    assert time_allocation.felt_pull(0.8, 0.0) == 0.8
    assert time_allocation.felt_pull(0.8, 0.15) < 0.8
    assert time_allocation.felt_pull(0.8, time_allocation.H_MAX) == 0.0


def test_chosen_share_is_capped():
    assert time_allocation.chosen_share(10.0, False) == time_allocation.H_MAX
    assert time_allocation.chosen_share(10.0, True) == time_allocation.H_MAX_CHAMPION


# --- energy (000) -------------------------------------------------------------------
def test_trying_a_new_process_costs_energy_mastery_less_so():
    novice = energy.energy_change(0.8, p=0.1, trial=1.0, budget_pressure=0.0, overload=0.0)
    master = energy.energy_change(0.8, p=0.9, trial=1.0, budget_pressure=0.0, overload=0.0)
    assert novice < master
    assert energy.energy_change(0.5, p=0.0, trial=0.0, budget_pressure=0.0, overload=0.0) > 0


# --- approval (001, 004) ----------------------------------------------------------------
def test_discretion_lets_small_initiatives_skip_steps_only():
    assert approval.steps_needed(4, 1.0, rung=0) < 4
    assert approval.steps_needed(4, 1.0, rung=4) == 4
    assert approval.steps_needed(1, 1.0, rung=0) == 1


def test_council_says_yes_more_when_ready_to_share_power():
    assert approval.council_yes(0.9) > approval.council_yes(0.1)
    assert approval.council_step(rung=4, step_index=3, steps=4)
    assert not approval.council_step(rung=1, step_index=3, steps=4)


# --- participation (000, 001, 002, 003) --------------------------------------------------
def test_usual_networks_reach_the_resource_strong_and_outreach_the_weak():
    ties = np.array([1.0, 9.0])
    group = np.array([participation.WEAK, participation.STRONG])
    usual = participation.visibility(ties, group, network_design=0.0, outreach=0.0)
    assert usual[1] > 5 * usual[0]
    reached = participation.visibility(ties, group, network_design=0.8, outreach=1.0)
    assert reached[0] / reached[1] > 1.0


def test_higher_rungs_ask_more_and_deter_those_with_few_resources():
    r = np.array([0.2, 0.8])
    g = np.array([participation.WEAK, participation.STRONG])
    low = participation.join_probability(r, np.full(2, 0.5), g, rung=0, outreach=0.0)
    high = participation.join_probability(r, np.full(2, 0.5), g, rung=5, outreach=0.0)
    assert (high <= low).all() and high[0] / low[0] < high[1] / low[1]


def test_waiting_and_steering_wear_motivation_down():
    r = np.array([0.3])
    g = np.array([participation.MIDDLE])
    idle = participation.motivation_change(r, g, waiting=False, steering=0.0, weak_knowledge=1.0, progressed=False)
    waiting = participation.motivation_change(r, g, waiting=True, steering=0.0, weak_knowledge=1.0, progressed=False)
    steered = participation.motivation_change(r, g, waiting=False, steering=0.8, weak_knowledge=1.0, progressed=False)
    assert waiting < idle and steered < idle


def test_steering_style_falls_with_mindset():
    assert participation.steering_style(0.8, 0.9, False) < participation.steering_style(0.8, 0.1, False)


# --- maintenance and operations (003) -----------------------------------------------------
def test_pool_and_open_silos_open_the_operations_door():
    closed = maintenance.operations_accepts(1.0, 0.0, False, 0.0)
    pooled = maintenance.operations_accepts(1.0, 1.0, False, 0.0)
    assert closed < pooled == 1.0
    assert maintenance.unfunded_hours(10.0, 0.0, 1.0) == 0.0
    assert maintenance.unfunded_hours(10.0, 0.5, 0.0) == 5.0


def test_backlog_grows_when_operations_hours_fall_short():
    assert operations.next_backlog(0.0, owed=100.0, done=80.0) == 20.0
    assert operations.next_backlog(100.0, owed=100.0, done=120.0) < 100.0
    assert operations.overload(100.0, 80.0) == pytest.approx(0.2)


def test_mobilised_citizens_relieve_operations_and_wear_off():
    relief = operations.next_relief(0.0, 0.01, new_value=4.0)
    assert relief > 0
    assert operations.next_relief(relief, 0.01, 0.0) < relief


# --- governance (003, 004) ------------------------------------------------------------------
def test_gentofte_cut_keeps_politicians_total_time_from_rising():
    npm = governance.casework_hours(0) + governance.policy_hours(0)
    gentofte = governance.casework_hours(5) + governance.policy_hours(1)
    assert gentofte <= npm
    assert governance.policy_hours(1) > governance.policy_hours(0)


def test_power_sharing_is_learnt_by_sharing_it():
    assert governance.power_sharing_change(0.2, seats=1, baseline=0.2) > 0
    assert governance.power_sharing_change(0.6, seats=0, baseline=0.2) < 0


def test_leader_support_grows_with_focus_and_falls_with_cuts():
    calm = governance.leader_support_target(0.5, 0.5, 0.5, 0.5, 0.0)
    cut = governance.leader_support_target(0.5, 0.5, 0.5, 0.5, 1.0)
    assert cut < calm
    assert governance.leader_support_target(0.5, 0.9, 0.5, 0.5, 0.0) > calm

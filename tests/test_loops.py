"""The five feedback loops, each shocked at its cause in a running model.

Each test builds models with the same seed, disturbs one of them at week
``T`` (its cause: value returned, facilities, errors, leaders' backing, an
initiative's end, budget pressure, task committees, backlog) and compares it
with its undisturbed twin (the efficacy tests end one initiative in success
in one copy and in failure in another): the response must go in the claimed DIRECTION and
start at the claimed TIME. Where the response is stochastic the tests take
the mean over a few seeds; where the cause acts deterministically (nothing
random lies between cause and response) they compare each seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from cocreate_sim import CoCreationModel
from cocreate_sim.initiatives import Stage
from cocreate_sim.mechanisms import participation as part

SMALL = {"n_citizens": 200, "population": 4000, "workers_per_department": 8}
"""A small municipality: 48 workers, 200 citizen agents of 20 inhabitants each."""
COCREATING = {
    "leader_dialogue": 1.0,
    "zero_error_culture": 0.3,
    "measure_cocreation_value": 0.8,
    "top_management_focus": 0.6,
    "cocreation_logic": 0.6,
    "citizen_initiative_rate": 1.0,
}
"""Levers under which workers co-create and initiatives run within a few months."""
T = 30
"""The week of the shock: after the start-up transient of energy and backing."""
SEEDS = (0, 1, 2)


def twins(seed: int, weeks: int = T, **params) -> tuple[CoCreationModel, CoCreationModel]:
    """Two models with the same seed and levers, run to ``weeks``: (to disturb, twin)."""
    shocked = CoCreationModel(rng=seed, **{**SMALL, **params})
    twin = CoCreationModel(rng=seed, **{**SMALL, **params})
    for _ in range(weeks):
        shocked.step()
        twin.step()
    return shocked, twin


def difference(shocked: CoCreationModel, twin: CoCreationModel, column: str, weeks: int) -> list[float]:
    """``column`` of the disturbed model less its twin's, for each of the next ``weeks`` weeks."""
    out = []
    for _ in range(weeks):
        shocked.step()
        twin.step()
        out.append(getattr(shocked, column) - getattr(twin, column))
    return out


# ------------------------------------------------------------- investment loop
def test_completed_value_returns_capacity_the_next_week_and_the_extra_return_decays():
    extra = []
    for seed in SEEDS:
        shocked, twin = twins(seed)
        assert shocked.capacity_returned_hours == twin.capacity_returned_hours
        shocked.departments[1].new_value += 20.0
        extra.append(difference(shocked, twin, "capacity_returned_hours", 40))
        k = shocked.k
        assert extra[-1][0] == pytest.approx(20.0 * (k.relief_per_value + k.fit_per_value))  # the next week, in full
    mean = np.mean(extra, axis=0)
    assert all(later < earlier for earlier, later in zip(mean[:20], mean[1:21], strict=True))  # decays week by week
    assert 0.0 < mean[-1] < mean[0]  # wearing off, not gone at once


def test_unfunded_facilities_raise_the_operations_backlog_from_the_next_week():
    for seed in SEEDS:
        shocked, twin = twins(seed)
        ops, twin_ops = shocked.departments[0], twin.departments[0]
        assert ops.backlog == twin_ops.backlog
        for _ in range(40):
            shocked.registry.new_facility()  # no maintenance pool: operations owes the upkeep
        unfunded = difference(shocked, twin, "unfunded_maintenance_hours", 1)
        assert unfunded[0] > 0.0
        assert ops.backlog > twin_ops.backlog
        grown = [ops.backlog - twin_ops.backlog]
        for _ in range(5):
            shocked.step()
            twin.step()
            grown.append(ops.backlog - twin_ops.backlog)
        assert all(later > earlier for earlier, later in zip(grown, grown[1:], strict=False))


def test_facilities_leave_the_stock_so_maintenance_stays_bounded_under_a_steady_inflow():
    """One new facility a week for 300 weeks: worn out and adopted ones leave, the stock levels off.

    A shorter facility life (52 weeks) makes the steady state reachable in a
    short run; with the leave chance at least ``1 / lifetime``, the stock
    cannot exceed ``inflow * lifetime`` in expectation.
    """
    lifetime = 52.0
    model = CoCreationModel(rng=4, constants={"facility_lifetime_weeks": lifetime}, maintenance_pool=1.0, **SMALL)
    k = model.k
    counts, loads = [], []
    for _ in range(300):
        model.registry.new_facility()
        model.step()
        counts.append(model.facilities_count)
        loads.append(model.maintenance_hours)
    reg = model.registry
    assert reg.facilities_built >= 300
    assert reg.facilities_retired > 0.7 * reg.facilities_built
    assert max(counts) <= 1.5 * lifetime
    assert max(loads) <= 1.5 * lifetime * k.facility_hours
    assert np.mean(counts[-100:]) <= 1.2 * lifetime  # levelled off near inflow / leave chance, not growing with it


# ----------------------------------------------------------------- culture loop
class ErrorShock(CoCreationModel):
    """A model in which ``extra_errors`` visible errors are added to each week's own before the culture reads them."""

    extra_errors = 0.0

    def _culture_step(self) -> None:
        self._week_errors += self.extra_errors
        super()._culture_step()


def test_weeks_of_heavy_errors_harden_the_culture_at_once_and_it_relaxes_afterwards():
    for seed in SEEDS:
        shocked = ErrorShock(rng=seed, **SMALL)
        twin = ErrorShock(rng=seed, **SMALL)
        for _ in range(T):
            shocked.step()
            twin.step()
        assert shocked.zero_error_state == twin.zero_error_state
        shocked.extra_errors = 5.0 * len(shocked.workers)  # five visible errors per worker a week
        during = difference(shocked, twin, "zero_error_state", 10)
        assert during[0] > 0.0  # the first week of errors
        assert all(later > earlier for earlier, later in zip(during, during[1:], strict=False))
        lever = shocked.p.zero_error_culture
        hardened = abs(shocked.zero_error_state - lever)
        shocked.extra_errors = 0.0
        after = difference(shocked, twin, "zero_error_state", 60)
        assert after[-1] < 0.5 * during[-1]  # back towards the twin ...
        assert abs(shocked.zero_error_state - lever) < hardened  # ... and towards the sanction practice


def test_leaders_backing_softens_the_culture_from_the_first_week():
    for seed in SEEDS:
        shocked, twin = twins(seed)
        diffs = []
        for _ in range(10):
            for leader in shocked.leaders:
                leader.support = 1.0
            diffs += difference(shocked, twin, "zero_error_state", 1)
        assert diffs[0] < 0.0
        assert all(later < earlier for earlier, later in zip(diffs, diffs[1:], strict=False))


# ---------------------------------------------------------------- efficacy loop
def _ended_three_ways(seed: int):
    """Three identical runs; in the first a running initiative succeeds now, in the second it fails."""
    runs = [CoCreationModel(rng=seed, **SMALL, **COCREATING) for _ in range(3)]

    def running() -> list:
        return [i for i in runs[0].registry.active if i.stage is Stage.RUNNING and len(i.participants) >= 3]

    while runs[0].week < 40 or (not running() and runs[0].week < 120):
        for run in runs:
            run.step()
    assert running(), "no running initiative with participants to end"
    uid = max(running(), key=lambda i: len(i.participants)).uid
    same = [next(i for i in run.registry.active if i.uid == uid) for run in runs]
    members = np.asarray(same[0].participants, dtype=np.int64)
    assert all(list(i.participants) == members.tolist() for i in same)
    success, failure, untouched = runs
    same[0].end(success, Stage.COMPLETED)
    same[1].end(failure, Stage.FAILED)
    return success, failure, untouched, same[0], members


def _join_chance(model: CoCreationModel, members: np.ndarray, rung: int, novice: bool = False) -> np.ndarray:
    pop = model.population
    agents = pop.person_agent[members]
    experience = np.array(
        [part.NOVICE if novice else pop.experience(int(pid)) for pid in members.tolist()], dtype=np.int8
    )
    return part.join_probability(
        model.k, pop.resources[agents], pop.trust[agents], pop.group[agents], rung, 0.0, experience
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_members_of_a_success_come_back_more_readily_than_novices_and_members_of_a_failure_less(seed: int):
    success, failure, untouched, ini, members = _ended_three_ways(seed)
    for model, outcome in ((success, part.AFTER_SUCCESS), (failure, part.AFTER_FAILURE)):
        pop = model.population
        assert (pop.person_in[members] == -1).all()  # released
        assert all(pop.experience(int(pid)) == outcome for pid in members.tolist())
    after_success = _join_chance(success, members, ini.form.rung)
    novice = _join_chance(untouched, members, ini.form.rung, novice=True)
    after_failure = _join_chance(failure, members, ini.form.rung)
    assert (after_success > novice).all()
    assert (novice > after_failure).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_trust_of_the_members_rises_after_a_success_and_falls_after_a_failure(seed: int):
    success, failure, untouched, _, members = _ended_three_ways(seed)
    agents = success.population.person_agent[members]
    before = untouched.population.trust[agents]
    assert (success.population.trust[agents] > before).all()
    assert (failure.population.trust[agents] < before).all()


# ------------------------------------------------------------------ strain loop
def test_budget_cuts_raise_strain_within_twenty_weeks():
    strain, energy = [], []
    for seed in SEEDS:
        shocked = CoCreationModel(rng=seed, schedule=[(T + 1, {"budget_pressure": 1.0})], **SMALL)
        twin = CoCreationModel(rng=seed, **SMALL)
        for _ in range(T):
            shocked.step()
            twin.step()
        assert shocked.strain_share == twin.strain_share
        shocked.step()
        twin.step()
        energy.append(shocked.energy_mean - twin.energy_mean)  # the cut bites the week it comes
        strain.append(difference(shocked, twin, "strain_share", 20))
    assert all(e < 0.0 for e in energy)
    mean = np.mean(strain, axis=0)
    assert mean[-1] > 0.0
    assert np.mean(mean[10:]) > np.mean(mean[:5]) >= 0.0


def _after_own_step(worker) -> dict[str, float]:
    """Record the worker's energy and practice right after its own step (before initiatives move this week)."""
    seen: dict[str, float] = {}
    own_step = worker.step

    def step() -> None:
        own_step()
        seen.update(energy=worker.energy, practice=worker.practice, support=worker.leader.support)

    worker.step = step
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_a_champion_without_backing_loses_more_energy_trying_than_one_whose_leader_carries_it(seed: int):
    alone, carried = twins(seed, weeks=20, **{**COCREATING, "champion_share": 0.3})
    trying = [
        i
        for i, w in enumerate(alone.workers)
        if w.champion and w.last_trial > 0 and not w.burnt_out and w.energy < 0.85
    ]
    assert trying, "no champion trying co-creation"
    a, c = alone.workers[trying[0]], carried.workers[trying[0]]
    assert a.unique_id == c.unique_id and a.energy == c.energy and a.last_trial == c.last_trial
    start = a.energy
    a.leader.support = 0.0
    c.leader.support = 1.0
    seen_a, seen_c = _after_own_step(a), _after_own_step(c)
    alone.step()
    carried.step()
    assert seen_a["energy"] - start < seen_c["energy"] - start  # the same week: backing carries part of the cost
    assert seen_a["practice"] == seen_c["practice"]  # learning does not depend on backing: only the cost differs
    assert seen_c["support"] > seen_a["support"]


# --------------------------------------------------------------- political loop
def test_task_committees_move_politicians_from_casework_to_policy_without_more_hours():
    start = T
    shocked = CoCreationModel(rng=7, schedule=[(start, {"task_committees": 4})], **SMALL)
    twin = CoCreationModel(rng=7, **SMALL)
    for week in range(1, start + 13):
        shocked.step()
        twin.step()
        if week < start:
            assert shocked.politician_hours_casework == twin.politician_hours_casework
            assert shocked.politician_hours_policy == twin.politician_hours_policy
            continue
        assert shocked.politician_hours_casework < twin.politician_hours_casework  # from week t on
        assert shocked.politician_hours_policy > twin.politician_hours_policy
        assert shocked.politician_hours_total <= 1.05 * twin.politician_hours_total


def test_task_committees_raise_policy_hours_in_the_week_they_start():
    start = T
    shocked = CoCreationModel(rng=7, schedule=[(start, {"task_committees": 4})], **SMALL)
    twin = CoCreationModel(rng=7, **SMALL)
    for _ in range(start):
        shocked.step()
        twin.step()
    assert shocked.politician_hours_policy > twin.politician_hours_policy


# --------------------------------------------------------- P6: the operations pull
def test_a_backlog_shock_raises_the_pull_the_next_week_and_operations_hours_soon_after():
    pull, hours = [], []
    for seed in (0, 1, 2, 3):
        shocked, twin = twins(seed, weeks=40, **COCREATING)
        assert shocked.operations_pull_mean == twin.operations_pull_mean
        for dept in shocked.departments:
            dept.backlog += 4.0 * dept.capacity  # four weeks of work behind
        pull_diff, hours_diff = [], []
        for _ in range(4):
            shocked.step()
            twin.step()
            pull_diff.append(shocked.operations_pull_mean - twin.operations_pull_mean)
            hours_diff.append(shocked.hours_operations - twin.hours_operations)
        assert pull_diff[0] > 0.0  # the leaders read the backlog the next week
        pull.append(pull_diff)
        hours.append(hours_diff)
    assert np.mean(pull) > 0.0
    assert np.mean(hours) > 0.0  # workers spend more of the week on operations within a few weeks


# ---------------------------------------------------------------- learning's restoring force
def _mindset_gap(seed: int, constants: dict | None, weeks: int) -> list[float]:
    """Mean mindset of a model whose workers all gained 0.3 in mindset and practice at week ``T`` (so that
    neither runs ahead of the other and fades), less its twin's, week by week."""
    shocked = CoCreationModel(rng=seed, constants=constants, **SMALL)
    twin = CoCreationModel(rng=seed, constants=constants, **SMALL)
    for _ in range(T):
        shocked.step()
        twin.step()
    for w in shocked.workers:
        w.mindset = min(1.0, w.mindset + 0.3)
        w.practice = min(1.0, w.practice + 0.3)
    return difference(shocked, twin, "mindset_mean", weeks)


def test_a_gain_in_mindset_wears_back_under_the_old_logics_pull_the_faster_the_stronger_its_rate():
    weeks = 156
    declared = np.mean([_mindset_gap(s, None, weeks) for s in SEEDS], axis=0)
    slow = np.mean([_mindset_gap(s, {"restoring_rate": 0.003}, weeks) for s in SEEDS], axis=0)
    fast = np.mean([_mindset_gap(s, {"restoring_rate": 0.03}, weeks) for s in SEEDS], axis=0)
    assert min(declared[0], slow[0], fast[0]) > 0.25  # the shock is there the next week
    assert declared[-1] < 0.5 * declared[0]  # at the NPM baseline's pull, more than half worn back in three years
    assert fast[51] < declared[51] - 0.03  # a year on, the stronger the pull's rate, the less is left
    assert declared[-1] < slow[-1] - 0.03  # three years on, likewise


def test_whoever_takes_a_post_is_anchored_at_the_mindset_they_bring():
    model = CoCreationModel(rng=SEEDS[0], **SMALL)
    for _ in range(10):
        model.step()
    worker = model.workers[0]
    worker.mindset = min(1.0, worker.start_mindset + 0.3)  # learnt on the job
    worker.new_person()  # turnover: someone new takes the post
    assert worker.start_mindset == worker.mindset

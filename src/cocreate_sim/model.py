"""CoCreationModel: a Danish municipality between NPM and NPG.

Frontline workers in departments learn, or fail to learn, to co-create with
citizens of unequal resources, carried or held back by their leaders'
dialogue, what they are measured on, a zero-error culture, the decision path
and the council's readiness to share power. Co-creation initiatives are born,
wait, recruit, progress and end; what they leave behind (value, trust,
learning, facilities to maintain) feeds back into the organisation. One step
is one week; the model owns the schedule and the data collection, and its
:class:`~cocreate_sim.registry.InitiativeRegistry` owns the initiatives, who
works on them, and the tallies the metric properties read.

Five feedback loops hold a regime in place or shift it (docs/ODD.md traces
each from cause to column): the investment loop (:meth:`_operations_step`,
:mod:`mechanisms.operations`), the culture loop (:meth:`_culture_step`,
:mod:`mechanisms.zero_error`), the efficacy loop (agents/citizens.py), the
strain loop (:mod:`mechanisms.energy`) and the political loop
(:mod:`mechanisms.politics`). Internal constants come from ``self.k``
(:mod:`cocreate_sim.constants`); a lever schedule changes levers mid-run.
"""

from __future__ import annotations

import dataclasses
from numbers import Integral
from typing import Any

import mesa
import numpy as np

from . import params as _params
from .agents import CitizenPopulation, Leader, Politician, Worker
from .constants import make_constants
from .errors import shorten
from .initiatives import Initiative
from .limits import MAX_HORIZON, MAX_RUN_SEED
from .mechanisms import energy, maintenance, operations, zero_error
from .mechanisms import participation as part
from .metrics import COLUMN_NAMES
from .params import WEEKS_PER_YEAR, ParameterError, Params
from .registry import InitiativeRegistry

DEPARTMENT_NAMES = (
    "Operations (parks, roads, harbours)",
    "Culture and leisure",
    "Social and health",
    "Children and schools",
    "Employment",
    "Planning and environment",
)


_GENERATORS = (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)


def check_rng(rng: Any) -> Any:
    """``rng`` as Mesa takes it if a model may start from it, else ParameterError (before anything is built).

    Allowed: None (a fresh seed from the operating system), a whole number from
    0 to MAX_RUN_SEED (numpy's become Python ints: Python 3.12's ``random``
    refuses them), or a numpy Generator, BitGenerator or SeedSequence.
    """
    if rng is None or isinstance(rng, _GENERATORS):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, Integral) or not 0 <= rng <= MAX_RUN_SEED:
        raise ParameterError(
            f"rng (the random seed) must be a whole number from 0 to {MAX_RUN_SEED}, a numpy Generator or None; "
            f"got {shorten(rng)}."
        )
    return int(rng)


class Department:
    """A department (forvaltning/afdeling); department 0 is operations (003)."""

    def __init__(self, index: int, hours: float) -> None:
        self.index = index
        self.hours = hours
        self.name = DEPARTMENT_NAMES[index] if index < len(DEPARTMENT_NAMES) else f"Department {index + 1}"
        self.is_operations = index == 0
        self.workers: list[Worker] = []
        self.leader: Leader | None = None
        self.backlog = 0.0
        self.overload = 0.0
        self.demand_factor = 1.0
        self.volunteer_relief = 0.0
        self.fit_relief = 0.0
        self.returned = 0.0
        self.new_value = 0.0

    @property
    def capacity(self) -> float:
        return len(self.workers) * self.hours

    @property
    def backlog_pressure(self) -> float:
        """Backlog in weeks of the department's capacity, capped at 1."""
        return min(1.0, self.backlog / self.capacity) if self.capacity > 0 else 1.0


class CoCreationModel(mesa.Model):
    """A municipality moving from New Public Management towards New Public Governance.

    Takes plain keyword parameters (see :mod:`cocreate_sim.params`; unknown or
    out-of-range ones raise :class:`~cocreate_sim.params.ParameterError`) and
    ``rng``, so that ``mesa.batch_run`` and outside tools drive it unchanged.
    """

    def __init__(
        self, rng: Any = None, constants: dict[str, Any] | None = None, schedule: Any = None, **params: Any
    ) -> None:
        super().__init__(rng=check_rng(rng))
        self.p: Params = _params.make_params(params)
        self.k = make_constants(constants)
        self.schedule_changes = _params.check_schedule(schedule, MAX_HORIZON)
        p = self.p
        k = self.k
        self.week = 0
        self.registry = InitiativeRegistry(self)
        self.zero_error_state = p.zero_error_culture
        self._week_complaints = 0.0
        self._week_errors = 0.0
        self._maintenance_load = 0.0
        self._unfunded = 0.0
        self._returned = 0.0
        self.net_payback_hours = 0.0
        self.workers: list[Worker] = []

        self.departments = [Department(i, k.hours_per_week) for i in range(p.n_departments)]
        for dept in self.departments:
            for _ in range(p.workers_per_department):
                dept.workers.append(Worker(self, dept))
        self.workers = self.agents_by_type[Worker]
        self._wire_colleagues()
        for dept in self.departments:
            dept.leader = Leader(self, dept)
        self.council = [Politician(self) for _ in range(p.n_politicians)]
        self.population = CitizenPopulation(self)
        self.leaders = self.agents_by_type[Leader]
        self.politicians = self.agents_by_type[Politician]

        self.datacollector = mesa.DataCollector(model_reporters={name: name for name in COLUMN_NAMES})
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- set-up
    def _wire_colleagues(self) -> None:
        """Colleagues: everyone in one's department, and a few across silos (003)."""
        p = self.p
        everyone = [w for d in self.departments for w in d.workers]
        for dept in self.departments:
            for w in dept.workers:
                w.colleagues = [c for c in dept.workers if c is not w]
        mean_cross = self.k.cross_ties * (1.0 - p.silo_strength)
        for w in everyone:
            k = int(self.rng.poisson(mean_cross / 2.0))
            for _ in range(k):
                other = everyone[int(self.rng.integers(len(everyone)))]
                if other.department is not w.department and other not in w.colleagues:
                    w.colleagues.append(other)
                    other.colleagues.append(w)

    # ------------------------------------------------------------- schedule
    def step(self) -> None:
        """One week: levers scheduled for it, council, leaders, workers, citizens, initiatives, operations."""
        self.week += 1
        for week, changes in self.schedule_changes:
            if week == self.week:
                self.p = dataclasses.replace(self.p, **changes)
        self.registry.new_week()
        self.politicians.shuffle_do("step")
        self.leaders.shuffle_do("step")
        self.workers.shuffle_do("step")
        self.population.step(self)
        self.registry.keep_task_committees()
        for initiative in list(self.registry.active):
            if initiative.active:
                initiative.step(self)
        self._turnover()
        self.registry.end_of_week()
        self._operations_step()
        self._culture_step()
        self.population.end_of_week()
        self.datacollector.collect(self)

    def set_param(self, name: str, value: Any) -> None:
        """Change a lever mid-run (the browser app's sliders), validated as at start."""
        checked = _params.resolve(self.p.as_dict(), **{name: value})
        self.p = dataclasses.replace(self.p, **{name: checked[name]})

    # ------------------------------------------------------------ operations
    def _operations_step(self) -> None:
        """The investment loop: where co-creation's cost, its returns and maintenance land (mechanisms.operations)."""
        p = self.p
        k = self.k
        hours = k.hours_per_week
        reg = self.registry
        reg.age_facilities(p.volunteer_attrition, maintenance.leaves_stock(k, self.trust_mean))
        load = unfunded = 0.0
        for facility_hours, adopted in reg.facilities:
            load += facility_hours
            unfunded += maintenance.unfunded_hours(facility_hours, adopted, p.maintenance_pool)
        self._maintenance_load = load
        self._unfunded = unfunded
        owed, done, remaining = [], [], []
        returned_total = 0.0
        for dept in self.departments:
            dept.volunteer_relief = operations.next_volunteer_relief(
                k, dept.volunteer_relief, p.volunteer_attrition, dept.new_value
            )
            dept.fit_relief = operations.next_fit_relief(k, dept.fit_relief, dept.new_value)
            dept.new_value = 0.0
            demand = operations.demand(
                k, len(dept.workers), hours, p.budget_pressure, p.capacity_set_aside, dept.demand_factor
            )
            dept.returned = operations.returned(k, dept.volunteer_relief, dept.fit_relief, demand)
            returned_total += dept.returned
            o = demand - dept.returned + (unfunded if dept.is_operations else 0.0)
            d = sum(w.hours_operations for w in dept.workers)
            owed.append(o)
            done.append(d)
            remaining.append((1.0 - k.write_off) * dept.backlog + o - d)
        for dept, r in zip(self.departments, remaining, strict=True):
            dept.demand_factor = operations.next_demand_factor(
                k, dept.demand_factor, -r, dept.capacity, dept.leader.pull, p.budget_pressure
            )
        moved = operations.lend(
            [max(0.0, -r) for r in remaining],
            [max(0.0, r) for r in remaining],
            operations.lending_share(k, p.silo_strength, p.top_management_focus),
        )
        overload_workers = backlog = untried = 0.0
        for dept, o, d, m in zip(self.departments, owed, done, moved, strict=True):
            dept.overload = operations.overload(o, d + m)
            dept.backlog = operations.next_backlog(k, dept.backlog, o, d + m)
            overload_workers += dept.overload * len(dept.workers)
            backlog += dept.backlog
            untried += sum(w.hours_cocreation * (1.0 - w.practice) for w in dept.workers)
        self._returned = returned_total
        self.net_payback_hours += returned_total - self.hours_cocreation - unfunded
        self._week_complaints = operations.complaints(k, backlog, hours, reg.week_disappointed)
        self._week_errors = operations.errors(k, overload_workers, untried, hours)

    def _culture_step(self) -> None:
        """The culture loop: errors and blamed failures harden the zero-error state; backing and successes soften it."""
        reg = self.registry
        support = float(np.mean([leader.support for leader in self.leaders]))
        self.zero_error_state = zero_error.next_state(
            self.k,
            self.zero_error_state,
            self.p.zero_error_culture,
            self._week_errors,
            reg.week_blamed,
            reg.week_completed,
            support,
            len(self.workers),
        )

    def _turnover(self) -> None:
        """Staff leave; what a leaver carried alone may go with them (003)."""
        weekly = 1.0 - (1.0 - self.p.staff_turnover) ** (1.0 / WEEKS_PER_YEAR)
        for w in self.workers:
            chance = weekly * energy.leaving_factor(self.k, w.energy)
            if self.rng.random() >= chance:
                continue
            self.registry.worker_leaves(w)
            w.new_person()

    # --------------------------------------------------------------- metrics
    @property
    def citizens(self) -> list:
        return self.population.agents

    @property
    def initiatives(self) -> list[Initiative]:
        """Every initiative so far, oldest first."""
        return self.registry.initiatives

    @property
    def active(self) -> list[Initiative]:
        """Initiatives not yet ended (as of the last full week)."""
        return self.registry.active

    @property
    def facilities(self) -> list[list[float]]:
        """Co-created facilities to maintain: ``[hours per week, volunteer share]``."""
        return self.registry.facilities

    @property
    def uptake(self) -> float:
        ws = self.workers
        return sum(w.practising for w in ws) / len(ws)

    @property
    def mindset_mean(self) -> float:
        return float(np.mean([w.mindset for w in self.workers]))

    @property
    def practice_mean(self) -> float:
        return float(np.mean([w.practice for w in self.workers]))

    @property
    def energy_mean(self) -> float:
        return float(np.mean([w.energy for w in self.workers]))

    @property
    def burnout_share(self) -> float:
        return sum(w.burnt_out for w in self.workers) / len(self.workers)

    @property
    def initiatives_active(self) -> int:
        return len(self.registry.active)

    @property
    def initiatives_started(self) -> int:
        return self.registry.started

    @property
    def initiatives_completed(self) -> int:
        return self.registry.completed

    @property
    def initiatives_failed(self) -> int:
        return self.registry.failed

    @property
    def initiatives_abandoned(self) -> int:
        return self.registry.abandoned

    @property
    def participants(self) -> int:
        return self.population.participants

    @property
    def weak_share_participants(self) -> float:
        r = self.registry
        return r.joins_weak / r.joins_total if r.joins_total else 0.0

    @property
    def weak_share_population(self) -> float:
        return self.population.weak_count / self.population.n

    @property
    def inclusion_ratio(self) -> float:
        pop = self.weak_share_population
        return self.weak_share_participants / pop if pop > 0 else 0.0

    @property
    def weak_needs_addressed_share(self) -> float:
        r = self.registry
        return r.completed_weak_needs / r.completed if r.completed else 0.0

    @property
    def public_value(self) -> float:
        return self.registry.value_total

    @property
    def trust_mean(self) -> float:
        return float(self.population.trust.mean())

    @property
    def legitimacy(self) -> float:
        return float(self.population.legitimacy.mean())

    @property
    def strain_share(self) -> float:
        return sum(w.strained for w in self.workers) / len(self.workers)

    @property
    def operations_pull_mean(self) -> float:
        return float(np.mean([leader.pull for leader in self.leaders]))

    @property
    def capacity_returned_hours(self) -> float:
        return self._returned

    @property
    def unfunded_maintenance_hours(self) -> float:
        return self._unfunded

    @property
    def facilities_count(self) -> int:
        return len(self.registry.facilities)

    @property
    def politician_hours_total(self) -> float:
        return float(np.mean([pol.hours_total for pol in self.council]))

    @property
    def volunteer_retention(self) -> float:
        return self.population.retention()

    @property
    def repeat_participation_after_success(self) -> float:
        return self.population.repeat_rate(part.AFTER_SUCCESS)

    @property
    def repeat_participation_after_failure(self) -> float:
        return self.population.repeat_rate(part.AFTER_FAILURE)

    @property
    def hours_operations(self) -> float:
        return float(sum(w.hours_operations for w in self.workers))

    @property
    def hours_cocreation(self) -> float:
        return float(sum(w.hours_cocreation for w in self.workers))

    @property
    def maintenance_hours(self) -> float:
        return self._maintenance_load

    @property
    def backlog(self) -> float:
        return float(sum(d.backlog for d in self.departments))

    @property
    def complaints(self) -> float:
        return self._week_complaints

    @property
    def errors(self) -> float:
        return self._week_errors

    @property
    def decision_weeks_mean(self) -> float:
        r = self.registry
        return r.decision_weeks_total / r.decisions if r.decisions else 0.0

    @property
    def dropout_rate(self) -> float:
        r = self.registry
        return r.dropouts_total / r.joins_total if r.joins_total else 0.0

    @property
    def power_sharing_mean(self) -> float:
        return float(np.mean([pol.power_sharing for pol in self.council]))

    @property
    def politician_hours_policy(self) -> float:
        return float(np.mean([pol.hours_policy for pol in self.council]))

    @property
    def politician_hours_casework(self) -> float:
        return float(np.mean([pol.hours_casework for pol in self.council]))

    def outcomes(self) -> dict[str, float]:
        """Every column's value now, as plain floats."""
        return {name: float(getattr(self, name)) for name in COLUMN_NAMES}

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
"""

from __future__ import annotations

import dataclasses
from numbers import Integral
from typing import Any

import mesa
import numpy as np

from . import params as _params
from .agents import CitizenPopulation, Leader, Politician, Worker
from .agents.workers import HOURS
from .errors import shorten
from .initiatives import Initiative
from .limits import MAX_RUN_SEED
from .mechanisms import governance as gov
from .mechanisms import maintenance, measurement, operations
from .metrics import COLUMN_NAMES
from .params import WEEKS_PER_YEAR, ParameterError, Params
from .registry import InitiativeRegistry

CROSS_TIES = 3.0
"""Mean cross-department colleague ties per worker when silos are fully open (003: closed silos; assumed)."""
BURNT_OUT_LEAVING_FACTOR = 3.0
"""Burnt-out workers leave three times as often (assumed)."""
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

    def __init__(self, index: int) -> None:
        self.index = index
        self.name = DEPARTMENT_NAMES[index] if index < len(DEPARTMENT_NAMES) else f"Department {index + 1}"
        self.is_operations = index == 0
        self.workers: list[Worker] = []
        self.leader: Leader | None = None
        self.backlog = 0.0
        self.overload = 0.0
        self.relief = 0.0
        self.new_value = 0.0

    @property
    def capacity(self) -> float:
        return len(self.workers) * HOURS

    @property
    def backlog_pressure(self) -> float:
        return measurement.backlog_pressure(self.backlog, self.capacity)


class CoCreationModel(mesa.Model):
    """A municipality moving from New Public Management towards New Public Governance.

    Takes plain keyword parameters (see :mod:`cocreate_sim.params`; unknown or
    out-of-range ones raise :class:`~cocreate_sim.params.ParameterError`) and
    ``rng``, so that ``mesa.batch_run`` and outside tools drive it unchanged.
    """

    def __init__(self, rng: Any = None, **params: Any) -> None:
        super().__init__(rng=check_rng(rng))
        self.p: Params = _params.make_params(params)
        p = self.p
        self.week = 0
        self.registry = InitiativeRegistry(self)
        self._legitimacy = 0.0
        self._week_complaints = 0.0
        self._week_errors = 0.0
        self._maintenance_load = 0.0

        self.departments = [Department(i) for i in range(p.n_departments)]
        for dept in self.departments:
            for _ in range(p.workers_per_department):
                dept.workers.append(Worker(self, dept))
        self._wire_colleagues()
        for dept in self.departments:
            dept.leader = Leader(self, dept)
        self.council = [Politician(self) for _ in range(p.n_politicians)]
        self.population = CitizenPopulation(self)
        self.workers = self.agents_by_type[Worker]
        self.leaders = self.agents_by_type[Leader]
        self.politicians = self.agents_by_type[Politician]
        self._legitimacy = gov.legitimacy_target(self.trust_mean, 1.0, self.politician_hours_policy)

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
        mean_cross = CROSS_TIES * (1.0 - p.silo_strength)
        for w in everyone:
            k = int(self.rng.poisson(mean_cross / 2.0))
            for _ in range(k):
                other = everyone[int(self.rng.integers(len(everyone)))]
                if other.department is not w.department and other not in w.colleagues:
                    w.colleagues.append(other)
                    other.colleagues.append(w)

    # ------------------------------------------------------------- schedule
    def step(self) -> None:
        """One week: council, leaders, workers, citizens, initiatives, operations."""
        self.week += 1
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
        self._legitimacy += gov.LEGITIMACY_SMOOTH * (
            gov.legitimacy_target(self.trust_mean, self.inclusion_ratio, self.politician_hours_policy)
            - self._legitimacy
        )
        self.datacollector.collect(self)

    def set_param(self, name: str, value: Any) -> None:
        """Change a lever mid-run (the browser app's sliders), validated as at start."""
        checked = _params.resolve(self.p.as_dict(), **{name: value})
        self.p = dataclasses.replace(self.p, **{name: checked[name]})

    # ------------------------------------------------------------ operations
    def _operations_step(self) -> None:
        p = self.p
        load = 0.0
        unfunded = 0.0
        self.registry.volunteers_leave(p.volunteer_attrition)
        for hours, adopted in self.registry.facilities:
            load += hours
            unfunded += maintenance.unfunded_hours(hours, adopted, p.maintenance_pool)
        self._maintenance_load = load
        overload_workers = 0.0
        backlog = 0.0
        untried = 0.0
        for dept in self.departments:
            dept.relief = operations.next_relief(dept.relief, p.volunteer_attrition, dept.new_value)
            dept.new_value = 0.0
            owed = operations.demand(len(dept.workers), HOURS, p.budget_pressure, p.capacity_set_aside)
            owed = max(0.0, owed - dept.relief)
            if dept.is_operations:
                owed += unfunded
            done = sum(w.hours_operations for w in dept.workers)
            dept.overload = operations.overload(owed, done)
            dept.backlog = operations.next_backlog(dept.backlog, owed, done)
            overload_workers += dept.overload * len(dept.workers)
            backlog += dept.backlog
            untried += sum(w.hours_cocreation * (1.0 - w.practice) for w in dept.workers)
        self._week_complaints = operations.complaints(backlog, HOURS, self.registry.week_disappointed)
        self._week_errors = operations.errors(overload_workers, untried, HOURS)

    def _turnover(self) -> None:
        """Staff leave; what a leaver carried alone may go with them (003)."""
        weekly = 1.0 - (1.0 - self.p.staff_turnover) ** (1.0 / WEEKS_PER_YEAR)
        for w in self.workers:
            chance = weekly * (BURNT_OUT_LEAVING_FACTOR if w.burnt_out else 1.0)
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
        return self._legitimacy

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

"""CoCreationModel: a Danish municipality between NPM and NPG.

Frontline workers in departments learn, or fail to learn, to co-create with
citizens of unequal resources, carried or held back by their leaders'
dialogue, what they are measured on, a zero-error culture, the decision path
and the council's readiness to share power. Co-creation initiatives are born,
wait, recruit, progress and end; what they leave behind (value, trust,
learning, facilities to maintain) feeds back into the organisation. One step
is one week; the model owns the schedule and the data collection.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from . import params as _params
from .agents import CitizenPopulation, Leader, Politician, Worker
from .agents.workers import HOURS
from .initiatives import Initiative, Origin, Stage, choose_form
from .mechanisms import governance as gov
from .mechanisms import maintenance, measurement, operations
from .mechanisms import participation as part
from .mechanisms.measurement import inclusion_focus
from .metrics import COLUMN_NAMES

CROSS_TIES = 3.0
"""Mean cross-department colleague ties per worker when silos are fully open."""
DEPARTMENT_NAMES = (
    "Operations (parks, roads, harbours)",
    "Culture and leisure",
    "Social and health",
    "Children and schools",
    "Employment",
    "Planning and environment",
)


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
        super().__init__(rng=rng)
        self.p: dict[str, Any] = _params.resolve(params)
        p = self.p
        self.week = 0
        self._initiative_ids = 0
        # cumulative tallies
        self.started = self.completed = self.failed = self.abandoned = 0
        self.joins_total = self.joins_weak = self.dropouts_total = 0
        self.decisions = 0
        self.decision_weeks_total = 0.0
        self.completed_weak_needs = 0
        self.value_total = 0.0
        self.week_disappointed = 0
        self._legitimacy = 0.0
        self.facilities: list[list[float]] = []  # [hours, volunteer share]
        self.initiatives: list[Initiative] = []
        self.active: list[Initiative] = []
        self._week_complaints = 0.0
        self._week_errors = 0.0
        self._maintenance_load = 0.0

        self.departments = [Department(i) for i in range(p["n_departments"])]
        for dept in self.departments:
            for _ in range(p["workers_per_department"]):
                dept.workers.append(Worker(self, dept))
        self._wire_colleagues()
        for dept in self.departments:
            dept.leader = Leader(self, dept)
        self.council = [Politician(self) for _ in range(p["n_politicians"])]
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
        mean_cross = CROSS_TIES * (1.0 - p["silo_strength"])
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
        self.week_disappointed = 0
        self.politicians.shuffle_do("step")
        self.leaders.shuffle_do("step")
        self.workers.shuffle_do("step")
        self.population.step(self)
        self._keep_task_committees()
        for initiative in list(self.active):
            if initiative.active:
                initiative.step(self)
        self._turnover()
        self.active = [i for i in self.active if i.active]
        self._operations_step()
        self._legitimacy += gov.LEGITIMACY_SMOOTH * (
            gov.legitimacy_target(self.trust_mean, self.inclusion_ratio, self.politician_hours_policy)
            - self._legitimacy
        )
        self.datacollector.collect(self)

    def set_param(self, name: str, value: Any) -> None:
        """Change a lever mid-run (the browser app's sliders), validated as at start."""
        self.p = _params.resolve({k: v for k, v in self.p.items()}, **{name: value})

    # ------------------------------------------------------------ initiatives
    def next_initiative_id(self) -> int:
        self._initiative_ids += 1
        return self._initiative_ids

    def _register(self, initiative: Initiative) -> Initiative:
        self.initiatives.append(initiative)
        self.active.append(initiative)
        self.started += 1
        return initiative

    def propose_by_worker(self, worker: Worker) -> Initiative:
        """A worker's idea: a municipality-initiated initiative whose needs it chooses."""
        form = choose_form(self.rng, Origin.MUNICIPALITY, worker.practice)
        focus = inclusion_focus(self.p["measure_inclusion"], self.p["outreach_weak_groups"])
        weak_chance = min(1.0, self.weak_share_population * (0.6 + 2.4 * worker.weak_knowledge * (0.3 + 0.7 * focus)))
        needs = part.WEAK if self.rng.random() < weak_chance else int(self.rng.choice([part.MIDDLE, part.STRONG]))
        ini = Initiative(self, Origin.MUNICIPALITY, form, worker, needs, self.rng.random() < form.physical)
        worker.led.append(ini)
        return self._register(ini)

    def propose_by_citizen(self, initiator: int) -> Initiative | None:
        """A citizen's idea, taken up by a worker who becomes its contact."""
        candidates = [w for w in self.workers if not w.burnt_out]
        if not candidates:
            return None
        weights = np.array([0.1 + w.willingness for w in candidates])
        lead = candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]
        form = choose_form(self.rng, Origin.CITIZEN, lead.practice)
        needs = int(self.population.group[initiator])
        ini = Initiative(
            self, Origin.CITIZEN, form, lead, needs, self.rng.random() < form.physical, initiator=initiator
        )
        lead.led.append(ini)
        return self._register(ini)

    def _keep_task_committees(self) -> None:
        """Gentofte model (004): keep ``task_committees`` committees running at once.

        Each has ``task_committee_politicians`` politicians (those with fewest
        seats), ``task_committee_citizens`` citizens recruited by broad
        advertisement and competence profiles, and a facilitator from the
        administration who is not a member and works on it as a duty.
        """
        want = self.p["task_committees"]
        running = sum(1 for i in self.active if i.origin is Origin.TASK_COMMITTEE)
        if running >= want:
            return
        staff = [w for w in self.workers if not w.burnt_out]
        if not staff:
            return
        for _ in range(want - running):
            seats = sorted(self.council, key=lambda pol: (pol.seats, self.rng.random()))
            members = seats[: self.p["task_committee_politicians"]]
            for pol in members:
                pol.seats += 1
            facilitator = min(staff, key=lambda w: (len(w.duties), -w.practice, self.rng.random()))
            weak_chance = self.weak_share_population
            needs = part.WEAK if self.rng.random() < weak_chance else part.MIDDLE
            ini = Initiative(
                self,
                Origin.TASK_COMMITTEE,
                choose_form(self.rng, Origin.TASK_COMMITTEE, 0.0),
                facilitator,
                needs,
                physical=False,
                politicians=members,
            )
            facilitator.duties.append(ini)
            self._register(ini)

    def record_decision(self, initiative: Initiative) -> None:
        self.decisions += 1
        self.decision_weeks_total += initiative.week_decided - initiative.week_proposed

    def record_end(self, initiative: Initiative) -> None:
        if initiative.stage is Stage.COMPLETED:
            self.completed += 1
            self.value_total += initiative.value
            initiative.department.new_value += initiative.value
            self.completed_weak_needs += int(initiative.needs_group == part.WEAK)
        elif initiative.stage is Stage.FAILED:
            self.failed += 1
        elif initiative.stage is Stage.ABANDONED:
            self.abandoned += 1

    def add_facility(self) -> None:
        """A co-created physical facility now needs care (003)."""
        self.facilities.append([maintenance.HOURS_PER_FACILITY, maintenance.ADOPTED_SHARE])

    # ------------------------------------------------------------ operations
    def _operations_step(self) -> None:
        p = self.p
        load = 0.0
        unfunded = 0.0
        for facility in self.facilities:
            facility[1] *= 1.0 - p["volunteer_attrition"]
            load += facility[0]
            unfunded += maintenance.unfunded_hours(facility[0], facility[1], p["maintenance_pool"])
        self._maintenance_load = load
        overload_workers = 0.0
        backlog = 0.0
        untried = 0.0
        for dept in self.departments:
            dept.relief = operations.next_relief(dept.relief, p["volunteer_attrition"], dept.new_value)
            dept.new_value = 0.0
            owed = operations.demand(len(dept.workers), HOURS, p["budget_pressure"], p["capacity_set_aside"])
            owed = max(0.0, owed - dept.relief)
            if dept.is_operations:
                owed += unfunded
            done = sum(w.hours_operations for w in dept.workers)
            dept.overload = operations.overload(owed, done)
            dept.backlog = operations.next_backlog(dept.backlog, owed, done)
            overload_workers += dept.overload * len(dept.workers)
            backlog += dept.backlog
            untried += sum(w.hours_cocreation * (1.0 - w.practice) for w in dept.workers)
        self._week_complaints = operations.complaints(backlog, HOURS, self.week_disappointed)
        self._week_errors = operations.errors(overload_workers, untried, HOURS)

    def _turnover(self) -> None:
        """Staff leave; what a leaver carried alone may go with them (003)."""
        weekly = 1.0 - (1.0 - self.p["staff_turnover"]) ** (1.0 / 52.0)
        for w in self.workers:
            chance = weekly * (3.0 if w.burnt_out else 1.0)
            if self.rng.random() >= chance:
                continue
            for ini in list(w.led):
                heirs = [c for c in w.department.workers if c is not w and not c.burnt_out]
                if heirs and self.rng.random() < w.leader.support:
                    heir = max(heirs, key=lambda c: c.willingness)
                    w.led.remove(ini)
                    ini.lead = heir
                    heir.led.append(ini)
                else:
                    ini.end(self, Stage.ABANDONED)
            for ini in list(w.duties):
                w.duties.remove(ini)
                heirs = [c for c in self.workers if c is not w and not c.burnt_out]
                if heirs:
                    heir = heirs[int(self.rng.integers(len(heirs)))]
                    ini.lead = heir
                    heir.duties.append(ini)
                else:
                    ini.end(self, Stage.ABANDONED)
            for ini in list(w.helping):
                ini.helpers.remove(w)
                w.helping.remove(ini)
            w.new_person()

    # --------------------------------------------------------------- metrics
    @property
    def citizens(self) -> list:
        return self.population.agents

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
        return len(self.active)

    @property
    def initiatives_started(self) -> int:
        return self.started

    @property
    def initiatives_completed(self) -> int:
        return self.completed

    @property
    def initiatives_failed(self) -> int:
        return self.failed

    @property
    def initiatives_abandoned(self) -> int:
        return self.abandoned

    @property
    def participants(self) -> int:
        return self.population.participants

    @property
    def weak_share_participants(self) -> float:
        return self.joins_weak / self.joins_total if self.joins_total else 0.0

    @property
    def weak_share_population(self) -> float:
        return self.population.weak_count / self.population.n

    @property
    def inclusion_ratio(self) -> float:
        pop = self.weak_share_population
        return self.weak_share_participants / pop if pop > 0 else 0.0

    @property
    def weak_needs_addressed_share(self) -> float:
        return self.completed_weak_needs / self.completed if self.completed else 0.0

    @property
    def public_value(self) -> float:
        return self.value_total

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
        return self.decision_weeks_total / self.decisions if self.decisions else 0.0

    @property
    def dropout_rate(self) -> float:
        return self.dropouts_total / self.joins_total if self.joins_total else 0.0

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

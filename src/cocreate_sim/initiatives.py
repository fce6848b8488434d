"""Co-creation initiatives (samskabelsesinitiativer) and their life cycle.

An initiative is born citizen-driven (001: Loesning Lykkes, Mols i Udvikling),
municipality-initiated (a worker's idea), or as a Gentofte task committee
(004). It takes one of the forms on the ladder of co-creation (002), which
sets how many citizens and staff hours it asks for, how long it runs, whether
it leaves a physical facility behind, and what value it returns. It waits on
a decision path (:mod:`mechanisms.approval`), recruits and loses citizens
(:mod:`mechanisms.participation`), progresses on mobilised staff and citizen
resources, may need operations to accept it (:mod:`mechanisms.maintenance`),
and ends in success, failure or abandonment.

Progress per week: ``(s * staff + (1 - s) * citizens) / form.weeks`` with
``s = staff_share_of_progress``,
``staff = min(1, hours / form.staff_hours) * (b + (1 - b) * lead practice)``
(``b = staff_base_effect``) and
``citizens = min(1, n / form.citizens) * min(1, 2 * mean resources)``.
Breakdown hazard per week: ``risk_scale * form.risk * (1 + 2 (1 - p_lead)) * (1 + 2 steering
+ 2 (1 - staff))``: both over-steering and under-steering fail (002).
Value: ``value_scale * form.value * (q + (1 - q) * p_lead) * (1 + diversity_bonus [weak took part])``.

What citizens conclude when it ends (:mod:`mechanisms.governance`): members of
a success gain trust, and legitimacy if politicians decided it (the council's
step or a task committee); members of a failure lose trust, and legitimacy if
a decision step turned it down; word reaches their acquaintances.

Initiatives are created, linked to workers and citizens, and counted by
:class:`~cocreate_sim.registry.InitiativeRegistry`; this module only knows an
initiative's own life cycle and tells the registry what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from .mechanisms import approval, learning, maintenance, participation, zero_error

if TYPE_CHECKING:  # pragma: no cover
    from .agents.workers import Worker
    from .model import CoCreationModel


@dataclass(frozen=True)
class Form:
    """A rung on the ladder of co-creation (samskabelsesstigen, 002).

    The ladder's relative shape (which rung asks more citizens, hours and
    weeks, returns more value and risks more) is a design read from 002; its
    overall size is set by the behavioural constants ``value_scale`` and
    ``risk_scale`` (:mod:`cocreate_sim.constants_table`).
    """

    rung: int
    name: str
    label: str
    citizens: int
    staff_hours: float
    weeks: int
    value: float
    physical: float
    risk: float


LADDER = (
    Form(0, "co_production", "Empowerment and co-production of one's own service", 2, 2.0, 10, 1.0, 0.0, 0.004),
    Form(1, "volunteering", "Volunteers in co-production of welfare for others", 6, 3.0, 18, 2.0, 0.5, 0.005),
    Form(2, "e_panel", "Electronic citizen panels", 20, 2.0, 10, 1.2, 0.0, 0.004),
    Form(3, "crowdsourcing", "Crowdsourcing of proposals for new solutions", 15, 3.0, 16, 2.5, 0.3, 0.006),
    Form(4, "dialogue_meeting", "Dialogue meetings with politicians and civil servants", 12, 4.0, 20, 3.5, 0.3, 0.007),
    Form(5, "governance_network", "Governance networks with mutual learning", 10, 6.0, 34, 6.0, 0.5, 0.009),
)

CITIZEN_RUNG_WEIGHTS = (0.10, 0.30, 0.02, 0.10, 0.18, 0.30)
"""How often citizens' own ideas take each rung of :data:`LADDER` (design read from 001: volunteering and networks)."""
MASTERY_RUNGS = 5.0
"""Rungs a worker's practice spans: full mastery aims at the top rung (design)."""


class Origin(StrEnum):
    CITIZEN = "citizen_driven"
    MUNICIPALITY = "municipality_initiated"
    TASK_COMMITTEE = "task_committee"


class Stage(StrEnum):
    APPROVAL = "approval"
    RUNNING = "running"
    REALISING = "realising"
    COMPLETED = "completed"
    FAILED = "failed"
    ABANDONED = "abandoned"


ENDED = (Stage.COMPLETED, Stage.FAILED, Stage.ABANDONED)


class Initiative:
    """One co-creation initiative, from proposal to its end."""

    def __init__(
        self,
        uid: int,
        model: CoCreationModel,
        origin: Origin,
        form: Form,
        lead: Worker,
        needs_group: int,
        physical: bool,
        politicians: list | None = None,
    ) -> None:
        """Called by the registry only, which then links the initiative to people."""
        self.uid = uid
        self.origin = origin
        self.form = form
        self.lead = lead
        self.department = lead.department
        self.needs_group = needs_group
        self.physical = physical
        self.politicians = politicians or []
        self.helpers: list[Worker]  # the registry links helpers and participating citizens
        self.participants: list[int]
        self.target_citizens = model.p.task_committee_citizens if origin is Origin.TASK_COMMITTEE else form.citizens
        self.week_proposed = model.week
        self.week_decided: int | None = None
        self.week_ended: int | None = None
        self.progress = 0.0
        self.value = 0.0
        self.weeks_running = 0
        self.weeks_starved = 0
        self.refusals = 0
        self.weak_joined = 0
        self.joined_by_group = [0, 0, 0]
        self.joined = 0
        self.progressed = False
        self.council_decided = False
        self.turned_down = False
        if origin is Origin.TASK_COMMITTEE:
            self.steps = 0
            self.stage = Stage.RUNNING
            self.week_decided = model.week
        else:
            p = model.p
            self.steps = approval.steps_needed(model.k, p.decision_path_length, p.discretion, form.rung)
            self.stage = Stage.APPROVAL
        self.step_index = 0

    # ----------------------------------------------------------------- queries
    @property
    def active(self) -> bool:
        return self.stage not in ENDED

    @property
    def recruiting(self) -> bool:
        if self.stage is Stage.RUNNING:
            return True
        return self.stage is Stage.APPROVAL and self.origin is Origin.CITIZEN

    @property
    def running(self) -> bool:
        return self.stage is Stage.RUNNING

    @property
    def needs_staff(self) -> bool:
        return self.stage in (Stage.RUNNING, Stage.APPROVAL, Stage.REALISING)

    # ------------------------------------------------------------------ weekly
    def step(self, model: CoCreationModel) -> None:
        """Advance one week: decision path, recruitment, progress, retention, ending."""
        self.progressed = False
        if self.stage is Stage.APPROVAL:
            self._approval_step(model)
        if self.stage is Stage.RUNNING:
            self._progress_step(model)
        elif self.stage is Stage.REALISING:
            self._realising_step(model)
        if self.active and self.recruiting:
            model.population.recruit(self, model)
        if self.active:
            model.population.retain(self, model)
        if self.active and self.stage is Stage.RUNNING:
            self._check_starved(model)

    def _approval_step(self, model: CoCreationModel) -> None:
        p = model.p
        k = model.k
        rng = model.rng
        if rng.random() >= approval.step_done_chance(k, p.decision_delay_weeks, self.lead.champion):
            return
        council = approval.council_step(self.form.rung, self.step_index, self.steps)
        if council:
            yes = approval.council_yes(k, model.power_sharing_mean)
        else:
            yes = 1.0 - zero_error.step_rejection(k, model.zero_error_state, p.authority_logic)
        if rng.random() >= yes:
            model.registry.decided(self)
            self.turned_down = True
            self.end(model, Stage.FAILED, sanction=False)
            return
        self.council_decided = self.council_decided or council
        self.step_index += 1
        if self.step_index >= self.steps:
            model.registry.decided(self)
            self.stage = Stage.RUNNING

    def _progress_step(self, model: CoCreationModel) -> None:
        k = model.k
        self.weeks_running += 1
        lead = self.lead
        hours = lead.hours_for(self) if self.origin is not Origin.TASK_COMMITTEE else lead.duty_hours_for(self)
        hours += sum(h.hours_for(self) for h in self.helpers)
        base = k.staff_base_effect
        staff = min(1.0, hours / self.form.staff_hours) * (base + (1.0 - base) * lead.practice)
        n = len(self.participants)
        if n:
            pop = model.population
            res = float(pop.resources[pop.agent_of(self.participants)].mean())
            citizens = min(1.0, n / self.target_citizens) * min(1.0, 2.0 * res)
        else:
            citizens = 0.0
        share = k.staff_share_of_progress
        step = (share * staff + (1.0 - share) * citizens) / self.form.weeks
        self.progress += step
        self.progressed = step >= k.progressed_pace / self.form.weeks
        steering = lead.steering
        hazard = k.risk_scale * self.form.risk * (1 + 2 * (1 - lead.practice)) * (1 + 2 * steering + 2 * (1 - staff))
        if model.rng.random() < hazard:
            self.end(model, Stage.FAILED, sanction=True)
            return
        if self.progress >= 1.0:
            if self.physical:
                self.stage = Stage.REALISING
            else:
                self.end(model, Stage.COMPLETED)

    def _realising_step(self, model: CoCreationModel) -> None:
        p = model.p
        tie = self.lead.tied_to_operations
        accept = maintenance.operations_accepts(
            model.k, p.silo_strength, p.maintenance_pool, tie, p.top_management_focus
        )
        if model.rng.random() < accept:
            model.registry.new_facility()
            self.end(model, Stage.COMPLETED)
            return
        self.refusals += 1
        if self.refusals >= model.k.refusals_to_fail:
            self.end(model, Stage.FAILED, sanction=False)

    def _check_starved(self, model: CoCreationModel) -> None:
        k = model.k
        if self.weeks_running <= k.grace_weeks:
            return
        if len(self.participants) < max(1, k.min_participation * self.target_citizens):
            self.weeks_starved += 1
            if self.weeks_starved >= k.starved_weeks:
                self.end(model, Stage.ABANDONED)
        else:
            self.weeks_starved = 0

    # ------------------------------------------------------------------ ending
    def end(self, model: CoCreationModel, stage: Stage, sanction: bool = False) -> None:
        """Close the initiative: outcome, what people learn and conclude, release everyone."""
        if not self.active:
            return
        k = model.k
        self.stage = stage
        self.week_ended = model.week
        pop = model.population
        members = np.asarray(self.participants, dtype=np.int64)
        lead = self.lead
        decided_by_politicians = self.council_decided or self.origin is Origin.TASK_COMMITTEE
        if stage is Stage.COMPLETED:
            self.value = self._value(model)
            dm, dp = learning.success_lesson(k, lead.mindset, lead.practice)
            lead.mindset = min(1.0, lead.mindset + dm)
            lead.practice = min(1.0, lead.practice + dp)
            for helper in self.helpers:
                hm, hp = learning.success_lesson(k, helper.mindset, helper.practice)
                helper.mindset = min(1.0, helper.mindset + k.helper_lesson * hm)
                helper.practice = min(1.0, helper.practice + k.helper_lesson * hp)
            heard = k.legitimacy_heard * (1.0 if decided_by_politicians else 0.5)
            if len(members):
                pop.experienced(members, k.trust_success, heard)
                pop.spillover(
                    len(members), k.trust_spillover, k.trust_spillover if decided_by_politicians else 0.0, model
                )
            if decided_by_politicians:
                pop.publicity(model)
            self._address_needs(model)
            outcome = participation.AFTER_SUCCESS
        else:
            if len(members):
                pop.experienced(members, -k.trust_failure, -k.legitimacy_overruled if self.turned_down else 0.0)
                model.registry.disappointed(len(members))
            if sanction:
                model.registry.blamed_failure()
                de, dm = zero_error.sanction(k, model.p.zero_error_culture)
                lead.energy = max(0.0, lead.energy - de)
                lead.mindset = max(0.0, lead.mindset - dm)
            outcome = participation.AFTER_FAILURE
        model.registry.close(self, members, outcome)

    def _value(self, model: CoCreationModel) -> float:
        k = model.k
        quality = k.quality_base + (1.0 - k.quality_base) * self.lead.practice
        diversity = 1.0 + k.diversity_bonus * (self.weak_joined > 0)
        return k.value_scale * self.form.value * quality * diversity

    def _address_needs(self, model: CoCreationModel) -> None:
        """Whose needs the finished initiative addresses: set by who shaped it."""
        if self.needs_group == participation.WEAK:
            return
        if self.joined and self.weak_joined / self.joined >= model.weak_share_population:
            self.needs_group = participation.WEAK


def choose_form(rng: np.random.Generator, origin: Origin, practice: float, form_spread: float) -> Form:
    """Which rung an initiative takes: citizens aim high, workers as far as they master."""
    if origin is Origin.TASK_COMMITTEE:
        return LADDER[-1]
    if origin is Origin.CITIZEN:
        weights = np.array(CITIZEN_RUNG_WEIGHTS)
    else:
        rungs = np.arange(len(LADDER))
        weights = np.exp(-0.5 * ((rungs - MASTERY_RUNGS * practice) / form_spread) ** 2)
    return LADDER[int(rng.choice(len(LADDER), p=weights / weights.sum()))]

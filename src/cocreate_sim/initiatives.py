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

Progress per week: ``(0.5 * staff + 0.5 * citizens) / form.weeks`` with
``staff = min(1, hours / form.staff_hours) * (0.4 + 0.6 * lead practice)`` and
``citizens = min(1, n / form.citizens) * min(1, 2 * mean resources)``.
Breakdown hazard per week: ``form.risk * (1 + 2 (1 - p_lead)) * (1 + 2 steering
+ 2 (1 - staff))``: both over-steering and under-steering fail (002).

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
from .mechanisms import governance as gov

if TYPE_CHECKING:  # pragma: no cover
    from .agents.workers import Worker
    from .model import CoCreationModel


@dataclass(frozen=True)
class Form:
    """A rung on the ladder of co-creation (samskabelsesstigen, 002)."""

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

RECRUIT_CONTACTS = 3.0
"""Citizens contacted per missing participant per week (assumed)."""
MIN_PARTICIPATION = 0.4
"""Share of the form's citizens below which an initiative is starved (003: volunteers drift away; assumed)."""
STARVED_WEEKS = 6
"""Weeks in a row below :data:`MIN_PARTICIPATION` after which an initiative is abandoned (003, assumed length)."""
GRACE_WEEKS = 8
"""Weeks a running initiative has to recruit before starvation counts (assumed)."""
STAFF_BASE_EFFECT = 0.4
"""Share of full staff effect a novice lead gets from the hours given (assumed)."""
STAFF_PRACTICE_EFFECT = 0.6
"""Share of staff effect that grows with the lead's mastery of the work process (000, assumed size)."""
PROGRESSED_PACE = 0.4
"""Share of full weekly pace from which participants see progress and stay motivated (assumed)."""
HELPER_LESSON = 0.5
"""Helpers learn half of what the lead learns from a success (assumed)."""
QUALITY_BASE = 0.5
"""Share of a form's value a novice lead delivers (assumed)."""
QUALITY_PRACTICE = 0.5
"""Share of a form's value that grows with the lead's practice (assumed)."""
DIVERSITY_BONUS = 0.3
"""Extra value when weak-group citizens took part: needs the usual participants miss (000, assumed size)."""
CITIZEN_RUNG_WEIGHTS = (0.10, 0.30, 0.02, 0.10, 0.18, 0.30)
"""How often citizens' own ideas take each rung of :data:`LADDER` (001: volunteering and networks; assumed)."""
MASTERY_RUNGS = 5.0
"""Rungs a worker's practice spans: full mastery aims at the top rung (assumed)."""
FORM_SPREAD = 1.2
"""Spread, in rungs, of the forms a worker chooses around its mastery (assumed)."""
STAFF_SHARE_OF_PROGRESS = 0.5
"""Progress rests half on mobilised staff and half on mobilised citizens (assumed; 002: both resources)."""


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
        self.joined = 0
        self.progressed = False
        if origin is Origin.TASK_COMMITTEE:
            self.steps = 0
            self.stage = Stage.RUNNING
            self.week_decided = model.week
        else:
            p = model.p
            self.steps = approval.steps_needed(p.decision_path_length, p.discretion, form.rung)
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
        rng = model.rng
        if rng.random() >= approval.step_done_chance(p.decision_delay_weeks, self.lead.champion):
            return
        if approval.council_step(self.form.rung, self.step_index, self.steps):
            yes = approval.council_yes(model.power_sharing_mean)
        else:
            yes = 1.0 - zero_error.step_rejection(p.zero_error_culture, p.authority_logic)
        if rng.random() >= yes:
            model.registry.decided(self)
            self.end(model, Stage.FAILED, sanction=False)
            return
        self.step_index += 1
        if self.step_index >= self.steps:
            model.registry.decided(self)
            self.stage = Stage.RUNNING

    def _progress_step(self, model: CoCreationModel) -> None:
        self.weeks_running += 1
        lead = self.lead
        hours = lead.hours_for(self) if self.origin is not Origin.TASK_COMMITTEE else lead.duty_hours_for(self)
        hours += sum(h.hours_for(self) for h in self.helpers)
        staff = min(1.0, hours / self.form.staff_hours) * (STAFF_BASE_EFFECT + STAFF_PRACTICE_EFFECT * lead.practice)
        n = len(self.participants)
        if n:
            res = float(model.population.resources[self.participants].mean())
            citizens = min(1.0, n / self.target_citizens) * min(1.0, 2.0 * res)
        else:
            citizens = 0.0
        step = (STAFF_SHARE_OF_PROGRESS * staff + (1.0 - STAFF_SHARE_OF_PROGRESS) * citizens) / self.form.weeks
        self.progress += step
        self.progressed = step >= PROGRESSED_PACE / self.form.weeks
        steering = lead.steering
        hazard = self.form.risk * (1 + 2 * (1 - lead.practice)) * (1 + 2 * steering + 2 * (1 - staff))
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
        accept = maintenance.operations_accepts(p.silo_strength, p.maintenance_pool, tie, p.top_management_focus)
        if model.rng.random() < accept:
            model.registry.new_facility()
            self.end(model, Stage.COMPLETED)
            return
        self.refusals += 1
        if self.refusals >= maintenance.REFUSALS_TO_FAIL:
            self.end(model, Stage.FAILED, sanction=False)

    def _check_starved(self, model: CoCreationModel) -> None:
        if self.weeks_running <= GRACE_WEEKS:
            return
        if len(self.participants) < max(1, MIN_PARTICIPATION * self.target_citizens):
            self.weeks_starved += 1
            if self.weeks_starved >= STARVED_WEEKS:
                self.end(model, Stage.ABANDONED)
        else:
            self.weeks_starved = 0

    # ------------------------------------------------------------------ ending
    def end(self, model: CoCreationModel, stage: Stage, sanction: bool = False) -> None:
        """Close the initiative: outcome, trust, learning, release everyone."""
        if not self.active:
            return
        self.stage = stage
        self.week_ended = model.week
        pop = model.population
        members = np.asarray(self.participants, dtype=np.int64)
        lead = self.lead
        if stage is Stage.COMPLETED:
            self.value = self._value(model)
            dm, dp = learning.success_lesson(lead.mindset, lead.practice)
            lead.mindset += dm
            lead.practice += dp
            for helper in self.helpers:
                hm, hp = learning.success_lesson(helper.mindset, helper.practice)
                helper.mindset += HELPER_LESSON * hm
                helper.practice += HELPER_LESSON * hp
            if len(members):
                pop.trust[members] += gov.TRUST_SUCCESS * (1.0 - pop.trust[members])
                pop.spillover(members, gov.TRUST_SPILLOVER, model)
            self._address_needs(model)
        else:
            if len(members):
                pop.trust[members] -= gov.TRUST_FAILURE * pop.trust[members]
                model.registry.disappointed(len(members))
            if sanction:
                de, dm = zero_error.sanction(model.p.zero_error_culture)
                lead.energy = max(0.0, lead.energy - de)
                lead.mindset = max(0.0, lead.mindset - dm)
        model.registry.close(self, members)

    def _value(self, model: CoCreationModel) -> float:
        quality = QUALITY_BASE + QUALITY_PRACTICE * self.lead.practice
        diversity = 1.0 + DIVERSITY_BONUS * (self.weak_joined > 0)
        return self.form.value * quality * diversity

    def _address_needs(self, model: CoCreationModel) -> None:
        """Whose needs the finished initiative addresses: set by who shaped it."""
        if self.needs_group == participation.WEAK:
            return
        if self.joined and self.weak_joined / self.joined >= model.weak_share_population:
            self.needs_group = participation.WEAK


def choose_form(rng: np.random.Generator, origin: Origin, practice: float) -> Form:
    """Which rung an initiative takes: citizens aim high, workers as far as they master."""
    if origin is Origin.TASK_COMMITTEE:
        return LADDER[-1]
    if origin is Origin.CITIZEN:
        weights = np.array(CITIZEN_RUNG_WEIGHTS)
    else:
        rungs = np.arange(len(LADDER))
        weights = np.exp(-0.5 * ((rungs - MASTERY_RUNGS * practice) / FORM_SPREAD) ** 2)
    return LADDER[int(rng.choice(len(LADDER), p=weights / weights.sum()))]

"""Frontline workers (frontmedarbejdere): the people who must make the shift.

Each week a worker learns from last week's trial and this week's dialogue
(:mod:`mechanisms.learning`, :mod:`mechanisms.dialogue`), spends or recovers
energy (:mod:`mechanisms.energy`), decides how much of the week to spend
co-creating (:mod:`mechanisms.time_allocation`), and may propose an
initiative. Front figures (frontfigurer, 003) start further along, with more
drive, a less steering style and political nose; initiatives they carry are
abandoned when they leave unless a leader picks them up.

Which initiatives a worker leads, helps or facilitates is linked by the
model's :class:`~cocreate_sim.registry.InitiativeRegistry`; a worker asks it
to open an initiative or to join one as a helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import dialogue, energy, learning, participation, time_allocation, zero_error
from ..mechanisms.measurement import inclusion_focus

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel, Department
    from ..params import Params

HOURS = 37.0
"""Working hours in a week (the Danish 37-hour week; assumed)."""
MAX_LED = 2
"""Initiatives an ordinary worker carries at once (assumed)."""
MAX_LED_CHAMPION = 4
"""Initiatives a front figure carries at once (003: front figures carry more; assumed number)."""
PROPOSE = 0.15
"""Weekly chance that a willing worker with room for more starts an initiative (assumed)."""
FURTHER_PROPOSE = 0.3
"""Factor on that chance for a worker who already leads an initiative (assumed)."""
MANDATE_DRIVE = 0.5
"""Drive to propose that a full practice mandate gives without the worker's own willingness (000, assumed size)."""
HELP_MIN = 0.04
"""Chosen co-creation share from which a worker will help a colleague's initiative (assumed)."""
MAX_HELPERS = 2
"""Colleagues who may help one initiative (assumed)."""
KNOWLEDGE_CONTACT = 0.02
"""Weekly gain in knowledge of weak groups' needs from full contact with them (000, assumed size)."""
KNOWLEDGE_FOCUS = 0.004
"""Weekly gain in that knowledge from an inclusion focus while trying co-creation (003, assumed size)."""
CHAMPION_MINDSET = (0.45, 0.75)
"""Uniform range of a front figure's initial mindset (003: front figures start further along; assumed)."""
CHAMPION_PRACTICE = (0.35, 0.65)
"""Uniform range of a front figure's initial practice (003; assumed)."""
MINDSET_BETA = (2.0, 9.0)
"""Beta(a, b) of an ordinary worker's initial mindset, mean 0.18 (000: the shift has barely begun; assumed)."""
PRACTICE_BETA = (1.5, 12.0)
"""Beta(a, b) of an ordinary worker's initial practice, mean 0.11 (000; assumed)."""
ENERGY_START = (0.7, 1.0)
"""Uniform range of a new worker's energy (assumed)."""
WEAK_KNOWLEDGE_BETA = (1.5, 8.0)
"""Beta(a, b) of a new worker's knowledge of weak groups' needs, mean 0.16 (000; assumed)."""
DUTY_SHARE = 0.7
"""Share of a form's staff hours a task-committee facilitator gives as a duty (004; assumed)."""
REST_OPERATIONS_SHARE = 0.5
"""A burnt-out worker does operations at half pace and no co-creation (assumed)."""
MAX_COCREATION_SHARE = 0.8
"""Most of a week's hours a worker spends co-creating, chosen and ordered together (assumed)."""


class Worker(mesa.Agent):
    """A frontline worker in a department."""

    def __init__(self, model: CoCreationModel, department: Department) -> None:
        super().__init__(model)
        self.department = department
        self.colleagues: list[Worker] = []
        self.led: list[Initiative]  # linked by the registry: initiatives led, helped, facilitated
        self.helping: list[Initiative]
        self.duties: list[Initiative]
        model.registry.enrol(self)
        self.new_person()

    def new_person(self) -> None:
        """Initial state of whoever holds this post (also after turnover)."""
        rng = self.model.rng
        self.champion = bool(rng.random() < self.model.p.champion_share)
        if self.champion:
            self.mindset = float(rng.uniform(*CHAMPION_MINDSET))
            self.practice = float(rng.uniform(*CHAMPION_PRACTICE))
        else:
            self.mindset = float(rng.beta(*MINDSET_BETA))
            self.practice = float(rng.beta(*PRACTICE_BETA))
        self.energy = float(rng.uniform(*ENERGY_START))
        self.weak_knowledge = float(rng.beta(*WEAK_KNOWLEDGE_BETA))
        self.burnt_out = False
        self.had_dialogue = False
        self.weeks_since_dialogue = 0
        self.last_trial = 0.0
        self.share_voluntary = 0.0
        self.share_mandated = 0.0
        self.hours_cocreation = 0.0
        self.hours_operations = HOURS
        self.practising = False
        self.willingness = 0.0

    # ------------------------------------------------------------ properties
    @property
    def leader(self):
        return self.department.leader

    @property
    def steering(self) -> float:
        return participation.steering_style(self.model.p.authority_logic, self.mindset, self.champion)

    @property
    def tied_to_operations(self) -> bool:
        if self.department.is_operations:
            return True
        return any(c.department.is_operations for c in self.colleagues)

    @property
    def shift(self) -> float:
        """How far this worker's shift has come (0-1), for pictures."""
        return 0.5 * (self.mindset + self.practice)

    @property
    def engaged_in(self) -> list[Initiative]:
        """Initiatives this worker leads or helps that need staff time now."""
        return [i for i in self.led + self.helping if i.needs_staff]

    def hours_for(self, initiative: Initiative) -> float:
        """Staff hours this worker gives one of the initiatives it leads or helps this week."""
        working = self.engaged_in
        if not working or self.burnt_out:
            return 0.0
        free = max(0.0, self.hours_cocreation - self.duty_hours())
        return free / len(working)

    def duty_hours_for(self, initiative: Initiative) -> float:
        return 0.0 if self.burnt_out else initiative.form.staff_hours * DUTY_SHARE

    def duty_hours(self) -> float:
        return sum(self.duty_hours_for(i) for i in self.duties)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        model = self.model
        p = model.p
        if not self.had_dialogue:
            self.weeks_since_dialogue += 1
        if self.burnt_out:
            self.energy += energy.BURNT_OUT_RECOVERY
            if self.energy >= energy.RECOVERED:
                self.burnt_out = False
            self._rest()
            return
        self._learn(p)
        self._spend_energy(p)
        if self.burnt_out:
            self._rest()
            return
        self._decide(p)

    def _offer_help(self) -> None:
        """Join a colleague's running initiative: trying alongside someone who can (000, 003)."""
        open_ones = [
            i
            for c in self.colleagues
            for i in c.led
            if i.running and len(i.helpers) < MAX_HELPERS and self not in i.helpers
        ]
        if open_ones:
            ini = open_ones[int(self.model.rng.integers(len(open_ones)))]
            self.model.registry.add_helper(ini, self)

    def _rest(self) -> None:
        self.share_voluntary = self.share_mandated = 0.0
        self.hours_cocreation = 0.0
        self.hours_operations = REST_OPERATIONS_SHARE * HOURS
        self.practising = False
        self.last_trial = 0.0
        self.had_dialogue = False
        self.willingness = 0.0

    def _learn(self, p: Params) -> None:
        talk = dialogue.training_talk(p.mindset_training)
        if self.had_dialogue:
            talk += dialogue.mindset_talk(self.practice)
        peers = self.colleagues
        peer_practice = sum(c.practice for c in peers) / len(peers) if peers else 0.0
        dp = learning.practice_change(
            self.practice, self.mindset, self.last_trial, dialogue.reflection(self.had_dialogue)
        )
        dm = learning.mindset_change(self.mindset, self.practice, talk, peer_practice)
        self.practice = min(1.0, max(0.0, self.practice + dp))
        self.mindset = min(1.0, max(0.0, self.mindset + dm))
        focus = inclusion_focus(p.measure_inclusion, p.outreach_weak_groups)
        contact = self._weak_contact()
        dk = KNOWLEDGE_CONTACT * contact + KNOWLEDGE_FOCUS * focus * self.last_trial
        self.weak_knowledge = min(1.0, self.weak_knowledge + dk * (1.0 - self.weak_knowledge))

    def _weak_contact(self) -> float:
        mine = self.led + self.helping
        joined = sum(i.joined for i in mine)
        if not joined:
            return 0.0
        return sum(i.weak_joined for i in mine) / joined

    def _spend_energy(self, p: Params) -> None:
        de = energy.energy_change(
            self.energy, self.practice, self.last_trial, p.budget_pressure, self.department.overload
        )
        if self.had_dialogue:
            de += dialogue.ENERGY_SUPPORT
        self.energy = min(1.0, max(0.0, self.energy + de))
        if self.energy < energy.BURNOUT:
            self.burnt_out = True

    def _decide(self, p: Params) -> None:
        model = self.model
        leader = self.leader
        risk = zero_error.perceived_risk(p.zero_error_culture, self.practice)
        pull = time_allocation.felt_pull(leader.pull, p.capacity_set_aside)
        w = time_allocation.willingness(
            self.mindset, self.practice, self.champion, p.discretion, leader.support, risk, pull
        )
        self.willingness = w
        self.share_voluntary = time_allocation.chosen_share(w, self.champion)
        self.share_mandated = time_allocation.mandated_share(p.practice_mandate)
        pushed = max(self.share_mandated, dialogue.challenge_share(self.had_dialogue))
        self.had_dialogue = False
        wants = self.share_voluntary >= time_allocation.PRACTISING
        cap = MAX_LED_CHAMPION if self.champion else MAX_LED
        if (wants or pushed > 0) and len(self.led) < cap:
            chance = PROPOSE * (1.0 if not self.led else FURTHER_PROPOSE)
            drive = max(w, self.share_mandated / time_allocation.MANDATE_SHARE * MANDATE_DRIVE)
            if model.rng.random() < chance * min(1.0, 2.0 * drive):
                model.registry.open_worker_initiative(self)
        if not self.engaged_in and (self.share_voluntary >= HELP_MIN or pushed > 0):
            self._offer_help()
        engaged = bool(self.engaged_in)
        duty = self.duty_hours()
        share = min(MAX_COCREATION_SHARE, self.share_voluntary + pushed) if engaged else 0.0
        self.hours_cocreation = share * HOURS + duty
        self.hours_operations = HOURS - self.hours_cocreation
        self.practising = wants and engaged
        h_max = time_allocation.H_MAX_CHAMPION if self.champion else time_allocation.H_MAX
        self.last_trial = min(1.0, (self.hours_cocreation / HOURS) / h_max)

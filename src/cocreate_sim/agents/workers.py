"""Frontline workers (frontmedarbejdere): the people who must make the shift.

Each week a worker learns from last week's trial and this week's dialogue
(:mod:`mechanisms.learning`, :mod:`mechanisms.dialogue`), spends or recovers
energy (:mod:`mechanisms.energy`), decides how much of the week to spend
co-creating (:mod:`mechanisms.time_allocation`), and may propose an
initiative. Front figures (frontfigurer, 003) start further along, with more
drive, a less steering style and political nose; initiatives they carry are
abandoned when they leave unless a leader picks them up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import dialogue, energy, learning, participation, time_allocation, zero_error
from ..mechanisms.measurement import inclusion_focus

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel, Department

HOURS = 37.0
"""Working hours in a week."""
MAX_LED = 2
MAX_LED_CHAMPION = 4
PROPOSE = 0.15
"""Weekly chance that a willing worker with room for more starts an initiative."""
HELP_MIN = 0.04
"""Chosen co-creation share from which a worker will help a colleague's initiative."""
MAX_HELPERS = 2
KNOWLEDGE_CONTACT = 0.02
KNOWLEDGE_FOCUS = 0.004


class Worker(mesa.Agent):
    """A frontline worker in a department."""

    def __init__(self, model: CoCreationModel, department: Department) -> None:
        super().__init__(model)
        self.department = department
        self.colleagues: list[Worker] = []
        self.led: list[Initiative] = []
        self.helping: list[Initiative] = []
        self.duties: list[Initiative] = []
        self.new_person()

    def new_person(self) -> None:
        """Initial state of whoever holds this post (also after turnover)."""
        rng = self.model.rng
        self.champion = bool(rng.random() < self.model.p["champion_share"])
        if self.champion:
            self.mindset = float(rng.uniform(0.45, 0.75))
            self.practice = float(rng.uniform(0.35, 0.65))
        else:
            self.mindset = float(rng.beta(2.0, 9.0))
            self.practice = float(rng.beta(1.5, 12.0))
        self.energy = float(rng.uniform(0.7, 1.0))
        self.weak_knowledge = float(rng.beta(1.5, 8.0))
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
        return participation.steering_style(self.model.p["authority_logic"], self.mindset, self.champion)

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
        return 0.0 if self.burnt_out else initiative.form.staff_hours * 0.7

    def duty_hours(self) -> float:
        return sum(self.duty_hours_for(i) for i in self.duties)

    def release(self, initiative: Initiative) -> None:
        if initiative in self.led:
            self.led.remove(initiative)
        if initiative in self.helping:
            self.helping.remove(initiative)
        if initiative in self.duties:
            self.duties.remove(initiative)

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
        from ..initiatives import Stage

        open_ones = [
            i
            for c in self.colleagues
            for i in c.led
            if i.stage is Stage.RUNNING and len(i.helpers) < MAX_HELPERS and self not in i.helpers
        ]
        if open_ones:
            ini = open_ones[int(self.model.rng.integers(len(open_ones)))]
            ini.helpers.append(self)
            self.helping.append(ini)

    def _rest(self) -> None:
        self.share_voluntary = self.share_mandated = 0.0
        self.hours_cocreation = 0.0
        self.hours_operations = 0.5 * HOURS
        self.practising = False
        self.last_trial = 0.0
        self.had_dialogue = False
        self.willingness = 0.0

    def _learn(self, p: dict) -> None:
        talk = dialogue.training_talk(p["mindset_training"])
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
        focus = inclusion_focus(p["measure_inclusion"], p["outreach_weak_groups"])
        contact = self._weak_contact()
        dk = KNOWLEDGE_CONTACT * contact + KNOWLEDGE_FOCUS * focus * self.last_trial
        self.weak_knowledge = min(1.0, self.weak_knowledge + dk * (1.0 - self.weak_knowledge))

    def _weak_contact(self) -> float:
        mine = self.led + self.helping
        joined = sum(i.joined for i in mine)
        if not joined:
            return 0.0
        return sum(i.weak_joined for i in mine) / joined

    def _spend_energy(self, p: dict) -> None:
        de = energy.energy_change(
            self.energy, self.practice, self.last_trial, p["budget_pressure"], self.department.overload
        )
        if self.had_dialogue:
            de += dialogue.ENERGY_SUPPORT
        self.energy = min(1.0, max(0.0, self.energy + de))
        if self.energy < energy.BURNOUT:
            self.burnt_out = True

    def _decide(self, p: dict) -> None:
        model = self.model
        leader = self.leader
        risk = zero_error.perceived_risk(p["zero_error_culture"], self.practice)
        pull = time_allocation.felt_pull(leader.pull, p["capacity_set_aside"])
        w = time_allocation.willingness(
            self.mindset, self.practice, self.champion, p["discretion"], leader.support, risk, pull
        )
        self.willingness = w
        self.share_voluntary = time_allocation.chosen_share(w, self.champion)
        self.share_mandated = time_allocation.mandated_share(p["practice_mandate"])
        pushed = max(self.share_mandated, dialogue.challenge_share(self.had_dialogue))
        self.had_dialogue = False
        wants = self.share_voluntary >= time_allocation.PRACTISING
        cap = MAX_LED_CHAMPION if self.champion else MAX_LED
        if (wants or pushed > 0) and len(self.led) < cap:
            chance = PROPOSE * (1.0 if not self.led else 0.3)
            drive = max(w, self.share_mandated / time_allocation.MANDATE_SHARE * 0.5)
            if model.rng.random() < chance * min(1.0, 2.0 * drive):
                model.propose_by_worker(self)
        if not self.engaged_in and (self.share_voluntary >= HELP_MIN or pushed > 0):
            self._offer_help()
        engaged = bool(self.engaged_in)
        duty = self.duty_hours()
        share = min(0.8, self.share_voluntary + pushed) if engaged else 0.0
        self.hours_cocreation = share * HOURS + duty
        self.hours_operations = HOURS - self.hours_cocreation
        self.practising = wants and engaged
        h_max = time_allocation.H_MAX_CHAMPION if self.champion else time_allocation.H_MAX
        self.last_trial = min(1.0, (self.hours_cocreation / HOURS) / h_max)

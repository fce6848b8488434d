"""Frontline workers (frontmedarbejdere): the people who must make the shift.

Each week a worker learns from last week's trial and this week's dialogue
(:mod:`mechanisms.learning`, :mod:`mechanisms.dialogue`), spends or recovers
energy (:mod:`mechanisms.energy`, the strain loop), decides how much of the
week to spend co-creating (:mod:`mechanisms.time_allocation`), gives some of
it to outreach (:mod:`mechanisms.outreach`) and may propose an initiative.
Front figures (frontfigurer, 003_2ba0a2bc3f04f1f8.txt) start further along,
with more drive, a less steering style and political nose; they carry more,
and a strained front figure whose leader does not back it becomes decoupled:
colleagues stop learning from its example.

Which initiatives a worker leads, helps or facilitates is linked by the
model's :class:`~cocreate_sim.registry.InitiativeRegistry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import dialogue, energy, learning, outreach, participation, time_allocation, zero_error
from ..mechanisms.measurement import outreach_effort

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel, Department
    from ..params import Params

CHAMPION_HALF_RANGE = 0.15
"""Half-width of the uniform ranges of a front figure's initial mindset and practice (design)."""
MINDSET_BETA_SUM = 11.0
"""a + b of the beta distribution of an ordinary worker's initial mindset (design: its spread)."""
PRACTICE_BETA_SUM = 13.5
"""a + b of the beta distribution of an ordinary worker's initial practice (design)."""
KNOWLEDGE_BETA_SUM = 9.5
"""a + b of the beta distribution of initial knowledge of weak groups' needs (design)."""
ENERGY_START = (0.7, 1.0)
"""Uniform range of a new worker's energy (design: people start rested)."""


def _beta(rng, mean: float, total: float) -> float:
    return float(rng.beta(mean * total, (1.0 - mean) * total))


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
        model = self.model
        rng = model.rng
        k = model.k
        self.champion = bool(rng.random() < model.p.champion_share)
        if self.champion:
            self.mindset = float(rng.uniform(-1, 1)) * CHAMPION_HALF_RANGE + k.champion_mindset_mean
            self.practice = float(rng.uniform(-1, 1)) * CHAMPION_HALF_RANGE + k.champion_practice_mean
        else:
            self.mindset = _beta(rng, k.mindset_mean_start, MINDSET_BETA_SUM)
            self.practice = _beta(rng, k.practice_mean_start, PRACTICE_BETA_SUM)
        self.start_mindset = self.mindset
        """The mindset this person came with: the old logics' pull wears back only what was gained since."""
        self.energy = float(rng.uniform(*ENERGY_START))
        spread = k.workload_spread
        self.workload = float(rng.gamma(1.0 / spread**2, spread**2))
        self.weak_knowledge = _beta(rng, k.knowledge_mean_start, KNOWLEDGE_BETA_SUM)
        self.weak_relations = 0.0
        self.network: list[int] = []
        """Inhabitants (person ids) who took part in initiatives this worker led, most recent last."""
        self.burnt_out = False
        self.decoupled = False
        self.had_dialogue = False
        self.weeks_since_dialogue = 0
        self.last_trial = 0.0
        self.share_voluntary = 0.0
        self.share_mandated = 0.0
        self.hours_cocreation = 0.0
        self.hours_outreach = 0.0
        self.hours_operations = k.hours_per_week
        self.practising = False
        self.willingness = 0.0

    # ------------------------------------------------------------ properties
    @property
    def leader(self):
        return self.department.leader

    @property
    def strained(self) -> bool:
        return energy.strained(self.model.k, self.energy)

    @property
    def steering(self) -> float:
        return participation.steering_style(self.model.k, self.model.p.authority_logic, self.mindset, self.champion)

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
        free = max(0.0, self.hours_cocreation - self.duty_hours() - self.hours_outreach)
        return free / len(working)

    def duty_hours_for(self, initiative: Initiative) -> float:
        return 0.0 if self.burnt_out else initiative.form.staff_hours * self.model.k.duty_share

    def duty_hours(self) -> float:
        return sum(self.duty_hours_for(i) for i in self.duties)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        model = self.model
        p = model.p
        k = model.k
        if not self.had_dialogue:
            self.weeks_since_dialogue += 1
        if self.burnt_out:
            self.energy = min(1.0, self.energy + k.burnt_out_recovery)
            if self.energy >= k.recovered_level:
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
        k = self.model.k
        open_ones = [
            i
            for c in self.colleagues
            for i in c.led
            if i.running and len(i.helpers) < k.max_helpers and self not in i.helpers
        ]
        if open_ones:
            ini = open_ones[int(self.model.rng.integers(len(open_ones)))]
            self.model.registry.add_helper(ini, self)

    def _rest(self) -> None:
        k = self.model.k
        self.share_voluntary = self.share_mandated = 0.0
        self.hours_cocreation = 0.0
        self.hours_outreach = 0.0
        self.hours_operations = k.rest_operations_share * k.hours_per_week
        self.practising = False
        self.last_trial = 0.0
        self.had_dialogue = False
        self.willingness = 0.0

    def _learn(self, p: Params) -> None:
        k = self.model.k
        talk = dialogue.training_talk(k, p.mindset_training)
        if self.had_dialogue:
            talk += dialogue.mindset_talk(k, self.practice)
        peers = [c for c in self.colleagues if not c.decoupled]
        peer_practice = sum(c.practice for c in peers) / len(peers) if peers else 0.0
        dp = learning.practice_change(
            k, self.practice, self.mindset, self.last_trial, dialogue.reflection(k, self.had_dialogue)
        )
        pull = time_allocation.felt_pull(k, self.leader.pull, p.capacity_set_aside)
        dm = learning.mindset_change(k, self.mindset, self.practice, talk, peer_practice, pull, self.start_mindset)
        self.practice = min(1.0, max(0.0, self.practice + dp))
        self.mindset = min(1.0, max(0.0, self.mindset + dm))
        focus = p.measure_inclusion
        dk = outreach.knowledge_change(
            k, self.weak_knowledge, self._weak_contact(), self.hours_outreach, focus, self.last_trial
        )
        self.weak_knowledge = min(1.0, self.weak_knowledge + dk)
        dr = outreach.relations_change(k, self.weak_relations, self.hours_outreach)
        self.weak_relations = min(1.0, max(0.0, self.weak_relations + dr))

    def _weak_contact(self) -> float:
        mine = self.led + self.helping
        joined = sum(i.joined for i in mine)
        if not joined:
            return 0.0
        return sum(i.weak_joined for i in mine) / joined

    def _spend_energy(self, p: Params) -> None:
        k = self.model.k
        leader = self.leader
        de = energy.energy_change(
            k,
            self.energy,
            self.practice,
            self.last_trial,
            p.budget_pressure,
            self.department.overload,
            self.workload,
            leader.support,
            unfunded=max(0.0, self.hours_cocreation / self.model.k.hours_per_week - p.capacity_set_aside),
            behind=self.department.backlog_pressure,
        )
        if self.had_dialogue:
            de += k.dialogue_energy
        self.energy = min(1.0, max(0.0, self.energy + de))
        if self.energy < k.burnout_level:
            self.burnt_out = True
        self.decoupled = self.champion and self.strained and leader.support < k.decoupling_support

    def _decide(self, p: Params) -> None:
        model = self.model
        k = model.k
        leader = self.leader
        risk = zero_error.perceived_risk(model.zero_error_state, self.practice)
        pull = time_allocation.felt_pull(k, leader.pull, p.capacity_set_aside)
        w = time_allocation.willingness(
            k, self.mindset, self.practice, self.champion, p.discretion, leader.support, risk, pull
        )
        self.willingness = w
        self.share_voluntary = time_allocation.chosen_share(k, w, self.champion)
        self.share_mandated = time_allocation.mandated_share(p.practice_mandate)
        pushed = max(self.share_mandated, dialogue.challenge_share(k, self.had_dialogue))
        self.had_dialogue = False
        wants = self.share_voluntary >= time_allocation.PRACTISING
        cap = k.max_led_champion if self.champion else k.max_led
        if (wants or pushed > 0) and len(self.led) < cap:
            chance = k.propose * (1.0 if not self.led else k.further_propose)
            drive = max(w, self.share_mandated / time_allocation.MANDATE_SHARE * k.mandate_drive)
            if model.rng.random() < chance * min(1.0, 2.0 * drive):
                model.registry.open_worker_initiative(self)
        if not self.engaged_in and (self.share_voluntary >= k.help_min or pushed > 0):
            self._offer_help()
        engaged = bool(self.engaged_in)
        duty = self.duty_hours()
        hours = k.hours_per_week
        share = min(k.max_cocreation_share, self.share_voluntary + pushed) if engaged else 0.0
        effort = outreach_effort(k, p.measure_inclusion, p.outreach_weak_groups)
        self.hours_outreach = min(share * hours, outreach.hours(k, effort, engaged))
        self.hours_cocreation = share * hours + duty
        self.hours_operations = hours - self.hours_cocreation
        self.practising = wants and engaged
        h_max = k.h_max_champion if self.champion else k.h_max
        self.last_trial = min(1.0, (self.hours_cocreation / hours) / h_max)

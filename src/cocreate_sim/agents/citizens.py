"""Citizens (borgere) of unequal resources.

Every citizen is a Mesa agent with its own state (resource group, resources,
ties, trust, current initiative, motivation); the state lives in numpy arrays
held by :class:`CitizenPopulation`, and each citizen's weekly decisions (to
propose an initiative, to join when contacted, to stay or leave) are taken
for all citizens at once, with the arithmetic of
:mod:`mechanisms.participation`. This keeps 100,000 citizens affordable
while each remains an agent one can inspect (``model.citizens[i].trust``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..initiatives import RECRUIT_CONTACTS, Origin, Stage
from ..mechanisms import governance as gov
from ..mechanisms import participation as part
from ..params import WEEKS_PER_YEAR

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel

GROUP_NAMES = ("weak", "middle", "strong")
RESOURCE_BETA = ((2.0, 6.0), (4.0, 4.0), (6.0, 2.0))
"""Beta(a, b) of resources in each group: means 0.25, 0.5, 0.75 (001: unequal resources; assumed shape)."""
TRUST_BASELINE = 0.5
"""Trust in the municipality that citizens start around and drift back to (assumed)."""
TRUST_SPREAD = 0.1
"""Standard deviation of citizens' initial trust (assumed)."""
TIES_PER_RESOURCE = 8.0
"""Social ties a citizen of full resources has beyond the one everybody has (001, assumed size)."""
TIES_EXPONENT = 1.5
"""Ties rise faster than resources: the resource-strong are the usual networks (003, assumed shape)."""
PER_THOUSAND = 1000.0
"""``citizen_initiative_rate`` counts proposals per 1,000 citizens."""
CHAMPION_REACH = 1.5
"""A front figure contacts one and a half times as many citizens when recruiting (003, assumed size)."""
MOTIVATION_BASE = 0.3
"""Motivation of a joining citizen of no resources (assumed)."""
MOTIVATION_RESOURCES = 0.7
"""Motivation a joining citizen gains from full resources (001, assumed size)."""
SPILLOVER_CONTACTS = 5
"""Acquaintances word of a success reaches, per member (assumed)."""
VISIBILITY_CACHE = 8
"""Recruitment visibilities kept for reuse (one per network-design and outreach setting); a speed-up only."""
INITIATIVE_APPETITE = 2.0
"""Exponent on resources in who proposes an initiative (the resource-strong and self-driving, 001)."""
TASK_COMMITTEE_DESIGN = 0.8
"""Network design a task committee always has: broad advertisement, competence profiles (004)."""


class Citizen(mesa.Agent):
    """One citizen; a view onto row ``index`` of the population's arrays."""

    def __init__(self, model: CoCreationModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def group(self) -> str:
        return GROUP_NAMES[int(self.model.population.group[self.index])]

    @property
    def resources(self) -> float:
        return float(self.model.population.resources[self.index])

    @property
    def trust(self) -> float:
        return float(self.model.population.trust[self.index])

    @property
    def initiative(self) -> int:
        """Uid of the initiative this citizen takes part in now, or -1."""
        return int(self.model.population.initiative[self.index])


class CitizenPopulation:
    """The arrays behind all citizens, and their batched weekly decisions."""

    def __init__(self, model: CoCreationModel) -> None:
        p = model.p
        rng = model.rng
        self.registry = model.registry
        n = p.n_citizens
        n_weak = int(round(p.weak_share * n))
        n_strong = int(round(p.strong_share * n))
        group = np.full(n, part.MIDDLE, dtype=np.int8)
        group[:n_weak] = part.WEAK
        group[n_weak : n_weak + n_strong] = part.STRONG
        rng.shuffle(group)
        self.n = n
        self.group = group
        self.resources = np.empty(n)
        for g, (a, b) in enumerate(RESOURCE_BETA):
            mask = group == g
            self.resources[mask] = rng.beta(a, b, int(mask.sum()))
        self.ties = rng.poisson(1.0 + TIES_PER_RESOURCE * self.resources**TIES_EXPONENT).astype(np.float64)
        self.trust = np.clip(rng.normal(TRUST_BASELINE, TRUST_SPREAD, n), 0.0, 1.0)
        self.initiative = np.full(n, -1, dtype=np.int64)
        self.motivation = np.zeros(n)
        self.weak_count = n_weak
        self._vis_cache: dict[tuple[float, float], np.ndarray] = {}
        self.agents = [Citizen(model, i) for i in range(n)]

    # ------------------------------------------------------------- weekly
    def step(self, model: CoCreationModel) -> None:
        """Trust drifts to its baseline; some citizens propose initiatives."""
        self.trust += gov.TRUST_DRIFT * (TRUST_BASELINE - self.trust)
        rate = model.p.citizen_initiative_rate * self.n / PER_THOUSAND / WEEKS_PER_YEAR
        expected = rate * float(self.trust.mean()) / TRUST_BASELINE
        k = int(model.rng.poisson(expected))
        if not k:
            return
        free = self.initiative < 0
        weights = np.where(free, self.resources**INITIATIVE_APPETITE * self.trust, 0.0)
        total = weights.sum()
        if total <= 0:
            return
        chosen = np.unique(_weighted_draw(model.rng, weights, k))
        for idx in chosen:
            model.registry.open_citizen_initiative(int(idx))

    def recruit(self, initiative: Initiative, model: CoCreationModel) -> None:
        """Contact citizens and let those who wish join, up to the form's size."""
        missing = initiative.target_citizens - len(initiative.participants)
        if missing <= 0:
            return
        p = model.p
        design = p.network_design
        if initiative.origin is Origin.TASK_COMMITTEE:
            design = max(design, TASK_COMMITTEE_DESIGN)
        cum = self._visibility_cumsum(design, p.outreach_weak_groups)
        contacts = int(np.ceil(RECRUIT_CONTACTS * missing * (CHAMPION_REACH if initiative.lead.champion else 1.0)))
        cand = np.unique(np.searchsorted(cum, model.rng.random(contacts) * cum[-1], side="right"))
        cand = cand[cand < self.n]
        cand = cand[self.initiative[cand] < 0]
        if not len(cand):
            return
        prob = part.join_probability(
            self.resources[cand], self.trust[cand], self.group[cand], initiative.form.rung, p.outreach_weak_groups
        )
        joiners = cand[model.rng.random(len(cand)) < prob][:missing]
        for idx in joiners:
            self.join(int(idx), initiative)

    def join(self, idx: int, initiative: Initiative) -> None:
        """Citizen ``idx`` joins ``initiative``; the registry records the link."""
        self.initiative[idx] = initiative.uid
        self.motivation[idx] = MOTIVATION_BASE + MOTIVATION_RESOURCES * self.resources[idx]
        self.registry.join(initiative, idx, bool(self.group[idx] == part.WEAK))

    def retain(self, initiative: Initiative, model: CoCreationModel) -> None:
        """Participants' motivation moves; those who give up leave."""
        if not initiative.participants:
            return
        members = np.asarray(initiative.participants, dtype=np.int64)
        lead = initiative.lead
        dm = part.motivation_change(
            self.resources[members],
            self.group[members],
            waiting=initiative.stage is Stage.APPROVAL,
            steering=lead.steering,
            weak_knowledge=lead.weak_knowledge,
            progressed=initiative.progressed,
        )
        self.motivation[members] = np.minimum(1.0, self.motivation[members] + dm)
        leave = (self.motivation[members] <= 0.0) | (model.rng.random(len(members)) < model.p.volunteer_attrition)
        if not leave.any():
            return
        leavers = members[leave]
        self.trust[leavers] -= gov.TRUST_DROPOUT * self.trust[leavers]
        self.release(leavers)
        model.registry.keep_participants(initiative, [int(i) for i in members[~leave]], len(leavers))

    def release(self, members: np.ndarray) -> None:
        if len(members):
            self.initiative[members] = -1
            self.motivation[members] = 0.0

    def spillover(self, members: np.ndarray, amount: float, model: CoCreationModel) -> None:
        """Word of a success reaches the members' acquaintances."""
        k = int(len(members) * SPILLOVER_CONTACTS)
        if k:
            reached = model.rng.integers(0, self.n, k)
            self.trust[reached] += amount * (1.0 - self.trust[reached])

    # ------------------------------------------------------------- helpers
    def _visibility_cumsum(self, design: float, outreach: float) -> np.ndarray:
        key = (design, outreach)
        cum = self._vis_cache.get(key)
        if cum is None:
            vis = part.visibility(self.ties, self.group, design, outreach)
            cum = np.cumsum(vis)
            if len(self._vis_cache) > VISIBILITY_CACHE:
                self._vis_cache.clear()
            self._vis_cache[key] = cum
        return cum

    @property
    def participants(self) -> int:
        return int((self.initiative >= 0).sum())


def _weighted_draw(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    cum = np.cumsum(weights)
    return np.searchsorted(cum, rng.random(k) * cum[-1], side="right").clip(0, len(weights) - 1)

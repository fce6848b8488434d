"""Citizens (borgere) of unequal resources: agents that represent the inhabitants.

The municipality has ``population`` inhabitants; ``n_citizens`` Mesa agents
represent them, each a profile (resource group, resources, ties) standing for
``population / n_citizens`` inhabitants alike in it (a resolution, not a
population: results do not depend on it, docs/validation.md). An agent holds
its inhabitants' mean trust and mean legitimacy assessment and how many of
them take part now. Inhabitants who have taken part are followed one by one
as *persons* (a person id, the agent they belong to, whether and where they
take part, how and when their last initiative ended), because their own
history shapes whether they come back (the efficacy loop); everyone else is
a count.

A lead worker makes part of its contacts (``warm_share``) among the inhabitants
who took part in its earlier initiatives (its network: relations as equals,
001; the usual networks, 003), the rest through visibility.

Each week, for all agents at once (:mod:`mechanisms.participation`): trust
and legitimacy drift back to their baselines, some inhabitants propose an
initiative (``citizen_initiative_rate`` per 1,000 inhabitants a year, scaled
by mean trust), and the week's complaints are answered or not
(:func:`mechanisms.governance.complaint_answered`). Initiatives recruit
through :meth:`CitizenPopulation.recruit` and keep or lose their members
through :meth:`CitizenPopulation.retain`. An event that happens to one
inhabitant moves its agent's mean by the event's size divided by the
inhabitants it stands for, so that sums over the population are the same at
every resolution.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..initiatives import Origin, Stage
from ..mechanisms import governance as gov
from ..mechanisms import participation as part
from ..params import WEEKS_PER_YEAR

if TYPE_CHECKING:  # pragma: no cover
    from ..initiatives import Initiative
    from ..model import CoCreationModel

GROUP_NAMES = ("weak", "middle", "strong")
GROUP_MEANS = (0.25, 0.5, 0.75)
"""Mean resources in each group (design: the three groups' order; 001 unequal resources)."""
PER_THOUSAND = 1000.0
"""``citizen_initiative_rate`` counts proposals per 1,000 inhabitants."""
VISIBILITY_CACHE = 8
"""Recruitment visibilities kept for reuse (one per network-design setting); a speed-up only."""
START_CAPACITY = 256
"""Person records allocated at first; doubled as needed (a speed-up only)."""


class Citizen(mesa.Agent):
    """One citizen agent: a view onto row ``index`` of the population's arrays."""

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
    def legitimacy(self) -> float:
        return float(self.model.population.legitimacy[self.index])

    @property
    def taking_part(self) -> float:
        """Inhabitants this agent stands for who take part in an initiative now."""
        return float(self.model.population.busy[self.index])

    @property
    def initiative(self) -> int:
        """Uid of an initiative one of this agent's inhabitants takes part in now, or -1."""
        return int(self.model.population.initiative[self.index])


class CitizenPopulation:
    """The arrays behind all citizen agents and persons, and their batched weekly decisions."""

    def __init__(self, model: CoCreationModel) -> None:
        p = model.p
        k = model.k
        rng = model.rng
        self.model = model
        self.registry = model.registry
        n = p.n_citizens
        self.n = n
        self.inhabitants = p.population
        self.per_agent = p.population / n
        n_weak = int(round(p.weak_share * n))
        n_strong = int(round(p.strong_share * n))
        group = np.full(n, part.MIDDLE, dtype=np.int8)
        group[:n_weak] = part.WEAK
        group[n_weak : n_weak + n_strong] = part.STRONG
        rng.shuffle(group)
        self.group = group
        self.resources = np.empty(n)
        total = k.resource_concentration
        for g, mean in enumerate(GROUP_MEANS):
            mask = group == g
            self.resources[mask] = rng.beta(mean * total, (1.0 - mean) * total, int(mask.sum()))
        self.ties = rng.poisson(1.0 + k.ties_per_resource * self.resources**k.ties_exponent).astype(np.float64)
        self.trust = np.clip(rng.normal(k.trust_baseline, k.trust_spread, n), 0.0, 1.0)
        self.legitimacy = np.full(n, k.legitimacy_baseline)
        self.busy = np.zeros(n)
        self.initiative = np.full(n, -1, dtype=np.int64)
        self.weak_count = n_weak
        self._idle: dict[int, list[int]] = {}
        # person records (inhabitants who have taken part)
        self._size = 0
        self.person_agent = np.zeros(START_CAPACITY, dtype=np.int64)
        self.person_in = np.full(START_CAPACITY, -1, dtype=np.int64)
        self.person_end = np.full(START_CAPACITY, -(10**9), dtype=np.int64)
        self.person_outcome = np.zeros(START_CAPACITY, dtype=np.int8)
        self.motivation = np.zeros(START_CAPACITY)
        self.counted = np.zeros(START_CAPACITY, dtype=bool)
        """Whether a person's last ended participation has already been counted as followed by a return."""
        self.taking_part: set[int] = set()
        self._busy_people: dict[int, set[int]] = {}
        # tallies of the efficacy loop and volunteer retention
        window = k.window_weeks
        self.ends: dict[int, list[int]] = {}
        """Week -> [ended in success, ended in failure] participations."""
        self.rejoins: dict[int, list[int]] = {}
        """Week of the end -> [of those, joined again within the window], by outcome."""
        self.snapshots: deque[frozenset[int]] = deque(maxlen=window + 1)
        self._vis_cache: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.agents = [Citizen(model, i) for i in range(n)]

    # ------------------------------------------------------------- persons
    def _new_person(self, agent: int) -> int:
        if self._size == len(self.person_agent):
            grow = len(self.person_agent)
            self.person_agent = np.concatenate([self.person_agent, np.zeros(grow, dtype=np.int64)])
            self.person_in = np.concatenate([self.person_in, np.full(grow, -1, dtype=np.int64)])
            self.person_end = np.concatenate([self.person_end, np.full(grow, -(10**9), dtype=np.int64)])
            self.person_outcome = np.concatenate([self.person_outcome, np.zeros(grow, dtype=np.int8)])
            self.motivation = np.concatenate([self.motivation, np.zeros(grow)])
            self.counted = np.concatenate([self.counted, np.zeros(grow, dtype=bool)])
        pid = self._size
        self._size += 1
        self.person_agent[pid] = agent
        return pid

    def _pick(self, agent: int, u: float) -> int | None:
        """Who, of agent ``agent``'s inhabitants, a uniform draw ``u`` (0-1) lands on.

        A person id (an inhabitant who took part before and is free), -1 for
        someone never seen (a person record is made if they join), or None if
        the draw lands on an inhabitant taking part now.
        """
        x = u * self.per_agent
        busy = self.busy[agent]
        if x < busy:
            return None
        idle = self._idle.get(agent)
        if idle and x < busy + len(idle):
            return idle[int(x - busy)]
        return -1

    def experience(self, pid: int) -> int:
        """How a person's last initiative ended, if recent enough to shape the next decision."""
        if pid < 0 or self.model.week - int(self.person_end[pid]) > self.model.k.efficacy_memory_weeks:
            return part.NOVICE
        return int(self.person_outcome[pid])

    def agent_of(self, pids: list[int] | np.ndarray) -> np.ndarray:
        return self.person_agent[np.asarray(pids, dtype=np.int64)]

    # ---------------------------------------------------------- weekly
    def step(self, model: CoCreationModel) -> None:
        """Drift, complaints answered or not, and inhabitants' own proposals."""
        k = model.k
        p = model.p
        self.trust += k.trust_drift * (k.trust_baseline - self.trust)
        self.legitimacy += k.trust_drift * (k.legitimacy_baseline - self.legitimacy)
        self._complaints(model)
        rate = p.citizen_initiative_rate * self.inhabitants / PER_THOUSAND / WEEKS_PER_YEAR
        expected = rate * float(self.trust.mean()) / k.trust_baseline
        count = int(model.rng.poisson(expected))
        if not count:
            return
        free = np.maximum(0.0, 1.0 - self.busy / self.per_agent)
        weights = self.resources**k.initiative_appetite * self.trust * free
        if weights.sum() <= 0:
            return
        for agent in _weighted_draw(model.rng, weights, count):
            who = self._pick(int(agent), float(model.rng.random()))
            if who is None:
                continue
            ini = model.registry.open_citizen_initiative(int(self.group[agent]))
            if ini is None:  # nobody in the municipality takes the idea up: ignored
                self._nudge(np.array([agent]), -k.trust_ignored, self.trust)
                self._nudge(np.array([agent]), -k.legitimacy_overruled, self.legitimacy)
                continue
            self.join(int(agent), who, ini)

    def _complaints(self, model: CoCreationModel) -> None:
        k = model.k
        n = int(model.rng.poisson(model.complaints)) if model.complaints > 0 else 0
        if not n:
            return
        agents = model.rng.integers(0, self.n, n)
        answered = model.rng.random(n) < gov.complaint_answered(k, model.departments[0].backlog_pressure)
        self._nudge(agents[answered], k.trust_answered, self.trust)
        self._nudge(agents[~answered], -k.trust_unanswered, self.trust)
        self._nudge(agents[answered], k.legitimacy_complaint, self.legitimacy)
        self._nudge(agents[~answered], -k.legitimacy_complaint, self.legitimacy)

    def end_of_week(self) -> None:
        """Remember who takes part this week (for volunteer retention)."""
        self.snapshots.append(frozenset(self.taking_part))

    # ------------------------------------------------------- recruiting
    def recruit(self, initiative: Initiative, model: CoCreationModel) -> None:
        """Contact inhabitants and let those who wish join, up to the form's size."""
        missing = initiative.target_citizens - len(initiative.participants)
        if missing <= 0:
            return
        k = model.k
        p = model.p
        rng = model.rng
        design = p.network_design
        if initiative.origin is Origin.TASK_COMMITTEE:
            design = max(design, k.task_committee_design)
        lead = initiative.lead
        contacts = int(np.ceil(k.recruit_contacts * missing * (k.champion_reach if lead.champion else 1.0)))
        warm = [pid for pid in lead.network if self.person_in[pid] < 0]
        n_warm = min(len(warm), int(round(k.warm_share * contacts)))
        if n_warm:
            warm = [warm[i] for i in rng.choice(len(warm), n_warm, replace=False).tolist()]
        else:
            warm = []
        cold = self._contact(design, part.weak_reach(k, lead.weak_relations), contacts - n_warm, rng)
        draws = rng.random(len(cold))
        picked = warm + [self._pick(int(a), float(u)) for a, u in zip(cold, draws, strict=True)]
        agents = np.concatenate([self.person_agent[np.asarray(warm, dtype=np.int64)], cold]).astype(np.int64)
        keep = [i for i, who in enumerate(picked) if who is not None]
        if not keep:
            return
        agents = agents[keep]
        who = [picked[i] for i in keep]
        experience = np.array([self.experience(w) for w in who], dtype=np.int8)
        prob = part.join_probability(
            k,
            self.resources[agents],
            self.trust[agents],
            self.group[agents],
            initiative.form.rung,
            lead.weak_knowledge,
            experience,
        )
        yes = rng.random(len(agents)) < prob
        for agent, person in zip(agents[yes].tolist(), [w for w, y in zip(who, yes, strict=True) if y], strict=True):
            if len(initiative.participants) >= initiative.target_citizens:
                break
            if person >= 0 and self.person_in[person] >= 0:
                continue  # drawn twice this week and already joined
            if person < 0 and self.busy[agent] + len(self._idle.get(agent, ())) >= self.per_agent:
                continue  # no one left in this agent who is new to it
            self.join(agent, person, initiative)

    def _contact(self, design: float, weak_factor: float, count: int, rng: np.random.Generator) -> np.ndarray:
        """Agents whose inhabitants hear of an initiative: by visibility, weak ones widened by relations."""
        weak_idx, weak_cum, other_idx, other_cum = self._visibility(design)
        w_weak = weak_factor * (weak_cum[-1] if len(weak_cum) else 0.0)
        w_other = other_cum[-1] if len(other_cum) else 0.0
        if w_weak + w_other <= 0:
            return np.zeros(0, dtype=np.int64)
        to_weak = rng.random(count) < w_weak / (w_weak + w_other)
        out = np.empty(count, dtype=np.int64)
        n_weak = int(to_weak.sum())
        if n_weak:
            pos = np.searchsorted(weak_cum, rng.random(n_weak) * weak_cum[-1], side="right")
            out[to_weak] = weak_idx[np.minimum(pos, len(weak_idx) - 1)]
        if count - n_weak:
            pos = np.searchsorted(other_cum, rng.random(count - n_weak) * other_cum[-1], side="right")
            out[~to_weak] = other_idx[np.minimum(pos, len(other_idx) - 1)]
        return out

    def _visibility(self, design: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cached = self._vis_cache.get(design)
        if cached is None:
            vis = part.visibility(self.ties, design)
            weak = self.group == part.WEAK
            weak_idx = np.flatnonzero(weak)
            other_idx = np.flatnonzero(~weak)
            cached = (weak_idx, np.cumsum(vis[weak_idx]), other_idx, np.cumsum(vis[other_idx]))
            if len(self._vis_cache) > VISIBILITY_CACHE:
                self._vis_cache.clear()
            self._vis_cache[design] = cached
        return cached

    def join(self, agent: int, person: int, initiative: Initiative) -> None:
        """An inhabitant of ``agent`` (``person``, or -1 for someone new) joins ``initiative``."""
        k = self.model.k
        week = self.model.week
        if person < 0:
            person = self._new_person(agent)
        else:
            self._idle[agent].remove(person)
            end = int(self.person_end[person])
            outcome = int(self.person_outcome[person])
            if outcome != part.NOVICE and not self.counted[person]:
                self.counted[person] = True  # one return per ended participation, however often one comes back
                if week - end <= k.window_weeks and end in self.rejoins:
                    self.rejoins[end][outcome - 1] += 1
        self.busy[agent] += 1
        self.initiative[agent] = initiative.uid
        self.person_in[person] = initiative.uid
        self.motivation[person] = k.motivation_base + k.motivation_resources * self.resources[agent]
        self.taking_part.add(person)
        self._busy_people.setdefault(agent, set()).add(person)
        self.registry.join(initiative, person, int(self.group[agent]))

    # --------------------------------------------------------- keeping
    def retain(self, initiative: Initiative, model: CoCreationModel) -> None:
        """Members' motivation moves; those who give up leave, some leave for their own reasons."""
        if not initiative.participants:
            return
        k = model.k
        members = np.asarray(initiative.participants, dtype=np.int64)
        agents = self.person_agent[members]
        lead = initiative.lead
        waiting = initiative.stage is Stage.APPROVAL
        dm = part.motivation_change(
            k,
            self.resources[agents],
            self.group[agents],
            waiting=waiting,
            steering=lead.steering,
            weak_knowledge=lead.weak_knowledge,
            progressed=initiative.progressed,
        )
        if waiting:
            self._nudge(agents, -k.trust_waiting, self.trust)
        self.motivation[members] = np.minimum(1.0, self.motivation[members] + dm)
        gave_up = self.motivation[members] <= 0.0
        attrition = ~gave_up & (model.rng.random(len(members)) < model.p.volunteer_attrition)
        if not (gave_up.any() or attrition.any()):
            return
        if gave_up.any():
            self._nudge(agents[gave_up], -k.trust_dropout, self.trust)
            self.release(members[gave_up], part.AFTER_FAILURE)
        if attrition.any():
            self.release(members[attrition], part.NOVICE)
        leaving = gave_up | attrition
        model.registry.keep_participants(initiative, members[~leaving].tolist(), int(leaving.sum()))

    def release(self, members: np.ndarray, outcome: int) -> None:
        """Members leave their initiative: free again, remembering how it ended (``part.NOVICE``: no lesson)."""
        week = self.model.week
        for person in np.asarray(members, dtype=np.int64).tolist():
            agent = int(self.person_agent[person])
            self.busy[agent] -= 1
            others = self._busy_people[agent]
            others.discard(person)
            if not others:
                self.busy[agent] = 0.0
                self.initiative[agent] = -1
            elif self.initiative[agent] == self.person_in[person]:
                self.initiative[agent] = self.person_in[next(iter(others))]
            self.person_in[person] = -1
            self.motivation[person] = 0.0
            self.taking_part.discard(person)
            self._idle.setdefault(agent, []).append(person)
            if outcome != part.NOVICE:
                self.person_end[person] = week
                self.person_outcome[person] = outcome
                self.counted[person] = False
                self.ends.setdefault(week, [0, 0])[outcome - 1] += 1
                self.rejoins.setdefault(week, [0, 0])

    # ------------------------------------------------------ what people conclude
    def _nudge(self, agents: np.ndarray, amount: float, values: np.ndarray) -> None:
        """One event for one inhabitant of each of ``agents``: up by ``amount * (1 - v)``, down by ``amount * v``."""
        if not len(agents):
            return
        current = values[agents]
        step = amount * (1.0 - current) if amount > 0 else amount * current
        np.add.at(values, agents, step / self.per_agent)
        np.clip(values, 0.0, 1.0, out=values)

    def experienced(self, members: np.ndarray, trust: float, legitimacy: float) -> None:
        """Members of an initiative that ended conclude something about the municipality and its politics."""
        agents = self.person_agent[np.asarray(members, dtype=np.int64)]
        self._nudge(agents, trust, self.trust)
        if legitimacy:
            self._nudge(agents, legitimacy, self.legitimacy)

    def spillover(self, members: int, trust: float, legitimacy: float, model: CoCreationModel) -> None:
        """Word of an initiative's end reaches the members' acquaintances."""
        count = int(members * model.k.spillover_contacts)
        if count:
            reached = model.rng.integers(0, self.n, count)
            self._nudge(reached, trust, self.trust)
            if legitimacy:
                self._nudge(reached, legitimacy, self.legitimacy)

    def publicity(self, model: CoCreationModel) -> None:
        """News of a result politicians decided with citizens: ``publicity_reach`` of all inhabitants hear of it.

        Applied as its expectation to every agent (each stands for many
        inhabitants), so that it is the same at every resolution.
        """
        k = model.k
        self.legitimacy += k.publicity_reach * k.legitimacy_news * (1.0 - self.legitimacy)

    # ---------------------------------------------------------- statistics
    @property
    def participants(self) -> int:
        return len(self.taking_part)

    def repeat_rate(self, outcome: int) -> float:
        """Of participations that ended in ``outcome`` 2W to W weeks ago, the share whose person came back within W."""
        window = self.model.k.window_weeks
        week = self.model.week
        ended = joined = 0
        for end in range(week - 2 * window + 1, week - window + 1):
            tally = self.ends.get(end)
            if tally:
                ended += tally[outcome - 1]
                joined += self.rejoins[end][outcome - 1]
        for old in [w for w in self.ends if w <= week - 2 * window]:
            del self.ends[old]
            del self.rejoins[old]
        return joined / ended if ended else 0.0

    def retention(self) -> float:
        """Share of the inhabitants taking part W weeks ago who take part now."""
        if len(self.snapshots) <= self.model.k.window_weeks:
            return 0.0
        then = self.snapshots[0]
        return len(then & self.taking_part) / len(then) if then else 0.0


def _weighted_draw(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    cum = np.cumsum(weights)
    return np.searchsorted(cum, rng.random(count) * cum[-1], side="right").clip(0, len(weights) - 1)

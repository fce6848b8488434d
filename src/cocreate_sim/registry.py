"""The one place where initiatives are created, linked to people and counted.

Workers, citizens and the model ask the :class:`InitiativeRegistry` to open an
initiative, to add a helper, to let a citizen join or leave, to hand an
initiative on when its worker leaves, and to close it. Only this module edits
the links ``Worker.led``, ``Worker.helping``, ``Worker.duties``,
``Initiative.helpers`` and ``Initiative.participants`` and the cumulative
tallies the model's metric properties read, so they are edited in one place
(``tests/test_architecture.py`` checks this).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .initiatives import Form, Initiative, Origin, Stage, choose_form
from .mechanisms import participation as part
from .mechanisms.measurement import outreach_effort

if TYPE_CHECKING:  # pragma: no cover
    from .agents.workers import Worker
    from .model import CoCreationModel


class InitiativeRegistry:
    """Creates initiatives, edits who works on them, and keeps the model's tallies.

    Owned by the model (``model.registry``); agents and initiatives talk to it
    instead of reaching into the model's bookkeeping.
    """

    def __init__(self, model: CoCreationModel) -> None:
        self.model = model
        self._ids = 0
        self.initiatives: list[Initiative] = []
        self.active: list[Initiative] = []
        self.started = self.completed = self.failed = self.abandoned = 0
        self.joins_total = self.joins_weak = self.dropouts_total = 0
        self.joins_by_rung_group = [[0, 0, 0] for _ in range(part.TOP_RUNG + 1)]
        """Joins so far by ladder rung and resource group (weak, middle, strong)."""
        self.decisions = 0
        self.decision_weeks_total = 0.0
        self.completed_weak_needs = 0
        self.value_total = 0.0
        self.week_disappointed = 0
        self.week_blamed = 0
        self.week_completed = 0
        self.facilities: list[list[float]] = []
        """Co-created facilities to maintain: ``[hours per week, volunteer share]`` each (003)."""
        self.facilities_built = self.facilities_retired = 0

    # ---------------------------------------------------------------- people
    def enrol(self, worker: Worker) -> None:
        """Give a new worker empty lists of initiatives led, helped and facilitated."""
        worker.led = []
        worker.helping = []
        worker.duties = []

    # -------------------------------------------------------------- creation
    def _open(
        self,
        origin: Origin,
        form: Form,
        lead: Worker,
        needs: int,
        physical: bool,
        politicians: list | None = None,
    ) -> Initiative:
        self._ids += 1
        ini = Initiative(self._ids, self.model, origin, form, lead, needs, physical, politicians)
        ini.helpers = []
        ini.participants = []
        return ini

    def _start(self, ini: Initiative) -> Initiative:
        self.initiatives.append(ini)
        self.active.append(ini)
        self.started += 1
        return ini

    def open_worker_initiative(self, worker: Worker) -> Initiative:
        """A worker's idea: a municipality-initiated initiative whose needs it chooses."""
        model = self.model
        rng = model.rng
        p = model.p
        k = model.k
        form = choose_form(rng, Origin.MUNICIPALITY, worker.practice, k.form_spread)
        focus = outreach_effort(k, p.measure_inclusion, p.outreach_weak_groups)
        weak_chance = min(
            1.0,
            model.weak_share_population
            * (
                k.weak_needs_base
                + k.weak_needs_knowledge * worker.weak_knowledge * (k.focus_floor + (1.0 - k.focus_floor) * focus)
            ),
        )
        needs = part.WEAK if rng.random() < weak_chance else int(rng.choice([part.MIDDLE, part.STRONG]))
        ini = self._open(Origin.MUNICIPALITY, form, worker, needs, rng.random() < form.physical)
        worker.led.append(ini)
        return self._start(ini)

    def open_citizen_initiative(self, needs_group: int) -> Initiative | None:
        """An inhabitant's idea, taken up by a worker who becomes its contact; None if nobody can.

        The population then lets the inhabitant who proposed it join.
        """
        model = self.model
        rng = model.rng
        candidates = [w for w in model.workers if not w.burnt_out]
        if not candidates:
            return None
        weights = np.array([model.k.contact_base_weight + w.willingness for w in candidates])
        lead = candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
        form = choose_form(rng, Origin.CITIZEN, lead.practice, model.k.form_spread)
        ini = self._open(Origin.CITIZEN, form, lead, needs_group, rng.random() < form.physical)
        lead.led.append(ini)
        return self._start(ini)

    def keep_task_committees(self) -> None:
        """Gentofte model (004): keep ``task_committees`` committees running at once.

        Each has ``task_committee_politicians`` politicians (those with fewest
        seats), ``task_committee_citizens`` citizens recruited by broad
        advertisement and competence profiles, and a facilitator from the
        administration who is not a member and works on it as a duty.
        """
        model = self.model
        rng = model.rng
        want = model.p.task_committees
        running = sum(1 for i in self.active if i.origin is Origin.TASK_COMMITTEE)
        if running >= want:
            return
        staff = [w for w in model.workers if not w.burnt_out]
        if not staff:
            return
        for _ in range(want - running):
            seats = sorted(model.council, key=lambda pol: (pol.seats, rng.random()))
            members = seats[: model.p.task_committee_politicians]
            for pol in members:
                pol.seats += 1
            facilitator = min(staff, key=lambda w: (len(w.duties), -w.practice, rng.random()))
            needs = part.WEAK if rng.random() < model.weak_share_population else part.MIDDLE
            form = choose_form(rng, Origin.TASK_COMMITTEE, 0.0, model.k.form_spread)
            ini = self._open(Origin.TASK_COMMITTEE, form, facilitator, needs, physical=False, politicians=members)
            facilitator.duties.append(ini)
            self._start(ini)

    # ----------------------------------------------------------------- links
    def add_helper(self, initiative: Initiative, worker: Worker) -> None:
        """A worker starts helping a colleague's initiative."""
        initiative.helpers.append(worker)
        worker.helping.append(initiative)

    def join(self, initiative: Initiative, citizen: int, group: int) -> None:
        """A citizen joins an initiative (the population keeps the citizen's own state)."""
        initiative.participants.append(citizen)
        initiative.joined += 1
        weak = group == part.WEAK
        initiative.weak_joined += int(weak)
        initiative.joined_by_group[group] += 1
        self.joins_by_rung_group[initiative.form.rung][group] += 1
        self.joins_total += 1
        self.joins_weak += int(weak)

    def keep_participants(self, initiative: Initiative, staying: list[int], leavers: int) -> None:
        """Some participants gave up: keep those ``staying`` and count the dropouts."""
        self.dropouts_total += leavers
        initiative.participants = staying

    def worker_leaves(self, worker: Worker) -> None:
        """Staff turnover: hand on or abandon what the leaver carried (003).

        A leader who backs co-creation passes an initiative the leaver led to
        the most willing colleague in the department; duties go to any other
        worker; help simply stops.
        """
        model = self.model
        rng = model.rng
        for ini in list(worker.led):
            heirs = [c for c in worker.department.workers if c is not worker and not c.burnt_out]
            if heirs and rng.random() < worker.leader.support:
                heir = max(heirs, key=lambda c: c.willingness)
                worker.led.remove(ini)
                ini.lead = heir
                heir.led.append(ini)
            else:
                ini.end(model, Stage.ABANDONED)
        for ini in list(worker.duties):
            worker.duties.remove(ini)
            heirs = [c for c in model.workers if c is not worker and not c.burnt_out]
            if heirs:
                heir = heirs[int(rng.integers(len(heirs)))]
                ini.lead = heir
                heir.duties.append(ini)
            else:
                ini.end(model, Stage.ABANDONED)
        for ini in list(worker.helping):
            ini.helpers.remove(worker)
            worker.helping.remove(ini)

    @staticmethod
    def _unlink(worker: Worker, initiative: Initiative) -> None:
        if initiative in worker.led:
            worker.led.remove(initiative)
        if initiative in worker.helping:
            worker.helping.remove(initiative)
        if initiative in worker.duties:
            worker.duties.remove(initiative)

    # ---------------------------------------------------------------- events
    def new_week(self) -> None:
        """Start a week's counts afresh."""
        self.week_disappointed = 0
        self.week_blamed = 0
        self.week_completed = 0

    def end_of_week(self) -> None:
        """Drop the initiatives that ended this week from the active list."""
        self.active = [i for i in self.active if i.active]

    def decided(self, initiative: Initiative) -> None:
        """The decision path gave its answer: count the weeks it took."""
        initiative.week_decided = self.model.week
        self.decisions += 1
        self.decision_weeks_total += initiative.week_decided - initiative.week_proposed

    def disappointed(self, citizens: int) -> None:
        """Citizens who saw their initiative fail or be abandoned this week (they complain)."""
        self.week_disappointed += citizens

    def blamed_failure(self) -> None:
        """A running initiative broke down and its carrier was blamed (feeds the zero-error culture)."""
        self.week_blamed += 1

    def new_facility(self) -> None:
        """A co-created physical facility now needs care (003)."""
        k = self.model.k
        self.facilities.append([k.facility_hours, k.adopted_share])
        self.facilities_built += 1

    def age_facilities(self, attrition: float, leave_chance: float) -> None:
        """Volunteers drift away from facilities; some facilities are worn out or adopted for good (003)."""
        rng = self.model.rng
        if self.facilities:
            gone = rng.random(len(self.facilities)) < leave_chance
            if gone.any():
                self.facilities = [f for f, g in zip(self.facilities, gone, strict=True) if not g]
                self.facilities_retired += int(gone.sum())
        for facility in self.facilities:
            facility[1] *= 1.0 - attrition

    def close(self, initiative: Initiative, members: np.ndarray, outcome: int) -> None:
        """An initiative ended: release its citizens, workers and politicians, and count the outcome."""
        for politician in initiative.politicians:
            politician.seats -= 1
        self.model.population.release(members, outcome)
        lead = initiative.lead
        lead.network = (lead.network + [int(m) for m in members])[-self.model.k.network_size :]
        initiative.participants = []
        self._unlink(initiative.lead, initiative)
        for helper in initiative.helpers:
            self._unlink(helper, initiative)
        initiative.helpers = []
        if initiative.stage is Stage.COMPLETED:
            self.completed += 1
            self.week_completed += 1
            self.value_total += initiative.value
            initiative.department.new_value += initiative.value
            self.completed_weak_needs += int(initiative.needs_group == part.WEAK)
        elif initiative.stage is Stage.FAILED:
            self.failed += 1
        elif initiative.stage is Stage.ABANDONED:
            self.abandoned += 1

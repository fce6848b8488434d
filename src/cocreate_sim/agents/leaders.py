"""Department leaders: what they are measured on, what they back, whom they talk to.

A leader's pull towards operations comes from what leaders are measured on:
the department's backlog and the municipality's complaints and errors, read
as one KPI pressure (:mod:`mechanisms.measurement`); its backing for
co-creation from the regime layer, top management, the council and the
budget (:func:`mechanisms.governance.leader_support_target`); and each week
it holds the value-based dialogues (:mod:`mechanisms.dialogue`) its capacity
allows, first with those mid-shift or tired (000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import dialogue, measurement
from ..mechanisms import governance as gov

if TYPE_CHECKING:  # pragma: no cover
    from ..model import CoCreationModel, Department

PRIORITY_NOISE = 0.3
"""Random spread added to dialogue priorities, so leaders do not always talk to the same people (design)."""


class Leader(mesa.Agent):
    """The leader of one department."""

    def __init__(self, model: CoCreationModel, department: Department) -> None:
        super().__init__(model)
        self.department = department
        self.pull = 1.0
        self.support = 0.0
        self.talks = 0
        self.pull = self._pull()
        self.support = self._support_target()

    def _pull(self) -> float:
        model = self.model
        p = model.p
        pressure = measurement.kpi_pressure(
            model.k,
            self.department.backlog,
            self.department.capacity,
            model.complaints,
            model.errors,
            len(model.workers) if model.workers else 1,
        )
        return measurement.operations_pull(model.k, p.efficiency_logic, p.measure_cocreation_value, pressure)

    def _support_target(self) -> float:
        p = self.model.p
        return gov.leader_support_target(
            p.cocreation_logic, p.top_management_focus, self.pull, p.political_anchoring, p.budget_pressure
        )

    def step(self) -> None:
        model = self.model
        p = model.p
        k = model.k
        self.pull = self._pull()
        self.support += k.support_speed * (self._support_target() - self.support)
        workers = [w for w in self.department.workers if not w.burnt_out]
        n = dialogue.talks_per_week(k, p.leader_dialogue, len(self.department.workers), model.rng.random())
        self.talks = min(n, len(workers))
        if self.talks:
            noise = model.rng.random(len(workers)) * PRIORITY_NOISE
            ranked = sorted(
                range(len(workers)),
                key=lambda i: (
                    -(
                        dialogue.priority(
                            k,
                            workers[i].mindset,
                            workers[i].practice,
                            workers[i].energy,
                            workers[i].weeks_since_dialogue,
                        )
                        + noise[i]
                    )
                ),
            )
            for i in ranked[: self.talks]:
                workers[i].had_dialogue = True
                workers[i].weeks_since_dialogue = 0

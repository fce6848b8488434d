"""Department leaders: what they are measured on, what they back, whom they talk to.

A leader's pull towards operations comes from what leaders are measured on
(:mod:`mechanisms.measurement`); its backing for co-creation from the regime
layer, top management, the council and the budget
(:func:`mechanisms.governance.leader_support_target`); and each week it holds
the value-based dialogues (:mod:`mechanisms.dialogue`) its capacity allows,
first with those mid-shift or tired (000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import dialogue, measurement
from ..mechanisms import governance as gov

if TYPE_CHECKING:  # pragma: no cover
    from ..model import CoCreationModel, Department

SUPPORT_SPEED = 0.1
"""Share of the gap to its target backing a leader closes each week (assumed)."""
PRIORITY_NOISE = 0.3
"""Random spread added to dialogue priorities, so leaders do not always talk to the same people (assumed)."""


class Leader(mesa.Agent):
    """The leader of one department."""

    def __init__(self, model: CoCreationModel, department: Department) -> None:
        super().__init__(model)
        self.department = department
        self.pull = 1.0
        self.support = 0.0
        self.talks = 0
        self._settle()

    def _settle(self) -> None:
        p = self.model.p
        self.pull = measurement.operations_pull(
            p.efficiency_logic, p.measure_cocreation_value, self.department.backlog_pressure
        )
        self.support = gov.leader_support_target(
            p.cocreation_logic, p.top_management_focus, self.pull, p.political_anchoring, p.budget_pressure
        )

    def step(self) -> None:
        model = self.model
        p = model.p
        self.pull = measurement.operations_pull(
            p.efficiency_logic, p.measure_cocreation_value, self.department.backlog_pressure
        )
        target = gov.leader_support_target(
            p.cocreation_logic, p.top_management_focus, self.pull, p.political_anchoring, p.budget_pressure
        )
        self.support += SUPPORT_SPEED * (target - self.support)
        workers = [w for w in self.department.workers if not w.burnt_out]
        n = dialogue.talks_per_week(p.leader_dialogue, len(self.department.workers), model.rng.random())
        self.talks = min(n, len(workers))
        if self.talks:
            noise = model.rng.random(len(workers)) * PRIORITY_NOISE
            ranked = sorted(
                range(len(workers)),
                key=lambda k: (
                    -(
                        dialogue.priority(
                            workers[k].mindset, workers[k].practice, workers[k].energy, workers[k].weeks_since_dialogue
                        )
                        + noise[k]
                    )
                ),
            )
            for k in ranked[: self.talks]:
                workers[k].had_dialogue = True
                workers[k].weeks_since_dialogue = 0

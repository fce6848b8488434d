"""Politicians on the municipal council (kommunalbestyrelsen): the political loop.

Under NPM they drown in casework and rubber-stamp recommendations
(004_72bd60a54f0c9cbc.txt); in the Gentofte model standing committees are cut
back and they develop policy with citizens on task committees, learning to
share power by sharing it. Each member's week is split between council,
standing committees, casework, task committees and policy work
(:mod:`mechanisms.politics`); readiness to share power moves with the seats
held (:mod:`mechanisms.governance`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import governance as gov
from ..mechanisms import politics

if TYPE_CHECKING:  # pragma: no cover
    from ..model import CoCreationModel


class Politician(mesa.Agent):
    """One council member."""

    def __init__(self, model: CoCreationModel) -> None:
        super().__init__(model)
        p = model.p
        k = model.k
        self.power_sharing = float(min(1.0, max(0.0, model.rng.normal(p.power_sharing, k.power_sharing_spread))))
        self.seats = 0
        self._hours()

    def _hours(self) -> None:
        p = self.model.p
        k = self.model.k
        self.hours_casework = politics.casework_hours(k, p.task_committees, p.n_politicians)
        self.hours_policy = politics.policy_hours(k, self.seats)
        self.hours_total = self.hours_casework + self.hours_policy

    def step(self) -> None:
        p = self.model.p
        k = self.model.k
        self._hours()
        baseline = gov.power_sharing_baseline(k, p.power_sharing, p.political_anchoring)
        self.power_sharing += gov.power_sharing_change(k, self.power_sharing, self.seats, baseline)
        self.power_sharing = min(1.0, max(0.0, self.power_sharing))

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

    @property
    def hours_casework(self) -> float:
        """This week's council, standing-committee and casework hours (read when asked: no lag behind seats)."""
        p = self.model.p
        return politics.casework_hours(self.model.k, p.task_committees, p.n_politicians)

    @property
    def hours_policy(self) -> float:
        return politics.policy_hours(self.model.k, self.seats)

    @property
    def hours_total(self) -> float:
        return self.hours_casework + self.hours_policy

    def step(self) -> None:
        p = self.model.p
        k = self.model.k
        baseline = gov.power_sharing_baseline(k, p.power_sharing, p.political_anchoring)
        self.power_sharing += gov.power_sharing_change(k, self.power_sharing, self.seats, baseline)
        self.power_sharing = min(1.0, max(0.0, self.power_sharing))

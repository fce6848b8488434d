"""Politicians on the municipal council (kommunalbestyrelsen).

Under NPM they drown in casework and rubber-stamp recommendations (004); in
the Gentofte model standing committees are cut back and they develop policy
with citizens on task committees, learning to share power by sharing it
(:mod:`mechanisms.governance`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..mechanisms import governance as gov

if TYPE_CHECKING:  # pragma: no cover
    from ..model import CoCreationModel

POWER_SHARING_SPREAD = 0.1
"""Standard deviation of council members' initial readiness to share power (assumed)."""


class Politician(mesa.Agent):
    """One council member."""

    def __init__(self, model: CoCreationModel) -> None:
        super().__init__(model)
        p = model.p
        self.power_sharing = float(min(1.0, max(0.0, model.rng.normal(p.power_sharing, POWER_SHARING_SPREAD))))
        self.seats = 0
        self.hours_casework = gov.casework_hours(p.task_committees)
        self.hours_policy = gov.policy_hours(0)

    def step(self) -> None:
        p = self.model.p
        self.hours_casework = gov.casework_hours(p.task_committees)
        self.hours_policy = gov.policy_hours(self.seats)
        baseline = gov.power_sharing_baseline(p.power_sharing, p.political_anchoring)
        self.power_sharing += gov.power_sharing_change(self.power_sharing, self.seats, baseline)
        self.power_sharing = min(1.0, max(0.0, self.power_sharing))

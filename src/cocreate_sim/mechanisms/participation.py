"""Who hears of an initiative, who joins, and who stays (000, 001, 002, 003).

Citizens' resources (time, skills, networks, confidence) vary (001: resource-
strong and self-driving citizens vs those needing support); weak groups lack
the power to take part (000). Recruitment through the usual networks reaches
the resource-strong (003: local councils are not representative); network
design by broad advertisement and competence profiles (002, 004) and
deliberate outreach (000, 003) change who is reached.

Contact (who hears): ``visibility = (1 - d) * ties / mean_ties + d`` with
``d = network_design``; weak citizens' visibility is multiplied by
``1 + OUTREACH_REACH * outreach``.

Joining (who says yes): ``join = r ** 1.5 * (0.4 + 0.6 * trust) * demand(rung, r)``,
and for weak citizens ``* (1 + OUTREACH_SUPPORT * outreach)`` (support adapted
to them, 001 competence 4).

Staying (who leaves): each week a participant's motivation falls by
``WAIT_DECAY * (1 - r)`` while the initiative waits on approval (001), by
``STEERING_DECAY * steering`` when the civil servant steers rather than
supports (001: steering kills ownership), and, for weak citizens, by
``UNSUPPORTED_DECAY * (1 - knowledge)`` when the worker does not know their
needs (000); it rises by ``PROGRESS_GAIN`` in a week of visible progress. A
participant leaves when motivation reaches zero, or by volunteer attrition
(003: volunteers are not continuously reliable).
"""

from __future__ import annotations

import numpy as np

OUTREACH_REACH = 3.0
OUTREACH_SUPPORT = 1.5
WAIT_DECAY = 0.07
STEERING_DECAY = 0.06
UNSUPPORTED_DECAY = 0.05
PROGRESS_GAIN = 0.04
WEAK, MIDDLE, STRONG = 0, 1, 2


def visibility(ties: np.ndarray, group: np.ndarray, network_design: float, outreach: float) -> np.ndarray:
    """Relative chance of each citizen hearing of an initiative."""
    mean_ties = max(float(ties.mean()), 1e-9)
    vis = (1.0 - network_design) * ties / mean_ties + network_design
    return np.where(group == WEAK, vis * (1.0 + OUTREACH_REACH * outreach), vis)


def demand_factor(rung: int, resources: np.ndarray) -> np.ndarray:
    """Higher rungs ask more of citizens: they deter those with fewer resources."""
    ask = rung / 5.0
    return np.clip(1.0 - ask * (1.0 - resources), 0.05, 1.0)


def join_probability(
    resources: np.ndarray, trust: np.ndarray, group: np.ndarray, rung: int, outreach: float
) -> np.ndarray:
    base = resources**1.5 * (0.4 + 0.6 * trust) * demand_factor(rung, resources)
    base = np.where(group == WEAK, base * (1.0 + OUTREACH_SUPPORT * outreach), base)
    return np.clip(base, 0.0, 1.0)


def motivation_change(
    resources: np.ndarray,
    group: np.ndarray,
    waiting: bool,
    steering: float,
    weak_knowledge: float,
    progressed: bool,
) -> np.ndarray:
    d = np.full(resources.shape, PROGRESS_GAIN if progressed else 0.0)
    if waiting:
        d -= WAIT_DECAY * (1.0 - resources)
    d -= STEERING_DECAY * steering
    d -= np.where(group == WEAK, UNSUPPORTED_DECAY * (1.0 - weak_knowledge), 0.0)
    return d


def steering_style(authority_logic: float, mindset: float, champion: bool) -> float:
    """How much a worker steers rather than supports (001 competence 1)."""
    s = authority_logic * (1.0 - mindset)
    return s * 0.5 if champion else s

"""Who hears of an initiative, who joins, who stays and who comes back (000, 001, 002, 003).

Citizens' resources (time, skills, networks, confidence) vary
(001_fcedaec95fb1d514.txt: resource-strong and self-driving citizens vs those
needing support); weak groups lack the power to take part (000). Recruitment
through the usual networks reaches the resource-strong (003: local councils
are not representative); network design by broad advertisement and competence
profiles (002, 004) changes who is reached.

Contact (who hears): ``visibility = (1 - d) * ties / mean_ties + d`` with
``d = network_design``; a weak citizen is in addition reached through the
lead worker's relations with weak groups, ``* (1 + outreach_reach * relations)``
(:mod:`outreach`): outreach works only through relations staff have built.

Joining (who says yes): ``join = join_base * (1 - gradient(rung) * (1 - r)) *
(trust_floor + (1 - trust_floor) * trust) * efficacy``, where the resource
gradient rises linearly with the rung from ``gradient_low`` (co-production)
to ``gradient_high`` (governance networks): demanding forms are more unequal
(EVIDENCE.md: about 0.85 between weak and strong for low-threshold forms).
A weak citizen whose lead worker knows weak groups' needs gets support
adapted to them (001 competence 4): ``* (1 + role_adaptation * knowledge)``.
Efficacy: a citizen whose last initiative succeeded within
``efficacy_memory_weeks`` joins ``1 + efficacy_success`` times as readily,
one whose last initiative failed ``1 - efficacy_failure`` times
(EVIDENCE.md: about +57% after a fixed report; Sjoberg et al. 2017).

Staying (who leaves): each week a participant's motivation falls by
``wait_decay * (1 - r)`` while the initiative waits on approval (001), by
``steering_decay * steering`` when the civil servant steers (001), and, for
weak citizens, by ``unsupported_decay * (1 - knowledge)`` when the worker does
not know their needs (000); it rises by ``progress_gain`` in a week of
visible progress. A participant leaves when motivation reaches zero, or by
volunteer attrition (003).
"""

from __future__ import annotations

from typing import Any

import numpy as np

WEAK, MIDDLE, STRONG = 0, 1, 2
TOP_RUNG = 5
"""Highest rung of the ladder (design: 002's six forms, 0-5)."""
NOVICE, AFTER_SUCCESS, AFTER_FAILURE = 0, 1, 2
"""A citizen's last experience of co-creation, as it shapes the next decision to take part."""


def visibility(ties: np.ndarray, network_design: float) -> np.ndarray:
    """Relative chance of each citizen hearing of an initiative through networks and advertisement."""
    mean_ties = max(float(ties.mean()), 1e-9)
    return (1.0 - network_design) * ties / mean_ties + network_design


def weak_reach(k: Any, relations: float) -> float:
    """Factor on a weak citizen's visibility through the lead worker's relations with weak groups."""
    return 1.0 + k.outreach_reach * relations


def gradient(k: Any, rung: int) -> float:
    """How much lacking resources lowers the chance to join, on this rung (0-1)."""
    return k.gradient_low + (k.gradient_high - k.gradient_low) * rung / TOP_RUNG


def join_probability(
    k: Any,
    resources: np.ndarray,
    trust: np.ndarray,
    group: np.ndarray,
    rung: int,
    knowledge: float,
    experience: np.ndarray,
) -> np.ndarray:
    """Chance that each contacted citizen joins."""
    base = k.join_base * (1.0 - gradient(k, rung) * (1.0 - resources))
    base = base * (k.trust_floor + (1.0 - k.trust_floor) * trust)
    base = np.where(group == WEAK, base * (1.0 + k.role_adaptation * knowledge), base)
    efficacy = np.where(
        experience == AFTER_SUCCESS,
        1.0 + k.efficacy_success,
        np.where(experience == AFTER_FAILURE, 1.0 - k.efficacy_failure, 1.0),
    )
    return np.clip(base * efficacy, 0.0, 1.0)


def motivation_change(
    k: Any,
    resources: np.ndarray,
    group: np.ndarray,
    waiting: bool,
    steering: float,
    weak_knowledge: float,
    progressed: bool,
) -> np.ndarray:
    d = np.full(resources.shape, k.progress_gain if progressed else 0.0)
    if waiting:
        d -= k.wait_decay * (1.0 - resources)
    d -= k.steering_decay * steering
    d -= np.where(group == WEAK, k.unsupported_decay * (1.0 - weak_knowledge), 0.0)
    return d


def steering_style(k: Any, authority_logic: float, mindset: float, champion: bool) -> float:
    """How much a worker steers rather than supports (001 competence 1)."""
    s = authority_logic * (1.0 - mindset)
    return s * k.champion_steering if champion else s

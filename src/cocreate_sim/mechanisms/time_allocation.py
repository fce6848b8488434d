"""How a frontline worker splits the week between operations and co-creation.

A worker's willingness to spend hours co-creating is an expectancy-value
product (000_1eb98d991477f04b.txt: "expectation towards ability to master the
changed approach and individual motivation are significant"):

``w = motivation(m) * efficacy(p) * room * (1 - risk) * (1 - pull_weight * pull)``

- motivation: mindset, lifted by ``champion_drive`` for front figures (003);
- efficacy: ``efficacy_floor + (1 - efficacy_floor) * p``;
- room: free frames and the leader's backing (001, 003):
  ``room_floor + (1 - room_floor) * (0.5 * discretion + 0.5 * leader_support)``;
- risk: :func:`zero_error.perceived_risk` of the culture's state;
- pull: :func:`measurement.operations_pull`, felt only on hours beyond those
  funded for co-creation (003: capacity set aside).

The chosen share is ``h = h_max * min(1, willingness_scale * w)``
(``h_max_champion`` for front figures); the worker counts as practising when
``h >= PRACTISING``. Ordered hours (``practice_mandate``) come on top.
"""

from __future__ import annotations

from typing import Any

PRACTISING = 0.10
"""Chosen share of hours from which a worker counts as practising co-creation (design: the definition of uptake)."""
MANDATE_SHARE = 0.2
"""Share of hours ordered into co-creation at ``practice_mandate = 1`` (design: the lever's definition)."""


def felt_pull(k: Any, pull: float, capacity_set_aside: float) -> float:
    """The old KPIs' pull on hours that are not already funded for co-creation."""
    return pull * max(0.0, 1.0 - capacity_set_aside / k.h_max)


def willingness(
    k: Any, m: float, p: float, champion: bool, discretion: float, leader_support: float, risk: float, pull: float
) -> float:
    motivation = min(1.0, m + (k.champion_drive if champion else 0.0))
    efficacy = k.efficacy_floor + (1.0 - k.efficacy_floor) * p
    room = k.room_floor + (1.0 - k.room_floor) * (0.5 * discretion + 0.5 * leader_support)
    return motivation * efficacy * room * (1.0 - risk) * (1.0 - k.pull_weight * pull)


def chosen_share(k: Any, w: float, champion: bool) -> float:
    return (k.h_max_champion if champion else k.h_max) * min(1.0, k.willingness_scale * w)


def mandated_share(practice_mandate: float) -> float:
    return MANDATE_SHARE * practice_mandate

"""How a frontline worker splits the week between operations and co-creation.

A worker's willingness to spend hours co-creating is an expectancy-value
product (000: "expectation towards ability to master the changed approach
and individual motivation are significant"):

``w = motivation(m) * efficacy(p) * room * (1 - risk) * (1 - PULL_WEIGHT * pull)``

- motivation: mindset, lifted for front figures' personal drive (003);
- efficacy: ``EFFICACY_FLOOR + (1 - EFFICACY_FLOOR) * p``;
- room: free frames and the leader's backing (001, 003):
  ``ROOM_FLOOR + (1 - ROOM_FLOOR) * (0.5 * discretion + 0.5 * leader_support)``;
- risk: :func:`zero_error.perceived_risk`;
- pull: :func:`measurement.operations_pull`, felt only on the hours beyond
  those funded for co-creation (003: capacity set aside):
  ``pull * max(0, 1 - capacity_set_aside / H_MAX)``.

The chosen share is ``h = H_MAX * min(1, SCALE * w)`` (``H_MAX_CHAMPION`` for front figures);
the worker counts as practising co-creation when ``h >= PRACTISING``. Ordered
hours (``practice_mandate``) come on top and do not count as a choice.
"""

from __future__ import annotations

H_MAX = 0.3
H_MAX_CHAMPION = 0.5
PRACTISING = 0.10
EFFICACY_FLOOR = 0.2
ROOM_FLOOR = 0.4
PULL_WEIGHT = 0.6
SCALE = 2.5
CHAMPION_DRIVE = 0.25
MANDATE_SHARE = 0.2
"""Share of hours ordered into co-creation at ``practice_mandate = 1``."""


def felt_pull(pull: float, capacity_set_aside: float) -> float:
    """The old KPIs' pull on hours that are not already funded for co-creation."""
    return pull * max(0.0, 1.0 - capacity_set_aside / H_MAX)


def willingness(
    m: float,
    p: float,
    champion: bool,
    discretion: float,
    leader_support: float,
    risk: float,
    pull: float,
) -> float:
    motivation = min(1.0, m + (CHAMPION_DRIVE if champion else 0.0))
    efficacy = EFFICACY_FLOOR + (1.0 - EFFICACY_FLOOR) * p
    room = ROOM_FLOOR + (1.0 - ROOM_FLOOR) * (0.5 * discretion + 0.5 * leader_support)
    return motivation * efficacy * room * (1.0 - risk) * (1.0 - PULL_WEIGHT * pull)


def chosen_share(w: float, champion: bool) -> float:
    return (H_MAX_CHAMPION if champion else H_MAX) * min(1.0, SCALE * w)


def mandated_share(practice_mandate: float) -> float:
    return MANDATE_SHARE * practice_mandate

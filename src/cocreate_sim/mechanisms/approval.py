"""The decision path an initiative waits on before it may start (001, 003, 004).

001: short decision paths let the municipality "quickly help citizens on, so
they do not give up" (saa de ikke gaar doede i projektet); free frames let
the civil servant decide. 004: politicians rubber-stamp administrative
recommendations, but hesitate where power must be shared; a task committee
has its mandate from the council and waits on no path.

- steps: ``decision_path_length``, less ``round(DISCRETION_SKIP * discretion)``
  for small initiatives (ladder rungs below 2), at least 1;
- each week the current step finishes with chance ``1 / decision_delay_weeks``
  (times ``NOSE`` for a front figure's political nose, 003);
- an administrative step says no with :func:`zero_error.step_rejection`;
- the last step of a large initiative (rung >= 3) is the council's, which says
  yes with ``COUNCIL_BASE + (1 - COUNCIL_BASE) * power_sharing_mean``.
"""

from __future__ import annotations

DISCRETION_SKIP = 3
NOSE = 1.5
COUNCIL_BASE = 0.7
COUNCIL_RUNG = 3


def steps_needed(decision_path_length: int, discretion: float, rung: int) -> int:
    steps = decision_path_length
    if rung < 2:
        steps -= round(DISCRETION_SKIP * discretion)
    return max(1, steps)


def step_done_chance(decision_delay_weeks: float, champion: bool) -> float:
    chance = 1.0 / decision_delay_weeks
    if champion:
        chance *= NOSE
    return min(1.0, chance)


def council_step(rung: int, step_index: int, steps: int) -> bool:
    """True when this step is the council's (last step of a large initiative)."""
    return rung >= COUNCIL_RUNG and step_index == steps - 1


def council_yes(power_sharing_mean: float) -> float:
    return COUNCIL_BASE + (1.0 - COUNCIL_BASE) * power_sharing_mean

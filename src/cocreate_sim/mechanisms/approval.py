"""The decision path an initiative waits on before it may start (001, 003, 004).

001_fcedaec95fb1d514.txt: short decision paths let the municipality "quickly
help citizens on, so they do not give up"; free frames let the civil servant
decide. 004_72bd60a54f0c9cbc.txt: politicians rubber-stamp administrative
recommendations, but hesitate where power must be shared; a task committee
has its mandate from the council and waits on no path.

- steps: ``decision_path_length``, less ``round(discretion_skip * discretion)``
  for small initiatives (rungs below 2), at least 1;
- each week the current step finishes with chance ``1 / decision_delay_weeks``
  (times ``political_nose`` for a front figure, 003);
- an administrative step says no with :func:`zero_error.step_rejection`;
- the last step of a large initiative (rung >= ``COUNCIL_RUNG``) is the
  council's: yes with ``council_base + (1 - council_base) * power_sharing_mean``.
"""

from __future__ import annotations

from typing import Any

COUNCIL_RUNG = 3
"""First rung of the ladder whose initiatives the council decides (design: dialogue meetings and up, 002)."""
SMALL_RUNGS = 2
"""Rungs below this are small enough for free frames to skip steps (design)."""


def steps_needed(k: Any, decision_path_length: int, discretion: float, rung: int) -> int:
    steps = decision_path_length
    if rung < SMALL_RUNGS:
        steps -= round(k.discretion_skip * discretion)
    return max(1, steps)


def step_done_chance(k: Any, decision_delay_weeks: float, champion: bool) -> float:
    chance = 1.0 / decision_delay_weeks
    if champion:
        chance *= k.political_nose
    return min(1.0, chance)


def council_step(rung: int, step_index: int, steps: int) -> bool:
    """True when this step is the council's (last step of a large initiative)."""
    return rung >= COUNCIL_RUNG and step_index == steps - 1


def council_yes(k: Any, power_sharing_mean: float) -> float:
    return k.council_base + (1.0 - k.council_base) * power_sharing_mean

"""Leader dialogue: the value-based talk that carries the shift (000).

Nielsen (000_1eb98d991477f04b.txt): the shift is "very energy consuming", so
the leader must hold "continuous dialogs with employees about the implication
of the shift to support the new mental understanding as well as continuously
challenge the work processes"; these talks "are different from the normal
day-to-day leader-employee talk, as they have to be more value based".

A dialogue does four things this week, and nothing else in the model does
them (this is where leader dialogue acts):
- raises mindset: ``talk = mindset_gain * (0.5 + 0.5 * p)``;
- multiplies what this week's trials teach by ``1 + reflection_gain``;
- restores energy by ``dialogue_energy`` (the leader carries the worker, 003);
- challenges the work process: the worker tries co-creation for at least
  ``challenge_share`` of that week.
Capacity: with ``leader_dialogue = 1`` every worker gets one talk every
``dialogue_cycle_weeks`` weeks; leaders choose first those mid-shift, tired
or not talked to for a while.
"""

from __future__ import annotations

import math
from typing import Any


def talks_per_week(k: Any, leader_dialogue: float, n_workers: int, frac: float) -> int:
    """How many value talks a leader holds this week (``frac`` rounds a fractional capacity)."""
    expected = leader_dialogue * n_workers / k.dialogue_cycle_weeks
    base = math.floor(expected)
    return base + (1 if frac < expected - base else 0)


def priority(k: Any, m: float, p: float, energy: float, weeks_since: int) -> float:
    """Who the leader talks to first: those mid-shift, tired, or not talked to for a while."""
    mid_shift = 1.0 - abs((m + p) - 1.0)
    waited = min(weeks_since, k.dialogue_cycle_weeks) / k.dialogue_cycle_weeks
    return mid_shift + (1.0 - energy) + 2.0 * waited


def mindset_talk(k: Any, p: float) -> float:
    """Mindset input of one value talk."""
    return k.mindset_gain * (0.5 + 0.5 * p)


def training_talk(k: Any, mindset_training: float) -> float:
    """Weekly mindset input of courses that teach the idea without the practice."""
    return k.training_gain * mindset_training


def reflection(k: Any, had_dialogue: bool) -> float:
    """Multiplier on what this week's trials teach."""
    return 1.0 + k.reflection_gain if had_dialogue else 1.0


def challenge_share(k: Any, had_dialogue: bool) -> float:
    """Share of this week the worker is challenged to spend trying co-creation."""
    return k.challenge_share if had_dialogue else 0.0

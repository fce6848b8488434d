"""Leader dialogue: the value-based talk that carries the shift (000).

Nielsen (000): the shift is "very energy consuming", so the leader must hold
"continuous dialogs with employees about the implication of the shift to
support the new mental understanding as well as continuously challenge the
work processes"; these talks "are different from the normal day-to-day
leader-employee talk, as they have to be more value based". 003 adds that
workers need a leader who grants room and backing.

A dialogue therefore does four things this week, and nothing else in the
model does them:
- raises mindset: ``talk = MINDSET_GAIN * (0.5 + 0.5 * p)`` (a talk grounded
  in the worker's own trials lands better);
- doubles what this week's trials teach (``reflection = 1 + REFLECTION``);
- restores energy: ``de = ENERGY_SUPPORT``;
- challenges the work process: the worker tries co-creation for at least
  ``CHALLENGE_SHARE`` of that week (alongside a colleague if it leads
  nothing); like ordered hours, this is trial time, not yet a choice.
Capacity: with ``leader_dialogue = 1`` every worker gets one talk every
``CYCLE_WEEKS`` weeks; leaders choose first those mid-shift or low on energy.
"""

from __future__ import annotations

import math

CYCLE_WEEKS = 4
MINDSET_GAIN = 0.22
REFLECTION = 1.0
ENERGY_SUPPORT = 0.08
ROTATION = 2.0
"""Weight of the weeks since a worker's last talk, so that talks go round."""
CHALLENGE_SHARE = 0.1
TRAINING_GAIN = 0.03
"""Weekly mindset input of courses at ``mindset_training = 1`` (no practice)."""


def talks_per_week(leader_dialogue: float, n_workers: int, frac: float) -> int:
    """How many value talks a leader holds this week.

    ``frac`` is a uniform draw that rounds the expected number up or down, so
    that a fractional capacity is kept on average.
    """
    expected = leader_dialogue * n_workers / CYCLE_WEEKS
    base = math.floor(expected)
    return base + (1 if frac < expected - base else 0)


def priority(m: float, p: float, energy: float, weeks_since: int) -> float:
    """Who the leader talks to first: those mid-shift, tired, or not talked to for a while."""
    mid_shift = 1.0 - abs((m + p) - 1.0)
    waited = min(weeks_since, CYCLE_WEEKS) / CYCLE_WEEKS
    return mid_shift + (1.0 - energy) + ROTATION * waited


def mindset_talk(p: float) -> float:
    """Mindset input of one value talk."""
    return MINDSET_GAIN * (0.5 + 0.5 * p)


def training_talk(mindset_training: float) -> float:
    """Weekly mindset input of courses that teach the idea without the practice."""
    return TRAINING_GAIN * mindset_training


def reflection(had_dialogue: bool) -> float:
    """Multiplier on what this week's trials teach."""
    return 1.0 + REFLECTION if had_dialogue else 1.0


def challenge_share(had_dialogue: bool) -> float:
    """Share of this week the worker is challenged to spend trying co-creation."""
    return CHALLENGE_SHARE if had_dialogue else 0.0

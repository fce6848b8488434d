"""The two intertwined learning processes of a frontline worker (000).

Nielsen (000) finds that a worker must develop a new *mental understanding*
of co-creation (mindset, m) and a *changed work process* (practice, p), that
the two "are closely intertwined and cannot develop in isolation", and that
the work process "can be learnt only by trial and testing". Hence:

- practice grows only from trial hours, and a trial teaches in proportion to
  the understanding that makes sense of it:
  ``dp = RATE_P * trial * (FLOOR_P + (1 - FLOOR_P) * m) * reflection * (1 - p)``
- mindset grows from value talks (dialogue, courses), from colleagues'
  example and from one's own successes, but an understanding that practice
  does not confirm fades back:
  ``dm = inputs * (1 - m) - FADE * max(0, m - p - GAP)``
- and, symmetrically, a routine that understanding does not carry slides
  back into the old way of working:
  ``dp -= FADE * max(0, p - m - GAP)``
"""

from __future__ import annotations

RATE_P = 0.06
"""Practice gained per week of full trial time, at full understanding."""
FLOOR_P = 0.1
"""Share of a trial's lesson learnt with no understanding of why."""
PEER_RATE = 0.06
"""Mindset pull from colleagues who practise more than oneself."""
SUCCESS_BOOST = 0.08
"""Mindset and practice gained when one's initiative succeeds."""
FADE = 0.06
"""Weekly fading of one process where it runs ahead of the other."""
GAP = 0.2
"""How far one process may run ahead of the other before it fades."""
PRACTICE_DECAY = 0.004
"""Weekly loss of an unused work process."""


def practice_change(p: float, m: float, trial: float, reflection: float) -> float:
    """Weekly change in practice from ``trial`` (0-1 share of maximal trial time).

    ``reflection`` multiplies what the trial teaches (a leader dialogue that
    week doubles it, :mod:`dialogue`).
    """
    gain = RATE_P * trial * (FLOOR_P + (1.0 - FLOOR_P) * m) * reflection * (1.0 - p)
    decay = PRACTICE_DECAY * p * (1.0 - min(trial * 4.0, 1.0))
    fade = FADE * max(0.0, p - m - GAP)
    return gain - decay - fade


def mindset_change(m: float, p: float, talk: float, peer_practice: float) -> float:
    """Weekly change in mindset from value talks ``talk`` and colleagues' practice.

    ``talk`` is the summed input of leader dialogue and courses this week
    (see :mod:`cocreate_sim.mechanisms.dialogue`); ``peer_practice`` is the mean
    practice of the worker's colleagues.
    """
    peer = PEER_RATE * max(0.0, peer_practice - p)
    gain = (talk + peer) * (1.0 - m)
    fade = FADE * max(0.0, m - p - GAP)
    return gain - fade


def success_lesson(m: float, p: float) -> tuple[float, float]:
    """The step up in (mindset, practice) when a worker's initiative succeeds."""
    return SUCCESS_BOOST * (1.0 - m), SUCCESS_BOOST * (1.0 - p)

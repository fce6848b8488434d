"""The two intertwined learning processes of a frontline worker (000).

Nielsen (000_1eb98d991477f04b.txt) finds that a worker must develop a new
*mental understanding* of co-creation (mindset, m) and a *changed work
process* (practice, p), that the two "are closely intertwined and cannot
develop in isolation", and that the work process "can be learnt only by trial
and testing". Hence:

- practice grows only from trial hours, and a trial teaches in proportion to
  the understanding that makes sense of it:
  ``dp = practice_rate * trial * (practice_floor + (1 - practice_floor) * m) * reflection * (1 - p)``
- mindset grows from value talks (dialogue, courses), from colleagues'
  example and from one's own successes, but an understanding that practice
  does not confirm fades back:
  ``dm = (talk + peer_rate * max(0, peer_p - p)) * (1 - m) - fade * max(0, m - p - gap)``
- and, symmetrically, a routine that understanding does not carry slides
  back into the old way of working: ``dp -= fade * max(0, p - m - gap)``;
  an unused routine decays by ``practice_decay * p`` a week.

Time-scale: with full trial time and understanding, practice closes about
6% of its gap a week (a year to mastery); the fading acts within months.
"""

from __future__ import annotations

from typing import Any


def practice_change(k: Any, p: float, m: float, trial: float, reflection: float) -> float:
    """Weekly change in practice from ``trial`` (0-1 share of maximal trial time).

    ``reflection`` multiplies what the trial teaches (a leader dialogue that
    week doubles it, :mod:`dialogue`).
    """
    gain = k.practice_rate * trial * (k.practice_floor + (1.0 - k.practice_floor) * m) * reflection * (1.0 - p)
    decay = k.practice_decay * p * (1.0 - min(trial * 4.0, 1.0))
    fade = k.fade * max(0.0, p - m - k.gap)
    return gain - decay - fade


def mindset_change(k: Any, m: float, p: float, talk: float, peer_practice: float) -> float:
    """Weekly change in mindset from value talks ``talk`` and colleagues' practice."""
    peer = k.peer_rate * max(0.0, peer_practice - p)
    gain = (talk + peer) * (1.0 - m)
    fade = k.fade * max(0.0, m - p - k.gap)
    return gain - fade


def success_lesson(k: Any, m: float, p: float) -> tuple[float, float]:
    """The step up in (mindset, practice) when a worker's initiative succeeds."""
    return k.success_boost * (1.0 - m), k.success_boost * (1.0 - p)

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
  does not confirm fades back, and the daily pull of the old logics wears
  what a worker gained since starting back towards the mindset they came
  with (``m0``):
  ``dm = (talk + peer_rate * max(0, peer_p - p)) * (1 - m) - fade * max(0, m - p - gap)
  - restoring_rate * pull * max(0, m - m0)``
- and, symmetrically, a routine that understanding does not carry slides
  back into the old way of working: ``dp -= fade * max(0, p - m - gap)``;
  an unused routine decays by ``practice_decay * p`` a week.

The restoring force rests on 003_2ba0a2bc3f04f1f8.txt: the municipality is
"traditionally an operations organisation that must deliver safe operations",
and the efficiency logic "is still dominant with most leaders and staff", so
a new understanding lives against a daily pull back to it; ``pull`` is the
old KPIs' felt pull (:func:`time_allocation.felt_pull`, the one pull that
also sets willingness). Without it, nothing but staff turnover pulled learnt
mindset back and a single lever made co-creation creep for forty years
(docs/validation.md, section 4).

Time-scale: with full trial time and understanding, practice closes about
6% of its gap a week (a year to mastery); the fading acts within months; at
full pull the restoring force halves a gain in mindset in about 1.3 years
(``ln 2 / restoring_rate`` weeks), unless talks, colleagues or successes
renew it.
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


def mindset_change(k: Any, m: float, p: float, talk: float, peer_practice: float, pull: float, start: float) -> float:
    """Weekly change in mindset from value talks ``talk``, colleagues' practice and the old logics' ``pull``.

    ``start`` is the mindset the worker came with: the pull wears back only what was gained since.
    """
    peer = k.peer_rate * max(0.0, peer_practice - p)
    gain = (talk + peer) * (1.0 - m)
    fade = k.fade * max(0.0, m - p - k.gap)
    restore = k.restoring_rate * pull * max(0.0, m - start)
    return gain - fade - restore


def success_lesson(k: Any, m: float, p: float) -> tuple[float, float]:
    """The step up in (mindset, practice) when a worker's initiative succeeds."""
    return k.success_boost * (1.0 - m), k.success_boost * (1.0 - p)

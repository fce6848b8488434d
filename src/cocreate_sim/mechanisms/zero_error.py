"""Zero-error culture (nulfejlskultur) as a state: the culture loop (001, 003).

Allentoft (001_fcedaec95fb1d514.txt): the municipality must "slippe
nulfejlskulturen" so that there is room to experiment. Vordingborg
(003_2ba0a2bc3f04f1f8.txt): people are "afraid to make errors and get their
noses rapped" and fall back on the safe thing.

The culture is a state ``z`` (``zero_error_state``, 0-1). The lever
``zero_error_culture`` is the institutions' sanction practice ``s``: it sets
where the culture starts and how strongly errors are sanctioned. Each week
visible errors and blamed failures harden the culture, supportive leadership
and successes soften it; it moves towards

``target = s * (1 + blame_weight * blame) / (1 + support_softening * support + success_softening * successes)``

``dz = culture_rate * (min(1, target) - z)``

with ``blame = (errors + failure_blame * blamed_failures) / workers`` and
``successes = completed / workers`` this week and ``support`` the leaders'
mean backing. Time-scale: ``1 / culture_rate`` weeks (about a year). With
no errors, no backing and no successes the culture holds where the
institutions put it; without sanctions (``s = 0``) errors harden nothing.

Where it bites (each an equation here and nowhere else):
- perceived risk of trying: ``risk = z * (1 - p)``;
- caution on an approval step: ``reject = step_rejection * z * authority_logic``;
- sanction after a failed initiative: energy ``-= sanction_energy * s``,
  mindset ``-= sanction_mindset * s``.
"""

from __future__ import annotations

from typing import Any


def perceived_risk(z: float, practice: float) -> float:
    return z * (1.0 - practice)


def step_rejection(k: Any, z: float, authority_logic: float) -> float:
    """Chance that one administrative approval step says no."""
    return k.step_rejection * z * authority_logic


def sanction(k: Any, zero_error_culture: float) -> tuple[float, float]:
    """(energy loss, mindset loss) for the worker whose initiative failed under blame."""
    return k.sanction_energy * zero_error_culture, k.sanction_mindset * zero_error_culture


def next_state(
    k: Any,
    z: float,
    sanction_strength: float,
    errors: float,
    blamed_failures: int,
    completed: int,
    support: float,
    workers: int,
) -> float:
    """The culture after one week of errors, blamed failures, successes and leaders' backing."""
    n = max(1, workers)
    blame = (errors + k.failure_blame * blamed_failures) / n
    soften = k.support_softening * support + k.success_softening * completed / n
    target = min(1.0, sanction_strength * (1.0 + k.blame_weight * blame) / (1.0 + soften))
    return min(1.0, max(0.0, z + k.culture_rate * (target - z)))

"""Zero-error culture (nulfejlskultur), in all the places it bites (001, 003).

Allentoft (001): the municipality must "slippe nulfejlskulturen" so that
there is room to experiment, accepting that not all new projects succeed the
first time. Vordingborg (003): steering that does not support risk-taking
makes people "fall back on the safe thing"; people are "afraid to make
errors and get their noses rapped".

Three effects, each an equation here and nowhere else:
- perceived risk of trying: ``risk = z * (1 - p)`` (the less one masters the
  process, the likelier a visible mistake);
- caution on an approval step: ``reject = REJECT * z * authority_logic``;
- sanction after a failed initiative: energy ``-= SANCTION_ENERGY * z`` and
  mindset ``-= SANCTION_MINDSET * z`` for the carrying worker.
"""

from __future__ import annotations

REJECT = 0.12
SANCTION_ENERGY = 0.25
SANCTION_MINDSET = 0.15


def perceived_risk(zero_error_culture: float, practice: float) -> float:
    return zero_error_culture * (1.0 - practice)


def step_rejection(zero_error_culture: float, authority_logic: float) -> float:
    """Chance that one administrative approval step says no."""
    return REJECT * zero_error_culture * authority_logic


def sanction(zero_error_culture: float) -> tuple[float, float]:
    """(energy loss, mindset loss) for the worker whose initiative failed."""
    return SANCTION_ENERGY * zero_error_culture, SANCTION_MINDSET * zero_error_culture

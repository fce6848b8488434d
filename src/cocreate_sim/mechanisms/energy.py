"""Worker energy and burn-out (000, 003).

000: making the shift is "a very energy consuming process". 003: cuts and
cross-pressure leave little surplus for new collaboration.

``de = RECOVERY * (1 - e) - SHIFT_COST * trial * (1 - p) - STRAIN * budget_pressure
- OVERLOAD * overload (+ dialogue support, - sanctions)``

A worker whose energy falls below ``BURNOUT`` is burnt out: only operations,
at half pace, until energy is back above ``RECOVERED``.
"""

from __future__ import annotations

RECOVERY = 0.03
SHIFT_COST = 0.14
STRAIN = 0.006
OVERLOAD = 0.02
BURNOUT = 0.2
RECOVERED = 0.5
BURNT_OUT_RECOVERY = 0.02


def energy_change(e: float, p: float, trial: float, budget_pressure: float, overload: float) -> float:
    return RECOVERY * (1.0 - e) - SHIFT_COST * trial * (1.0 - p) - STRAIN * budget_pressure - OVERLOAD * overload

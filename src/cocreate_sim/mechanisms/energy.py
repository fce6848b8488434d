"""Worker energy, strain and burn-out: the strain loop (000, 003).

000_1eb98d991477f04b.txt: making the shift is "a very energy consuming
process". 003_2ba0a2bc3f04f1f8.txt: cuts and cross-pressure leave little
surplus; front figures are fragile, carry much alone and may leave or be
decoupled when the organisation does not carry them.

Energy ``e`` (0-1) moves each week by

``de = recovery * (1 - e) - job_strain * workload * (0.5 + budget_pressure)
- overload_strain * overload - (shift_cost * trial * (1 - p) + dual_load * unfunded * behind) * (1 - carry * support)``

(plus ``dialogue_energy`` after a value talk and minus a sanction after a
blamed failure). ``workload`` is the worker's own share of the job's demands
(mean 1, spread ``workload_spread``): jobs differ. ``unfunded`` is the share
of the week spent co-creating beyond the hours funded for it
(``capacity_set_aside``) and ``behind`` the department's backlog in weeks of
its capacity (capped at 1): co-creating on top of an operations job that is
behind is a double load (003: cross-pressure; front figures carry it alone).
``support`` is the leader's backing: a leader who carries the worker takes
part of both costs.

Definitions (fixed before any figure was looked at):
- **strain**: energy below ``strain_level``; a strained worker leaves
  ``strain_leaving`` times as often;
- **burn-out**: energy below ``burnout_level``; a burnt-out worker does only
  operations, at half pace, until energy is back above ``recovered_level``.
"""

from __future__ import annotations

from typing import Any


def energy_change(
    k: Any,
    e: float,
    p: float,
    trial: float,
    budget_pressure: float,
    overload: float,
    workload: float,
    support: float,
    unfunded: float = 0.0,
    behind: float = 0.0,
) -> float:
    job = k.job_strain * workload * (0.5 + budget_pressure) + k.overload_strain * overload
    shift = (k.shift_cost * trial * (1.0 - p) + k.dual_load * unfunded * behind) * (1.0 - k.carry * support)
    return k.recovery * (1.0 - e) - job - shift


def strained(k: Any, e: float) -> bool:
    return e < k.strain_level


def leaving_factor(k: Any, e: float) -> float:
    """How many times more often than turnover alone a worker with energy ``e`` leaves."""
    return k.strain_leaving if e < k.strain_level else 1.0

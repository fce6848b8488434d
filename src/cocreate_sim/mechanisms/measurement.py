"""What leaders are measured on, and how it pulls staff back to operations (003).

Vordingborg (003): "Man faar det, man maaler!" Rewards and measurement
(complaints, budget, operations) do not reward collaboration, so people fall
back on "the safe thing: operations, what they are measured on". The
municipality's efficiency logic sets how much the old KPIs count, and a
rising backlog makes them bite harder; an extra bottom line for co-creation
value competes with them.

``pull = E / (E + V)``, where ``E = efficiency_logic * (1 + backlog_pressure)``
and ``V = measure_cocreation_value + MIN_WEIGHT``. The pull scales how much
of a worker's willingness survives (see :mod:`time_allocation`).
"""

from __future__ import annotations

MIN_WEIGHT = 0.15
"""What co-creation counts for when nobody measures it (a little goodwill)."""


def operations_pull(efficiency_logic: float, measure_cocreation_value: float, backlog_pressure: float) -> float:
    """Share of attention the old KPIs claim (0-1)."""
    e = efficiency_logic * (1.0 + backlog_pressure)
    v = measure_cocreation_value + MIN_WEIGHT
    return e / (e + v)


def backlog_pressure(backlog_hours: float, weekly_capacity: float) -> float:
    """Backlog measured in weeks of the department's capacity, capped at 1."""
    if weekly_capacity <= 0:
        return 1.0
    return min(1.0, backlog_hours / weekly_capacity)


def inclusion_focus(measure_inclusion: float, outreach_weak_groups: float) -> float:
    """How strongly a worker attends to weak groups' needs (0-1).

    Measuring inclusion makes leaders ask for it; deliberate outreach puts
    staff in contact with weak groups (000: new knowledge of weaker groups'
    needs).
    """
    return 1.0 - (1.0 - measure_inclusion) * (1.0 - outreach_weak_groups)

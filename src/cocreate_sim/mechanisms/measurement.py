"""What leaders are measured on, and how it pulls staff back to operations (003).

Vordingborg (003_2ba0a2bc3f04f1f8.txt): "Man faar det, man maaler!" Rewards
and measurement (complaints, budget, operations) do not reward collaboration,
so people fall back on "the safe thing: operations, what they are measured
on". This is the one pull: backlog, complaints and errors all act through it.

``pressure = min(1, backlog / capacity + complaint_pressure * complaints / workers
+ error_pressure * errors / workers)`` (the KPIs a leader reads this week);
``pull = E / (E + V)`` with ``E = efficiency_logic * (1 + pressure)`` and
``V = measure_cocreation_value + measured_goodwill``. The pull scales how much
of a worker's willingness survives (:mod:`time_allocation`) and how much a
leader backs co-creation (:mod:`governance`).
"""

from __future__ import annotations

from typing import Any


def operations_pull(k: Any, efficiency_logic: float, measure_cocreation_value: float, pressure: float) -> float:
    """Share of attention the old KPIs claim (0-1)."""
    e = efficiency_logic * (1.0 + pressure)
    v = measure_cocreation_value + k.measured_goodwill
    return e / (e + v)


def kpi_pressure(
    k: Any, backlog_hours: float, weekly_capacity: float, complaints: float, errors: float, workers: int
) -> float:
    """What the old KPIs show a leader: backlog in weeks of capacity, complaints and errors per worker, capped at 1."""
    if weekly_capacity <= 0 or workers <= 0:
        return 1.0
    raw = (
        backlog_hours / weekly_capacity
        + k.complaint_pressure * complaints / workers
        + k.error_pressure * errors / workers
    )
    return min(1.0, raw)


def outreach_effort(k: Any, measure_inclusion: float, outreach_weak_groups: float) -> float:
    """Share of the outreach hours a practising worker gives weak groups (0-1).

    Deliberate outreach orders it; measuring inclusion makes leaders ask for
    it (you get what you measure, 003), up to ``inclusion_effort`` of full.
    """
    return 1.0 - (1.0 - outreach_weak_groups) * (1.0 - k.inclusion_effort * measure_inclusion)

"""Operations (drift) and the investment loop: demand, relief, backlog, complaints, errors (002, 003, 004).

The municipality is "traditionally an operations organisation that must
deliver safe operations and keep its budgets" (003_2ba0a2bc3f04f1f8.txt).
Co-creation is an investment (003: it does not save resources in the short
run; 004_72bd60a54f0c9cbc.txt: "Ressourceforbruget er reduceret"; 002: it
mobilises resources no single actor has). Where the hours land:

- **cost**: hours spent co-creating (and on outreach and facilitation) are
  taken from operations in the worker's own department;
- **return**: a completed initiative returns capacity to the department that
  ran it by two mechanisms: citizens and volunteers take over tasks
  (``volunteer relief``, ``relief_per_value`` hours a week per unit of value,
  wearing off with volunteer attrition) and better-fitting solutions with
  less rework and resistance lower demand (``fit relief``, ``fit_per_value``
  hours a week per unit of value, wearing off at ``fit_decay`` a week as
  needs change); what a department can hand over is at most
  ``max_relief_share`` of its demand;
- **maintenance**: unfunded upkeep of co-created facilities is owed by
  operations (department 0) (:mod:`maintenance`);
- **harvest** (the NPM ratchet, 003: cuts and digitalisation leave "no
  surplus" for new collaboration): operations hours left idle after the
  backlog is cleared are seen as slack and cut away, as far as the old KPIs
  claim leaders' attention (the pull, :mod:`measurement`): each week a
  department's demand factor rises by
  ``harvest_rate * budget_pressure * pull * idle / capacity``, up to
  ``max_demand_share`` of its hours; cuts are not given back (a ratchet), so
  returned capacity that is not used is harvested too;
- **lending**: leaders move spare hours (hours done beyond what was owed)
  to departments with a backlog: a share
  ``(1 - silo_strength) * (lending_base + (1 - lending_base) * top_management_focus)``
  of the spare hours is pooled and shared in proportion to backlog.

``demand = workers * HOURS * min(max_demand_share, factor * ops_share * (1 + budget_demand * budget_pressure))
* (1 - capacity_set_aside)``
``owed = demand - returned (+ unfunded maintenance in operations)``
``backlog' = max(0, (1 - write_off) * backlog + owed - done)``
``complaints = complaints_per_backlog_week * backlog / HOURS + complaints_per_disappointed * disappointed``
``errors = errors_per_overload * overload_workers + errors_per_trial * untried_hours / HOURS``
``net_payback' = net_payback + returned - cocreation_hours - unfunded_maintenance``

The write-off (work that is never done) bounds the backlog; the cap and the
wearing-off bound the relief.
"""

from __future__ import annotations

from typing import Any


def demand(
    k: Any, n_workers: int, hours: float, budget_pressure: float, capacity_set_aside: float, factor: float
) -> float:
    share = min(k.max_demand_share, factor * k.ops_share * (1.0 + k.budget_demand * budget_pressure))
    return n_workers * hours * share * (1.0 - capacity_set_aside)


def next_demand_factor(
    k: Any, factor: float, idle_hours: float, capacity: float, pull: float, budget_pressure: float
) -> float:
    """The NPM ratchet: idle operations hours are cut away, never given back."""
    if capacity <= 0 or idle_hours <= 0:
        return factor
    return factor + k.harvest_rate * pull * budget_pressure * idle_hours / capacity


def next_backlog(k: Any, backlog: float, owed: float, done: float) -> float:
    return max(0.0, (1.0 - k.write_off) * backlog + owed - done)


def overload(owed: float, done: float) -> float:
    return max(0.0, owed - done) / owed if owed > 0 else 0.0


def complaints(k: Any, backlog_hours: float, hours: float, disappointed: int) -> float:
    return k.complaints_per_backlog_week * backlog_hours / hours + k.complaints_per_disappointed * disappointed


def errors(k: Any, overload_workers: float, untried_hours: float, hours: float) -> float:
    return k.errors_per_overload * overload_workers + k.errors_per_trial * untried_hours / hours


def next_volunteer_relief(k: Any, relief: float, volunteer_attrition: float, new_value: float) -> float:
    """Weekly operations hours mobilised citizens carry in a department."""
    return (1.0 - volunteer_attrition) * relief + k.relief_per_value * new_value


def next_fit_relief(k: Any, relief: float, new_value: float) -> float:
    """Weekly operations demand that better-fitting solutions have removed in a department."""
    return (1.0 - k.fit_decay) * relief + k.fit_per_value * new_value


def returned(k: Any, volunteer_relief: float, fit_relief: float, demand_hours: float) -> float:
    """Capacity returned this week: the relief, up to what a department can hand over."""
    return min(volunteer_relief + fit_relief, k.max_relief_share * demand_hours)


def lending_share(k: Any, silo_strength: float, top_management_focus: float) -> float:
    """Share of departments' spare hours their leaders move to departments with a backlog."""
    return (1.0 - silo_strength) * (k.lending_base + (1.0 - k.lending_base) * top_management_focus)


def lend(spare: list[float], backlog: list[float], share: float) -> list[float]:
    """Hours each department receives (positive) or gives (negative) this week."""
    pool = share * sum(spare)
    need = sum(backlog)
    if pool <= 0 or need <= 0:
        return [0.0] * len(spare)
    given = min(pool, need)
    give_share = given / sum(spare)
    return [given * b / need - give_share * s for s, b in zip(spare, backlog, strict=True)]

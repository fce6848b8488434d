"""Operations (drift): demand, backlog, complaints and errors (003).

The municipality is "traditionally an operations organisation that must
deliver safe operations and keep its budgets" (003). Each department owes a
weekly operations demand; hours spent co-creating, burnt-out colleagues and
unfunded maintenance of co-created facilities leave part of it undone, which
piles up as backlog; backlog breeds complaints, overload breeds errors, and
untried ways of working breed a few more.

Co-creation is an investment (003: "it does not save resources in the short
run"; 004: "more resources in the short run, but not in the long run"): a
completed initiative mobilises citizens' resources that take over part of the
department's operations (003: harbour users clear the stones so that
operations can sow the grass), in proportion to the value it created; like
all volunteering, that relief wears off with volunteer attrition.

``demand = workers * HOURS * OPS_SHARE * (1 + BUDGET_DEMAND * budget_pressure) * (1 - capacity_set_aside)``
``backlog' = max(0, (1 - WRITE_OFF) * backlog + demand + unfunded_maintenance - ops_hours)``
``relief' = (1 - volunteer_attrition) * relief + RELIEF_PER_VALUE * value`` (per department)
``complaints = COMPLAINTS_PER_BACKLOG_WEEK * backlog / HOURS + disappointed * 0.3``
``errors = ERRORS_PER_OVERLOAD * overload * workers + ERRORS_PER_TRIAL * sum(cocreation_hours * (1 - p)) / HOURS``
"""

from __future__ import annotations

OPS_SHARE = 0.85
BUDGET_DEMAND = 0.12
WRITE_OFF = 0.05
COMPLAINTS_PER_BACKLOG_WEEK = 0.5
COMPLAINTS_PER_DISAPPOINTED = 0.3
ERRORS_PER_OVERLOAD = 2.0
ERRORS_PER_TRIAL = 0.5
RELIEF_PER_VALUE = 1.0
"""Operations hours a week citizens take over per unit of value an initiative created."""


def demand(n_workers: int, hours: float, budget_pressure: float, capacity_set_aside: float) -> float:
    return n_workers * hours * OPS_SHARE * (1.0 + BUDGET_DEMAND * budget_pressure) * (1.0 - capacity_set_aside)


def next_backlog(backlog: float, owed: float, done: float) -> float:
    return max(0.0, (1.0 - WRITE_OFF) * backlog + owed - done)


def overload(owed: float, done: float) -> float:
    return max(0.0, owed - done) / owed if owed > 0 else 0.0


def complaints(backlog_hours: float, hours: float, disappointed: int) -> float:
    return COMPLAINTS_PER_BACKLOG_WEEK * backlog_hours / hours + COMPLAINTS_PER_DISAPPOINTED * disappointed


def errors(overload_workers: float, untried_hours: float, hours: float) -> float:
    return ERRORS_PER_OVERLOAD * overload_workers + ERRORS_PER_TRIAL * untried_hours / hours


def next_relief(relief: float, volunteer_attrition: float, new_value: float) -> float:
    """Weekly operations hours mobilised citizens carry in a department."""
    return (1.0 - volunteer_attrition) * relief + RELIEF_PER_VALUE * new_value

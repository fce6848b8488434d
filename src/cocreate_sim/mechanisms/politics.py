"""The political loop: a council member's week (004).

Torfing (004_72bd60a54f0c9cbc.txt): politicians drown in casework and
rubber-stamp recommendations; in the Gentofte model standing committees are
cut to four meetings of two hours a year, politicians develop policy with
citizens on task committees, and "the total time spent must not rise".
EVIDENCE.md: committees of about 10 citizens and 5 politicians meet 5-7 times
over 9-12 months.

A politician's week, in hours:
- council: ``council_hours`` (the city council's meetings and their papers);
- standing committees: ``standing_hours``, cut to ``gentofte_standing_hours``
  when task committees run (4 x 2 hours a year);
- casework (preparing cases): ``casework_hours`` a week in a council of 25,
  shared by the council (``* 25 / n_politicians``: a larger council splits
  the cases more ways); when task committees run, cases are delegated to the
  administration and ``casework_kept`` of it remains;
- task committees: ``meetings * meeting_hours * (1 + preparation) / weeks`` per
  seat, i.e. ``tc_meetings * tc_meeting_hours * (1 + tc_preparation) / tc_weeks``;
- own policy work: ``policy_hours``.
What gives way when committees start: the standing committees' meetings and
the casework delegated with them (Gentofte's choice); nothing is added to fill
the hours freed. ``politician_hours_total`` is the sum, so whether the total rises
is an outcome, not an assumption.
"""

from __future__ import annotations

from typing import Any

REFERENCE_COUNCIL = 25
"""Council size at which ``casework_hours`` is stated (design: the default council)."""


def standing_hours(k: Any, task_committees: int) -> float:
    return k.gentofte_standing_hours if task_committees > 0 else k.standing_hours


def casework_hours(k: Any, task_committees: int, n_politicians: int) -> float:
    """Council and standing-committee meetings and the casework they bring, per politician."""
    cases = k.casework_hours * REFERENCE_COUNCIL / n_politicians
    if task_committees > 0:
        cases *= k.casework_kept
    return k.council_hours + standing_hours(k, task_committees) + cases


def task_committee_hours(k: Any, seats: int) -> float:
    """Weekly hours of ``seats`` task-committee seats at realistic meeting loads."""
    return seats * k.tc_meetings * k.tc_meeting_hours * (1.0 + k.tc_preparation) / k.tc_weeks


def policy_hours(k: Any, seats: int) -> float:
    """Hours of policy development: own policy work and task committees with citizens."""
    return k.policy_hours + task_committee_hours(k, seats)

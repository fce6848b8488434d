"""Leaders' backing, politicians' time and power sharing, trust and legitimacy.

Leader support (003): co-creation needs "capacity set aside", "leadership that
supports the front-figure role and gives room", and "mandate and backing from
the nearest leader and top management"; cuts crowd it out. The co-creation
logic, as a further layer (003), is what makes it part of the core task.
``target = 0.3 * cocreation_logic + 0.3 * top_focus + 0.2 * (1 - pull) + 0.2 * anchoring
- 0.3 * budget_pressure``; support moves a tenth of the way each week.

Politicians (004): in the Gentofte model standing committees are cut to
4 x 2 hours a year and politicians sit on task committees; the total time
must not rise. Casework ``CASEWORK`` hours a week, cut by ``GENTOFTE_CUT``
when task committees run; policy ``COMMITTEE_HOURS`` per committee seat.
Power sharing is learnt by sharing it: ``dps = LEARN * seat * (1 - ps) -
RELAX * (ps - baseline)``, where the baseline rises with political anchoring.

Trust (002, 003): participants of a success gain trust, of a failure or an
abandonment lose it, leavers lose some; all drift slowly to their baseline.
Legitimacy (002, 004): ``target = 0.5 * trust + 0.25 * min(inclusion, 1) +
0.25 * min(1, policy_hours / COMMITTEE_HOURS)``, smoothed.
"""

from __future__ import annotations

CASEWORK = 9.0
GENTOFTE_CUT = 0.55
COMMITTEE_HOURS = 3.0
BASE_POLICY = 0.5
LEARN = 0.02
RELAX = 0.01
TRUST_SUCCESS = 0.12
TRUST_FAILURE = 0.10
TRUST_DROPOUT = 0.06
TRUST_DRIFT = 0.003
TRUST_SPILLOVER = 0.03
LEGITIMACY_SMOOTH = 0.05


def leader_support_target(
    cocreation_logic: float, top_focus: float, pull: float, anchoring: float, budget_pressure: float
) -> float:
    t = 0.3 * cocreation_logic + 0.3 * top_focus + 0.2 * (1.0 - pull) + 0.2 * anchoring - 0.3 * budget_pressure
    return min(1.0, max(0.0, t))


def casework_hours(task_committees: int) -> float:
    return CASEWORK * (1.0 - GENTOFTE_CUT) if task_committees > 0 else CASEWORK


def policy_hours(seats: int) -> float:
    return BASE_POLICY + COMMITTEE_HOURS * seats


def power_sharing_change(ps: float, seats: int, baseline: float) -> float:
    return LEARN * min(seats, 1) * (1.0 - ps) - RELAX * (ps - baseline)


def power_sharing_baseline(power_sharing: float, anchoring: float) -> float:
    return power_sharing + (1.0 - power_sharing) * 0.3 * anchoring


def legitimacy_target(trust_mean: float, inclusion_ratio: float, policy_hours_mean: float) -> float:
    policy = min(1.0, max(0.0, (policy_hours_mean - BASE_POLICY) / COMMITTEE_HOURS))
    return 0.5 * trust_mean + 0.25 * min(1.0, inclusion_ratio) + 0.25 * policy

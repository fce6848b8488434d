"""Leaders' backing, power sharing, and what citizens conclude: trust and legitimacy (002, 003, 004).

Leader support (003_2ba0a2bc3f04f1f8.txt): co-creation needs "capacity set
aside", "leadership that supports the front-figure role and gives room", and
"mandate and backing from the nearest leader and top management"; cuts crowd
it out; the co-creation logic, as a further layer, makes it part of the core
task. ``target = 0.3 * cocreation_logic + 0.3 * top_focus + 0.2 * (1 - pull)
+ 0.2 * anchoring - 0.3 * budget_pressure``; support closes ``support_speed``
of the gap each week.

Power sharing (004_72bd60a54f0c9cbc.txt) is learnt by sharing it:
``dps = power_learning * seated * (1 - ps) - power_relaxation * (ps - baseline)``,
where the baseline rises with political anchoring.

Trust (the efficacy loop) is each citizen's, and moves with what happens to
them and to people they know: a success ``+trust_success * (1 - t)``, a failure
or abandonment ``-trust_failure * t``, giving up ``-trust_dropout * t``, being
ignored (an idea nobody takes up) ``-trust_ignored * t``, each week of waiting
on a decision ``-trust_waiting * t``, a complaint answered ``+trust_answered *
(1 - t)`` or left unanswered ``-trust_unanswered * t``; word of a success
reaches ``spillover_contacts`` acquaintances per member with
``+trust_spillover * (1 - t)``; all drift back to ``trust_baseline`` at
``trust_drift`` a week.

Legitimacy (002, 004) is each citizen's own assessment of political steering,
kept apart from trust: being heard where decisions are made (a completed
initiative the council or a task committee decided) ``+legitimacy_heard *
(1 - l)``, any other completed initiative half that, overruled or ignored
``-legitimacy_overruled * l``, a complaint answered or not ``+-legitimacy_complaint``;
word of a politically decided result reaches members' acquaintances, and
``publicity_reach`` of all inhabitants hear of it (``+legitimacy_news * (1 - l)``);
all drift back to ``legitimacy_baseline`` at ``trust_drift``.
"""

from __future__ import annotations

from typing import Any


def leader_support_target(
    cocreation_logic: float, top_focus: float, pull: float, anchoring: float, budget_pressure: float
) -> float:
    """Weights of the five sources of backing (design: equal-order weights; 003 names them, not their sizes)."""
    t = 0.3 * cocreation_logic + 0.3 * top_focus + 0.2 * (1.0 - pull) + 0.2 * anchoring - 0.3 * budget_pressure
    return min(1.0, max(0.0, t))


def power_sharing_change(k: Any, ps: float, seats: int, baseline: float) -> float:
    return k.power_learning * min(seats, 1) * (1.0 - ps) - k.power_relaxation * (ps - baseline)


def power_sharing_baseline(k: Any, power_sharing: float, anchoring: float) -> float:
    return power_sharing + (1.0 - power_sharing) * k.anchoring_power * anchoring


def complaint_answered(k: Any, backlog_pressure: float) -> float:
    """Chance that a complaint gets an answer: operations answers when it is not swamped."""
    return 1.0 - k.unanswered_at_full_backlog * backlog_pressure

"""The designs of the six pattern experiments: arms, contrasts and pattern 6's backlog shock.

Declarations only (what each experiment compares and what it predicts);
:mod:`cocreate_sim.patterns` runs them, measures the effects and publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .i18n import N_
from .model import CoCreationModel

HORIZON = 156
"""Three years: the span 003 recommends for co-creation practice arenas (oevebaner)."""
SHOCK_WEEK = 104
"""Pattern 6: the backlog shock lands after this many weeks (two years: past the start-up transient)."""
SHOCK_SIZE = 2.0
"""Pattern 6: weeks of each department's capacity (workers x 37 hours) the shock adds to its backlog."""
SHOCK_WINDOW = 13
"""Pattern 6: weeks after the shock over which the response is averaged (a quarter, as KPIs are read)."""

NPG_CONTEXT: dict[str, Any] = {
    # Co-creation as a further layer (003): what measured, backing, room, short paths.
    "cocreation_logic": 0.6,
    "measure_cocreation_value": 0.5,
    "zero_error_culture": 0.2,
    "discretion": 0.6,
    "top_management_focus": 0.6,
    "decision_path_length": 2,
    "capacity_set_aside": 0.15,
}
"""A municipality where everything but the lever under test favours co-creation."""


@dataclass(frozen=True)
class Contrast:
    """``outcome(arm b) - outcome(arm a)`` expected to have sign ``sign``.

    Measured at the final week, or, with ``after_shock``, as the mean over the
    pattern's response window (the weeks after its shock).
    """

    outcome: str
    a: str
    b: str
    sign: int
    claim: str
    after_shock: bool = False


@dataclass(frozen=True)
class BacklogShock:
    """A disturbance of a running model: ``size`` weeks of capacity added to every department's backlog.

    It lands after ``week`` weeks (before week ``week + 1`` is run); the
    response is the mean over weeks ``week + 1`` to ``week + window``, cut
    at the horizon. A horizon that ends before week ``week + 1`` moves the
    shock to half the horizon (so that a quick trial with ``--steps 3`` still
    runs).
    """

    week: int = SHOCK_WEEK
    size: float = SHOCK_SIZE
    window: int = SHOCK_WINDOW

    def timing(self, horizon: int) -> tuple[int, int]:
        """(week after which the shock lands, last week of the response window) for ``horizon`` weeks."""
        week = self.week if self.week < horizon else horizon // 2
        return week, min(horizon, week + self.window)

    def describe(self, horizon: int) -> str:
        week, last = self.timing(horizon)
        return (
            f"{self.size:g} weeks of each department's capacity added to its backlog after week {week}; "
            f"response = mean over weeks {week + 1}-{last}"
        )


def backlog_shock(model: CoCreationModel, size: float) -> None:
    """Add ``size`` weeks of each department's capacity (workers x weekly hours) to its backlog, now."""
    for dept in model.departments:
        dept.backlog += size * dept.capacity


@dataclass(frozen=True)
class Pattern:
    key: str
    title: str
    source: str
    context: dict[str, Any]
    arms: dict[str, dict[str, Any]]
    contrasts: tuple[Contrast, ...]
    figure_outcome: str
    horizon: int = HORIZON
    shock: BacklogShock | None = None
    """The disturbance of this pattern's shocked arms (and the response window of every arm)."""
    shocked: tuple[str, ...] = ()
    """Arms that receive :attr:`shock`; the others are their undisturbed twins."""


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "zero_error",
        N_("A stronger zero-error culture lowers co-creation uptake"),
        "001, 003",
        {},
        {
            "weak zero-error culture (0.1)": {"zero_error_culture": 0.1},
            "strong zero-error culture (0.9)": {"zero_error_culture": 0.9},
        },
        (
            Contrast(
                "uptake",
                "weak zero-error culture (0.1)",
                "strong zero-error culture (0.9)",
                -1,
                N_("uptake falls when errors are sanctioned harder"),
            ),
        ),
        "uptake",
    ),
    Pattern(
        "decision_path",
        N_("Longer decision paths raise citizen drop-out and lower completed initiatives"),
        "001",
        {},
        {"short path (1 step)": {"decision_path_length": 1}, "long path (8 steps)": {"decision_path_length": 8}},
        (
            Contrast(
                "dropout_rate",
                "short path (1 step)",
                "long path (8 steps)",
                +1,
                N_("more citizens give up while waiting"),
            ),
            Contrast(
                "initiatives_completed",
                "short path (1 step)",
                "long path (8 steps)",
                -1,
                N_("fewer initiatives are completed"),
            ),
        ),
        "dropout_rate",
    ),
    Pattern(
        "leader_dialogue",
        N_("Without leader dialogue the shift stalls; with it, it happens, in an S-shaped rise"),
        "000",
        NPG_CONTEXT,
        {"no leader dialogue": {"leader_dialogue": 0.0}, "leader dialogue (1.0)": {"leader_dialogue": 1.0}},
        (Contrast("uptake", "no leader dialogue", "leader dialogue (1.0)", +1, N_("dialogue carries the shift")),),
        "uptake",
    ),
    Pattern(
        "intertwined_learning",
        N_("Mindset without practice, or practice without mindset, does not give uptake"),
        "000",
        {**NPG_CONTEXT, "leader_dialogue": 0.0},
        {
            "mindset only (courses)": {"mindset_training": 1.0},
            "practice only (orders)": {"practice_mandate": 1.0},
            "both together": {"mindset_training": 1.0, "practice_mandate": 1.0},
        },
        (
            Contrast(
                "uptake", "mindset only (courses)", "both together", +1, N_("adding practice to mindset raises uptake")
            ),
            Contrast(
                "uptake", "practice only (orders)", "both together", +1, N_("adding mindset to practice raises uptake")
            ),
        ),
        "uptake",
    ),
    Pattern(
        "outreach",
        N_("Without outreach weak groups are under-represented; outreach and network design narrow the gap"),
        "000, 001, 002, 003",
        {},
        {
            "no outreach": {"outreach_weak_groups": 0.0, "network_design": 0.2},
            "outreach only (0.8)": {"outreach_weak_groups": 0.8, "network_design": 0.2},
            "network design only (0.8)": {"outreach_weak_groups": 0.0, "network_design": 0.8},
            "outreach and network design": {"outreach_weak_groups": 0.8, "network_design": 0.8},
        },
        (
            Contrast(
                "representation_gap",
                "no outreach",
                "outreach only (0.8)",
                -1,
                N_(
                    "outreach hours (relations with weak groups, knowledge of their needs) narrow the gap "
                    "|1 - inclusion ratio|"
                ),
            ),
            Contrast(
                "representation_gap",
                "no outreach",
                "network design only (0.8)",
                -1,
                N_("network design (broad advertisement instead of the usual networks) narrows the gap"),
            ),
            Contrast(
                "representation_gap",
                "no outreach",
                "outreach and network design",
                -1,
                N_("the two together narrow the gap"),
            ),
        ),
        "inclusion_ratio",
    ),
    Pattern(
        "measurement",
        N_("Measuring only the old KPIs pulls staff back to operations; measuring co-creation value raises uptake"),
        "003",
        {},
        {
            "old KPIs only (undisturbed)": {"measure_cocreation_value": 0.0},
            "old KPIs only, backlog shock": {"measure_cocreation_value": 0.0},
            "co-creation value measured (0.7)": {"measure_cocreation_value": 0.7},
        },
        (
            Contrast(
                "operations_pull_mean",
                "old KPIs only (undisturbed)",
                "old KPIs only, backlog shock",
                +1,
                N_("after a backlog shock leaders' pull towards operations rises"),
                after_shock=True,
            ),
            Contrast(
                "hours_cocreation",
                "old KPIs only (undisturbed)",
                "old KPIs only, backlog shock",
                -1,
                N_("and workers move hours from co-creation back to operations"),
                after_shock=True,
            ),
            Contrast(
                "uptake",
                "old KPIs only (undisturbed)",
                "co-creation value measured (0.7)",
                +1,
                N_("measuring co-creation value raises uptake"),
            ),
        ),
        "operations_pull_mean",
        shock=BacklogShock(),
        shocked=("old KPIs only, backlog shock",),
    ),
)

BY_KEY = {p.key: p for p in PATTERNS}

ALL_CLAIMS = N_("all claims of the pattern")
"""The row of a robust-conclusions table that holds when every claim of its pattern does."""

REPORTED_AFTER_SHOCK = ("uptake", "hours_operations", "backlog", "complaints", "burnout_share")
"""Outcomes whose response to a shock is reported (paired difference and interval) but not asserted."""
REPORTED_PER_ARM = ("strain_share", "burnout_share")
"""Outcomes reported for every arm at the final week but not asserted: the strain loop, where a lever's cost to
the workers shows (the staff survey puts strain at 0.10-0.25, shared/EVIDENCE.md)."""

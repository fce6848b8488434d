"""What is observed, defined once.

Each column of the model table is a ``@property`` on :class:`CoCreationModel`
with the same name; :data:`COLUMNS` says what it means and in which unit, and
is what the DataCollector, ``run_model``, the reports and the docs read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    meaning: str
    group: str


_COLUMNS = [
    Column(
        "uptake",
        "share 0-1",
        "Share of frontline workers who chose this week to spend at least "
        "10% of their hours co-creating (ordered hours do not count).",
        "uptake",
    ),
    Column("mindset_mean", "0-1", "Mean mental understanding of co-creation among workers (000).", "uptake"),
    Column("practice_mean", "0-1", "Mean mastery of the changed work process among workers (000).", "uptake"),
    Column("energy_mean", "0-1", "Mean worker energy.", "staff"),
    Column(
        "strain_share",
        "share 0-1",
        "Share of workers under strain: energy below the strain level (0.4; burnt-out workers included).",
        "staff",
    ),
    Column(
        "burnout_share",
        "share 0-1",
        "Share of workers burnt out (energy below 0.2; they only do operations until it is back above 0.5).",
        "staff",
    ),
    Column(
        "zero_error_state",
        "0-1",
        "The zero-error culture as it is lived this week: hardened by errors and blamed failures, "
        "softened by leaders' backing and successes; starts at the zero_error_culture lever.",
        "staff",
    ),
    Column(
        "operations_pull_mean",
        "share 0-1",
        "Leaders' mean pull towards operations: the share of attention the old KPIs (backlog, complaints, "
        "errors) claim against measured co-creation value.",
        "staff",
    ),
    Column("initiatives_active", "count", "Initiatives in approval or running now.", "initiatives"),
    Column("initiatives_started", "count, cumulative", "Initiatives proposed so far.", "initiatives"),
    Column("initiatives_completed", "count, cumulative", "Initiatives that ended in success.", "initiatives"),
    Column(
        "initiatives_failed",
        "count, cumulative",
        "Initiatives that failed (rejected, broke down, or could not be realised).",
        "initiatives",
    ),
    Column(
        "initiatives_abandoned",
        "count, cumulative",
        "Initiatives abandoned because citizens left or the carrying worker left.",
        "initiatives",
    ),
    Column("participants", "citizens", "Inhabitants taking part in an initiative now.", "inclusion"),
    Column(
        "volunteer_retention",
        "share 0-1",
        "Of the inhabitants taking part in an initiative 52 weeks ago, the share taking part now "
        "(in any initiative; 0 in the first 52 weeks).",
        "inclusion",
    ),
    Column(
        "repeat_participation_after_success",
        "share 0-1",
        "Of the participations that ended in success 104 to 52 weeks ago, the share whose inhabitant "
        "joined an initiative again within 52 weeks of that end (0 until there are any).",
        "inclusion",
    ),
    Column(
        "repeat_participation_after_failure",
        "share 0-1",
        "The same for participations that ended in failure: the initiative failed or was abandoned, "
        "or the inhabitant gave up (leaving for one's own reasons counts as neither).",
        "inclusion",
    ),
    Column(
        "weak_share_participants",
        "share 0-1",
        "Share of weak-group citizens among all who have joined an initiative so far (0 before anyone joined).",
        "inclusion",
    ),
    Column("weak_share_population", "share 0-1", "Share of weak-group citizens in the population.", "inclusion"),
    Column(
        "inclusion_ratio",
        "ratio",
        "weak_share_participants / weak_share_population: 1 means weak "
        "groups take part in proportion, below 1 under-represented.",
        "inclusion",
    ),
    Column(
        "weak_needs_addressed_share",
        "share 0-1",
        "Share of completed initiatives that address the needs of weak groups.",
        "inclusion",
    ),
    Column(
        "public_value",
        "value units, cumulative",
        "Public value created by completed initiatives (democracy, efficiency, innovation gains; 002).",
        "outcomes",
    ),
    Column("trust_mean", "0-1", "Citizens' mean trust in the municipality.", "outcomes"),
    Column(
        "legitimacy",
        "0-1",
        "Inhabitants' mean assessment of political steering, each their own: raised by being heard "
        "where politicians decide (the council's step, task committees) and answered complaints, "
        "lowered by being turned down, ignored or left unanswered (004).",
        "outcomes",
    ),
    Column("hours_operations", "hours per week", "Frontline hours spent on operations this week.", "staff"),
    Column(
        "hours_cocreation",
        "hours per week",
        "Frontline hours spent co-creating this week (chosen and ordered).",
        "staff",
    ),
    Column(
        "maintenance_hours",
        "hours per week",
        "Weekly maintenance load of co-created facilities, funded and unfunded.",
        "staff",
    ),
    Column(
        "unfunded_maintenance_hours",
        "hours per week",
        "The part of that load operations pays from its own hours (not volunteers, not the pool).",
        "staff",
    ),
    Column("facilities_count", "count", "Co-created facilities that still need the municipality's care.", "staff"),
    Column(
        "capacity_returned_hours",
        "hours per week",
        "Operations hours returned this week by what co-creation built: tasks citizens took over and "
        "demand removed by better-fitting solutions.",
        "staff",
    ),
    Column(
        "net_payback_hours",
        "hours, cumulative",
        "Capacity returned minus hours spent co-creating minus unfunded maintenance, summed since week 0 "
        "(negative: co-creation has cost more hours than it returned so far).",
        "staff",
    ),
    Column("backlog", "hours", "Operations work not done (piles up when demand exceeds hours).", "staff"),
    Column(
        "complaints",
        "per week",
        "Citizen complaints this week (from backlog and from failed or abandoned initiatives).",
        "outcomes",
    ),
    Column("errors", "per week", "Errors this week (from overload and from untried ways of working).", "outcomes"),
    Column(
        "decision_weeks_mean",
        "weeks",
        "Mean weeks from proposal to decision over initiatives decided so far.",
        "initiatives",
    ),
    Column(
        "dropout_rate",
        "share 0-1",
        "Citizens who left an initiative before it ended, over all who joined so far.",
        "inclusion",
    ),
    Column("power_sharing_mean", "0-1", "Politicians' mean readiness to share power.", "politics"),
    Column(
        "politician_hours_policy",
        "hours per week",
        "Mean hours a politician spends on policy development: own policy work and task committees with citizens.",
        "politics",
    ),
    Column(
        "politician_hours_casework",
        "hours per week",
        "Mean hours a politician spends in council and standing committees and on their casework.",
        "politics",
    ),
    Column(
        "politician_hours_total",
        "hours per week",
        "Mean hours a politician spends on council work in all: casework, committees and policy.",
        "politics",
    ),
]

COLUMNS: dict[str, Column] = {c.name: c for c in _COLUMNS}
"""Every model-table column, by name, in display order."""

COLUMN_NAMES: list[str] = list(COLUMNS)

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
        "burnout_share",
        "share 0-1",
        "Share of workers burnt out (energy ran out; they only do operations until they recover).",
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
    Column("participants", "citizens", "Citizens taking part in an initiative now.", "inclusion"),
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
        "Legitimacy of political steering: trust, representativeness of "
        "participation and politicians' policy work with citizens (004).",
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
        "Mean hours a politician spends on policy development with citizens.",
        "politics",
    ),
    Column(
        "politician_hours_casework",
        "hours per week",
        "Mean hours a politician spends on casework in standing committees.",
        "politics",
    ),
]

COLUMNS: dict[str, Column] = {c.name: c for c in _COLUMNS}
"""Every model-table column, by name, in display order."""

COLUMN_NAMES: list[str] = list(COLUMNS)

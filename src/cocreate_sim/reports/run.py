"""The report of one scenario: what happened over time, the levers and their schedule, all outcomes at the end."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .common import (
    HOW_TO_READ,
    PALETTE,
    PERCENT,
    fig_html,
    fmt_value,
    label,
    meta,
    move_text,
    page,
    run_info,
    schedule_marks,
    schedule_moves,
)
from .figures import over_time
from .tables import changed_levers, levers_table, schedule_table, summary_table

BASELINE = "npm_baseline"
"""Name of the baseline scenario every other scenario is compared with."""
BASELINE_FILE = "scenarios/npm_baseline.yaml"
"""Where the baseline scenario is shipped."""
INCLUSION_TOLERANCE = 0.1
"""An inclusion ratio within 1 ± this is called 'about in proportion'."""
SCHEDULE_HELP = (
    "<p class='help'>The table above gives the values the run starts with. From each week below, the lever takes "
    "the new value and keeps it (until a later change); a dashed line marks each of these weeks in the figures.</p>"
)
"""How to read the lever schedule, said once above its table."""


def _ci(s: pd.DataFrame, column: str) -> str:
    row = s.loc[column]
    if not math.isfinite(row["ci95_low"]):
        return ""
    return f" (95% CI {fmt_value(column, row['ci95_low'])} to {fmt_value(column, row['ci95_high'])})"


def _moved(s: pd.DataFrame, first: pd.DataFrame, column: str) -> str:
    """``X rose from a to b (95% CI ...).`` between week 0 and the final week."""
    start, end = float(first[column].mean()), float(s.loc[column, "mean"])
    if fmt_value(column, start) == fmt_value(column, end):
        return f"{label(column)} stayed at {fmt_value(column, end)}{_ci(s, column)}."
    verb = "rose" if end > start else "fell"
    return f"{label(column)} {verb} from {fmt_value(column, start)} to {fmt_value(column, end)}{_ci(s, column)}."


def _uptake(s: pd.DataFrame, first: pd.DataFrame, table: pd.DataFrame) -> str:
    text = _moved(s, first, "uptake")
    uptake = table.groupby("week")["uptake"].mean()
    final = float(uptake.iloc[-1])
    if final > 0:
        half = int(uptake.index[(uptake >= final / 2).to_numpy().argmax()])
        text = text[:-1] + f"; half of that level was reached by week {half}."
    return text


def _inclusion(s: pd.DataFrame) -> list[str]:
    inclusion = float(s.loc["inclusion_ratio", "mean"])
    if not (math.isfinite(inclusion) and float(s.loc["participants", "mean"]) > 0):
        return []
    share = f"{PERCENT * inclusion:.0f}% of their share of the population"
    if inclusion < 1 - INCLUSION_TOLERANCE:
        how = f"under-represented: they take part at {share}"
    elif inclusion > 1 + INCLUSION_TOLERANCE:
        how = f"over-represented: they take part at {share}"
    else:
        how = "about in proportion to their share of the population"
    value = fmt_value("inclusion_ratio", inclusion)
    interval = _ci(s, "inclusion_ratio").strip(" ()")
    return [f"Weak groups are {how} (inclusion ratio {value}{'; ' + interval if interval else ''})."]


def _hours(s: pd.DataFrame) -> list[str]:
    hours = float(s.loc["hours_cocreation", "mean"])
    total = hours + float(s.loc["hours_operations", "mean"])
    if total <= 0:
        return []
    return [
        f"In the final week frontline staff spent {hours:,.0f} hours co-creating{_ci(s, 'hours_cocreation')}, "
        f"{PERCENT * hours / total:.1f}% of their working hours."
    ]


def _initiatives(s: pd.DataFrame, last_week: int) -> str:
    started = float(s.loc["initiatives_started", "mean"])
    if started <= 0:
        return f"No initiative was proposed in {last_week} weeks."
    done = float(s.loc["initiatives_completed", "mean"])
    failed = float(s.loc["initiatives_failed", "mean"])
    gone = float(s.loc["initiatives_abandoned", "mean"])
    return (
        f"Of {started:.1f} initiatives proposed on average in {last_week} weeks, {done:.1f} were completed "
        f"({PERCENT * done / started:.0f}%), {failed:.1f} failed and {gone:.1f} were abandoned."
    )


def describe_run(summary: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Sentences on where the headline outcomes went between week 0 and the final week (from the data)."""
    first = table[table["week"] == table["week"].min()]
    s = summary.set_index("outcome")
    out = [_uptake(s, first, table), *_inclusion(s), _moved(s, first, "trust_mean"), _moved(s, first, "legitimacy")]
    out += _hours(s)
    burnt = float(s.loc["burnout_share", "mean"])
    out.append("No worker was burnt out at the end." if burnt == 0 else _moved(s, first, "burnout_share"))
    out.append(_initiatives(s, int(table["week"].max())))
    if table["replication"].nunique() < 2:
        out.append("With a single replication there are no confidence intervals; run more with --replications.")
    return out


def describe_schedule(params: Mapping[str, Any], schedule: Sequence[Any]) -> list[str]:
    """One sentence per week where the schedule changes levers (none without a schedule)."""
    return [
        f"From week {week} on: {move_text(moves)} (the dashed line at week {week} in the figures)."
        for week, moves in schedule_moves(params, schedule)
    ]


def next_step(scenario_name: str, params: Mapping[str, Any], source: str, scheduled: bool = False) -> str:
    """What to run next: compare this scenario with the baseline, or (for the baseline) another with it."""
    if scenario_name == BASELINE or not (scheduled or changed_levers({scenario_name: params})):
        return (
            "<p class='help'>This scenario is the baseline, so there is nothing to compare it with here; to see "
            "what a set of levers changes, compare another scenario with it: "
            f"<code>python3 run.py compare {BASELINE_FILE} scenarios/OTHER.yaml</code>.</p>"
        )
    return (
        "<p class='help'>To see what the levers change, compare this scenario with the baseline: "
        f"<code>python3 run.py compare {BASELINE_FILE} {html.escape(source)}</code>.</p>"
    )


def render_run(
    scenario_name: str,
    description: str,
    params: Mapping[str, Any],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    provenance: Mapping[str, Any],
    schedule: Sequence[Any] = (),
) -> str:
    """The HTML report of one scenario; ``schedule``: lever changes during the run, ``((week, {lever: value}),)``."""
    colours = {scenario_name: PALETTE[0]}
    sentences = describe_schedule(params, schedule) + describe_run(summary, table)
    schedules = {scenario_name: schedule} if schedule else {}
    marks = schedule_marks({scenario_name: params}, schedules, colours)
    timetable = ["<h2>Lever schedule</h2>", SCHEDULE_HELP, schedule_table({scenario_name: params}, schedules)]
    body = [
        f"<h1>Scenario: {html.escape(scenario_name)}</h1>",
        meta(run_info(table, provenance)),
        f"<p>{html.escape(description)}</p>" if description else "",
        "<h2>What happened</h2>",
        "<ul class='lead'>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>",
        next_step(scenario_name, params, str(provenance.get("source", "")), bool(schedule)),
        "<h2>Levers that differ from the baseline</h2>",
        "<p class='help'>The baseline is a mid-sized Danish municipality under New Public Management "
        f"(<code>{BASELINE_FILE}</code>). Changed values are highlighted.</p>",
        levers_table({scenario_name: params}, scheduled=bool(schedule)),
        *(timetable if schedule else []),
        "<h2>Over time</h2>",
        HOW_TO_READ,
        *(fig_html(fig) for fig in over_time(table, colours, marks)),
        "<h2>All outcomes at the final week</h2>",
        "<details><summary>Show the table (mean and 95% confidence interval)</summary>",
        summary_table(summary),
        "</details>",
    ]
    return page(f"cocreate_sim: {scenario_name}", body)

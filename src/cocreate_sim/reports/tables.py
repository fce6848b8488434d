"""The tables of a report: levers that differ from the baseline, lever schedules, all outcomes, all differences."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..metrics import COLUMNS
from ..params import DEFAULTS, PARAMETERS
from .common import fmt_diff, fmt_value, label, schedule_moves, unit_text


def changed_levers(scenarios: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Levers that differ from the baseline defaults in at least one scenario."""
    return [n for n in PARAMETERS if any(p[n] != DEFAULTS[n] for p in scenarios.values())]


def levers_table(scenarios: Mapping[str, Mapping[str, Any]], scheduled: bool = False) -> str:
    """HTML table of every lever that differs from the baseline defaults in at least one scenario.

    ``scheduled``: a schedule changes levers during the run (the table shows the values the run starts with).
    """
    names = changed_levers(scenarios)
    if not names:
        start = "start at" if scheduled else "are at"
        return f"<p>All levers {start} the baseline values (a municipality under New Public Management).</p>"
    head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
    rows = []
    for n in names:
        par = PARAMETERS[n]
        cells = "".join(
            f"<td class='num{' changed' if p[n] != DEFAULTS[n] else ''}'>{_num(p[n])}</td>" for p in scenarios.values()
        )
        rows.append(
            f"<tr><td><b>{html.escape(n)}</b><div class='meaning'>{html.escape(par.meaning)}</div></td>"
            f"<td class='num'>{_num(par.default)}</td>{cells}<td>{html.escape(par.unit)}</td>"
            f"<td>{html.escape(par.source)}</td></tr>"
        )
    return (
        "<table class='levers'><thead><tr><th>Lever</th><th>Baseline</th>"
        f"{head}<th>Unit</th><th>Sources</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def schedule_table(params: Mapping[str, Mapping[str, Any]], schedules: Mapping[str, Sequence[Any]]) -> str:
    """HTML table of every scheduled lever change: week, lever, value before and after (and scenario, if several)."""
    several = len(params) > 1
    rows = []
    for name, schedule in schedules.items():
        for week, moves in schedule_moves(params.get(name, {}), schedule):
            for lever, old, new in moves:
                par = PARAMETERS[lever]
                who = f"<td>{html.escape(name)}</td>" if several else ""
                rows.append(
                    f"<tr>{who}<td class='num'>{week}</td><td><b>{html.escape(lever)}</b>"
                    f"<div class='meaning'>{html.escape(par.meaning)}</div></td><td class='num'>{_num(old)}</td>"
                    f"<td class='num changed'>{_num(new)}</td><td>{html.escape(par.unit)}</td>"
                    f"<td>{html.escape(par.source)}</td></tr>"
                )
    head = "<th>Scenario</th>" * several
    return (
        f"<table class='levers schedule'><thead><tr>{head}<th>From week</th><th>Lever</th><th>Before</th>"
        f"<th>From then on</th><th>Unit</th><th>Sources</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return html.escape(str(value))


def summary_table(summary: pd.DataFrame) -> str:
    """All outcomes at the final week: mean and 95% CI per scenario (collapsed by default)."""
    scenarios = list(summary["scenario"].unique())
    head = "".join(f"<th>{html.escape(str(s))}</th>" for s in scenarios)
    rows = []
    for column in COLUMNS:
        cells = []
        for s in scenarios:
            r = summary[(summary["scenario"] == s) & (summary["outcome"] == column)].iloc[0]
            ci = (
                f"<span class='ci'>{fmt_value(column, r['ci95_low'])} – {fmt_value(column, r['ci95_high'])}</span>"
                if math.isfinite(r["ci95_low"])
                else ""
            )
            cells.append(f"<td class='num'>{fmt_value(column, r['mean'])} {ci}</td>")
        rows.append(
            f"<tr><td>{html.escape(label(column))}<div class='meaning'>{html.escape(COLUMNS[column].meaning)}</div>"
            f"</td><td>{html.escape(unit_text(column))}</td>{''.join(cells)}</tr>"
        )
    return (
        f"<table class='summary'><thead><tr><th>Outcome</th><th>Unit</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def differences_table(diffs: pd.DataFrame) -> str:
    """Every outcome's difference from the reference with its 95% CI."""
    rows = []
    for _, r in diffs.iterrows():
        c = r["outcome"]
        ci = f"{fmt_diff(c, r['ci95_low'])} to {fmt_diff(c, r['ci95_high'])}" if math.isfinite(r["ci95_low"]) else ""
        rows.append(
            f"<tr><td>{html.escape(str(r['scenario']))}</td><td>{html.escape(label(c))}</td>"
            f"<td class='num'>{fmt_value(c, r['reference_mean'])}</td>"
            f"<td class='num'>{fmt_value(c, r['scenario_mean'])}</td>"
            f"<td class='num'>{fmt_diff(c, r['difference'])}</td><td class='num'>{ci}</td></tr>"
        )
    return (
        "<table class='summary'><thead><tr><th>Scenario</th><th>Outcome</th><th>Reference</th><th>Scenario</th>"
        f"<th>Difference</th><th>95% CI</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )

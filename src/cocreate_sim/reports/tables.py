"""The tables of a report: levers that differ from the baseline, lever schedules, all outcomes, all differences."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..i18n import DEFAULT_LANGUAGE, N_, column_meaning, gettext_for, lever_label, lever_meaning, unit
from ..metrics import COLUMNS
from ..params import DEFAULTS, PARAMETERS
from .common import (
    DOMAIN,
    PERCENT,
    fmt_diff,
    fmt_percent,
    fmt_value,
    good_text,
    help_text,
    is_predictive,
    label,
    num,
    schedule_moves,
    tag,
    unit_text,
)

LEVER_CAUTIONS: dict[str, str] = {
    "practice_mandate": N_(
        "Its sizes are not defensible: at the NPM baseline even a small order (0.1) more than doubles the share of "
        "workers under strain, beyond what the staff survey reports (docs/validation.md, section 8). Read its "
        "effects as a direction only."
    ),
}
"""Levers whose effects a report should not let be quoted as sizes, with why: shown wherever a report names the lever
as changed (the validation that backs each note is in docs/validation.md)."""


def changed_levers(scenarios: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Levers that differ from the baseline defaults in at least one scenario."""
    return [n for n in PARAMETERS if any(p[n] != DEFAULTS[n] for p in scenarios.values())]


def _lever_cell(name: str, lang: str) -> str:
    """A lever in a table: its translated name, what it means and any caution; always the name scenario files use."""
    code = html.escape(name)
    shown = f"<b>{code}</b>"
    if lang != DEFAULT_LANGUAGE:  # the English name is the scenario files' name with spaces: shown once
        shown = f"<b>{html.escape(lever_label(name, lang))}</b> <code class='lever'>{code}</code>"
    caution = ""
    if name in LEVER_CAUTIONS:
        caution = f"<div class='caution'>{html.escape(gettext_for(lang, DOMAIN)(LEVER_CAUTIONS[name]))}</div>"
    return f"{shown}<div class='meaning'>{html.escape(lever_meaning(name, lang))}</div>{caution}"


def _header(*names: str) -> str:
    return "".join(f"<th>{html.escape(n)}</th>" for n in names)


def levers_table(
    scenarios: Mapping[str, Mapping[str, Any]], scheduled: bool = False, lang: str = DEFAULT_LANGUAGE
) -> str:
    """HTML table of every lever that differs from the baseline defaults in at least one scenario.

    ``scheduled``: a schedule changes levers during the run (the table shows the values the run starts with).
    """
    _ = gettext_for(lang, DOMAIN)
    names = changed_levers(scenarios)
    if not names:
        if scheduled:
            text = _("All levers start at the baseline values (a municipality under New Public Management).")
        else:
            text = _("All levers are at the baseline values (a municipality under New Public Management).")
        return f"<p>{html.escape(text)}</p>"
    rows = []
    for n in names:
        par = PARAMETERS[n]
        cells = "".join(
            f"<td class='num{' changed' if p[n] != DEFAULTS[n] else ''}'>{num(p[n], lang)}</td>"
            for p in scenarios.values()
        )
        rows.append(
            f"<tr><td>{_lever_cell(n, lang)}</td><td class='num'>{num(par.default, lang)}</td>{cells}"
            f"<td>{html.escape(unit(par.unit, lang))}</td><td>{html.escape(par.source)}</td></tr>"
        )
    head = _header(_("Lever"), _("Baseline"), *scenarios, _("Unit"), _("Sources"))
    return f"<table class='levers'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def schedule_table(
    params: Mapping[str, Mapping[str, Any]], schedules: Mapping[str, Sequence[Any]], lang: str = DEFAULT_LANGUAGE
) -> str:
    """HTML table of every scheduled lever change: week, lever, value before and after (and scenario, if several)."""
    _ = gettext_for(lang, DOMAIN)
    several = len(params) > 1
    rows = []
    for name, schedule in schedules.items():
        for week, moves in schedule_moves(params.get(name, {}), schedule):
            for lever, old, new in moves:
                par = PARAMETERS[lever]
                who = f"<td>{html.escape(name)}</td>" if several else ""
                rows.append(
                    f"<tr>{who}<td class='num'>{week}</td><td>{_lever_cell(lever, lang)}</td>"
                    f"<td class='num'>{num(old, lang)}</td><td class='num changed'>{num(new, lang)}</td>"
                    f"<td>{html.escape(unit(par.unit, lang))}</td><td>{html.escape(par.source)}</td></tr>"
                )
    head = _header(
        *([_("Scenario")] if several else []),
        _("From week"),
        _("Lever"),
        _("Before"),
        _("From then on"),
        _("Unit"),
        _("Sources"),
    )
    return f"<table class='levers schedule'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def summary_table(summary: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """All outcomes at the final week: mean and 95% CI per scenario (collapsed by default)."""
    _ = gettext_for(lang, DOMAIN)
    scenarios = list(summary["scenario"].unique())
    rows = []
    for column in COLUMNS:
        cells = []
        for s in scenarios:
            r = summary[(summary["scenario"] == s) & (summary["outcome"] == column)].iloc[0]
            ci = (
                f"<span class='ci'>{fmt_value(column, r['ci95_low'], lang)} – "
                f"{fmt_value(column, r['ci95_high'], lang)}</span>"
                if math.isfinite(r["ci95_low"])
                else ""
            )
            cells.append(f"<td class='num'>{fmt_value(column, r['mean'], lang)} {ci}</td>")
        rows.append(
            f"<tr><td>{html.escape(label(column, lang))}"
            f"<div class='meaning'>{html.escape(column_meaning(column, lang))}</div>"
            f"</td><td>{html.escape(unit_text(column, lang))}</td>{''.join(cells)}</tr>"
        )
    head = _header(_("Outcome"), _("Unit"), *map(str, scenarios))
    return f"<table class='summary'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def differences_table(diffs: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """Every outcome's difference from the reference with its interval and the probability that it is better.

    The probability (``p_better``, in the outcome's good direction) is shown when the table has it (results
    written before it was added do not).
    """
    _ = gettext_for(lang, DOMAIN)
    with_chance = "p_better" in diffs.columns
    rows = []
    for _index, r in diffs.iterrows():
        c = r["outcome"]
        ci = (
            _("{low} to {high}").format(low=fmt_diff(c, r["ci95_low"], lang), high=fmt_diff(c, r["ci95_high"], lang))
            if math.isfinite(r["ci95_low"])
            else ""
        )
        better = r.get("p_better", math.nan)
        chance = (
            f"<td>{html.escape(good_text(r.get('good'), lang))}</td><td class='num'>"
            + (fmt_percent(PERCENT * float(better), ".0f", lang) if _is_number(better) else "")
            + "</td>"
            if with_chance
            else ""
        )
        rows.append(
            f"<tr><td>{html.escape(str(r['scenario']))}</td><td>{html.escape(label(c, lang))}</td>"
            f"<td class='num'>{fmt_value(c, r['reference_mean'], lang)}</td>"
            f"<td class='num'>{fmt_value(c, r['scenario_mean'], lang)}</td>"
            f"<td class='num'>{html.escape(fmt_diff(c, r['difference'], lang))}</td>"
            f"<td class='num'>{html.escape(ci)}</td>{chance}</tr>"
        )
    interval = _("95% of runs") if is_predictive(diffs) else _("95% CI")
    extra = (_("Better is"), _("Probability better")) if with_chance else ()
    head = _header(_("Scenario"), _("Outcome"), _("Reference"), _("Scenario"), _("Difference"), interval, *extra)
    return f"<table class='summary'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


ROBUST_HELP = N_(
    "Six patterns the sources describe, tested as experiments on the model (docs/validation.md). Each share says "
    "in how many of {draws} sets of constants drawn from the calibrated posterior a claim holds (its mean effect "
    "over the set's {seeds} seeds, after {weeks} weeks, has the expected sign); a pattern holds when all its claims "
    "do. A share near 100% is a conclusion that survives what the calibration leaves uncertain; a share well below "
    "it is not robust. The table belongs to the posterior, not to this scenario: it was made once for it ({command})."
)
"""What the robust-conclusions table of a report means (issue 11, point 7)."""
ROBUST_MISSING = {
    "none": N_(
        "No robust-conclusions table was made for this posterior, so this report cannot say which of the model's "
        "six patterns survive its uncertainty. Make one with {command}."
    ),
    "damaged": N_(
        "The robust-conclusions table kept beside this posterior cannot be read or lacks columns, so this report "
        "cannot say which of the model's six patterns survive its uncertainty. Make it again with {command}."
    ),
    "other_posterior": N_(
        "The robust-conclusions table kept beside this posterior was made for another posterior file (the posterior "
        "changed since), so it is not shown. Make it again with {command}."
    ),
    "other_code": N_(
        "The robust-conclusions table kept beside this posterior was made with other model code or another "
        "constants table than this run's, so it is not shown. Make it again with {command}."
    ),
}
"""What a report drawn from a posterior says instead of the table, by why it has none
(:data:`cocreate_sim.posterior.CONCLUSIONS_PROBLEMS`)."""


def robust_section(
    conclusions: pd.DataFrame | None, posterior_file: str, lang: str = DEFAULT_LANGUAGE, problem: str = "none"
) -> list[str]:
    """The robust-conclusions part of a report drawn from a posterior: one row per claim, the pattern's in bold.

    ``conclusions``: the table ``run.py robust --attach`` keeps beside the posterior (None: not shown, and the
    report says why, by ``problem``, and how to make it). Titles and claims come from the pattern designs and are
    translated there.
    """
    _ = gettext_for(lang, DOMAIN)
    heading = tag("h2", _("Robust conclusions"))
    command = f"<code>python3 run.py robust --posterior {html.escape(posterior_file)} --attach</code>"
    if conclusions is None or conclusions.empty:
        return [heading, help_text(_(ROBUST_MISSING.get(problem, ROBUST_MISSING["none"])), command=command)]
    rows = []
    for _key, claims in conclusions.groupby("pattern", sort=False):
        whole = claims[claims["outcome"].isna() | (claims["outcome"].astype(str) == "")]
        parts = claims.drop(whole.index)
        share = float(whole["share_holding"].iloc[0]) if len(whole) else math.nan
        title = html.escape(_(str(claims["title"].iloc[0])))
        rows.append(
            f"<tr class='pattern'><td><b>{title}</b></td>"
            f"<td class='num'><b>{fmt_percent(PERCENT * share, '.0f', lang) if math.isfinite(share) else ''}</b></td>"
            "</tr>"
        )
        for _index, r in parts.iterrows():
            rows.append(
                f"<tr><td class='claim'>{html.escape(_(str(r['claim'])))}</td>"
                f"<td class='num'>{fmt_percent(PERCENT * float(r['share_holding']), '.0f', lang)}</td></tr>"
            )
    draws = int(conclusions["draws"].max())
    head = _header(_("Pattern and its claims"), _("Share of posterior draws in which it holds"))
    plain = f"python3 run.py robust --posterior {posterior_file} --attach"
    return [
        heading,
        help_text(
            _(ROBUST_HELP),
            draws=str(draws),
            seeds=str(int(conclusions["seeds_per_draw"].max())),
            weeks="/".join(str(int(w)) for w in sorted(set(conclusions["horizon"]))),
            command=f"<code>{html.escape(plain)}</code>",
        ),
        f"<table class='summary robust'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
    ]

"""The report of one scenario: what happened over time, the levers and their schedule, all outcomes at the end."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..i18n import DEFAULT_LANGUAGE, N_, gettext_for, ngettext_for
from .common import (
    DOMAIN,
    PALETTE,
    PERCENT,
    conclusions_problem,
    fig_html,
    fmt_number,
    fmt_percent,
    fmt_value,
    help_text,
    how_to_read,
    interval_text,
    is_predictive,
    label,
    meta,
    move_text,
    page,
    posterior_file,
    run_info,
    schedule_marks,
    schedule_moves,
    tag,
)
from .figures import over_time
from .regime import regime_section
from .tables import changed_levers, levers_table, robust_section, schedule_table, summary_table

BASELINE = "npm_baseline"
"""Name of the baseline scenario every other scenario is compared with."""
BASELINE_FILE = "scenarios/npm_baseline.yaml"
"""Where the baseline scenario is shipped."""
INCLUSION_TOLERANCE = 0.1
"""An inclusion ratio within 1 ± this is called 'about in proportion'."""
SCHEDULE_HELP = N_(
    "The table above gives the values the run starts with. From each week below, the lever takes the new value and "
    "keeps it (until a later change); a dashed line marks each of these weeks in the figures."
)
"""How to read the lever schedule, said once above its table."""


def _ci(s: pd.DataFrame, column: str, lang: str) -> str:
    """`` (95% CI a to b)``, or nothing without an interval."""
    row = s.loc[column]
    if not math.isfinite(row["ci95_low"]):
        return ""
    low, high = fmt_value(column, row["ci95_low"], lang), fmt_value(column, row["ci95_high"], lang)
    return " (" + interval_text(row, low, high, lang) + ")"


def _moved(s: pd.DataFrame, first: pd.DataFrame, column: str, lang: str) -> str:
    """``X rose from a to b (95% CI ...).`` between week 0 and the final week."""
    _ = gettext_for(lang, DOMAIN)
    start, end = float(first[column].mean()), float(s.loc[column, "mean"])
    shown = {"what": label(column, lang), "start": fmt_value(column, start, lang), "ci": _ci(s, column, lang)}
    shown["end"] = fmt_value(column, end, lang)
    if shown["start"] == shown["end"]:
        return _("{what} stayed at {end}{ci}.").format(**shown)
    if end > start:
        return _("{what} rose from {start} to {end}{ci}.").format(**shown)
    return _("{what} fell from {start} to {end}{ci}.").format(**shown)


def _uptake(s: pd.DataFrame, first: pd.DataFrame, table: pd.DataFrame, lang: str) -> str:
    text = _moved(s, first, "uptake", lang)
    uptake = table.groupby("week")["uptake"].mean()
    final = float(uptake.iloc[-1])
    if final > 0:
        half = int(uptake.index[(uptake >= final / 2).to_numpy().argmax()])
        _ = gettext_for(lang, DOMAIN)
        text += " " + _("Half of that level was reached by week {week}.").format(week=half)
    return text


def _inclusion(s: pd.DataFrame, lang: str) -> list[str]:
    _ = gettext_for(lang, DOMAIN)
    inclusion = float(s.loc["inclusion_ratio", "mean"])
    if not (math.isfinite(inclusion) and float(s.loc["participants", "mean"]) > 0):
        return []
    share = fmt_percent(PERCENT * inclusion, ".0f", lang)
    value = fmt_value("inclusion_ratio", inclusion, lang)
    interval = _ci(s, "inclusion_ratio", lang).strip(" ()")
    ratio = (_("inclusion ratio {value}; {interval}") if interval else _("inclusion ratio {value}")).format(
        value=value, interval=interval
    )
    if inclusion < 1 - INCLUSION_TOLERANCE:
        text = _(
            "Weak groups are under-represented: they take part at {share} of their share of the population ({ratio})."
        )
    elif inclusion > 1 + INCLUSION_TOLERANCE:
        text = _(
            "Weak groups are over-represented: they take part at {share} of their share of the population ({ratio})."
        )
    else:
        text = _("Weak groups take part about in proportion to their share of the population ({ratio}).")
    return [text.format(share=share, ratio=ratio)]


def _hours(s: pd.DataFrame, lang: str) -> list[str]:
    hours = float(s.loc["hours_cocreation", "mean"])
    total = hours + float(s.loc["hours_operations", "mean"])
    if total <= 0:
        return []
    _ = gettext_for(lang, DOMAIN)
    text = _("In the final week frontline staff spent {hours} hours co-creating{ci}, {share} of their working hours.")
    return [
        text.format(
            hours=fmt_number(hours, ",.0f", lang),
            ci=_ci(s, "hours_cocreation", lang),
            share=fmt_percent(PERCENT * hours / total, ".1f", lang),
        )
    ]


def _initiatives(s: pd.DataFrame, last_week: int, lang: str) -> str:
    _, ngettext = gettext_for(lang, DOMAIN), ngettext_for(lang, DOMAIN)
    started = float(s.loc["initiatives_started", "mean"])
    if started <= 0:
        return ngettext(
            "No initiative was proposed in {weeks} week.", "No initiative was proposed in {weeks} weeks.", last_week
        ).format(weeks=last_week)
    done = float(s.loc["initiatives_completed", "mean"])
    failed = float(s.loc["initiatives_failed", "mean"])
    gone = float(s.loc["initiatives_abandoned", "mean"])
    text = ngettext(
        "Of {started} initiatives proposed on average in {weeks} week, {done} were completed ({share}), "
        "{failed} failed and {gone} were abandoned.",
        "Of {started} initiatives proposed on average in {weeks} weeks, {done} were completed ({share}), "
        "{failed} failed and {gone} were abandoned.",
        last_week,
    )
    return text.format(
        started=fmt_number(started, ".1f", lang),
        weeks=last_week,
        done=fmt_number(done, ".1f", lang),
        share=fmt_percent(PERCENT * done / started, ".0f", lang),
        failed=fmt_number(failed, ".1f", lang),
        gone=fmt_number(gone, ".1f", lang),
    )


def describe_run(summary: pd.DataFrame, table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Sentences on where the headline outcomes went between week 0 and the final week (from the data)."""
    _ = gettext_for(lang, DOMAIN)
    first = table[table["week"] == table["week"].min()]
    s = summary.set_index("outcome")
    out = [_uptake(s, first, table, lang), *_inclusion(s, lang)]
    out += [_moved(s, first, "trust_mean", lang), _moved(s, first, "legitimacy", lang), *_hours(s, lang)]
    burnt = float(s.loc["burnout_share", "mean"])
    out.append(_("No worker was burnt out at the end.") if burnt == 0 else _moved(s, first, "burnout_share", lang))
    out.append(_initiatives(s, int(table["week"].max()), lang))
    if table["replication"].nunique() < 2:
        out.append(_("With a single replication there are no confidence intervals; run more with --replications."))
    return out


def describe_schedule(params: Mapping[str, Any], schedule: Sequence[Any], lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One sentence per week where the schedule changes levers (none without a schedule)."""
    _ = gettext_for(lang, DOMAIN)
    text = _("From week {week} on: {changes} (the dashed line at week {week} in the figures).")
    return [text.format(week=week, changes=move_text(moves, lang)) for week, moves in schedule_moves(params, schedule)]


def _command(*words: str, lang: str) -> str:
    """A command to run next, as HTML code; in the report's language when that is not English."""
    flag = [] if lang == DEFAULT_LANGUAGE else ["--lang", lang]
    return f"<code>{html.escape(' '.join(['python3 run.py compare', *words, *flag]))}</code>"


def next_step(
    scenario_name: str, params: Mapping[str, Any], source: str, scheduled: bool = False, lang: str = DEFAULT_LANGUAGE
) -> str:
    """What to run next: compare this scenario with the baseline, or (for the baseline) another with it."""
    _ = gettext_for(lang, DOMAIN)
    if scenario_name == BASELINE or not (scheduled or changed_levers({scenario_name: params})):
        other = "scenarios/" + _("OTHER") + ".yaml"
        text = _(
            "This scenario is the baseline, so there is nothing to compare it with here; to see what a set of levers "
            "changes, compare another scenario with it: {command}."
        )
        return help_text(text, command=_command(BASELINE_FILE, other, lang=lang))
    text = _("To see what the levers change, compare this scenario with the baseline: {command}.")
    return help_text(text, command=_command(BASELINE_FILE, source, lang=lang))


def _regime(table: pd.DataFrame, provenance: Mapping[str, Any], lang: str) -> list[str]:
    """The regime diagram of ``--regime LEVER`` (its reading needs the horizon and the convergence share)."""
    info = provenance.get("regime")
    info = info if isinstance(info, Mapping) else {}
    return regime_section(table, str(table["lever"].iloc[0]), info, lang)


def render_run(
    scenario_name: str,
    description: str,
    params: Mapping[str, Any],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    provenance: Mapping[str, Any],
    schedule: Sequence[Any] = (),
    lang: str = DEFAULT_LANGUAGE,
    conclusions: pd.DataFrame | None = None,
    regime: pd.DataFrame | None = None,
) -> str:
    """The HTML report of one scenario in ``lang``.

    ``schedule``: lever changes during the run, ``((week, {lever: value}),)``. ``conclusions``: the
    robust-conclusions table of the posterior the run drew from (:func:`.tables.robust_section`). ``regime``:
    the regime diagram's table (``--regime LEVER``; what was run is ``provenance["regime"]``).
    """
    _ = gettext_for(lang, DOMAIN)
    predictive = is_predictive(summary)
    colours = {scenario_name: PALETTE[0]}
    sentences = describe_schedule(params, schedule, lang) + describe_run(summary, table, lang)
    schedules = {scenario_name: schedule} if schedule else {}
    marks = schedule_marks({scenario_name: params}, schedules, colours, lang)
    timetable = [
        tag("h2", _("Lever schedule")),
        help_text(_(SCHEDULE_HELP)),
        schedule_table({scenario_name: params}, schedules, lang),
    ]
    baseline = _(
        "The baseline is a mid-sized Danish municipality under New Public Management ({file}). "
        "Changed values are highlighted."
    )
    body = [
        tag("h1", _("Scenario: {name}").format(name=scenario_name)),
        meta(run_info(table, provenance), lang),
        f"<p>{html.escape(description)}</p>" if description else "",
        tag("h2", _("What happened")),
        "<ul class='lead'>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>",
        next_step(scenario_name, params, str(provenance.get("source", "")), bool(schedule), lang),
        tag("h2", _("Levers that differ from the baseline")),
        help_text(baseline, file=f"<code>{BASELINE_FILE}</code>"),
        levers_table({scenario_name: params}, scheduled=bool(schedule), lang=lang),
        *(timetable if schedule else []),
        tag("h2", _("Over time")),
        how_to_read(lang, predictive),
        *(fig_html(fig) for fig in over_time(table, colours, marks, lang, predictive)),
        *(
            robust_section(conclusions, posterior_file(provenance), lang, conclusions_problem(provenance))
            if predictive
            else []
        ),
        *(_regime(regime, provenance, lang) if regime is not None else []),
        tag("h2", _("All outcomes at the final week")),
        "<details>"
        + tag(
            "summary",
            _("Show the table (mean and the range of 95% of runs)")
            if predictive
            else _("Show the table (mean and 95% confidence interval)"),
        ),
        summary_table(summary, lang),
        "</details>",
    ]
    return page(f"cocreate_sim: {scenario_name}", body, lang)

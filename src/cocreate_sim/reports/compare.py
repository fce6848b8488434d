"""The report of a comparison: scenarios side by side, differences from the first with 95% CIs."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..i18n import DEFAULT_LANGUAGE, N_, gettext_for
from .common import (
    DOMAIN,
    HEADLINE,
    PALETTE,
    PERCENT,
    TINY,
    conclusions_problem,
    fig_html,
    fmt_diff,
    fmt_percent,
    fmt_value,
    help_text,
    how_to_read,
    interval_text,
    is_predictive,
    is_share,
    label,
    meta,
    page,
    posterior_file,
    run_info,
    schedule_marks,
    style,
    tag,
    unit_text,
)
from .figures import over_time
from .tables import differences_table, levers_table, robust_section, schedule_table, summary_table

CLIP_PERCENT = 200
"""The difference chart's x axis ends at ±200%; larger relative changes are drawn as arrows at the edge."""
MIN_AXIS_PERCENT = 10.0
"""The difference chart's x axis spans at least ±10%."""
AXIS_PADDING = 1.08
"""Room beyond the widest interval on the difference chart's x axis."""
MARKER_SIZE = 10
"""Size of a difference's marker."""
EDGE_MARKER_SIZE = 14
"""Size of the arrow drawn for a difference beyond ±CLIP_PERCENT."""
OFFSET_SPREAD = 0.5
"""Vertical room shared by the scenarios' markers on one outcome's row (in rows)."""
MAX_OFFSET = 0.22
"""Largest vertical step between two scenarios' markers on one row (in rows)."""
ROW_HEIGHT = 34
"""Smallest height of one outcome's row in pixels."""
ROW_HEIGHT_PER_SCENARIO = 14
"""Height of one outcome's row per scenario in pixels, when that is more than ROW_HEIGHT."""
CHART_BASE_HEIGHT = 160
"""Height of the difference chart without rows (title, axis, legend) in pixels."""
DIFF_LEGEND_Y = -0.08
"""The difference chart's legend sits under its x axis."""
ZERO_LINE = "#333"
"""Colour of the line at zero difference (and of a marker without a colour)."""
EPSILON = 1e-12
"""A difference or interval width smaller than this is no difference at all."""


def _relative(part: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Difference and its interval as % of the reference's mean (NaN when that mean is ~0)."""
    ref = part["reference_mean"].abs()
    ref = ref.where(ref > TINY)
    return tuple(PERCENT * part[c] / ref for c in ("difference", "ci95_low", "ci95_high"))


def _difference_trace(
    part: pd.DataFrame, rows: list[str], scenario: str, colour: str, offset: float, lang: str = DEFAULT_LANGUAGE
):
    """One scenario's markers and error bars; also the widest extent it needs on the x axis."""
    rel, low, high = _relative(part)
    names = [label(c, lang) for c in rows]
    text = [
        f"{fmt_diff(c, d, lang)} {unit_text(c, lang) if not is_share(c) else ''}".strip()
        + f" ({fmt_percent(r, '+.0f', lang)})"
        for c, d, r in zip(rows, part["difference"], rel.fillna(0.0), strict=True)
    ]
    shown = rel.clip(-CLIP_PERCENT, CLIP_PERCENT)
    off = (rel.abs() > CLIP_PERCENT).fillna(False)
    extent = pd.concat([low, high, rel]).abs().clip(upper=CLIP_PERCENT)
    widest = float(extent.max()) if extent.notna().any() else 0.0
    trace = go.Scatter(
        x=shown,
        y=[i + offset for i in range(len(rows))],
        mode="markers+text",
        name=scenario,
        marker={
            "color": colour,
            "size": [EDGE_MARKER_SIZE if o else MARKER_SIZE for o in off],
            "symbol": [
                "triangle-right" if (o and v > 0) else "triangle-left" if o else "circle"
                for o, v in zip(off, rel.fillna(0.0), strict=True)
            ],
        },
        error_x={
            "type": "data",
            "symmetric": False,
            "array": (high.clip(-CLIP_PERCENT, CLIP_PERCENT) - shown).where(~off, 0),
            "arrayminus": (shown - low.clip(-CLIP_PERCENT, CLIP_PERCENT)).where(~off, 0),
        },
        text=[fmt_percent(v, "+.0f", lang) if o else "" for o, v in zip(off, rel.fillna(0.0), strict=True)],
        textposition="top center",
        customdata=list(zip(names, text, strict=True)),
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra>" + scenario + "</extra>",
    )
    return trace, widest


def figure_differences(diffs: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Each scenario minus the reference, as % of the reference's mean, with the 95% CI of the paired difference."""
    _ = gettext_for(lang, DOMAIN)
    fig = go.Figure()
    rows = [c for c in HEADLINE if c in set(diffs["outcome"])]
    scenarios = list(diffs["scenario"].unique())
    widest = MIN_AXIS_PERCENT
    step = min(OFFSET_SPREAD / max(len(scenarios), 1), MAX_OFFSET)
    for k, scenario in enumerate(scenarios):
        part = diffs[diffs["scenario"] == scenario].set_index("outcome").reindex(rows)
        offset = (k - (len(scenarios) - 1) / 2) * step
        trace, extent = _difference_trace(part, rows, scenario, colours.get(scenario, ZERO_LINE), offset, lang)
        fig.add_trace(trace)
        widest = max(widest, extent)
    fig.add_vline(x=0, line_color=ZERO_LINE, line_width=1)
    reference = diffs["reference"].iloc[0] if len(diffs) else ""
    title = (
        _("Differences from {reference} at the final week (% of {reference}'s value, 95% of paired runs)")
        if is_predictive(diffs)
        else _("Differences from {reference} at the final week (% of {reference}'s value, 95% CI, paired)")
    )
    style(fig, title.format(reference=reference), lang=lang)
    per_row = max(ROW_HEIGHT, ROW_HEIGHT_PER_SCENARIO * len(scenarios))
    fig.update_layout(height=CHART_BASE_HEIGHT + per_row * len(rows), hovermode="closest", legend={"y": DIFF_LEGEND_Y})
    axis = _("difference in % of {reference}'s value (0 = no difference; beyond ±{clip} shown at the edge)")
    fig.update_xaxes(
        title_text=axis.format(reference=reference, clip=fmt_percent(CLIP_PERCENT, ".0f", lang)),
        zeroline=True,
        range=[-widest * AXIS_PADDING, widest * AXIS_PADDING],
    )
    fig.update_yaxes(autorange="reversed", tickvals=list(range(len(rows))), ticktext=[label(c, lang) for c in rows])
    fig.update_yaxes(zeroline=False)
    return fig


def _clear_change(column: str, r: pd.Series, lang: str = DEFAULT_LANGUAGE) -> str:
    """``<b>X</b> up: a → b (+d, +r%; 95% CI ...)`` for a difference whose interval excludes zero."""
    _ = gettext_for(lang, DOMAIN)
    d, low, high, ref_mean = r["difference"], r["ci95_low"], r["ci95_high"], r["reference_mean"]
    change = fmt_diff(column, d, lang)
    if abs(ref_mean) > TINY and not is_share(column):
        change += ", " + fmt_percent(PERCENT * d / abs(ref_mean), "+.0f", lang)
    if math.isfinite(low):
        change += "; " + interval_text(r, fmt_diff(column, low, lang), fmt_diff(column, high, lang), lang)
    text = (
        _("{outcome} up: {before} → {after} ({change})")
        if d > 0
        else _("{outcome} down: {before} → {after} ({change})")
    )
    return html.escape(text).format(
        outcome=f"<b>{html.escape(label(column, lang))}</b>",
        before=html.escape(fmt_value(column, ref_mean, lang)),
        after=html.escape(fmt_value(column, r["scenario_mean"], lang)),
        change=html.escape(change),
    )


def _sort_changes(part: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> tuple[list[str], list[str]]:
    """Headline outcomes that moved clearly (as HTML) and those whose interval includes zero (labels)."""
    moved, unclear = [], []
    for column in HEADLINE:
        if column not in part.index:
            continue
        r = part.loc[column]
        low, high, d = r["ci95_low"], r["ci95_high"], r["difference"]
        if not math.isfinite(d) or (abs(d) < EPSILON and not (math.isfinite(low) and high - low > EPSILON)):
            continue
        if math.isfinite(low) and not (low > 0 or high < 0):
            unclear.append(label(column, lang))
        else:
            moved.append(_clear_change(column, r, lang))
    return moved, unclear


def describe_differences(diffs: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Per scenario, an HTML paragraph: which headline outcomes clearly moved (95% CI excludes 0) and by how much."""
    _ = gettext_for(lang, DOMAIN)
    out = []
    for scenario in diffs["scenario"].unique():
        part = diffs[diffs["scenario"] == scenario].set_index("outcome")
        reference = str(part["reference"].iloc[0])
        moved, unclear = _sort_changes(part, lang)
        head = html.escape(_("{scenario} compared with {reference}:")).format(
            scenario=f"<b>{html.escape(str(scenario))}</b>", reference=f"<b>{html.escape(reference)}</b>"
        )
        text = f"<p>{head}</p>"
        if moved:
            text += "<ul>" + "".join(f"<li>{m}</li>" for m in moved) + "</ul>"
        else:
            text += tag("p", _("No headline outcome moved clearly."))
        if unclear:
            text += help_text(
                _("No clear difference (the 95% interval includes zero) in: {outcomes}."),
                outcomes=html.escape(", ".join(unclear).lower()),
            )
        out.append(text)
    return out


PAIRED_HELP = N_(
    "Differences are paired: replication {i} of every scenario used the same random seed (common random numbers), "
    "so a difference reflects the levers, not luck. A difference is called clear when its 95% confidence interval "
    "excludes zero; pp = percentage points."
)
"""How to read the differences, said once above them."""
PAIRED_HELP_POSTERIOR = N_(
    "Differences are paired: run {i} of every scenario used the same random seed and the same constants drawn from "
    "the calibrated posterior, so a difference reflects the levers, not luck or a different set of constants. A "
    "difference is called clear when 95% of the paired differences lie on one side of zero. The table at the end "
    "gives, for every outcome, the probability that the scenario does better than the first: the share of posterior "
    "draws in which it does (each draw's seeds averaged; ties count half), in the outcome's good direction; "
    "pp = percentage points."
)
"""How to read the differences when the constants were drawn from the posterior."""
SCHEDULES_HELP = N_(
    "The table above gives the values each run starts with. From each week below, the lever takes the new value in "
    "that scenario and keeps it (until a later change); a dashed line in the scenario's colour marks each of these "
    "weeks in the figures."
)
"""How to read the lever schedules of a comparison, said once above their table."""


def render_compare(
    names: Sequence[str],
    descriptions: Mapping[str, str],
    params: Mapping[str, Mapping[str, Any]],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    diffs: pd.DataFrame,
    provenance: Mapping[str, Any],
    schedules: Mapping[str, Sequence[Any]] | None = None,
    lang: str = DEFAULT_LANGUAGE,
    conclusions: pd.DataFrame | None = None,
) -> str:
    """The HTML report of a comparison in ``lang``: scenarios side by side, differences from the first with 95% CIs.

    ``schedules``: each scenario's lever changes during the run, ``((week, {lever: value}), ...)`` (if any).
    ``conclusions``: the robust-conclusions table of the posterior the runs drew from
    (:func:`.tables.robust_section`).
    """
    _ = gettext_for(lang, DOMAIN)
    predictive = is_predictive(summary)
    colours = {n: PALETTE[k % len(PALETTE)] for k, n in enumerate(names)}
    schedules = {n: schedules[n] for n in names if schedules and schedules.get(n)}
    timetable = [tag("h2", _("Lever schedules")), help_text(_(SCHEDULES_HELP)), schedule_table(params, schedules, lang)]
    desc = "".join(
        f"<li><b style='color:{colours[n]}'>{html.escape(n)}</b>: {html.escape(descriptions.get(n, ''))}</li>"
        for n in names
    )
    # Translators: what joins the scenarios' names in the comparison's title ("a vs b"), spaces included.
    joined = _(" vs ").join(names)
    body = [
        tag("h1", _("Comparison: {names}").format(names=joined)),
        meta(run_info(table, provenance, _(", the same for every scenario")), lang),
        f"<ul>{desc}</ul>",
        tag("h2", _("What moved")),
        help_text(_(PAIRED_HELP_POSTERIOR if predictive else PAIRED_HELP), i="<i>i</i>"),
        "<div class='lead'>" + "".join(describe_differences(diffs, lang)) + "</div>",
        fig_html(figure_differences(diffs, colours, lang)) if len(diffs) else "",
        tag("h2", _("Levers")),
        help_text(
            _(
                "Every lever that differs from the baseline defaults in at least one scenario; highlighted cells "
                "differ from the baseline."
            )
        ),
        levers_table(params, scheduled=bool(schedules), lang=lang),
        *(timetable if schedules else []),
        tag("h2", _("Over time")),
        how_to_read(lang, predictive),
        *(
            fig_html(fig)
            for fig in over_time(table, colours, schedule_marks(params, schedules, colours, lang), lang, predictive)
        ),
        *(
            robust_section(conclusions, posterior_file(provenance), lang, conclusions_problem(provenance))
            if predictive
            else []
        ),
        tag("h2", _("Tables")),
        "<details>" + tag("summary", _("Differences from the first scenario at the final week (all outcomes)")),
        differences_table(diffs, lang),
        "</details>",
        "<details>"
        + tag(
            "summary",
            _("All outcomes at the final week (mean and the range of 95% of runs)")
            if predictive
            else _("All outcomes at the final week (mean and 95% confidence interval)"),
        ),
        summary_table(summary, lang),
        "</details>",
    ]
    return page(f"cocreate_sim: {' vs '.join(names)}", body, lang)

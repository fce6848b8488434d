"""The figures over time that every report shows: one panel per outcome, a line and a band per scenario.

A week where a scenario's lever schedule changes levers is marked in every
panel by a dashed vertical line, and written next to the line in the first
panel (``week 104: leader_dialogue 0.1 → 0.8``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import DEFAULT_LANGUAGE, N_, gettext_for
from ..statistics import weekly_bands
from .common import (
    DOMAIN,
    FIGURE_HEIGHT,
    PANEL_SPACING,
    PANEL_TITLE_FONT,
    add_band,
    fmt_number,
    label,
    style,
    unit_text,
)

INITIATIVE_ENDS = (
    ("initiatives_completed", N_("completed"), "#2a9d4b"),
    ("initiatives_failed", N_("failed"), "#c0392b"),
    ("initiatives_abandoned", N_("abandoned"), "#e59866"),
    ("initiatives_active", N_("still under way"), "#95a5a6"),
)
"""How an initiative can end: column, name in the chart, colour."""
BAR_CHART_MIN_HEIGHT = 260
"""Smallest height of the initiatives bar chart in pixels."""
BAR_CHART_BASE = 110
"""Height of the initiatives bar chart without bars (title, axis, legend) in pixels."""
BAR_HEIGHT = 60
"""Height per scenario bar in pixels."""
PROPORTION_LINE = "#555"
"""Colour of the dotted line at inclusion ratio 1 (weak groups in proportion)."""
MARK_FONT = 10
"""Font size of the text next to a lever-change line."""
MARK_BACKGROUND = "rgba(255,255,255,0.75)"
"""Background of the text next to a lever-change line, so that it stays readable over the lines below it."""
MARK_LINE = 0.055
"""Height of one line of a lever-change text, as a share of a panel's height: a further text starts below it."""
MARK_ROOM = 0.9
"""Share of a panel's height the lever-change texts fill before the next one starts at the top again."""


def panels(
    table: pd.DataFrame,
    columns: Sequence[str],
    title: str,
    colours: Mapping[str, str],
    height: int = FIGURE_HEIGHT,
    lang: str = DEFAULT_LANGUAGE,
    predictive: bool = False,
) -> go.Figure:
    """One panel per column; each scenario a coloured line with its band (``title`` in ``lang``).

    The band is the 95% confidence interval of the mean, or with ``predictive`` the range of 95% of the runs.
    """
    titles = [f"{label(c, lang)} ({unit_text(c, lang)})" for c in columns]
    fig = make_subplots(rows=1, cols=len(columns), subplot_titles=titles, horizontal_spacing=PANEL_SPACING)
    for k, column in enumerate(columns, start=1):
        bands = weekly_bands(table, column, predictive=predictive)
        for scenario, colour in colours.items():
            part = bands[bands["scenario"] == scenario]
            add_band(fig, part, column, scenario, colour, row=1, col=k, lang=lang, showlegend=(k == 1))
    fig.update_annotations(font_size=PANEL_TITLE_FONT)
    # Axes start at zero so that a small change does not look like a large one to a reader in a hurry;
    # the text and the difference chart give the exact sizes.
    fig.update_yaxes(rangemode="tozero")
    return style(fig, title, height, lang)


def figure_uptake(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Uptake, mindset and practice over time."""
    _ = gettext_for(lang, DOMAIN)
    title = (
        _("Do frontline workers take up co-creation? (line = mean, band = 95% of runs)")
        if predictive
        else _("Do frontline workers take up co-creation? (line = mean, band = 95% confidence interval)")
    )
    return panels(
        table,
        ["uptake", "mindset_mean", "practice_mean"],
        title,
        colours,
        lang=lang,
        predictive=predictive,
    )


def figure_inclusion(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Inclusion of weak groups, participants and weak groups' needs addressed over time."""
    _ = gettext_for(lang, DOMAIN)
    fig = panels(
        table,
        ["inclusion_ratio", "participants", "weak_needs_addressed_share"],
        _("Who takes part? Inclusion of weak groups (1 = they take part in proportion to their numbers)"),
        colours,
        lang=lang,
        predictive=predictive,
    )
    fig.add_hline(y=1.0, line_dash="dot", line_color=PROPORTION_LINE, row=1, col=1)
    return fig


def figure_initiatives(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Initiatives by how they ended, at the final week (mean over replications)."""
    _ = gettext_for(lang, DOMAIN)
    outcomes = [column for column, _, _ in INITIATIVE_ENDS]
    last = table[table["week"] == table["week"].max()]
    means = last.groupby("scenario", sort=False)[outcomes].mean().reindex(list(colours))
    fig = go.Figure()
    for column, end, shade in INITIATIVE_ENDS:
        name = _(end)
        fig.add_trace(
            go.Bar(
                y=list(means.index),
                x=means[column],
                name=name,
                orientation="h",
                marker_color=shade,
                text=[fmt_number(v, ".1f", lang) for v in means[column]],
                textposition="inside",
                hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}<extra></extra>",
            )
        )
    week = int(table["week"].max())
    fig.update_layout(barmode="stack")
    title = _("How did the initiatives end? (all initiatives proposed by week {week}, mean per run)")
    style(fig, title.format(week=week), lang=lang)
    fig.update_layout(height=max(BAR_CHART_MIN_HEIGHT, BAR_CHART_BASE + BAR_HEIGHT * len(means)), hovermode="closest")
    fig.update_xaxes(title_text=_("initiatives"))
    fig.update_yaxes(autorange="reversed")
    return fig


def figure_hours(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Where the frontline hours go over time."""
    _ = gettext_for(lang, DOMAIN)
    return panels(
        table,
        ["hours_operations", "hours_cocreation", "maintenance_hours"],
        _("Where do the frontline staff's hours go? (hours per week, all frontline workers together)"),
        colours,
        lang=lang,
        predictive=predictive,
    )


def figure_decisions(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Time to decision, drop-out and complaints over time."""
    _ = gettext_for(lang, DOMAIN)
    return panels(
        table,
        ["decision_weeks_mean", "dropout_rate", "complaints"],
        _("Waiting and giving up: time to decision, citizen drop-out and complaints"),
        colours,
        lang=lang,
        predictive=predictive,
    )


def figure_trust(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Trust, legitimacy and public value over time."""
    _ = gettext_for(lang, DOMAIN)
    return panels(
        table,
        ["trust_mean", "legitimacy", "public_value"],
        _("What it leaves behind: trust, legitimacy and public value"),
        colours,
        lang=lang,
        predictive=predictive,
    )


def figure_staff(
    table: pd.DataFrame, colours: Mapping[str, str], lang: str = DEFAULT_LANGUAGE, predictive: bool = False
) -> go.Figure:
    """Worker energy, burn-out and politicians' readiness to share power over time."""
    _ = gettext_for(lang, DOMAIN)
    return panels(
        table,
        ["energy_mean", "burnout_share", "power_sharing_mean"],
        _("The cost to people: worker energy, burn-out, and politicians' readiness to share power"),
        colours,
        lang=lang,
        predictive=predictive,
    )


FIGURES = (
    figure_uptake,
    figure_inclusion,
    figure_initiatives,
    figure_hours,
    figure_decisions,
    figure_trust,
    figure_staff,
)
"""The figures over time, in the order every report shows them."""


TIMELESS = (figure_initiatives,)
"""Figures without a time axis: no lever-change lines."""


def mark_changes(fig: go.Figure, marks: Sequence[tuple[int, str, str, str]], weeks: tuple[int, int]) -> go.Figure:
    """A dashed line in every panel at each week where levers change; its text in the first panel.

    ``marks`` are ``(week, text, hover text, colour)``, as
    :func:`cocreate_sim.reports.common.schedule_marks` gives them; ``weeks``
    the first and last week, the time axis's range (so a long text never widens it).
    """
    first_week, last_week = weeks
    fig.update_xaxes(range=[first_week, last_week])
    below = 0.0  # how far down the panel the texts so far reach: the next one starts under them
    for week, text, full, colour in sorted(marks, key=lambda mark: mark[0]):
        fig.add_vline(x=week, line_dash="dash", line_color=colour, line_width=1, row="all", col="all")
        late = week > (first_week + last_week) / 2  # then the text goes left of its line, to stay in the panel
        height = MARK_LINE * (text.count("<br>") + 1)
        below = 0.0 if below + height > MARK_ROOM else below
        fig.add_annotation(
            x=week,
            xref="x",
            y=1 - below,
            yref="y domain",
            text=text,
            hovertext=full,
            showarrow=False,
            align="right" if late else "left",
            xanchor="right" if late else "left",
            yanchor="top",
            font={"size": MARK_FONT, "color": colour},
            bgcolor=MARK_BACKGROUND,
        )
        below += height
    return fig


def over_time(
    table: pd.DataFrame,
    colours: Mapping[str, str],
    marks: Sequence[tuple[int, str, str, str]] = (),
    lang: str = DEFAULT_LANGUAGE,
    predictive: bool = False,
) -> list[go.Figure]:
    """Every figure of :data:`FIGURES` for ``table`` in ``lang``; ``marks``: weeks where levers change.

    ``predictive``: the replications drew their constants from the posterior; bands are ranges of 95% of runs.
    """
    figures: list[go.Figure] = []
    weeks = (int(table["week"].min()), int(table["week"].max()))
    for figure in FIGURES:
        fig = figure(table, colours, lang, predictive)
        figures.append(fig if figure in TIMELESS or not marks else mark_changes(fig, marks, weeks))
    return figures

"""The regime diagram as a report shows it: equilibrium uptake and inclusion against one lever, two histories.

The numbers come from :func:`cocreate_sim.regime.summarise` (a table with
one row per value, branch and outcome: mean, 95% band, share converged,
hysteresis and tipping marks); this module only draws and words them, in
English or Danish, for the regime command's own page and for a run report
made with ``--regime LEVER``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import DEFAULT_LANGUAGE, N_, gettext_for, lever_label
from .common import DOMAIN, PALETTE, PERCENT, fmt_diff, fmt_percent, fmt_value, help_text, label, num, rgba, tag

OUTCOMES = ("uptake", "inclusion_ratio")
"""What the diagram draws against the lever (the columns of :func:`cocreate_sim.regime.summarise`)."""
BRANCH_WORDS = {"from NPM": N_("from NPM"), "from NPG": N_("from NPG")}
"""The two histories, as the table names them and as a report says them."""
REGIME_HELP = N_(
    "For each value of the lever, two municipalities run the same levers for {horizon} weeks after a switch; only "
    "their history differs. One was run as New Public Management until the switch, the other as an established "
    "co-creating municipality. The line is the mean of the last year, the band holds 95% of the runs "
    "(constants drawn from the posterior, one seed each). Where the bands of the two histories do not overlap, and "
    "at least {converged} of the runs have settled, the municipality's history decides where it ends up "
    "(hysteresis, a red diamond); where too few runs have settled, the diagram cannot tell. A dotted line marks a "
    "tipping point: one step of the lever moves a history by at least half its whole range, with the bands of the "
    "two neighbouring values apart and at least {converged} of their runs settled."
)
"""How to read the diagram (the rule is :mod:`cocreate_sim.regime`'s)."""


def _branch(name: Any, lang: str) -> str:
    _ = gettext_for(lang, DOMAIN)
    return _(BRANCH_WORDS.get(str(name), str(name)))


def figure(table: pd.DataFrame, lever: str, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """One panel per outcome, a line and band per history, hysteresis and tipping points marked."""
    _ = gettext_for(lang, DOMAIN)
    titles = [_("At equilibrium: {outcome}").format(outcome=label(o, lang)) for o in OUTCOMES]
    fig = make_subplots(rows=1, cols=len(OUTCOMES), subplot_titles=titles)
    for k, outcome in enumerate(OUTCOMES, start=1):
        part = table[table["outcome"] == outcome]
        for j, branch in enumerate(BRANCH_WORDS):
            b = part[part["branch"] == branch].sort_values("value")
            colour, x = PALETTE[j], b["value"].tolist()
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=b["high"].tolist() + b["low"].tolist()[::-1],
                    mode="lines",
                    fill="toself",
                    fillcolor=rgba(colour, 0.18),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=1,
                col=k,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=b["mean"],
                    mode="lines+markers",
                    name=_branch(branch, lang),
                    line={"color": colour, "dash": "solid" if j == 0 else "dash"},
                    marker={"symbol": "circle" if j == 0 else "square"},
                    showlegend=k == 1,
                ),
                row=1,
                col=k,
            )
            for value in b.loc[b["tipping_after"].astype(bool), "value"]:
                fig.add_vline(x=value, line_dash="dot", line_color=colour, row=1, col=k)
        hyst = part[part["hysteresis"].astype(bool) & (part["branch"] == "from NPM")]
        if len(hyst):
            fig.add_trace(
                go.Scatter(
                    x=hyst["value"],
                    y=[0] * len(hyst),
                    mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": "#c0392b"},
                    name=_("hysteresis (bands apart)"),
                    showlegend=k == 1,
                ),
                row=1,
                col=k,
            )
        fig.update_xaxes(title_text=lever_label(lever, lang), row=1, col=k)
    fig.update_layout(height=460, template="plotly_white", legend={"orientation": "h", "y": -0.2})
    return fig


def sentences(table: pd.DataFrame, lever: str, min_converged: float, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Per outcome: hysteresis, or where it was ruled out and where the runs had not settled; tipping points."""
    _ = gettext_for(lang, DOMAIN)
    name = lever_label(lever, lang)
    out = []
    for outcome in OUTCOMES:
        part = table[table["outcome"] == outcome]
        what = label(outcome, lang)
        hyst = sorted(part.loc[part["hysteresis"].astype(bool), "value"].unique())
        settled = part.groupby("value")["converged"].min() >= min_converged
        open_values = [v for v in settled.index if not settled[v]]
        if hyst:
            text = _("{outcome}: hysteresis at {lever} = {values}; there the municipality's history decides.").format(
                outcome=what, lever=name, values=", ".join(num(v, lang) for v in hyst)
            )
        elif not open_values:
            text = _("{outcome}: no hysteresis: at every value both histories settled and their bands overlap.").format(
                outcome=what
            )
        else:
            text = _(
                "{outcome}: no hysteresis can be claimed. Both histories settled and their bands overlap at {closed} "
                "of {values} values; at {lever} = {open} too few runs settled to tell."
            ).format(
                outcome=what,
                closed=len(settled) - len(open_values),
                values=len(settled),
                lever=name,
                open=", ".join(num(v, lang) for v in open_values),
            )
        for _index, r in part[part["tipping_after"].astype(bool)].iterrows():
            text += " " + _("Tipping point ({branch}) just above {lever} = {value}.").format(
                branch=_branch(r["branch"], lang), lever=name, value=num(r["value"], lang)
            )
        if "npg_higher" in part.columns and part["npg_higher"].notna().any():
            higher, gap = part["npg_higher"].dropna(), part["history_gap"].dropna()
            text += " " + _(
                "Paired by draw, the co-creating history still ends higher in {low} to {high} of the draws at each "
                "value (mean gap {gap_low} to {gap_high})."
            ).format(
                low=fmt_percent(PERCENT * float(higher.min()), ".0f", lang),
                high=fmt_percent(PERCENT * float(higher.max()), ".0f", lang),
                gap_low=fmt_diff(outcome, float(gap.min()), lang),
                gap_high=fmt_diff(outcome, float(gap.max()), lang),
            )
        low = float(part["converged"].min())
        text += " " + _("Runs that settled: at least {share} in every cell.").format(
            share=fmt_percent(PERCENT * low, ".0f", lang)
        )
        out.append(text)
    return out


def regime_table(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """The numbers behind the diagram (collapsed in a report)."""
    _ = gettext_for(lang, DOMAIN)
    rows = "".join(
        f"<tr><td class='num'>{html.escape(num(r['value'], lang))}</td><td>{html.escape(_branch(r['branch'], lang))}"
        f"</td><td>{html.escape(label(r['outcome'], lang))}</td>"
        f"<td class='num'>{fmt_value(r['outcome'], r['mean'], lang)}</td>"
        f"<td class='num'>{fmt_value(r['outcome'], r['low'], lang)} – {fmt_value(r['outcome'], r['high'], lang)}</td>"
        f"<td class='num'>{fmt_percent(PERCENT * float(r['converged']), '.0f', lang)}</td>"
        f"<td>{html.escape(_('yes')) if bool(r['hysteresis']) else ''}</td></tr>"
        for _index, r in table.iterrows()
    )
    names = (_("Value"), _("History"), _("Outcome"), _("Mean"), _("95% of runs"), _("Settled"), _("Hysteresis"))
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    return f"<table class='summary'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def regime_section(
    table: pd.DataFrame, lever: str, info: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE, heading: str = "h2"
) -> list[str]:
    """The diagram with its reading, sentences, figure and table. ``info``: ``horizon`` and ``min_converged``."""
    from .common import fig_html

    _ = gettext_for(lang, DOMAIN)
    share = float(info["min_converged"])  # from the run's provenance: the regime module's rule, not restated here
    converged = fmt_percent(PERCENT * share, ".0f", lang)
    return [
        tag(heading, _("Regime diagram: {lever}").format(lever=lever_label(lever, lang))),
        help_text(_(REGIME_HELP), horizon=html.escape(str(info["horizon"])), converged=html.escape(converged)),
        "<ul class='lead'>"
        + "".join(f"<li>{html.escape(s)}</li>" for s in sentences(table, lever, share, lang))
        + "</ul>",
        fig_html(figure(table, lever, lang)),
        "<details>" + tag("summary", _("Show the table")) + regime_table(table, lang) + "</details>",
    ]

"""The HTML report: self-contained, plots not walls of numbers, text generated from the data."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from cocreate_sim.i18n import po_path
from cocreate_sim.params import resolve
from cocreate_sim.reports import describe_differences, fmt_diff, fmt_value, render_compare, render_run
from cocreate_sim.statistics import paired_differences, run_replications, summarize

SMALL = {"n_citizens": 200, "n_departments": 3, "workers_per_department": 5}
PROV = {"package_version": "0.1.0", "git_commit": "abc123", "mesa_version": "3", "python_version": "3.11"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    runs = [("base", SMALL), ("bold", {**SMALL, "zero_error_culture": 0.1, "leader_dialogue": 0.8})]
    return run_replications(runs, 20, [1, 2, 3], processes=1, progress=False)


def _script_sources(page: str) -> list[str]:
    return re.findall(r"<script[^>]*\bsrc\s*=", page, flags=re.I)


def test_run_report_is_self_contained_with_one_plotly_copy(table):
    one = table[table["scenario"] == "bold"]
    params = resolve({**SMALL, "zero_error_culture": 0.1, "leader_dialogue": 0.8})
    page = render_run("bold", "A bolder municipality.", params, one, summarize(one), PROV)
    assert page.startswith("<!DOCTYPE html>")
    assert _script_sources(page) == [], "no external scripts: the report must open offline"
    assert page.count("Plotly.newPlot") >= 6, "several figures"
    assert page.count('define("plotly"') + page.count("window.Plotly") >= 1
    assert len(page) < 8_000_000, "one inline plotly.js, not one per figure"
    # the levers table shows the changed levers with baseline and scenario values
    assert "zero_error_culture" in page and "leader_dialogue" in page
    assert "A bolder municipality." in page and "abc123" in page


def test_run_text_reports_the_measured_numbers(table):
    one = table[table["scenario"] == "base"]
    summary = summarize(one)
    page = render_run("base", "", resolve(SMALL), one, summary, PROV)
    final = summary.set_index("outcome").loc["uptake", "mean"]
    assert fmt_value("uptake", final) in page
    assert "initiatives proposed on average in 20 weeks" in page


def test_baseline_report_does_not_suggest_comparing_it_with_itself(table):
    one = table[table["scenario"] == "base"]
    page = render_run("npm_baseline", "", resolve(SMALL), one, summarize(one), {**PROV, "source": "x.yaml"})
    assert "compare scenarios/npm_baseline.yaml x.yaml" not in page
    assert "compare another scenario with it" in page
    assert "python run.py" not in page and "python3 run.py compare scenarios/npm_baseline.yaml" in page
    assert "never go below 0" in page  # the one sentence on how intervals are bounded
    bold = table[table["scenario"] == "bold"]
    params = resolve({**SMALL, "zero_error_culture": 0.1})
    page = render_run("bold", "", params, bold, summarize(bold), {**PROV, "source": "my.yaml"})
    assert "compare scenarios/npm_baseline.yaml my.yaml" in page


def test_compare_report_shows_differences_with_intervals(table):
    summary = summarize(table)
    diffs = paired_differences(table, "base")
    params = {"base": resolve(SMALL), "bold": resolve({**SMALL, "zero_error_culture": 0.1, "leader_dialogue": 0.8})}
    page = render_compare(["base", "bold"], {"base": "", "bold": ""}, params, table, summary, diffs, PROV)
    assert _script_sources(page) == []
    assert "Differences from base" in page
    assert "<b>bold</b> compared with <b>base</b>" in page
    assert "95% CI" in page


def _diffs(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "scenario": "b",
                "reference": "a",
                "outcome": o,
                "week": 52,
                "n": 10,
                "reference_mean": ref,
                "scenario_mean": ref + d,
                "difference": d,
                "ci95_low": lo,
                "ci95_high": hi,
            }
            for o, ref, d, lo, hi in rows
        ]
    )


def test_difference_text_separates_clear_from_unclear_changes():
    diffs = _diffs([("uptake", 0.10, 0.05, 0.03, 0.07), ("trust_mean", 0.5, 0.01, -0.02, 0.04)])
    (text,) = describe_differences(diffs)
    clear, unclear = text.split("No clear difference")
    assert "Workers co-creating (uptake)</b> up" in clear and "+5.0 pp" in clear
    assert "10.0% → 15.0%" in clear
    assert "citizens&#x27; trust" in unclear.lower()  # HTML-escaped


def test_formatting_reads_like_a_planner_expects():
    assert fmt_value("uptake", 0.1234) == "12.3%"
    assert fmt_diff("dropout_rate", -0.02) == "-2.0 pp"
    assert fmt_value("hours_operations", 2616.4) == "2,616"
    assert fmt_diff("initiatives_completed", 3.0) == "+3.0"
    assert fmt_value("trust_mean", float("nan")) == "n/a"


# ------------------------------------------------------------------ Danish
def _english_left(page: str) -> list[str]:
    """Source texts of the reports catalogue (without fields, longer than a word) still in a page's body."""
    pofile = pytest.importorskip("babel.messages.pofile", reason="reading the catalogue needs Babel")
    with open(po_path("da", "reports"), "rb") as handle:
        catalog = pofile.read_po(handle, locale="da", domain="reports")
    body = page.split("</head>", 1)[1]
    return [
        m.id
        for m in catalog
        if isinstance(m.id, str) and len(m.id) > 12 and "{" not in m.id and m.string != m.id
        if m.id in body or html.escape(m.id) in body
    ]


def test_a_danish_run_report_speaks_danish_throughout(table):
    one = table[table["scenario"] == "bold"]
    params = resolve({**SMALL, "zero_error_culture": 0.1, "leader_dialogue": 0.8})
    page = render_run("bold", "", params, one, summarize(one), {**PROV, "source": "my.yaml"}, lang="da")
    assert page.startswith('<!DOCTYPE html><html lang="da">')
    for danish in ("<h2>Hvad skete der</h2>", "<h2>Over tid</h2>", "Nulfejlskultur", "Ledelsesdialog", "uge (52 uger"):
        assert danish in page
    assert "initiativer på 20 uger" in page and "--lang da" in page
    assert _english_left(page) == []
    final = summarize(one).set_index("outcome").loc["uptake", "mean"]
    assert fmt_value("uptake", final, "da") in page  # with a decimal comma
    assert '"separators":",."' in page, "plotly writes the figures' numbers the Danish way"


def test_a_danish_comparison_speaks_danish_throughout(table):
    diffs = paired_differences(table, "base")
    params = {"base": resolve(SMALL), "bold": resolve({**SMALL, "zero_error_culture": 0.1, "leader_dialogue": 0.8})}
    page = render_compare(
        ["base", "bold"], {"base": "", "bold": ""}, params, table, summarize(table), diffs, PROV, lang="da"
    )
    assert '<html lang="da">' in page
    assert "Sammenligning: base mod bold" in page and "<b>bold</b> sammenlignet med <b>base</b>" in page
    assert "Forskelle fra base i sidste uge" in page
    assert _english_left(page) == []


def test_danish_numbers_and_differences_read_as_a_danish_planner_expects():
    assert fmt_value("uptake", 0.1234, "da") == "12,3\u00a0%"
    assert fmt_value("hours_operations", 2616.4, "da") == "2.616"
    assert fmt_diff("dropout_rate", -0.02, "da") == "-2,0 pct.-point"
    assert fmt_value("trust_mean", float("nan"), "da") == "ikke beregnet"
    diffs = _diffs([("uptake", 0.10, 0.05, 0.03, 0.07), ("trust_mean", 0.5, 0.01, -0.02, 0.04)])
    (text,) = describe_differences(diffs, "da")
    clear, unclear = text.split("Ingen tydelig forskel")
    assert "Samskabende medarbejdere (udbredelse)</b> steg: 10,0\u00a0% → 15,0\u00a0%" in clear
    assert "+5,0 pct.-point" in clear and "95 %-KI +3,0 pct.-point til +7,0 pct.-point" in clear
    assert "borgernes tillid" in unclear


@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_lever_whose_sizes_are_not_defensible_carries_its_caution_where_a_report_names_it(lang):
    from cocreate_sim.i18n import gettext_for
    from cocreate_sim.reports.common import DOMAIN
    from cocreate_sim.reports.tables import LEVER_CAUTIONS, levers_table, schedule_table

    caution = html.escape(gettext_for(lang, DOMAIN)(LEVER_CAUTIONS["practice_mandate"]))
    assert lang == "en" or caution != html.escape(LEVER_CAUTIONS["practice_mandate"]), "translated"
    ordered = {"base": resolve({}), "orders": resolve({"practice_mandate": 0.5})}
    assert caution in levers_table(ordered, lang=lang)
    assert caution in schedule_table(ordered, {"orders": [(52, {"practice_mandate": 0.5})]}, lang=lang)
    talked = {"base": resolve({}), "dialogue": resolve({"leader_dialogue": 0.5})}
    assert "class='caution'" not in levers_table(talked, lang=lang), "no caution where no such lever changed"

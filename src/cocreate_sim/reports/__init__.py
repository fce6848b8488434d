"""Reports a policy planner can take to a committee: one self-contained HTML file per results folder.

Plotly figures with plotly.js embedded once (the file opens offline, no CDN),
a table of the levers that differ from the baseline (and of those a lever
schedule changes during the run, marked in every figure over time), and a
short text that says what moved and by how much, generated from the results. Units come
from :data:`cocreate_sim.metrics.COLUMNS`, outcome names from
:data:`cocreate_sim.i18n.COLUMN_LABELS`, lever texts from
:data:`cocreate_sim.params.PARAMETERS`.

Every report comes in English or Danish (``lang="da"``): its words come from
the ``reports`` message catalogue (:mod:`cocreate_sim.i18n`,
docs/translating.md), its numbers take the language's decimal mark.

- :mod:`.common`: colours, labels, value formatting, bands, the page shell;
- :mod:`.figures`: the figures over time; :mod:`.tables`: the tables;
- :mod:`.run`: the report of one scenario (:func:`render_run`);
- :mod:`.compare`: the report of a comparison (:func:`render_compare`).

Reports read :mod:`cocreate_sim.statistics`; they never import the modules
that write results folders (:mod:`cocreate_sim.publishing`) or the command line.
"""

from __future__ import annotations

from .common import HEADLINE, fmt_diff, fmt_value, label
from .compare import describe_differences, render_compare
from .run import describe_run, render_run

__all__ = [
    "HEADLINE",
    "describe_differences",
    "describe_run",
    "fmt_diff",
    "fmt_value",
    "label",
    "render_compare",
    "render_run",
]

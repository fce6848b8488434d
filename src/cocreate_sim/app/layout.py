"""The page of the classroom app: styles, levers, lessons, run and compare controls, monitors, graphs, Info.

Kept apart from the callbacks (:mod:`.server`) so that what a class sees can be
read, and changed, in one place; every lever comes from
:data:`cocreate_sim.params.PARAMETERS` through :mod:`.levers`, every text
through the ``app`` message catalogue (:mod:`cocreate_sim.i18n`). The page is
built from a :class:`~.setup.Setup` (what the page address says), so a reload
or a shared link shows the same levers, seed, speed and language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import dcc, html

from ..i18n import LANGUAGE_NAMES, LANGUAGES, N_, gettext_for, lever_label, lever_sentence
from ..i18n import unit as unit_text
from ..params import PARAMETERS, SEED_FILES
from .frames import CHARTS, MONITORS
from .info import info_sections
from .lessons import LESSONS, Lesson
from .levers import MAIN_LEVERS, MORE_LEVERS, SPEEDS, slider_step
from .presets import Preset, preset_label
from .setup import LESSON_KEYS, LESSON_PRESET, Setup

TITLE = N_("Co-creation in a municipality: move the levers")
"""The page's title and heading (English source text; translated in the page)."""
SEED_BOX_WIDTH = 130
"""Width of the seed field in pixels (room for ten digits)."""
ORG_HEIGHT = 480
"""Height of an organisation picture in pixels (fixed, so side by side never collapses it)."""
CHART_HEIGHT = 270
"""Height of a chart's box in pixels before its first frame arrives."""
SCRIPTS = (Path(__file__).with_name("live.js"), Path(__file__).with_name("cocreate.js"))
"""The page's own scripts (live drawing on a canvas; frames -> plotly), inlined into the page: no extra request,
works offline."""

CSS = """
* { box-sizing: border-box; }
html, body { max-width: 100%; overflow-x: hidden; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1a1a1a; background: #f3f4f6; font-size: 14px; }
header { padding: 8px 16px; background: #1f3b57; color: white; display: flex; flex-wrap: wrap; gap: 8px 24px;
         align-items: center; }
header h1 { margin: 0; font-size: 20px; flex: 1 1 420px; }
header p { margin: 2px 0 0; font-size: 13px; }
header .switches { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
header label, header .dash-options-list-option, header .dash-options-list-option-text span { color: white; }
.tabs { display: flex; gap: 4px; padding: 8px 12px 0; }
.tabs .tab { padding: 8px 22px; border: 1px solid #1f3b57; border-bottom: none; border-radius: 6px 6px 0 0;
             background: #dfe6ee; color: #1f3b57; cursor: pointer; font-weight: 600; }
.tabs .tab.selected { background: white; color: #000; }
header .drawer-button { display: none; }
button { font: inherit; }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #E69F00; outline-offset: 2px; }
.page { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: 12px; padding: 12px; }
.controls { background: white; border-radius: 6px; padding: 10px 12px; max-height: calc(100vh - 150px);
            overflow-y: auto; }
.controls h2 { font-size: 15px; margin: 12px 0 6px; border-bottom: 1px solid #ccc; padding-bottom: 3px; }
.lever { margin: 8px 0 14px; }
.lever label { font-weight: 600; display: block; }
.lever .why { color: #333; margin: 2px 0 0; }
.lever .src { color: #555; font-size: 12px; margin: 1px 0 0; }
.buttons { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0 8px; }
.buttons button { padding: 6px 12px; border-radius: 4px; border: 1px solid #1f3b57; background: white;
                  color: #1f3b57; cursor: pointer; }
.buttons button#play { background: #1f3b57; color: white; min-width: 90px; }
.buttons button:disabled { opacity: 0.45; cursor: not-allowed; }
.week { font-size: 16px; font-weight: 600; margin: 4px 0; }
.main { min-width: 0; }
.monitors { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; margin-bottom: 10px; }
.monitor { background: white; border-radius: 6px; padding: 6px 10px; min-width: 0; }
.monitor .label { font-size: 12px; color: #333; }
.monitor .value { font-size: 26px; font-weight: 700; color: #1f3b57; overflow-wrap: anywhere; }
.monitor .value .b { color: #D55E00; }
.orgs { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; }
.orgs.two { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.orgs > div { background: white; border-radius: 6px; min-width: 0; }
.org-title { font-size: 15px; font-weight: 600; padding: 6px 10px 0; min-height: 26px; }
.org-legend { background: white; border-radius: 6px; margin-top: 8px; min-height: 150px; }
body.projector .org-title { font-size: 22px; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; margin-top: 12px; }
.charts > div { background: white; border-radius: 6px; min-width: 0; }
.alert { background: #fdecea; border: 1px solid #c0392b; color: #5c130a; padding: 6px 10px; border-radius: 4px;
         margin-bottom: 8px; }
.note { background: #eef5fb; border: 1px solid #6f9cc7; padding: 6px 10px; border-radius: 4px; margin-bottom: 8px; }
.lesson { background: #fff8e6; border: 1px solid #E69F00; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.lesson .question { font-weight: 700; }
.result { background: #e8f5ee; border: 1px solid #009E73; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.preset-info { color: #333; margin: 4px 0; }
.small { font-size: 12px; color: #444; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
           clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
details summary { cursor: pointer; font-weight: 600; margin: 10px 0 4px; }
.info { background: white; border-radius: 6px; padding: 8px 24px 24px; max-width: 980px; margin: 12px auto;
        line-height: 1.5; font-size: 16px; }
.info h2 { font-size: 20px; margin-top: 22px; }
/* projector: large text, strong contrast, readable at 1280x720 from the back of a classroom */
body.projector { font-size: 20px; color: #000; background: #ffffff; }
body.projector header h1 { font-size: 28px; }
body.projector header p, body.projector .small, body.projector .lever .src, body.projector .monitor .label,
body.projector .controls h2, body.projector .alert, body.projector .note { font-size: 20px; }
body.projector .page { grid-template-columns: 440px minmax(0, 1fr); }
body.projector .monitor .value { font-size: 36px; color: #000; }
body.projector .controls, body.projector .monitor, body.projector .orgs > div, body.projector .charts > div {
  border: 2px solid #000; }
body.projector .lever .why { color: #000; }
body.projector .info { font-size: 22px; }
/* phone: one column, levers in a drawer, nothing wider than the screen */
@media (max-width: 760px) {
  header { padding: 6px 10px; }
  header h1 { font-size: 17px; flex-basis: 100%; }
  header p { display: none; }
  header .drawer-button { display: inline-block; padding: 6px 12px; border-radius: 4px; border: 1px solid white;
                          background: #E69F00; color: #000; font-weight: 700; }
  .page { grid-template-columns: minmax(0, 1fr); padding: 6px; }
  .controls { display: none; max-height: none; }
  .controls.open { display: block; }
  .orgs.two, .charts { grid-template-columns: minmax(0, 1fr); }
  .monitors { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .monitor .value { font-size: 20px; }
  .info { padding: 6px 12px; font-size: 15px; }
}
"""
"""The page's styles, inlined (no stylesheet file, no web font)."""


def index_string(lang: str) -> str:
    """Dash's page template with the styles and the page's scripts inlined."""
    scripts = "\n".join(f"<script>{path.read_text(encoding='utf-8')}</script>" for path in SCRIPTS)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{{%metas%}}\n<title>{{%title%}}</title>\n{{%favicon%}}\n'
        f"{{%css%}}\n<style>{CSS}</style>\n</head>\n<body>\n{{%app_entry%}}\n<footer>\n{{%config%}}\n"
        f"{{%scripts%}}\n{scripts}\n{{%renderer%}}\n</footer>\n"
        "</body>\n</html>\n"
    )


NO_INPUT_BOX = {"allow_direct_input": False} if "allow_direct_input" in dcc.Slider().available_properties else {}
"""Dash 4 draws a number box next to each slider; the panel is narrow, so we leave it out."""

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
"""Plotly's toolbar without the logo and the selection tools."""


def _source_text(source: str) -> str:
    """'001, 003' -> 'Allentoft 2017 (001); Vordingborg 2019 (003)'."""
    parts = []
    for code in (c.strip() for c in source.split(",")):
        full = SEED_FILES.get(code, "")
        short = full.split("(", 1)[1].split(":", 1)[0].strip() if "(" in full else code
        parts.append(f"{short} ({code})")
    return "; ".join(parts)


def slider_marks(low: float, high: float) -> dict[float, str]:
    return {low: f"{low:g}", high: f"{high:g}"}


def preset_info(preset: Preset, lang: str) -> str:
    """The line under the preset menu: what the preset is, its horizon and seed."""
    _ = gettext_for(lang, "app")
    described = preset.description if lang == "en" or preset.key == "default" else ""
    if preset.key == "default":
        described = _(
            "The model's defaults: strong efficiency and authority logics, a zero-error culture, four approval "
            "steps, little leader dialogue, nothing measured but the old KPIs."
        )
    horizon = _("Horizon {steps} weeks, seed {seed}.").format(steps=preset.steps, seed=preset.seed)
    return f"{described} {horizon}".strip()


def lesson_box(lesson: Lesson, lang: str) -> list[Any]:
    """A lesson's set-up and question; the class answers with the prediction buttons below it."""
    _ = gettext_for(lang, "app")
    t = gettext_for(lang, "info")
    return [
        html.P(t(lesson.setup)),
        html.P(t(lesson.question), className="question"),
        html.P(_("Pick what the class expects; Play starts when you have picked."), className="small"),
    ]


def _lever(name: str, value: Any, lang: str) -> html.Div:
    p = PARAMETERS[name]
    _ = gettext_for(lang, "app")
    label_id = f"label-{name}"
    return html.Div(
        className="lever",
        children=[
            html.Label(lever_label(name, lang), title=name, id=label_id),
            dcc.Slider(
                id={"type": "lever", "name": name},
                min=p.low,
                max=p.high,
                step=slider_step(p),
                value=value,
                marks=slider_marks(p.low, p.high),
                tooltip={"placement": "bottom", "always_visible": False},
                updatemode="mouseup",
                **NO_INPUT_BOX,
            ),
            html.P(lever_sentence(name, lang), className="why"),
            html.P(
                _("{unit} · source: {source}").format(unit=unit_text(p.unit, lang), source=_source_text(p.source)),
                className="src",
            ),
        ],
    )


def _graph(graph_id: str, height: int) -> html.Div:
    """A box that cocreate.js plots into (plain, so that no Dash re-render ever replots it with stale data)."""
    return html.Div(
        id=graph_id, className="graph", children=html.Div(className="plot", style={"height": f"{height}px"})
    )


def build_shell(session_id: str) -> html.Div:
    """What every page load gets at once: the page address and the session; the page itself follows.

    Every component a callback reads, apart from the address, is in the page, so that no callback fires
    while half of its inputs exist.
    """
    return html.Div(
        [dcc.Location(id="url", refresh=False), dcc.Store(id="session", data=session_id), html.Div(id="page")]
    )


def build_page(setup: Setup, presets: dict[str, Preset], notes: list[str], messages: list[str]) -> list[Any]:
    """The page in the setup's language, with its levers, seed, speed, comparison and lesson."""
    _ = gettext_for(setup.lang, "app")
    start = LESSON_PRESET + setup.lesson if setup.lesson else setup.preset
    model_panel = html.Div(_model_tab(setup, presets, notes, messages), id="panel-model", role="tabpanel")
    info_panel = html.Div(_info_tab(setup.lang), id="panel-info", role="tabpanel", style={"display": "none"})
    return [
        dcc.Store(id="frame"),
        dcc.Store(id="address"),
        dcc.Store(id="have", data={"run": None, "week": -1}),
        dcc.Interval(id="clock", interval=SPEEDS[setup.speed].interval_ms, disabled=True),
        dcc.Download(id="download-csv"),
        dcc.Store(id="lang", data=setup.lang),
        dcc.Store(id="preset-applied", data={"key": start, "count": 0}),
        _header(setup),
        html.Main(
            [
                html.Div(
                    id="tabs",
                    className="tabs",
                    role="tablist",
                    children=[
                        html.Button(_("Model"), id="tab-model", className="tab selected", role="tab", n_clicks=0),
                        html.Button(_("Info"), id="tab-info", className="tab", role="tab", n_clicks=0),
                    ],
                ),
                model_panel,
                info_panel,
            ]
        ),
    ]


def _header(setup: Setup) -> html.Header:
    _ = gettext_for(setup.lang, "app")
    return html.Header(
        [
            html.Div(
                [
                    html.H1(_(TITLE)),
                    html.P(
                        _(
                            "An agent-based model of a Danish municipality moving from New Public Management to "
                            "co-creation. Move a lever, press play, and watch who takes part and who is left out."
                        )
                    ),
                ],
                style={"flex": "1 1 420px"},
            ),
            html.Div(
                className="switches",
                children=[
                    html.Button(_("Levers"), id="drawer-toggle", className="drawer-button", n_clicks=0),
                    html.Span(_("Language"), id="label-lang", className="sr-only"),
                    dcc.RadioItems(
                        id="lang-switch",
                        options=[{"label": LANGUAGE_NAMES[code], "value": code} for code in LANGUAGES],
                        value=setup.lang,
                        inline=True,
                        inputStyle={"marginRight": "4px", "marginLeft": "10px"},
                    ),
                    html.Span(_("View"), id="label-view", className="sr-only"),
                    dcc.Checklist(
                        id="view",
                        options=[{"label": " " + _("Projector"), "value": "projector"}],
                        value=["projector"] if setup.projector else [],
                        inline=True,
                    ),
                ],
            ),
        ]
    )


def _model_tab(setup: Setup, presets: dict[str, Preset], notes: list[str], messages: list[str]) -> html.Div:
    _ = gettext_for(setup.lang, "app")
    two = setup.compare is not None
    return html.Div(
        className="page",
        children=[
            html.Div(id="controls", className="controls", children=_controls(setup, presets, notes)),
            html.Div(
                className="main",
                children=[
                    html.Div([html.Div(m, className="note") for m in messages], id="address-note"),
                    html.Div(id="message", role="status", **{"aria-live": "polite"}),
                    html.Div(id="lesson-result", role="status"),
                    html.Div(id="monitors", className="monitors", children=_monitors(setup.lang)),
                    html.Div(
                        id="orgs",
                        className="orgs two" if two else "orgs",
                        children=[
                            html.Div([html.Div(id="org-a-title", className="org-title"), _graph("org-a", ORG_HEIGHT)]),
                            html.Div(
                                [html.Div(id="org-b-title", className="org-title"), _graph("org-b", ORG_HEIGHT)],
                                id="org-b-box",
                                style={"display": "block" if two else "none"},
                            ),
                        ],
                    ),
                    html.Div(id="org-legend", className="org-legend"),
                    # loads plotly.js (Dash fetches it only for a page with a Graph); cocreate.js does the plotting
                    dcc.Graph(id="plotly-loader", style={"display": "none"}, config=GRAPH_CONFIG),
                    html.Div(
                        className="charts",
                        children=[html.Div(_graph(f"chart-{k}", CHART_HEIGHT)) for k in CHARTS],
                    ),
                    html.P(
                        _("Charts: run A solid, run B dashed; each series has its own colour and marker."),
                        className="small",
                    ),
                ],
            ),
        ],
    )


def _monitors(lang: str) -> list[html.Div]:
    _ = gettext_for(lang, "app")
    return [
        html.Div(
            className="monitor",
            children=[
                html.Div(_(label), className="label"),
                html.Div("–", className="value", id=f"monitor-{key}"),
            ],
        )
        for key, label in MONITORS
    ]


def _info_tab(lang: str) -> html.Div:
    children: list[Any] = []
    for heading, blocks in info_sections(lang):
        children.append(html.H2(heading))
        bullets: list[Any] = []
        for block in blocks:
            if block.startswith("- "):
                bullets.append(html.Li(dcc.Markdown(block[2:], link_target="_blank")))
                continue
            if bullets:
                children.append(html.Ul(bullets))
                bullets = []
            children.append(dcc.Markdown(block, link_target="_blank"))
        if bullets:
            children.append(html.Ul(bullets))
    return html.Div(id="info", className="info", children=children)


def _controls(setup: Setup, presets: dict[str, Preset], notes: list[str]) -> list[Any]:
    """The left-hand panel (a drawer on a phone): lessons, starting point, run, side by side, levers."""
    _ = gettext_for(setup.lang, "app")
    levers = setup.levers_shown(presets)
    return [
        *_lesson_controls(setup),
        html.H2(_("Starting point")),
        dcc.Dropdown(
            id="preset",
            options=[{"label": preset_label(p, setup.lang), "value": key} for key, p in presets.items()],
            value=setup.preset,
            clearable=False,
        ),
        html.Div(
            preset_info(presets.get(setup.preset) or presets["default"], setup.lang),
            id="preset-info",
            className="preset-info",
        ),
        *[html.Div(note, className="note") for note in notes],
        *_run_controls(setup, presets),
        *_compare_controls(setup, levers),
        html.H2(_("Levers (change them while it runs)")),
        *[_lever(n, levers[n], setup.lang) for n in MAIN_LEVERS],
        html.Details(
            [html.Summary(_("More levers")), *[_lever(n, levers[n], setup.lang) for n in MORE_LEVERS]],
            open=any(n in setup.levers for n in MORE_LEVERS),
        ),
    ]


def _lesson_controls(setup: Setup) -> list[Any]:
    _ = gettext_for(setup.lang, "app")
    t = gettext_for(setup.lang, "info")
    lesson = LESSON_KEYS.get(setup.lesson or "")
    shown = {"display": "block" if lesson else "none"}
    return [
        html.H2(_("Lessons")),
        dcc.Dropdown(
            id="lesson",
            options=[{"label": _("No lesson: free play"), "value": ""}]
            + [{"label": t(lesson.title), "value": lesson.key} for lesson in LESSONS],
            value=setup.lesson or "",
            clearable=False,
        ),
        html.Div(lesson_box(lesson, setup.lang) if lesson else [], id="lesson-box", className="lesson", style=shown),
        html.Span(_("The class's prediction"), id="label-prediction", className="sr-only"),
        dcc.RadioItems(
            id="prediction",
            options=[
                {"label": " " + _("goes up"), "value": "up"},
                {"label": " " + _("goes down"), "value": "down"},
                {"label": " " + _("no change"), "value": "none"},
            ],
            value=None,
            inline=True,
            inputStyle={"marginLeft": "8px"},
            style=shown,
        ),
    ]


def _run_controls(setup: Setup, presets: dict[str, Preset]) -> list[Any]:
    """Play/pause, step and reset, the week, the speed slider, the seed and the CSV download."""
    _ = gettext_for(setup.lang, "app")
    return [
        html.H2(_("Run")),
        html.Div(
            className="buttons",
            children=[
                html.Button("▶ " + _("Play"), id="play", n_clicks=0),
                html.Button(_("Step one week"), id="step", n_clicks=0),
                html.Button(_("Reset"), id="reset", n_clicks=0),
                html.Button(_("Download CSV"), id="download", n_clicks=0),
            ],
        ),
        html.Div(id="week", className="week"),
        html.Label(_("Speed"), id="speed-label"),
        dcc.Slider(
            id="speed",
            min=0,
            max=len(SPEEDS) - 1,
            step=1,
            value=setup.speed,
            marks={i: _(s.label) for i, s in enumerate(SPEEDS)},
            **NO_INPUT_BOX,
        ),
        html.Label(_("Seed (same seed, same run)") + " ", htmlFor="seed"),
        dcc.Input(
            id="seed",
            type="text",
            inputMode="numeric",
            value=str(setup.seed_for(presets)),
            debounce=True,
            style={"width": SEED_BOX_WIDTH},
        ),
    ]


def _compare_controls(setup: Setup, levers: dict[str, Any]) -> list[Any]:
    """The side-by-side tick box, and (only when it is ticked) the lever that differs in run B and its value."""
    _ = gettext_for(setup.lang, "app")
    name, value = setup.compare or setup.default_compare(levers)
    p = PARAMETERS[name]
    return [
        html.H2(_("Side by side"), id="label-compare"),
        dcc.Checklist(
            id="compare-on",
            options=[{"label": " " + _("compare with a second run that differs in one lever"), "value": "on"}],
            value=["on"] if setup.compare is not None else [],
        ),
        html.Div(
            id="compare-box",
            style={"display": "block" if setup.compare is not None else "none"},
            children=[
                html.Label(_("Lever that differs in run B"), htmlFor="compare-lever"),
                dcc.Dropdown(
                    id="compare-lever",
                    options=[{"label": lever_label(n, setup.lang), "value": n} for n in MAIN_LEVERS + MORE_LEVERS],
                    value=name,
                    clearable=False,
                ),
                html.Label(_("Its value in run B"), id="compare-value-label"),
                dcc.Slider(
                    id="compare-value",
                    min=p.low,
                    max=p.high,
                    step=slider_step(p),
                    value=value,
                    marks=slider_marks(p.low, p.high),
                    **NO_INPUT_BOX,
                ),
                html.P(
                    _("Both runs use the same seed and restart together; every other lever you move applies to both."),
                    className="small",
                ),
            ],
        ),
    ]

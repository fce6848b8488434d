"""The classroom app's features in a real browser, one test each.

The Info tab, Danish, a phone's width, a reload restoring the setup, the CSV
download, lever-change markers, a lesson from prediction to result,
accessibility (axe), the keyboard, side by side, the end-of-run message, the
seed field and what the organisation picture shows early on. One English and
one Danish server per module, one chromium (fixtures in ``conftest.py``: every
request leaving the app's server is blocked, and a page error fails the test).
Waits are for conditions in the page, never fixed sleeps; no test writes a
tracked file.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("dash", reason="the Python package 'dash' is not installed")

from cocreate_sim.app.frames import CHARTS, MONITOR_DIGITS, MONITORS, monitor_texts  # noqa: E402
from cocreate_sim.app.server import RESTORED  # noqa: E402
from cocreate_sim.i18n import gettext_for, lever_label  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SHORT_KEY = "scenario:classroom_short"
"""A preset whose run ends after SHORT_WEEKS weeks (written for these tests only)."""
SHORT_WEEKS = 9
"""Horizon of the short preset."""
INFO_HEADINGS = (
    "What is it?",
    "How it works",
    "How to use it",
    "Things to notice",
    "Things to try",
    "Extending the model",
    "Credits and references",
)
"""The Info tab's headings, in order (NetLogo's Info tab, STYLE.md)."""
PHONES = ((390, 844), (360, 740), (412, 915))
"""Phone screens (CSS pixels): an iPhone 12-15, a small Android, a large Android."""
LESSON_TIMEOUT_MS = 180_000
"""A lesson's run (at most 260 weeks, side by side, at the fastest speed) on a loaded two-core machine."""
CHART_IDS = tuple(f"chart-{key}" for key in CHARTS)
"""The charts' graph ids."""
MONITOR_COLUMNS = (
    "uptake",
    "weak_share_participants",
    "weak_share_population",
    "backlog",
    "trust_mean",
    "participants",
)
"""The model columns the monitors are computed from (frames.monitor_values)."""
BAD_SEEDS = ("-5", "1.5", "99999999999")
"""Seeds a teacher might type that the model cannot use."""
EARLY_WEEK = 6
"""By this week, at seed 1 with the defaults, the picture shows more than its fixed parts."""
AXE_BLOCKING = ("serious", "critical")
"""Impacts of axe violations that fail the accessibility test (the others are printed)."""
DASH_MARKUP = {
    "aria-hidden-focus": 'class="dash-dropdown-focus-target"',
    "nested-interactive": 'class="dash-options-list-option',
}
"""Violations inside markup that Dash 4's own components render, which the app cannot change (printed, not failed):
dcc.Dropdown's hidden focus target is an ``<input tabindex=0 aria-hidden=true>``, and dcc.RadioItems/Checklist
render each option as ``<label role=option>`` around its ``<input>``."""


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    """The repository's scenario files (without scratch files) and a short one for the end-of-run test."""
    folder = tmp_path_factory.mktemp("scenarios")
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        if not path.name.startswith(("_", ".")):
            shutil.copy(path, folder / path.name)
    (folder / "classroom_short.yaml").write_text(
        f"extends: npm_baseline.yaml\ndescription: a run that ends soon (browser tests)\nhorizon: {SHORT_WEEKS}\n"
    )
    return folder


@pytest.fixture(scope="module")
def app_url(start_app, scenarios) -> str:
    return start_app("--scenarios", str(scenarios))


@pytest.fixture(scope="module")
def danish_url(start_app, scenarios) -> str:
    return start_app("--scenarios", str(scenarios), "--lang", "da")


def _info_headings(app) -> list[str]:
    """Open the Info tab (its label in the page's language) and read its h2 headings."""
    lang = app.page.evaluate("() => window.dash_component_api.getLayout('lang').props.data")
    app.page.locator("#tabs .tab", has_text=gettext_for(lang, "app")("Info")).click()
    app.page.locator("#info h2").first.wait_for(state="visible")
    return app.page.locator("#info h2").all_inner_texts()


def _fits(app, width: int) -> None:
    """Wait until nothing on the page is wider than ``width`` (no sideways scrolling); name what is, if not."""
    try:
        app.wait("w => document.documentElement.scrollWidth <= w", width)
    except Exception:
        wide = app.page.evaluate(
            """w => Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > w + 1)
                .slice(0, 8).map(el => el.tagName + '#' + el.id + '.' + el.className + ' ' +
                                 Math.round(el.getBoundingClientRect().right))""",
            width,
        )
        scroll = app.page.evaluate("() => document.documentElement.scrollWidth")
        raise AssertionError(f"the page scrolls sideways at {width} px (scrollWidth {scroll}): {wide}") from None


def _visible(app, selector: str) -> bool:
    return app.page.locator(selector).is_visible()


def _setup_on_page(app) -> dict[str, str]:
    """Leader dialogue, seed and speed as the page shows them."""
    return {
        "leader_dialogue": app.lever("leader_dialogue").get_attribute("aria-valuenow"),
        "seed": app.page.input_value("#seed"),
        "speed": app.slider("speed").get_attribute("aria-valuenow"),
    }


def _choose(app, dropdown: str, value: str) -> None:
    """Pick ``value`` in a Dash dropdown."""
    app.page.click(f"#{dropdown}")
    app.page.locator(f".dash-dropdown-option:has(input[value='{value}'])").click()


def _boxes(app, *ids: str) -> dict[str, dict[str, float]]:
    return {i: app.page.locator(f"#{i}").bounding_box() for i in ids}


# ---------------------------------------------------------------- Info tab
def test_the_info_tab_has_netlogos_seven_headings_in_order(app_url, open_page) -> None:
    from cocreate_sim.app.info import info_sections

    assert [heading for heading, _ in info_sections("en")] == list(INFO_HEADINGS)
    assert _info_headings(open_page(app_url)) == list(INFO_HEADINGS)


def test_the_info_tab_is_danish_on_a_danish_server(danish_url, open_page) -> None:
    from cocreate_sim.app.info import info_sections

    danish = [heading for heading, _ in info_sections("da")]
    assert len(danish) == len(INFO_HEADINGS)
    assert not set(danish) & set(INFO_HEADINGS), f"the Info tab's headings are not translated: {danish}"
    assert _info_headings(open_page(danish_url)) == danish


# ------------------------------------------------------------------ Danish
def test_serve_lang_da_shows_a_danish_page(danish_url, open_page) -> None:
    play = "▶ " + gettext_for("da", "app")("Play")
    label = lever_label("zero_error_culture", "da")
    assert play != "▶ Play", "the Danish catalogue has no 'Play' (is app.mo compiled?)"
    assert label != lever_label("zero_error_culture", "en")

    app = open_page(danish_url)
    assert app.page.evaluate("() => document.documentElement.lang") == "da"
    assert app.page.inner_text("#play") == play
    assert app.page.inner_text("#label-zero_error_culture") == label


def test_every_chart_title_fits_its_chart_in_danish_normal_and_projected(danish_url, open_page) -> None:
    """Plotly does not wrap a title: a long one is cut at the chart's edge (Danish runs longer than English)."""
    app = open_page(danish_url)
    page = app.page
    measure = (
        "() => Array.from(document.querySelectorAll('[id^=chart-] .js-plotly-plot')).map(gd => {"
        " const t = gd.querySelector('.gtitle'); const b = t.getBBox();"
        " return [gd.parentElement.id, t.textContent, b.x + b.width, gd._fullLayout.width]; })"
    )
    for view in ("normal", "projector"):
        if view == "projector":
            page.click("#view input[value='projector']")
            app.wait("() => document.body.classList.contains('projector')")
            app.step()  # a frame in the projector view's fonts
        titles = page.evaluate(measure)
        assert len(titles) == 4, titles
        too_long = [(chart, text, round(right), width) for chart, text, right, width in titles if right > width]
        assert not too_long, f"{view} view: titles cut at the chart's edge: {too_long}"


def test_the_language_switch_reloads_in_the_other_language_keeping_the_levers(danish_url, open_page) -> None:
    app = open_page(danish_url + "?leader_dialogue=0.8&seed=7")
    page = app.page
    assert page.inner_text("#label-zero_error_culture") == lever_label("zero_error_culture", "da")
    assert _setup_on_page(app)["leader_dialogue"] == "0.8"

    page.click("#lang-switch input[value='en']")
    page.wait_for_url(re.compile(r"lang=en"))
    app.wait_painted()
    english = lever_label("zero_error_culture", "en")
    app.wait("text => document.querySelector('#label-zero_error_culture').innerText === text", english)
    assert page.inner_text("#play") == "▶ Play"
    assert _setup_on_page(app)["leader_dialogue"] == "0.8" and _setup_on_page(app)["seed"] == "7"
    assert page.evaluate("() => document.documentElement.lang") == "en", "an English page must say it is English"


# ------------------------------------------------------------------- phone
def test_on_a_phone_nothing_scrolls_sideways_and_the_levers_are_in_a_drawer(app_url, open_page) -> None:
    width, height = PHONES[0]
    app = open_page(app_url, width=width, height=height)
    _fits(app, width)
    assert _visible(app, "#drawer-toggle")
    assert not _visible(app, "#controls"), "on a phone the levers wait in a drawer"
    app.page.click("#drawer-toggle")
    app.wait("() => document.querySelector('#controls').classList.contains('open')")
    assert _visible(app, "#controls") and _visible(app, "#play")

    app.side_by_side()
    app.play()
    app.wait_week(3)
    app.pause()
    _fits(app, width)
    for width, height in PHONES[1:]:
        app.page.set_viewport_size({"width": width, "height": height})
        _fits(app, width)
    app.page.click("#drawer-toggle")
    app.wait("() => !document.querySelector('#controls').classList.contains('open')")
    assert not _visible(app, "#controls")


# ------------------------------------------------------------------ reload
def test_a_reload_and_a_shared_link_restore_the_levers_seed_and_speed(app_url, open_page) -> None:
    app = open_page(app_url)
    page = app.page
    lever = app.press_slider(app.lever("leader_dialogue"), "ArrowRight")
    page.fill("#seed", "7")
    page.press("#seed", "Enter")
    speed = app.press_slider(app.slider("speed"), "ArrowRight")
    assert speed == "2"
    wanted = {"leader_dialogue": lever, "seed": "7", "speed": speed}
    app.wait(
        "w => { const q = new URLSearchParams(location.search);"
        " return Object.entries(w).every(([k, v]) => Number(q.get(k)) === Number(v)); }",
        wanted,
    )
    assert _setup_on_page(app) == wanted

    page.reload()
    app.wait_painted()
    assert _setup_on_page(app) == wanted
    assert app.week() == 0
    _says_restored(app)

    pupil = open_page(page.url)
    assert _setup_on_page(pupil) == wanted
    _says_restored(pupil)


def _says_restored(app) -> None:
    """The page says, next to its messages, that it restored the setup from its address (and keeps saying it)."""
    note = app.page.locator(".main").get_by_text(RESTORED)
    note.wait_for(state="visible")
    app.wait_paused()  # every update the page's load started has been answered
    assert note.is_visible(), "the note that the setup was restored disappeared"


# --------------------------------------------------------------------- CSV
def test_the_csv_download_holds_both_runs_up_to_the_week_on_the_monitors(app_url, open_page, tmp_path) -> None:
    pd = pytest.importorskip("pandas")
    app = open_page(app_url)
    app.side_by_side()
    app.play()
    app.wait_week(8)
    week = app.pause()
    with app.page.expect_download() as caught:
        app.page.click("#download")
    download = caught.value
    assert download.suggested_filename == f"cocreate_sim-default-seed1-week{week}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_text(encoding="utf-8")

    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "# seed: 1" in header and "# preset: default" in header, header
    levers = next(line for line in header if line.startswith("# levers of run A: "))
    assert "leader_dialogue=0.1" in levers and "zero_error_culture=" in levers
    assert "# run B differs in: leader_dialogue=1" in header
    table = pd.read_csv(io.StringIO(text), comment="#")
    for run in ("A", "B"):
        assert table.loc[table["run"] == run, "week"].tolist() == list(range(week + 1)), run
    assert set(table["run"]) == {"A", "B"}

    last = [table[table["run"] == run].iloc[-1] for run in ("A", "B")]
    shown = [monitor_texts({c: round(float(row[c]), MONITOR_DIGITS) for c in MONITOR_COLUMNS}, "en") for row in last]
    for i, (key, _label) in enumerate(MONITORS):
        assert app.page.inner_text(f"#monitor-{key}") == f"A {shown[0][i]} · B {shown[1][i]}", key


# ------------------------------------------------------------------ marker
def test_a_lever_moved_mid_run_marks_every_chart_with_its_label(app_url, open_page) -> None:
    app = open_page(app_url)
    app.play()
    app.wait_week(3)
    app.press_slider(app.lever("leader_dialogue"), "End")
    label = f"{lever_label('leader_dialogue', 'en')} = 1"
    app.wait(
        """([ids, label]) => ids.every(id => {
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const layout = gd && gd.layout;
            return layout
                && (layout.annotations || []).some(a => String(a.text).includes(label))
                && (layout.shapes || []).some(
                    s => s.type === 'line' && s.yref === 'paper' && s.x0 === s.x1 && s.x0 > 0)
                && (layout.shapes || []).every(s => s.layer === 'below');  // under the lines, as the live canvas
        })""",
        [list(CHART_IDS), label],
    )
    app.pause()
    assert not app.alerts(), app.alerts()


# ------------------------------------------------------------------ lesson
def test_a_lesson_goes_from_the_classs_prediction_to_the_measured_result(app_url, open_page) -> None:
    from cocreate_sim.app.lessons import LESSONS

    lesson = LESSONS[0]
    t = gettext_for("en", "info")
    app = open_page(app_url)
    page = app.page
    _choose(app, "lesson", lesson.key)
    app.wait("() => document.querySelector('#play').disabled && document.querySelector('#step').disabled")
    assert t(lesson.question) in page.inner_text("#lesson-box")
    app.wait(f"() => /\\b0\\D+{lesson.steps}\\b/.test(document.querySelector('#week').innerText)")
    assert page.is_checked("#compare-on input[type='checkbox']"), "a lesson compares two runs"

    page.click("#prediction input[value='up']")
    app.wait("() => !document.querySelector('#play').disabled")
    app.fastest()
    app.play()
    app.wait_week(lesson.steps, timeout_ms=LESSON_TIMEOUT_MS)
    app.wait("() => document.querySelector('#lesson-result').innerText.trim().length > 0")
    result = page.inner_text("#lesson-result")
    assert "Your prediction: goes up" in result, result
    assert f"Measured at week {lesson.steps}" in result and "run A" in result and "run B" in result, result
    assert t(lesson.notice) in result, result
    assert t(lesson.outcome_label) in result, result


# --------------------------------------------------------------------- axe
def test_axe_finds_nothing_serious_on_the_model_and_info_tabs_normal_and_projected(app_url, open_page) -> None:
    axe_module = pytest.importorskip(
        "axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python"
    )
    axe = axe_module.Axe()
    app = open_page(app_url)
    page = app.page
    found: dict[str, list[dict]] = {}

    def check(where: str) -> None:
        found[where] = axe.run(page).response["violations"]

    check("model tab")
    _info_headings(app)
    check("info tab")
    page.click("#view input[value='projector']")
    app.wait("() => document.body.classList.contains('projector')")
    check("info tab, projector")
    page.locator("#tabs .tab", has_text="Model").click()
    app.wait("() => document.querySelector('#play') && document.querySelector('#play').offsetParent !== null")
    check("model tab, projector")

    blocking = []
    for where, violations in found.items():
        for v in violations:
            for origin, nodes in _by_origin(v).items():
                targets = [" ".join(map(str, node["target"])) for node in nodes][:5]
                line = f"{where}: {v['impact']} {v['id']} ({len(nodes)}x, {origin}): {v['help']} {targets}"
                print(line)
                if v["impact"] in AXE_BLOCKING and origin == "app":
                    blocking.append(line)
    assert not blocking, "\n".join(blocking)


def _by_origin(violation: dict) -> dict[str, list[dict]]:
    """A violation's nodes: those in markup that Dash's own components make (and no app can change), and the rest."""
    out: dict[str, list[dict]] = {}
    for node in violation["nodes"]:
        inside = violation["id"] in DASH_MARKUP and DASH_MARKUP[violation["id"]] in node["html"]
        out.setdefault("Dash's own markup" if inside else "app", []).append(node)
    return out


# ---------------------------------------------------------------- keyboard
def test_tab_reaches_play_and_enter_and_space_toggle_it(app_url, open_page) -> None:
    app = open_page(app_url)
    page = app.page
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "play":
            break
    else:
        raise AssertionError("Tab never reached the Play button")
    page.keyboard.press("Enter")
    app.wait_week(2)
    page.keyboard.press("Space")
    week = app.wait_paused()
    assert week >= 2 and page.evaluate("() => document.activeElement.id") == "play"
    page.keyboard.press("Space")
    app.wait_week(week + 1)
    page.keyboard.press("Enter")
    app.wait_paused()


# ----------------------------------------------------------- side by side
def test_side_by_side_pictures_are_tall_and_the_charts_start_below_them(app_url, open_page) -> None:
    app = open_page(app_url)
    app.side_by_side()
    condition = """ids => {
        const box = id => document.getElementById(id).getBoundingClientRect();
        const a = box('org-a'), b = box('org-b');
        return a.height > 300 && b.height > 300 && a.right <= b.left + 1
            && ids.every(id => box(id).top >= Math.max(a.bottom, b.bottom) - 1);
    }"""
    try:
        app.wait(condition, list(CHART_IDS))
    except Exception:
        raise AssertionError(f"pictures and charts overlap: {_boxes(app, 'org-a', 'org-b', *CHART_IDS)}") from None


# -------------------------------------------------------------- end of run
def test_the_end_of_run_message_stays_when_a_lever_is_moved_afterwards(app_url, open_page) -> None:
    app = open_page(f"{app_url}?preset={SHORT_KEY}")
    page = app.page
    assert app.horizon() == SHORT_WEEKS
    app.fastest()
    app.play()
    app.wait_week(SHORT_WEEKS)
    app.wait_paused()
    notes = page.locator("#message .note")
    notes.filter(has_text=f" {SHORT_WEEKS} ").first.wait_for(state="visible")
    ended = notes.filter(has_text=f" {SHORT_WEEKS} ").first.inner_text()

    def frame_update(response) -> bool:
        return "_dash-update-component" in response.url and "frame.data" in (response.request.post_data or "")

    with page.expect_response(frame_update) as caught:
        app.press_slider(app.lever("leader_dialogue"), "End")
    assert ended in json.dumps(caught.value.json()["response"]["message"], ensure_ascii=False)
    app.wait("() => new URLSearchParams(location.search).get('leader_dialogue') === '1'")
    app.wait_paused()
    assert ended in page.inner_text("#message")
    assert app.week() == SHORT_WEEKS


# -------------------------------------------------------------- seed field
def test_a_seed_the_model_cannot_use_is_quoted_in_the_message(app_url, open_page) -> None:
    app = open_page(app_url)
    page = app.page
    for typed in BAD_SEEDS:
        page.fill("#seed", typed)
        page.press("#seed", "Enter")
        app.wait(
            "typed => Array.from(document.querySelectorAll('#message .alert')).some(a => a.innerText.includes(typed))",
            typed,
        )
        message = page.inner_text("#message")
        assert "seed" in message and "empty field" not in message, message
    assert app.week() == 0


# ------------------------------------------------------- early visibility
def test_by_week_six_the_picture_shows_a_proposal_or_someone_co_creating(app_url, open_page) -> None:
    from cocreate_sim.app.orgpicture import STAGE_KEYS

    groups = [*STAGE_KEYS, "ring"]
    count = """groups => {
        const gd = document.querySelector('#org-a .js-plotly-plot');
        const out = {};
        for (const g of groups) out[g] = 0;
        for (const t of gd.data) {
            if (groups.includes(t.legendgroup)) out[t.legendgroup] += (t.x || []).filter(x => x !== null).length;
        }
        return out;
    }"""
    app = open_page(app_url)
    assert app.week() == 0
    at_start = app.page.evaluate(count, groups)
    while app.week() < EARLY_WEEK:
        app.step()
    assert app.week() == EARLY_WEEK
    app.wait("w => window.dash_component_api.getLayout('have').props.data.week === w", EARLY_WEEK)  # painted
    later = app.page.evaluate(count, groups)
    assert sum(at_start.values()) == 0, f"nothing is under way at week 0: {at_start}"
    assert sum(later.values()) > 0, f"by week {EARLY_WEEK} the picture still shows only its fixed parts: {later}"

"""The Info tab and the guided lessons: structure, translations, validation, verdicts, preset names.

Fast: nothing here runs the model for more than its first week, and no browser
is started. Whether each lesson shows its effect on seeds 1-10 is checked by
``python3 -m cocreate_sim.app.lessons`` (about two minutes), not here.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from cocreate_sim.app.info import BULLET, SECTIONS, info_sections
from cocreate_sim.app.lessons import (
    CHECK_SEEDS,
    LESSONS,
    PRESET_NAMES,
    Lesson,
    check_lesson,
    check_lessons,
    measured_change,
)
from cocreate_sim.app.levers import LEVERS
from cocreate_sim.i18n import LOCALE_DIR, gettext_for, lever_label
from cocreate_sim.metrics import COLUMN_NAMES
from cocreate_sim.params import DEFAULTS, PARAMETERS, ParameterError

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
PO_FILE = LOCALE_DIR / "da" / "LC_MESSAGES" / "info.po"

HEADINGS_EN = [
    "What is it?",
    "How it works",
    "How to use it",
    "Things to notice",
    "Things to try",
    "Extending the model",
    "Credits and references",
]
HEADINGS_DA = [
    "Hvad er det?",
    "Sådan virker den",
    "Sådan bruger du den",
    "Læg mærke til",
    "Prøv selv",
    "Udvid modellen",
    "Ophav og kilder",
]
BUTTONS_DA = {
    "Play": "Afspil",
    "Step one week": "Ét skridt",
    "Reset": "Nulstil",
    "Speed": "Fart",
    "Seed": "Frø",
    "Side by side": "Side om side",
    "Lessons": "Lektioner",
    "Download CSV": "Hent CSV",
}
"""The page's buttons and controls in English and Danish, as the Danish text must name them."""


def every_text() -> list[str]:
    """Every English source string of the info catalogue: Info tab, lessons, preset names."""
    texts = [section.heading for section in SECTIONS] + [block for section in SECTIONS for block in section.blocks]
    for lesson in LESSONS:
        texts += [lesson.title, lesson.setup, lesson.question, lesson.outcome_label, lesson.notice]
    return texts + list(PRESET_NAMES.values())


def danish(text: str) -> str:
    return gettext_for("da", "info")(text)


# ------------------------------------------------------------------ Info tab
def test_info_has_netlogos_headings_in_order():
    assert [section.heading for section in SECTIONS] == HEADINGS_EN
    assert [heading for heading, _ in info_sections("en")] == HEADINGS_EN


def test_info_headings_are_translated_in_danish_in_the_same_order():
    assert [heading for heading, _ in info_sections("da")] == HEADINGS_DA


def test_info_sections_give_every_block_in_the_page_language():
    english = info_sections("en")
    assert english == [(s.heading, list(s.blocks)) for s in SECTIONS]
    for (_, blocks_en), (_, blocks_da) in zip(english, info_sections("da"), strict=True):
        assert len(blocks_en) == len(blocks_da)
        for en, da in zip(blocks_en, blocks_da, strict=True):
            assert da != en, f"untranslated: {en[:60]!r}"
            assert en.startswith(BULLET) == da.startswith(BULLET), f"bullet lost in translation: {en[:60]!r}"


def test_info_blocks_are_plain_paragraphs_or_bullet_items():
    for section in SECTIONS:
        assert section.blocks, section.heading
        for block in section.blocks:
            assert isinstance(block, str) and block.strip() == block and block
            assert "\n" not in block
            if block.startswith("-"):
                assert block.startswith(BULLET) and block[len(BULLET) :].strip()


def test_info_credits_name_the_five_sources_and_the_published_figures():
    credits = " ".join(SECTIONS[-1].blocks)
    for author in ("Nielsen", "Allentoft", "Offentlig styring i opbrud", "Center for Borgerdialog", "Torfing"):
        assert author in credits
    for figure in ("VIVE", "Kulturvaneundersøgelsen", "Sjoberg", "Jakobsen", "Parrado", "NFA", "DJØF", "Gentofte"):
        assert figure in credits


def test_info_says_how_little_is_calibrated_and_where_it_misses():
    text = " ".join(block for section in SECTIONS for block in section.blocks)
    assert "calibrated to one published figure only" in text
    assert "docs/validation.md" in text and "The model misses this" in text
    assert "Practice mandate" in text, "the lever whose sizes are not to be quoted is named"


def test_info_names_the_main_levers_as_the_page_labels_them():
    how_to_use = " ".join(SECTIONS[2].blocks)
    for name in ("zero_error_culture", "decision_path_length", "leader_dialogue", "outreach_weak_groups"):
        assert f"**{lever_label(name, 'en')}**" in how_to_use


# ----------------------------------------------------------------- catalogue
def test_every_text_has_a_danish_translation_in_the_compiled_catalogue():
    missing = [text[:60] for text in every_text() if danish(text) == text]
    assert not missing


def test_the_po_file_holds_exactly_these_texts_all_translated_none_fuzzy():
    pofile = pytest.importorskip("babel.messages.pofile")
    with open(PO_FILE, "rb") as handle:
        catalog = pofile.read_po(handle, locale="da", domain="info")
    header = PO_FILE.read_text(encoding="utf-8").lower()
    for line in ("content-type: text/plain; charset=utf-8", "language: da", "plural-forms: nplurals=2"):
        assert line in header
    assert catalog.locale.language == "da"
    messages = {m.id: m for m in catalog if m.id}
    assert set(messages) == set(every_text())
    for text, message in messages.items():
        assert message.string and message.string.strip(), f"untranslated: {text[:60]!r}"
        assert not message.fuzzy, f"fuzzy: {text[:60]!r}"
        assert danish(text) == message.string, f".mo is older than .po: {text[:60]!r}"


def test_danish_text_names_levers_as_the_page_shows_them():
    checked = 0
    for text in every_text():
        for name in PARAMETERS:
            label = lever_label(name, "en")
            shown = lever_label(name, "da")
            if shown == label or (f"**{label}**" not in text and f"({label} " not in text):
                continue  # not named here, or the lever's name is not translated yet
            assert shown in danish(text), f"{text[:50]!r} should name {name} as {shown!r}"
            checked += 1
    assert checked


def test_danish_text_names_buttons_as_the_page_shows_them():
    checked = 0
    for text in every_text():
        for english, shown in BUTTONS_DA.items():
            if f"**{english}**" in text:
                assert f"**{shown}**" in danish(text), f"{text[:50]!r} should name {english!r} as {shown!r}"
                checked += 1
    assert checked >= len(BUTTONS_DA)


# ------------------------------------------------------------------- lessons
def test_there_are_at_least_three_lessons_with_distinct_keys_and_titles():
    assert len(LESSONS) >= 3
    assert len({lesson.key for lesson in LESSONS}) == len(LESSONS)
    assert len({lesson.title for lesson in LESSONS}) == len(LESSONS)


def test_lesson_keys_are_not_scenario_names():
    """A lesson's starting point is keyed 'lesson:<key>', so a key must not borrow a scenario's readable name."""
    assert not {lesson.key for lesson in LESSONS} & set(PRESET_NAMES)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_lesson_validates(lesson: Lesson):
    check_lesson(lesson)
    for name, value in {**lesson.base, lesson.lever: lesson.value}.items():
        assert name in PARAMETERS
        assert PARAMETERS[name].check(value) == value
    assert lesson.lever in LEVERS
    assert lesson.outcome in COLUMN_NAMES
    assert 156 <= lesson.steps <= 260
    assert lesson.no_change > 0


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_runs_a_and_b_differ_only_in_the_lesson_lever(lesson: Lesson):
    a, b = lesson.params_a, lesson.params_b
    assert a == {**DEFAULTS, **lesson.base}
    assert {name for name in a if a[name] != b[name]} == {lesson.lever}
    assert b[lesson.lever] == lesson.value


def test_lesson_outcomes_are_collected_by_the_model():
    from cocreate_sim.model import CoCreationModel

    small = {"population": 500, "n_citizens": 50, "n_departments": 2, "workers_per_department": 3}
    model = CoCreationModel(rng=1, **small)
    model.step()
    table = model.datacollector.get_model_vars_dataframe()
    for lesson in LESSONS:
        assert lesson.outcome in table.columns
        assert math.isfinite(float(table[lesson.outcome].iloc[-1]))


@pytest.mark.parametrize(
    "change",
    [
        {"lever": "no_such_lever"},
        {"value": 99.0},
        {"base": {"leader_dialogue": -1.0}},
        {"base": {"no_such_lever": 1}},
        {"lever": "population", "value": 1000},
        {"value": DEFAULTS["zero_error_culture"]},
        {"outcome": "no_such_column"},
        {"steps": 0},
        {"seed": -1},
        {"no_change": 0.0},
        {"no_change": math.nan},
        {"notice": " "},
        {"expected": "none"},
    ],
)
def test_a_broken_lesson_is_refused(change: dict):
    with pytest.raises(ParameterError):
        dataclasses.replace(LESSONS[0], **change)


@pytest.mark.slow
def test_each_lesson_shows_what_its_mechanism_gives_on_its_seed_and_on_most_check_seeds():
    """A lesson whose seed shows the opposite teaches the class the wrong thing (model v3 left the zero-error
    lesson, from the NPM defaults alone, showing its rise on only 5 of 10 seeds)."""
    for lesson, diffs in check_lessons():
        verdicts = [measured_change(lesson, 0.0, d) for d in diffs]
        if lesson.seed in CHECK_SEEDS:
            assert verdicts[CHECK_SEEDS.index(lesson.seed)] == lesson.expected, (lesson.key, diffs)
        assert verdicts.count(lesson.expected) >= 8, (lesson.key, verdicts, diffs)


# ------------------------------------------------------------ measured change
def test_a_difference_inside_the_band_is_no_change():
    lesson = LESSONS[0]
    band = lesson.no_change
    assert measured_change(lesson, 0.5, 0.5) == "none"
    assert measured_change(lesson, 0.5, 0.5 + 0.9 * band) == "none"
    assert measured_change(lesson, 0.5, 0.5 - 0.9 * band) == "none"


def test_a_difference_beyond_the_band_goes_up_or_down():
    lesson = LESSONS[0]
    band = lesson.no_change
    assert measured_change(lesson, 0.2, 0.2 + 1.5 * band) == "up"
    assert measured_change(lesson, 0.2, 0.2 - 1.5 * band) == "down"
    assert measured_change(lesson, 0.0, band) == "up"  # the band's edge is a change
    assert measured_change(lesson, band, 0.0) == "down"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_each_lesson_uses_its_own_band(lesson: Lesson):
    assert measured_change(lesson, 1.0, 1.0 + lesson.no_change / 2) == "none"
    assert measured_change(lesson, 1.0, 1.0 + lesson.no_change * 2) == "up"


def test_no_verdict_is_drawn_from_a_value_that_is_not_a_number():
    with pytest.raises(ValueError):
        measured_change(LESSONS[0], math.nan, 0.1)
    with pytest.raises(ValueError):
        measured_change(LESSONS[0], 0.1, math.inf)


# ------------------------------------------------------------- preset names
def test_preset_names_cover_the_defaults_and_every_scenario_file():
    stems = {path.stem for path in SCENARIOS.glob("*.yaml")} | {path.stem for path in SCENARIOS.glob("*.yml")}
    assert stems, f"no scenario files in {SCENARIOS}"
    assert set(PRESET_NAMES) == stems | {"default"}


def test_preset_names_are_readable_and_distinct():
    names = list(PRESET_NAMES.values())
    assert len(set(names)) == len(names)
    assert PRESET_NAMES["default"] == "Municipality under New Public Management"
    assert PRESET_NAMES["npm_baseline"] == "New Public Management (baseline)"
    for name in names:
        assert "_" not in name and name[0].isupper()


def test_the_info_tabs_figures_are_those_of_the_calibrated_defaults_check():
    """The Info tab quotes the model at its defaults; docs/calibration/defaults_check.csv is redone after every
    model change (docs/architecture.md), so a figure left from an older model fails here."""
    import pandas as pd

    check = pd.read_csv(Path(__file__).parents[1] / "docs" / "calibration" / "defaults_check.csv").set_index("target")
    text = " ".join(block for section in SECTIONS for block in section.blocks)
    strain = check.loc["npm_strain", "mean"]
    assert f"at its defaults about {100 * strain:.0f}% of the workers are under strain" in text
    gradient = check.loc["npm_low_threshold_gradient", "mean"]
    assert f"(about {gradient:.2f} times)" in text

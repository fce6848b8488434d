"""Danish and English: complete catalogues, the report in Danish, --lang on the command line, the catalogue tools."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cocreate_sim import cli, i18n
from cocreate_sim.i18n import (
    DOMAINS,
    LOCALE_DIR,
    column_label,
    gettext_for,
    lever_label,
    lever_meaning,
    lever_sentence,
    number_text,
    po_path,
    unit,
)
from cocreate_sim.params import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "src" / "cocreate_sim" / "reports"
TINY_RUN = ["--point", "--steps", "4", "--set", "n_citizens=200", "--replications", "1", "--workers", "1", "--quiet"]


def _babel():
    pytest.importorskip("babel", reason="the catalogue tools need Babel (the [test] extra)")


def _body(page: str) -> str:
    """A report without its head (the style sheet and plotly.js)."""
    return page.split("</head>", 1)[1]


def _quiet(message: str) -> None:
    """Where the catalogue tools' notes go in a test."""


# -------------------------------------------------------------- catalogues
def test_the_reports_catalogue_is_complete_and_compiled():
    """Every message of the report, and every lever and output text, is translated into Danish and compiled."""
    _babel()
    assert i18n.check_catalogues(["reports"]) == []


@pytest.mark.parametrize("domain", [d for d in DOMAINS if d != "reports"])
def test_every_other_catalogue_is_complete_and_compiled(domain):
    """The app's catalogues too, once their parts have one (python3 -m cocreate_sim.i18n update creates it)."""
    _babel()
    if not any(po_path(lang, domain).exists() for lang in i18n.translated_languages()):
        if not len(i18n.extract_messages(domain)):
            pytest.skip(f"the {domain!r} part has no messages yet")
    assert i18n.check_catalogues([domain]) == []


def test_no_report_text_hides_from_extraction():
    """Only literal ``_("...")`` calls are extracted: no f-string inside _(), no _ called by another name."""
    for path in REPORTS.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"\b_\(\s*f['\"]", source), f"{path.name}: an f-string cannot be translated"
        assert not re.search(r"gettext_for\([^)]*\)\(\s*['\"]", source), f"{path.name}: call the text through _()"


def test_check_names_what_is_missing(tmp_path: Path):
    """A catalogue whose translations were removed, or whose .mo is stale, fails the check and says why."""
    _babel()
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    po = po_path("da", "reports", tmp_path / "locale")
    text = po.read_text().replace('msgstr "Ledelsesdialog"', 'msgstr ""')
    po.write_text(text)
    problems = i18n.check_catalogues(["reports"], tmp_path / "locale")
    assert any("1 message(s) untranslated: 'Leader dialogue'" in p for p in problems)
    assert any("reports.mo: differs from reports.po" in p for p in problems)


def test_update_keeps_translations_when_messages_leave_and_come_back(tmp_path: Path):
    """update merges: a message gone from the sources keeps its translation, other catalogues are untouched."""
    _babel()
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    other = po_path("da", "app", locale)
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text('msgid "Play"\nmsgstr "Afspil"\n')
    before = po_path("da", "reports", locale).read_bytes()
    # a package whose reports hold only one of today's messages and a new one
    package = tmp_path / "cocreate_sim"
    (package / "reports").mkdir(parents=True)
    (package / "reports" / "short.py").write_text('_("Levers")\n_("Xylophones quietly jump")\n')
    i18n.update_catalogues(["reports"], locale, package, notify=_quiet)
    from babel.messages.pofile import read_po

    with open(po_path("da", "reports", locale), "rb") as handle:
        shrunk = read_po(handle, locale="da", domain="reports")
    assert shrunk["Levers"].string == "Greb"
    assert shrunk["Xylophones quietly jump"].string == ""
    assert len(shrunk.obsolete) > 50, "the messages no longer in the sources are kept, translated"
    # the sources come back: so do their translations, and the catalogue is as it was
    i18n.update_catalogues(["reports"], locale, notify=_quiet)
    assert i18n.check_catalogues(["reports"], locale) == []
    current = po_path("da", "reports", locale).read_bytes().split(b"\n#~")[0]  # the obsolete entries go last
    assert i18n._stable(current).rstrip() == i18n._stable(before).rstrip()
    assert other.read_text() == 'msgid "Play"\nmsgstr "Afspil"\n', "another part's catalogue is never touched"


def test_the_tools_run_from_the_command_line():
    _babel()
    result = subprocess.run(
        [sys.executable, "-m", "cocreate_sim.i18n", "check", "--domain", "reports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "catalogues complete" in result.stdout


def test_without_babel_the_tools_say_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "babel", None)
    monkeypatch.setitem(sys.modules, "babel.messages", None)
    assert i18n.main(["check"]) == 2
    err = capsys.readouterr().err
    assert "pip install babel" in err and err.count("\n") == 1


# ---------------------------------------------------------- shared texts
def test_lever_and_column_texts_come_from_the_catalogue():
    _ = gettext_for("da", "reports")
    assert _("Zero error culture") == "Nulfejlskultur"
    assert lever_label("leader_dialogue", "da") == "Ledelsesdialog"
    assert lever_label("task_committees", "da") == "Opgaveudvalg"
    assert lever_label("champion_share", "da") == "Andel frontfigurer"
    assert lever_label("leader_dialogue", "en") == "Leader dialogue"
    assert "beslutningsgange" in lever_meaning("decision_path_length", "da")
    short = "Frie rammer (råderum): hvor meget en frontmedarbejder må beslutte alene."
    assert lever_sentence("discretion", "da") == short
    assert lever_sentence("discretion", "en") == i18n.first_sentence(PARAMETERS["discretion"].meaning)
    assert unit("weeks per step", "da") == "uger pr. trin"
    assert column_label("backlog", "da") == "Efterslæb i driften"
    assert column_label("backlog", "en") == "Operations backlog"
    assert number_text("1,234.5", "da") == "1.234,5" and number_text("1,234.5", "en") == "1,234.5"


def test_first_sentence_is_the_rule_the_app_uses_under_its_sliders():
    levers = pytest.importorskip("cocreate_sim.app.levers", reason="the app needs the [app] extra")
    if not hasattr(levers, "plain"):
        pytest.skip("the app no longer has its own plain(); nothing to compare")
    for parameter in PARAMETERS.values():
        assert levers.plain(parameter) == i18n.first_sentence(parameter.meaning)


# ------------------------------------------------------------ command line
@pytest.mark.parametrize(
    "command", [["run", "scenarios/npm_baseline.yaml"], ["compare", "a.yaml", "b.yaml"], ["report", "results/x"]]
)
def test_a_language_not_offered_is_one_clear_error_and_exit_2(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--lang", "xx"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--lang" in err and "'xx' is not an offered language" in err and "en (English), da (Dansk)" in err
    assert "Traceback" not in err


def test_run_and_report_write_the_language_asked(tmp_path: Path, monkeypatch, capsys):
    """--lang da writes the report in Danish; 'report' rebuilds it in the language asked (English by default)."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["scenarios/drop_zero_error_culture.yaml", *TINY_RUN, "--out", "o", "--lang", "da"]) == 0
    folder = tmp_path / capsys.readouterr().out.strip()
    page = (folder / "report.html").read_text()
    assert page.startswith('<!DOCTYPE html><html lang="da">')
    danish = _body(page)
    for heading in ("Hvad skete der", "Greb, der afviger fra basisscenariet", "Over tid", "Nulfejlskultur"):
        assert heading in danish
    for english in ("What happened", "Over time", "Levers that differ", "week (52 weeks", "confidence interval"):
        assert english not in danish
    assert "--lang da" in danish, "the suggested next command keeps the language"
    assert cli.main(["report", str(folder), "--out", "en.html"]) == 0
    page = (tmp_path / "en.html").read_text()
    assert page.startswith('<!DOCTYPE html><html lang="en">')
    assert "What happened" in _body(page) and "Hvad skete der" not in _body(page)
    assert cli.main(["report", str(folder), "--lang", "da", "--out", "da.html"]) == 0
    assert "Hvad skete der" in (tmp_path / "da.html").read_text()

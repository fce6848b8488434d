"""Languages: English (the source text) and Danish, from gettext message catalogues.

Why gettext and Babel: translators work on ordinary ``.po`` files with the
tools of the trade, and the running code needs only Python's own
:mod:`gettext` (the compiled ``.mo`` files ship with the package), so Babel is
a tool for maintainers, not a dependency of the app or the reports.

Catalogues (one per part, so their owners never edit the same file):
``app`` (the classroom page), ``info`` (its Info tab and lessons) and
``reports`` (the planner's HTML report, plus lever and column names shared by
both: :func:`lever_label`, :func:`lever_sentence`, :func:`lever_meaning`,
:func:`unit`, :func:`column_label`, :func:`column_meaning`).
``python3 -m cocreate_sim.i18n update`` extracts and merges them, ``compile``
writes the ``.mo`` files and ``check`` fails while anything is untranslated,
fuzzy or not compiled (see docs/translating.md). Only the standard library is
imported here; the tools import Babel, and the data-driven texts import
:mod:`cocreate_sim.params` and :mod:`cocreate_sim.metrics`, when they run.
"""

from __future__ import annotations

import argparse
import gettext
import io
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "da")
"""Languages the interface and reports come in; English is the source text."""
DEFAULT_LANGUAGE = "en"
"""The language when none is asked for."""
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}
"""Each language's name in itself, for the switch on the page."""
DOMAINS: tuple[str, ...] = ("app", "info", "reports")
"""The message catalogues (gettext domains)."""
LOCALE_DIR = Path(__file__).with_name("locale")
"""Where the catalogues live: locale/<lang>/LC_MESSAGES/<domain>.po and .mo."""

SEPARATORS = {"en": (".", ","), "da": (",", ".")}
"""Each language's decimal mark and thousands separator: 1,234.5 in English is 1.234,5 in Danish."""
PERCENT_SIGNS = {"en": "%", "da": "\u00a0%"}
"""How a percentage is written after its number: Danish puts a (non-breaking) space before the sign."""
MIN_SENTENCE = 40
"""A lever's short explanation is its meaning's first sentence only if that is longer than this (characters)."""
DATA_DOMAIN = "reports"
"""The catalogue that holds the texts taken from data (levers, columns), shared by the app and the reports."""

COLUMN_LABELS = {
    "uptake": "Workers co-creating (uptake)",
    "mindset_mean": "Understanding of co-creation (mindset)",
    "practice_mean": "Mastery of the work process (practice)",
    "energy_mean": "Worker energy",
    "strain_share": "Workers under strain",
    "burnout_share": "Workers burnt out",
    "zero_error_state": "Zero-error culture as lived",
    "operations_pull_mean": "Leaders' pull towards operations",
    "initiatives_active": "Initiatives under way",
    "initiatives_started": "Initiatives proposed",
    "initiatives_completed": "Initiatives completed",
    "initiatives_failed": "Initiatives failed",
    "initiatives_abandoned": "Initiatives abandoned",
    "participants": "Citizens taking part",
    "volunteer_retention": "Volunteers still taking part a year on",
    "repeat_participation_after_success": "Taking part again after a success",
    "repeat_participation_after_failure": "Taking part again after a failure",
    "weak_share_participants": "Weak groups among participants",
    "weak_share_population": "Weak groups in the population",
    "inclusion_ratio": "Inclusion of weak groups (1 = in proportion)",
    "weak_needs_addressed_share": "Completed initiatives for weak groups' needs",
    "public_value": "Public value created",
    "trust_mean": "Citizens' trust",
    "legitimacy": "Legitimacy of political steering",
    "hours_operations": "Hours on operations",
    "hours_cocreation": "Hours co-creating",
    "maintenance_hours": "Hours maintaining co-created facilities",
    "unfunded_maintenance_hours": "Maintenance hours paid by operations",
    "facilities_count": "Co-created facilities in the municipality's care",
    "capacity_returned_hours": "Operations hours returned by co-creation",
    "net_payback_hours": "Net hours paid back by co-creation",
    "backlog": "Operations backlog",
    "complaints": "Complaints",
    "errors": "Errors",
    "decision_weeks_mean": "Weeks from proposal to decision",
    "dropout_rate": "Citizen drop-out",
    "power_sharing_mean": "Politicians' readiness to share power",
    "politician_hours_policy": "Politician hours on policy with citizens",
    "politician_hours_casework": "Politician hours on casework",
    "politician_hours_total": "Politician hours on council work in all",
}
"""Plain-language English name of every model column (:data:`cocreate_sim.metrics.COLUMNS`), as reports show it."""


class LanguageError(ValueError):
    """A language that is not offered."""


def check_language(value: Any) -> str:
    """``value`` if it is an offered language code, else LanguageError with what is allowed."""
    if isinstance(value, str) and value in LANGUAGES:
        return value
    shown = repr(value)[:100]
    raise LanguageError(f"language {shown} is not offered; choose one of {', '.join(LANGUAGES)}.")


@cache
def translations(lang: str, domain: str) -> gettext.NullTranslations:
    """The catalogue of ``domain`` in ``lang`` (English, or a missing catalogue, gives the source text)."""
    check_language(lang)
    if domain not in DOMAINS:
        raise LanguageError(f"unknown message catalogue {domain!r}; known: {', '.join(DOMAINS)}.")
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(domain, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def gettext_for(lang: str, domain: str) -> Callable[[str], str]:
    """The ``_`` function of ``domain`` in ``lang``: ``_("Play")`` -> "Afspil" in Danish."""
    return translations(lang, domain).gettext


def ngettext_for(lang: str, domain: str) -> Callable[[str, str, int], str]:
    """The ``ngettext`` function of ``domain`` in ``lang``: singular or plural text by a count."""
    return translations(lang, domain).ngettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (translated where it is shown)."""
    return message


# ------------------------------------------------------- data-driven texts
def first_sentence(text: str) -> str:
    """The short explanation of a lever: its meaning's first sentence, if that is long enough to stand alone.

    The one rule for the line under an app slider (``app/levers.py``'s ``plain``) and for :func:`lever_sentence`.
    """
    text = text.strip()
    for stop in (". ", "; "):
        head, sep, _ = text.partition(stop)
        if sep and len(head) > MIN_SENTENCE:
            return head.rstrip(".") + "."
    return text


def _lever(name: str) -> Any:
    from .params import PARAMETERS

    return PARAMETERS[name]


def lever_label(name: str, lang: str) -> str:
    """A lever's name for people: ``zero_error_culture`` -> "Zero error culture" / "Nulfejlskultur"."""
    return gettext_for(lang, DATA_DOMAIN)(name.replace("_", " ").capitalize())


def lever_meaning(name: str, lang: str) -> str:
    """What a lever means, in full (from :data:`cocreate_sim.params.PARAMETERS`)."""
    return gettext_for(lang, DATA_DOMAIN)(_lever(name).meaning)


def lever_sentence(name: str, lang: str) -> str:
    """A lever's one-sentence explanation (:func:`first_sentence` of its meaning)."""
    return gettext_for(lang, DATA_DOMAIN)(first_sentence(_lever(name).meaning))


def unit(text: str, lang: str) -> str:
    """A unit of a lever or a column (``"weeks per step"``), in ``lang``."""
    return gettext_for(lang, DATA_DOMAIN)(text)


def column_label(column: str, lang: str) -> str:
    """Plain-language name of a model column (:data:`COLUMN_LABELS`; others: the name with spaces)."""
    return gettext_for(lang, DATA_DOMAIN)(COLUMN_LABELS.get(column, column.replace("_", " ")))


def column_meaning(column: str, lang: str) -> str:
    """What a model column means (from :data:`cocreate_sim.metrics.COLUMNS`)."""
    from .metrics import COLUMNS

    return gettext_for(lang, DATA_DOMAIN)(COLUMNS[column].meaning)


def number_text(text: str, lang: str) -> str:
    """A number formatted the English way (``"1,234.5"``) with ``lang``'s separators (``"1.234,5"``)."""
    decimal, thousands = SEPARATORS[check_language(lang)]
    return text.translate(str.maketrans({".": decimal, ",": thousands}))


def plotly_separators(lang: str) -> str:
    """Plotly's ``layout.separators`` for ``lang``: its decimal mark, then its thousands separator."""
    return "".join(SEPARATORS[check_language(lang)])


def add_language_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--lang CODE`` on a command; a code not offered is one clear line and exit status 2 (argparse's)."""

    def language(text: str) -> str:
        if text in LANGUAGES:
            return text
        offered = ", ".join(f"{code} ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
        raise argparse.ArgumentTypeError(f"{text[:100]!r} is not an offered language; choose one of {offered}")

    parser.add_argument(
        "--lang", type=language, default=DEFAULT_LANGUAGE, metavar="{" + ",".join(LANGUAGES) + "}", help=help
    )


# ---------------------------------------------------------- catalogue tools
PACKAGE_DIR = Path(__file__).parent
"""The package's source folder; catalogue locations are written relative to its parent (``cocreate_sim/...``)."""
SOURCES = {
    "app": (("app/*.py",), ("app/info.py", "app/lessons.py")),
    "info": (("app/info.py", "app/lessons.py"), ()),
    "reports": (("reports/*.py", "patterns_design.py"), ()),
}
"""Each catalogue's source files: patterns relative to the package, and files left out (the pattern designs give
the titles and claims of a report's robust-conclusions table)."""
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
"""The calls whose string arguments are messages (``ngettext``: singular and plural)."""
COMMENT_TAGS = ("Translators:",)
"""A comment starting so, just above a message, goes into the catalogue as a note for the translator."""
BABEL_MISSING = "the catalogue tools need Babel: pip install babel (it is in the [test] extra)."
"""The one line when Babel is not installed."""
VOLATILE_HEADERS = (b"POT-Creation-Date:", b"PO-Revision-Date:", b"Generated-By:")
"""Header lines of a ``.po`` file that alone are no reason to write it again."""
SHOWN_PROBLEMS = 5
"""Messages named per kind of problem by ``check``; the rest are counted."""
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
"""A ``str.format`` field: a translation must keep the same fields as its source text."""


class CatalogueError(RuntimeError):
    """A catalogue tool cannot run (Babel missing, a catalogue unreadable)."""


def _babel() -> Any:
    try:
        from babel.messages import catalog, extract, mofile, pofile
    except ImportError:
        raise CatalogueError(BABEL_MISSING) from None
    return catalog, extract, mofile, pofile


def source_files(domain: str, root: Path = PACKAGE_DIR) -> list[Path]:
    """The Python files whose messages make up ``domain``'s catalogue."""
    patterns, left_out = SOURCES[domain]
    skipped = {root / name for name in left_out}
    return sorted({path for pattern in patterns for path in root.glob(pattern)} - skipped)


def data_messages() -> list[tuple[str, str, str]]:
    """``(English text, file it comes from, note for the translator)`` of every text that comes from data.

    Lever names, units and meanings (full and first sentence), every column's
    plain-language name, unit and meaning, and the sentence on how intervals
    are bounded: the report and the app show them, but no ``_("...")`` holds them.
    """
    from .metrics import COLUMNS
    from .params import PARAMETERS
    from .statistics import BOUNDS_SENTENCE

    out = []
    for p in PARAMETERS.values():
        out.append((p.name.replace("_", " ").capitalize(), "params.py", f"Name of the lever {p.name}."))
        out.append((p.unit, "params.py", "Unit of a lever."))
        out.append((p.meaning, "params.py", f"What the lever {p.name} means (the report's lever table)."))
        short = first_sentence(p.meaning)
        if short != p.meaning:
            out.append((short, "params.py", f"First sentence of the lever {p.name}'s meaning (under its slider)."))
    for c in COLUMNS.values():
        out.append((column_label(c.name, DEFAULT_LANGUAGE), "metrics.py", f"Name of the output {c.name}."))
        out.append((c.unit, "metrics.py", "Unit of an output."))
        out.append((c.meaning, "metrics.py", f"What the output {c.name} means."))
    out.append((BOUNDS_SENTENCE, "statistics.py", "How a report's confidence intervals are bounded."))
    return out


def extract_messages(domain: str, root: Path = PACKAGE_DIR) -> Any:
    """The template catalogue of ``domain``: every message of its sources (and, for reports, of the data)."""
    catalog_mod, extract, _, _ = _babel()
    template = catalog_mod.Catalog(project="cocreate_sim", domain=domain, charset="utf-8", fuzzy=False)
    for path in source_files(domain, root):
        where = path.relative_to(root.parent).as_posix()
        found = extract.extract_from_file(
            "python", path, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True
        )
        for lineno, message, comments, context in found:
            template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    if domain == DATA_DOMAIN:
        for text, name, note in data_messages():
            template.add(text, None, [(f"{root.name}/{name}", None)], auto_comments=[note])
    return _prose_percent(template)


def _prose_percent(catalog: Any) -> Any:
    """``catalog`` without Babel's python-format flag where a percent sign is prose ("95% CI"), not a %-format."""
    for message in catalog:
        if any("% " in text for text in _texts(message.id)):
            message.flags.discard("python-format")
    return catalog


def _texts(text: Any) -> list[str]:
    """A message's text(s): one, or singular and plural."""
    return [t for t in (text if isinstance(text, (list, tuple)) else [text]) if t]


def po_path(lang: str, domain: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """Where the catalogue of ``domain`` in ``lang`` lives (the ``.mo`` file is beside it)."""
    return Path(locale_dir) / lang / "LC_MESSAGES" / f"{domain}.po"


def translated_languages() -> list[str]:
    """Every offered language but the source language."""
    return [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]


def _read_po(path: Path, lang: str, domain: str) -> Any:
    _, _, _, pofile = _babel()
    try:
        with open(path, "rb") as handle:
            return pofile.read_po(handle, locale=lang, domain=domain, abort_invalid=True)
    except (OSError, pofile.PoFileError, ValueError) as exc:
        raise CatalogueError(f"{_shown(path)}: cannot read the catalogue ({exc}).") from None


def _po_bytes(catalog: Any) -> bytes:
    _, _, _, pofile = _babel()
    buffer = io.BytesIO()
    pofile.write_po(buffer, catalog, width=100, include_lineno=False, include_previous=True)
    return buffer.getvalue()


def _stable(data: bytes) -> bytes:
    """A catalogue's bytes without the header lines that change on every run."""
    return b"\n".join(line for line in data.split(b"\n") if not line.strip(b'"').startswith(VOLATILE_HEADERS))


def _key(message: Any) -> Any:
    """A message's key as Babel keys its catalogues: the (singular) text, with its context if it has one."""
    text = message.id if isinstance(message.id, str) else message.id[0]
    return text if message.context is None else (text, message.context)


def _translated(message: Any) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings)


def _merge(catalog: Any, template: Any) -> None:
    """Update ``catalog`` to ``template`` without losing a translation: unused ones stay as obsolete entries."""
    for message in list(catalog.obsolete.values()):  # a message back in the sources gets its translation back
        if catalog.get(message.id, message.context) is None:
            catalog[message.id] = message
    catalog.obsolete.clear()
    before = {_key(m): m for m in catalog if m.id and _translated(m)}
    catalog.update(template, update_creation_date=False)
    _prose_percent(catalog)
    now = {_key(m) for m in catalog if m.id}
    for key, message in before.items():
        if key not in now:  # Babel drops an old message it matched fuzzily to a new one: keep it too
            catalog.obsolete[key] = message


def update_catalogues(
    domains: Iterable[str] = DOMAINS,
    locale_dir: Path = LOCALE_DIR,
    root: Path = PACKAGE_DIR,
    notify: Callable[[str], None] = print,
) -> list[Path]:
    """Extract every message of ``domains`` and merge it into each language's ``.po`` file; return those written.

    Translations are kept (a message no longer in the sources stays as an
    obsolete ``#~`` entry and comes back if the message does); a changed
    message gets its old translation marked fuzzy; a new one is untranslated.
    A catalogue is created only when its sources hold messages.
    """
    from . import __version__

    catalog_mod, _, _, _ = _babel()
    written = []
    for domain in domains:
        template = extract_messages(domain, root)
        for lang in translated_languages():
            path = po_path(lang, domain, locale_dir)
            if path.exists():
                catalog = _read_po(path, lang, domain)
            elif len(template):
                catalog = catalog_mod.Catalog(
                    locale=lang,
                    domain=domain,
                    project="cocreate_sim",
                    version=__version__,
                    header_comment=f"# cocreate_sim's {domain!r} catalogue in {LANGUAGE_NAMES[lang]} ({lang}).\n"
                    "# How to update, translate and compile it: docs/translating.md.",
                    msgid_bugs_address="the cocreate_sim issue tracker",
                    last_translator="cocreate_sim maintainers",
                    language_team=LANGUAGE_NAMES[lang],
                    revision_date=template.creation_date,
                    charset="utf-8",
                    fuzzy=False,
                )
            else:
                continue
            _merge(catalog, template)
            data = _po_bytes(catalog)
            if path.exists() and _stable(path.read_bytes()) == _stable(data):
                notify(f"{_shown(path)}: up to date")
                continue
            _write(path, data)
            written.append(path)
            notify(f"{_shown(path)}: updated ({_progress(catalog)})")
    return written


def _progress(catalog: Any) -> str:
    messages = [m for m in catalog if m.id]
    done = sum(1 for m in messages if _translated(m) and not m.fuzzy)
    return f"{done} of {len(messages)} translated"


def _shown(path: Path) -> str:
    from .errors import display

    return display(path)


def _write(path: Path, data: bytes) -> None:
    from .fileio import atomic_write_bytes

    atomic_write_bytes(path, data)


def _mo_bytes(catalog: Any) -> bytes:
    _, _, mofile, _ = _babel()
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _existing(domains: Iterable[str], locale_dir: Path) -> list[tuple[str, str, Path]]:
    return [
        (lang, domain, po_path(lang, domain, locale_dir))
        for domain in domains
        for lang in translated_languages()
        if po_path(lang, domain, locale_dir).exists()
    ]


def compile_catalogues(
    domains: Iterable[str] = DOMAINS, locale_dir: Path = LOCALE_DIR, notify: Callable[[str], None] = print
) -> list[Path]:
    """Write the ``.mo`` file of every ``.po`` file of ``domains`` (fuzzy entries left out); return those written."""
    written = []
    for lang, domain, path in _existing(domains, locale_dir):
        data = _mo_bytes(_read_po(path, lang, domain))
        target = path.with_suffix(".mo")
        if target.exists() and _mo_messages(target.read_bytes()) == _mo_messages(data):
            notify(f"{_shown(target)}: up to date")
            continue
        _write(target, data)
        written.append(target)
        notify(f"{_shown(target)}: compiled")
    return written


def _mo_messages(data: bytes) -> dict[Any, Any]:
    """The messages of a compiled catalogue (without its header, which names the Babel version)."""
    _, _, mofile, _ = _babel()
    return {_key(m): m.string for m in mofile.read_mo(io.BytesIO(data)) if m.id}


def _fields(text: Any) -> list[str]:
    return sorted({field for t in _texts(text) for field in PLACEHOLDER.findall(t)})


def _named(messages: Sequence[Any]) -> str:
    shown = [repr((m.id if isinstance(m.id, str) else m.id[0])[:60]) for m in messages[:SHOWN_PROBLEMS]]
    more = len(messages) - SHOWN_PROBLEMS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def check_catalogues(
    domains: Iterable[str] = DOMAINS, locale_dir: Path = LOCALE_DIR, root: Path = PACKAGE_DIR
) -> list[str]:
    """What is wrong with the catalogues of ``domains``, one line per problem (empty: all complete).

    A catalogue must hold exactly the messages of its sources (else: run
    ``update``), translate every one, have no fuzzy entry, keep every
    ``{field}`` of its source text, and have a ``.mo`` that holds what its
    ``.po`` compiles to (else: run ``compile``). The ``.mo`` is compared by
    content, not by date: git does not keep file times.
    """
    problems = []
    for domain in domains:
        template = extract_messages(domain, root)
        wanted = {_key(m) for m in template if m.id}
        for lang in translated_languages():
            path = po_path(lang, domain, locale_dir)
            if not path.exists():
                if wanted:
                    problems.append(f"{_shown(path)}: missing ({len(wanted)} messages to translate); run update")
                continue
            catalog = _read_po(path, lang, domain)
            messages = [m for m in catalog if m.id]
            have = {_key(m) for m in messages}
            new = [m for m in template if m.id and _key(m) not in have]
            gone = [m for m in messages if _key(m) not in wanted]
            kinds = (
                ("not in the catalogue yet (run update)", new),
                ("no longer in the sources (run update)", gone),
                ("untranslated", [m for m in messages if not _translated(m)]),
                ("fuzzy (check the translation, then remove the fuzzy flag)", [m for m in messages if m.fuzzy]),
                (
                    "with other {fields} than the source text",
                    [m for m in messages if _translated(m) and _fields(m.id) != _fields(m.string)],
                ),
            )
            problems += [
                f"{_shown(path)}: {len(found)} message(s) {what}: {_named(found)}" for what, found in kinds if found
            ]
            mo = path.with_suffix(".mo")
            if not mo.exists():
                problems.append(f"{_shown(mo)}: missing; run compile")
            elif _mo_messages(mo.read_bytes()) != _mo_messages(_mo_bytes(catalog)):
                problems.append(f"{_shown(mo)}: differs from {path.name} (older or edited); run compile")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 -m cocreate_sim.i18n update|compile|check [--domain D ...]``; status 1 when check finds problems."""
    parser = argparse.ArgumentParser(
        prog="python3 -m cocreate_sim.i18n",
        description="Maintain the message catalogues (docs/translating.md): 'update' extracts the messages "
        "of the sources into each language's .po file, keeping translations; 'compile' writes the .mo files "
        "the program reads; 'check' fails while a message is new, untranslated or fuzzy or a .mo is stale.",
    )
    parser.add_argument("action", choices=["update", "compile", "check"])
    parser.add_argument(
        "--domain", action="append", choices=DOMAINS, help="only this catalogue (repeatable; default: all)"
    )
    args = parser.parse_args(argv)
    domains = args.domain or DOMAINS
    try:
        if args.action == "update":
            update_catalogues(domains)
        elif args.action == "compile":
            compile_catalogues(domains)
        else:
            problems = check_catalogues(domains)
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                return 1
            print(f"catalogues complete: {', '.join(domains)} in {', '.join(translated_languages())}")
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

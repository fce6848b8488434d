"""Errors a user can make, reported as one clear paragraph (never a traceback)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .limits import MAX_SHOWN_CHARS, MAX_SHOWN_PATH_CHARS

SUGGEST_CUTOFF = 0.6
"""How alike a typo and a valid name must be (difflib ratio) before we suggest the name."""


class UserError(Exception):
    """A mistake in what the user gave us: a file, a key, a value.

    The command line prints ``str(error)`` as one paragraph and exits with
    status 2. The message names the file, the key (and line where known), and
    what is allowed.
    """


def display(path: str | Path) -> str:
    """A path as the user recognises it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        text = str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Path.resolve on Python 3.11-3.12)
        text = str(path)
    if len(text) > MAX_SHOWN_PATH_CHARS:  # a hostile or mistaken name: show its end, where the file name is
        text = "..." + text[-(MAX_SHOWN_PATH_CHARS - 3) :]
    return text


def shorten(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, so an error never echoes a huge input back.

    Containers are summarised before ``repr`` is called: a YAML alias bomb
    expands to a structure whose ``repr`` would take minutes and gigabytes.
    """
    if isinstance(value, (list, tuple, set, dict)):
        kind = type(value).__name__
        text = f"a {kind} of {len(value)} item{'s' if len(value) != 1 else ''}"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        text = f"a whole number of more than {limit} digits"
    else:
        text = repr(value)
    return clip(text, limit)


def clip(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """Plain text cut to ``limit`` characters (ending in "..." when cut)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name a typo most likely meant, ignoring case and '-' or ' ' for '_'; None if none is close."""
    names = list(choices)
    normal = str(word).strip().lower().replace("-", "_").replace(" ", "_")
    if normal in names:
        return normal
    close = difflib.get_close_matches(normal, names, n=1, cutoff=SUGGEST_CUTOFF) or difflib.get_close_matches(
        str(word), names, n=1, cutoff=SUGGEST_CUTOFF
    )
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest valid name, or an empty string: the one did-you-mean hint."""
    hint = closest(word, choices)
    return f" Did you mean '{hint}'?" if hint else ""


EXTRAS = {
    "dask": "sweep",
    "distributed": "sweep",
    "SALib": "sweep",
    "dash": "app",
    "pyabc": "calibrate",
    "matplotlib": "docs",
}
"""Top-level module of an optional dependency -> the extra of pyproject.toml that installs it."""


def missing_extra(exc: ImportError) -> str | None:
    """The one-paragraph message for an ImportError of an optional dependency, or None for any other."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return (
        f"this command needs the optional package '{top}', which is not installed. Install the [{extra}] extra "
        f"from the project's folder: python3 -m pip install -e '.[{extra}]'"
    )


def whole_number_option(text: str, least: int, most: int | None = None) -> int:
    """A command-line option's whole number from ``least`` to ``most`` (an argparse type's body)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shorten(text)}") from None
    if most is not None and not least <= value <= most:
        raise argparse.ArgumentTypeError(f"must be from {least} to {most:,}, got {shorten(value)}")
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more, got {shorten(value)}")
    return value


def whole_number_type(least: int, most: int | None = None) -> Any:
    """An argparse ``type=`` for a whole number from ``least`` to ``most`` (:func:`whole_number_option`)."""
    return lambda text: whole_number_option(text, least, most)

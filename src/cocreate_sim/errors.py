"""Errors a user can make, reported as one clear paragraph (never a traceback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .limits import MAX_SHOWN_CHARS


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
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


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

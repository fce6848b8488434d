"""A planner's own scenario files, kept apart from the shipped ones.

Shipped scenarios (``scenarios/``) are under test: every file there must
validate and cite its sources. A planner's half-edited file must not break
those tests, so planners work in a git-ignored folder, ``my_scenarios/``,
and ``python3 run.py new NAME [--from SCENARIO]`` starts them off with a
commented copy of a shipped scenario.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

from .errors import UserError, clip, did_you_mean, display
from .fileio import atomic_write_text
from .yamlio import read_text

WORKSPACE = Path("my_scenarios")
"""The planner's folder, relative to where run.py is called; git ignores it."""
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
"""The shipped scenarios of this source tree."""
DEFAULT_SOURCE = "npm_baseline"
"""Where a new scenario starts when no ``--from`` is given: every lever written out, with its meaning."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
_EXTENDS = re.compile(r"^(extends:\s*)(['\"]?)([^'\"#\n]+?)\2(\s*(#.*)?)$", re.MULTILINE)
_NAME_LINE = re.compile(r"^name:.*$", re.MULTILINE)


def find_source(source: str | None) -> Path:
    """A scenario file by path, or a shipped scenario by name (``npm_baseline``)."""
    text = source or DEFAULT_SOURCE
    path = Path(text)
    if path.is_file():
        return path
    stem = Path(text).name.removesuffix(".yaml").removesuffix(".yml")
    for candidate in (SHIPPED / f"{stem}.yaml", Path("scenarios") / f"{stem}.yaml"):
        if candidate.is_file():
            return candidate
    names = sorted(p.stem for p in SHIPPED.glob("*.yaml"))
    did = did_you_mean(stem, names)
    raise UserError(
        f"--from {clip(text)}: no such scenario file, and no shipped scenario of that name.{did} "
        f"Shipped scenarios: {', '.join(names)}."
    )


def _relink(text: str, source: Path, target: Path) -> str:
    """The copy's ``extends:`` still points at the source's parent, now seen from the copy's folder."""

    def repoint(match: re.Match[str]) -> str:
        parent = (source.parent / match.group(3).strip()).resolve()
        rel = os.path.relpath(parent, target.parent.resolve())
        return f"{match.group(1)}{rel}{match.group(4)}"

    return _EXTENDS.sub(repoint, text, count=1)


def new_scenario(name: str, source: str | None = None, folder: Path = WORKSPACE) -> Path:
    """Write ``folder/NAME.yaml``, a commented copy of ``source``; return its path.

    The copy validates as written, so a planner starts from a working file.
    Never overwrites: an existing file is a UserError.
    """
    from .scenario import load_scenario

    stem = name.removesuffix(".yaml").removesuffix(".yml")
    if not _NAME.match(stem):
        raise UserError(
            f"new {clip(name)}: a scenario name is 1 to 60 letters, digits, '-' or '_', starting with a letter or "
            "digit (it becomes the file name and part of the results folder's name), e.g. 'my_municipality'."
        )
    src = find_source(source)
    load_scenario(src)  # a broken source would make a broken copy
    target = Path(folder) / f"{stem}.yaml"
    if target.exists() or target.is_symlink():  # a link to nothing is still someone's file: never replaced
        raise UserError(
            f"{display(target)} already exists; choose another name, or edit that file "
            f"(python3 run.py validate {display(target)})."
        )
    body = _relink(read_text(src), src, target)
    body = _NAME_LINE.sub(f"name: {stem}", body, count=1)
    today = _dt.date.today().isoformat()
    header = (
        f"# {stem}: your own scenario, copied from {display(src)} on {today}.\n"
        "# Change the levers under 'params:' (every lever, its range and meaning: python3 run.py params).\n"
        f"# Check it:  python3 run.py validate {display(target)}\n"
        f"# Run it:    python3 run.py {display(target)}\n"
        f"# Compare:   python3 run.py compare scenarios/npm_baseline.yaml {display(target)}\n"
        "# This folder is yours: git ignores it and the test suite does not read it.\n\n"
    )
    atomic_write_text(target, header + body)
    try:
        load_scenario(target)
    except UserError:
        target.unlink(missing_ok=True)
        raise
    return target

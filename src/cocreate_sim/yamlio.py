"""The one YAML reader: safe loading, a line number for every key, clear errors.

Scenario files, sweep files and calibration targets are all read here, so a
planner sees the same kind of message whichever file is wrong: the file, the
line, what is allowed. PyYAML's safe loader only: no object construction.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import UserError, clip, closest, display
from .limits import MAX_FILE_BYTES, MAX_NUMBER_CHARS, MAX_YAML_DEPTH

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NOT_DECIMAL = re.compile(r":|^[-+]?0[xXbBoO]|^[-+]?0[0-9_]+$")
"""YAML 1.1 numbers that are not plain decimals: base 60 ('1:30'), hexadecimal, binary, octal ('010')."""

FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
"""What a file's ``name`` (scenario, sweep, targets) may be: it becomes a results folder's name, so one path
part of at most 80 letters, digits, '_', '.' or '-' starting with a letter or digit (never '..' or a '/')."""
FOLDER_NAME_RULE = (
    "'name' becomes part of a results folder's name, so it may hold only letters, digits, '_', '.' and '-' "
    "(at most 80, starting with a letter or digit)"
)
"""The rule of FOLDER_NAME, said to a user whose name breaks it."""


def name_from_file(path: Path) -> str:
    """The name of a file that gives none: its stem made to follow FOLDER_NAME ('my plan (v2)' -> 'my_plan_v2_')."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).lstrip("._-")[:80]
    return name if FOLDER_NAME.fullmatch(name) else "unnamed"


EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""Numbers in exponent form ('1e-3', '1.04e2', '.5E1') that YAML 1.2 and every planner read as numbers but
PyYAML (YAML 1.1) reads as text unless they have a point and a signed exponent."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading EXPONENT_FLOAT as a number."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting text that _Loader would read back as a number (a name '2e3')."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+.0123456789"))


def dump(data: Any) -> str:
    """YAML text that :func:`compose` reads back as ``data`` (the one YAML writer)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


KeyLines = dict[tuple[str, ...], int]
"""The 1-based line of every key path, e.g. ``('params', 'seed') -> 12``; list items by their index."""


def where(path: Path, line: int | None) -> str:
    """``file, line N`` (or just the file when the line is unknown), for the start of an error."""
    return f"{display(path)}, line {line}" if line else display(path)


def nearby_files(path: Path) -> str:
    """A did-you-mean hint for a missing file: the closest YAML file in the same folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f" The folder '{display(folder)}' does not exist either."
    candidates = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    stems = {Path(c).stem: c for c in candidates}
    close = closest(path.stem, stems)
    if close:
        return f" Did you mean '{display(folder / stems[close])}'?"
    if candidates:
        shown = ", ".join(candidates[:8]) + (", ..." if len(candidates) > 8 else "")
        return f" YAML files in '{display(folder)}': {shown}."
    return ""


def read_text(path: str | Path, kind: str = "scenario file") -> str:
    """The file's text; a missing, special, huge or non-UTF-8 file is a UserError naming it."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            target = clip(str(os.readlink(path)), 80)
            raise UserError(
                f"{clip(str(path), 120)} is a link to '{target}', which does not exist; give the path of a .yaml file."
            ) from None
        raise UserError(f"{display(path)}: no such file.{nearby_files(path)}") from None
    except OSError as exc:
        raise UserError(f"{display(path)}: cannot be read ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{display(path)} is a folder, not a {kind}; give the path of a .yaml file.")
    if not stat.S_ISREG(info.st_mode):
        raise UserError(
            f"{display(path)} is not a regular file (a device, pipe or socket); a {kind} is a .yaml text file."
        )
    if info.st_size > MAX_FILE_BYTES:
        raise UserError(
            f"{display(path)} is {info.st_size:,} bytes; a {kind} is a few kilobytes of YAML "
            f"(at most {MAX_FILE_BYTES:,} bytes). Is this the right file?"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UserError(f"{display(path)}: cannot be read ({exc.strerror or exc}).") from None
    if len(data) > MAX_FILE_BYTES:
        raise UserError(f"{display(path)} is over {MAX_FILE_BYTES:,} bytes; a {kind} is a few kilobytes of YAML.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{display(path)}: is not UTF-8 text (byte {exc.start}); save it as UTF-8 plain text (YAML)."
        ) from None


def _yaml_error(path: Path, exc: yaml.YAMLError, text: str, kind: str) -> UserError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    col = f", column {mark.column + 1}" if mark is not None else ""
    lines_of_text = text.splitlines()
    last = max(1, len(lines_of_text))
    if line is not None and line > last:  # the problem is the end of the file: point at its last line
        line, col = last, ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else problem
    if line is not None and "\t" in (lines_of_text[line - 1] if line <= len(lines_of_text) else ""):
        detail += "; that line contains a tab character: indent with spaces only"
    return UserError(
        f"{where(path, line)}{col}: this is not valid YAML ({detail}). A {kind} is a list of "
        "'key: value' lines; nested keys are indented by two spaces; text after '#' is a "
        "comment. Check the indentation and any ':' or quotes on that line and the one above."
    )


def compose(path: str | Path, kind: str = "scenario file") -> tuple[Any, KeyLines]:
    """Load one YAML file safely; also return the line of every key path.

    Duplicate keys, YAML tags, nesting deeper than ``MAX_YAML_DEPTH`` and
    aliases that expand one node more than once (a "billion laughs" bomb) are
    refused with a UserError naming the file and line.
    """
    path = Path(path)
    text = read_text(path, kind)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            lines: KeyLines = {}
            if node is not None:
                _walk(path, node, (), lines, 0, set(), kind)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise UserError(
            f"{display(path)}{line}: {exc.problem}. A {kind} is read safely and may hold only plain values "
            "(numbers, text, true/false, lists and 'key: value' mappings), no YAML tags such as '!!python/...'."
        ) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc, text, kind) from None
    except RecursionError:
        raise UserError(f"{display(path)}: the YAML is nested too deeply to be a {kind}.") from None
    except (ValueError, OverflowError) as exc:  # a value PyYAML recognises but Python cannot hold
        raise UserError(f"{display(path)}: a value cannot be read ({clip(str(exc))}).") from None
    return data, lines


def _walk(path: Path, node: yaml.Node, prefix: tuple[str, ...], lines: KeyLines, depth: int, seen: set, kind: str):
    """Note each key's line; refuse duplicate keys, deep nesting, re-used (aliased) collections and huge numbers."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            # Python refuses to read a whole number of over 4,300 digits (a traceback), and a long
            # sexagesimal one ('1:2:3:...', 600 kB) takes half a minute: no key accepts such a number anyway.
            raise UserError(
                f"{where(path, node.start_mark.line + 1)}: a number of {len(node.value):,} characters; "
                f"no value in a {kind} needs more than a few digits (at most {MAX_NUMBER_CHARS:,} are read)."
            )
        if node.tag in _NUMBER_TAGS and _NOT_DECIMAL.search(node.value):
            # YAML 1.1 reads '1:30' as 90 (base 60), '010' as 8 (octal) and '0x10' as 16: a planner who wrote a
            # time or a zero-padded number would get a value they never meant, so only plain decimals are read.
            raise UserError(
                f"{where(path, node.start_mark.line + 1)}: '{clip(node.value, 40)}' is not a plain decimal number "
                f"(YAML would read it as base 60, octal, hexadecimal or binary). Write numbers in a {kind} as "
                "plain decimals, e.g. 90, 0.3 or 0.001; quote the value if it is meant as text."
            )
        return
    line = node.start_mark.line + 1
    if depth > MAX_YAML_DEPTH:
        raise UserError(
            f"{where(path, line)}: the YAML is nested more than {MAX_YAML_DEPTH} levels deep; a {kind} is flat."
        )
    if id(node) in seen:  # an alias to a list or mapping: harmless once, explosive when nested
        raise UserError(
            f"{where(path, line)}: YAML aliases ('*name') of lists or mappings are not allowed in a {kind}; "
            "write the values out."
        )
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*prefix, str(i))] = item.start_mark.line + 1
            _walk(path, item, (*prefix, str(i)), lines, depth + 1, seen, kind)
        return
    first: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        key_line = key_node.start_mark.line + 1
        if key in first and key != "<<":
            dotted = ".".join((*prefix, key))
            raise UserError(
                f"{display(path)}, line {key_line}: the key '{dotted}' appears twice (first on line {first[key]}). "
                "Each key may be given once; delete one of them."
            )
        first[key] = key_line
        lines[(*prefix, key)] = key_line
        _walk(path, value_node, (*prefix, key), lines, depth + 1, seen, kind)


def load_mapping(path: str | Path, kind: str = "scenario file") -> tuple[dict[str, Any], KeyLines]:
    """A YAML mapping and its key lines; anything else at the top level is a UserError."""
    path = Path(path)
    data, lines = compose(path, kind)
    if not isinstance(data, dict):
        raise UserError(f"{display(path)}: expected a YAML mapping of 'key: value' lines at the top level.")
    return data, lines
